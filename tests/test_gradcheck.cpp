// tests/test_gradcheck.cpp — gradcheck itself (core/gradcheck.h): it must fail when a
// backward is wrong, or every gradcheck row in this suite would prove nothing.
#include "catch.h"
#include "core/autograd.h"
#include "test_helpers.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

namespace {
// x^2 with a deliberately wrong derivative (x instead of 2x).
Tensor square_with_wrong_backward(const Tensor& x) {
    Tensor y = x.detach() * x.detach();
    return record("bad_square", y, {x},
                  [x = x.detach()](const Tensor& g) { return std::vector<Tensor>{g * x}; });
}
}  // namespace

TEST_CASE("gradcheck catches a wrong backward and reports where", "[gradcheck]") {
    const Tensor x = from_vector({1.0f, 2.0f, -3.0f}, {3});
    const GradcheckResult bad =
        gradcheck([](const Inputs& v) { return square_with_wrong_backward(v[0]); }, {x});
    REQUIRE_FALSE(bad.passed);
    REQUIRE(bad.max_abs_error > 0.5);
    REQUIRE_THAT(bad.report, Contains("input 0 [3]"));

    const GradcheckResult good = gradcheck([](const Inputs& v) { return v[0] * v[0]; }, {x});
    REQUIRE(good.passed);
    REQUIRE(good.max_abs_error < 1e-2);
}

TEST_CASE("gradcheck leaves the caller's tensors alone and rejects constant functions",
          "[gradcheck]") {
    const Tensor x = from_vector({1.0f, 2.0f}, {2});
    (void)gradcheck([](const Inputs& v) { return exp(v[0]); }, {x});
    REQUIRE_FALSE(x.requires_grad());
    REQUIRE_FALSE(x.grad().defined());
    test::require_values(x, {1, 2});
    REQUIRE_THROWS_AS(gradcheck([](const Inputs&) { return ones({2}); }, {x}), Error);
}
