// tests/test_ops_arithmetic.cpp — + - * / neg (core/ops/arithmetic.h): values, broadcasting,
// gradchecks.
#include "catch.h"
#include "test_helpers.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

TEST_CASE("arithmetic values, with scalars and broadcasting", "[ops][arithmetic]") {
    const Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor row = from_vector({10, 20, 30}, {3});
    const Tensor column = from_vector({100, 200}, {2, 1});
    test::require_values(a + row, {11, 22, 33, 14, 25, 36});
    test::require_values(a - column, {-99, -98, -97, -196, -195, -194});
    test::require_values(a * 2.0f, {2, 4, 6, 8, 10, 12});
    test::require_values(1.0f / from_vector({2, 4}, {2}), {0.5f, 0.25f});
    test::require_values(10.0f - a, {9, 8, 7, 6, 5, 4});
    test::require_values(-a, {-1, -2, -3, -4, -5, -6});
    test::require_values(column * row, {1000, 2000, 3000, 2000, 4000, 6000});
    REQUIRE((column * row).shape() == Shape{2, 3});
    REQUIRE((scalar(2.0f) + a).shape() == Shape{2, 3});
}

TEST_CASE("arithmetic rejects shapes that do not broadcast, naming op and shapes",
          "[ops][arithmetic][errors]") {
    REQUIRE_THROWS_WITH(ones({2, 3}) + ones({2}), StartsWith("add: [2,3] and [2]"));
    REQUIRE_THROWS_WITH(ones({2, 3}) * ones({3, 2}), StartsWith("mul: [2,3] and [3,2]"));
    REQUIRE_THROWS_AS(ones({4}) - ones({5}), ShapeError);
    REQUIRE_THROWS_AS(ones({4}) / ones({5}), ShapeError);
}

TEST_CASE("arithmetic gradchecks, same shapes", "[ops][arithmetic][gradcheck]") {
    const Tensor a = test::random({3, 4}, 1), b = test::random({3, 4}, 2);
    const Tensor positive = test::random({3, 4}, 3) * 0.1f + 2.0f;  // keep away from 0
    test::require_gradcheck([](const Inputs& x) { return x[0] + x[1]; }, {a, b});
    test::require_gradcheck([](const Inputs& x) { return x[0] - x[1]; }, {a, b});
    test::require_gradcheck([](const Inputs& x) { return x[0] * x[1]; }, {a, b});
    test::require_gradcheck([](const Inputs& x) { return x[0] / x[1]; }, {a, positive});
    test::require_gradcheck([](const Inputs& x) { return -x[0]; }, {a});
}

TEST_CASE("arithmetic gradchecks with broadcast shapes reduce gradients back",
          "[ops][arithmetic][gradcheck][broadcast]") {
    const Tensor a = test::random({2, 3, 4}, 1);
    const Tensor row = test::random({4}, 2);
    const Tensor column = test::random({3, 1}, 3);
    const Tensor middle = test::random({2, 1, 4}, 4) * 0.1f + 2.0f;
    const Tensor single = test::random({1}, 5);
    test::require_gradcheck([](const Inputs& x) { return x[0] + x[1]; }, {a, row});
    test::require_gradcheck([](const Inputs& x) { return x[0] - x[1]; }, {column, a});
    test::require_gradcheck([](const Inputs& x) { return x[0] * x[1]; }, {a, column});
    test::require_gradcheck([](const Inputs& x) { return x[0] / x[1]; }, {a, middle});
    test::require_gradcheck([](const Inputs& x) { return x[0] * x[1]; }, {single, a});
    test::require_gradcheck([](const Inputs& x) { return x[0] * x[1]; }, {column, row});
}

TEST_CASE("scalar operators gradcheck on the tensor side", "[ops][arithmetic][gradcheck]") {
    const Tensor a = test::random({5}, 1) * 0.1f + 3.0f;
    test::require_gradcheck([](const Inputs& x) { return 2.0f * x[0] + 1.0f; }, {a});
    test::require_gradcheck([](const Inputs& x) { return 1.0f - x[0] / 4.0f; }, {a});
    test::require_gradcheck([](const Inputs& x) { return 3.0f / x[0] - 1.0f; }, {a});
}

TEST_CASE("one tensor used by both operands of an op", "[ops][arithmetic][gradcheck]") {
    const Tensor a = test::random({3}, 9);
    test::require_gradcheck([](const Inputs& x) { return x[0] * x[0] + x[0]; }, {a});
}
