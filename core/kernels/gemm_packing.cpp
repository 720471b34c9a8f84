// core/kernels/gemm_packing.cpp — packing and the macro-kernel, shared by every packed GEMM.
//
// Packing is where transposes and leading dimensions disappear: whatever the layout of A and B,
// the micro-kernel reads contiguous, aligned, zero-padded panels (see gemm_microkernel.h).
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "core/kernels/gemm_microkernel.h"

namespace ag::kernels {
namespace {

// Packs a block of `rows` x `depth` floats, whose element (r, p) is
// source[r * row_stride + p * col_stride], into micro-panels of `width` rows stored column by
// column: packed[(r / width) * width * depth + p * width + r % width], zero-padded up to a
// multiple of `width` rows. `fast_panel`, if not null, packs full panels when rows are contiguous.
//
// The loops follow the memory layout of the source, so it is read in order, a cache line at a
// time, whatever its leading dimension:
//   - columns contiguous (row_stride == 1): one column p at a time, dealt out to every panel;
//   - rows contiguous: one panel at a time, its `width` rows read side by side.
// kWidth is `width` when known at compile time (the MR or NR of a micro-kernel), so that the
// compiler unrolls the short loops over r; 0 means "use width".
template <int64_t kWidth>
void pack_block(const float* source, int64_t row_stride, int64_t col_stride, int64_t rows,
                int64_t depth, int64_t width, PackPanelFn fast_panel, float* packed) {
    if constexpr (kWidth > 0) width = kWidth;
    if (row_stride == 1) {
        for (int64_t p = 0; p < depth; ++p) {
            const float* column = source + p * col_stride;
            for (int64_t i = 0; i < rows; i += width) {
                float* out = packed + i * depth + p * width;
                const int64_t valid = std::min(width, rows - i);
                if (valid == width) {  // (memcpy: the compiler knows they do not overlap)
                    std::memcpy(out, column + i, static_cast<size_t>(width) * sizeof(float));
                } else {
                    for (int64_t r = 0; r < width; ++r) out[r] = r < valid ? column[i + r] : 0.0f;
                }
            }
        }
        return;
    }
    for (int64_t i = 0; i < rows; i += width) {
        const float* panel = source + i * row_stride;
        float* out = packed + i * depth;
        const int64_t valid = std::min(width, rows - i);
        if (valid == width && fast_panel != nullptr && col_stride == 1) {
            fast_panel(panel, row_stride, depth, out);  // SIMD transpose
        } else if (valid == width) {
            for (int64_t p = 0; p < depth; ++p) {
                for (int64_t r = 0; r < width; ++r) {
                    out[p * width + r] = panel[r * row_stride + p * col_stride];
                }
            }
        } else {
            for (int64_t p = 0; p < depth; ++p) {
                for (int64_t r = 0; r < width; ++r) {
                    out[p * width + r] = r < valid ? panel[r * row_stride + p * col_stride] : 0.0f;
                }
            }
        }
    }
}

// pack_block with the panel width fixed at compile time for the MR and NR of our kernels.
void pack_block(const float* source, int64_t row_stride, int64_t col_stride, int64_t rows,
                int64_t depth, int64_t width, PackPanelFn fast_panel, float* packed) {
    switch (width) {
        case 4:
            return pack_block<4>(source, row_stride, col_stride, rows, depth, width, fast_panel,
                                 packed);
        case 6:
            return pack_block<6>(source, row_stride, col_stride, rows, depth, width, fast_panel,
                                 packed);
        case 8:
            return pack_block<8>(source, row_stride, col_stride, rows, depth, width, fast_panel,
                                 packed);
        case 12:
            return pack_block<12>(source, row_stride, col_stride, rows, depth, width, fast_panel,
                                  packed);
        case 16:
            return pack_block<16>(source, row_stride, col_stride, rows, depth, width, fast_panel,
                                  packed);
        case 32:
            return pack_block<32>(source, row_stride, col_stride, rows, depth, width, fast_panel,
                                  packed);
        default:
            return pack_block<0>(source, row_stride, col_stride, rows, depth, width, fast_panel,
                                 packed);
    }
}

}  // namespace

//! [pack_a]
void pack_a(const GemmArgs& args, int64_t row, int64_t rows, int64_t col, int64_t depth,
            const MicroKernel& kernel, float* packed) {
    // op(A)[i][p] = A[i * lda + p], or A[p * lda + i] when A is stored transposed.
    const bool transposed = args.transpose_a == Transpose::Yes;
    const int64_t row_stride = transposed ? 1 : args.lda;
    const int64_t col_stride = transposed ? args.lda : 1;
    pack_block(args.a + row * row_stride + col * col_stride, row_stride, col_stride, rows, depth,
               kernel.mr, kernel.pack_a_panel, packed);
}
//! [pack_a]

void pack_b(const GemmArgs& args, int64_t row, int64_t depth, int64_t col, int64_t cols,
            const MicroKernel& kernel, float* packed) {
    // A micro-panel of op(B) (depth x NR, stored row by row) is a micro-panel of op(B)^T
    // (NR x depth, stored column by column): the same packing as for A, on op(B)^T.
    // op(B)^T[j][p] = B[p * ldb + j], or B[j * ldb + p] when B is stored transposed.
    const bool transposed = args.transpose_b == Transpose::Yes;
    const int64_t row_stride = transposed ? args.ldb : 1;  // step along j
    const int64_t col_stride = transposed ? 1 : args.ldb;  // step along p
    pack_block(args.b + col * row_stride + row * col_stride, row_stride, col_stride, cols, depth,
               kernel.nr, kernel.pack_b_panel, packed);
}

//! [macro_kernel]
void macro_kernel(const MicroKernel& kernel, int64_t mc, int64_t nc, int64_t kc,
                  const float* packed_a, const float* packed_b, float alpha, float beta, float* c,
                  int64_t ldc) {
    const int64_t mr = kernel.mr, nr = kernel.nr;
    for (int64_t j = 0; j < nc; j += nr) {      // loop 4: one KC x NR micro-panel of B (in L1)
        for (int64_t i = 0; i < mc; i += mr) {  // loop 5: one MR x KC micro-panel of A
            const float* a_panel = packed_a + i * kc;
            const float* b_panel = packed_b + j * kc;
            float* c_tile = c + i * ldc + j;
            const int64_t rows = std::min(mr, mc - i), cols = std::min(nr, nc - j);
            if (rows == mr && cols == nr) {
                kernel.run(kc, a_panel, b_panel, alpha, beta, c_tile, ldc);
                continue;
            }
            // Edge tile: compute the full padded tile aside, write back only what is inside C.
            alignas(64) float tile[kMaxTileSize];
            kernel.run(kc, a_panel, b_panel, 1.0f, 0.0f, tile, nr);
            for (int64_t r = 0; r < rows; ++r) {
                for (int64_t col = 0; col < cols; ++col) {
                    float& c_value = c_tile[r * ldc + col];
                    const float product = alpha * tile[r * nr + col];
                    c_value = beta == 0.0f ? product : product + beta * c_value;
                }
            }
        }
    }
}
//! [macro_kernel]

float* PackBuffer::reserve(int64_t count) {
    if (count > capacity_) {
        // Round up to whole 64-byte cache lines, as std::aligned_alloc requires.
        const int64_t rounded = (count + 15) / 16 * 16;
        void* memory = std::aligned_alloc(64, static_cast<size_t>(rounded) * sizeof(float));
        if (memory == nullptr) throw std::bad_alloc();
        data_.reset(static_cast<float*>(memory));
        capacity_ = rounded;
    }
    return data_.get();
}

void PackBuffer::FreeDeleter::operator()(float* memory) const { std::free(memory); }

}  // namespace ag::kernels
