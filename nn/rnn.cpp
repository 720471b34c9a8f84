// nn/rnn.cpp — GRUCell, AdditiveAttention and the RNN encoder-decoder.
#include "nn/rnn.h"

#include "core/error.h"
#include "core/ops.h"
#include "nn/attention.h"
#include "nn/config_metadata.h"

namespace ag::nn {

GRUCell::GRUCell(int64_t input_size, int64_t hidden_size, Generator& generator)
    : input(input_size, 3 * hidden_size, true, generator),
      hidden(hidden_size, 3 * hidden_size, true, generator),
      hidden_size(hidden_size) {
    register_module("input", input);
    register_module("hidden", hidden);
}

Tensor GRUCell::forward(const Tensor& x, const Tensor& h) {
    if (x.rank() != 2 || h.rank() != 2 || h.size(1) != hidden_size || x.size(0) != h.size(0)) {
        throw ShapeError("GRUCell: x " + x.shape().to_string() + " and h " + h.shape().to_string() +
                         ": need [B, in] and [B, " + std::to_string(hidden_size) + "]");
    }
    const std::vector<Tensor> from_x = split(input.forward(x), hidden_size, 1);   // r, z, n
    const std::vector<Tensor> from_h = split(hidden.forward(h), hidden_size, 1);  // r, z, n
    const Tensor reset = sigmoid(from_x[0] + from_h[0]);
    const Tensor update = sigmoid(from_x[1] + from_h[1]);
    const Tensor candidate = tanh(from_x[2] + reset * from_h[2]);
    return (1.0f - update) * candidate + update * h;
}

AdditiveAttention::AdditiveAttention(int64_t decoder_size, int64_t encoder_size,
                                     int64_t attention_size, Generator& generator)
    : query(decoder_size, attention_size, false, generator),
      key(encoder_size, attention_size, true, generator),
      score(attention_size, 1, false, generator) {
    register_module("query", query);
    register_module("key", key);
    register_module("score", score);
}

Tensor AdditiveAttention::project_keys(const Tensor& states) { return key.forward(states); }

Tensor AdditiveAttention::forward(const Tensor& s, const Tensor& keys, const Tensor& states,
                                  const Tensor& mask, Tensor* weights) {
    const int64_t batch = keys.size(0), length = keys.size(1);
    //! [additive_attention]
    // score_j = v^T tanh(W_q s + W_k h_j): [B, 1, A] + [B, S, A] -> [B, S, 1] -> [B, 1, S]
    const Tensor hidden = tanh(unsqueeze(query.forward(s), 1) + keys);
    Tensor scores = reshape(score.forward(hidden), {batch, 1, length});
    if (mask.defined()) scores = masked_fill(scores, mask, kMaskedScore);
    const Tensor alpha = softmax(scores, -1);  // [B, 1, S]
    if (weights != nullptr) *weights = reshape(alpha, {batch, length});
    // c = sum_j alpha_j h_j: [B, 1, S] x [B, S, 2H] -> [B, 2H]
    return reshape(matmul(alpha, states), {batch, states.size(2)});
    //! [additive_attention]
}

namespace {

void check_config(const RnnSeq2SeqConfig& c) {
    if (c.source_vocabulary <= 0 || c.target_vocabulary <= 0 || c.embedding_size <= 0 ||
        c.hidden_size <= 0 || c.attention_size <= 0) {
        throw ValueError("RnnSeq2Seq: sizes in the config must be positive");
    }
}

// What the RNN decoder carries from step to step.
struct RnnState : DecoderState {
    Tensor states;  // encoder states h_j [B, S, 2H]
    Tensor keys;    // W_k h_j [B, S, A]
    Tensor mask;    // [B, 1, S] or undefined
    Tensor s;       // decoder state [B, H]

    void select(const IndexTensor& rows) override {
        NoGradGuard no_grad;
        states = index_select(states, 0, rows);
        keys = index_select(keys, 0, rows);
        if (mask.defined()) mask = index_select(mask, 0, rows);
        s = index_select(s, 0, rows);
    }
};

// Column t of ids [B, L] as a 1-d index tensor [B].
IndexTensor column(const IndexTensor& ids, int64_t t) {
    const int64_t batch = ids.shape()[0], length = ids.shape()[1];
    std::vector<int64_t> values(batch);
    for (int64_t b = 0; b < batch; ++b) values[b] = ids.data()[b * length + t];
    return IndexTensor(values);
}

}  // namespace

RnnSeq2Seq::RnnSeq2Seq(const RnnSeq2SeqConfig& config)
    : config_((check_config(config), config)),
      generator_(config.seed),
      source_embedding(config.source_vocabulary, config.embedding_size, generator_),
      target_embedding(config.target_vocabulary, config.embedding_size, generator_),
      encoder_forward(config.embedding_size, config.hidden_size, generator_),
      encoder_backward(config.embedding_size, config.hidden_size, generator_),
      decoder(config.embedding_size + 2 * config.hidden_size, config.hidden_size, generator_),
      bridge(config.hidden_size, config.hidden_size, true, generator_),
      attention(config.hidden_size, 2 * config.hidden_size, config.attention_size, generator_),
      output(3 * config.hidden_size, config.target_vocabulary, true, generator_) {
    register_module("source_embedding", source_embedding);
    register_module("target_embedding", target_embedding);
    register_module("encoder_forward", encoder_forward);
    register_module("encoder_backward", encoder_backward);
    register_module("decoder", decoder);
    register_module("bridge", bridge);
    register_module("attention", attention);
    register_module("output", output);
}

std::unique_ptr<DecoderState> RnnSeq2Seq::start_decoding(const IndexTensor& source) {
    if (source.shape().rank() != 2) {
        throw ShapeError("RnnSeq2Seq: source must be [B, S], got " + source.shape().to_string());
    }
    const int64_t batch = source.shape()[0], length = source.shape()[1];
    const int64_t hidden = config_.hidden_size;
    auto state = std::make_unique<RnnState>();
    const bool padded = config_.pad_id >= 0;
    if (padded) state->mask = padding_mask(source, config_.pad_id);
    // A padded position leaves a GRU's state unchanged: h = keep * h' + (1 - keep) * h.
    auto step = [&](GRUCell& cell, const Tensor& h, int64_t t) {
        const Tensor x = source_embedding.forward(column(source, t));
        const Tensor next = cell.forward(x, h);
        if (!padded) return next;
        const Tensor keep = reshape(1.0f - slice(state->mask, 2, t, t + 1), {batch, 1});
        return keep * next + (1.0f - keep) * h;
    };
    std::vector<Tensor> forward_states(length), backward_states(length);
    Tensor h = zeros({batch, hidden});
    for (int64_t t = 0; t < length; ++t) forward_states[t] = h = step(encoder_forward, h, t);
    h = zeros({batch, hidden});
    for (int64_t t = length - 1; t >= 0; --t) backward_states[t] = h = step(encoder_backward, h, t);
    // h_j = [forward_j; backward_j], stacked into [B, S, 2H].
    std::vector<Tensor> columns(length);
    for (int64_t t = 0; t < length; ++t) {
        columns[t] = unsqueeze(concat({forward_states[t], backward_states[t]}, 1), 1);
    }
    state->states = concat(columns, 1);
    state->keys = attention.project_keys(state->states);
    // As in the paper, the decoder starts from the backward encoder's summary of the source.
    state->s = tanh(bridge.forward(h));
    return state;
}

Tensor RnnSeq2Seq::decode_step(DecoderState& base_state, const IndexTensor& tokens) {
    auto& state = dynamic_cast<RnnState&>(base_state);
    Tensor weights;
    const Tensor context =
        attention.forward(state.s, state.keys, state.states, state.mask, &weights);
    const Tensor embedded = target_embedding.forward(tokens);
    state.s = decoder.forward(concat({embedded, context}, 1), state.s);
    attention_weights_ = weights.detach();
    return output.forward(concat({state.s, context}, 1));
}

Tensor RnnSeq2Seq::forward(const IndexTensor& source, const IndexTensor& target_input) {
    if (target_input.shape().rank() != 2 || source.shape().rank() != 2 ||
        target_input.shape()[0] != source.shape()[0]) {
        throw ShapeError("RnnSeq2Seq::forward: source " + source.shape().to_string() +
                         " and target " + target_input.shape().to_string() +
                         ": need [B, S] and [B, T] with the same B");
    }
    std::unique_ptr<DecoderState> state = start_decoding(source);
    const int64_t length = target_input.shape()[1];
    std::vector<Tensor> logits(length), weights(length);
    for (int64_t t = 0; t < length; ++t) {
        logits[t] = unsqueeze(decode_step(*state, column(target_input, t)), 1);
        weights[t] = unsqueeze(attention_weights_, 1);
    }
    attention_weights_ = concat(weights, 1);
    return concat(logits, 1);  // [B, T, V]
}

std::map<std::string, std::string> RnnSeq2Seq::config_metadata() const {
    return nn::config_metadata(config_);
}

}  // namespace ag::nn
