#include "store/sqlite/evidence_pack.h"

#include <gtest/gtest.h>

#include <limits>

namespace tacit::sqlite {
namespace {

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
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(out[i].source_id, in[i].source_id);
    EXPECT_EQ(out[i].batch_id, in[i].batch_id);
    EXPECT_EQ(out[i].occurred_on, in[i].occurred_on);
    EXPECT_EQ(out[i].received_on, in[i].received_on);
    EXPECT_EQ(out[i].kind, in[i].kind);
    EXPECT_EQ(out[i].link_method, in[i].link_method);
    EXPECT_EQ(out[i].link_score, in[i].link_score);
    EXPECT_EQ(out[i].ref, in[i].ref);
    EXPECT_EQ(out[i].detail, in[i].detail);
  }
  ASSERT_TRUE(DecodePack("", out));
  EXPECT_TRUE(out.empty());
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

}  // namespace
}  // namespace tacit::sqlite
