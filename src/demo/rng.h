// A small, fast, seedable random generator for the demo data (xoshiro256**,
// seeded through splitmix64), and the few distributions the generator needs.
// Deterministic across platforms and standard libraries, unlike std::*_distribution.
#ifndef TACIT_DEMO_RNG_H_
#define TACIT_DEMO_RNG_H_

#include <cmath>
#include <cstdint>

namespace tacit::demo {

// splitmix64: a bijective mixer; also used to derive independent stream seeds.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// A seed for stream `stream` of the generator seeded with `seed`.
inline uint64_t StreamSeed(uint64_t seed, uint64_t stream) {
  uint64_t s = seed ^ (stream * 0xD1B54A32D192ED03ULL);
  SplitMix64(s);
  return SplitMix64(s);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t s = seed;
    for (uint64_t& w : s_) w = SplitMix64(s);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in [0, n). REQUIRES: n > 0. Multiply-shift; the bias is below 2^-32.
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<Uint128>(Next()) * n) >> 64);
  }
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool Chance(double p) { return Uniform() < p; }
  // Exponential with the given mean.
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }
  // Poisson with mean lambda (Knuth for small means, normal approximation above).
  int64_t Poisson(double lambda) {
    if (lambda <= 0) return 0;
    if (lambda > 60) {
      // Box-Muller; the means here are far from where the approximation is poor.
      double u1 = 1.0 - Uniform(), u2 = Uniform();
      double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      double v = std::floor(lambda + std::sqrt(lambda) * z + 0.5);
      return v < 0 ? 0 : static_cast<int64_t>(v);
    }
    const double limit = std::exp(-lambda);
    int64_t k = 0;
    double p = Uniform();
    while (p > limit) {
      ++k;
      p *= Uniform();
    }
    return k;
  }

 private:
  __extension__ typedef unsigned __int128 Uint128;
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace tacit::demo

#endif  // TACIT_DEMO_RNG_H_
