// core/random.cpp — xoshiro256** and Box-Muller.
#include "core/random.h"

#include <cmath>
#include <numbers>

#include "core/error.h"

namespace ag {

namespace {

uint64_t rotate_left(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// SplitMix64: spreads one 64-bit seed over the 256 bits of xoshiro's state.
uint64_t splitmix64(uint64_t& x) { return mix64(x += 0x9e3779b97f4a7c15ULL); }

}  // namespace

Generator::Generator(uint64_t seed) { this->seed(seed); }

void Generator::seed(uint64_t seed) {
    for (uint64_t& word : state_) word = splitmix64(seed);
    has_spare_normal_ = false;
}

uint64_t Generator::next_bits() {
    const uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotate_left(state_[3], 45);
    return result;
}

float Generator::uniform() {
    // The top 24 bits, scaled by 2^-24: every float in [0, 1) a multiple of 2^-24, never 1.
    return static_cast<float>(next_bits() >> 40) * 0x1.0p-24f;
}

float Generator::normal() {
    if (has_spare_normal_) {
        has_spare_normal_ = false;
        return spare_normal_;
    }
    // Box-Muller: two uniforms u1 in (0, 1], u2 in [0, 1) give two independent normals
    //   r = sqrt(-2 ln u1),  z0 = r cos(2 pi u2),  z1 = r sin(2 pi u2).
    const double u1 = 1.0 - static_cast<double>(next_bits() >> 11) * 0x1.0p-53;
    const double u2 = static_cast<double>(next_bits() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    spare_normal_ = static_cast<float>(r * std::sin(angle));
    has_spare_normal_ = true;
    return static_cast<float>(r * std::cos(angle));
}

int64_t Generator::integer(int64_t n) {
    if (n <= 0)
        throw ValueError("Generator::integer: n must be positive, got " + std::to_string(n));
    // Rejection sampling removes the modulo bias of next_bits() % n.
    const uint64_t range = static_cast<uint64_t>(n);
    const uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    uint64_t bits;
    do {
        bits = next_bits();
    } while (bits >= limit);
    return static_cast<int64_t>(bits % range);
}

Generator& default_generator() {
    thread_local Generator generator(0);
    return generator;
}

void manual_seed(uint64_t seed) { default_generator().seed(seed); }

}  // namespace ag
