// AdviseHugePages: asks the kernel to back a large buffer with 2 MiB pages.
//
// For the big working arrays of a bulk load (hash tables probed at random,
// arenas filled once): one page fault per 2 MiB instead of one per 4 KiB, and
// random probes that stay within the TLB's reach. Call it on memory that is
// reserved but not yet touched; pages already touched stay as they are. Only
// the 2 MiB-aligned part of the range is advised. A hint: where transparent
// huge pages are off, or on another system, nothing changes.
//
//   std::vector<int64_t> slots;
//   ReserveInHugePages(slots, n);  // reserve, then advise
//   slots.assign(n, 0);
#ifndef TACIT_SRC_BASE_HUGE_PAGES_H_
#define TACIT_SRC_BASE_HUGE_PAGES_H_

#include <cstddef>
#include <cstdint>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tacit {

inline void AdviseHugePages(const void* data, size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (last > first) (void)::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

// Reserves room for `n` elements in `v` (a vector or string) and advises the
// reserved memory to huge pages, before anything touches it.
template <typename Container>
void ReserveInHugePages(Container& v, size_t n) {
  v.reserve(n);
  AdviseHugePages(v.data(), v.capacity() * sizeof(typename Container::value_type));
}

}  // namespace tacit

#endif  // TACIT_SRC_BASE_HUGE_PAGES_H_
