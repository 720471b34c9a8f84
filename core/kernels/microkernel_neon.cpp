// core/kernels/microkernel_neon.cpp — the 8 x 12 NEON micro-kernel (aarch64 only).
//
// A NEON register holds 4 floats, and aarch64 has 32 of them. The 8 x 12 tile of C takes
// 8 rows x 3 registers = 24 accumulators; each step of the k loop loads one row of the B panel
// (12 floats, 3 registers) and one column of the A panel (8 floats, 2 registers), then does
// 24 multiply-adds "by lane" (acc += b * a[lane], no separate broadcast needed): 24 FMAs for
// 5 loads, 29 registers. NEON is part of every aarch64 CPU, so no run-time check is needed.
#if defined(__aarch64__)

#include <arm_neon.h>

#include "core/kernels/gemm_microkernel.h"

namespace ag::kernels {
namespace {

constexpr int64_t kRows = 8;      // MR = 2 registers of 4 floats
constexpr int64_t kColumns = 12;  // NR = 3 registers of 4 floats

// acc_row[0..2] += b[0..2] * a[lane]: one row of the tile. The lane is a template argument
// because the "by lane" FMA instruction encodes it (it must be a compile-time constant).
template <int lane>
inline void multiply_add_row(float32x4_t* acc_row, const float32x4_t* b, float32x4_t a) {
    acc_row[0] = vfmaq_laneq_f32(acc_row[0], b[0], a, lane);
    acc_row[1] = vfmaq_laneq_f32(acc_row[1], b[1], a, lane);
    acc_row[2] = vfmaq_laneq_f32(acc_row[2], b[2], a, lane);
}

//! [neon_microkernel]
void neon_microkernel_8x12(int64_t kc, const float* a_panel, const float* b_panel, float alpha,
                           float beta, float* c, int64_t ldc) {
    float32x4_t acc[kRows][3];  // the C tile, in 24 registers
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = acc[r][2] = vdupq_n_f32(0.0f);

    for (int64_t p = 0; p < kc; ++p) {
        // Row p of the B panel (12 floats) times column p of the A panel (8 floats).
        const float32x4_t b[3] = {vld1q_f32(b_panel), vld1q_f32(b_panel + 4),
                                  vld1q_f32(b_panel + 8)};
        const float32x4_t a_top = vld1q_f32(a_panel);         // rows 0..3
        const float32x4_t a_bottom = vld1q_f32(a_panel + 4);  // rows 4..7
        multiply_add_row<0>(acc[0], b, a_top);
        multiply_add_row<1>(acc[1], b, a_top);
        multiply_add_row<2>(acc[2], b, a_top);
        multiply_add_row<3>(acc[3], b, a_top);
        multiply_add_row<0>(acc[4], b, a_bottom);
        multiply_add_row<1>(acc[5], b, a_bottom);
        multiply_add_row<2>(acc[6], b, a_bottom);
        multiply_add_row<3>(acc[7], b, a_bottom);
        a_panel += kRows;
        b_panel += kColumns;
    }

    // C = alpha * acc + beta * C, without reading C when beta == 0.
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
        float* c_row = c + r * ldc;
#pragma GCC unroll 3
        for (int j = 0; j < 3; ++j) {
            float32x4_t result = vmulq_n_f32(acc[r][j], alpha);
            if (beta != 0.0f) result = vfmaq_n_f32(result, vld1q_f32(c_row + 4 * j), beta);
            vst1q_f32(c_row + 4 * j, result);
        }
    }
}
//! [neon_microkernel]

}  // namespace

const MicroKernel& neon_microkernel() {
    static const MicroKernel kernel{
        .name = "neon", .mr = kRows, .nr = kColumns, .run = neon_microkernel_8x12};
    return kernel;
}

}  // namespace ag::kernels

#endif  // defined(__aarch64__)
