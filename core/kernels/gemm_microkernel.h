// core/kernels/gemm_microkernel.h — the parts the fast GEMMs are built from (internal header).
//
// Vocabulary (as in BLIS and in "Anatomy of High-Performance Matrix Multiplication"):
//   M, N, K     C is M x N, op(A) is M x K, op(B) is K x N.
//   MR x NR     the tile of C a micro-kernel keeps in registers (6 x 16 for AVX2).
//   MC, KC, NC  cache blocks: an MC x KC block of op(A) is packed to stay in the L2 cache, a
//               KC x NC block of op(B) to stay in L3, and one KC x NR sliver of it sits in L1
//               while the micro-kernel sweeps the MC rows. How big they are, and why:
//               gemm_blocking.h.
//
// Packing copies a block of op(A) into "micro-panels" of MR rows, stored column by column
// (MR floats for p = 0, then MR floats for p = 1, ...), and a block of op(B) into micro-panels of
// NR columns stored row by row. The micro-kernel then reads both with unit stride, whatever the
// transposes and leading dimensions of the caller. Edges are padded with zeros, so a micro-kernel
// always computes a full MR x NR tile; only the valid part of a tile is written back to C.
// (The AVX-512 backend skips packing where its tile can read an operand as it lies, with masked
// edge tiles instead of padding: see MicroKernel::macro_kernel_a_in_place.)
//
// This header is not part of the public API: tests and users go through gemm.h and gemm_ladder.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "core/kernels/gemm.h"
#include "core/kernels/gemm_blocking.h"

namespace ag::kernels {

/// A micro-kernel computes one full MR x NR tile:
///     C = alpha * A_panel * B_panel + beta * C      (C is not read when beta == 0)
/// where A_panel is MR x kc, packed as kc columns of MR floats, and B_panel is kc x NR, packed as
/// kc rows of NR floats, 64-byte aligned. C is row-major with row stride ldc.
using MicroKernelFn = void (*)(int64_t kc, const float* a_panel, const float* b_panel, float alpha,
                               float beta, float* c, int64_t ldc);

/// Packs one full micro-panel whose rows are contiguous in memory (a transpose, done with SIMD
/// shuffles): destination[p * width + r] = source[r * row_stride + p] for r < width, p < depth,
/// where width is the MR (for A) or NR (for B) of the micro-kernel it belongs to.
using PackPanelFn = void (*)(const float* source, int64_t row_stride, int64_t depth,
                             float* destination);

/// Loops 4 and 5 (see macro_kernel) with op(A) = A not packed: C[mc x nc] = alpha * A[mc x kc] *
/// packed B + beta * C, where A is row-major with leading dimension lda, packed_b holds
/// ceil(nc / NR) micro-panels of kc x NR floats as pack_b writes them, and kc >= 1. Edge tiles
/// (fewer than MR rows or NR columns) are masked: nothing outside A, B or C is touched.
using MacroKernelInPlaceFn = void (*)(int64_t mc, int64_t nc, int64_t kc, const float* a,
                                      int64_t lda, const float* packed_b, float alpha, float beta,
                                      float* c, int64_t ldc);

/// A micro-kernel, the tile shape it computes, and optional fast packing routines for the
/// panels that need a transpose while packing (the portable loop is used when they are null).
struct MicroKernel {
    const char* name;
    int64_t mr;  ///< rows of the C tile
    int64_t nr;  ///< columns of the C tile
    MicroKernelFn run;
    PackPanelFn pack_a_panel = nullptr;  ///< MR-row panel of op(A), when op(A) = A
    PackPanelFn pack_b_panel = nullptr;  ///< NR-row panel of op(B)^T, when op(B) = B^T
    /// When not null, used instead of packing A and macro_kernel when op(A) = A.
    MacroKernelInPlaceFn macro_kernel_a_in_place = nullptr;
};

/// The largest MR * NR of any micro-kernel (the size of the scratch tile for edges).
inline constexpr int64_t kMaxTileSize = 8 * 32;

/// Portable C++ micro-kernel, 4 x 8, no intrinsics (microkernel_scalar.cpp).
const MicroKernel& scalar_microkernel();

#if defined(__x86_64__)
/// AVX2 + FMA micro-kernel, 6 x 16 (microkernel_avx2.cpp). Call only if cpu_has_avx2_fma().
const MicroKernel& avx2_microkernel();
/// The whole of C = alpha * op(A) * op(B) + beta * C on one thread, with the 6 x 16 AVX2 tile
/// reading A and B where they are, without packing (for small products; masked edges).
/// Requires op(B) = B (not transposed), k >= 1 and alpha != 0. Call only if cpu_has_avx2_fma().
void avx2_gemm_unpacked(const GemmArgs& args);
/// True if this CPU executes AVX2 and FMA instructions (asked once, at run time).
bool cpu_has_avx2_fma();
/// The AVX2 in-register-transpose packing of a full panel of `width` rows (6, 8, 16 or 32;
/// nullptr for other widths). Call only if cpu_has_avx2_fma().
PackPanelFn avx2_pack_panel(int64_t width);
/// AVX-512F micro-kernel, 8 x 32 (microkernel_avx512.cpp). Call only if cpu_has_avx512f().
const MicroKernel& avx512_microkernel();
/// True if this CPU executes AVX-512F instructions (and AVX2 + FMA; asked once, at run time).
bool cpu_has_avx512f();
/// The whole of C = alpha * op(A) * op(B) + beta * C on one thread, with the 8 x 32 AVX-512
/// tile reading A and B where they are, without packing (for small products). Requires
/// op(B) = B (not transposed), k >= 1 and alpha != 0. Call only if cpu_has_avx512f().
void avx512_gemm_unpacked(const GemmArgs& args);
#endif

#if defined(__aarch64__)
/// NEON micro-kernel, 8 x 12 (microkernel_neon.cpp).
const MicroKernel& neon_microkernel();
#endif

/// Throws ag::ValueError, with a message starting with `function`, if `args` breaks the
/// contract of GemmArgs (negative size, leading dimension too small, null pointer), or has a
/// bias when `takes_bias` is false (the ladder's steps do not add one).
void check_gemm_args(const GemmArgs& args, const char* function, bool takes_bias = false);

/// C = beta * C on an m x n matrix, plus the n floats of `bias` in every row when it is not null
/// (it must not overlap C): where a product starts from. C is only written when beta == 0.
/// gemm starts each block of C this way, just before computing it, when GemmArgs::bias is set.
/// Throws nothing.
void scale_by_beta(int64_t m, int64_t n, float beta, float* c, int64_t ldc,
                   const float* bias = nullptr);

/// Packs rows [row, row + rows) and columns [col, col + depth) of op(A) into micro-panels of
/// MR = kernel.mr rows: packed[(i / MR) * MR * depth + p * MR + i % MR] = op(A)[row + i][col + p],
/// zero-padded up to a multiple of MR rows. `packed` holds ceil(rows / MR) * MR * depth floats.
void pack_a(const GemmArgs& args, int64_t row, int64_t rows, int64_t col, int64_t depth,
            const MicroKernel& kernel, float* packed);

/// Packs rows [row, row + depth) and columns [col, col + cols) of op(B) into micro-panels of
/// NR = kernel.nr columns: packed[(j / NR) * NR * depth + p * NR + j % NR] =
/// op(B)[row + p][col + j], zero-padded up to a multiple of NR columns.
/// `packed` holds ceil(cols / NR) * NR * depth floats.
void pack_b(const GemmArgs& args, int64_t row, int64_t depth, int64_t col, int64_t cols,
            const MicroKernel& kernel, float* packed);

/// Loops 4 and 5 of the five loops: C[mc x nc] = alpha * packed A * packed B + beta * C, one
/// MR x NR tile at a time (the tile loop over columns outside, over rows inside, so one B
/// micro-panel stays in L1 while every A micro-panel streams past it). Edge tiles are computed
/// into a scratch tile and only their valid part is written to C.
void macro_kernel(const MicroKernel& kernel, int64_t mc, int64_t nc, int64_t kc,
                  const float* packed_a, const float* packed_b, float alpha, float beta, float* c,
                  int64_t ldc);

/// A growable, 64-byte aligned float buffer for packed panels. Each thread keeps its own
/// (thread_local), so packing never needs a lock and the memory is reused between calls.
class PackBuffer {
public:
    /// Returns room for at least `count` floats (the old contents are not kept).
    float* reserve(int64_t count);

private:
    struct FreeDeleter {
        void operator()(float* memory) const;
    };
    std::unique_ptr<float, FreeDeleter> data_;
    int64_t capacity_ = 0;
};

}  // namespace ag::kernels
