// tests/test_ops_softmax.cpp — softmax and log_softmax (core/ops/softmax.h).
#include <algorithm>
#include <cmath>

#include "catch.h"
#include "core/ops/elementwise_loops.h"
#include "test_helpers.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

TEST_CASE("softmax values sum to one along the dimension", "[ops][softmax]") {
    const Tensor x = from_vector({1, 2, 3, 1, 1, 1}, {2, 3});
    const float e1 = std::exp(1.0f), e2 = std::exp(2.0f), e3 = std::exp(3.0f);
    const float total = e1 + e2 + e3;
    test::require_values(softmax(x),
                         {e1 / total, e2 / total, e3 / total, 1 / 3.f, 1 / 3.f, 1 / 3.f});
    test::require_values(log_softmax(x, 1),
                         {std::log(e1 / total), std::log(e2 / total), std::log(e3 / total),
                          std::log(1 / 3.f), std::log(1 / 3.f), std::log(1 / 3.f)});
    test::require_values(sum(softmax(x, 0), 0), {1, 1, 1});
}

TEST_CASE("softmax and log_softmax stay finite at logits of magnitude 1e4", "[ops][softmax]") {
    const Tensor x = from_vector({1e4f, -1e4f, 1e4f - 1.0f, 0.0f}, {4});
    const Tensor p = softmax(x);
    const Tensor lp = log_softmax(x);
    for (int64_t i = 0; i < 4; ++i) {
        REQUIRE(std::isfinite(p.data()[i]));
        REQUIRE(std::isfinite(lp.data()[i]));
    }
    const float e = std::exp(-1.0f);
    test::require_values(p, {1 / (1 + e), 0, e / (1 + e), 0});
    REQUIRE(lp.at({0}) == Approx(-std::log1p(e)));
    REQUIRE(lp.at({1}) == Approx(-2e4f - std::log1p(e)));

    // Gradients at those magnitudes are finite too.
    Tensor big = (x * 1.0f).detach().set_requires_grad();
    sum(log_softmax(big) * from_vector({1, 2, 3, 4}, {4})).backward();
    for (float g : big.grad().to_vector()) REQUIRE(std::isfinite(g));
}

TEST_CASE("softmax gradchecks along each dim", "[ops][softmax][gradcheck]") {
    const Tensor x = test::random({2, 3, 4}, 41);
    for (int64_t dim : {0, 1, 2, -1}) {
        INFO("dim " << dim);
        test::require_gradcheck([=](const Inputs& v) { return softmax(v[0], dim); }, {x});
        test::require_gradcheck([=](const Inputs& v) { return log_softmax(v[0], dim); }, {x});
    }
    test::require_gradcheck([](const Inputs& v) { return softmax(v[0] * 30.0f); },
                            {test::random({5}, 42)}, {.eps = 1e-4f, .atol = 2e-3f});
    REQUIRE_THROWS_AS(softmax(x, 3), IndexError);
}

TEST_CASE("exp_vectorizable agrees with std::exp to 1e-7, and at the edges", "[ops][softmax]") {
    double worst = 0.0;
    for (float x = -86.5f; x < 88.7f; x += 0.000917f) {
        const double exact = std::exp(static_cast<double>(x));
        worst = std::max(worst, std::abs(detail::exp_vectorizable(x) - exact) / exact);
    }
    INFO("worst relative error " << worst);
    REQUIRE(worst < 1e-7);
    REQUIRE(detail::exp_vectorizable(0.0f) == 1.0f);
    REQUIRE(detail::exp_vectorizable(-1e9f) == 0.0f);  // a masked score: exactly 0
    REQUIRE(detail::exp_vectorizable(-87.0f) == 0.0f);
    REQUIRE(std::isinf(detail::exp_vectorizable(89.0f)));
    REQUIRE(std::isnan(detail::exp_vectorizable(std::nanf(""))));
}
