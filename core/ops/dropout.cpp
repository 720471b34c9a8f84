// core/ops/dropout.cpp — dropout: forward, then backward.
#include "core/ops/dropout.h"

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/elementwise_loops.h"

namespace ag {

Tensor dropout(const Tensor& x, float p, bool training, Generator& generator) {
    if (!(p >= 0.0f && p <= 1.0f)) {
        throw ValueError("dropout: probability must be in [0, 1], got " + std::to_string(p));
    }
    if (!training || p == 0.0f) return x;
    // The mask already holds the scale: 1/(1-p) for a kept element, 0 for a dropped one.
    const float keep_scale = p == 1.0f ? 0.0f : 1.0f / (1.0f - p);
    Tensor mask(x.shape());
    for (int64_t i = 0; i < mask.numel(); ++i) {
        mask.data()[i] = generator.uniform() < p ? 0.0f : keep_scale;
    }
    Tensor out = detail::map2(x, mask, [](float v, float m) { return v * m; });
    return record("dropout", out, {x}, [mask](const Tensor& g) {
        return std::vector<Tensor>{detail::map2(g, mask, [](float g, float m) { return g * m; })};
    });
}

Tensor dropout(const Tensor& x, float p, bool training) {
    return dropout(x, p, training, default_generator());
}

}  // namespace ag
