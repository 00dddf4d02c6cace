// A map from int64 keys to uint32 values with open addressing and linear
// probing, growing by doubling: the in-memory claims of a bulk load (millions
// of entries, no allocation per insert; the value is an id less the unit's
// first). Internal to the SQLite backend.
//
// Made for keys that are hash values, spread evenly over their high bits
// (the claims' slots): a key's home slot is its high bits, so the table is
// laid out in key order but for the order inside each run of neighbouring
// slots, and SortedEntries reads it sorted in about one pass where a radix
// sort of a province's 4.8 million claims took six. Other keys are correct
// but slow (long runs).
//
// Filled to at most 3/4: a province's ingest, hinted at 6.1 million rows,
// holds its 4.8 million claims in 8 M slots of 12 bytes (96 MB) where 64-bit
// values at half load took 256 MB, all of it pages for the kernel to clear.
#ifndef TACIT_SRC_STORE_SQLITE_INT_MAP_H_
#define TACIT_SRC_STORE_SQLITE_INT_MAP_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/huge_pages.h"
#include "base/radix_sort.h"

namespace tacit::sqlite {

class IntMap {
 public:
  explicit IntMap(size_t expected = 16) { Reset(Capacity(expected)); }

  // The value for `key`, or nullptr. The pointer is valid until the next Insert.
  const uint32_t* Find(int64_t key) const {
    if (key == kEmpty) return has_empty_key_ ? &empty_key_value_ : nullptr;
    // One probe sequence over the key array only: a miss costs one cache line.
    for (size_t i = Home(key);; i = (i + 1) & mask_) {
      if (keys_[i] == key) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }

  // REQUIRES: key is not present.
  void Insert(int64_t key, uint32_t value) {
    if (key == kEmpty) {
      has_empty_key_ = true;
      empty_key_value_ = value;
      ++size_;
      return;
    }
    if ((size_ + 1) * 4 > keys_.size() * 3) Grow();
    Place(key, value);
  }

  // Every entry, ascending by key.
  std::vector<std::pair<int64_t, uint32_t>> SortedEntries() const {
    using Entry = std::pair<int64_t, uint32_t>;
    std::vector<Entry> out, wrapped;
    out.reserve(size_);
    // A run that passes the last slot goes on at slot 0: its entries there
    // (home above their slot) come last.
    size_t i = 0;
    for (; i < keys_.size() && keys_[i] != kEmpty; ++i) {
      (Home(keys_[i]) > i ? wrapped : out).emplace_back(keys_[i], values_[i]);
    }
    for (; i < keys_.size(); ++i) {
      if (keys_[i] != kEmpty) out.emplace_back(keys_[i], values_[i]);
    }
    out.insert(out.end(), wrapped.begin(), wrapped.end());
    // Inside a run, entries lie in the order they came: an insertion sort
    // mends that, within a budget of moves; keys that are not spread
    // (long runs) get a full sort instead.
    const auto less = [](const Entry& a, const Entry& b) { return OrderedBits(a.first) < OrderedBits(b.first); };
    size_t budget = 8 * out.size() + 1024;
    for (size_t k = 1; k < out.size(); ++k) {
      const Entry x = out[k];
      size_t j = k;
      for (; j > 0 && less(x, out[j - 1]) && budget > 0; --j, --budget) out[j] = out[j - 1];
      out[j] = x;
      if (budget == 0) {
        std::sort(out.begin(), out.end(), less);
        break;
      }
    }
    if (has_empty_key_) {
      const Entry zero(kEmpty, empty_key_value_);
      out.insert(std::upper_bound(out.begin(), out.end(), zero, less), zero);
    }
    return out;
  }

  size_t size() const { return size_; }

 private:
  // Marks a free slot; the key of that value itself is kept aside.
  static constexpr int64_t kEmpty = 0;

  static size_t Capacity(size_t expected) {
    size_t c = 16;
    while (c * 3 < expected * 4) c <<= 1;
    return c;
  }
  // The key's high bits, in the order of the keys.
  size_t Home(int64_t key) const { return static_cast<size_t>(OrderedBits(key) >> shift_); }
  void Reset(size_t capacity) {
    // Probed at random: huge pages when the table is large (base/huge_pages.h).
    keys_.clear();
    values_.clear();
    ReserveInHugePages(keys_, capacity);
    ReserveInHugePages(values_, capacity);
    keys_.assign(capacity, kEmpty);
    values_.assign(capacity, 0);
    mask_ = capacity - 1;
    shift_ = 64;
    for (size_t c = capacity; c > 1; c >>= 1) --shift_;
    size_ = has_empty_key_ ? 1 : 0;
  }
  void Place(int64_t key, uint32_t value) {
    size_t i = Home(key);
    while (keys_[i] != kEmpty) i = (i + 1) & mask_;
    keys_[i] = key;
    values_[i] = value;
    ++size_;
  }
  void Grow() {
    std::vector<int64_t> keys = std::move(keys_);
    std::vector<uint32_t> values = std::move(values_);
    Reset(keys.size() * 2);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != kEmpty) Place(keys[i], values[i]);
    }
  }

  std::vector<int64_t> keys_;
  std::vector<uint32_t> values_;
  size_t mask_ = 0;
  int shift_ = 64;  // 64 less log2 of the capacity
  size_t size_ = 0;
  bool has_empty_key_ = false;
  uint32_t empty_key_value_ = 0;
};

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_INT_MAP_H_
