/** \file
core/kernels/gemm_ladder.h — the steps from the triple loop to the fast GEMM, one at a time.

\verbatim
Each function computes exactly what gemm_reference computes (same GemmArgs contract: every
transpose, alpha, beta and leading dimension, same ag::ValueError on bad arguments; but no
GemmArgs::bias, which they refuse with ag::ValueError rather than ignore) and changes ONE
thing from the step before it. The steps, and what each one changes:

  gemm_reference       i, j, p loops: a dot product per element of C            (the oracle)
  gemm_loop_reordered  i, p, j loops: the inner loop streams rows of B and C    (vectorizes)
  gemm_blocked         + cache blocking: work on blocks of B that stay in cache (reuse)
  gemm_packed          + packing into panels and a register-tiled micro-kernel  (registers)
  gemm_simd            + a SIMD micro-kernel (AVX2 + FMA, or NEON)              (8 lanes)
  gemm                 + threads over the rows of C                             (all cores)

These are here to be read, measured (bench/bench_gemm.cpp) and tested; ag::matmul uses gemm.
docs/matmul.md walks through them with the numbers measured on each step.
\endverbatim
*/
#pragma once

#include "core/kernels/gemm.h"

namespace ag::kernels {

/// Step 1 over the reference: the same three loops in the order i, p, j. The innermost loop now
/// adds alpha * op(A)[i][p] times row p of op(B) to row i of C: two contiguous streams the
/// compiler can vectorize, instead of a dot product that walks down a column of B.
/// Same contract and errors as gemm_reference, without the bias.
void gemm_loop_reordered(const GemmArgs& args);

/// Step 2: gemm_loop_reordered on cache blocks. C is computed block by block so a block of
/// op(B) is reused by many rows of op(A) while it still sits in the cache, instead of streaming
/// all of B from memory once per row of C. Same contract and errors as gemm_reference, without the
/// bias.
void gemm_blocked(const GemmArgs& args);

/// Step 3: blocking, plus packing (copying blocks of op(A) and op(B) into contiguous panels in
/// the order they will be read) and a 4 x 8 micro-kernel in portable C++ that keeps a tile of C
/// in registers for the whole k loop. This is the five-loop structure of BLIS, on one thread.
/// Same contract and errors as gemm_reference, without the bias.
void gemm_packed(const GemmArgs& args);

/// Step 4: gemm_packed with the SIMD micro-kernel of this CPU (AVX2 + FMA 6 x 16 on x86-64,
/// NEON 8 x 12 on aarch64; the scalar one where neither exists), still on one thread.
/// Same contract and errors as gemm_reference, without the bias.
void gemm_simd(const GemmArgs& args);

}  // namespace ag::kernels
