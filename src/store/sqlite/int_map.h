// A map from int64 keys to int64 values with open addressing and linear probing,
// growing by doubling: the in-memory claims of a bulk load (millions of entries,
// no allocation per insert). Internal to the SQLite backend.
#ifndef TACIT_SRC_STORE_SQLITE_INT_MAP_H_
#define TACIT_SRC_STORE_SQLITE_INT_MAP_H_

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "base/huge_pages.h"

namespace tacit::sqlite {

class IntMap {
 public:
  explicit IntMap(size_t expected = 16) { Reset(Capacity(expected)); }

  // The value for `key`, or nullptr. The pointer is valid until the next Insert.
  const int64_t* Find(int64_t key) const {
    if (key == kEmpty) return has_empty_key_ ? &empty_key_value_ : nullptr;
    // One probe sequence over the key array only: a miss costs one cache line.
    for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      if (keys_[i] == key) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }

  // REQUIRES: key is not present.
  void Insert(int64_t key, int64_t value) {
    if (key == kEmpty) {
      has_empty_key_ = true;
      empty_key_value_ = value;
      ++size_;
      return;
    }
    if ((size_ + 1) * 2 > keys_.size()) Grow();
    Place(key, value);
  }

  std::vector<std::pair<int64_t, int64_t>> Entries() const {
    std::vector<std::pair<int64_t, int64_t>> out;
    out.reserve(size_);
    if (has_empty_key_) out.emplace_back(kEmpty, empty_key_value_);
    for (size_t i = 0; i < keys_.size(); ++i) {
      if (keys_[i] != kEmpty) out.emplace_back(keys_[i], values_[i]);
    }
    return out;
  }

  size_t size() const { return size_; }

 private:
  // Marks a free slot; the key of that value itself is kept aside.
  static constexpr int64_t kEmpty = 0;

  static size_t Capacity(size_t expected) {
    size_t c = 16;
    while (c < expected * 2) c <<= 1;
    return c;
  }
  static size_t Hash(int64_t k) {
    uint64_t x = static_cast<uint64_t>(k);
    x ^= x >> 31;
    x *= 0x9E3779B97F4A7C15ULL;
    return static_cast<size_t>(x ^ (x >> 29));
  }
  void Reset(size_t capacity) {
    // Probed at random: huge pages when the table is large (base/huge_pages.h).
    keys_.clear();
    values_.clear();
    ReserveInHugePages(keys_, capacity);
    ReserveInHugePages(values_, capacity);
    keys_.assign(capacity, kEmpty);
    values_.assign(capacity, 0);
    mask_ = capacity - 1;
    size_ = has_empty_key_ ? 1 : 0;
  }
  void Place(int64_t key, int64_t value) {
    size_t i = Hash(key) & mask_;
    while (keys_[i] != kEmpty) i = (i + 1) & mask_;
    keys_[i] = key;
    values_[i] = value;
    ++size_;
  }
  void Grow() {
    std::vector<int64_t> keys = std::move(keys_), values = std::move(values_);
    Reset(keys.size() * 2);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] != kEmpty) Place(keys[i], values[i]);
    }
  }

  std::vector<int64_t> keys_;
  std::vector<int64_t> values_;
  size_t mask_ = 0;
  size_t size_ = 0;
  bool has_empty_key_ = false;
  int64_t empty_key_value_ = 0;
};

}  // namespace tacit::sqlite

#endif  // TACIT_SRC_STORE_SQLITE_INT_MAP_H_
