#include "ingest/key_set.h"

#include <gtest/gtest.h>

#include <vector>

namespace tacit::ingest_internal {
namespace {

TEST(KeySet, FindsExactlyTheKeysItWasGiven) {
  std::vector<uint64_t> keys;
  for (uint64_t i = 1; i <= 10000; ++i) keys.push_back(i * 11 + 140105000000000000ULL);
  KeySet set(keys);
  EXPECT_EQ(set.size(), keys.size());
  for (uint64_t k : keys) EXPECT_TRUE(set.Contains(k));
  EXPECT_FALSE(set.Contains(140105000000000000ULL + 5));
  EXPECT_FALSE(set.Contains(1));
  KeySet empty({});
  EXPECT_FALSE(empty.Contains(42));
}

TEST(KeySet, GivesItsSlotsInKeyOrderOnceEachWhateverTheOrderGiven) {
  const std::vector<uint64_t> keys = {140105000000000077ULL, 140105000000000011ULL, 140105000000000055ULL,
                                      140105000000000011ULL, 140105000000000033ULL};
  KeySet set(keys);
  std::vector<uint64_t> out;
  for (uint32_t slot : set.SlotsInKeyOrder()) out.push_back(set.KeyAt(slot));
  EXPECT_EQ(out, (std::vector<uint64_t>{140105000000000011ULL, 140105000000000033ULL, 140105000000000055ULL,
                                        140105000000000077ULL}));
  std::vector<uint64_t> sorted;
  for (uint64_t i = 1; i <= 5000; ++i) sorted.push_back(i * 7 + 140105000000000000ULL);
  KeySet in_order(sorted);
  ASSERT_EQ(in_order.SlotsInKeyOrder().size(), sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) EXPECT_EQ(in_order.KeyAt(in_order.SlotsInKeyOrder()[i]), sorted[i]);
}

}  // namespace
}  // namespace tacit::ingest_internal
