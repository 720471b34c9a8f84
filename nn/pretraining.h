/** \file
nn/pretraining.h — the models of two-stage training: pretrain a body on unlabelled token
sequences with a self-supervised objective, then fine-tune it with a new head on a small
labelled task.

\verbatim
Every model here is a body and a head. The body (TextBody) turns token ids into one vector
per token: embedding * sqrt(D), + positions, a stack of EncoderLayers, a final LayerNorm.
The heads differ:
  MaskedLanguageModel   body + "mlm_head"     a fraction of the tokens are replaced by <mask>;
                                              predict the originals there (BERT, 2018)
  DecoderOnly           causal body + "lm_head"  predict token t+1 from tokens 0..t (GPT, 2018)
  SequenceClassifier    body + mean pooling + "classifier"   one label per sequence
Because the body is registered under the same name ("body") in all three, its parameters have
the same names ("body.layers.0.self_attention.query.weight") in every model, so
load_checkpoint_partial moves a pretrained body into a classifier by name; the pretraining
head is reported as skipped, the new head as missing (left as initialized).

A decoder-only model is the same body with a causal mask: GPT's blocks are the Transformer's
decoder blocks without cross-attention, which is what an EncoderLayer is when every query is
hidden from the keys after it.

What this is not: BERT's exact recipe (no 80/10/10 replacement, no next-sentence task, no
[CLS] token) or anything at scale; see docs/pretraining.md.
\endverbatim
*/
#pragma once

#include <cstdint>

#include "core/index_tensor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/positional_encoding.h"
#include "nn/transformer.h"

namespace ag::nn {

/// The sizes and choices of a TextBody and of the models built on it, as a plain struct:
/// `TextModelConfig{.vocabulary = 24, .d_model = 64, .layers = 2}`.
struct TextModelConfig {
    int64_t vocabulary = 32;  ///< V: token ids are in [0, this)
    int64_t d_model = 64;     ///< D, the width of every token vector
    int64_t heads = 4;        ///< H; D / H is each head's width
    int64_t layers = 2;       ///< N, the number of EncoderLayers in the body
    int64_t d_ff = 256;       ///< width of the feed-forward hidden layer
    float dropout = 0.0f;     ///< on positions, sub-layer outputs, attention, feed-forward
    Activation activation = Activation::Gelu;  ///< of the feed-forward hidden layer
    bool norm_first = false;                   ///< pre-norm instead of the paper's post-norm
    int64_t max_length = 64;                   ///< longest sequence the positions cover
    bool learned_positions = false;            ///< a learned position table instead of sinusoids
    bool causal = false;  ///< hide from each position the positions after it (decoder-only)
    int64_t pad_id = 0;   ///< token id treated as padding (masked, not pooled); -1 for none
    uint64_t seed = 0;    ///< seeds the initial weights
};

/// The shared body: ids [B, S] -> embedding * sqrt(D) + positions -> EncoderLayer x N ->
/// LayerNorm -> hidden [B, S, D]. Padded keys (config.pad_id) are masked from attention, and
/// with config.causal so is the future. Children: "token_embedding", "positions", "layers",
/// "norm".
class TextBody : public Module {
public:
    /// Builds the body; matrices are drawn Xavier-uniform from `generator` (as the
    /// Transformer's). Throws ValueError for sizes <= 0 or heads not dividing d_model.
    TextBody(const TextModelConfig& config, Generator& generator);
    /// ids [B, S] -> hidden [B, S, D]. Throws ShapeError unless ids is [B, S] with S <=
    /// max_length, IndexError for an id outside [0, V).
    Tensor forward(const IndexTensor& ids);
    /// The attention mask forward() uses for `ids`: padding [B, 1, S], causal [S, S], their
    /// union [B, S, S], or undefined (no pad id, not causal).
    Tensor attention_mask(const IndexTensor& ids) const;

    Embedding token_embedding;        ///< [V, D]
    PositionalEncoding positions;     ///< added to the scaled embeddings
    ModuleList<EncoderLayer> layers;  ///< the N blocks
    LayerNorm norm;                   ///< applied to the last block's output
    TextModelConfig config;           ///< the sizes the body was built with
};

// ---- masked-token prediction ----------------------------------------------------------------

/// The input and target of one masked-language-model batch (see mask_tokens).
struct MaskedTokens {
    IndexTensor inputs;   ///< [B, S]: the ids, with the chosen positions replaced by mask_id
    IndexTensor targets;  ///< [B, S]: the original id at chosen positions, ignore_index elsewhere
    int64_t masked = 0;   ///< how many positions were chosen
};

/// Chooses each position of ids [B, S] that is not `pad_id` with probability `fraction`
/// (independently, drawn from `generator`) and replaces it by `mask_id` in the inputs; the
/// targets hold the original id there and `ignore_index` everywhere else, so that
/// cross_entropy(logits, targets, ignore_index) scores the chosen positions only. Throws
/// ShapeError unless ids is [B, S], ValueError unless 0 <= fraction <= 1 and mask_id >= 0.
MaskedTokens mask_tokens(const IndexTensor& ids, int64_t mask_id, float fraction,
                         Generator& generator, int64_t pad_id = 0, int64_t ignore_index = -100);

/// A body and a head that predicts, at every position, the token that was there before
/// masking. Children: "body", "mlm_head" (Linear D -> V).
class MaskedLanguageModel : public Module {
public:
    /// Builds and initializes the model from config.seed. Throws as TextBody does.
    explicit MaskedLanguageModel(const TextModelConfig& config);
    /// inputs [B, S] -> logits [B, S, V] of the original token at every position.
    Tensor forward(const IndexTensor& inputs);
    /// Mean cross-entropy at the masked positions only: cross_entropy(forward(batch.inputs),
    /// batch.targets, ignore_index), a scalar. Throws as forward and cross_entropy do.
    Tensor loss(const MaskedTokens& batch, int64_t ignore_index = -100);

private:
    Generator generator_;

public:
    TextBody body;    ///< the part pretraining is for
    Linear mlm_head;  ///< D -> V, thrown away after pretraining
};

// ---- next-token prediction ------------------------------------------------------------------

/// A decoder-only language model (GPT): a causal body and a head that predicts the next token.
/// Children: "body" (built with causal = true whatever the config says), "lm_head" (D -> V).
class DecoderOnly : public Module {
public:
    /// Builds and initializes the model from config.seed. Throws as TextBody does.
    explicit DecoderOnly(const TextModelConfig& config);
    /// ids [B, T] -> logits [B, T, V]: at position t, the scores of token t + 1, computed from
    /// tokens 0..t only.
    Tensor forward(const IndexTensor& ids);
    /// Mean cross-entropy of predicting ids[:, t + 1] from ids[:, 0..t], for t < T - 1, over
    /// positions whose next token is not padding; a scalar. Throws ShapeError unless ids is
    /// [B, T] with T >= 2.
    Tensor next_token_loss(const IndexTensor& ids);

private:
    Generator generator_;

public:
    TextBody body;   ///< causal: position t attends to positions 0..t
    Linear lm_head;  ///< D -> V
};

// ---- sequence classification ----------------------------------------------------------------

/// The mean of hidden [B, S, D] over the positions where ids [B, S] is not `pad_id` (all
/// positions if pad_id < 0): [B, D]. A sequence that is all padding gives zeros. Throws
/// ShapeError unless hidden is [B, S, D] and ids [B, S].
Tensor masked_mean_pool(const Tensor& hidden, const IndexTensor& ids, int64_t pad_id);

/// A body, masked mean pooling and a Linear head: one label out of `classes` per sequence.
/// Children: "body", "classifier" (Linear D -> classes).
class SequenceClassifier : public Module {
public:
    /// Builds and initializes the model from config.seed. Throws ValueError for classes < 1
    /// and as TextBody does.
    SequenceClassifier(const TextModelConfig& config, int64_t classes);
    /// ids [B, S] -> logits [B, classes]: masked_mean_pool of the body's output, then the head.
    Tensor forward(const IndexTensor& ids);

private:
    Generator generator_;

public:
    TextBody body;      ///< loaded from a pretrained model, or trained from scratch
    Linear classifier;  ///< D -> classes, always new
};

}  // namespace ag::nn
