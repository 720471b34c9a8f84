// core/kernels/microkernel_avx512.cpp — the 8 x 32 AVX-512 micro-kernel (x86-64 only).
//
// A zmm register holds 16 floats, and AVX-512 has 32 of them. The 8 x 32 tile of C takes
// 8 rows x 2 registers = 16 accumulators; each step of the k loop loads one row of the B panel
// (32 floats, 2 registers), then for each of the 8 rows broadcasts one float of the A panel and
// does 2 FMAs: 16 FMAs (512 flops) for 10 loads, 19 registers. (A broadcast from memory is a
// plain load on these CPUs, no shuffle; when its value feeds a single FMA, the compiler even
// folds it into the FMA as a `{1to16}` operand. Here it feeds two, so it stays a load.)
//
// What AVX-512 buys on a Zen 4 core is not more flops: Zen 4 runs a 512-bit FMA as two 256-bit
// halves on its two FMA units, so the peak is 32 flops per cycle, as with AVX2. It buys
//   - half the instructions for the same flops (26 per 512 flops instead of 48 for AVX2's
//     6 x 16), so the loop around them, the edges and the stores of C cost relatively less;
//   - masked loads and stores: a tile narrower than 32 columns needs no padding, which lets a
//     small product skip packing altogether (avx512_gemm_unpacked, below);
//   - a tile that divides the sizes we meet: 8 x 32 divides 64, 128, ... and every Transformer
//     shape, where 6 x 16 leaves a partial tile (64 = 10 x 6 + 4) for the slower edge path.
// A 512-bit FMA takes 4 cycles and one starts per cycle, so 4 independent accumulators would
// keep the units busy; 16 leave a wide margin. A taller tile (12 x 32 or 14 x 32 fit in the
// 32 registers too) would load B less often per flop, but loads are not the limit here, and 8
// divides the sizes above while 12 and 14 do not.
//
// The functions are compiled for AVX-512F with target attributes, not -mavx512f for the whole
// file, so the library still runs on any x86-64: gemm.cpp calls them only after asking the CPU.
#if defined(__x86_64__)

#include <immintrin.h>

#include <algorithm>

#include "core/kernels/gemm_microkernel.h"

namespace ag::kernels {
namespace {

constexpr int64_t kRows = 8;      // MR
constexpr int64_t kColumns = 32;  // NR = 2 registers of 16 floats

//! [avx512_microkernel]
// The tile: C[rows x 32] = alpha * op(A)[rows x k] * op(B)[k x 32] + beta * C, where
// op(A)[r][p] = a[r * a_row_step + p * a_col_step] and row p of op(B) is the 32 floats at
// b + p * ldb. From packed panels that is a_row_step = 1, a_col_step = 8, ldb = 32; read
// straight from the caller's matrices, the steps are theirs (see avx512_gemm_unpacked).
// kMasked: the tile may be narrower than 32 columns; then B and C are loaded and stored with
// lane masks, and lanes off the mask are neither read nor written (no padding needed).
// 16 floats from `from`, or only the lanes of `mask` (the others 0, not read) when kMasked.
template <bool kMasked>
__attribute__((target("avx512f"))) inline __m512 load(const float* from, __mmask16 mask) {
    return kMasked ? _mm512_maskz_loadu_ps(mask, from) : _mm512_loadu_ps(from);
}

template <int kTileRows, bool kMasked>
__attribute__((target("avx512f"))) inline void avx512_tile(
    int64_t k, const float* a, int64_t a_row_step, int64_t a_col_step, const float* b, int64_t ldb,
    __mmask16 left_mask, __mmask16 right_mask, float alpha, float beta, float* c, int64_t ldc) {
    // The first step of k sets the C tile (k >= 1), the others add to it: starting from zeros
    // would cost 16 more instructions per tile, which count most when k is small
    // (docs/benchmark_notes.md, "Choices in the code").
    __m512 acc[kTileRows][2];  // the C tile, in up to 16 registers
    {
        const __m512 b_left = load<kMasked>(b, left_mask);
        const __m512 b_right = load<kMasked>(b + 16, right_mask);
#pragma GCC unroll 8
        for (int r = 0; r < kTileRows; ++r) {
            const __m512 a_r = _mm512_set1_ps(a[r * a_row_step]);
            acc[r][0] = _mm512_mul_ps(a_r, b_left);
            acc[r][1] = _mm512_mul_ps(a_r, b_right);
        }
    }
    for (int64_t p = 1; p < k; ++p) {
        a += a_col_step;
        b += ldb;
        // Row p of op(B) (32 floats) times column p of op(A).
        const __m512 b_left = load<kMasked>(b, left_mask);
        const __m512 b_right = load<kMasked>(b + 16, right_mask);
#pragma GCC unroll 8
        for (int r = 0; r < kTileRows; ++r) {
            const __m512 a_r = _mm512_set1_ps(a[r * a_row_step]);  // 16 copies of A[r][p]
            acc[r][0] = _mm512_fmadd_ps(a_r, b_left, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(a_r, b_right, acc[r][1]);
        }
    }

    // C = alpha * acc + beta * C, without reading C when beta == 0. alpha == 1 (every matmul)
    // and beta == 1 (every KC block after the first) skip the multiplies: on Zen 4 they would
    // take the two FMA pipes from the next tile's FMAs, an add does not (it has pipes of its own).
    // The results are the same: 1 * x == x exactly.
    const __m512 alpha_v = _mm512_set1_ps(alpha);
    const __m512 beta_v = _mm512_set1_ps(beta);
#pragma GCC unroll 8
    for (int r = 0; r < kTileRows; ++r) {
        float* c_row = c + r * ldc;
        const __mmask16 masks[2] = {left_mask, right_mask};
        for (int half = 0; half < 2; ++half) {
            __m512 result = acc[r][half];
            if (alpha != 1.0f) result = _mm512_mul_ps(alpha_v, result);
            if (beta == 1.0f) {
                result = _mm512_add_ps(load<kMasked>(c_row + 16 * half, masks[half]), result);
            } else if (beta != 0.0f) {
                result =
                    _mm512_fmadd_ps(beta_v, load<kMasked>(c_row + 16 * half, masks[half]), result);
            }
            if (kMasked) {
                _mm512_mask_storeu_ps(c_row + 16 * half, masks[half], result);
            } else {
                _mm512_storeu_ps(c_row + 16 * half, result);
            }
        }
    }
}

// The micro-kernel of the packed GEMM: a full tile, from panels packed as gemm_microkernel.h
// says (A: 8 floats per step of k, B: 32).
__attribute__((target("avx512f"))) void avx512_microkernel_8x32(int64_t kc, const float* a_panel,
                                                                const float* b_panel, float alpha,
                                                                float beta, float* c, int64_t ldc) {
    avx512_tile<kRows, false>(kc, a_panel, 1, kRows, b_panel, kColumns, 0xFFFF, 0xFFFF, alpha, beta,
                              c, ldc);
}
//! [avx512_microkernel]

using TileFn = void (*)(int64_t, const float*, int64_t, int64_t, const float*, int64_t, __mmask16,
                        __mmask16, float, float, float*, int64_t);

// The masked tile for 1 to 8 rows (index rows - 1), for the edges of C.
constexpr TileFn kEdgeTiles[kRows] = {
    avx512_tile<1, true>, avx512_tile<2, true>, avx512_tile<3, true>, avx512_tile<4, true>,
    avx512_tile<5, true>, avx512_tile<6, true>, avx512_tile<7, true>, avx512_tile<8, true>};

// The mask of the first `count` of 16 lanes (count may be <= 0 or >= 16).
__mmask16 first_lanes(int64_t count) {
    if (count <= 0) return 0;
    if (count >= 16) return 0xFFFF;
    return static_cast<__mmask16>((1u << count) - 1u);
}

//! [avx512_unpacked]
// C [m x n] tile by tile: full 8 x 32 tiles where they fit, masked tiles of 1 to 8 rows (and up
// to 32 columns) at the edges, so nothing outside A, B or C is read or written and nothing
// needs padding. Row i of op(A) starts at a + i * a_row_step, its elements a_col_step apart;
// the 32-column strip of op(B) that starts at column j is at b + j * b_strip_step, its rows ldb
// apart. Columns outside, rows inside, as in macro_kernel: a strip of B stays in L1 while A
// streams past it.
void tile_by_tile(int64_t m, int64_t n, int64_t k, const float* a, int64_t a_row_step,
                  int64_t a_col_step, const float* b, int64_t b_strip_step, int64_t ldb,
                  float alpha, float beta, float* c, int64_t ldc) {
    for (int64_t j = 0; j < n; j += kColumns) {
        const int64_t cols = n - j;
        for (int64_t i = 0; i < m; i += kRows) {
            const int64_t rows = std::min(kRows, m - i);
            const TileFn tile = rows == kRows && cols >= kColumns ? avx512_tile<kRows, false>
                                                                  : kEdgeTiles[rows - 1];
            tile(k, a + i * a_row_step, a_row_step, a_col_step, b + j * b_strip_step, ldb,
                 first_lanes(cols), first_lanes(cols - 16), alpha, beta, c + i * ldc + j, ldc);
        }
    }
}

}  // namespace

// The whole product straight from the caller's matrices: the full 8 x 32 tiles run the same
// code as the packed micro-kernel, only with the steps of A and B as they are stored.
void avx512_gemm_unpacked(const GemmArgs& args) {
    const bool transposed_a = args.transpose_a == Transpose::Yes;
    tile_by_tile(args.m, args.n, args.k, args.a, transposed_a ? 1 : args.lda,
                 transposed_a ? args.lda : 1, args.b, 1, args.ldb, args.alpha, args.beta, args.c,
                 args.ldc);
}
//! [avx512_unpacked]

namespace {

//! [avx512_a_in_place]
// Loops 4 and 5 (as macro_kernel) with op(A) = A read where it lies, row-major with leading
// dimension lda: only B is packed (its micro-panels are kc x 32, one after the other). The 8
// rows of a tile are 8 streams of consecutive floats, which the caches and prefetchers serve as
// well as a packed panel, and the copy that packing A would make (a first read of every
// activation, then a write and a read back) is gone. Interior tiles run the same FMAs in the
// same order as from a packed panel, so they give the same C; edge tiles are masked here, where
// macro_kernel computes them aside, which can round alpha and beta differently in the last bit.
void avx512_macro_kernel_a_in_place(int64_t mc, int64_t nc, int64_t kc, const float* a, int64_t lda,
                                    const float* packed_b, float alpha, float beta, float* c,
                                    int64_t ldc) {
    tile_by_tile(mc, nc, kc, a, lda, 1, packed_b, kc, kColumns, alpha, beta, c, ldc);
}
//! [avx512_a_in_place]

}  // namespace

const MicroKernel& avx512_microkernel() {
    // Packing that needs a transpose reuses the AVX2 8 x 8 in-register transpose (every CPU with
    // AVX-512F has AVX2): 8 and 32 are multiples of 8.
    static const MicroKernel kernel{.name = "avx512",
                                    .mr = kRows,
                                    .nr = kColumns,
                                    .run = avx512_microkernel_8x32,
                                    .pack_a_panel = avx2_pack_panel(kRows),
                                    .pack_b_panel = avx2_pack_panel(kColumns),
                                    .macro_kernel_a_in_place = avx512_macro_kernel_a_in_place};
    return kernel;
}

bool cpu_has_avx512f() {
    static const bool has_it = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && cpu_has_avx2_fma();
    }();
    return has_it;
}

}  // namespace ag::kernels

#endif  // defined(__x86_64__)
