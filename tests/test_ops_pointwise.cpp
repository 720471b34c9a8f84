// tests/test_ops_pointwise.cpp — exp log sqrt pow tanh sigmoid relu gelu
// (core/ops/pointwise.h): values against <cmath>, and gradchecks.
#include <cmath>

#include "catch.h"
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
