/** \file
core/kernels/gemm.h — the one matrix-multiply interface every matmul in attograd goes through.

\verbatim
    C = alpha * op(A) * op(B) + beta * C   (+ a bias row, added to every row of C)

where op(X) is X or its transpose. Matrices are row-major float32 on raw pointers, with a
leading dimension (the distance, in floats, between the starts of two consecutive rows), so a
kernel can work on a sub-block of a larger matrix and the backward pass of matmul can use
A^T or B^T without ever materializing a transposed copy.

This file is the contract. What sits behind it:
  - gemm_reference: the obvious triple loop; the oracle every fast kernel is tested against.
  - gemm:           what ag::matmul uses (the fastest kernel available on this machine).
  - gemm_ladder.h:  the steps from one to the other, each a real, tested function.
docs/matmul.md tells how the fast one is built.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <vector>

namespace ag::kernels {

/// Whether a GEMM operand is used as stored or transposed.
enum class Transpose : bool { No = false, Yes = true };

/// Arguments of one GEMM call, C = alpha * op(A) * op(B) + beta * C, row-major.
///
/// Shapes: op(A) is [m, k], op(B) is [k, n], C is [m, n].
/// Storage: A is stored [m, k] with row stride `lda` >= k when `transpose_a` is No, and [k, m]
/// with `lda` >= m when Yes (likewise B: [k, n] with `ldb` >= n, or [n, k] with `ldb` >= k).
/// C is [m, n] with `ldc` >= n. When `beta` is 0, C is only written, never read (so it may hold
/// NaN or uninitialized memory), as in BLAS.
/// Bias: when `bias` is not null, it points to n floats that are added to every row of C, as
/// they are (not scaled): C = alpha * op(A) * op(B) + (beta * C + bias). This is a linear layer's
/// y = x W^T + b in one call: the fast gemm starts each block of C from the bias just before it
/// computes that block, while it is in cache, instead of a separate pass over all of C. The
/// bias must not overlap C. Only gemm and gemm_reference take a bias; the steps of
/// gemm_ladder.h throw ag::ValueError.
struct GemmArgs {
    Transpose transpose_a = Transpose::No;  ///< op(A) = A, or A^T
    Transpose transpose_b = Transpose::No;  ///< op(B) = B, or B^T
    ///@{
    /// The sizes: op(A) is [m, k], op(B) is [k, n], C is [m, n].
    int64_t m = 0, n = 0, k = 0;
    ///@}
    float alpha = 1.0f;           ///< scales op(A) op(B)
    const float* a = nullptr;     ///< A's first element
    int64_t lda = 0;              ///< floats between the starts of two rows of A as stored
    const float* b = nullptr;     ///< B's first element
    int64_t ldb = 0;              ///< floats between the starts of two rows of B as stored
    float beta = 0.0f;            ///< scales the old C (0: C is only written)
    float* c = nullptr;           ///< C's first element
    int64_t ldc = 0;              ///< floats between the starts of two rows of C
    const float* bias = nullptr;  ///< n floats added to every row of C, or null (none)
};

/// The reference kernel: the obvious triple loop, accumulating each dot product in float.
/// Slow on purpose and obviously right; the oracle that every fast kernel is tested against.
/// Throws ag::ValueError (an ag::Error) when a size is negative, a leading dimension is too small,
/// or a pointer is null while its matrix has elements.
void gemm_reference(const GemmArgs& args);

/// The GEMM that ag::matmul uses: the fastest kernel available on this machine.
/// Same contract and errors as gemm_reference; results agree with it to float rounding.
///
/// Large problems are split over the threads of ag::parallel_for (see core/parallel.h). The
/// result is bit-identical whatever the number of threads: every element of C is computed by the
/// same sequence of multiply-adds, only by a different thread.
void gemm(const GemmArgs& args);

/// The kernels `gemm` can run on, for tests and benchmarks that want to force one.
enum class GemmBackend {
    Reference,  ///< gemm_reference: the triple loop.
    Scalar,     ///< blocked + packed, portable C++ micro-kernel (no intrinsics).
    Avx2,       ///< blocked + packed, AVX2 + FMA micro-kernel (x86-64 CPUs that have both).
    Neon,       ///< blocked + packed, NEON micro-kernel (aarch64).
    Avx512,     ///< blocked, B packed (A when transposed), AVX-512F (x86-64 CPUs that have it).
};

/// The backends this machine can run, Reference and Scalar always among them.
std::vector<GemmBackend> available_backends();

/// The backend `gemm` uses now. Chosen once, at the first call: the one the environment
/// variable ATTOGRAD_GEMM_BACKEND names (as gemm_backend_name spells it: "avx2" forces the
/// AVX2 kernel on an AVX-512 machine), else the best SIMD one the CPU supports (checked at run
/// time with __builtin_cpu_supports on x86-64), else Scalar. Throws ag::ValueError, naming
/// the variable and the backends this machine runs, if the variable names another (then so
/// does every gemm).
GemmBackend gemm_backend();

/// Makes `gemm` use `backend` from now on (for every thread). Tests use it to run every kernel;
/// restore the previous value afterwards. Throws ag::ValueError if this machine cannot run it.
void set_gemm_backend(GemmBackend backend);

/// The backend's name in lower case: "reference", "scalar", "avx2", "neon" or "avx512".
const char* gemm_backend_name(GemmBackend backend);

}  // namespace ag::kernels
