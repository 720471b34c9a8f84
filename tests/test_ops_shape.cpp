// tests/test_ops_shape.cpp — reshape, broadcast_to, permute, transpose, concat, slice, split
// (core/ops/shape_ops.h).
#include "catch.h"
#include "test_helpers.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

TEST_CASE("reshape shares storage and infers -1", "[ops][shape]") {
    const Tensor a = arange(6);
    const Tensor b = reshape(a, {2, -1});
    REQUIRE(b.shape() == Shape{2, 3});
    REQUIRE(b.data() == a.data());
    REQUIRE(unsqueeze(a, 0).shape() == Shape{1, 6});
    REQUIRE(unsqueeze(a, -1).shape() == Shape{6, 1});
    REQUIRE(squeeze(unsqueeze(a, 1), 1).shape() == Shape{6});
    REQUIRE_THROWS_WITH(reshape(a, {4, 2}), "reshape: [6] (6 elements) to [4,2] (8 elements)");
    REQUIRE_THROWS_AS(reshape(a, {-1, -1}), ValueError);
    REQUIRE_THROWS_AS(reshape(a, {4, -1}), ShapeError);
    REQUIRE_THROWS_AS(squeeze(a, 0), ShapeError);
}

TEST_CASE("permute and transpose move elements", "[ops][shape]") {
    const Tensor a = reshape(arange(6), {2, 3});
    const Tensor t = transpose(a, 0, 1);
    REQUIRE(t.shape() == Shape{3, 2});
    test::require_values(t, {0, 3, 1, 4, 2, 5});
    const Tensor c = reshape(arange(24), {2, 3, 4});
    const Tensor p = permute(c, {2, 0, 1});
    REQUIRE(p.shape() == Shape{4, 2, 3});
    for (int64_t i = 0; i < 4; ++i) {
        for (int64_t j = 0; j < 2; ++j) {
            for (int64_t k = 0; k < 3; ++k) REQUIRE(p.at({i, j, k}) == c.at({j, k, i}));
        }
    }
    REQUIRE_THROWS_AS(permute(c, {0, 0, 1}), ShapeError);
    REQUIRE_THROWS_AS(permute(c, {0, 1}), ShapeError);
    REQUIRE_THROWS_AS(transpose(c, 0, 3), IndexError);
}

TEST_CASE("broadcast_to repeats size-1 dimensions", "[ops][shape]") {
    const Tensor column = from_vector({1, 2}, {2, 1});
    test::require_values(broadcast_to(column, {2, 3}), {1, 1, 1, 2, 2, 2});
    REQUIRE(broadcast_to(column, {4, 2, 3}).shape() == Shape{4, 2, 3});
    REQUIRE_THROWS_AS(broadcast_to(column, {3, 3}), ShapeError);
}

TEST_CASE("concat, slice and split", "[ops][shape]") {
    const Tensor a = reshape(arange(6), {2, 3});
    const Tensor b = reshape(arange(6.0f, 10.0f), {2, 2});
    const Tensor joined = concat({a, b}, 1);
    REQUIRE(joined.shape() == Shape{2, 5});
    test::require_values(joined, {0, 1, 2, 6, 7, 3, 4, 5, 8, 9});
    test::require_values(concat({a, a}, 0), {0, 1, 2, 3, 4, 5, 0, 1, 2, 3, 4, 5});
    test::require_values(slice(joined, 1, 1, 3), {1, 2, 4, 5});
    test::require_values(slice(joined, 1, -2, 100), {6, 7, 8, 9});  // clamped like Python
    REQUIRE(slice(joined, 0, 1, 1).shape() == Shape{0, 5});
    const std::vector<Tensor> pieces = split(joined, 2, 1);
    REQUIRE(pieces.size() == 3);
    REQUIRE(pieces[2].shape() == Shape{2, 1});
    test::require_values(pieces[1], {2, 6, 5, 8});
    REQUIRE_THROWS_WITH(concat({a, b}, 0), StartsWith("concat: [2,3] and [2,2]"));
    REQUIRE_THROWS_AS(concat({}, 0), ValueError);
    REQUIRE_THROWS_AS(split(joined, std::vector<int64_t>{2, 2}, 1), ShapeError);
    REQUIRE_THROWS_AS(split(joined, 0, 1), ValueError);
}

TEST_CASE("shape op gradchecks", "[ops][shape][gradcheck]") {
    const Tensor x = test::random({2, 3, 4}, 31);
    const Tensor y = test::random({2, 2, 4}, 32);
    test::require_gradcheck([](const Inputs& v) { return reshape(v[0], {6, 4}); }, {x});
    test::require_gradcheck([](const Inputs& v) { return permute(v[0], {2, 0, 1}); }, {x});
    test::require_gradcheck([](const Inputs& v) { return transpose(v[0], -1, 0); }, {x});
    test::require_gradcheck([](const Inputs& v) { return concat({v[0], v[1]}, 1); }, {x, y});
    test::require_gradcheck([](const Inputs& v) { return slice(v[0], 2, 1, 3); }, {x});
    test::require_gradcheck(
        [](const Inputs& v) {
            const std::vector<Tensor> parts = split(v[0], 1, 1);
            return parts[0] * parts[2] + parts[1];  // pieces reused in one expression
        },
        {x});
    test::require_gradcheck([](const Inputs& v) { return broadcast_to(v[0], {3, 2, 3, 4}); }, {x});
    // The same tensor concatenated with itself: both copies send gradient back.
    test::require_gradcheck([](const Inputs& v) { return concat({v[0], v[0]}, 0); }, {x});
}

TEST_CASE("permute and broadcast_to split over threads give every element its place",
          "[ops][shape][threads]") {
    // Large enough that the rows are shared out: each thread starts its odometer mid-tensor.
    const Tensor x = test::random({6, 35, 5, 41}, 3);
    const Tensor y = permute(x, {2, 0, 3, 1});  // [5, 6, 41, 35]
    for (int64_t a = 0; a < 6; ++a) {
        for (int64_t b = 0; b < 35; ++b) {
            for (int64_t c = 0; c < 5; ++c) {
                for (int64_t d = 0; d < 41; ++d) REQUIRE(y.at({c, a, d, b}) == x.at({a, b, c, d}));
            }
        }
    }
    const Tensor column = test::random({7, 1, 3}, 4);
    const Tensor wide = broadcast_to(column, {5, 7, 1300, 3});
    for (int64_t i = 0; i < wide.numel(); i += 97) {
        const int64_t c = i % 3, a = (i / (3 * 1300)) % 7;
        REQUIRE(wide.data()[i] == column.at({a, 0, c}));
    }
}
