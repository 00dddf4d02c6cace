#include "base/radix_sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace tacit {
namespace {

// Sorted as std::stable_sort sorts, for sizes around the small-input cut-off
// and keys that share high digits, share everything, or span the whole range.
TEST(RadixSortBy, SortsStablyAsStdStableSort) {
  std::mt19937_64 rng(2026);
  for (size_t n : {0, 1, 2, 1023, 1024, 1025, 5000, 100000}) {
    for (int shape = 0; shape < 4; ++shape) {
      std::vector<std::pair<uint64_t, uint32_t>> v(n);
      for (size_t i = 0; i < n; ++i) {
        uint64_t k = rng();
        if (shape == 1) k = 140000000000000000ULL + k % 100000;  // person keys of one province: high digits shared
        if (shape == 2) k = 42;                                 // all ties
        if (shape == 3) k %= 64;                                // many ties
        v[i] = {k, static_cast<uint32_t>(i)};
      }
      auto expected = v;
      std::stable_sort(expected.begin(), expected.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      RadixSortBy(v, [](const auto& p) { return p.first; });
      ASSERT_EQ(v, expected) << "n=" << n << " shape=" << shape;
    }
  }
}

TEST(RadixSortBy, OrdersSignedKeysThroughOrderedBits) {
  std::mt19937_64 rng(7);
  std::vector<std::pair<int64_t, int64_t>> v(20000);
  for (size_t i = 0; i < v.size(); ++i) v[i] = {static_cast<int64_t>(rng()), static_cast<int64_t>(i)};
  v[0].first = INT64_MIN;
  v[1].first = INT64_MAX;
  v[2].first = 0;
  v[3].first = -1;
  auto expected = v;
  std::sort(expected.begin(), expected.end());  // keys distinct but for chance: ties by second, as stable
  RadixSortBy(v, [](const auto& p) { return OrderedBits(p.first); });
  EXPECT_EQ(v, expected);
}

}  // namespace
}  // namespace tacit
