// nn/loss.cpp — cross_entropy: forward, then backward, fused with log-softmax.
#include "nn/loss.h"

#include <cmath>
#include <limits>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/softmax.h"

namespace ag::nn {

Tensor cross_entropy(const Tensor& logits, const IndexTensor& targets, int64_t ignore_index,
                     float label_smoothing) {
    const int64_t classes = logits.rank() >= 1 ? logits.size(-1) : 0;
    std::vector<int64_t> leading = logits.shape().to_vector();
    if (!leading.empty()) leading.pop_back();
    if (logits.rank() < 1 || !(Shape(leading) == targets.shape()) || classes == 0) {
        throw ShapeError("cross_entropy: logits " + logits.shape().to_string() + " and targets " +
                         targets.shape().to_string() + ": need logits [..., V] and targets [...]");
    }
    if (!(label_smoothing >= 0.0f && label_smoothing <= 1.0f)) {
        throw ValueError("cross_entropy: label_smoothing must be in [0, 1], got " +
                         std::to_string(label_smoothing));
    }
    const int64_t rows = targets.numel();
    int64_t counted = 0;
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t y = targets.data()[r];
        if (y == ignore_index) continue;
        if (y < 0 || y >= classes) {
            throw IndexError("cross_entropy: target " + std::to_string(y) + " at position " +
                             std::to_string(r) + " is out of range for " + std::to_string(classes) +
                             " classes");
        }
        ++counted;
    }

    //! [cross_entropy_forward]
    // Forward: per row, log p = z - max - log sum e^(z - max); the loss mixes -log p_y and the
    // mean of -log p over all classes. Saves p for the backward.
    auto probabilities = std::make_shared<Tensor>(logits.shape());
    double total = 0.0;
    const float smooth = label_smoothing / static_cast<float>(classes);
    for (int64_t r = 0; r < rows; ++r) {
        const float* z = logits.data() + r * classes;
        float* p = probabilities->data() + r * classes;
        const auto [max, log_sum] = detail::max_and_log_sum_exp(z, classes, 1);
        double sum_log_p = 0.0;
        for (int64_t c = 0; c < classes; ++c) {
            const double log_p = static_cast<double>(z[c] - max - log_sum);
            p[c] = static_cast<float>(std::exp(log_p));
            sum_log_p += log_p;
        }
        const int64_t y = targets.data()[r];
        if (y == ignore_index) continue;
        const double log_p_y = static_cast<double>(z[y] - max - log_sum);
        total += -(1.0 - label_smoothing) * log_p_y - smooth * sum_log_p;
    }
    //! [cross_entropy_forward]
    Tensor loss = scalar(counted > 0 ? static_cast<float>(total / counted) : 0.0f);

    //! [cross_entropy_backward]
    return record("cross_entropy", loss, {logits},
                  [probabilities, targets, ignore_index, label_smoothing, smooth, classes, rows,
                   counted](const Tensor& g) {
                      // dz = g * (p - q) / n, and 0 on ignored rows.
                      Tensor dz = zeros(probabilities->shape());
                      if (counted == 0) return std::vector<Tensor>{dz};
                      const float scale = g.item() / static_cast<float>(counted);
                      for (int64_t r = 0; r < rows; ++r) {
                          const int64_t y = targets.data()[r];
                          if (y == ignore_index) continue;
                          const float* p = probabilities->data() + r * classes;
                          float* d = dz.data() + r * classes;
                          for (int64_t c = 0; c < classes; ++c) d[c] = scale * (p[c] - smooth);
                          d[y] -= scale * (1.0f - label_smoothing);
                      }
                      return std::vector<Tensor>{dz};
                  });
    //! [cross_entropy_backward]
}

}  // namespace ag::nn
