// tests/test_shape.cpp — Shape and the broadcasting rule (core/shape.h).
#include "catch.h"
#include "core/error.h"
#include "core/shape.h"

using ag::Shape;

TEST_CASE("Shape: rank, numel, strides, printing", "[shape]") {
    const Shape s{2, 3, 4};
    REQUIRE(s.rank() == 3);
    REQUIRE(s.numel() == 24);
    REQUIRE(s.strides() == std::vector<int64_t>{12, 4, 1});
    REQUIRE(s[-1] == 4);
    REQUIRE(s[0] == 2);
    REQUIRE(s.to_string() == "[2,3,4]");
    REQUIRE(Shape{}.numel() == 1);
    REQUIRE(Shape{}.to_string() == "[]");
    REQUIRE(Shape{3, 0}.numel() == 0);
}

TEST_CASE("Shape: bad sizes and dimensions are rejected", "[shape]") {
    REQUIRE_THROWS_AS(Shape({2, -1}), ag::ValueError);
    REQUIRE(Shape({1, 1, 1, 1, 1, 1, 1, 2}).numel() == 2);  // the maximum rank, 8
    REQUIRE_THROWS_WITH(Shape({1, 1, 1, 1, 1, 1, 1, 1, 1}),
                        "Shape: rank 9 exceeds the maximum of 8");
    REQUIRE_THROWS_AS((Shape{2, 3}[2]), ag::IndexError);
    REQUIRE_THROWS_AS((Shape{2, 3}[-3]), ag::IndexError);
}

TEST_CASE("broadcast_shapes follows the NumPy rule", "[shape][broadcast]") {
    REQUIRE(ag::broadcast_shapes({8, 10, 16}, {16}, "t") == Shape{8, 10, 16});
    REQUIRE(ag::broadcast_shapes({3, 1}, {1, 4}, "t") == Shape{3, 4});
    REQUIRE(ag::broadcast_shapes({}, {2, 3}, "t") == Shape{2, 3});
    REQUIRE(ag::broadcast_shapes({5, 1, 3}, {4, 1}, "t") == Shape{5, 4, 3});
    REQUIRE(ag::broadcast_shapes({2, 0}, {1}, "t") == Shape{2, 0});
}

TEST_CASE("broadcast_shapes names the op and both shapes when they clash", "[shape][errors]") {
    REQUIRE_THROWS_AS(ag::broadcast_shapes({2, 3}, {4}, "add"), ag::ShapeError);
    REQUIRE_THROWS_WITH(ag::broadcast_shapes({2, 3}, {4}, "add"),
                        "add: [2,3] and [4]: cannot broadcast (dimension 3 vs 4)");
}

TEST_CASE("normalize_dim maps negative dimensions and rejects out-of-range ones", "[shape]") {
    REQUIRE(ag::normalize_dim(-1, 3, "t") == 2);
    REQUIRE(ag::normalize_dim(0, 3, "t") == 0);
    REQUIRE_THROWS_WITH(ag::normalize_dim(3, 3, "sum"),
                        "sum: dimension 3 out of range for a tensor of rank 3");
    REQUIRE_THROWS_AS(ag::normalize_dim(-4, 3, "sum"), ag::IndexError);
}
