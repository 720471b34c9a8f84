/** \file
nn/gpt.h — GPT: a decoder-only language model (Radford et al., 2018 and 2019), and text
generation from it with a KV cache.

\verbatim
  ids [B, T] -> token embedding + learned position embedding -> dropout
             -> Block x N, each x = x + SelfAttention(LayerNorm(x)), causal,
                               x = x + FeedForward(LayerNorm(x))       (pre-norm, GELU)
             -> LayerNorm -> logits = h E^T [B, T, V]

Each block is an EncoderLayer with norm_first and is_causal: the same code the
Transformer's encoder runs, not a copy. The output layer is the token embedding E itself
(weight tying, Press & Wolf, 2017, as GPT-2): a token's input vector is also the vector its
score is measured against. E is one parameter, so named_parameters() lists it once, the
optimizer updates it once, a checkpoint stores it once, and its gradient is the sum of what
both uses send back.

Initialisation is GPT-2's: weights of embeddings and linear layers N(0, 0.02^2), biases 0,
and the two projections that end on the residual stream (attention's W_O and the second
feed-forward layer) scaled by 1/sqrt(2N), so the stream's variance does not grow with depth.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <vector>

#include "core/index_tensor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "nn/attention.h"
#include "nn/layers.h"
#include "nn/module.h"
#include "nn/sampling.h"
#include "nn/transformer.h"

namespace ag::nn {

/// The sizes of a GPT, as a plain struct: `GPTConfig{.vocabulary = 258, .layers = 4}`. The
/// defaults are demos/gpt's.
struct GPTConfig {
    int64_t vocabulary = 258;  ///< V: ids are in [0, V)
    int64_t context = 128;     ///< the most positions the model sees at once
    int64_t d_model = 128;     ///< D, the width of the residual stream
    int64_t heads = 4;         ///< H; D / H is each head's width
    int64_t layers = 4;        ///< N, the number of blocks
    int64_t d_ff = 512;        ///< width of the feed-forward hidden layer
    float dropout = 0.0f;      ///< on the embeddings, each block's sub-layers and attention
    uint64_t seed = 0;         ///< seeds the initial weights
};

/// A decoder-only Transformer language model (see the description of nn/gpt.h). Children:
/// "token_embedding", "position_embedding", "blocks", "norm".
class GPT : public Module {
public:
    /// Builds and initializes the model from config.seed. Throws ValueError for sizes <= 0 or
    /// heads not dividing d_model.
    explicit GPT(const GPTConfig& config);

    /// ids [B, T] -> logits [B, T, V]: at position t, the scores of the token after it, from
    /// tokens 0..t only. With `caches` (one per block, empty at the start), ids holds only the
    /// new positions, which follow the cached ones, and the caches grow by them: a step of
    /// incremental decoding. Throws ShapeError unless ids is [B, T] and the positions fit the
    /// context, ValueError if caches does not hold one cache per block, IndexError for an id
    /// outside [0, V).
    Tensor forward(const IndexTensor& ids, std::vector<KeyValueCache>* caches = nullptr);

    /// Mean cross-entropy of logits(inputs) against targets [B, T] (usually the inputs shifted
    /// by one), targets equal to `ignore_index` left out. Throws as forward and cross_entropy.
    Tensor loss(const IndexTensor& inputs, const IndexTensor& targets, int64_t ignore_index);

    Embedding token_embedding;        ///< E [V, D]: the input embedding and the output layer
    Embedding position_embedding;     ///< [context, D], learned
    Dropout dropout;                  ///< on the sum of the embeddings
    ModuleList<EncoderLayer> blocks;  ///< the N pre-norm causal blocks
    LayerNorm norm;                   ///< after the last block
    GPTConfig config;                 ///< the sizes the model was built with
};

/// How generate() continues a prompt.
struct GenerationOptions {
    SamplingOptions sampling;  ///< temperature, top-k, top-p (temperature 0: greedy)
    uint64_t seed = 0;         ///< seeds the draws: the same seed gives the same text
    int64_t stop_token = -1;   ///< stop after drawing this id (e.g. text::kEndOfText); -1: never
    bool use_cache = true;     ///< keep keys and values between steps (false: recompute all)
};

/// Continues `prompt` (ids, at least one) by up to `max_new_tokens` tokens drawn one at a
/// time from `model`, and returns the new ids (the stop token included, if drawn). The model is
/// run in eval mode, without a graph, and left in the mode it was in.
///
/// With use_cache, each step feeds only the newest token and reuses the cached keys and values
/// of the others. Past the context length the window slides: each step sees only the last
/// `context` tokens, dropping the oldest, and since every token's position then changes, that
/// step is computed afresh, without the cache (as nanoGPT's generate does).
/// Throws ValueError for an empty prompt or max_new_tokens < 0, IndexError for a prompt id
/// outside [0, V), and what sample_token throws for bad sampling options.
std::vector<int64_t> generate(GPT& model, const std::vector<int64_t>& prompt,
                              int64_t max_new_tokens, const GenerationOptions& options = {});

}  // namespace ag::nn
