/** \file
nn/rnn.h — the model the Transformer replaced: a recurrent encoder-decoder with additive
attention (Bahdanau, Cho & Bengio, "Neural Machine Translation by Jointly Learning to Align
and Translate", 2015).

\verbatim
A plain RNN encoder-decoder squeezes the whole source into its last hidden state: a fixed-size
bottleneck, however long the sentence. Bahdanau et al. let the decoder look back at every
encoder state instead. At each output step i, with decoder state s_{i-1} and encoder states
h_1..h_S:
  score_j  = v^T tanh(W_q s_{i-1} + W_k h_j)         (additive attention)
  alpha    = softmax(score)                           how much to look at each source token
  c_i      = sum_j alpha_j h_j                        the context vector
  s_i      = GRU([embed(y_{i-1}); c_i], s_{i-1})
  logits_i = W_out [s_i; c_i]
The encoder is a bidirectional GRU, so h_j = [forward state; backward state] sees the whole
sentence around token j. Every step depends on the one before: the sequential computation the
Transformer removed.
\endverbatim
*/
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
    /// A cell reading vectors of input_size numbers into a state of hidden_size numbers,
    /// weights drawn from `generator`. Throws ValueError for sizes <= 0.
    GRUCell(int64_t input_size, int64_t hidden_size, Generator& generator = default_generator());
    /// x [B, input_size] and h [B, H] -> h' [B, H]. Throws ShapeError on other shapes.
    Tensor forward(const Tensor& x, const Tensor& h);

    ///@{
    /// The input (W_i*, b_i*: input_size -> 3H) and hidden (W_h*, b_h*: H -> 3H) projections,
    /// each with rows for r, z, n.
    Linear input, hidden;
    ///@}
    int64_t hidden_size;  ///< H
};

/// score_j = v^T tanh(W_q s + W_k h_j), then softmax and the weighted sum of the h_j.
/// Children: "query" (Linear decoder_size -> A, no bias), "key" (Linear encoder_size -> A),
/// "score" (Linear A -> 1, no bias: the vector v).
class AdditiveAttention : public Module {
public:
    /// Attention from decoder states of decoder_size over encoder states of encoder_size,
    /// through a hidden layer of attention_size (A). Throws ValueError for sizes <= 0.
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

    ///@{
    /// W_q (decoder_size -> A), W_k (encoder_size -> A) and v (A -> 1).
    Linear query, key, score;
    ///@}
};

/// The sizes of an RnnSeq2Seq, as a plain struct.
struct RnnSeq2SeqConfig {
    int64_t source_vocabulary = 32;  ///< token ids of the source are in [0, this)
    int64_t target_vocabulary = 32;  ///< V: token ids of the target are in [0, this)
    int64_t embedding_size = 64;     ///< width of the token embeddings
    int64_t hidden_size = 128;       ///< H of each GRU; encoder states are 2H wide
    int64_t attention_size = 128;    ///< A, the width of the additive attention's hidden layer
    int64_t pad_id = 0;              ///< padding in the source is skipped and masked; -1 for none
    uint64_t seed = 0;               ///< seeds the initial weights
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
    std::map<std::string, std::string> config_metadata() const override;
    /// The attention weights of the last forward(), [B, T, S] (detached), for heatmaps.
    const Tensor& attention_weights() const { return attention_weights_; }

    /// The sizes the model was built with.
    const RnnSeq2SeqConfig& config() const { return config_; }

private:
    RnnSeq2SeqConfig config_;
    Generator generator_;

public:
    ///@{
    /// Token embeddings of the source and of the target: [V, embedding_size] each.
    Embedding source_embedding, target_embedding;
    ///@}
    ///@{
    /// The GRUs: the encoder's left-to-right and right-to-left passes, and the decoder.
    GRUCell encoder_forward, encoder_backward, decoder;
    ///@}
    Linear bridge;                ///< initial decoder state from the backward encoder's last state
    AdditiveAttention attention;  ///< the decoder's attention over the encoder states
    Linear output;                ///< logits from [s_i; c_i]: 3H -> V

private:
    Tensor attention_weights_;
};

}  // namespace ag::nn
