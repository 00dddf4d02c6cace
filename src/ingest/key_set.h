// A set of person keys for the exact-link hot path: open addressing with linear
// probing over a power-of-two table, no allocation per lookup. 1 million keys
// take 32 MB (load factor <= 0.5), and 4 MB more for their slots in key order
// (SlotsInKeyOrder), so that side arrays indexed by slot can be read out in
// person order without a sort. Internal to the ingest module.
#ifndef TACIT_SRC_INGEST_KEY_SET_H_
#define TACIT_SRC_INGEST_KEY_SET_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/huge_pages.h"
#include "base/prefetch.h"

namespace tacit::ingest_internal {

class KeySet {
 public:
  // REQUIRES: no key is 0 (0 marks an empty slot; valid person keys are > 0).
  explicit KeySet(const std::vector<uint64_t>& keys) {
    size_t capacity = 16;
    while (capacity < keys.size() * 2) capacity <<= 1;
    // Every feed row probes it at random: in huge pages, a probe is a cache
    // miss but not also a TLB miss (base/huge_pages.h).
    ReserveInHugePages(slots_, capacity);
    slots_.assign(capacity, 0);
    mask_ = capacity - 1;
    // The store gives its keys sorted (AllPersonKeys); others are sorted here.
    std::vector<uint64_t> sorted;
    const std::vector<uint64_t>* in = &keys;
    if (!std::is_sorted(keys.begin(), keys.end())) {
      sorted = keys;
      std::sort(sorted.begin(), sorted.end());
      in = &sorted;
    }
    in_key_order_.reserve(in->size());
    for (uint64_t k : *in) {
      const int64_t slot = Insert(k);
      if (slot >= 0) in_key_order_.push_back(static_cast<uint32_t>(slot));
    }
  }

  bool Contains(uint64_t key) const { return Find(key) >= 0; }

  // Asks for the memory Find(key) reads first, so that a later Find does not
  // wait for it.
  void Prefetch(uint64_t key) const { PrefetchForRead(&slots_[Hash(key) & mask_]); }

  // The key's slot (a dense index below capacity(), stable for the set's
  // life, usable to index side arrays), or -1 when absent.
  int64_t Find(uint64_t key) const {
    for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      const uint64_t s = slots_[i];
      if (s == key) return static_cast<int64_t>(i);
      if (s == 0) return -1;
    }
  }

  uint64_t KeyAt(size_t slot) const { return slots_[slot]; }
  void PrefetchSlot(size_t slot) const { PrefetchForRead(&slots_[slot]); }
  // Every key's slot, the keys ascending.
  const std::vector<uint32_t>& SlotsInKeyOrder() const { return in_key_order_; }
  size_t capacity() const { return slots_.size(); }
  size_t size() const { return size_; }

 private:
  static size_t Hash(uint64_t k) {
    // Multiplicative hashing (Fibonacci): person keys are dense in their low
    // digits, so mix the high bits down.
    k ^= k >> 29;
    k *= 0x9E3779B97F4A7C15ULL;
    return static_cast<size_t>(k ^ (k >> 32));
  }
  // The new key's slot; -1 when it was there already.
  int64_t Insert(uint64_t key) {
    for (size_t i = Hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i] == key) return -1;
      if (slots_[i] == 0) {
        slots_[i] = key;
        ++size_;
        return static_cast<int64_t>(i);
      }
    }
  }

  std::vector<uint64_t> slots_;
  std::vector<uint32_t> in_key_order_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace tacit::ingest_internal

#endif  // TACIT_SRC_INGEST_KEY_SET_H_
