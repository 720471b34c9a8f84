/** \file
nn/transformer.h — the encoder-decoder Transformer ("Attention Is All You Need", 2017).

\verbatim
The encoder turns the source tokens into one vector per token ("memory"); the decoder writes
the target one token at a time, attending to its own past (masked self-attention) and to the
memory (cross-attention). Each block is attention and a position-wise feed-forward network,
each wrapped in a residual connection and layer normalization:
  post-norm (the paper):  x = LayerNorm(x + Sublayer(x))
  pre-norm (an option):   x = x + Sublayer(LayerNorm(x))     (trains more stably when deep)
One training step's data flow:
  ids -> Embedding * sqrt(D) -> + positions -> EncoderLayer x N -> memory
  target ids -> Embedding * sqrt(D) -> + positions -> DecoderLayer x N (masked self-attention,
  cross-attention over memory, feed-forward) -> LayerNorm -> Linear -> logits [B, T, V]
\endverbatim
*/
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nn/attention.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/positional_encoding.h"
#include "nn/seq2seq.h"

namespace ag::nn {

/// The sizes and choices of a Transformer, as a plain struct:
/// `TransformerConfig{.d_model = 128, .heads = 4}`.
struct TransformerConfig {
    int64_t source_vocabulary = 32;  ///< token ids of the source are in [0, this)
    int64_t target_vocabulary = 32;  ///< V: token ids of the target are in [0, this)
    int64_t d_model = 128;           ///< D, the width of every token vector
    int64_t heads = 4;               ///< H; D / H is each head's width
    int64_t encoder_layers = 2;      ///< N of the encoder stack
    int64_t decoder_layers = 2;      ///< N of the decoder stack
    int64_t d_ff = 512;              ///< width of the feed-forward hidden layer
    float dropout = 0.1f;  ///< on positions, sub-layer outputs, attention weights, feed-forward
    Activation activation = Activation::Relu;  ///< of the feed-forward hidden layer
    bool norm_first = false;                   ///< pre-norm instead of the paper's post-norm
    int64_t max_length = 256;                  ///< longest sequence the positional encoding covers
    bool learned_positions = false;     ///< a learned position table instead of the sinusoids
    bool tie_output_embedding = false;  ///< output projection shares the target embedding
    int64_t pad_id = 0;                 ///< token id treated as padding (masked); -1 for none
    uint64_t seed = 0;                  ///< seeds the initial weights
};

/// Self-attention then feed-forward, each with a residual connection and layer norm.
/// Children: "self_attention", "feed_forward", "norm1", "norm2".
class EncoderLayer : public Module {
public:
    /// A layer of config.d_model, config.heads and config.d_ff, weights drawn from `generator`.
    EncoderLayer(const TransformerConfig& config, Generator& generator);
    /// x [B, S, D] -> [B, S, D]; `mask` (e.g. padding [B, 1, S]) hides keys. `is_causal`
    /// hides every later position (a GPT block: MultiHeadAttention::forward's is_causal). With
    /// a cache, x holds only the new positions and the earlier keys and values come from it.
    /// Throws as MultiHeadAttention::forward does.
    Tensor forward(const Tensor& x, const Tensor& mask = Tensor(), KeyValueCache* cache = nullptr,
                   bool is_causal = false);

    MultiHeadAttention self_attention;  ///< every source token attends to every other
    FeedForward feed_forward;           ///< the position-wise two-layer network
    ///@{
    /// The layer norms around self-attention (norm1) and feed-forward (norm2).
    LayerNorm norm1, norm2;
    ///@}
    Dropout dropout;  ///< on each sub-layer's output, before the residual sum
    bool norm_first;  ///< pre-norm (true) or post-norm (false)
};

/// Masked self-attention, cross-attention over the encoder's memory, then feed-forward.
/// Children: "self_attention", "cross_attention", "feed_forward", "norm1", "norm2", "norm3".
class DecoderLayer : public Module {
public:
    /// A layer of config.d_model, config.heads and config.d_ff, weights drawn from `generator`.
    DecoderLayer(const TransformerConfig& config, Generator& generator);
    /// y [B, T, D] and memory [B, S, D] -> [B, T, D]. `self_mask` hides future (and padded)
    /// target positions, `memory_mask` padded source positions; `self_is_causal` hides the
    /// future without a mask tensor (MultiHeadAttention::forward's is_causal; PyTorch's
    /// tgt_is_causal). With caches, y holds only the new positions and earlier keys and values
    /// come from the caches.
    Tensor forward(const Tensor& y, const Tensor& memory, const Tensor& self_mask = Tensor(),
                   const Tensor& memory_mask = Tensor(), KeyValueCache* self_cache = nullptr,
                   KeyValueCache* cross_cache = nullptr, bool self_is_causal = false);

    MultiHeadAttention self_attention;   ///< masked: target position t sees positions <= t
    MultiHeadAttention cross_attention;  ///< queries from the decoder, keys/values from memory
    FeedForward feed_forward;            ///< the position-wise two-layer network
    ///@{
    /// The layer norms around self-attention, cross-attention and feed-forward.
    LayerNorm norm1, norm2, norm3;
    ///@}
    Dropout dropout;  ///< on each sub-layer's output, before the residual sum
    bool norm_first;  ///< pre-norm (true) or post-norm (false)
};

/// A stack of EncoderLayers and a final LayerNorm (as torch.nn.TransformerEncoder).
/// Children: "layers", "norm".
class Encoder : public Module {
public:
    /// config.encoder_layers layers, weights drawn from `generator`.
    Encoder(const TransformerConfig& config, Generator& generator);
    /// x [B, S, D] -> memory [B, S, D].
    Tensor forward(const Tensor& x, const Tensor& mask = Tensor());

    ModuleList<EncoderLayer> layers;  ///< the N layers, in order
    LayerNorm norm;                   ///< applied to the last layer's output
};

/// A stack of DecoderLayers and a final LayerNorm. Children: "layers", "norm".
class Decoder : public Module {
public:
    /// config.decoder_layers layers, weights drawn from `generator`.
    Decoder(const TransformerConfig& config, Generator& generator);
    /// y [B, T, D] attending to memory [B, S, D] -> [B, T, D], masks and `self_is_causal` as in
    /// DecoderLayer::forward. `caches`, when given, holds two KeyValueCaches per layer (self,
    /// cross).
    Tensor forward(const Tensor& y, const Tensor& memory, const Tensor& self_mask,
                   const Tensor& memory_mask, std::vector<KeyValueCache>* caches = nullptr,
                   bool self_is_causal = false);

    ModuleList<DecoderLayer> layers;  ///< the N layers, in order
    LayerNorm norm;                   ///< applied to the last layer's output
};

/// The full encoder-decoder Transformer. Children: "source_embedding", "target_embedding",
/// "positions", "encoder", "decoder", "output" (the output projection; with
/// tie_output_embedding its weight is the target embedding's).
class Transformer : public Seq2SeqModel {
public:
    /// Builds and initializes the model (Xavier-uniform matrices, as torch.nn.Transformer).
    /// Throws ValueError for inconsistent sizes (e.g. heads not dividing d_model).
    explicit Transformer(const TransformerConfig& config);

    /// source [B, S] -> memory [B, S, D]: embed, add positions, run the encoder (padded
    /// tokens masked). Throws ShapeError unless source is [B, S].
    Tensor encode(const IndexTensor& source);
    /// Teacher-forced logits [B, T, V] (see Seq2SeqModel::forward). Source padding
    /// (config.pad_id) is masked from every attention; on the target side, the future.
    Tensor forward(const IndexTensor& source, const IndexTensor& target_input) override;
    std::unique_ptr<DecoderState> start_decoding(const IndexTensor& source) override;
    Tensor decode_step(DecoderState& state, const IndexTensor& tokens) override;
    std::map<std::string, std::string> config_metadata() const override;

    /// The sizes and choices the model was built with.
    const TransformerConfig& config() const { return config_; }

private:
    TransformerConfig config_;
    Generator generator_;

public:
    ///@{
    /// Token embeddings [V, D] of the source and of the target vocabularies.
    Embedding source_embedding, target_embedding;
    ///@}
    PositionalEncoding positions;  ///< added to both embeddings
    Encoder encoder;               ///< source embeddings -> memory [B, S, D]
    Decoder decoder;               ///< target embeddings and memory -> [B, T, D]
    Linear output;                 ///< D -> V: the logits of the next token

private:
    Tensor embed(const Embedding& table, const IndexTensor& ids, int64_t start);
    // [B, 1, S] with 1 at padded source tokens (config.pad_id), or undefined without padding:
    // hides them from the encoder's self-attention and from the decoder's cross-attention.
    Tensor source_mask(const IndexTensor& source) const;
    Tensor encode(const IndexTensor& source, const Tensor& source_mask);
};

}  // namespace ag::nn
