// tests/test_ops_pointwise.cpp — exp log sqrt pow tanh sigmoid relu gelu silu
// (core/ops/pointwise.h): values against <cmath>, and gradchecks.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "catch.h"
#include "core/kernels/gemm_microkernel.h"
#include "core/kernels/vector_math.h"
#include "core/ops/elementwise_loops.h"
#include "test_helpers.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

TEST_CASE("pointwise values", "[ops][pointwise]") {
    const Tensor x = from_vector({-2.0f, -0.5f, 0.0f, 0.5f, 2.0f}, {5});
    test::require_values(exp(x),
                         {std::exp(-2.0f), std::exp(-0.5f), 1, std::exp(0.5f), std::exp(2.0f)});
    test::require_values(relu(x), {0, 0, 0, 0.5f, 2});
    test::require_values(tanh(x),
                         {std::tanh(-2.0f), std::tanh(-0.5f), 0, std::tanh(0.5f), std::tanh(2.0f)});
    test::require_values(sigmoid(x), {1 / (1 + std::exp(2.0f)), 1 / (1 + std::exp(0.5f)), 0.5f,
                                      1 / (1 + std::exp(-0.5f)), 1 / (1 + std::exp(-2.0f))});
    // gelu(x) = x * Phi(x); reference values from PyTorch's exact gelu.
    test::require_values(gelu(x), {-0.0455003f, -0.1542687f, 0.0f, 0.3457312f, 1.9544997f});
    const Tensor positive = from_vector({0.25f, 1.0f, 4.0f}, {3});
    test::require_values(log(positive), {std::log(0.25f), 0, std::log(4.0f)});
    test::require_values(sqrt(positive), {0.5f, 1, 2});
    test::require_values(pow(positive, 3.0f), {0.015625f, 1, 64});
    test::require_values(pow(positive, -0.5f), {2, 1, 0.5f});
}

TEST_CASE("sigmoid does not overflow at large |x|", "[ops][pointwise]") {
    const Tensor y = sigmoid(from_vector({-1000.0f, 1000.0f}, {2}));
    test::require_values(y, {0.0f, 1.0f});
}

TEST_CASE("pointwise gradchecks", "[ops][pointwise][gradcheck]") {
    const Tensor x = test::random({2, 5}, 11);
    // Away from relu's kink at 0, where the derivative jumps.
    const Tensor away_from_zero = from_vector({-1.5f, -0.7f, 0.3f, 0.9f, 2.0f}, {5});
    const Tensor positive = test::random({2, 5}, 12) * 0.2f + 2.0f;
    test::require_gradcheck([](const Inputs& v) { return exp(v[0]); }, {x});
    test::require_gradcheck([](const Inputs& v) { return log(v[0]); }, {positive});
    test::require_gradcheck([](const Inputs& v) { return sqrt(v[0]); }, {positive});
    test::require_gradcheck([](const Inputs& v) { return pow(v[0], 3.0f); }, {x});
    test::require_gradcheck([](const Inputs& v) { return pow(v[0], -1.5f); }, {positive});
    test::require_gradcheck([](const Inputs& v) { return tanh(v[0]); }, {x});
    test::require_gradcheck([](const Inputs& v) { return sigmoid(v[0]); }, {x});
    test::require_gradcheck([](const Inputs& v) { return relu(v[0]); }, {away_from_zero});
    test::require_gradcheck([](const Inputs& v) { return gelu(v[0]); }, {x});
}

//! [silu_test]
TEST_CASE("silu: values, gradient at chosen points, no overflow, gradcheck", "[ops][pointwise]") {
    // Values and derivatives s (1 + x (1 - s)) of x s(x), computed in double precision and
    // rounded to 7 digits (docs/add_an_op.md).
    const Tensor x = from_vector({-2.0f, -0.5f, 0.0f, 0.5f, 2.0f}, {5}, /*requires_grad=*/true);
    const Tensor y = silu(x);
    test::require_values(y, {-0.2384058f, -0.1887703f, 0.0f, 0.3112297f, 1.761594f});
    sum(y).backward();
    test::require_values(x.grad(), {-0.09078425f, 0.2600388f, 0.5f, 0.7399612f, 1.090784f});
    // Far out, silu is 0 and x, its slope 0 and 1, and nothing overflows to nan.
    const Tensor far = from_vector({-100.0f, 100.0f}, {2}, /*requires_grad=*/true);
    const Tensor y_far = silu(far);
    test::require_values(y_far, {0.0f, 100.0f});
    sum(y_far).backward();
    test::require_values(far.grad(), {0.0f, 1.0f});
    test::require_gradcheck([](const Inputs& v) { return silu(v[0]); }, {test::random({2, 5}, 13)});
}
//! [silu_test]

TEST_CASE("erf_vectorizable agrees with std::erf to 5e-7, and at the edges", "[ops][pointwise]") {
    double worst = 0.0;
    for (float x = -6.0f; x < 6.0f; x += 0.0000917f) {
        const double exact = std::erf(static_cast<double>(x));
        if (exact == 0.0) continue;
        worst = std::max(worst, std::abs(detail::erf_vectorizable(x) - exact) / std::abs(exact));
    }
    INFO("worst relative error " << worst);
    REQUIRE(worst < 5e-7);
    REQUIRE(detail::erf_vectorizable(0.0f) == 0.0f);
    REQUIRE(detail::erf_vectorizable(1e-30f) == Approx(1.1283791e-30f).epsilon(1e-6));
    for (float big : {4.0f, 4.5f, 100.0f, std::numeric_limits<float>::infinity()}) {
        REQUIRE(detail::erf_vectorizable(big) == 1.0f);  // never past 1, though P / Q may round so
        REQUIRE(detail::erf_vectorizable(-big) == -1.0f);
    }
    REQUIRE(std::isnan(detail::erf_vectorizable(std::nanf(""))));
}

TEST_CASE("gelu and its gradient agree with the exact formula in double precision",
          "[ops][pointwise]") {
    // Phi in double: gelu(x) = x Phi(x) and gelu'(x) = Phi(x) + x phi(x), on [-8, 8].
    std::vector<float> values;
    for (float v = -8.0f; v <= 8.0f; v += 0.00731f) values.push_back(v);
    const int64_t n = static_cast<int64_t>(values.size());
    const Tensor x = from_vector(values, {n}).set_requires_grad();
    const Tensor y = gelu(x);
    sum(y).backward();
    double worst_value = 0.0, worst_gradient = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const double v = values[i];
        const double cdf = 0.5 * (1.0 + std::erf(v / std::sqrt(2.0)));
        const double pdf = std::exp(-0.5 * v * v) / std::sqrt(2.0 * std::numbers::pi);
        const double scale = std::max(1.0, std::abs(v));
        worst_value = std::max(worst_value, std::abs(y.data()[i] - v * cdf) / scale);
        worst_gradient = std::max(worst_gradient, std::abs(x.grad().data()[i] - (cdf + v * pdf)));
    }
    INFO("worst error: value " << worst_value << ", gradient " << worst_gradient);
    REQUIRE(worst_value < 1e-6);
    REQUIRE(worst_gradient < 1e-6);
}

#if defined(__x86_64__)
TEST_CASE("the AVX2 build of the element loop agrees with the portable one", "[ops][pointwise]") {
    if (!kernels::cpu_has_avx2_fma()) {
        WARN("this CPU has no AVX2 + FMA: only the portable build runs");
        return;
    }
    // The same loop body, built twice (core/ops/elementwise_loops.h): gelu's forward and
    // backward formulas on 10,000 points, with a tail that is not a whole vector.
    constexpr int64_t n = 10'003;
    const Tensor x = test::random({n}, 7) * 4.0f;
    const float* in = x.data();
    std::vector<float> portable(n), avx2(n);
    const auto formula = [](float v) __attribute__((always_inline)) {
        const float cdf = 0.5f * (1.0f + detail::erf_vectorizable(v * 0.70710678f));
        return v * cdf + 0.39894228f * detail::exp_vectorizable(-0.5f * v * v);
    };
    float* const p = portable.data();
    float* const q = avx2.data();
    detail::for_each_index_portable(
        0, n, [=](int64_t i) __attribute__((always_inline)) { p[i] = formula(in[i]); });
    detail::for_each_index_avx2(
        0, n, [=](int64_t i) __attribute__((always_inline)) { q[i] = formula(in[i]); });
    double worst = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        worst = std::max(worst, std::abs(double{portable[i]} - avx2[i]) /
                                    std::max(1.0, std::abs(double{portable[i]})));
    }
    INFO("worst difference " << worst);
    REQUIRE(worst < 1e-6);
    REQUIRE(
        std::all_of(portable.begin(), portable.end(), [](float v) { return std::isfinite(v); }));
}
#endif
