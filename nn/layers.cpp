// nn/layers.cpp — Linear, Embedding, LayerNorm, Dropout, FeedForward.
#include "nn/layers.h"

#include <cmath>

#include "core/error.h"
#include "core/ops.h"

namespace ag::nn {

namespace {

void require_positive(const char* layer, int64_t value, const char* what) {
    if (value <= 0) {
        throw ValueError(std::string(layer) + ": " + what + " must be positive, got " +
                         std::to_string(value));
    }
}

// U(-bound, bound), the initialization torch.nn.Linear uses for both weight and bias.
Tensor uniform(const Shape& shape, float bound, Generator& generator) {
    return rand(shape, generator) * (2.0f * bound) - bound;
}

}  // namespace

Linear::Linear(int64_t in, int64_t out, bool with_bias, Generator& generator) {
    require_positive("Linear", in, "in");
    require_positive("Linear", out, "out");
    const float bound = 1.0f / std::sqrt(static_cast<float>(in));
    weight = register_parameter("weight", uniform({out, in}, bound, generator));
    if (with_bias) bias = register_parameter("bias", uniform({out}, bound, generator));
}

Tensor Linear::forward(const Tensor& x) const { return linear(x, weight, bias); }

Embedding::Embedding(int64_t vocabulary, int64_t dim, Generator& generator) {
    require_positive("Embedding", vocabulary, "vocabulary");
    require_positive("Embedding", dim, "dim");
    weight = register_parameter("weight", randn({vocabulary, dim}, generator));
}

Tensor Embedding::forward(const IndexTensor& ids) const { return embedding(weight, ids); }

LayerNorm::LayerNorm(int64_t dim, float eps) : eps(eps) {
    require_positive("LayerNorm", dim, "dim");
    weight = register_parameter("weight", ones({dim}));
    bias = register_parameter("bias", zeros({dim}));
}

Tensor LayerNorm::forward(const Tensor& x) const { return layer_norm(x, weight, bias, eps); }

Dropout::Dropout(float p) : p(p) {
    if (!(p >= 0.0f && p <= 1.0f)) {
        throw ValueError("Dropout: probability must be in [0, 1], got " + std::to_string(p));
    }
}

Tensor Dropout::forward(const Tensor& x) const { return ag::dropout(x, p, is_training()); }

FeedForward::FeedForward(int64_t d_model, int64_t d_ff, Activation activation, float dropout_p,
                         Generator& generator)
    : expand(d_model, d_ff, true, generator),
      contract(d_ff, d_model, true, generator),
      dropout(dropout_p),
      activation(activation) {
    register_module("expand", expand);
    register_module("contract", contract);
    register_module("dropout", dropout);
}

//! [feed_forward]
Tensor FeedForward::forward(const Tensor& x) const {
    const Tensor hidden = expand.forward(x);
    const Tensor activated = activation == Activation::Relu ? relu(hidden) : gelu(hidden);
    return contract.forward(dropout.forward(activated));
}
//! [feed_forward]

}  // namespace ag::nn
