// tests/test_ops_reduce.cpp — sum mean max argmax sum_to (core/ops/reduce.h).
#include "catch.h"
#include "test_helpers.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

TEST_CASE("sum and mean over all, one, several dims, with and without keepdim", "[ops][reduce]") {
    const Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    REQUIRE(sum(a).item() == 21.0f);
    REQUIRE(sum(a).rank() == 0);
    REQUIRE(mean(a).item() == 3.5f);
    test::require_values(sum(a, 0), {5, 7, 9});
    test::require_values(sum(a, 1), {6, 15});
    REQUIRE(sum(a, 1).shape() == Shape{2});
    REQUIRE(sum(a, 1, true).shape() == Shape{2, 1});
    REQUIRE(sum(a, -1, true).shape() == Shape{2, 1});
    test::require_values(mean(a, 0), {2.5f, 3.5f, 4.5f});
    const Tensor b = arange(24);
    const Tensor c = reshape(b, {2, 3, 4});
    test::require_values(sum(c, {0, 2}), {60, 92, 124});
    REQUIRE(sum(c, {0, 2}, true).shape() == Shape{1, 3, 1});
    test::require_values(mean(c, {-1, 0}), {7.5f, 11.5f, 15.5f});
}

TEST_CASE("max and argmax along a dimension", "[ops][reduce]") {
    const Tensor a = from_vector({1, 9, 3, 7, 5, 6}, {2, 3});
    test::require_values(max(a, 1), {9, 7});
    test::require_values(max(a, 0), {7, 9, 6});
    REQUIRE(max(a, 0, true).shape() == Shape{1, 3});
    REQUIRE(argmax(a, 1).values() == std::vector<int64_t>{1, 0});
    REQUIRE(argmax(a, 0).values() == std::vector<int64_t>{1, 0, 1});
    REQUIRE(argmax(from_vector({2, 2, 1}, {3}), 0).values() == std::vector<int64_t>{0});
}

TEST_CASE("reductions reject bad dimensions", "[ops][reduce][errors]") {
    const Tensor a = ones({2, 3});
    REQUIRE_THROWS_AS(sum(a, 2), IndexError);
    REQUIRE_THROWS_WITH(sum(a, {1, 1}), Contains("listed twice"));
    REQUIRE_THROWS_AS(max(a, -3), IndexError);
    REQUIRE_THROWS_AS(max(zeros({2, 0}), 1), ValueError);
    REQUIRE_THROWS_AS(mean(zeros({0})), ValueError);
    REQUIRE_THROWS_AS(sum_to(ones({2, 3}), {4}), ShapeError);
}

TEST_CASE("reduction gradchecks over each dim", "[ops][reduce][gradcheck]") {
    const Tensor x = test::random({2, 3, 4}, 21);
    // For max, distinct values at least 0.25 apart, so the +-eps nudges never change which
    // element wins (where two tie, max has no derivative).
    std::vector<float> spread(24);
    for (int i = 0; i < 24; ++i) spread[i] = static_cast<float>((i * 7) % 24) * 0.25f;
    const Tensor separated = from_vector(spread, {2, 3, 4});
    for (int64_t dim : {0, 1, 2}) {
        for (bool keepdim : {false, true}) {
            INFO("dim " << dim << " keepdim " << keepdim);
            test::require_gradcheck([=](const Inputs& v) { return sum(v[0], dim, keepdim); }, {x});
            test::require_gradcheck([=](const Inputs& v) { return mean(v[0], dim, keepdim); }, {x});
            test::require_gradcheck([=](const Inputs& v) { return max(v[0], dim, keepdim); },
                                    {separated});
        }
    }
    test::require_gradcheck([](const Inputs& v) { return sum(v[0]); }, {x});
    test::require_gradcheck([](const Inputs& v) { return mean(v[0]); }, {x});
    test::require_gradcheck([](const Inputs& v) { return sum(v[0], {0, 2}, true); }, {x});
    test::require_gradcheck([](const Inputs& v) { return sum_to(v[0], {3, 1}); }, {x});
}
