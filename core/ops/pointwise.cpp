// core/ops/pointwise.cpp — exp, log, sqrt, pow, tanh, sigmoid, relu, gelu, silu: forward, then
// backward, per op. Each backward is one fused loop over (g, saved) that reads like the
// formula in core/ops/pointwise.h.
#include "core/ops/pointwise.h"

#include <cmath>
#include <numbers>

#include "core/autograd.h"
#include "core/kernels/vector_math.h"  // erf_vectorizable, exp_vectorizable
#include "core/ops/elementwise_loops.h"

namespace ag {

using detail::map;
using detail::map2;

Tensor exp(const Tensor& x) {
    Tensor y = map(x, [](float v) { return std::exp(v); });
    return record("exp", y, {x}, [y = y.detach()](const Tensor& g) {
        return std::vector<Tensor>{map2(g, y, [](float g, float y) { return g * y; })};
    });
}

Tensor log(const Tensor& x) {
    Tensor y = map(x, [](float v) { return std::log(v); });
    return record("log", y, {x}, [x](const Tensor& g) {
        return std::vector<Tensor>{map2(g, x, [](float g, float x) { return g / x; })};
    });
}

Tensor sqrt(const Tensor& x) {
    Tensor y = map(x, [](float v) { return std::sqrt(v); });
    return record("sqrt", y, {x}, [y = y.detach()](const Tensor& g) {
        return std::vector<Tensor>{map2(g, y, [](float g, float y) { return g / (2.0f * y); })};
    });
}

Tensor pow(const Tensor& x, float exponent) {
    Tensor y = map(x, [exponent](float v) { return std::pow(v, exponent); });
    return record("pow", y, {x}, [x, p = exponent](const Tensor& g) {
        return std::vector<Tensor>{
            map2(g, x, [p](float g, float x) { return g * p * std::pow(x, p - 1.0f); })};
    });
}

//! [tanh]
Tensor tanh(const Tensor& x) {
    Tensor y = map(x, [](float v) { return std::tanh(v); });
    return record("tanh", y, {x}, [y = y.detach()](const Tensor& g) {
        return std::vector<Tensor>{map2(g, y, [](float g, float y) { return g * (1 - y * y); })};
    });
}
//! [tanh]

namespace {
// The logistic function 1/(1+e^-v). For v < 0, e^-v would overflow; the equal form
// e^v/(1+e^v) does not.
float logistic(float v) {
    if (v >= 0) return 1.0f / (1.0f + std::exp(-v));
    const float e = std::exp(v);
    return e / (1.0f + e);
}
}  // namespace

Tensor sigmoid(const Tensor& x) {
    Tensor y = map(x, [](float v) { return logistic(v); });
    return record("sigmoid", y, {x}, [y = y.detach()](const Tensor& g) {
        return std::vector<Tensor>{map2(g, y, [](float g, float y) { return g * y * (1 - y); })};
    });
}

Tensor relu(const Tensor& x) {
    Tensor y = map(x, [](float v) { return v > 0 ? v : 0.0f; });
    return record("relu", y, {x}, [y = y.detach()](const Tensor& g) {
        return std::vector<Tensor>{map2(g, y, [](float g, float y) { return y > 0 ? g : 0.0f; })};
    });
}

Tensor gelu(const Tensor& x) {
    // gelu(x) = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal's CDF.
    // erf_vectorizable and exp_vectorizable (core/kernels/vector_math.h) stand for std::erf and
    // std::exp: the same functions to within 5e-7, in arithmetic the compiler vectorizes.
    using detail::erf_vectorizable, detail::exp_vectorizable;
    constexpr float kInvSqrt2 = static_cast<float>(1.0 / std::numbers::sqrt2);
    constexpr float kInvSqrt2Pi =
        static_cast<float>(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2);  // 1/sqrt(2 pi)
    Tensor y = map(x, [](float v) { return 0.5f * v * (1.0f + erf_vectorizable(v * kInvSqrt2)); });
    // d/dx [x Phi(x)] = Phi(x) + x phi(x), with phi(x) = e^(-x^2/2) / sqrt(2 pi).
    return record("gelu", y, {x}, [x](const Tensor& g) {
        return std::vector<Tensor>{map2(g, x, [](float g, float x) {
            const float cdf = 0.5f * (1.0f + erf_vectorizable(x * kInvSqrt2));
            const float pdf = kInvSqrt2Pi * exp_vectorizable(-0.5f * x * x);
            return g * (cdf + x * pdf);
        })};
    });
}

//! [silu]
Tensor silu(const Tensor& x) {
    Tensor y = map(x, [](float v) { return v * logistic(v); });
    // d/dx [x s(x)] = s(x) + x s'(x) = s(x) + x s(x) (1 - s(x)) = s(x) (1 + x (1 - s(x))),
    // with s the logistic function, whose derivative is s (1 - s). The rule needs x, not y.
    return record("silu", y, {x}, [x](const Tensor& g) {
        return std::vector<Tensor>{map2(g, x, [](float g, float x) {
            const float s = logistic(x);
            return g * s * (1.0f + x * (1.0f - s));
        })};
    });
}
//! [silu]

}  // namespace ag
