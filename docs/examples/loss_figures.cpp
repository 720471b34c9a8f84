// docs/examples/loss_figures.cpp — the figures of the loss page (docs/loss.md): for one
// position of six classes, the target q without and with label smoothing beside the model's
// p = softmax(z), the gradient that ag::nn::cross_entropy's backward gives for each, and a
// table that holds both against the formulas computed by hand.
//
//     loss_figures <directory>     writes smoothing.svg, loss_gradient.svg and loss_table.txt
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/ops.h"
#include "demos/common/plot.h"
#include "nn/loss.h"

namespace {

constexpr int64_t kClasses = 6, kTarget = 2;

struct Result {
    float loss = 0;
    std::vector<float> gradient;  // d loss / d z, from backward()
};

// The loss of one position (logits [1, V], target kTarget) and its gradient, as a training step
// computes them.
Result loss_and_gradient(const std::vector<float>& logits, float smoothing) {
    //! [loss_call]
    const ag::Tensor z = ag::from_vector(logits, {1, kClasses}).set_requires_grad();
    const ag::IndexTensor target({kTarget}, {1});
    const ag::Tensor loss =
        ag::nn::cross_entropy(z, target, ag::nn::kNoIgnoreIndex, /*label_smoothing=*/smoothing);
    loss.backward();  // z.grad() = (p - q) / n, here n = 1
    //! [loss_call]
    const float* gradient = z.grad().data();
    return {loss.item(), std::vector<float>(gradient, gradient + kClasses)};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const std::string directory = argv[1];
    const std::vector<float> logits{1.0f, 0.5f, 2.5f, -0.5f, 0.0f, 0.8f};
    constexpr float kSmoothing = 0.1f;

    // By hand: p = softmax(z); q = (1 - e) onehot(y) + e / V; loss = -sum_c q_c log p_c.
    double total = 0;
    for (const float v : logits) total += std::exp(double{v});
    std::vector<double> p, q_hard, q_smooth;
    for (int64_t c = 0; c < kClasses; ++c) {
        p.push_back(std::exp(double{logits[c]}) / total);
        q_hard.push_back(c == kTarget ? 1.0 : 0.0);
        q_smooth.push_back((1.0 - kSmoothing) * q_hard.back() + kSmoothing / kClasses);
    }
    const auto loss_by_hand = [&](const std::vector<double>& q) {
        double sum = 0;
        for (int64_t c = 0; c < kClasses; ++c) sum -= q[c] * std::log(p[c]);
        return sum;
    };
    const Result hard = loss_and_gradient(logits, 0.0f);
    const Result smooth = loss_and_gradient(logits, kSmoothing);

    std::vector<std::string> classes;
    for (int64_t c = 0; c < kClasses; ++c) {
        classes.push_back(c == kTarget ? "class 2 (y)" : "class " + std::to_string(c));
    }
    demo::write_text_file(
        directory + "/smoothing.svg",
        demo::bar_chart_svg("the target q, and the model's p", "class", "probability", classes,
                            {{"q, no smoothing (one-hot)", q_hard},
                             {"q, label smoothing 0.1", q_smooth},
                             {"p = softmax(z)", p}}));
    demo::write_text_file(
        directory + "/loss_gradient.svg",
        demo::bar_chart_svg(
            "the gradient d loss / d z = p - q", "class", "gradient", classes,
            {{"no smoothing", {hard.gradient.begin(), hard.gradient.end()}},
             {"label smoothing 0.1", {smooth.gradient.begin(), smooth.gradient.end()}}}));

    char line[160];
    std::snprintf(line, sizeof line, "%-5s %6s %7s %8s %8s %10s %9s %10s %9s\n", "class", "z", "p",
                  "q, e=0", "q, e=0.1", "p-q, e=0", "backward", "p-q, e=0.1", "backward");
    std::string table = line;
    for (int64_t c = 0; c < kClasses; ++c) {
        std::snprintf(line, sizeof line,
                      "%-5lld %6.2f %7.4f %8.4f %8.4f %10.4f %9.4f %10.4f %9.4f\n",
                      static_cast<long long>(c), logits[c], p[c], q_hard[c], q_smooth[c],
                      p[c] - q_hard[c], hard.gradient[c], p[c] - q_smooth[c], smooth.gradient[c]);
        table += line;
    }
    std::snprintf(line, sizeof line,
                  "\nloss, e = 0:   by hand %.6f, cross_entropy %.6f\n"
                  "loss, e = 0.1: by hand %.6f, cross_entropy %.6f\n",
                  loss_by_hand(q_hard), hard.loss, loss_by_hand(q_smooth), smooth.loss);
    table += line;
    demo::write_text_file(directory + "/loss_table.txt", table);

    // The figures are only worth showing if backward really is (p - q) / n: fail the build if not.
    for (int64_t c = 0; c < kClasses; ++c) {
        if (std::abs(hard.gradient[c] - (p[c] - q_hard[c])) > 1e-6 ||
            std::abs(smooth.gradient[c] - (p[c] - q_smooth[c])) > 1e-6) {
            std::fprintf(stderr, "loss_figures: the gradient of class %lld is not p - q\n",
                         static_cast<long long>(c));
            return 1;
        }
    }
    return 0;
}
