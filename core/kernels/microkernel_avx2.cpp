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

#include <algorithm>

#include "core/kernels/gemm_microkernel.h"

namespace ag::kernels {
namespace {

constexpr int64_t kRows = 6;      // MR
constexpr int64_t kColumns = 16;  // NR = 2 registers of 8 floats

//! [avx2_microkernel]
// The tile: C[rows x 16] = alpha * op(A)[rows x k] * op(B)[k x 16] + beta * C, where
// op(A)[r][p] = a[r * a_row_step + p * a_col_step] and row p of op(B) is the 16 floats at
// b + p * ldb. From packed panels that is a_row_step = 1, a_col_step = 6, ldb = 16; read
// straight from the caller's matrices, the steps are theirs (see avx2_gemm_unpacked).
// kMasked: the tile may be narrower than 16 columns; then B and C are loaded and stored with
// lane masks (vmaskmovps), and lanes off the mask are neither read nor written.
// 8 floats from `from`, or only the lanes of `mask` (the others 0, not read) when kMasked.
template <bool kMasked>
__attribute__((target("avx2,fma"))) inline __m256 load(const float* from, __m256i mask) {
    return kMasked ? _mm256_maskload_ps(from, mask) : _mm256_loadu_ps(from);
}

template <int kTileRows, bool kMasked>
__attribute__((target("avx2,fma"))) inline void avx2_tile(
    int64_t k, const float* a, int64_t a_row_step, int64_t a_col_step, const float* b, int64_t ldb,
    __m256i left_mask, __m256i right_mask, float alpha, float beta, float* c, int64_t ldc) {
    __m256 acc[kTileRows][2];  // the C tile, in up to 12 registers
#pragma GCC unroll 6
    for (int r = 0; r < kTileRows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int64_t p = 0; p < k; ++p) {
        // Row p of op(B) (16 floats) times column p of op(A).
        const __m256 b_left = load<kMasked>(b, left_mask);
        const __m256 b_right = load<kMasked>(b + 8, right_mask);
#pragma GCC unroll 6
        for (int r = 0; r < kTileRows; ++r) {
            const __m256 a_r = _mm256_broadcast_ss(a + r * a_row_step);  // 8 copies of A[r][p]
            acc[r][0] = _mm256_fmadd_ps(a_r, b_left, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a_r, b_right, acc[r][1]);
        }
        a += a_col_step;
        b += ldb;
    }

    // C = alpha * acc + beta * C, without reading C when beta == 0.
    const __m256 alpha_v = _mm256_set1_ps(alpha);
    const __m256 beta_v = _mm256_set1_ps(beta);
#pragma GCC unroll 6
    for (int r = 0; r < kTileRows; ++r) {
        float* c_row = c + r * ldc;
        const __m256i masks[2] = {left_mask, right_mask};
        for (int half = 0; half < 2; ++half) {
            __m256 result = _mm256_mul_ps(alpha_v, acc[r][half]);
            if (beta != 0.0f) {
                result =
                    _mm256_fmadd_ps(beta_v, load<kMasked>(c_row + 8 * half, masks[half]), result);
            }
            if (kMasked) {
                _mm256_maskstore_ps(c_row + 8 * half, masks[half], result);
            } else {
                _mm256_storeu_ps(c_row + 8 * half, result);
            }
        }
    }
}

// The micro-kernel of the packed GEMM: a full tile, from panels packed as gemm_microkernel.h
// says (A: 6 floats per step of k, B: 16).
__attribute__((target("avx2,fma"))) void avx2_microkernel_6x16(int64_t kc, const float* a_panel,
                                                               const float* b_panel, float alpha,
                                                               float beta, float* c, int64_t ldc) {
    const __m256i all = _mm256_set1_epi32(-1);
    avx2_tile<kRows, false>(kc, a_panel, 1, kRows, b_panel, kColumns, all, all, alpha, beta, c,
                            ldc);
}
//! [avx2_microkernel]

using TileFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, __m256i,
                        __m256i, float, float, float*, int64_t);

// The masked tile for 1 to 6 rows (index rows - 1), for the edges of C.
constexpr TileFn kEdgeTiles[kRows] = {avx2_tile<1, true>, avx2_tile<2, true>, avx2_tile<3, true>,
                                      avx2_tile<4, true>, avx2_tile<5, true>, avx2_tile<6, true>};

// The mask of the first `count` of 8 lanes (count may be <= 0 or >= 8): lane i all ones when
// i < count.
__attribute__((target("avx2,fma"))) __m256i first_lanes(int64_t count) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const int limit = static_cast<int>(count < 0 ? 0 : count > 8 ? 8 : count);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(limit), lanes);
}

// C [m x n] tile by tile, as the AVX-512 kernel's tile_by_tile (microkernel_avx512.cpp): full
// 6 x 16 tiles where they fit, masked ones of 1 to 6 rows and up to 16 columns at the edges,
// so nothing outside A, B or C is read or written and nothing needs padding.
__attribute__((target("avx2,fma"))) void tile_by_tile(int64_t m, int64_t n, int64_t k,
                                                      const float* a, int64_t a_row_step,
                                                      int64_t a_col_step, const float* b,
                                                      int64_t b_strip_step, int64_t ldb,
                                                      float alpha, float beta, float* c,
                                                      int64_t ldc) {
    const __m256i all = _mm256_set1_epi32(-1);
    for (int64_t j = 0; j < n; j += kColumns) {
        const int64_t cols = n - j;
        for (int64_t i = 0; i < m; i += kRows) {
            const int64_t rows = std::min(kRows, m - i);
            const float* a_tile = a + i * a_row_step;
            const float* b_strip = b + j * b_strip_step;
            if (rows == kRows && cols >= kColumns) {
                avx2_tile<kRows, false>(k, a_tile, a_row_step, a_col_step, b_strip, ldb, all, all,
                                        alpha, beta, c + i * ldc + j, ldc);
            } else {
                kEdgeTiles[rows - 1](k, a_tile, a_row_step, a_col_step, b_strip, ldb,
                                     first_lanes(cols), first_lanes(cols - 8), alpha, beta,
                                     c + i * ldc + j, ldc);
            }
        }
    }
}

// Loops 4 and 5 with op(A) = A read where it lies (as avx512_macro_kernel_a_in_place).
void avx2_macro_kernel_a_in_place(int64_t mc, int64_t nc, int64_t kc, const float* a, int64_t lda,
                                  const float* packed_b, float alpha, float beta, float* c,
                                  int64_t ldc) {
    tile_by_tile(mc, nc, kc, a, lda, 1, packed_b, kc, kColumns, alpha, beta, c, ldc);
}

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

// The whole product straight from the caller's matrices (small products: no packing).
void avx2_gemm_unpacked(const GemmArgs& args) {
    const bool transposed_a = args.transpose_a == Transpose::Yes;
    tile_by_tile(args.m, args.n, args.k, args.a, transposed_a ? 1 : args.lda,
                 transposed_a ? args.lda : 1, args.b, 1, args.ldb, args.alpha, args.beta, args.c,
                 args.ldc);
}

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
                                    .pack_b_panel = avx2_pack_panel(kColumns),
                                    .macro_kernel_a_in_place = avx2_macro_kernel_a_in_place};
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
