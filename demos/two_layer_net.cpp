// demos/two_layer_net.cpp — the smallest thing that learns: a two-layer network fitted to
// y = sin(x) by plain gradient descent, printing its loss as it falls.
//
//   hidden = tanh(x W1 + b1)        x: [N, 1], W1: [1, H], b1: [H]
//   y_hat  = hidden W2 + b2         W2: [H, 1], b2: [1]
//   loss   = mean((y_hat - y)^2)
//   each step: loss.backward(), then p -= learning_rate * p.grad() for every parameter p.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numbers>
#include <vector>

#include "core/ops.h"

int main(int argc, char** argv) {
    using namespace ag;
    // No options: this program is the few lines below. --help says so; anything else is an
    // error (exit code 2, as every demo's bad flags).
    if (argc > 1) {
        const bool help =
            argc == 2 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0);
        if (!help) std::fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[1]);
        std::fprintf(help ? stdout : stderr,
                     "%s: fits y = sin(x) with a two-layer network by plain gradient descent "
                     "and prints the loss; it takes no options (read demos/two_layer_net.cpp)\n",
                     argv[0]);
        return help ? 0 : 2;
    }
    constexpr int64_t kPoints = 64, kHidden = 32, kSteps = 3000;
    // Plain gradient descent is stable only while the step is below 2 / (the curvature of the
    // loss); with 32 hidden units that curvature is ~40, so 0.1 would make the loss explode.
    constexpr float kLearningRate = 0.03f;

    // The data: 64 points of sin(x) on [-pi, pi].
    const Tensor x = reshape(arange(-std::numbers::pi_v<float>, std::numbers::pi_v<float>,
                                    2 * std::numbers::pi_v<float> / kPoints),
                             {kPoints, 1});
    Tensor y(x.shape());
    for (int64_t i = 0; i < kPoints; ++i) y.data()[i] = std::sin(x.data()[i]);

    // The parameters, small random weights (scaled by 1/sqrt(fan_in)) and zero biases.
    Generator generator(42);
    Tensor w1 = randn({1, kHidden}, generator).set_requires_grad();
    Tensor b1 = zeros({kHidden}, true);
    Tensor w2 = (randn({kHidden, 1}, generator) / std::sqrt(float{kHidden})).set_requires_grad();
    Tensor b2 = zeros({1}, true);
    std::vector<Tensor> parameters{w1, b1, w2, b2};

    std::printf("fitting y = sin(x) with a %lld-unit tanh layer, plain gradient descent\n",
                static_cast<long long>(kHidden));
    //! [two_layer_net_training]
    for (int64_t step = 0; step <= kSteps; ++step) {
        const Tensor hidden = tanh(matmul(x, w1) + b1);
        const Tensor prediction = matmul(hidden, w2) + b2;
        const Tensor loss = mean(pow(prediction - y, 2.0f));

        for (Tensor& p : parameters) p.zero_grad();
        loss.backward();
        for (Tensor& p : parameters) {  // p -= learning_rate * dloss/dp
            for (int64_t i = 0; i < p.numel(); ++i)
                p.data()[i] -= kLearningRate * p.grad().data()[i];
        }
        if (step % 300 == 0) {
            std::printf("step %5lld  loss %.6f\n", static_cast<long long>(step), loss.item());
        }
    }
    //! [two_layer_net_training]
    return 0;
}
