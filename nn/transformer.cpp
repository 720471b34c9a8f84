// nn/transformer.cpp — encoder and decoder blocks, their stacks, and the Transformer.
#include "nn/transformer.h"

#include <cmath>

#include "core/error.h"
#include "core/ops.h"
#include "nn/config_metadata.h"

namespace ag::nn {

// ---- blocks --------------------------------------------------------------------------------

EncoderLayer::EncoderLayer(const TransformerConfig& config, Generator& generator)
    : self_attention(config.d_model, config.heads, config.dropout, generator),
      feed_forward(config.d_model, config.d_ff, config.activation, config.dropout, generator),
      norm1(config.d_model),
      norm2(config.d_model),
      dropout(config.dropout),
      norm_first(config.norm_first) {
    register_module("self_attention", self_attention);
    register_module("feed_forward", feed_forward);
    register_module("norm1", norm1);
    register_module("norm2", norm2);
    register_module("dropout", dropout);
}

//! [encoder_layer]
Tensor EncoderLayer::forward(const Tensor& x, const Tensor& mask, KeyValueCache* cache,
                             bool is_causal) {
    if (norm_first) {  // x = x + Sublayer(LayerNorm(x))
        const Tensor h = norm1.forward(x);
        const Tensor attended =
            x + dropout.forward(self_attention.forward(h, h, mask, cache, is_causal));
        return attended + dropout.forward(feed_forward.forward(norm2.forward(attended)));
    }
    // x = LayerNorm(x + Sublayer(x))
    const Tensor attended =
        norm1.forward(x + dropout.forward(self_attention.forward(x, x, mask, cache, is_causal)));
    return norm2.forward(attended + dropout.forward(feed_forward.forward(attended)));
}
//! [encoder_layer]

DecoderLayer::DecoderLayer(const TransformerConfig& config, Generator& generator)
    : self_attention(config.d_model, config.heads, config.dropout, generator),
      cross_attention(config.d_model, config.heads, config.dropout, generator),
      feed_forward(config.d_model, config.d_ff, config.activation, config.dropout, generator),
      norm1(config.d_model),
      norm2(config.d_model),
      norm3(config.d_model),
      dropout(config.dropout),
      norm_first(config.norm_first) {
    register_module("self_attention", self_attention);
    register_module("cross_attention", cross_attention);
    register_module("feed_forward", feed_forward);
    register_module("norm1", norm1);
    register_module("norm2", norm2);
    register_module("norm3", norm3);
    register_module("dropout", dropout);
}

Tensor DecoderLayer::forward(const Tensor& y, const Tensor& memory, const Tensor& self_mask,
                             const Tensor& memory_mask, KeyValueCache* self_cache,
                             KeyValueCache* cross_cache, bool self_is_causal) {
    if (norm_first) {
        const Tensor h = norm1.forward(y);
        const Tensor a = y + dropout.forward(self_attention.forward(h, h, self_mask, self_cache,
                                                                    self_is_causal));
        const Tensor c = a + dropout.forward(cross_attention.forward(norm2.forward(a), memory,
                                                                     memory_mask, cross_cache));
        return c + dropout.forward(feed_forward.forward(norm3.forward(c)));
    }
    //! [decoder_layer_post_norm]
    const Tensor a = norm1.forward(
        y + dropout.forward(self_attention.forward(y, y, self_mask, self_cache, self_is_causal)));
    const Tensor c = norm2.forward(
        a + dropout.forward(cross_attention.forward(a, memory, memory_mask, cross_cache)));
    return norm3.forward(c + dropout.forward(feed_forward.forward(c)));
    //! [decoder_layer_post_norm]
}

// ---- stacks --------------------------------------------------------------------------------

Encoder::Encoder(const TransformerConfig& config, Generator& generator) : norm(config.d_model) {
    for (int64_t i = 0; i < config.encoder_layers; ++i) {
        layers.append(std::make_unique<EncoderLayer>(config, generator));
    }
    register_module("layers", layers);
    register_module("norm", norm);
}

Tensor Encoder::forward(const Tensor& x, const Tensor& mask) {
    Tensor h = x;
    for (auto& layer : layers) h = layer->forward(h, mask);
    return norm.forward(h);
}

Decoder::Decoder(const TransformerConfig& config, Generator& generator) : norm(config.d_model) {
    for (int64_t i = 0; i < config.decoder_layers; ++i) {
        layers.append(std::make_unique<DecoderLayer>(config, generator));
    }
    register_module("layers", layers);
    register_module("norm", norm);
}

Tensor Decoder::forward(const Tensor& y, const Tensor& memory, const Tensor& self_mask,
                        const Tensor& memory_mask, std::vector<KeyValueCache>* caches,
                        bool self_is_causal) {
    Tensor h = y;
    for (size_t i = 0; i < layers.size(); ++i) {
        KeyValueCache* self_cache = caches ? &(*caches)[2 * i] : nullptr;
        KeyValueCache* cross_cache = caches ? &(*caches)[2 * i + 1] : nullptr;
        h = layers[i].forward(h, memory, self_mask, memory_mask, self_cache, cross_cache,
                              self_is_causal);
    }
    return norm.forward(h);
}

// ---- the Transformer -----------------------------------------------------------------------

namespace {

void check_config(const TransformerConfig& c) {
    const bool positive = c.source_vocabulary > 0 && c.target_vocabulary > 0 && c.d_model > 0 &&
                          c.heads > 0 && c.encoder_layers >= 0 && c.decoder_layers >= 0 &&
                          c.d_ff > 0 && c.max_length > 0;
    if (!positive) throw ValueError("Transformer: sizes in the config must be positive");
    if (c.d_model % c.heads != 0) {
        throw ValueError("Transformer: " + std::to_string(c.heads) +
                         " heads do not divide d_model " + std::to_string(c.d_model));
    }
}

// Xavier/Glorot uniform, U(-a, a) with a = sqrt(6 / (fan_in + fan_out)): keeps the variance of
// activations and gradients about the same from layer to layer.
void xavier_uniform(Tensor& matrix, Generator& generator, bool stacked_qkv) {
    // PyTorch initializes W_Q, W_K, W_V as one stacked [3D, D] matrix: fan_out is 3D.
    const int64_t fan_out = stacked_qkv ? 3 * matrix.size(0) : matrix.size(0);
    const float bound = std::sqrt(6.0f / static_cast<float>(fan_out + matrix.size(1)));
    for (int64_t i = 0; i < matrix.numel(); ++i) {
        matrix.data()[i] = (2.0f * generator.uniform() - 1.0f) * bound;
    }
}

// Whether a parameter name is an attention's query, key or value weight.
bool attention_input_projection(const std::string& name) {
    for (const char* part : {"attention.query.", "attention.key.", "attention.value."}) {
        if (name.find(part) != std::string::npos) return true;
    }
    return false;
}

// What a Transformer remembers while decoding.
struct TransformerState : DecoderState {
    Tensor memory;                      // [B, S, D]
    Tensor memory_mask;                 // [B, 1, S] or undefined
    std::vector<KeyValueCache> caches;  // (self, cross) per decoder layer
    int64_t position = 0;

    void select(const IndexTensor& rows) override {
        NoGradGuard no_grad;
        memory = index_select(memory, 0, rows);
        if (memory_mask.defined()) memory_mask = index_select(memory_mask, 0, rows);
        for (KeyValueCache& cache : caches) cache.select(rows);
    }
};

}  // namespace

Transformer::Transformer(const TransformerConfig& config)
    : config_((check_config(config), config)),
      generator_(config.seed),
      source_embedding(config.source_vocabulary, config.d_model, generator_),
      target_embedding(config.target_vocabulary, config.d_model, generator_),
      positions(config.d_model, config.max_length, config.learned_positions, config.dropout,
                generator_),
      encoder(config, generator_),
      decoder(config, generator_),
      output(config.d_model, config.target_vocabulary, true, generator_) {
    register_module("source_embedding", source_embedding);
    register_module("target_embedding", target_embedding);
    register_module("positions", positions);
    register_module("encoder", encoder);
    register_module("decoder", decoder);
    register_module("output", output);
    for (auto& [name, parameter] : named_parameters()) {
        if (parameter.rank() == 2)
            xavier_uniform(parameter, generator_, attention_input_projection(name));
    }
    // PyTorch's MultiheadAttention starts its projection biases at zero.
    for (auto& [name, parameter] : named_parameters()) {
        if (parameter.rank() == 1 && name.find("attention.") != std::string::npos) {
            std::fill(parameter.data(), parameter.data() + parameter.numel(), 0.0f);
        }
    }
    if (config.tie_output_embedding) {  // one matrix both embeds and un-embeds target tokens
        output.weight = target_embedding.weight;
        output.replace_parameter("weight", output.weight);
    }
}

//! [embed]
Tensor Transformer::embed(const Embedding& table, const IndexTensor& ids, int64_t start) {
    // The paper multiplies embeddings by sqrt(D) so they are not drowned by the positions.
    const float scale = std::sqrt(static_cast<float>(config_.d_model));
    return positions.forward(table.forward(ids) * scale, start);
}
//! [embed]

Tensor Transformer::source_mask(const IndexTensor& source) const {
    if (source.shape().rank() != 2) {
        throw ShapeError("Transformer::encode: source must be [B, S], got " +
                         source.shape().to_string());
    }
    return config_.pad_id >= 0 ? padding_mask(source, config_.pad_id) : Tensor();
}

Tensor Transformer::encode(const IndexTensor& source) {
    return encode(source, source_mask(source));
}

Tensor Transformer::encode(const IndexTensor& source, const Tensor& mask) {
    return encoder.forward(embed(source_embedding, source, 0), mask);
}

Tensor Transformer::forward(const IndexTensor& source, const IndexTensor& target_input) {
    if (target_input.shape().rank() != 2 || source.shape().rank() != 2 ||
        target_input.shape()[0] != source.shape()[0]) {
        throw ShapeError("Transformer::forward: source " + source.shape().to_string() +
                         " and target " + target_input.shape().to_string() +
                         ": need [B, S] and [B, T] with the same B");
    }
    //! [transformer_forward]
    const Tensor memory_mask = source_mask(source);  // padded source tokens, hidden everywhere
    const Tensor memory = encode(source, memory_mask);
    // The decoder may not look ahead: position t sees target positions 0..t (is_causal: the
    // fused kernel skips the future without a [T, T] mask). No target padding mask is needed:
    // padding comes after the real tokens, so causality already hides it from every real
    // position (and padded positions are ignored by the loss). Leaving it out also keeps
    // forward() identical to step-by-step decoding, where the model may emit pad.
    const Tensor hidden = decoder.forward(embed(target_embedding, target_input, 0), memory,
                                          /*self_mask=*/Tensor(), memory_mask, nullptr,
                                          /*self_is_causal=*/true);
    return output.forward(hidden);
    //! [transformer_forward]
}

std::unique_ptr<DecoderState> Transformer::start_decoding(const IndexTensor& source) {
    auto state = std::make_unique<TransformerState>();
    state->memory_mask = source_mask(source);
    state->memory = encode(source, state->memory_mask);
    state->caches.resize(2 * decoder.layers.size());
    for (size_t i = 1; i < state->caches.size(); i += 2) state->caches[i].is_static = true;
    return state;
}

Tensor Transformer::decode_step(DecoderState& base_state, const IndexTensor& tokens) {
    auto& state = dynamic_cast<TransformerState&>(base_state);
    const int64_t batch = tokens.numel();
    const IndexTensor ids(tokens.values(), {batch, 1});
    // One new query position; it may see every cached key (all are in its past), so no mask.
    const Tensor hidden = decoder.forward(embed(target_embedding, ids, state.position),
                                          state.memory, Tensor(), state.memory_mask, &state.caches);
    ++state.position;
    return reshape(output.forward(hidden), {batch, config_.target_vocabulary});
}

std::map<std::string, std::string> Transformer::config_metadata() const {
    return nn::config_metadata(config_);
}

}  // namespace ag::nn
