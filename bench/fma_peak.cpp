// bench/fma_peak.cpp — the FMA peak loops, one per vector width (see fma_peak.h).
//
// Each loop updates independent vectors acc = acc * a + b with a just below 1,
// so values stay finite, and returns their sum so the compiler cannot drop the work. The
// intrinsics are compiled for their instruction set by a target attribute; which loop runs is
// decided at run time, as gemm decides.
#include "bench/fma_peak.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>

#include "core/error.h"

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__aarch64__)
#include <arm_neon.h>
#endif

namespace bench {
namespace {

// Enough accumulators to hide the FMA latency (8 on current x86 cores), few enough that they
// and the two constants stay in registers: AVX2 has 16 vector registers, so 12; AVX-512 and
// NEON have 32, so 16.
constexpr int kAccumulators = 16, kAvx2Accumulators = 12;
constexpr float kScale = 0.999999f, kShift = 1e-7f;

// Each loop: `rounds` rounds of FMAs on every accumulator; returns a checksum.
// The portable one is plain C++, built as the compiler builds the Scalar backend.
float portable_loop(int64_t rounds) {
    float acc[kAccumulators];
    for (int j = 0; j < kAccumulators; ++j) acc[j] = 1.0f + float(j);
    for (int64_t r = 0; r < rounds; ++r) {
        for (float& x : acc) x = x * kScale + kShift;
    }
    float sum = 0.0f;
    for (float x : acc) sum += x;
    return sum;
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) float avx2_loop(int64_t rounds) {
    __m256 acc[kAvx2Accumulators];
    for (int j = 0; j < kAvx2Accumulators; ++j) acc[j] = _mm256_set1_ps(1.0f + float(j));
    const __m256 scale = _mm256_set1_ps(kScale), shift = _mm256_set1_ps(kShift);
    for (int64_t r = 0; r < rounds; ++r) {
        for (__m256& x : acc) x = _mm256_fmadd_ps(x, scale, shift);
    }
    __m256 sum = _mm256_setzero_ps();
    for (const __m256& x : acc) sum = _mm256_add_ps(sum, x);
    alignas(32) float lanes[8];
    _mm256_store_ps(lanes, sum);
    return lanes[0];
}

__attribute__((target("avx512f"))) float avx512_loop(int64_t rounds) {
    __m512 acc[kAccumulators];
    for (int j = 0; j < kAccumulators; ++j) acc[j] = _mm512_set1_ps(1.0f + float(j));
    const __m512 scale = _mm512_set1_ps(kScale), shift = _mm512_set1_ps(kShift);
    for (int64_t r = 0; r < rounds; ++r) {
        for (__m512& x : acc) x = _mm512_fmadd_ps(x, scale, shift);
    }
    __m512 sum = _mm512_setzero_ps();
    for (const __m512& x : acc) sum = _mm512_add_ps(sum, x);
    alignas(64) float lanes[16];  // not _mm512_reduce_add_ps: GCC 12 warns inside it
    _mm512_store_ps(lanes, sum);
    return lanes[0];
}
#endif

#if defined(__aarch64__)
float neon_loop(int64_t rounds) {
    float32x4_t acc[kAccumulators];
    for (int j = 0; j < kAccumulators; ++j) acc[j] = vdupq_n_f32(1.0f + float(j));
    const float32x4_t scale = vdupq_n_f32(kScale), shift = vdupq_n_f32(kShift);
    for (int64_t r = 0; r < rounds; ++r) {
        for (float32x4_t& x : acc) x = vfmaq_f32(shift, x, scale);
    }
    float32x4_t sum = vdupq_n_f32(0.0f);
    for (const float32x4_t& x : acc) sum = vaddq_f32(sum, x);
    return vgetq_lane_f32(sum, 0);
}
#endif

struct Loop {
    float (*run)(int64_t rounds);
    int lanes, accumulators;
};

Loop loop_for(ag::kernels::GemmBackend backend) {
    using ag::kernels::GemmBackend;
    const auto& available = ag::kernels::available_backends();
    if (std::find(available.begin(), available.end(), backend) == available.end()) {
        throw ag::ValueError(std::string("measured_fma_peak_gflops: this CPU cannot run the ") +
                             ag::kernels::gemm_backend_name(backend) + " backend");
    }
    switch (backend) {
#if defined(__x86_64__)
        case GemmBackend::Avx2:
            return {avx2_loop, 8, kAvx2Accumulators};
        case GemmBackend::Avx512:
            return {avx512_loop, 16, kAccumulators};
#endif
#if defined(__aarch64__)
        case GemmBackend::Neon:
            return {neon_loop, 4, kAccumulators};
#endif
        default:
            return {portable_loop, 1, kAccumulators};
    }
}

}  // namespace

double measured_fma_peak_gflops(ag::kernels::GemmBackend backend, double seconds) {
    const Loop loop = loop_for(backend);
    using Clock = std::chrono::steady_clock;
    volatile float sink = loop.run(1000);  // warm up: the clock speed settles, pages are in
    int64_t rounds = 1 << 16;
    for (;;) {
        const auto start = Clock::now();
        sink = sink + loop.run(rounds);
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (elapsed >= seconds) {
            const double flops = 2.0 * double(rounds) * loop.accumulators * loop.lanes;
            return flops / elapsed / 1e9;
        }
        rounds *= 2;
    }
}

double fma_peak_gflops(ag::kernels::GemmBackend backend) {
    static std::mutex mutex;
    static std::map<ag::kernels::GemmBackend, double> measured;
    const std::lock_guard<std::mutex> lock(mutex);
    const auto found = measured.find(backend);
    if (found != measured.end()) return found->second;
    return measured[backend] = measured_fma_peak_gflops(backend);
}

}  // namespace bench
