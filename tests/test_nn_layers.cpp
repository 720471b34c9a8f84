// tests/test_nn_layers.cpp — Module, Linear, Embedding, LayerNorm, Dropout, FeedForward and
// PositionalEncoding (nn/module.h, nn/layers.h, nn/positional_encoding.h).
#include <cmath>

#include "catch.h"
#include "nn/layers.h"
#include "nn/positional_encoding.h"
#include "test_helpers.h"

using namespace ag;
using namespace ag::nn;

namespace {
// A module with a parameter of its own and two children, to test naming.
struct TwoLayers : Module {
    Linear first{3, 4}, second{4, 2, false};
    Tensor scale;
    TwoLayers() {
        scale = register_parameter("scale", ones({2}));
        register_module("first", first);
        register_module("second", second);
    }
};
}  // namespace

TEST_CASE("Module names parameters with dots, in registration order", "[nn][module]") {
    TwoLayers model;
    const auto named = model.named_parameters();
    REQUIRE(named.size() == 4);
    REQUIRE(named[0].first == "scale");
    REQUIRE(named[1].first == "first.weight");
    REQUIRE(named[2].first == "first.bias");
    REQUIRE(named[3].first == "second.weight");
    REQUIRE(model.parameter_count() == 2 + 12 + 4 + 8);
    for (const Tensor& p : model.parameters()) REQUIRE(p.requires_grad());
    model.set_requires_grad(false);
    for (const Tensor& p : model.parameters()) REQUIRE_FALSE(p.requires_grad());
}

TEST_CASE("train and eval reach every descendant", "[nn][module]") {
    TwoLayers model;
    REQUIRE(model.is_training());
    model.eval();
    REQUIRE_FALSE(model.first.is_training());
    model.train();
    REQUIRE(model.second.is_training());
}

TEST_CASE("Linear matches x W^T + b and PyTorch's init bounds", "[nn][linear]") {
    Generator generator(3);
    Linear layer(16, 8, true, generator);
    REQUIRE(layer.weight.shape() == Shape{8, 16});
    REQUIRE(layer.bias.shape() == Shape{8});
    for (float w : layer.weight.to_vector()) REQUIRE(std::abs(w) <= 0.25f);  // 1/sqrt(16)
    const Tensor x = test::random({2, 5, 16});
    const Tensor expected = matmul(x, transpose(layer.weight, 0, 1)) + layer.bias;
    test::require_values(layer.forward(x), expected.to_vector(), 1e-5f);
    REQUIRE_THROWS_AS(layer.forward(ones({2, 15})), ShapeError);
    REQUIRE_THROWS_AS(Linear(0, 3), ValueError);
}

TEST_CASE("Embedding, LayerNorm and Dropout layers wrap their ops", "[nn][layers]") {
    Embedding table(10, 4);
    REQUIRE(table.forward(IndexTensor({1, 2, 3}, {1, 3})).shape() == Shape{1, 3, 4});
    REQUIRE_THROWS_AS(table.forward(IndexTensor({10})), IndexError);

    LayerNorm norm(4);
    const Tensor y = norm.forward(test::random({3, 4}));
    for (int64_t r = 0; r < 3; ++r) {
        REQUIRE(std::abs(sum(slice(y, 0, r, r + 1)).item()) < 1e-5f);
    }

    Dropout dropout(0.5f);
    const Tensor x = ones({100});
    REQUIRE(dropout.forward(x).to_vector() != x.to_vector());
    dropout.eval();
    REQUIRE(dropout.forward(x).to_vector() == x.to_vector());
    REQUIRE_THROWS_AS(Dropout(2.0f), ValueError);
}

TEST_CASE("FeedForward is expand, activation, contract, applied per position",
          "[nn][feed_forward]") {
    FeedForward block(4, 8, Activation::Gelu);
    const Tensor x = test::random({2, 3, 4});
    const Tensor expected = block.contract.forward(gelu(block.expand.forward(x)));
    test::require_values(block.forward(x), expected.to_vector(), 1e-6f);
    // Position-wise: each position's output depends on that position only.
    const Tensor first = block.forward(slice(x, 1, 0, 1));
    test::require_values(slice(block.forward(x), 1, 0, 1), first.to_vector(), 1e-6f);
}

TEST_CASE("sinusoidal positions follow the paper's formula", "[nn][positions]") {
    const Tensor table = sinusoidal_positions(50, 8);
    REQUIRE(table.at({0, 0}) == 0.0f);
    REQUIRE(table.at({0, 1}) == 1.0f);
    REQUIRE(table.at({1, 0}) == Approx(std::sin(1.0f)));
    REQUIRE(table.at({1, 1}) == Approx(std::cos(1.0f)));
    // dimension pair i = 2 (columns 4, 5): wavelength 10000^(4/8) = 100
    REQUIRE(table.at({7, 4}) == Approx(std::sin(7.0f / 100.0f)));
    REQUIRE(table.at({7, 5}) == Approx(std::cos(7.0f / 100.0f)));

    PositionalEncoding positions(8, 50);
    const Tensor x = zeros({1, 3, 8});
    test::require_values(positions.forward(x, 5), slice(table, 0, 5, 8).to_vector());
    REQUIRE_THROWS_AS(positions.forward(zeros({1, 3, 8}), 48), ShapeError);
    REQUIRE(positions.parameter_count() == 0);
    PositionalEncoding learned(8, 50, true);
    REQUIRE(learned.named_parameters()[0].first == "table");
}
