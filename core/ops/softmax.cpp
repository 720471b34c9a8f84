// core/ops/softmax.cpp — softmax and log_softmax: forward, then backward, per op.
//
// Both work on x viewed as [outer, n, inner], n the size of `dim`: each (outer, inner) pair
// is one vector of n logits, read with stride `inner`.
#include "core/ops/softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/autograd.h"
#include "core/ops/elementwise_loops.h"
#include "core/parallel.h"

namespace ag {

namespace {

// x as [outer, n, inner] around the softmax dimension: outer * inner vectors ("lanes") of n.
struct Lanes : detail::AroundDim {
    using AroundDim::AroundDim;
    // Calls f(first, stride) for every vector along the dimension, vectors split over
    // threads (each vector is independent).
    template <class F>
    void for_each(F f) const {
        parallel_for(0, outer * inner, grain_for(n), [&](int64_t begin, int64_t end) {
            for (int64_t lane = begin; lane < end; ++lane) {
                const int64_t o = lane / inner, i = lane % inner;
                f(o * n * inner + i, inner);
            }
        });
    }
};

}  // namespace

namespace detail {
// Pass 1 and pass 2 of softmax, for one vector.
std::pair<float, float> max_and_log_sum_exp(const float* x, int64_t n, int64_t stride) {
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n; ++j) max = std::max(max, x[j * stride]);
    float sum = 0.0f;
    for (int64_t j = 0; j < n; ++j) sum += detail::exp_vectorizable(x[j * stride] - max);
    return {max, std::log(sum)};
}
}  // namespace detail

Tensor softmax(const Tensor& x, int64_t dim) {
    const Lanes lanes(x.shape(), normalize_dim(dim, x.rank(), "softmax"));
    Tensor y(x.shape());
    const float* in = x.data();
    float* out = y.data();
    lanes.for_each([&](int64_t first, int64_t stride) {
        const auto [max, log_sum] = detail::max_and_log_sum_exp(in + first, lanes.n, stride);
        for (int64_t j = 0; j < lanes.n; ++j) {  // pass 3: normalize
            out[first + j * stride] =
                detail::exp_vectorizable(in[first + j * stride] - max - log_sum);
        }
    });
    return record("softmax", y, {x}, [y = y.detach(), lanes](const Tensor& g) {
        // dx_i = y_i * (g_i - sum_j g_j y_j)
        Tensor dx(y.shape());
        float* out = dx.data();
        lanes.for_each([&](int64_t first, int64_t stride) {
            const float* gv = g.data() + first;
            const float* yv = y.data() + first;
            float dot = 0.0f;
            for (int64_t j = 0; j < lanes.n; ++j) dot += gv[j * stride] * yv[j * stride];
            for (int64_t j = 0; j < lanes.n; ++j) {
                out[first + j * stride] = yv[j * stride] * (gv[j * stride] - dot);
            }
        });
        return std::vector<Tensor>{dx};
    });
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
    const Lanes lanes(x.shape(), normalize_dim(dim, x.rank(), "log_softmax"));
    Tensor y(x.shape());
    const float* in = x.data();
    float* out = y.data();
    lanes.for_each([&](int64_t first, int64_t stride) {
        const auto [max, log_sum] = detail::max_and_log_sum_exp(in + first, lanes.n, stride);
        for (int64_t j = 0; j < lanes.n; ++j) {
            out[first + j * stride] = in[first + j * stride] - max - log_sum;
        }
    });
    return record("log_softmax", y, {x}, [y = y.detach(), lanes](const Tensor& g) {
        // dx_i = g_i - softmax_i * sum_j g_j, with softmax_i = e^(y_i)
        Tensor dx(y.shape());
        float* out = dx.data();
        lanes.for_each([&](int64_t first, int64_t stride) {
            const float* gv = g.data() + first;
            const float* yv = y.data() + first;
            float sum = 0.0f;
            for (int64_t j = 0; j < lanes.n; ++j) sum += gv[j * stride];
            for (int64_t j = 0; j < lanes.n; ++j) {
                out[first + j * stride] =
                    gv[j * stride] - detail::exp_vectorizable(yv[j * stride]) * sum;
            }
        });
        return std::vector<Tensor>{dx};
    });
}

}  // namespace ag
