#include "store/sqlite/int_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

namespace tacit::sqlite {
namespace {

using Entries = std::vector<std::pair<int64_t, uint32_t>>;

// What SortedEntries must give: the map's content by key.
Entries Expected(const std::map<int64_t, uint32_t>& m) { return Entries(m.begin(), m.end()); }

TEST(IntMap, FindsWhatWasInsertedAndListsItByKey) {
  std::mt19937_64 rng(7);
  IntMap map(1000);
  std::map<int64_t, uint32_t> want;
  for (uint32_t i = 0; i < 50000; ++i) {  // grows past the hint several times
    int64_t key = static_cast<int64_t>(rng());
    if (i % 1000 == 0) key = key + 1;  // neighbours, as a collision's next slot
    if (want.count(key) != 0) continue;
    map.Insert(key, i);
    want[key] = i;
  }
  map.Insert(0, 99);  // the key that marks free slots
  want[0] = 99;
  ASSERT_EQ(map.size(), want.size());
  for (const auto& [key, value] : want) {
    const uint32_t* found = map.Find(key);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(*found, value);
  }
  EXPECT_EQ(map.Find(12345), nullptr);
  EXPECT_EQ(map.SortedEntries(), Expected(want));
}

TEST(IntMap, ARunThatWrapsPastTheLastSlotStillListsInOrder) {
  IntMap map(8);  // 16 slots: the keys' top 4 bits are their home
  std::map<int64_t, uint32_t> want;
  // Keys whose home is the last slot (the largest keys), more than fit there.
  for (uint32_t i = 0; i < 6; ++i) {
    const int64_t key = INT64_MAX - static_cast<int64_t>(i) * 1000;
    map.Insert(key, i);
    want[key] = i;
  }
  map.Insert(INT64_MIN + 5, 10);  // home slot 0, taken by a wrapped key
  want[INT64_MIN + 5] = 10;
  EXPECT_EQ(map.SortedEntries(), Expected(want));
}

TEST(IntMap, KeysThatAreNotSpreadAreStillListedInOrder) {
  IntMap map(16);
  std::map<int64_t, uint32_t> want;
  for (uint32_t i = 0; i < 20000; ++i) {  // small keys, inserted backwards: one long run
    const int64_t key = 30000 - static_cast<int64_t>(i);
    map.Insert(key, i);
    want[key] = i;
  }
  EXPECT_EQ(map.SortedEntries(), Expected(want));
  EXPECT_EQ(*map.Find(30000), 0u);
}

}  // namespace
}  // namespace tacit::sqlite
