#include "ingest/key_set.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tacit::ingest_internal
