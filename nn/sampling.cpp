// nn/sampling.cpp — temperature, top-k and top-p (sampling.h).
#include "nn/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.h"

namespace ag::nn {
namespace {

void check(std::span<const float> logits, const SamplingOptions& options) {
    const auto fail = [](const std::string& why) { throw ValueError("sampling: " + why); };
    if (!(options.temperature >= 0.0f) || !std::isfinite(options.temperature)) {
        fail("temperature must be finite and at least 0, got " +
             std::to_string(options.temperature));
    }
    if (options.top_k < 0)
        fail("top_k must be at least 0 (0 keeps all), got " + std::to_string(options.top_k));
    if (!(options.top_p > 0.0f && options.top_p <= 1.0f)) {
        fail("top_p must be in (0, 1] (1 keeps all), got " + std::to_string(options.top_p));
    }
    if (logits.empty()) fail("no logits");
    for (const float z : logits) {
        if (std::isnan(z) || z == INFINITY) fail("a logit is NaN or +infinity");
    }
}

}  // namespace

std::vector<float> sampling_distribution(std::span<const float> logits,
                                         const SamplingOptions& options) {
    check(logits, options);
    const size_t n = logits.size();
    // Ids from most to least likely; equal logits in id order.
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return logits[a] > logits[b]; });
    std::vector<float> p(n, 0.0f);
    if (options.temperature == 0.0f) {
        p[order[0]] = 1.0f;
        return p;
    }
    //! [sampling_distribution]
    // softmax(z / T) over the top k, in double: exp(z_i / T - max / T), then normalised.
    const size_t k = options.top_k > 0 ? std::min(n, static_cast<size_t>(options.top_k)) : n;
    const double top = logits[order[0]] / options.temperature;
    if (!std::isfinite(top)) throw ValueError("sampling: every logit is -infinity");
    std::vector<double> weight(k);
    double total = 0.0;
    for (size_t r = 0; r < k; ++r) {
        weight[r] = std::exp(double(logits[order[r]]) / options.temperature - top);
        total += weight[r];
    }
    // The nucleus: the most likely tokens while the mass before each is still below top_p.
    size_t kept = 0;
    double mass = 0.0;
    while (kept < k && (kept == 0 || mass < options.top_p)) mass += weight[kept++] / total;
    double kept_total = 0.0;
    for (size_t r = 0; r < kept; ++r) kept_total += weight[r];
    for (size_t r = 0; r < kept; ++r) p[order[r]] = static_cast<float>(weight[r] / kept_total);
    //! [sampling_distribution]
    return p;
}

int64_t sample_token(std::span<const float> logits, const SamplingOptions& options,
                     Generator& generator) {
    const std::vector<float> p = sampling_distribution(logits, options);
    if (options.temperature == 0.0f) {
        return std::max_element(p.begin(), p.end()) - p.begin();  // the first maximum
    }
    // Inverse transform: the first id whose cumulative probability passes u.
    const double u = generator.uniform();
    double cumulative = 0.0;
    int64_t last_kept = 0;
    for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == 0.0f) continue;
        cumulative += p[i];
        last_kept = static_cast<int64_t>(i);
        if (u < cumulative) return last_kept;
    }
    return last_kept;  // u within rounding of 1
}

}  // namespace ag::nn
