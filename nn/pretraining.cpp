// nn/pretraining.cpp — TextBody, the masked-language model, the decoder-only model and the
// sequence classifier.
#include "nn/pretraining.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/ops.h"
#include "nn/attention.h"
#include "nn/loss.h"

namespace ag::nn {

namespace {

const TextModelConfig& checked(const TextModelConfig& c) {
    const bool positive = c.vocabulary > 0 && c.d_model > 0 && c.heads > 0 && c.layers >= 0 &&
                          c.d_ff > 0 && c.max_length > 0;
    if (!positive) {
        throw ValueError("TextBody: sizes in the config must be positive (vocabulary " +
                         std::to_string(c.vocabulary) + ", d_model " + std::to_string(c.d_model) +
                         ", heads " + std::to_string(c.heads) + ", layers " +
                         std::to_string(c.layers) + ", d_ff " + std::to_string(c.d_ff) +
                         ", max_length " + std::to_string(c.max_length) + ")");
    }
    if (c.d_model % c.heads != 0) {
        throw ValueError("TextBody: " + std::to_string(c.heads) + " heads do not divide d_model " +
                         std::to_string(c.d_model));
    }
    return c;
}

// The fields of a TransformerConfig an EncoderLayer reads.
TransformerConfig layer_config(const TextModelConfig& c) {
    return TransformerConfig{.d_model = c.d_model,
                             .heads = c.heads,
                             .d_ff = c.d_ff,
                             .dropout = c.dropout,
                             .activation = c.activation,
                             .norm_first = c.norm_first};
}

// Xavier/Glorot uniform, U(-a, a) with a = sqrt(6 / (fan_in + fan_out)), as the Transformer.
void xavier_uniform(Tensor& matrix, Generator& generator) {
    const float bound = std::sqrt(6.0f / static_cast<float>(matrix.size(0) + matrix.size(1)));
    for (int64_t i = 0; i < matrix.numel(); ++i) {
        matrix.data()[i] = (2.0f * generator.uniform() - 1.0f) * bound;
    }
}

void require_batch(const char* function, const IndexTensor& ids) {
    if (ids.shape().rank() != 2) {
        throw ShapeError(std::string(function) + ": ids must be [B, S], got " +
                         ids.shape().to_string());
    }
}

}  // namespace

// ---- the body -------------------------------------------------------------------------------

TextBody::TextBody(const TextModelConfig& c, Generator& generator)
    : token_embedding(checked(c).vocabulary, c.d_model, generator),
      positions(c.d_model, c.max_length, c.learned_positions, c.dropout, generator),
      norm(c.d_model),
      config(c) {
    for (int64_t i = 0; i < c.layers; ++i) {
        layers.append(std::make_unique<EncoderLayer>(layer_config(c), generator));
    }
    register_module("token_embedding", token_embedding);
    register_module("positions", positions);
    register_module("layers", layers);
    register_module("norm", norm);
    for (auto& [name, parameter] : named_parameters()) {
        if (parameter.rank() == 2) xavier_uniform(parameter, generator);
    }
}

Tensor TextBody::attention_mask(const IndexTensor& ids) const {
    require_batch("TextBody::attention_mask", ids);
    const Tensor padding = config.pad_id >= 0 ? padding_mask(ids, config.pad_id) : Tensor();
    const Tensor future = config.causal ? causal_mask(ids.shape()[1]) : Tensor();
    return combine_masks(padding, future);
}

//! [body_forward]
Tensor TextBody::forward(const IndexTensor& ids) {
    require_batch("TextBody::forward", ids);
    const Tensor mask = attention_mask(ids);  // padding [B, 1, S], and the future if causal
    const float scale = std::sqrt(static_cast<float>(config.d_model));
    Tensor h = positions.forward(token_embedding.forward(ids) * scale);  // [B, S, D]
    for (auto& layer : layers) h = layer->forward(h, mask);              // [B, S, D]
    return norm.forward(h);
}
//! [body_forward]

// ---- masked-token prediction ----------------------------------------------------------------

//! [mask_tokens]
MaskedTokens mask_tokens(const IndexTensor& ids, int64_t mask_id, float fraction,
                         Generator& generator, int64_t pad_id, int64_t ignore_index) {
    require_batch("mask_tokens", ids);
    if (!(fraction >= 0.0f && fraction <= 1.0f)) {
        throw ValueError("mask_tokens: fraction must be in [0, 1], got " +
                         std::to_string(fraction));
    }
    if (mask_id < 0) {
        throw ValueError("mask_tokens: mask_id must be >= 0, got " + std::to_string(mask_id));
    }
    MaskedTokens batch{ids,
                       IndexTensor(std::vector<int64_t>(ids.numel(), ignore_index), ids.shape())};
    for (int64_t i = 0; i < ids.numel(); ++i) {
        if (ids.data()[i] == pad_id || generator.uniform() >= fraction) continue;
        batch.targets.data()[i] = ids.data()[i];  // predict the original...
        batch.inputs.data()[i] = mask_id;         // ...from a sequence where it is hidden
        ++batch.masked;
    }
    return batch;
}
//! [mask_tokens]

MaskedLanguageModel::MaskedLanguageModel(const TextModelConfig& config)
    : generator_(config.seed),
      body(config, generator_),
      mlm_head(config.d_model, config.vocabulary, true, generator_) {
    register_module("body", body);
    register_module("mlm_head", mlm_head);
}

Tensor MaskedLanguageModel::forward(const IndexTensor& inputs) {
    return mlm_head.forward(body.forward(inputs));  // [B, S, V]
}

Tensor MaskedLanguageModel::loss(const MaskedTokens& batch, int64_t ignore_index) {
    return cross_entropy(forward(batch.inputs), batch.targets, ignore_index);
}

// ---- next-token prediction ------------------------------------------------------------------

namespace {

TextModelConfig causal(TextModelConfig config) {
    config.causal = true;
    return config;
}

}  // namespace

DecoderOnly::DecoderOnly(const TextModelConfig& config)
    : generator_(config.seed),
      body(causal(config), generator_),
      lm_head(config.d_model, config.vocabulary, true, generator_) {
    register_module("body", body);
    register_module("lm_head", lm_head);
}

Tensor DecoderOnly::forward(const IndexTensor& ids) {
    return lm_head.forward(body.forward(ids));  // [B, T, V]
}

//! [next_token_loss]
Tensor DecoderOnly::next_token_loss(const IndexTensor& ids) {
    require_batch("DecoderOnly::next_token_loss", ids);
    const int64_t batch = ids.shape()[0], length = ids.shape()[1];
    if (length < 2) {
        throw ShapeError("DecoderOnly::next_token_loss: need at least 2 tokens per sequence, got " +
                         ids.shape().to_string());
    }
    // inputs = ids[:, :-1], targets = ids[:, 1:]; a padded next token is not scored.
    const int64_t ignore = body.config.pad_id >= 0 ? body.config.pad_id : -100;
    std::vector<int64_t> inputs, targets;
    for (int64_t b = 0; b < batch; ++b) {
        const int64_t* row = ids.data() + b * length;
        inputs.insert(inputs.end(), row, row + length - 1);
        targets.insert(targets.end(), row + 1, row + length);
    }
    const Tensor logits = forward(IndexTensor(inputs, {batch, length - 1}));  // [B, T-1, V]
    return cross_entropy(logits, IndexTensor(targets, {batch, length - 1}), ignore);
}
//! [next_token_loss]

// ---- sequence classification ----------------------------------------------------------------

namespace {

int64_t checked_classes(int64_t classes) {
    if (classes < 1) {
        throw ValueError("SequenceClassifier: classes must be positive, got " +
                         std::to_string(classes));
    }
    return classes;
}

}  // namespace

//! [masked_mean_pool]
Tensor masked_mean_pool(const Tensor& hidden, const IndexTensor& ids, int64_t pad_id) {
    if (hidden.rank() != 3 || ids.shape().rank() != 2 || hidden.size(0) != ids.shape()[0] ||
        hidden.size(1) != ids.shape()[1]) {
        throw ShapeError("masked_mean_pool: hidden " + hidden.shape().to_string() + " and ids " +
                         ids.shape().to_string() + ": need [B, S, D] and [B, S]");
    }
    const int64_t batch = ids.shape()[0], length = ids.shape()[1];
    // keep[b, s] = 1 for a real token, 0 for padding; count[b] = the real tokens of row b.
    Tensor keep = zeros({batch, length, 1});
    Tensor count = zeros({batch, 1});
    for (int64_t i = 0; i < ids.numel(); ++i) {
        const bool real = ids.data()[i] != pad_id || pad_id < 0;
        keep.data()[i] = real ? 1.0f : 0.0f;
        count.data()[i / length] += real ? 1.0f : 0.0f;
    }
    for (int64_t b = 0; b < batch; ++b) count.data()[b] = std::max(count.data()[b], 1.0f);
    return sum(hidden * keep, 1) / count;  // [B, D]
}
//! [masked_mean_pool]

SequenceClassifier::SequenceClassifier(const TextModelConfig& config, int64_t classes)
    : generator_(config.seed),
      body(config, generator_),
      classifier(config.d_model, checked_classes(classes), true, generator_) {
    register_module("body", body);
    register_module("classifier", classifier);
}

Tensor SequenceClassifier::forward(const IndexTensor& ids) {
    return classifier.forward(masked_mean_pool(body.forward(ids), ids, body.config.pad_id));
}

}  // namespace ag::nn
