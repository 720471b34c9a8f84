// nn/rnn.h — the model the Transformer replaced: a recurrent encoder-decoder with additive
// attention (Bahdanau, Cho & Bengio, "Neural Machine Translation by Jointly Learning to Align
// and Translate", 2015).
//
// A plain RNN encoder-decoder squeezes the whole source into its last hidden state: a fixed-size
// bottleneck, however long the sentence. Bahdanau et al. let the decoder look back at every
// encoder state instead. At each output step i, with decoder state s_{i-1} and encoder states
// h_1..h_S:
//   score_j  = v^T tanh(W_q s_{i-1} + W_k h_j)         (additive attention)
//   alpha    = softmax(score)                           how much to look at each source token
//   c_i      = sum_j alpha_j h_j                        the context vector
//   s_i      = GRU([embed(y_{i-1}); c_i], s_{i-1})
//   logits_i = W_out [s_i; c_i]
// The encoder is a bidirectional GRU, so h_j = [forward state; backward state] sees the whole
// sentence around token j. Every step depends on the one before: the sequential computation the
// Transformer removed.
#pragma once

#include <cstdint>
#include <memory>

#include "core/random.h"
#include "core/tensor.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/seq2seq.h"

namespace ag::nn {

/// A gated recurrent unit step (Cho et al., 2014), with PyTorch's torch.nn.GRUCell equations:
///   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)        reset gate
///   z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)        update gate
///   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))     candidate state
///   h' = (1 - z) * n + z * h
/// Children: "input" (Linear in -> 3H, rows r, z, n) and "hidden" (Linear H -> 3H).
class GRUCell : public Module {
public:
    GRUCell(int64_t input_size, int64_t hidden_size, Generator& generator = default_generator());
    /// x [B, input_size] and h [B, H] -> h' [B, H]. Throws ShapeError on other shapes.
    Tensor forward(const Tensor& x, const Tensor& h);

    Linear input, hidden;
    int64_t hidden_size;
};

/// score_j = v^T tanh(W_q s + W_k h_j), then softmax and the weighted sum of the h_j.
/// Children: "query" (Linear decoder_size -> A, no bias), "key" (Linear encoder_size -> A),
/// "score" (Linear A -> 1, no bias: the vector v).
class AdditiveAttention : public Module {
public:
    AdditiveAttention(int64_t decoder_size, int64_t encoder_size, int64_t attention_size,
                      Generator& generator = default_generator());
    /// W_k h_j for every encoder state, computed once per source: states [B, S, encoder_size]
    /// -> keys [B, S, A].
    Tensor project_keys(const Tensor& states);
    /// Decoder state s [B, decoder_size] attending over keys [B, S, A] and states
    /// [B, S, encoder_size], with mask [B, 1, S] (1 = padding) -> context [B, encoder_size];
    /// `weights` receives alpha [B, S].
    Tensor forward(const Tensor& s, const Tensor& keys, const Tensor& states, const Tensor& mask,
                   Tensor* weights = nullptr);

    Linear query, key, score;
};

/// The sizes of an RnnSeq2Seq, as a plain struct.
struct RnnSeq2SeqConfig {
    int64_t source_vocabulary = 32;
    int64_t target_vocabulary = 32;
    int64_t embedding_size = 64;
    int64_t hidden_size = 128;     ///< H of each GRU; encoder states are 2H wide
    int64_t attention_size = 128;  ///< A, the width of the additive attention's hidden layer
    int64_t pad_id = 0;            ///< padding in the source is skipped and masked; -1 for none
    uint64_t seed = 0;
};

/// The bidirectional-GRU encoder and attentive GRU decoder above, behind the same Seq2SeqModel
/// interface as the Transformer, so the same training loop and decoders drive both.
/// Children: "source_embedding", "target_embedding", "encoder_forward", "encoder_backward",
/// "bridge" (initial decoder state from the encoder), "attention", "decoder", "output".
class RnnSeq2Seq : public Seq2SeqModel {
public:
    /// Throws ValueError for sizes that are not positive.
    explicit RnnSeq2Seq(const RnnSeq2SeqConfig& config);

    /// Teacher-forced logits [B, T, V], one decoder step per target position.
    Tensor forward(const IndexTensor& source, const IndexTensor& target_input) override;
    std::unique_ptr<DecoderState> start_decoding(const IndexTensor& source) override;
    Tensor decode_step(DecoderState& state, const IndexTensor& tokens) override;
    /// The attention weights of the last forward(), [B, T, S] (detached), for heatmaps.
    const Tensor& attention_weights() const { return attention_weights_; }

    const RnnSeq2SeqConfig& config() const { return config_; }

private:
    RnnSeq2SeqConfig config_;
    Generator generator_;

public:
    Embedding source_embedding, target_embedding;
    GRUCell encoder_forward, encoder_backward, decoder;
    Linear bridge;
    AdditiveAttention attention;
    Linear output;

private:
    Tensor attention_weights_;
};

}  // namespace ag::nn
