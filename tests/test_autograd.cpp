// tests/test_autograd.cpp — the engine (core/autograd.h): graph recording, topological
// backward, accumulation, no-grad, retain_graph, deep graphs and freeing.
#include <thread>

#include "catch.h"
#include "core/allocator.h"
#include "core/ops.h"
#include "test_helpers.h"

using namespace ag;

TEST_CASE("a node reused twice gets the sum of both paths' gradients", "[autograd]") {
    // b = a + a; c = b * b  =>  c = 4a^2, dc/da = 8a.
    Tensor a = scalar(3.0f, true);
    const Tensor b = a + a;
    const Tensor c = b * b;
    REQUIRE(c.item() == 36.0f);
    c.backward();
    REQUIRE(a.grad().item() == 24.0f);
}

TEST_CASE("a diamond: one tensor feeding two paths that meet again", "[autograd]") {
    // u = x * 2, v = x * x, z = u + v  =>  dz/dx = 2 + 2x.
    Tensor x = from_vector({1.0f, -2.0f}, {2}, true);
    const Tensor u = x * 2.0f;
    const Tensor v = x * x;
    sum(u + v).backward();
    test::require_values(x.grad(), {4.0f, -2.0f});
}

TEST_CASE("gradients accumulate across backward calls until zero_grad", "[autograd]") {
    Tensor w = scalar(2.0f, true);
    (w * 3.0f).backward();
    (w * 3.0f).backward();
    REQUIRE(w.grad().item() == 6.0f);
    w.zero_grad();
    REQUIRE_FALSE(w.grad().defined());
    (w * w).backward();
    REQUIRE(w.grad().item() == 4.0f);
}

TEST_CASE("leaves own their gradient buffers, so scaling one leaves the others", "[autograd]") {
    // add's backward passes the same gradient to both inputs; the engine must copy it.
    Tensor a = ones({3}, true), b = ones({3}, true);
    sum(a + b).backward();
    a.grad().data()[0] = 100.0f;
    REQUIRE(b.grad().at({0}) == 1.0f);
}

TEST_CASE("backward with an explicit gradient, and the errors around it", "[autograd][errors]") {
    Tensor x = from_vector({1, 2, 3}, {3}, true);
    const Tensor y = x * x;
    REQUIRE_THROWS_WITH(y.backward(), Contains("only for a scalar output"));
    REQUIRE_THROWS_AS(y.backward(ones({2})), ShapeError);
    y.backward(from_vector({1, 0, 2}, {3}));
    test::require_values(x.grad(), {2, 0, 12});  // dy/dx = 2x, weighted

    const Tensor constant = ones({1});
    REQUIRE_THROWS_WITH(constant.backward(), Contains("does not require grad"));
}

TEST_CASE("a graph is freed by backward unless retain_graph is passed", "[autograd][errors]") {
    Tensor x = scalar(2.0f, true);
    const Tensor y = exp(x) * x;
    y.backward();
    REQUIRE_THROWS_WITH(y.backward(), Contains("already freed"));

    x.zero_grad();
    const Tensor z = x * x;
    z.backward(true);
    z.backward();
    REQUIRE(x.grad().item() == 8.0f);  // 2 * (2x)
}

TEST_CASE("NoGradGuard stops recording, nests, and is per thread", "[autograd]") {
    Tensor w = scalar(1.0f, true);
    {
        NoGradGuard outer;
        {
            NoGradGuard inner;
            REQUIRE_FALSE(is_grad_enabled());
        }
        REQUIRE_FALSE(is_grad_enabled());
        const Tensor y = w * 2.0f;
        REQUIRE_FALSE(y.requires_grad());
        REQUIRE(y.is_leaf());
        bool other_thread_enabled = false;
        std::thread([&] { other_thread_enabled = is_grad_enabled(); }).join();
        REQUIRE(other_thread_enabled);
    }
    REQUIRE(is_grad_enabled());
    REQUIRE((w * 2.0f).requires_grad());
}

TEST_CASE("detach cuts the graph, and only leaves can be marked", "[autograd]") {
    Tensor x = scalar(3.0f, true);
    const Tensor y = x * x;
    const Tensor z = y.detach() * x;  // d z / d x = y = 9 (y treated as a constant)
    z.backward();
    REQUIRE(x.grad().item() == 9.0f);
    Tensor made = x * 2.0f;
    REQUIRE_THROWS_WITH(made.set_requires_grad(false), Contains("made by 'mul'"));
}

TEST_CASE("inputs that need no gradient receive none", "[autograd]") {
    Tensor w = scalar(2.0f, true);
    Tensor c = scalar(5.0f);
    (w * c).backward();
    REQUIRE(w.grad().item() == 5.0f);
    REQUIRE_FALSE(c.grad().defined());
}

TEST_CASE("a 100,000-op chain neither overflows on backward nor on destruction",
          "[autograd][deep]") {
    constexpr int kLength = 100000;
    Tensor x = scalar(1.0f, true);
    {
        Tensor h = x;
        for (int i = 0; i < kLength; ++i) h = h + 1.0f;
        REQUIRE(h.item() == Approx(kLength + 1));
        h.backward();
        REQUIRE(x.grad().item() == 1.0f);
    }  // h, and with it the whole chain, is destroyed here
    {
        Tensor h = x;
        for (int i = 0; i < kLength; ++i) h = h * 1.0f;
    }  // destroyed without ever running backward
    SUCCEED("no stack overflow");
}

TEST_CASE("graphs hold no reference cycles: dropping the output frees every node",
          "[autograd][leaks]") {
    std::weak_ptr<Node> first_node, last_node;
    Tensor w = randn({4, 4}, true);
    {
        const Tensor h = tanh(matmul(w, w));
        const Tensor loss = sum(softmax(h * h) + h);
        first_node = h.grad_fn();
        last_node = loss.grad_fn();
        REQUIRE_FALSE(first_node.expired());
        loss.backward(true);  // keep the closures alive: they too must not own their node
    }
    REQUIRE(first_node.expired());
    REQUIRE(last_node.expired());
    REQUIRE(w.grad().defined());
}

TEST_CASE("topological_order lists each node once, producers before consumers", "[autograd]") {
    Tensor a = scalar(1.0f, true);
    const Tensor b = a * 2.0f;  // node 1
    const Tensor c = b + b;     // node 2 uses b twice
    const Tensor d = c * b;     // node 3 uses c and b
    const std::vector<Node*> order = topological_order(d.grad_fn().get());
    REQUIRE(order.size() == 3);
    REQUIRE(order[0] == b.grad_fn().get());
    REQUIRE(order[1] == c.grad_fn().get());
    REQUIRE(order[2] == d.grad_fn().get());
}

TEST_CASE("anomaly mode names the op that first produces nan or inf", "[autograd][anomaly]") {
    Tensor x = from_vector({1.0f, -1.0f}, {2}, true);
    {
        AnomalyModeGuard anomaly;
        REQUIRE(is_anomaly_detection_enabled());
        REQUIRE_THROWS_WITH(log(x),
                            "anomaly: 'log' produced nan in its output of shape [2] "
                            "(element 1)");
        // Forward finite, backward not: d sqrt(x)/dx = 1 / (2 sqrt(x)) is inf at 0.
        Tensor zero = zeros({1}, true);
        const Tensor y = sum(sqrt(zero));
        REQUIRE_THROWS_WITH(y.backward(), StartsWith("anomaly: 'sqrt' produced inf in the "
                                                     "gradient of its input 0"));
    }
    REQUIRE_FALSE(is_anomaly_detection_enabled());
    REQUIRE(std::isnan(log(x).at({1})));  // off: IEEE results, as in PyTorch
}

TEST_CASE("a node keeps only what its backward needs, not its inputs", "[autograd][memory]") {
    // h = x + 1 is needed by no backward (add's gradient is 1; mul by a constant needs the
    // constant, not h): once the forward pass drops h, its 4000 bytes are freed, though the
    // graph still runs through it.
    Tensor x = test::random({1000});
    x.set_requires_grad(true);
    const size_t before = allocated_buffer_bytes();
    Tensor y;
    {
        const Tensor h = x + 1.0f;
        y = h * 2.0f;
    }
    REQUIRE(allocated_buffer_bytes() - before < 2 * 4000);  // y, and the scalar 2, only
    sum(y).backward();
    test::require_values(x.grad(), std::vector<float>(1000, 2.0f));
}
