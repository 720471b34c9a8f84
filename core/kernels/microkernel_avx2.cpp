// core/kernels/microkernel_avx2.cpp — the 6 x 16 AVX2 + FMA micro-kernel (x86-64 only).
//
// A ymm register holds 8 floats, and x86-64 has 16 of them. The 6 x 16 tile of C takes
// 6 rows x 2 registers = 12 accumulators; each step of the k loop loads one row of the B panel
// (16 floats, 2 registers), then for each of the 6 rows broadcasts one float of the A panel
// into a register and does 2 fused multiply-adds: 12 FMAs (192 flops) for 8 loads, 15 registers.
// A Zen 3 core issues 2 FMAs per cycle with a latency of 4 cycles, so it needs at least 8
// independent accumulators to stay busy: 12 is enough, and 2 loads per cycle keep up.
//
// The function is compiled for AVX2 + FMA with a target attribute, not with -mavx2 for the whole
// file, so the library still runs on older CPUs: gemm.cpp calls it only after asking the CPU.
#if defined(__x86_64__)

#include <immintrin.h>

#include "core/kernels/gemm_microkernel.h"

namespace ag::kernels {
namespace {

constexpr int64_t kRows = 6;      // MR
constexpr int64_t kColumns = 16;  // NR = 2 registers of 8 floats

//! [avx2_microkernel]
__attribute__((target("avx2,fma"))) void avx2_microkernel_6x16(int64_t kc, const float* a_panel,
                                                               const float* b_panel, float alpha,
                                                               float beta, float* c, int64_t ldc) {
    __m256 acc[kRows][2];  // the C tile, in 12 registers
#pragma GCC unroll 6
    for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();

    for (int64_t p = 0; p < kc; ++p) {
        // Row p of the B panel (16 floats, 64-byte aligned) times column p of the A panel.
        const __m256 b_left = _mm256_load_ps(b_panel);
        const __m256 b_right = _mm256_load_ps(b_panel + 8);
#pragma GCC unroll 6
        for (int r = 0; r < kRows; ++r) {
            const __m256 a_r = _mm256_broadcast_ss(a_panel + r);  // 8 copies of A[r][p]
            acc[r][0] = _mm256_fmadd_ps(a_r, b_left, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a_r, b_right, acc[r][1]);
        }
        a_panel += kRows;
        b_panel += kColumns;
    }

    // C = alpha * acc + beta * C, without reading C when beta == 0.
    const __m256 alpha_v = _mm256_set1_ps(alpha);
    const __m256 beta_v = _mm256_set1_ps(beta);
#pragma GCC unroll 6
    for (int r = 0; r < kRows; ++r) {
        float* c_row = c + r * ldc;
        __m256 left = _mm256_mul_ps(alpha_v, acc[r][0]);
        __m256 right = _mm256_mul_ps(alpha_v, acc[r][1]);
        if (beta != 0.0f) {
            left = _mm256_fmadd_ps(beta_v, _mm256_loadu_ps(c_row), left);
            right = _mm256_fmadd_ps(beta_v, _mm256_loadu_ps(c_row + 8), right);
        }
        _mm256_storeu_ps(c_row, left);
        _mm256_storeu_ps(c_row + 8, right);
    }
}
//! [avx2_microkernel]

// Packing, when it has to transpose. Rows of the source are contiguous, and the panel wants
// columns contiguous: 8 floats of each row are loaded into registers and shuffled so each
// register holds one column, the classic in-register transpose. Instead of one float at a time,
// each instruction then moves 4 to 8 floats.

// Transposes the 8 x 8 block rows[0..7] in place: afterwards rows[c] holds column c.
__attribute__((target("avx2,fma"))) inline void transpose_8x8(__m256* rows) {
    // Interleave pairs of rows: t0 = r0[0] r1[0] r0[1] r1[1] | r0[4] r1[4] r0[5] r1[5], ...
    const __m256 t0 = _mm256_unpacklo_ps(rows[0], rows[1]);
    const __m256 t1 = _mm256_unpackhi_ps(rows[0], rows[1]);
    const __m256 t2 = _mm256_unpacklo_ps(rows[2], rows[3]);
    const __m256 t3 = _mm256_unpackhi_ps(rows[2], rows[3]);
    const __m256 t4 = _mm256_unpacklo_ps(rows[4], rows[5]);
    const __m256 t5 = _mm256_unpackhi_ps(rows[4], rows[5]);
    const __m256 t6 = _mm256_unpacklo_ps(rows[6], rows[7]);
    const __m256 t7 = _mm256_unpackhi_ps(rows[6], rows[7]);
    // Then pairs of pairs: u0 = r0[0] r1[0] r2[0] r3[0] | r0[4] r1[4] r2[4] r3[4], ...
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u1 = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u3 = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u5 = _mm256_shuffle_ps(t4, t6, _MM_SHUFFLE(3, 2, 3, 2));
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(1, 0, 1, 0));
    const __m256 u7 = _mm256_shuffle_ps(t5, t7, _MM_SHUFFLE(3, 2, 3, 2));
    // Finally swap 128-bit halves: column c = rows 0-3 from u(c % 4), rows 4-7 from u(c % 4 + 4).
    rows[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    rows[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    rows[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    rows[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    rows[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    rows[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    rows[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    rows[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

// Packs a full panel of `width` (6, or a multiple of 8) rows: destination[p * width + r] = source[r
// * row_stride + p]. Blocks of 8 rows x 8 columns are transposed in registers; the 6-row panel uses
// a block whose last 2 rows are zero and stores 6 of the 8 floats of each column.
template <int64_t width>
__attribute__((target("avx2,fma"))) void avx2_pack_panel(const float* source, int64_t row_stride,
                                                         int64_t depth, float* destination) {
    int64_t p = 0;
    for (; p + 8 <= depth; p += 8) {
#pragma GCC unroll 2
        for (int64_t r0 = 0; r0 < width; r0 += 8) {  // blocks of 8 rows
            __m256 block[8];
#pragma GCC unroll 8
            for (int64_t r = 0; r < 8; ++r) {
                block[r] = r0 + r < width ? _mm256_loadu_ps(source + (r0 + r) * row_stride + p)
                                          : _mm256_setzero_ps();
            }
            transpose_8x8(block);
#pragma GCC unroll 8
            for (int64_t c = 0; c < 8; ++c) {  // column p + c, rows r0 .. r0 + 7
                float* out = destination + (p + c) * width + r0;
                if constexpr (width % 8 == 0) {
                    _mm256_storeu_ps(out, block[c]);
                } else {  // the 6 valid rows: 4 + 2 floats
                    _mm_storeu_ps(out, _mm256_castps256_ps128(block[c]));
                    _mm_storel_pi(reinterpret_cast<__m64*>(out + 4),
                                  _mm256_extractf128_ps(block[c], 1));
                }
            }
        }
    }
    for (; p < depth; ++p) {  // the last depth % 8 columns, one float at a time
        for (int64_t r = 0; r < width; ++r) destination[p * width + r] = source[r * row_stride + p];
    }
}

}  // namespace

PackPanelFn avx2_pack_panel(int64_t width) {
    switch (width) {
        case 6:
            return avx2_pack_panel<6>;
        case 8:
            return avx2_pack_panel<8>;
        case 16:
            return avx2_pack_panel<16>;
        case 32:
            return avx2_pack_panel<32>;
        default:
            return nullptr;
    }
}

const MicroKernel& avx2_microkernel() {
    static const MicroKernel kernel{.name = "avx2",
                                    .mr = kRows,
                                    .nr = kColumns,
                                    .run = avx2_microkernel_6x16,
                                    .pack_a_panel = avx2_pack_panel(kRows),
                                    .pack_b_panel = avx2_pack_panel(kColumns)};
    return kernel;
}

bool cpu_has_avx2_fma() {
    static const bool has_both = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }();
    return has_both;
}

}  // namespace ag::kernels

#endif  // defined(__x86_64__)
