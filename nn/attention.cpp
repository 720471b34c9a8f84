// nn/attention.cpp — masks, scaled dot-product attention, SelfAttention, MultiHeadAttention.
#include "nn/attention.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/ops.h"

namespace ag::nn {

//! [causal_mask]
Tensor causal_mask(int64_t size) {
    if (size < 0) throw ValueError("causal_mask: negative size " + std::to_string(size));
    Tensor mask = zeros({size, size});
    for (int64_t query = 0; query < size; ++query) {
        for (int64_t key = query + 1; key < size; ++key) mask.data()[query * size + key] = 1.0f;
    }
    return mask;
}
//! [causal_mask]

//! [padding_mask]
Tensor padding_mask(const IndexTensor& ids, int64_t pad_id) {
    if (ids.shape().rank() != 2) {
        throw ShapeError("padding_mask: ids must be [B, S], got " + ids.shape().to_string());
    }
    Tensor mask({ids.shape()[0], 1, ids.shape()[1]});
    for (int64_t i = 0; i < ids.numel(); ++i) mask.data()[i] = ids.data()[i] == pad_id ? 1 : 0;
    return mask;
}
//! [padding_mask]

Tensor padding_mask(const std::vector<int64_t>& lengths, int64_t max_length) {
    const int64_t batch = static_cast<int64_t>(lengths.size());
    Tensor mask({batch, 1, max_length});
    for (int64_t b = 0; b < batch; ++b) {
        if (lengths[b] < 0 || lengths[b] > max_length) {
            throw ValueError("padding_mask: length " + std::to_string(lengths[b]) +
                             " outside [0, " + std::to_string(max_length) + "]");
        }
        for (int64_t s = 0; s < max_length; ++s) {
            mask.data()[b * max_length + s] = s >= lengths[b] ? 1.0f : 0.0f;
        }
    }
    return mask;
}

Tensor combine_masks(const Tensor& a, const Tensor& b) {
    if (!a.defined()) return b;
    if (!b.defined()) return a;
    NoGradGuard no_grad;  // masks are constants
    // max(a, b) for 0/1 values: a + b - a * b.
    return a + b - a * b;
}

AttentionOutput scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                             const Tensor& mask, float dropout_p, bool training) {
    if (q.rank() < 2 || k.rank() != q.rank() || v.rank() != q.rank() || q.size(-1) != k.size(-1) ||
        k.size(-2) != v.size(-2)) {
        throw ShapeError("scaled_dot_product_attention: q " + q.shape().to_string() + ", k " +
                         k.shape().to_string() + ", v " + v.shape().to_string() +
                         ": need q [..., Tq, Dk], k [..., Tk, Dk], v [..., Tk, Dv]");
    }
    if (mask.defined()) {  // checked here, so the error names the function the user called
        std::vector<int64_t> scores = q.shape().to_vector();
        scores.back() = k.size(-2);  // [..., Tq, Tk]
        const Shape scores_shape(scores);
        bool fits = mask.rank() <= scores_shape.rank();
        for (int64_t i = 1; fits && i <= mask.rank(); ++i) {
            const int64_t m = mask.shape().sizes()[mask.rank() - i];
            fits = m == 1 || m == scores_shape.sizes()[scores_shape.rank() - i];
        }
        if (!fits) {
            throw ShapeError("scaled_dot_product_attention: mask " + mask.shape().to_string() +
                             " does not broadcast to the scores " + scores_shape.to_string() +
                             " ([..., Tq, Tk] for q " + q.shape().to_string() + ", k " +
                             k.shape().to_string() + ")");
        }
    }
    //! [scaled_dot_product_attention]
    const float scale = 1.0f / std::sqrt(static_cast<float>(q.size(-1)));
    // scores [..., Tq, Tk] = q k^T / sqrt(d_k)
    Tensor scores = matmul(q * scale, transpose(k, -2, -1));
    if (mask.defined()) scores = masked_fill(scores, mask, kMaskedScore);
    const Tensor weights = softmax(scores, -1);
    const Tensor dropped = dropout(weights, dropout_p, training);
    return {matmul(dropped, v), weights};
    //! [scaled_dot_product_attention]
}

SelfAttention::SelfAttention(int64_t d_model, int64_t head_dim, Generator& generator)
    : query(d_model, head_dim, true, generator),
      key(d_model, head_dim, true, generator),
      value(d_model, head_dim, true, generator) {
    register_module("query", query);
    register_module("key", key);
    register_module("value", value);
}

Tensor SelfAttention::forward(const Tensor& x, const Tensor& mask) {
    //! [self_attention_forward]
    // Q = X W_Q, K = X W_K, V = X W_V: three views of the same tokens.
    AttentionOutput attention =
        scaled_dot_product_attention(query.forward(x), key.forward(x), value.forward(x), mask);
    attention_weights_ = attention.weights.detach();
    return attention.output;
    //! [self_attention_forward]
}

void KeyValueCache::select(const IndexTensor& rows) {
    NoGradGuard no_grad;
    if (keys.defined()) keys = index_select(keys, 0, rows);
    if (values.defined()) values = index_select(values, 0, rows);
}

MultiHeadAttention::MultiHeadAttention(int64_t d_model, int64_t heads, float dropout,
                                       Generator& generator)
    : query(d_model, d_model, true, generator),
      key(d_model, d_model, true, generator),
      value(d_model, d_model, true, generator),
      output(d_model, d_model, true, generator),
      heads(heads),
      head_dim(heads > 0 ? d_model / heads : 0),
      dropout_p(dropout) {
    if (heads <= 0 || d_model % heads != 0) {
        throw ValueError("MultiHeadAttention: " + std::to_string(heads) +
                         " heads do not divide d_model " + std::to_string(d_model));
    }
    register_module("query", query);
    register_module("key", key);
    register_module("value", value);
    register_module("output", output);
}

//! [split_heads]
Tensor MultiHeadAttention::split_heads(const Tensor& x) const {
    // [B, T, D] -> [B, T, H, Dh] -> [B, H, T, Dh]: each head sees its own Dh-wide slice.
    return transpose(reshape(x, {x.size(0), x.size(1), heads, head_dim}), 1, 2);
}
//! [split_heads]

Tensor MultiHeadAttention::forward(const Tensor& query_input, const Tensor& key_value,
                                   const Tensor& mask, KeyValueCache* cache) {
    const int64_t d_model = heads * head_dim;
    if (query_input.rank() != 3 || key_value.rank() != 3 || query_input.size(2) != d_model ||
        key_value.size(2) != d_model || query_input.size(0) != key_value.size(0)) {
        throw ShapeError("MultiHeadAttention: query " + query_input.shape().to_string() +
                         " and key/value " + key_value.shape().to_string() + ": need [B, T, " +
                         std::to_string(d_model) + "] with the same B");
    }
    const Tensor head_mask = mask.defined() && mask.rank() == 3 ? unsqueeze(mask, 1) : mask;
    const bool fused = use_fused_attention && !(dropout_p > 0.0f && is_training());
    if (fused && cache == nullptr) {
        // The fast path (training, scoring): the heads stay side by side in the projections'
        // [B, T, D], and fused_multi_head_attention splits and concatenates them by addressing
        // alone. It computes what the lines below compute, without their four transposes.
        const Tensor q = query.forward(query_input), k = key.forward(key_value);
        const Tensor heads_output =
            fused_multi_head_attention(q, k, value.forward(key_value), heads, head_mask);
        remember_for_weights(q, k, head_mask, /*side_by_side=*/true);
        return output.forward(heads_output);
    }
    //! [project_queries]
    const Tensor q = split_heads(query.forward(query_input));  // [B, H, Tq, Dh]
    Tensor k, v;                                               // [B, H, Tk, Dh]
    //! [project_queries]
    if (cache != nullptr && cache->is_static && cache->keys.defined()) {
        k = cache->keys;  // cross-attention: the encoder's keys and values do not change
        v = cache->values;
    } else {
        k = split_heads(key.forward(key_value));
        v = split_heads(value.forward(key_value));
        if (cache != nullptr) {
            if (!cache->is_static && cache->keys.defined()) {  // self-attention: append
                k = concat({cache->keys, k}, 2);
                v = concat({cache->values, v}, 2);
            }
            cache->keys = k;
            cache->values = v;
        }
    }
    //! [merge_heads]
    // (head_mask: a mask [B, Tq, Tk] gets a heads dimension, [B, 1, Tq, Tk].)
    Tensor heads_output;  // [B, H, Tq, Dh]
    if (fused) {
        heads_output = fused_attention(q, k, v, head_mask);
        remember_for_weights(q, k, head_mask, /*side_by_side=*/false);
    } else {
        AttentionOutput attention =
            scaled_dot_product_attention(q, k, v, head_mask, dropout_p, is_training());
        heads_output = attention.output;
        attention_weights_ = attention.weights.detach();
        last_queries_ = last_keys_ = last_mask_ = Tensor();
    }
    // [B, H, Tq, Dh] -> [B, Tq, H, Dh] -> [B, Tq, D]: concatenate the heads, then mix with W_O.
    const Tensor merged =
        reshape(transpose(heads_output, 1, 2), {query_input.size(0), query_input.size(1), d_model});
    return output.forward(merged);
    //! [merge_heads]
}

void MultiHeadAttention::remember_for_weights(const Tensor& q, const Tensor& k,
                                              const Tensor& head_mask, bool side_by_side) {
    attention_weights_ = Tensor();  // recomputed from these if asked for (no copies now)
    last_queries_ = q.detach();
    last_keys_ = k.detach();
    last_mask_ = head_mask.defined() ? head_mask.detach() : Tensor();
    last_side_by_side_ = side_by_side;
}

const Tensor& MultiHeadAttention::attention_weights() const {
    if (!attention_weights_.defined() && last_queries_.defined()) {
        NoGradGuard no_grad;
        // softmax(masked_fill(q k^T / sqrt(d_k), mask, -1e9)): the weights the fused kernel used.
        const Tensor q = last_side_by_side_ ? split_heads(last_queries_) : last_queries_;
        const Tensor k = last_side_by_side_ ? split_heads(last_keys_) : last_keys_;
        const Tensor scores =
            matmul(q * (1.0f / std::sqrt(static_cast<float>(head_dim))), transpose(k, -2, -1));
        attention_weights_ = softmax(
            last_mask_.defined() ? masked_fill(scores, last_mask_, kMaskedScore) : scores, -1);
    }
    return attention_weights_;
}

}  // namespace ag::nn
