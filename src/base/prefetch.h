// PrefetchForRead: asks for the cache line at `p`, to be read soon.
//
// GCC 12 drops __builtin_prefetch in some inlined code (the prefetch in
// KeySet::Prefetch, called from a std::function's lambda, was not in the
// binary at all), so on x86-64 the instruction is written out; elsewhere the
// builtin serves.
#ifndef TACIT_SRC_BASE_PREFETCH_H_
#define TACIT_SRC_BASE_PREFETCH_H_

namespace tacit {

inline void PrefetchForRead(const void* p) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  asm volatile("prefetcht0 (%0)" : : "r"(p));
#else
  __builtin_prefetch(p);
#endif
}

}  // namespace tacit

#endif  // TACIT_SRC_BASE_PREFETCH_H_
