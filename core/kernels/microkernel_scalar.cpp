// core/kernels/microkernel_scalar.cpp — the portable micro-kernel: plain C++, no intrinsics.
//
// It is the micro-kernel of the "packed" step of the ladder and the fallback on CPUs without a
// SIMD kernel. The 4 x 8 tile of C lives in a local array small enough for the compiler to keep
// in registers; each step of the k loop is an outer product of a column of the A panel (4
// floats) and a row of the B panel (8 floats): 32 multiply-adds for 12 loads.
#include "core/kernels/gemm_microkernel.h"

namespace ag::kernels {
namespace {

constexpr int64_t kRows = 4;     // MR
constexpr int64_t kColumns = 8;  // NR

//! [scalar_microkernel]
void scalar_microkernel_4x8(int64_t kc, const float* a_panel, const float* b_panel, float alpha,
                            float beta, float* c, int64_t ldc) {
    float acc[kRows][kColumns] = {};
    for (int64_t p = 0; p < kc; ++p) {
        const float* a = a_panel + p * kRows;     // column p of the A panel
        const float* b = b_panel + p * kColumns;  // row p of the B panel
        for (int64_t r = 0; r < kRows; ++r) {
            for (int64_t j = 0; j < kColumns; ++j) acc[r][j] += a[r] * b[j];
        }
    }
    for (int64_t r = 0; r < kRows; ++r) {
        float* c_row = c + r * ldc;
        for (int64_t j = 0; j < kColumns; ++j) {
            c_row[j] = beta == 0.0f ? alpha * acc[r][j] : alpha * acc[r][j] + beta * c_row[j];
        }
    }
}
//! [scalar_microkernel]

}  // namespace

const MicroKernel& scalar_microkernel() {
    static const MicroKernel kernel{
        .name = "scalar", .mr = kRows, .nr = kColumns, .run = scalar_microkernel_4x8};
    return kernel;
}

}  // namespace ag::kernels
