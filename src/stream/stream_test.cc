// The stream's pieces that need no server: partitions, message bodies, names.
#include "tacit/stream.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

namespace tacit {
namespace {

const Date kToday = *ParseDate("2026-06-03");

std::string ValidId(std::string_view id17) { return std::string(id17) + IdCheckCharacter(id17); }

TEST(StableHash, IsFnv1aAndTheSameEverywhere) {
  // FNV-1a 64 reference values: a change here would move every person's partition.
  EXPECT_EQ(StableHash64(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(StableHash64("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_EQ(StableHash64("foobar"), 0x85944171f73967e8ULL);
}

TEST(FeedPartition, EverySpellingOfANumberGoesToOnePartition) {
  const int p = FeedPartition("11010519491231002X", "railway", "T1", 16, kToday);
  EXPECT_EQ(FeedPartition("11010519491231002x", "health", "Z9", 16, kToday), p);
  EXPECT_EQ(FeedPartition("110105491231002", "bank", "B7", 16, kToday), p);  // 15 digits
  EXPECT_EQ(FeedPartition(" １１０１０５１９４９１２３１００２X ", "court", "C1", 16, kToday), p);
}

TEST(FeedPartition, IsStableAcrossBuilds) {
  // Pinned: the partition of a person may not change between versions, or a
  // stream published by one version would be applied out of order by another.
  EXPECT_EQ(FeedPartition("11010519491231002X", "railway", "T1", 16, kToday),
            FeedPartition("11010519491231002X", "x", "y", 16, kToday));
  const int pinned = FeedPartition("11010519491231002X", "railway", "T1", 16, kToday);
  EXPECT_GE(pinned, 0);
  EXPECT_LT(pinned, 16);
  EXPECT_EQ(FeedPartition("", "railway", "E123456789", 1, kToday), 0);
}

TEST(FeedPartition, ARecordWithoutAUsableNumberGoesBySourceAndRef) {
  const int a = FeedPartition("", "railway", "E1", 16, kToday);
  EXPECT_EQ(FeedPartition("not a number", "railway", "E1", 16, kToday), a);
  EXPECT_EQ(FeedPartition("110105194912310021", "railway", "E1", 16, kToday), a);  // bad check character
  // (source, ref) is a pair: moving a character from one to the other changes it.
  std::set<int> seen;
  for (int i = 0; i < 64; ++i) seen.insert(FeedPartition("", "railway", "E" + std::to_string(i), 16, kToday));
  EXPECT_GT(seen.size(), 8u);
}

TEST(FeedPartition, SpreadsPersonsEvenly) {
  std::vector<int> count(16, 0);
  const int n = 16000;
  for (int i = 0; i < n; ++i) {
    char id17[24];
    std::snprintf(id17, sizeof id17, "320106%04d%02d%02d%03d", 1940 + i % 30, 1 + i / 30 % 12, 1 + i / 360 % 28,
                  i % 1000);
    ++count[static_cast<size_t>(FeedPartition(ValidId(id17), "s", "r", 16, kToday))];
  }
  for (int c : count) {
    EXPECT_GT(c, n / 16 * 8 / 10);
    EXPECT_LT(c, n / 16 * 12 / 10);
  }
}

TEST(StreamRecord, EncodesTheCanonicalFieldsInOrderAndDecodesThem) {
  StreamRecord r;
  r.source = "bank";
  r.kind = "bank_counter";
  r.id_number = "320106194704041561";
  r.name = "吴秀珍";
  r.sex = "F";
  r.birth_date = "1947-04-04";
  r.region_code = "320106002003";
  r.occurred_on = "2026-05-09";
  r.ref = "ICBC-20260509-88812";
  r.detail = R"({"branch":"南京鼓楼支行"})";
  r.received_on = kToday;
  const std::string body = EncodeStreamRecord(r);
  EXPECT_EQ(body,
            R"({"source":"bank","kind":"bank_counter","id_number":"320106194704041561","name":"吴秀珍","sex":"F",)"
            R"("birth_date":"1947-04-04","region_code":"320106002003","occurred_on":"2026-05-09",)"
            R"("ref":"ICBC-20260509-88812","detail":{"branch":"南京鼓楼支行"},"received_on":"2026-06-03"})");
  auto back = DecodeStreamRecord(body);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->id_number, r.id_number);
  EXPECT_EQ(back->name, r.name);
  EXPECT_EQ(back->detail, r.detail);
  EXPECT_EQ(back->received_on, kToday);
  EXPECT_EQ(EncodeStreamRecord(*back), body);
}

TEST(StreamRecord, LeavesEmptyFieldsOut) {
  StreamRecord r;
  r.source = "railway";
  r.kind = "travel";
  r.occurred_on = "2026-05-02";
  r.ref = "E1";
  r.received_on = kToday;
  EXPECT_EQ(EncodeStreamRecord(r),
            R"({"source":"railway","kind":"travel","occurred_on":"2026-05-02","ref":"E1","received_on":"2026-06-03"})");
}

TEST(StreamRecord, DecodingRefusesWhatIsNotARecordWithoutQuotingIt) {
  EXPECT_FALSE(DecodeStreamRecord("[1,2]"));
  EXPECT_FALSE(DecodeStreamRecord("not json"));
  auto no_date = DecodeStreamRecord(R"({"source":"s","ref":"r"})");
  ASSERT_FALSE(no_date);
  EXPECT_NE(no_date.error().message.find("received_on"), std::string::npos);
  auto bad = DecodeStreamRecord(R"({"id_number":110105194912310021,"received_on":"2026-06-03"})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.find("110105"), std::string::npos);
}

TEST(StreamRecord, TheCanonicalLineIsTheBodyWithoutReceivedOn) {
  StreamRecord r;
  r.source = "railway";
  r.kind = "travel";
  r.id_number = "11010519491231002X";
  r.occurred_on = "2026-05-02";
  r.ref = "E1";
  r.detail = R"({"from":"苏州"})";
  r.received_on = kToday;
  EXPECT_EQ(CanonicalLineOfMessage(EncodeStreamRecord(r)),
            R"({"source":"railway","kind":"travel","id_number":"11010519491231002X","occurred_on":"2026-05-02",)"
            R"("ref":"E1","detail":{"from":"苏州"}})");
  // Not a record: kept as sent on one line, for the feed reader to reject.
  EXPECT_EQ(CanonicalLineOfMessage("oops\nsecond"), "oops second");
}

TEST(StreamRecord, FromAFeedRow) {
  FeedRow row;
  row.source = "health";
  row.kind = "death";
  row.id_number = "11010519491231002X";
  row.sex = Sex::kFemale;
  row.birth_date = ParseDate("1949-12-31").value();
  row.occurred_on = *ParseDate("2026-05-01");
  row.ref = "ZY1";
  const StreamRecord r = StreamRecordFromRow(row, kToday);
  EXPECT_EQ(r.sex, "F");
  EXPECT_EQ(r.birth_date, "1949-12-31");
  EXPECT_EQ(r.occurred_on, "2026-05-01");
  EXPECT_EQ(r.received_on, kToday);
}

TEST(StreamNames, SubjectsIdsKeysAndConsumers) {
  EXPECT_EQ(FeedSubject(7), "tacit.feed.7");
  EXPECT_EQ(FeedMessageId("railway", "E1"), "railway/E1");
  EXPECT_EQ(FeedMessageId("railway", "E1\r\nX"), "railway/E1  X");
  EXPECT_EQ(StreamOffsetKey(12), "stream/TACIT_FEEDS/12");
  EXPECT_EQ(FeedConsumerName(3), "tacit-p3");
}

TEST(PartitionList, RangesAndSingles) {
  EXPECT_EQ(ParsePartitionList("0-7").value(), (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(ParsePartitionList("8,3,0-1,3").value(), (std::vector<int>{0, 1, 3, 8}));
  EXPECT_EQ(ParsePartitionList("15").value(), (std::vector<int>{15}));
  for (const char* bad : {"", "a", "7-3", "1,,2", "-1", "0-", "0-1024", "1x"}) {
    EXPECT_FALSE(ParsePartitionList(bad)) << bad;
  }
}

TEST(NatsUrl, CredentialsAreNeverShown) {
  EXPECT_EQ(RedactedNatsUrl("nats://127.0.0.1:4222"), "nats://127.0.0.1:4222");
  EXPECT_EQ(RedactedNatsUrl("nats://tacit:s3cret@nats1:4222,nats://u:p@nats2:4222"),
            "nats://***@nats1:4222,nats://***@nats2:4222");
}

}  // namespace
}  // namespace tacit
