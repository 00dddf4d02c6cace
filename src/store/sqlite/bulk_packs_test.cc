#include "store/sqlite/bulk_packs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "store/sqlite/evidence_pack.h"

namespace tacit::sqlite {
namespace {

// A unit of `batches` batches; batch b holds one record for each person p
// with p % batches == b, and a second for every seventh person. Persons are
// 1 … persons. A record's ref names its batch and person.
BulkPacks MakeUnit(int batches, int persons) {
  BulkPacks packs;
  packs.first_provisional = 1000;
  uint32_t provisional = 0;
  for (int b = 0; b < batches; ++b) {
    packs.runs.push_back(packs.entries.size());
    for (int p = 1; p <= persons; ++p) {
      if (p % batches != b) continue;
      for (int copy = 0; copy < (p % 7 == 0 ? 2 : 1); ++copy) {
        const size_t at = packs.bytes.size();
        const std::string ref = "b" + std::to_string(b) + "p" + std::to_string(p) + "c" + std::to_string(copy);
        AppendPackedRecord(packs.bytes, {.source_id = 1 + b,
                                         .batch_id = 10 + b,
                                         .occurred_on = 20000 + p,
                                         .received_on = 20400,
                                         .kind = "travel",
                                         .link_method = "exact",
                                         .link_score = 1.0,
                                         .ref = ref,
                                         .detail = ""});
        packs.entries.push_back({p, provisional++, static_cast<uint32_t>(packs.bytes.size() - at), at});
      }
    }
  }
  packs.entry_of.assign(provisional, 0);
  return packs;
}

// Runs as batches make them: each sorted by (person, provisional id), a
// person in several runs, later runs with later ids, some runs empty, of
// lengths that rise, fall and vary.
TEST(MergePackRuns, MergesAnyNumberOfRunsIntoPersonThenIdOrder) {
  std::mt19937 random(7);
  const auto before = [](const BulkPacks::Entry& a, const BulkPacks::Entry& b) {
    return a.person != b.person ? a.person < b.person : a.provisional < b.provisional;
  };
  for (const int run_count : {2, 3, 5, 72, 129}) {
    BulkPacks packs;
    uint32_t provisional = 0;
    for (int r = 0; r < run_count; ++r) {
      packs.runs.push_back(packs.entries.size());
      const int size = r % 4 == 1 ? 0 : r % 3 == 0 ? static_cast<int>(random() % 300) : 400 - r;
      std::vector<BulkPacks::Entry> run;
      for (int i = 0; i < size; ++i) run.push_back({static_cast<int64_t>(random() % 500), provisional++, 1, 0});
      std::stable_sort(run.begin(), run.end(), [](const auto& a, const auto& b) { return a.person < b.person; });
      packs.entries.insert(packs.entries.end(), run.begin(), run.end());
    }
    packs.entry_of.assign(provisional, 0);
    std::vector<BulkPacks::Entry> expected = packs.entries;
    std::sort(expected.begin(), expected.end(), before);

    MergePackRuns(packs);

    ASSERT_EQ(packs.entries.size(), expected.size()) << run_count << " runs";
    for (size_t k = 0; k < expected.size(); ++k) {
      ASSERT_EQ(packs.entries[k].person, expected[k].person) << run_count << " runs, entry " << k;
      ASSERT_EQ(packs.entries[k].provisional, expected[k].provisional) << run_count << " runs, entry " << k;
      EXPECT_EQ(packs.entry_of[packs.entries[k].provisional], k + 1);
    }
    EXPECT_EQ(packs.runs, std::vector<size_t>{0});
  }
}

TEST(PackFeed, GivesOnePackAPersonInPersonOrderAcrossRuns) {
  constexpr int kPersons = 40000;  // more than two runs of PackFeed::kPacksPerRun
  BulkPacks packs = MakeUnit(5, kPersons);
  PackFeed feed(packs);
  feed.WaitMerged();
  ASSERT_EQ(feed.count(), static_cast<size_t>(kPersons));
  ASSERT_EQ(packs.runs, std::vector<size_t>{0});
  // entry_of points at the merged places.
  for (size_t k = 0; k < packs.entries.size(); ++k) EXPECT_EQ(packs.entry_of[packs.entries[k].provisional], k + 1);
  size_t next_pack = 0;
  int runs = 0;
  std::vector<PackedRecord> records;
  while (std::optional<GatheredPacks> run = feed.Next()) {
    ASSERT_TRUE(run->status.has_value()) << run->status.error().message;
    ASSERT_EQ(run->first, next_pack);
    ++runs;
    size_t begin = 0;
    for (const size_t end : run->ends) {
      const int person = static_cast<int>(next_pack) + 1;
      ASSERT_TRUE(DecodePack(std::string_view(run->bytes).substr(begin, end - begin), records).has_value());
      ASSERT_EQ(records.size(), person % 7 == 0 ? 2u : 1u) << "person " << person;
      for (size_t c = 0; c < records.size(); ++c) {
        EXPECT_EQ(records[c].ref, "b" + std::to_string(person % 5) + "p" + std::to_string(person) + "c" +
                                      std::to_string(c));
        EXPECT_EQ(records[c].occurred_on, 20000 + person);
      }
      begin = end;
      ++next_pack;
    }
  }
  EXPECT_EQ(next_pack, static_cast<size_t>(kPersons));
  EXPECT_EQ(runs, 3);
  EXPECT_FALSE(feed.Next().has_value());
}

TEST(PackFeed, StopsCleanlyWhenDroppedBeforeItsRunsAreTaken) {
  BulkPacks packs = MakeUnit(3, 60000);
  {
    PackFeed feed(packs);
    feed.WaitMerged();
    ASSERT_TRUE(feed.Next().has_value());
  }  // the gatherer is waiting for room, or gathering: it stops and joins
  // The packs stay merged and readable.
  for (size_t k = 1; k < packs.entries.size(); ++k) EXPECT_LE(packs.entries[k - 1].person, packs.entries[k].person);
}

TEST(PackFeed, AnEmptyUnitGivesNoRun) {
  BulkPacks packs;
  PackFeed feed(packs);
  feed.WaitMerged();
  EXPECT_EQ(feed.count(), 0u);
  EXPECT_FALSE(feed.Next().has_value());
}

TEST(PackFeed, ARecordThatDoesNotDecodeEndsTheFeedWithAnError) {
  BulkPacks packs = MakeUnit(2, 100);
  packs.entries[5].size = 2;  // cut inside the record
  PackFeed feed(packs);
  std::optional<GatheredPacks> run = feed.Next();
  ASSERT_TRUE(run.has_value());
  EXPECT_FALSE(run->status.has_value());
  EXPECT_FALSE(feed.Next().has_value());
}

}  // namespace
}  // namespace tacit::sqlite
