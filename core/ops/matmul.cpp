// core/ops/matmul.cpp — matmul: forward, then backward, on top of the GEMM kernel.
#include "core/ops/matmul.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/ops/elementwise_loops.h"
#include "core/parallel.h"

namespace ag {

namespace {

using kernels::GemmArgs;
using kernels::Transpose;

// Where each matrix of the broadcast batch starts in a, in b and in out (in floats).
struct BatchOffsets {
    std::vector<int64_t> a, b, out;
};

// Runs body(i) for every matrix i of a batch of `count` products of `multiply_adds` each.
// gemm shares one large product over the threads itself, but keeps a small one (attention's
// per-head products are 32 x 32 x 32) on one thread; then the products are shared out instead,
// each computed whole by one thread, so the result does not depend on the number of threads.
// `independent` says the bodies write disjoint memory (false when a broadcast operand's
// gradient is accumulated by several of them: those run one after the other).
template <typename Body>
void for_each_matrix(size_t count, int64_t multiply_adds, bool independent, const Body& body) {
    constexpr int64_t kSmallProduct = 64 * 64 * 64;  // gemm's own threshold for threads
    if (!independent || multiply_adds >= kSmallProduct || count < 2) {
        for (size_t i = 0; i < count; ++i) body(i);
        return;
    }
    parallel_for(0, static_cast<int64_t>(count), grain_for(multiply_adds, kSmallProduct),
                 [&](int64_t begin, int64_t end) {
                     for (int64_t i = begin; i < end; ++i) body(static_cast<size_t>(i));
                 });
}

// a [..., M, K] and b [..., K, N]: broadcasts the batch dimensions (all but the last two) and
// lists, for each matrix of the result, which matrix of a and of b it multiplies.
BatchOffsets batch_offsets(const Shape& a_batch, const Shape& b_batch, const Shape& out_batch,
                           int64_t a_matrix, int64_t b_matrix, int64_t out_matrix) {
    BatchOffsets offsets;
    const std::array<std::vector<int64_t>, 2> strides{
        detail::broadcast_strides(a_batch, out_batch),
        detail::broadcast_strides(b_batch, out_batch)};
    detail::for_each_row(out_batch, strides,
                         [&](int64_t first, auto start, int64_t count, auto step) {
                             for (int64_t j = 0; j < count; ++j) {
                                 offsets.a.push_back((start[0] + j * step[0]) * a_matrix);
                                 offsets.b.push_back((start[1] + j * step[1]) * b_matrix);
                                 offsets.out.push_back((first + j) * out_matrix);
                             }
                         });
    return offsets;
}

Shape leading(const Shape& shape) {
    return Shape(std::vector<int64_t>(shape.sizes().begin(), shape.sizes().end() - 2));
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
    require_defined("matmul", a, 1, 2);
    require_defined("matmul", b, 2, 2);
    if (a.rank() < 2 || b.rank() < 2) {
        throw ShapeError("matmul: " + a.shape().to_string() + " x " + b.shape().to_string() +
                         ": both operands need at least 2 dimensions");
    }
    const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
    if (b.size(-2) != k) {
        throw ShapeError("matmul: " + a.shape().to_string() + " x " + b.shape().to_string() +
                         ": inner dimensions " + std::to_string(k) + " and " +
                         std::to_string(b.size(-2)) + " differ");
    }
    const Shape out_batch = broadcast_shapes(leading(a.shape()), leading(b.shape()), "matmul");
    std::vector<int64_t> out_sizes = out_batch.to_vector();
    out_sizes.push_back(m);
    out_sizes.push_back(n);
    Tensor out{Shape(out_sizes)};
    auto offsets = std::make_shared<BatchOffsets>(
        batch_offsets(leading(a.shape()), leading(b.shape()), out_batch, m * k, k * n, m * n));
    const int64_t out_count = static_cast<int64_t>(offsets->out.size());

    // out_i = a_i @ b_i for each matrix i of the batch.
    for_each_matrix(offsets->out.size(), m * n * k, true, [&](size_t i) {
        kernels::gemm({.m = m,
                       .n = n,
                       .k = k,
                       .a = a.data() + offsets->a[i],
                       .lda = k,
                       .b = b.data() + offsets->b[i],
                       .ldb = n,
                       .beta = 0.0f,
                       .c = out.data() + offsets->out[i],
                       .ldc = n});
    });

    // da needs b and db needs a: each is kept only if the other's gradient is wanted.
    const bool a_needs = a.requires_grad(), b_needs = b.requires_grad();
    return record(
        "matmul", out, {a, b},
        [a = b_needs ? a : Tensor(), b = a_needs ? b : Tensor(), a_needs, b_needs,
         a_shape = a.shape(), b_shape = b.shape(), offsets, m, n, k,
         broadcast = a.numel() / std::max<int64_t>(1, m * k) != out_count ||
                     b.numel() / std::max<int64_t>(1, k * n) != out_count](const Tensor& g) {
            // A matrix of a (or b) used by several batch entries, by broadcasting,
            // receives the sum of their gradients: beta = 1 accumulates into zeros.
            Tensor da = a_needs ? zeros(a_shape) : Tensor();
            Tensor db = b_needs ? zeros(b_shape) : Tensor();
            for_each_matrix(offsets->out.size(), m * n * k, !broadcast, [&](size_t i) {
                const float* g_i = g.data() + offsets->out[i];
                if (a_needs) {  // da_i += g_i [M,N] @ b_i^T [N,K]
                    kernels::gemm({.transpose_b = Transpose::Yes,
                                   .m = m,
                                   .n = k,
                                   .k = n,
                                   .a = g_i,
                                   .lda = n,
                                   .b = b.data() + offsets->b[i],
                                   .ldb = n,
                                   .beta = 1.0f,
                                   .c = da.data() + offsets->a[i],
                                   .ldc = k});
                }
                if (b_needs) {  // db_i += a_i^T [K,M] @ g_i [M,N]
                    kernels::gemm({.transpose_a = Transpose::Yes,
                                   .m = k,
                                   .n = n,
                                   .k = m,
                                   .a = a.data() + offsets->a[i],
                                   .lda = k,
                                   .b = g_i,
                                   .ldb = n,
                                   .beta = 1.0f,
                                   .c = db.data() + offsets->b[i],
                                   .ldc = n});
                }
            });
            return std::vector<Tensor>{da, db};
        });
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
    if (weight.rank() != 2 || x.rank() < 1 || x.size(-1) != weight.size(1)) {
        throw ShapeError("linear: input " + x.shape().to_string() + " and weight " +
                         weight.shape().to_string() + ": weight must be [out, " +
                         (x.rank() >= 1 ? std::to_string(x.size(-1)) : "in") + "]");
    }
    const int64_t in = weight.size(1), out_features = weight.size(0);
    if (bias.defined() && !(bias.shape() == Shape{out_features})) {
        throw ShapeError("linear: bias " + bias.shape().to_string() + " for weight " +
                         weight.shape().to_string() + " must be [" + std::to_string(out_features) +
                         "]");
    }
    // Every leading position (counted from the shape: with in == 0, x has no elements but y
    // still has rows, each set to the bias, or to zeros).
    const int64_t rows = Shape(x.shape().sizes().first(x.rank() - 1)).numel();
    std::vector<int64_t> out_sizes = x.shape().to_vector();
    out_sizes.back() = out_features;
    Tensor y{Shape(out_sizes)};
    // y [rows, out] = x [rows, in] @ W^T [in, out] + bias (in every row), in one gemm call: it
    // starts each block of y from the bias just before computing it (see GemmArgs::bias).
    kernels::gemm({.transpose_b = Transpose::Yes,
                   .m = rows,
                   .n = out_features,
                   .k = in,
                   .a = x.data(),
                   .lda = in,
                   .b = weight.data(),
                   .ldb = in,
                   .beta = 0.0f,
                   .c = y.data(),
                   .ldc = out_features,
                   .bias = bias.defined() ? bias.data() : nullptr});
    return record(
        "linear", y, {x, weight, bias},
        // dx needs W and dW needs x: each is kept only if the other's gradient is wanted (a
        // frozen layer does not keep its input).
        [x = weight.requires_grad() ? x : Tensor(), weight = x.requires_grad() ? weight : Tensor(),
         x_shape = x.shape(), x_needs = x.requires_grad(), w_needs = weight.requires_grad(),
         b_needs = bias.defined() && bias.requires_grad(), rows, in,
         out_features](const Tensor& g) {
            Tensor dx, dweight, dbias;
            if (x_needs) {  // dx [rows, in] = g [rows, out] @ W [out, in]
                dx = Tensor(x_shape);
                kernels::gemm({.m = rows,
                               .n = in,
                               .k = out_features,
                               .a = g.data(),
                               .lda = out_features,
                               .b = weight.data(),
                               .ldb = in,
                               .beta = 0.0f,
                               .c = dx.data(),
                               .ldc = in});
            }
            if (w_needs) {  // dW [out, in] = g^T [out, rows] @ x [rows, in]
                dweight = Tensor(Shape{out_features, in});
                kernels::gemm({.transpose_a = Transpose::Yes,
                               .m = out_features,
                               .n = in,
                               .k = rows,
                               .a = g.data(),
                               .lda = out_features,
                               .b = x.data(),
                               .ldb = in,
                               .beta = 0.0f,
                               .c = dweight.data(),
                               .ldc = in});
            }
            if (b_needs) {  // db [out] = sum over rows of g
                const float* grad = g.data();
                const auto add_row = [=](int64_t r, float* sums) {
                    const float* row = grad + r * out_features;
                    for (int64_t j = 0; j < out_features; ++j) sums[j] += row[j];
                };
                dbias = from_vector(
                    detail::sum_rows_in_blocks(rows, out_features, out_features, add_row),
                    Shape{out_features});
            }
            return std::vector<Tensor>{dx, dweight, dbias};
        });
}

}  // namespace ag
