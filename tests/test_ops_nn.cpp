// tests/test_ops_nn.cpp — the ops neural networks are made of: masked_fill, embedding
// (core/ops/indexing.h), layer_norm (core/ops/normalization.h), dropout (core/ops/dropout.h).
#include <cmath>

#include "catch.h"
#include "core/ops/elementwise_loops.h"
#include "core/parallel.h"
#include "test_helpers.h"
#include "thread_count_guard.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

TEST_CASE("masked_fill replaces masked elements, broadcasting the mask", "[ops][masked_fill]") {
    const Tensor x = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor causal_like = from_vector({0, 1, 1}, {3});
    test::require_values(masked_fill(x, causal_like, -100.0f), {1, -100, -100, 4, -100, -100});
    REQUIRE_THROWS_WITH(masked_fill(x, ones({2}), 0.0f), StartsWith("masked_fill: [2,3] and [2]"));
    REQUIRE_THROWS_AS(masked_fill(ones({3}), ones({2, 3}), 0.0f), ShapeError);
    test::require_gradcheck([&](const Inputs& v) { return masked_fill(v[0], causal_like, 0.0f); },
                            {test::random({2, 3}, 1)});
    // A masked position gets exactly zero gradient.
    Tensor w = ones({3}, true);
    sum(masked_fill(w, causal_like, 5.0f)).backward();
    test::require_values(w.grad(), {1, 0, 0});
}

TEST_CASE("embedding gathers rows and scatters gradients back", "[ops][embedding]") {
    const Tensor weight = reshape(arange(8), {4, 2});
    const IndexTensor ids({3, 0, 3}, {1, 3});
    const Tensor out = embedding(weight, ids);
    REQUIRE(out.shape() == Shape{1, 3, 2});
    test::require_values(out, {6, 7, 0, 1, 6, 7});
    // Row 3 is used twice: its gradient is the sum.
    Tensor w = weight.clone().set_requires_grad();
    sum(embedding(w, ids) * from_vector({1, 2, 3, 4, 5, 6}, {1, 3, 2})).backward();
    test::require_values(w.grad(), {3, 4, 0, 0, 0, 0, 6, 8});
    test::require_gradcheck([&](const Inputs& v) { return embedding(v[0], ids); },
                            {test::random({4, 2}, 3)});
}

TEST_CASE("embedding names an out-of-range id", "[ops][embedding][errors]") {
    const Tensor weight = zeros({4, 2});
    REQUIRE_THROWS_AS(embedding(weight, IndexTensor({1, 4})), IndexError);
    REQUIRE_THROWS_WITH(embedding(weight, IndexTensor({1, 4})),
                        "embedding: id 4 at position 1 is out of range for a vocabulary of 4");
    REQUIRE_THROWS_AS(embedding(weight, IndexTensor({-1})), IndexError);
    REQUIRE_THROWS_AS(embedding(zeros({4}), IndexTensor({1})), ShapeError);
}

TEST_CASE("layer_norm normalizes the last dimension", "[ops][layer_norm]") {
    const Tensor x = from_vector({1, 2, 3, 4, 2, 2, 2, 2}, {2, 4});
    const Tensor y = layer_norm(x, Tensor(), Tensor(), 0.0f + 1e-5f);
    // Row 1: mean 2.5, variance 1.25 (biased).
    const float s = 1.0f / std::sqrt(1.25f + 1e-5f);
    test::require_values(slice(y, 0, 0, 1), {-1.5f * s, -0.5f * s, 0.5f * s, 1.5f * s}, 1e-5f);
    test::require_values(slice(y, 0, 1, 2), {0, 0, 0, 0});  // constant row: (x - mu) = 0
    const Tensor weight = from_vector({1, 2, 3, 4}, {4});
    const Tensor bias = from_vector({0, 0, 0, 1}, {4});
    test::require_values(slice(layer_norm(x, weight, bias), 0, 0, 1),
                         {-1.5f * s, -1.0f * s, 1.5f * s, 6.0f * s + 1.0f}, 1e-5f);
    REQUIRE_THROWS_WITH(layer_norm(x, ones({3}), Tensor()),
                        "layer_norm: input [2,4] needs weight of shape [4], got [3]");
}

TEST_CASE("layer_norm gradchecks for input, weight and bias", "[ops][layer_norm][gradcheck]") {
    const Tensor x = test::random({3, 5}, 51);
    const Tensor w = test::random({5}, 52);
    const Tensor b = test::random({5}, 53);
    test::require_gradcheck([](const Inputs& v) { return layer_norm(v[0], v[1], v[2]); },
                            {x, w, b});
    test::require_gradcheck([](const Inputs& v) { return layer_norm(v[0], Tensor(), Tensor()); },
                            {test::random({2, 3, 4}, 54)});
    // Weight alone and bias alone: their sums share one buffer in the backward, at offsets that
    // depend on which is there. 70 rows: more than one block of rows.
    const Tensor tall = test::random({70, 5}, 55);
    test::require_gradcheck([](const Inputs& v) { return layer_norm(v[0], v[1], Tensor()); },
                            {tall, w});
    test::require_gradcheck([](const Inputs& v) { return layer_norm(v[0], Tensor(), v[1]); },
                            {tall, b});
}

TEST_CASE("dropout: identity in eval, seeded mask and scale in training", "[ops][dropout]") {
    const Tensor x = ones({1000});
    REQUIRE(dropout(x, 0.5f, false).data() == x.data());  // eval: the same tensor
    Generator g1(9), g2(9);
    const Tensor a = dropout(x, 0.25f, true, g1);
    const Tensor b = dropout(x, 0.25f, true, g2);
    REQUIRE(a.to_vector() == b.to_vector());
    int64_t kept = 0;
    for (float v : a.to_vector()) {
        REQUIRE((v == 0.0f || v == Approx(1.0f / 0.75f)));
        kept += v != 0.0f;
    }
    REQUIRE(kept > 700);  // ~750 expected; binomial std ~14
    REQUIRE(kept < 800);
    test::require_values(dropout(ones({4}), 1.0f, true), {0, 0, 0, 0});
    REQUIRE_THROWS_AS(dropout(x, 1.5f, true), ValueError);
    REQUIRE_THROWS_AS(dropout(x, -0.1f, true), ValueError);

    // The gradient uses the same mask as the forward pass.
    Tensor w = ones({100}, true);
    Generator g3(4);
    const Tensor y = dropout(w, 0.5f, true, g3);
    sum(y).backward();
    REQUIRE(w.grad().to_vector() == y.to_vector());
}

TEST_CASE("index_select picks slices in order, with repeats", "[ops][index_select]") {
    const Tensor x = reshape(arange(6), {3, 2});
    test::require_values(index_select(x, 0, IndexTensor({2, 0, 2})), {4, 5, 0, 1, 4, 5});
    test::require_values(index_select(x, 1, IndexTensor({1})), {1, 3, 5});
    REQUIRE_THROWS_WITH(index_select(x, 0, IndexTensor({3})),
                        "index_select: id 3 out of range for dimension 0 of size 3");
    REQUIRE_THROWS_AS(index_select(x, 0, IndexTensor({0, 1}, {1, 2})), ShapeError);
    test::require_gradcheck(
        [](const Inputs& v) {
            return index_select(v[0], 1, IndexTensor({2, 0, 2}));
        },
        {test::random({2, 3, 2}, 5)});
}

TEST_CASE("sum_rows_in_blocks adds every row once, in blocks, whatever the thread count",
          "[ops][threads]") {
    const test::ThreadCountGuard restore;
    // Row r adds r + 1 to column 0 and 1 to column 1: sums are rows(rows+1)/2 and rows, exact in
    // float for these sizes. 130 rows = two blocks of 64 and one of 2; 2000 rows are 32 blocks,
    // shared by the threads (work_per_row 512 makes every block a piece of its own).
    const auto add_row = [](int64_t r, float* sums) {
        sums[0] += static_cast<float>(r + 1);
        sums[1] += 1.0f;
    };
    for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        for (int64_t rows : {0, 1, 63, 64, 65, 130, 2000}) {
            const std::vector<float> sums = detail::sum_rows_in_blocks(rows, 2, 512, add_row);
            REQUIRE(sums.size() == 2);
            CHECK(sums[0] == static_cast<float>(rows * (rows + 1) / 2));
            CHECK(sums[1] == static_cast<float>(rows));
        }
        CHECK(detail::sum_rows_in_blocks(5, 0, 1, [](int64_t, float*) {}).empty());
    }
    // Random terms, whose sum depends on the order they are added in: the same bits at any
    // thread count, because the blocks and their order depend on the rows only.
    const Tensor terms = test::random({2000, 8}, 7);
    const float* values = terms.data();
    const auto add_random_row = [values](int64_t r, float* sums) {
        for (int64_t j = 0; j < 8; ++j) sums[j] += values[r * 8 + j];
    };
    std::vector<std::vector<float>> by_threads;
    for (int threads : {1, 2, 3}) {
        set_num_threads(threads);
        by_threads.push_back(detail::sum_rows_in_blocks(2000, 8, 512, add_random_row));
    }
    REQUIRE(by_threads[0] == by_threads[1]);
    REQUIRE(by_threads[0] == by_threads[2]);
}

TEST_CASE("layer_norm and linear values and gradients are the same bits with 1, 2 and 3 threads",
          "[ops][layer_norm][linear][threads]") {
    // Their weight and bias gradients sum over rows, in blocks of rows whose size does not
    // depend on the thread count (detail::sum_rows_in_blocks), so every sum is added in the
    // same order. 600 rows: nine full blocks of 64 and a last one of 24.
    const test::ThreadCountGuard restore;
    const auto gradients = [](int threads) {
        set_num_threads(threads);
        Tensor x = test::random({600, 256}, 1), w = test::random({256}, 2);
        Tensor b = test::random({256}, 3), weight = test::random({96, 256}, 4);
        Tensor bias = test::random({96}, 5);
        for (Tensor* t : {&x, &w, &b, &weight, &bias}) t->set_requires_grad(true);
        const Tensor y = linear(layer_norm(x, w, b), weight, bias);
        sum(y * test::random(y.shape(), 6)).backward();
        std::vector<std::vector<float>> all{y.to_vector()};  // the bias inside gemm too
        for (Tensor* t : {&x, &w, &b, &weight, &bias}) all.push_back(t->grad().to_vector());
        return all;
    };
    const auto one_thread = gradients(1);
    REQUIRE(one_thread == gradients(2));
    REQUIRE(one_thread == gradients(3));
}
