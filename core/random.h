/** \file
core/random.h — a small, seeded random number generator.

\verbatim
std::mt19937 is portable but std::normal_distribution is not: libstdc++ and libc++ give
different numbers for the same seed. Training runs must be reproducible across compilers, so
attograd draws its own numbers: xoshiro256** for bits (Blackman & Vigna), a 24-bit mantissa
for uniform floats, and the Box-Muller transform for normal ones.
\endverbatim
*/
#pragma once

#include <cstdint>

namespace ag {

/// A seeded stream of random numbers. The same seed gives the same numbers on every platform.
/// Not thread-safe: give each thread its own Generator.
class Generator {
public:
    /// A generator whose state is expanded from `seed` with SplitMix64.
    explicit Generator(uint64_t seed = 0);
    /// Restarts the stream from `seed`.
    void seed(uint64_t seed);
    /// 64 uniformly random bits.
    uint64_t next_bits();
    /// A float drawn uniformly from [0, 1).
    float uniform();
    /// A float drawn from the standard normal distribution N(0, 1).
    float normal();
    /// An integer drawn uniformly from [0, n). Throws ValueError if n <= 0.
    int64_t integer(int64_t n);

private:
    uint64_t state_[4];
    bool has_spare_normal_ = false;  // Box-Muller makes two normals at a time
    float spare_normal_ = 0.0f;
};

/// SplitMix64's finalizer (Steele, Lea & Flood, 2014): 64 bits that look random, a fixed
/// function of `x`, and any change of x changes about half of them. A counter-based source of
/// random numbers: mix64(seed + i * 0x9e3779b97f4a7c15) for i = 1, 2, ... is SplitMix64's
/// stream from `seed`, computed directly for any i, so what was drawn can be drawn again
/// (attention dropout recomputes its mask in backward this way). Never throws.
inline uint64_t mix64(uint64_t x) {
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/// The generator used by the factories and ops when none is passed (like torch's default
/// generator). Seed it with manual_seed for reproducible runs. One per thread.
Generator& default_generator();

/// Re-seeds this thread's default generator.
void manual_seed(uint64_t seed);

}  // namespace ag
