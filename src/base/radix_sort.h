// RadixSortBy: a stable sort of a vector by a 64-bit unsigned key, for the
// large arrays of a bulk load (a batch's records by person, its claims by
// hash slot, a unit's claims). Least significant digit first, 11 bits a pass:
// at most six passes over the data, and none for a digit every key shares
// (the high bits of keys of one range). Several times faster than std::sort
// from a few thousand elements on.
//
//   std::vector<std::pair<uint64_t, uint32_t>> v = ...;
//   RadixSortBy(v, [](const auto& p) { return p.first; });  // ties keep their order
//
// Signed keys sort correctly as OrderedBits(key).
#ifndef TACIT_SRC_BASE_RADIX_SORT_H_
#define TACIT_SRC_BASE_RADIX_SORT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tacit {

// The unsigned key that orders int64 values as they order.
inline uint64_t OrderedBits(int64_t v) { return static_cast<uint64_t>(v) ^ (uint64_t{1} << 63); }

template <typename T, typename KeyFn>
void RadixSortBy(std::vector<T>& v, KeyFn key) {
  const size_t n = v.size();
  if (n < 1024) {
    std::stable_sort(v.begin(), v.end(), [&key](const T& a, const T& b) { return key(a) < key(b); });
    return;
  }
  constexpr int kBits = 11;
  constexpr int kPasses = (64 + kBits - 1) / kBits;
  constexpr size_t kBuckets = size_t{1} << kBits;
  constexpr uint64_t kMask = kBuckets - 1;
  // Every pass's digit counts in one read of the data.
  std::vector<size_t> counts(kPasses * kBuckets, 0);
  for (const T& x : v) {
    const uint64_t k = key(x);
    for (int d = 0; d < kPasses; ++d) ++counts[static_cast<size_t>(d) * kBuckets + ((k >> (d * kBits)) & kMask)];
  }
  std::vector<T> other(n);
  T* from = v.data();
  T* to = other.data();
  const uint64_t first_key = key(v.front());
  for (int d = 0; d < kPasses; ++d) {
    size_t* count = &counts[static_cast<size_t>(d) * kBuckets];
    if (count[(first_key >> (d * kBits)) & kMask] == n) continue;  // every key has this digit
    size_t at = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      const size_t c = count[b];
      count[b] = at;
      at += c;
    }
    for (size_t i = 0; i < n; ++i) to[count[(key(from[i]) >> (d * kBits)) & kMask]++] = from[i];
    std::swap(from, to);
  }
  if (from != v.data()) v.swap(other);
}

}  // namespace tacit

#endif  // TACIT_SRC_BASE_RADIX_SORT_H_
