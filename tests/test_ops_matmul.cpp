// tests/test_ops_matmul.cpp — matmul (core/ops/matmul.h): values against a naive loop,
// batching and broadcasting, errors, gradchecks.
#include "catch.h"
#include "core/parallel.h"
#include "test_helpers.h"
#include "thread_count_guard.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

namespace {
// The definition, out[i,j] = sum_p a[i,p] b[p,j], for 2-d tensors.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
    const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
    Tensor out = zeros({m, n});
    for (int64_t i = 0; i < m; ++i) {
        for (int64_t j = 0; j < n; ++j) {
            double total = 0;
            for (int64_t p = 0; p < k; ++p) total += a.at({i, p}) * b.at({p, j});
            out.data()[i * n + j] = static_cast<float>(total);
        }
    }
    return out;
}
}  // namespace

TEST_CASE("matmul of 2-d matrices", "[ops][matmul]") {
    const Tensor a = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    const Tensor b = from_vector({7, 8, 9, 10, 11, 12}, {3, 2});
    test::require_values(matmul(a, b), {58, 64, 139, 154});
    const Tensor x = test::random({17, 33}, 1), y = test::random({33, 9}, 2);
    test::require_values(matmul(x, y), naive_matmul(x, y).to_vector(), 1e-4f);
}

TEST_CASE("batched matmul broadcasts the batch dimensions", "[ops][matmul]") {
    const Tensor a = test::random({2, 1, 3, 4}, 3);
    const Tensor b = test::random({5, 4, 2}, 4);
    const Tensor c = matmul(a, b);
    REQUIRE(c.shape() == Shape{2, 5, 3, 2});
    for (int64_t i = 0; i < 2; ++i) {
        for (int64_t j = 0; j < 5; ++j) {
            const Tensor expected = naive_matmul(reshape(slice(a, 0, i, i + 1), {3, 4}),
                                                 reshape(slice(b, 0, j, j + 1), {4, 2}));
            const Tensor got = reshape(slice(slice(c, 0, i, i + 1), 1, j, j + 1), {3, 2});
            test::require_values(got, expected.to_vector(), 1e-5f);
        }
    }
    REQUIRE(matmul(test::random({3, 4}), test::random({6, 4, 5})).shape() == Shape{6, 3, 5});
}

TEST_CASE("batched matmul gives the same bits with 1 and 2 threads", "[ops][matmul][threads]") {
    // Small products are shared out over the threads one matrix each (the per-head products of
    // attention); broadcast operands' gradients are accumulated one matrix after another.
    const test::ThreadCountGuard restore;
    const auto run = [](int threads, const Shape& a_shape, const Shape& b_shape) {
        set_num_threads(threads);
        Tensor a = test::random(a_shape, 5), b = test::random(b_shape, 6);
        a.set_requires_grad(true);
        b.set_requires_grad(true);
        const Tensor c = matmul(a, b);
        sum(c * test::random(c.shape(), 7)).backward();
        return std::vector<std::vector<float>>{c.to_vector(), a.grad().to_vector(),
                                               b.grad().to_vector()};
    };
    for (const auto& [a_shape, b_shape] : {std::pair{Shape{8, 4, 17, 9}, Shape{8, 4, 9, 13}},
                                           std::pair{Shape{6, 32, 32}, Shape{32, 32}},
                                           std::pair{Shape{3, 1, 5, 7}, Shape{1, 4, 7, 6}}}) {
        const auto one = run(1, a_shape, b_shape);
        const auto two = run(2, a_shape, b_shape);
        for (size_t i = 0; i < one.size(); ++i) REQUIRE(one[i] == two[i]);
    }
}

TEST_CASE("matmul errors name both shapes", "[ops][matmul][errors]") {
    REQUIRE_THROWS_WITH(matmul(ones({2, 3}), ones({4, 5})),
                        "matmul: [2,3] x [4,5]: inner dimensions 3 and 4 differ");
    REQUIRE_THROWS_AS(matmul(ones({3}), ones({3, 2})), ShapeError);
    REQUIRE_THROWS_WITH(matmul(ones({2, 2, 3}), ones({3, 3, 4})),
                        StartsWith("matmul: [2] and [3]: cannot broadcast"));
}

TEST_CASE("matmul gradchecks, plain, batched and broadcast", "[ops][matmul][gradcheck]") {
    test::require_gradcheck([](const Inputs& v) { return matmul(v[0], v[1]); },
                            {test::random({3, 5}, 1), test::random({5, 2}, 2)});
    test::require_gradcheck([](const Inputs& v) { return matmul(v[0], v[1]); },
                            {test::random({2, 3, 4}, 3), test::random({2, 4, 3}, 4)});
    test::require_gradcheck([](const Inputs& v) { return matmul(v[0], v[1]); },
                            {test::random({4, 3}, 5), test::random({2, 3, 2}, 6)});
    test::require_gradcheck([](const Inputs& v) { return matmul(v[0], v[1]); },
                            {test::random({2, 1, 2, 3}, 7), test::random({3, 3, 2}, 8)});
    // x @ x^T: one tensor on both sides.
    test::require_gradcheck([](const Inputs& v) { return matmul(v[0], transpose(v[0], 0, 1)); },
                            {test::random({3, 4}, 9)});
}

TEST_CASE("linear is x W^T + b, for any leading dimensions", "[ops][matmul][linear]") {
    const Tensor x = test::random({2, 3, 4}, 11);
    const Tensor w = test::random({5, 4}, 12);
    const Tensor b = test::random({5}, 13);
    const Tensor expected = matmul(x, transpose(w, 0, 1)) + b;
    test::require_values(linear(x, w, b), expected.to_vector(), 1e-5f);
    test::require_values(linear(x, w), matmul(x, transpose(w, 0, 1)).to_vector(), 1e-5f);
    REQUIRE(linear(x, w).shape() == Shape{2, 3, 5});
    REQUIRE_THROWS_WITH(linear(x, ones({5, 3})),
                        "linear: input [2,3,4] and weight [5,3]: weight must be [out, 4]");
    REQUIRE_THROWS_AS(linear(x, w, ones({4})), ShapeError);
}

TEST_CASE("linear with zero input features gives the bias in every row", "[ops][matmul][linear]") {
    // x [3, 0] has no elements, but y [3, 2] has three rows: each is b (or zeros without one).
    const Tensor x = zeros({3, 0}), w = zeros({2, 0}), b = from_vector({1.5f, -2.0f}, {2});
    test::require_values(linear(x, w, b), {1.5f, -2.0f, 1.5f, -2.0f, 1.5f, -2.0f});
    test::require_values(linear(x, w), {0, 0, 0, 0, 0, 0});
}

TEST_CASE("linear gradchecks for input, weight and bias", "[ops][matmul][linear][gradcheck]") {
    test::require_gradcheck(
        [](const Inputs& v) { return linear(v[0], v[1], v[2]); },
        {test::random({2, 3, 4}, 14), test::random({5, 4}, 15), test::random({5}, 16)});
    test::require_gradcheck([](const Inputs& v) { return linear(v[0], v[1]); },
                            {test::random({3, 4}, 17), test::random({2, 4}, 18)});
}
