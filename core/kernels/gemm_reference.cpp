// core/kernels/gemm_reference.cpp — the obvious GEMM, and the argument checks all GEMMs share.
//
// gemm_reference is written to be obviously right, not fast: for each element of C, one dot
// product of a row of op(A) with a column of op(B). Every fast kernel is tested against it.
#include <string>

#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_microkernel.h"

namespace ag::kernels {
namespace {

void check_leading_dimension(const char* function, const char* name, int64_t leading_dimension,
                             const char* width_name, int64_t width) {
    if (leading_dimension < width) {
        throw ValueError(std::string(function) + ": " + name + " " +
                         std::to_string(leading_dimension) + " < " + width_name + " " +
                         std::to_string(width));
    }
}

void check_pointer(const char* function, const char* name, const void* pointer, int64_t rows,
                   int64_t cols) {
    if (pointer == nullptr && rows > 0 && cols > 0) {
        throw ValueError(std::string(function) + ": " + name + " is null but holds " +
                         std::to_string(rows) + " x " + std::to_string(cols) + " elements");
    }
}

}  // namespace

void check_gemm_args(const GemmArgs& args, const char* function, bool takes_bias) {
    if (args.bias != nullptr && !takes_bias) {
        throw ValueError(std::string(function) +
                         ": no bias here; gemm and gemm_reference add one to every row of C");
    }
    if (args.m < 0 || args.n < 0 || args.k < 0) {
        throw ValueError(std::string(function) + ": negative size m " + std::to_string(args.m) +
                         ", n " + std::to_string(args.n) + ", k " + std::to_string(args.k));
    }
    const bool a_transposed = args.transpose_a == Transpose::Yes;
    const bool b_transposed = args.transpose_b == Transpose::Yes;
    // A row of stored A has k floats ([m, k]) or m floats when A is stored transposed ([k, m]).
    check_leading_dimension(function, "lda", args.lda, a_transposed ? "m" : "k",
                            a_transposed ? args.m : args.k);
    check_leading_dimension(function, "ldb", args.ldb, b_transposed ? "k" : "n",
                            b_transposed ? args.k : args.n);
    check_leading_dimension(function, "ldc", args.ldc, "n", args.n);
    check_pointer(function, "a", args.a, args.m, args.k);
    check_pointer(function, "b", args.b, args.k, args.n);
    check_pointer(function, "c", args.c, args.m, args.n);
}

void scale_by_beta(int64_t m, int64_t n, float beta, float* c, int64_t ldc, const float* bias) {
    if (beta == 1.0f && bias == nullptr) return;
    for (int64_t i = 0; i < m; ++i) {
        float* c_row = c + i * ldc;
        for (int64_t j = 0; j < n; ++j) {
            const float scaled = beta == 0.0f ? 0.0f : beta * c_row[j];  // beta == 0: never read C
            c_row[j] = bias == nullptr ? scaled : (beta == 0.0f ? bias[j] : scaled + bias[j]);
        }
    }
}

//! [reference]
void gemm_reference(const GemmArgs& args) {
    check_gemm_args(args, "gemm_reference", /*takes_bias=*/true);
    const bool a_transposed = args.transpose_a == Transpose::Yes;
    const bool b_transposed = args.transpose_b == Transpose::Yes;
    for (int64_t i = 0; i < args.m; ++i) {
        for (int64_t j = 0; j < args.n; ++j) {
            // sum = (row i of op(A)) . (column j of op(B))
            float sum = 0.0f;
            for (int64_t p = 0; p < args.k; ++p) {
                const float a_ip =
                    a_transposed ? args.a[p * args.lda + i] : args.a[i * args.lda + p];
                const float b_pj =
                    b_transposed ? args.b[j * args.ldb + p] : args.b[p * args.ldb + j];
                sum += a_ip * b_pj;
            }
            float& c_ij = args.c[i * args.ldc + j];
            // With beta == 0, C may hold NaN: write it, never compute 0 * NaN.
            if (args.bias == nullptr) {
                c_ij = args.beta == 0.0f ? args.alpha * sum : args.alpha * sum + args.beta * c_ij;
            } else {  // alpha op(A) op(B) + (beta C + bias), in the order gemm adds them
                const float start =
                    args.beta == 0.0f ? args.bias[j] : args.beta * c_ij + args.bias[j];
                c_ij = args.alpha * sum + start;
            }
        }
    }
}
//! [reference]

}  // namespace ag::kernels
