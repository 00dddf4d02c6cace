#include "store/sqlite/evidence_pack.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace tacit::sqlite {
namespace {

void ExpectSame(const std::vector<PackedRecord>& out, const std::vector<PackedRecord>& in) {
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(out[i].source_id, in[i].source_id);
    EXPECT_EQ(out[i].batch_id, in[i].batch_id);
    EXPECT_EQ(out[i].occurred_on, in[i].occurred_on);
    EXPECT_EQ(out[i].received_on, in[i].received_on);
    EXPECT_EQ(out[i].kind, in[i].kind);
    EXPECT_EQ(out[i].link_method, in[i].link_method);
    EXPECT_EQ(std::signbit(out[i].link_score), std::signbit(in[i].link_score));
    EXPECT_EQ(out[i].link_score, in[i].link_score);
    EXPECT_EQ(out[i].ref, in[i].ref);
    EXPECT_EQ(out[i].detail, in[i].detail);
  }
}

TEST(EvidencePack, RecordsComeBackAsWritten) {
  const std::string long_detail(300, 'd');  // a length past one varint byte
  std::vector<PackedRecord> in(3);
  in[0] = {1, 7, 20577, 20600, "travel", "exact", 1.0, "G1234-2026-05-03-0007", ""};
  in[1] = {130, 1LL << 40, -3, 0, "death", "exact", 0.8125, "火化-001", long_detail};
  in[2] = {std::numeric_limits<int64_t>::max(), 0, std::numeric_limits<int32_t>::min(),
           std::numeric_limits<int32_t>::max(), "", "", -0.0, "", "{}"};
  std::string pack;
  for (const PackedRecord& r : in) AppendPackedRecord(pack, r);
  std::vector<PackedRecord> out = {PackedRecord{}};  // replaced, not appended to
  ASSERT_TRUE(DecodePack(pack, out));
  ExpectSame(out, in);
  ASSERT_TRUE(DecodePack("", out));
  EXPECT_TRUE(out.empty());
}

TEST(EvidencePack, AnArenaRecordDecodesAloneAndOnlyWhole) {
  const std::string long_detail(300, 'd');
  const PackedRecord in = {130, 1LL << 40, -3, 0, "death", "exact", 0.8125, "火化-001", long_detail};
  std::string bytes;
  AppendPackedRecord(bytes, in);
  PackedRecord out;
  ASSERT_TRUE(DecodeArenaRecord(bytes, out));
  ExpectSame({out}, {in});
  // Cut anywhere, or followed by anything, it is not one record.
  for (size_t cut = 0; cut < bytes.size(); ++cut) EXPECT_FALSE(DecodeArenaRecord(bytes.substr(0, cut), out)) << cut;
  EXPECT_FALSE(DecodeArenaRecord(bytes + '\0', out));
  AppendPackedRecord(bytes, in);
  EXPECT_FALSE(DecodeArenaRecord(bytes, out));
}

TEST(EvidencePack, ACutPackIsAnErrorNotAShorterList) {
  std::string pack;
  AppendPackedRecord(pack, {1, 2, 3, 4, "travel", "exact", 1.0, "R1", ""});
  AppendPackedRecord(pack, {1, 2, 3, 4, "travel", "exact", 1.0, "R2", "{\"a\":1}"});
  std::vector<PackedRecord> out;
  for (size_t cut = 1; cut < pack.size(); ++cut) {
    const std::string_view part(pack.data(), cut);
    const Status s = DecodePack(part, out);
    // Exactly one cut is a record boundary; every other must fail.
    if (s) {
      EXPECT_EQ(out.size(), 1u) << cut;
    } else {
      EXPECT_NE(s.error().ToString().find("evidence_pack"), std::string::npos);
    }
  }
}

std::string Format2(const std::vector<PackedRecord>& in) {
  std::string pack;
  PackWriter writer(pack);
  for (const PackedRecord& r : in) writer.Add(r);
  return pack;
}

TEST(EvidencePack, Format2RefersBackToTextsAndReadsAsWritten) {
  const std::string long_detail(300, 'd');
  const std::string bank = "{\"bank\":\"中国银行\",\"branch\":\"浑源县支行\"}";
  std::vector<PackedRecord> in = {
      {1, 7, 20577, 20600, "bank_counter", "exact", 1.0, "BK1", bank},
      {1, 8, 20600, 20590, "bank_counter", "exact", 1.0, "BK2", bank},  // received before it happened
      {130, 1LL << 40, -3, 0, "death", "exact", 0.8125, "火化-001", long_detail},
      {2, 9, 20601, 20700, "exact", "bank_counter", -0.0, "", ""},  // a text in another field
      {std::numeric_limits<int64_t>::max(), 0, std::numeric_limits<int32_t>::min(),
       std::numeric_limits<int32_t>::max(), "", "", 1.0, "", "{}"},
      {1, 7, 20577, 20600, "bank_counter", "exact", 1.0, "BK1", bank},
  };
  const std::string pack = Format2(in);
  std::vector<PackedRecord> out = {PackedRecord{}};
  ASSERT_TRUE(DecodePack(pack, out));
  ExpectSame(out, in);
  // The repeats cost a byte each: shorter than format 1 by more than the
  // texts written twice.
  std::string one;
  for (const PackedRecord& r : in) AppendPackedRecord(one, r);
  EXPECT_LT(pack.size() + 2 * bank.size() + 3 * std::string("bank_counter").size(), one.size());
  // A pack without records.
  ASSERT_TRUE(DecodePack(Format2({}), out));
  EXPECT_TRUE(out.empty());
}

TEST(EvidencePack, Format2KeepsTheFirstTextsForReferenceAndWritesTheRestOut) {
  // 100 details, each twice: the first kMaxPackTexts texts (kind, method
  // and 62 details) are referred to, the rest written out again.
  std::vector<std::string> details;
  for (int i = 0; i < 100; ++i) details.push_back("detail-" + std::to_string(i));
  std::vector<PackedRecord> in;
  for (int i = 0; i < 200; ++i) in.push_back({1, 1, 0, 0, "travel", "exact", 1.0, "R", details[i % 100]});
  const std::string pack = Format2(in);
  std::vector<PackedRecord> out;
  ASSERT_TRUE(DecodePack(pack, out));
  ExpectSame(out, in);
  std::string first_half;
  PackWriter writer(first_half);
  for (size_t i = 0; i < 100; ++i) writer.Add(in[i]);
  // The second half is the first without the header, the kind's and the
  // method's texts, and the texts of the details referred to.
  size_t referred = 0;
  for (size_t i = 0; i + 2 < kMaxPackTexts; ++i) referred += details[i].size();
  EXPECT_EQ(pack.size() - first_half.size(),
            first_half.size() - 2 - std::string("travelexact").size() - referred);
}

TEST(EvidencePack, Format2RefusesAReferenceToNoTextAndUnknownFlagsAndFormats) {
  std::vector<PackedRecord> out;
  // flags 0, source 1, batch 1, days 0 0, kind: reference 0 before any text.
  const std::string no_text("\x00\x02\x00\x01\x01\x00\x00\x01", 8);
  EXPECT_FALSE(DecodePack(no_text, out));
  std::string flags = Format2({{1, 1, 0, 0, "travel", "exact", 1.0, "R", ""}});
  flags[2] = 4;
  const Status s = DecodePack(flags, out);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().ToString().find("flags"), std::string::npos);
  EXPECT_FALSE(DecodePack(std::string("\x00\x03", 2), out));
  EXPECT_FALSE(DecodePack(std::string("\x00", 1), out));
}

TEST(EvidencePack, ACutFormat2PackIsAnErrorNotAShorterList) {
  const std::string pack = Format2({{1, 2, 3, 4, "travel", "exact", 1.0, "R1", ""},
                                    {1, 2, 3, 4, "travel", "exact", 0.5, "R2", "{\"a\":1}"}});
  std::vector<PackedRecord> out;
  int whole = 0;
  for (size_t cut = 2; cut < pack.size(); ++cut) {
    const Status s = DecodePack(std::string_view(pack.data(), cut), out);
    if (s) {
      ++whole;
    } else {
      EXPECT_NE(s.error().ToString().find("evidence_pack"), std::string::npos);
    }
  }
  EXPECT_EQ(whole, 2);  // the header alone, and the first record
}

}  // namespace
}  // namespace tacit::sqlite
