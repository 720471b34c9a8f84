/** \file
core/kernels/vector_math.h — loops in plain arithmetic that the compiler vectorizes: a sum
in eight lanes, e^x and erf(x). Shared by the softmax and GELU ops (core/ops) and the fused
attention kernel (core/kernels/flash_attention.cpp), so they live here, below them all.
*/
#pragma once

#include <bit>
#include <cstdint>
#include <limits>

namespace ag::detail {

/// sum over j in [0, n) of term(j), added in 8 interleaved partial sums (lane j % 8) that are
/// combined at the end in a fixed order. One running sum makes every addition wait for the one
/// before (about 4 cycles each); eight independent ones fill a SIMD register and let the
/// compiler vectorize the loop without -ffast-math. The order is fixed, so the result is too.
template <class Term>
[[gnu::always_inline]] inline float lane_sum(int64_t n, const Term& term) {
    constexpr int64_t kLanes = 8;
    float lanes[kLanes] = {};
    int64_t j = 0;
    for (; j + kLanes <= n; j += kLanes) {
        for (int64_t lane = 0; lane < kLanes; ++lane) lanes[lane] += term(j + lane);
    }
    for (; j < n; ++j) lanes[j % kLanes] += term(j);
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
           ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

/// e^x in plain arithmetic that the compiler vectorizes (std::exp is a call into libm, one
/// element at a time): Cephes' expf. Write x = n ln 2 + r with n = round(x / ln 2), so that
/// |r| <= ln(2) / 2; then e^x = 2^n e^r, with e^r from a degree-7 polynomial and 2^n written
/// straight into a float's exponent bits. Relative error below 1e-7 against std::exp (tested);
/// 0 for x < -86.6 (e^x < 2.5e-38, near the smallest normal float), +inf for x > 88.72, nan
/// for nan. Used where a softmax takes many exponentials (softmax, fused_attention).
[[gnu::always_inline]] inline float exp_vectorizable(float x) {
    // Clamped into range (nan becomes -86.6 too, as comparisons with nan are false; it is given
    // back at the end).
    float clamped = x >= -86.6f ? x : -86.6f;
    clamped = clamped <= 88.72283f ? clamped : 88.72283f;
    // n = round(x / ln 2) without a branch or a float-to-int conversion: a float near
    // 1.5 * 2^23 has no bits left for a fraction, so adding it rounds x / ln 2 to an integer
    // (to nearest), which then sits in the low bits of the sum's mantissa. 1.5 * 2^23 rather
    // than 2^23 keeps the sum's exponent the same for negative n too; valid for |n| < 2^22 (here
    // -125 <= n <= 128). n is read from the bits, and nf converted back from n (exact), not
    // computed as shifted - 1.5 * 2^23, which -ffast-math could simplify to x / ln 2.
    constexpr float kRoundMagic = 12582912.0f;  // 1.5 * 2^23
    const float shifted = clamped * 1.44269504088896341f + kRoundMagic;
    const int32_t n = std::bit_cast<int32_t>(shifted) - std::bit_cast<int32_t>(kRoundMagic);
    const float nf = static_cast<float>(n);
    const float r = (clamped - nf * 0.693359375f) - nf * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    // 2^n as 2^(n-1) * 2, so that n = 128 (x near 88.7) does not overflow the exponent bits.
    const float result = p * std::bit_cast<float>((n + 126) << 23) * 2.0f;
    float out = x < -86.6f ? 0.0f : result;
    out = x > 88.72283f ? std::numeric_limits<float>::infinity() : out;
    return x == x ? out : x;  // nan in, nan out
}

/// erf(x) in plain arithmetic that the compiler vectorizes (std::erf is a call into libm, one
/// element at a time, and GELU takes one per activation). erf is odd, so write
/// erf(x) = x P(x^2) / Q(x^2) with P and Q of degree 5, fitted on |x| <= 4 towards the
/// smallest largest relative error by scripts/fit_erf.py; beyond 4, erf(x) is +-1 in float.
/// Relative error below 5e-7 against std::erf (tested), at most 1 in magnitude, nan for nan.
[[gnu::always_inline]] inline float erf_vectorizable(float x) {
    float clamped = x <= 4.0f ? x : 4.0f;  // nan becomes 4 too; it is given back at the end
    clamped = clamped >= -4.0f ? clamped : -4.0f;
    const float z = clamped * clamped;
    float p = 1.986785264e-06f;
    p = p * z + 2.845663985e-04f;
    p = p * z + 3.883351572e-03f;
    p = p * z + 5.310177058e-02f;
    p = p * z + 1.935451925e-01f;
    p = p * z + 1.128379107e+00f;
    float q = 3.742023182e-05f;
    q = q * z + 1.185573637e-03f;
    q = q * z + 1.520726550e-02f;
    q = q * z + 1.153500602e-01f;
    q = q * z + 5.048575401e-01f;
    q = q * z + 1.0f;
    float out = clamped * p / q;
    out = out <= 1.0f ? out : 1.0f;  // the rounding of P / Q near x = 4 can pass 1 by an ulp
    out = out >= -1.0f ? out : -1.0f;
    return x == x ? out : x;
}

}  // namespace ag::detail
