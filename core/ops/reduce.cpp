// core/ops/reduce.cpp — sum, mean, max, argmax, sum_to: forward, then backward, per op.
#include "core/ops/reduce.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/arithmetic.h"
#include "core/ops/elementwise_loops.h"
#include "core/ops/shape_ops.h"

namespace ag {

namespace {

// The loop behind sum and sum_to: walks x, adding each element into the element of `shape`
// it was (or would have been) broadcast from. `shape` must broadcast to x's shape.
Tensor sum_to_loop(const Tensor& x, const Shape& shape) {
    Tensor out = zeros(shape);
    const float* in = x.data();
    float* o = out.data();
    const std::array<std::vector<int64_t>, 1> strides{detail::broadcast_strides(shape, x.shape())};
    detail::for_each_row(x.shape(), strides,
                         [&](int64_t first, auto offsets, int64_t count, auto step) {
                             for (int64_t j = 0; j < count; ++j)
                                 o[offsets[0] + j * step[0]] += in[first + j];
                         });
    return out;
}

// x's shape with every dimension in `dims` set to 1 (the keepdim result shape).
Shape keepdim_shape(const Shape& shape, const std::vector<int64_t>& dims, const char* op) {
    std::vector<int64_t> sizes = shape.to_vector();
    std::vector<bool> seen(sizes.size(), false);
    for (int64_t dim : dims) {
        const int64_t d = normalize_dim(dim, shape.rank(), op);
        if (seen[d]) {
            throw ValueError(std::string(op) + ": dimension " + std::to_string(dim) +
                             " listed twice");
        }
        seen[d] = true;
        sizes[d] = 1;
    }
    return Shape(std::move(sizes));
}

// x's shape without the dimensions in `dims` (the result shape without keepdim).
Shape dropdim_shape(const Shape& shape, const std::vector<int64_t>& dims) {
    std::vector<int64_t> sizes;
    for (int64_t d = 0; d < shape.rank(); ++d) {
        const bool reduced = std::any_of(dims.begin(), dims.end(), [&](int64_t dim) {
            return dim == d || dim + shape.rank() == d;
        });
        if (!reduced) sizes.push_back(shape.sizes()[d]);
    }
    return Shape(std::move(sizes));
}

// sum and mean: out = scale * (sum of x over dims). d out / d x = scale everywhere.
Tensor scaled_sum(const char* op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim,
                  float scale) {
    const Shape kept = keepdim_shape(x.shape(), dims, op);
    Tensor out = sum_to_loop(x, kept);
    if (scale != 1.0f) {
        for (int64_t i = 0; i < out.numel(); ++i) out.data()[i] *= scale;
    }
    if (!keepdim) out.impl()->shape = dropdim_shape(x.shape(), dims);  // same data, fresh tensor
    return record(op, out, {x}, [x_shape = x.shape(), kept, scale](const Tensor& g) {
        Tensor spread = broadcast_to(reshape(g, kept.to_vector()), x_shape);
        return std::vector<Tensor>{scale == 1.0f ? spread : spread * scale};
    });
}

std::vector<int64_t> all_dims(const Tensor& x) {
    std::vector<int64_t> dims(x.rank());
    for (int64_t d = 0; d < x.rank(); ++d) dims[d] = d;
    return dims;
}

int64_t count_reduced(const Tensor& x, const std::vector<int64_t>& dims, const char* op) {
    int64_t n = 1;
    for (int64_t dim : dims) n *= x.shape()[normalize_dim(dim, x.rank(), op)];
    if (n == 0) throw ValueError(std::string(op) + ": mean over zero elements");
    return n;
}

// The (first) argmax along `dim` of every [outer, inner] position, row-major.
std::vector<int64_t> argmax_along(const Tensor& x, int64_t dim, const char* op) {
    const int64_t d = normalize_dim(dim, x.rank(), op);
    const detail::AroundDim view(x.shape(), d);
    if (view.n == 0) throw ValueError(std::string(op) + ": reduction over an empty dimension");
    std::vector<int64_t> best(view.outer * view.inner);
    const float* in = x.data();
    for (int64_t o = 0; o < view.outer; ++o) {
        for (int64_t i = 0; i < view.inner; ++i) {
            const float* column = in + o * view.n * view.inner + i;
            int64_t arg = 0;
            for (int64_t k = 1; k < view.n; ++k) {
                // `!(a <= b)` rather than `a > b`: a NaN wins, so it propagates as in PyTorch.
                if (!(column[k * view.inner] <= column[arg * view.inner]) &&
                    !std::isnan(column[arg * view.inner])) {
                    arg = k;
                }
            }
            best[o * view.inner + i] = arg;
        }
    }
    return best;
}

}  // namespace

Tensor sum(const Tensor& x) { return scaled_sum("sum", x, all_dims(x), false, 1.0f); }

Tensor sum(const Tensor& x, int64_t dim, bool keepdim) {
    return scaled_sum("sum", x, {dim}, keepdim, 1.0f);
}

Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
    return scaled_sum("sum", x, dims, keepdim, 1.0f);
}

Tensor mean(const Tensor& x) { return mean(x, all_dims(x), false); }

Tensor mean(const Tensor& x, int64_t dim, bool keepdim) {
    return mean(x, std::vector<int64_t>{dim}, keepdim);
}

Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
    const float n = static_cast<float>(count_reduced(x, dims, "mean"));
    return scaled_sum("mean", x, dims, keepdim, 1.0f / n);
}

Tensor max(const Tensor& x, int64_t dim, bool keepdim) {
    const int64_t d = normalize_dim(dim, x.rank(), "max");
    const detail::AroundDim view(x.shape(), d);
    auto arg = std::make_shared<std::vector<int64_t>>(argmax_along(x, d, "max"));
    const Shape kept = keepdim_shape(x.shape(), {d}, "max");
    Tensor out(keepdim ? kept : dropdim_shape(x.shape(), {d}));
    for (int64_t o = 0; o < view.outer; ++o) {
        for (int64_t i = 0; i < view.inner; ++i) {
            const int64_t at = o * view.inner + i;
            out.data()[at] = x.data()[(o * view.n + (*arg)[at]) * view.inner + i];
        }
    }
    // Only the winner influenced the output, so only it receives the gradient.
    return record("max", out, {x}, [x_shape = x.shape(), view, arg](const Tensor& g) {
        Tensor dx = zeros(x_shape);
        for (int64_t o = 0; o < view.outer; ++o) {
            for (int64_t i = 0; i < view.inner; ++i) {
                const int64_t at = o * view.inner + i;
                dx.data()[(o * view.n + (*arg)[at]) * view.inner + i] = g.data()[at];
            }
        }
        return std::vector<Tensor>{dx};
    });
}

IndexTensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
    const int64_t d = normalize_dim(dim, x.rank(), "argmax");
    return IndexTensor(argmax_along(x, d, "argmax"), keepdim
                                                         ? keepdim_shape(x.shape(), {d}, "argmax")
                                                         : dropdim_shape(x.shape(), {d}));
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
    if (x.shape() == shape) return x;
    if (!(broadcast_shapes(shape, x.shape(), "sum_to") == x.shape())) {
        throw ShapeError("sum_to: " + x.shape().to_string() + " cannot be summed to " +
                         shape.to_string() + " (it does not broadcast back)");
    }
    Tensor out = sum_to_loop(x, shape);
    return record("sum_to", out, {x}, [x_shape = x.shape()](const Tensor& g) {
        return std::vector<Tensor>{broadcast_to(g, x_shape)};
    });
}

}  // namespace ag
