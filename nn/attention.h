// nn/attention.h — attention, in the order the story is told.
//
// 1. scaled_dot_product_attention: every query scores every key, softmax turns the scores into
//    weights, and the output is the weighted sum of the values ("Attention Is All You Need",
//    section 3.2.1):
//        Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V
//    Dividing by sqrt(d_k) keeps the scores' variance near 1 whatever the width (a dot product
//    of d_k unit-variance terms has variance d_k), so softmax does not saturate.
// 2. SelfAttention: one head, where Q, K and V are three learned projections of the same
//    sequence X: Q = X W_Q, K = X W_K, V = X W_V.
// 3. MultiHeadAttention: h heads attend in parallel, each in its own d_model/h-dimensional
//    sub-space; their outputs are concatenated and mixed by W_O (section 3.2.2):
//        MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W_O,  head_i = Attention(Q W_Q^i, ...)
//    With the same query and key/value input it is self-attention; with the decoder's states
//    as queries and the encoder's output as keys and values it is cross-attention.
// 4. Masks hide keys: causal_mask hides the future from a decoder, padding_mask hides padding.
//
// Mask convention: a mask is a float tensor holding 1 where attention is NOT allowed and 0
// where it is, broadcast against the scores [..., T_query, T_key]. Masked scores are set to
// -1e9 before softmax, so they get weight 0 (exactly, in float32).
#pragma once

#include <cstdint>
#include <vector>

#include "core/index_tensor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "nn/layers.h"
#include "nn/module.h"

namespace ag::nn {

/// The score given to masked positions before softmax: far below any real score, yet finite,
/// so a row with every key masked gives uniform weights instead of nan.
inline constexpr float kMaskedScore = -1e9f;

/// [T, T] with 1 above the diagonal: query t may attend to keys 0..t only.
/// Throws ValueError if size < 0.
Tensor causal_mask(int64_t size);
/// [B, 1, S] with 1 where ids[b, s] == pad_id: hides padded keys from every query.
/// Throws ShapeError unless ids is [B, S].
Tensor padding_mask(const IndexTensor& ids, int64_t pad_id);
/// [B, 1, max_length] with 1 at positions >= lengths[b]. Throws ValueError for a length
/// outside [0, max_length].
Tensor padding_mask(const std::vector<int64_t>& lengths, int64_t max_length);
/// The union of two masks (1 where either is 1), broadcast; an undefined mask is no mask.
Tensor combine_masks(const Tensor& a, const Tensor& b);

/// What attention computes: the output and the weights that made it.
struct AttentionOutput {
    Tensor output;   ///< [..., T_query, D_value]
    Tensor weights;  ///< [..., T_query, T_key], each row summing to 1
};

/// softmax(q k^T / sqrt(d_k) + mask) v, for q [..., Tq, Dk], k [..., Tk, Dk], v [..., Tk, Dv];
/// `mask` (optional) broadcasts to [..., Tq, Tk]. With `dropout_p` > 0 and `training`, the
/// weights are dropped out before multiplying v (as PyTorch). Throws ShapeError naming the
/// shapes when q, k, v or mask do not fit together.
AttentionOutput scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& mask = Tensor(), float dropout_p = 0.0f,
                                             bool training = false);

/// One head of self-attention: Q = X W_Q, K = X W_K, V = X W_V, then attention.
/// Children: "query", "key", "value", each Linear(d_model -> head_dim).
class SelfAttention : public Module {
public:
    /// A head reading d_model-wide tokens and attending in head_dim dimensions; weights drawn
    /// from `generator`. Throws ValueError for sizes <= 0.
    SelfAttention(int64_t d_model, int64_t head_dim, Generator& generator = default_generator());
    /// x [B, T, d_model] -> [B, T, head_dim]. `mask` broadcasts to [B, T, T].
    Tensor forward(const Tensor& x, const Tensor& mask = Tensor());
    /// The weights of the last forward, [B, T, T] (detached from the graph).
    const Tensor& attention_weights() const { return attention_weights_; }

    ///@{
    /// W_Q, W_K, W_V: d_model -> head_dim.
    Linear query, key, value;
    ///@}

private:
    Tensor attention_weights_;
};

/// The keys and values a decoder has already computed, so that decoding one more token costs
/// one step instead of re-running the whole prefix. `keys`/`values` are [B, H, t, Dh].
struct KeyValueCache {
    Tensor keys;    ///< [B, H, t, Dh], or undefined before the first step
    Tensor values;  ///< [B, H, t, Dh], or undefined before the first step
    /// True for cross-attention: keys and values come from the encoder's output, computed on
    /// the first step and reused unchanged. False for self-attention: each step appends.
    bool is_static = false;
    /// Keeps only the batch rows `rows` (in that order), for beam search.
    void select(const IndexTensor& rows);
};

/// Multi-head attention (see the top of this file).
/// Children: "query", "key", "value", "output", each Linear(d_model -> d_model).
///
/// The heads attend through ag::fused_multi_head_attention (core/ops/fused_attention.h): the
/// same softmax(Q K^T / sqrt(d_k)) V as scaled_dot_product_attention, computed block by block
/// without storing the [Tq, Tk] weights (memory grows linearly with the sequence), on the
/// projections as they are, heads side by side, so splitting and concatenating the heads costs
/// no copy. With a KeyValueCache (decoding) the heads are split explicitly and attend through
/// ag::fused_attention. While training with attention dropout (which drops the weights
/// themselves) it takes the plain path.
class MultiHeadAttention : public Module {
public:
    /// Throws ValueError unless heads > 0 and heads divides d_model.
    MultiHeadAttention(int64_t d_model, int64_t heads, float dropout = 0.0f,
                       Generator& generator = default_generator());
    /// query [B, Tq, d_model] attends over key_value [B, Tk, d_model] -> [B, Tq, d_model].
    /// `mask` broadcasts to [B, Tq, Tk] (or [B, H, Tq, Tk]). With a cache, the new keys and
    /// values are appended to (or, if static, taken from) it. Throws ShapeError for mismatched
    /// shapes.
    Tensor forward(const Tensor& query, const Tensor& key_value, const Tensor& mask = Tensor(),
                   KeyValueCache* cache = nullptr);
    /// The weights of the last forward, [B, H, Tq, Tk] (detached), for drawing heatmaps.
    /// The fused path does not store them: they are recomputed from that forward's queries,
    /// keys and mask on the first call after it. Undefined before any forward.
    const Tensor& attention_weights() const;

    ///@{
    /// W_Q, W_K, W_V (all heads at once) and W_O: d_model -> d_model.
    Linear query, key, value, output;
    ///@}
    int64_t heads;     ///< H
    int64_t head_dim;  ///< Dh = d_model / H
    float dropout_p;   ///< dropout on the attention weights while training
    /// True (the default): attend with ag::fused_attention. False: with the plain composition,
    /// scaled_dot_product_attention (tests compare the two; learners can step through it).
    bool use_fused_attention = true;

private:
    Tensor split_heads(const Tensor& x) const;  // [B, T, D] -> [B, H, T, Dh]
    // Keeps what recomputes the fused path's weights on demand (attention_weights()).
    void remember_for_weights(const Tensor& q, const Tensor& k, const Tensor& head_mask,
                              bool side_by_side);
    // The last forward's weights, or (fused path) what recomputes them on demand: queries and
    // keys as [B, H, T, Dh], or as [B, T, H * Dh] when last_side_by_side_.
    mutable Tensor attention_weights_;
    Tensor last_queries_, last_keys_, last_mask_;
    bool last_side_by_side_ = false;
};

}  // namespace ag::nn
