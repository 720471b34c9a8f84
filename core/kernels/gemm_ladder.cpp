// core/kernels/gemm_ladder.cpp — the teaching steps between gemm_reference and gemm.
//
// Read gemm_reference.cpp first, then these functions in order; gemm.cpp is the last step.
// docs/matmul.md walks through the steps; the numbers each reaches are in docs/benchmark_notes.md.
#include "core/kernels/gemm_ladder.h"

#include <algorithm>

#include "core/kernels/gemm_microkernel.h"

namespace ag::kernels {
namespace {

// op(A) or op(B) seen through strides: element (row, col) is data[row * row_stride + col *
// col_stride]. A transpose is just a swap of the two strides.
struct StridedMatrix {
    const float* data;
    int64_t row_stride;
    int64_t col_stride;
};

StridedMatrix op_a(const GemmArgs& args) {
    const bool transposed = args.transpose_a == Transpose::Yes;
    return {args.a, transposed ? 1 : args.lda, transposed ? args.lda : 1};
}

StridedMatrix op_b(const GemmArgs& args) {
    const bool transposed = args.transpose_b == Transpose::Yes;
    return {args.b, transposed ? 1 : args.ldb, transposed ? args.ldb : 1};
}

//! [accumulate_block]
// y[0..n) += scale * x[0..n) where x has stride x_stride: the inner loop of steps 1 and 2.
// The x_stride == 1 case (op(B) not transposed) is the one the compiler turns into SIMD code.
void add_scaled_row(int64_t n, float scale, const float* x, int64_t x_stride, float* y) {
    if (x_stride == 1) {
        for (int64_t j = 0; j < n; ++j) y[j] += scale * x[j];
    } else {
        for (int64_t j = 0; j < n; ++j) y[j] += scale * x[j * x_stride];
    }
}

// The rows [row_begin, row_end) x columns [col_begin, col_end) of C, accumulated over
// p in [p_begin, p_end), in the i, p, j order. C must already hold beta * C.
void accumulate_block(const GemmArgs& args, int64_t row_begin, int64_t row_end, int64_t p_begin,
                      int64_t p_end, int64_t col_begin, int64_t col_end) {
    const StridedMatrix a = op_a(args), b = op_b(args);
    for (int64_t i = row_begin; i < row_end; ++i) {
        float* c_row = args.c + i * args.ldc + col_begin;
        for (int64_t p = p_begin; p < p_end; ++p) {
            const float a_ip = args.alpha * a.data[i * a.row_stride + p * a.col_stride];
            const float* b_row = b.data + p * b.row_stride + col_begin * b.col_stride;
            add_scaled_row(col_end - col_begin, a_ip, b_row, b.col_stride, c_row);
        }
    }
}
//! [accumulate_block]

// Returns true (after handling it) if the product has no work: C is empty, or C = beta * C.
bool handled_trivial_case(const GemmArgs& args) {
    if (args.m == 0 || args.n == 0) return true;
    if (args.k == 0 || args.alpha == 0.0f) {
        scale_by_beta(args.m, args.n, args.beta, args.c, args.ldc);
        return true;
    }
    return false;
}

// The five loops of BLIS on one thread, around any micro-kernel.
//! [five_loops]
void gemm_five_loops(const GemmArgs& args, const MicroKernel& kernel) {
    if (handled_trivial_case(args)) return;
    const int64_t mr = kernel.mr, nr = kernel.nr;
    const GemmBlocks blocks = gemm_blocks(mr, nr);  // gemm_blocking.h
    const int64_t mc_max = std::max(mr, blocks.mc / mr * mr);
    const int64_t nc_max = std::max(nr, blocks.nc / nr * nr);
    const int64_t kc_max = blocks.kc;
    thread_local PackBuffer a_buffer, b_buffer;  // per thread: no locks, reused between calls

    for (int64_t jc = 0; jc < args.n; jc += nc_max) {  // loop 1: NC columns of C and B
        const int64_t nc = std::min(nc_max, args.n - jc);
        for (int64_t pc = 0; pc < args.k; pc += kc_max) {  // loop 2: KC of the k dimension
            const int64_t kc = std::min(kc_max, args.k - pc);
            // The first KC block applies beta to C; the later ones add to it.
            const float beta = pc == 0 ? args.beta : 1.0f;
            float* packed_b = b_buffer.reserve((nc + nr - 1) / nr * nr * kc);
            pack_b(args, pc, kc, jc, nc, kernel, packed_b);  // KC x NC block of op(B) -> L3

            for (int64_t ic = 0; ic < args.m; ic += mc_max) {  // loop 3: MC rows of C and A
                const int64_t mc = std::min(mc_max, args.m - ic);
                float* packed_a = a_buffer.reserve((mc + mr - 1) / mr * mr * kc);
                pack_a(args, ic, mc, pc, kc, kernel, packed_a);  // MC x KC block of op(A) -> L2
                // loops 4 and 5, around the micro-kernel
                macro_kernel(kernel, mc, nc, kc, packed_a, packed_b, args.alpha, beta,
                             args.c + ic * args.ldc + jc, args.ldc);
            }
        }
    }
}
//! [five_loops]

}  // namespace

//! [loop_reordered]
void gemm_loop_reordered(const GemmArgs& args) {
    check_gemm_args(args, "gemm_loop_reordered");
    if (handled_trivial_case(args)) return;
    scale_by_beta(args.m, args.n, args.beta, args.c, args.ldc);
    // for i: for p: C[i][:] += alpha * op(A)[i][p] * op(B)[p][:]
    accumulate_block(args, 0, args.m, 0, args.k, 0, args.n);
}
//! [loop_reordered]

//! [blocked]
void gemm_blocked(const GemmArgs& args) {
    check_gemm_args(args, "gemm_blocked");
    if (handled_trivial_case(args)) return;
    scale_by_beta(args.m, args.n, args.beta, args.c, args.ldc);
    // A KC x NC block of op(B) (128 x 512 floats = 256 KiB) stays in the L2 cache while the
    // MC rows of a block of C are computed, so every float of it is loaded from memory once per
    // MC rows instead of once per row; a row of the C block (2 KiB) stays in L1.
    constexpr int64_t kRowsPerBlock = 64, kDepthPerBlock = 128, kColumnsPerBlock = 512;
    for (int64_t jc = 0; jc < args.n; jc += kColumnsPerBlock) {
        const int64_t jc_end = std::min(args.n, jc + kColumnsPerBlock);
        for (int64_t pc = 0; pc < args.k; pc += kDepthPerBlock) {
            const int64_t pc_end = std::min(args.k, pc + kDepthPerBlock);
            for (int64_t ic = 0; ic < args.m; ic += kRowsPerBlock) {
                const int64_t ic_end = std::min(args.m, ic + kRowsPerBlock);
                accumulate_block(args, ic, ic_end, pc, pc_end, jc, jc_end);
            }
        }
    }
}
//! [blocked]

void gemm_packed(const GemmArgs& args) {
    check_gemm_args(args, "gemm_packed");
    gemm_five_loops(args, scalar_microkernel());
}

//! [simd]
void gemm_simd(const GemmArgs& args) {
    check_gemm_args(args, "gemm_simd");
#if defined(__x86_64__)
    if (cpu_has_avx2_fma()) return gemm_five_loops(args, avx2_microkernel());
#elif defined(__aarch64__)
    return gemm_five_loops(args, neon_microkernel());
#endif
    gemm_five_loops(args, scalar_microkernel());  // no SIMD kernel for this CPU
}
//! [simd]

}  // namespace ag::kernels
