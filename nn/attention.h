/** \file
nn/attention.h — attention, in the order the story is told.

\verbatim
1. scaled_dot_product_attention: every query scores every key, softmax turns the scores into
   weights, and the output is the weighted sum of the values ("Attention Is All You Need",
   section 3.2.1):
       Attention(Q, K, V) = softmax(Q K^T / sqrt(d_k)) V
   Dividing by sqrt(d_k) keeps the scores' variance near 1 whatever the width (a dot product
   of d_k unit-variance terms has variance d_k), so softmax does not saturate.
2. SelfAttention: one head, where Q, K and V are three learned projections of the same
   sequence X: Q = X W_Q, K = X W_K, V = X W_V.
3. MultiHeadAttention: h heads attend in parallel, each in its own d_model/h-dimensional
   sub-space; their outputs are concatenated and mixed by W_O (section 3.2.2):
       MultiHead(Q, K, V) = Concat(head_1, ..., head_h) W_O,  head_i = Attention(Q W_Q^i, ...)
   With the same query and key/value input it is self-attention; with the decoder's states
   as queries and the encoder's output as keys and values it is cross-attention.
4. Masks hide keys: causal_mask hides the future from a decoder, padding_mask hides padding.

Mask convention: a mask is a float tensor holding 1 where attention is NOT allowed and 0
where it is, broadcast against the scores [..., T_query, T_key]. Masked scores are set to
-1e9 before softmax, so they get weight 0 (exactly, in float32).
\endverbatim
*/
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "core/index_tensor.h"
#include "core/ops/fused_attention.h"
#include "core/random.h"
#include "core/tensor.h"
#include "nn/layers.h"
#include "nn/module.h"

namespace ag::nn {

/// The score given to masked positions before softmax, -1e9: far below any real score, yet
/// finite, so a row with every key masked gives uniform weights instead of nan. Defined with
/// the fused kernel (core/ops/fused_attention.h), so both paths mask alike.
using ag::kMaskedScore;

/// [T, T] with 1 above the diagonal: query t may attend to keys 0..t only.
/// Throws ValueError if size < 0.
Tensor causal_mask(int64_t size);
/// [Tq, Tk] with 1 where key j > query i: what `is_causal` hides (as PyTorch's is_causal, from
/// the top left). Throws ValueError if a size is negative.
Tensor causal_mask(int64_t queries, int64_t keys);
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
/// `mask` (optional) broadcasts to [..., Tq, Tk]; `is_causal` also hides every key j > query i
/// (causal_mask(Tq, Tk), which this builds). With `dropout` (training), the weights are
/// multiplied by attention_dropout_mask(weights.shape(), dropout) before v, as PyTorch drops
/// them: the same weights that ag::fused_attention drops for that seed. `weights` are the
/// ones before dropout. Throws ShapeError naming the shapes when q, k, v or mask do not fit
/// together, ValueError when dropout.p is not in [0, 1).
AttentionOutput scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& mask = Tensor(),
                                             AttentionDropout dropout = {}, bool is_causal = false);

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
/// one step instead of re-running the whole prefix. `keys`/`values` are [B, t, H, Dh], split
/// into heads as MultiHeadAttention::split_heads leaves them.
struct KeyValueCache {
    Tensor keys;    ///< [B, t, H, Dh], or undefined before the first step
    Tensor values;  ///< [B, t, H, Dh], or undefined before the first step
    /// True for cross-attention: keys and values come from the encoder's output, computed on
    /// the first step and reused unchanged. False for self-attention: each step appends.
    bool is_static = false;
    /// Keeps only the batch rows `rows` (in that order), for beam search.
    void select(const IndexTensor& rows);
};

class MultiHeadAttention;

/// While one lives, every MultiHeadAttention forward on this thread also computes its
/// attention weights softmax(Q_h K_h^T / sqrt(Dh) + M) [B, H, Tq, Tk] (no dropout, no graph)
/// and keeps them here, by module: how a program asks for heatmaps. Training, which makes
/// none, pays nothing, and MultiHeadAttention keeps no state between calls. Recordings nest:
/// the innermost one (the last made that still lives) records. A recording sees only the
/// thread that made it, and must be destroyed there (as a local variable is).
class AttentionRecording {
public:
    /// Starts recording on this thread (inside any recording already alive). Never throws
    /// but std::bad_alloc.
    AttentionRecording();
    /// Stops recording; an outer recording, if one lives, records again.
    ~AttentionRecording();
    AttentionRecording(const AttentionRecording&) = delete;
    AttentionRecording& operator=(const AttentionRecording&) = delete;

    /// The weights of `attention`'s last forward while this recording lived, [B, H, Tq, Tk].
    /// Throws ValueError if it ran none.
    const Tensor& weights(const MultiHeadAttention& attention) const;
    /// The innermost recording alive on this thread, or nullptr.
    static AttentionRecording* active();
    /// Computes and keeps `attention`'s weights from its queries q [B, Tq, H, Dh], keys
    /// k [B, Tk, H, Dh] and mask (broadcast to [B, H, Tq, Tk]; what
    /// MultiHeadAttention::forward calls). Throws ShapeError when they do not fit together.
    void record(const MultiHeadAttention& attention, const Tensor& q, const Tensor& k,
                const Tensor& mask);

private:
    static std::vector<AttentionRecording*>& alive_on_this_thread();  // innermost last
    std::map<const MultiHeadAttention*, Tensor> weights_;
};

/// Multi-head attention (see the description of nn/attention.h), in four steps that forward() takes
/// in order: project Q, K and V for all heads at once; split them into heads, [B, T, H, Dh] (a
/// reshape: head h is the h-th Dh-wide band of every row, nothing is copied); attend, every head in
/// its own sub-space; concatenate the heads (the inverse reshape) and mix them with W_O. Children:
/// "query", "key", "value", "output", each Linear(d_model -> d_model).
///
/// attend() is the one call where the fast path and the plain one differ: by default
/// ag::fused_multi_head_attention (core/ops/fused_attention.h), the same softmax(Q K^T /
/// sqrt(d_k)) V computed tile by tile without storing the [Tq, Tk] weights, on the heads where
/// they lie; with use_fused_attention = false, scaled_dot_product_attention between
/// transposes. Both drop the same weights while training with dropout, so training takes the
/// fused path whatever the dropout.
class MultiHeadAttention : public Module {
public:
    /// Throws ValueError unless heads > 0 and heads divides d_model, or if dropout is not in
    /// [0, 1).
    MultiHeadAttention(int64_t d_model, int64_t heads, float dropout = 0.0f,
                       Generator& generator = default_generator());
    /// query [B, Tq, d_model] attends over key_value [B, Tk, d_model] -> [B, Tq, d_model].
    /// `mask` broadcasts to [B, Tq, Tk] (or [B, H, Tq, Tk]). `is_causal` also hides every key
    /// after its query, as causal_mask would, without a mask tensor: the fused kernel skips the
    /// key tiles that lie wholly in the future. With a cache, the new keys and values are
    /// appended to (or, if static, taken from) it; a causal step then has one query, the
    /// newest position, which sees every key. Throws ShapeError for mismatched shapes or an
    /// `is_causal` call with neither Tq == Tk nor Tq == 1, ValueError if dropout_p was set
    /// outside [0, 1).
    Tensor forward(const Tensor& query, const Tensor& key_value, const Tensor& mask = Tensor(),
                   KeyValueCache* cache = nullptr, bool is_causal = false);

    /// [B, T, H * Dh] -> [B, T, H, Dh]: head h reads the h-th Dh-wide band of every row. A
    /// reshape, so no copy. Throws ShapeError unless x is [B, T, H * Dh].
    Tensor split_heads(const Tensor& x) const;
    /// [B, T, H, Dh] -> [B, T, H * Dh], split_heads' inverse: the heads' outputs side by side,
    /// Concat(head_1, ..., head_h). A reshape. Throws ShapeError unless x is rank 4.
    static Tensor concat_heads(const Tensor& x);
    /// Every head at once: softmax(Q_h K_h^T / sqrt(Dh) + mask) V_h, for q [B, Tq, H, Dh],
    /// k and v [B, Tk, H, Dh] -> [B, Tq, H, Dh], `mask` and `is_causal` as in forward()
    /// ([B, Tq, Tk] or [B, H, Tq, Tk], broadcast); while training, with dropout on the weights
    /// (drawn from the default generator). Fused or plain (use_fused_attention): the two agree
    /// up to rounding. Throws ShapeError for mismatched shapes or as forward() for
    /// `is_causal`, ValueError if dropout_p is outside [0, 1).
    Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                  bool is_causal = false) const;

    ///@{
    /// W_Q, W_K, W_V (all heads at once) and W_O: d_model -> d_model.
    Linear query, key, value, output;
    ///@}
    int64_t heads;     ///< H
    int64_t head_dim;  ///< Dh = d_model / H
    float dropout_p;   ///< dropout on the attention weights while training
    /// True (the default): attend with ag::fused_multi_head_attention. False: with the plain
    /// composition, scaled_dot_product_attention (tests compare the two; learners can step
    /// through it).
    bool use_fused_attention = true;

private:
    // A mask [B, Tq, Tk] as [B, 1, Tq, Tk], the same for every head; others as they are.
    static Tensor head_mask(const Tensor& mask);
    // K and V of key_value, split into heads; with a cache, extended by (or taken from) it.
    std::pair<Tensor, Tensor> keys_and_values(const Tensor& key_value, KeyValueCache* cache);
};

}  // namespace ag::nn
