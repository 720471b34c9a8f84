// nn/attention.cpp — masks, scaled dot-product attention, SelfAttention, MultiHeadAttention.
#include "nn/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

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

Tensor causal_mask(int64_t queries, int64_t keys) {
    if (queries < 0 || keys < 0) {
        throw ValueError("causal_mask: negative size " + std::to_string(std::min(queries, keys)));
    }
    Tensor mask = zeros({queries, keys});
    for (int64_t query = 0; query < queries; ++query) {
        for (int64_t key = query + 1; key < keys; ++key) mask.data()[query * keys + key] = 1.0f;
    }
    return mask;
}

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
                                             const Tensor& mask, AttentionDropout dropout,
                                             bool is_causal) {
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
    const Tensor hidden =
        is_causal ? combine_masks(mask, causal_mask(q.size(-2), k.size(-2))) : mask;
    if (hidden.defined()) scores = masked_fill(scores, hidden, kMaskedScore);
    const Tensor weights = softmax(scores, -1);
    if (dropout.p == 0.0f) return {matmul(weights, v), weights};
    // Dropout (training): P * Z, with the Z that the fused kernel draws for this seed.
    return {matmul(weights * attention_dropout_mask(weights.shape(), dropout), v), weights};
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

AttentionRecording::AttentionRecording() { alive_on_this_thread().push_back(this); }

AttentionRecording::~AttentionRecording() {
    // Usually the last one; erased wherever it is, so an order other than nesting is safe too.
    std::vector<AttentionRecording*>& alive = alive_on_this_thread();
    alive.erase(std::remove(alive.begin(), alive.end(), this), alive.end());
}

std::vector<AttentionRecording*>& AttentionRecording::alive_on_this_thread() {
    thread_local std::vector<AttentionRecording*> alive;
    return alive;
}

AttentionRecording* AttentionRecording::active() {
    const std::vector<AttentionRecording*>& alive = alive_on_this_thread();
    return alive.empty() ? nullptr : alive.back();
}

void AttentionRecording::record(const MultiHeadAttention& attention, const Tensor& q,
                                const Tensor& k, const Tensor& mask) {
    NoGradGuard no_grad;
    // softmax(Q_h K_h^T / sqrt(Dh) + M) for every head: scaled_dot_product_attention's weights
    // (the keys stand in for the values, which the weights do not depend on).
    const Tensor queries = transpose(q, 1, 2), keys = transpose(k, 1, 2);  // [B, H, T, Dh]
    weights_[&attention] = scaled_dot_product_attention(queries, keys, keys, mask).weights;
}

const Tensor& AttentionRecording::weights(const MultiHeadAttention& attention) const {
    const auto found = weights_.find(&attention);
    if (found == weights_.end()) {
        throw ValueError(
            "AttentionRecording: this MultiHeadAttention ran no forward while the "
            "recording lived");
    }
    return found->second;
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
    if (!(dropout >= 0.0f && dropout < 1.0f)) {
        throw ValueError("MultiHeadAttention: dropout " + std::to_string(dropout) +
                         " is not in [0, 1)");
    }
    register_module("query", query);
    register_module("key", key);
    register_module("value", value);
    register_module("output", output);
}

Tensor MultiHeadAttention::forward(const Tensor& query_input, const Tensor& key_value,
                                   const Tensor& mask, KeyValueCache* cache, bool is_causal) {
    const int64_t d_model = heads * head_dim;
    if (query_input.rank() != 3 || key_value.rank() != 3 || query_input.size(2) != d_model ||
        key_value.size(2) != d_model || query_input.size(0) != key_value.size(0)) {
        throw ShapeError("MultiHeadAttention: query " + query_input.shape().to_string() +
                         " and key/value " + key_value.shape().to_string() + ": need [B, T, " +
                         std::to_string(d_model) + "] with the same B");
    }
    //! [multi_head_forward]
    // 1-2. Project all heads at once (Q = X W_Q, ...) and split into heads: [B, T, H, Dh].
    const Tensor q = split_heads(query.forward(query_input));
    const auto [k, v] = keys_and_values(key_value, cache);
    // 3. Every head attends in its own sub-space: softmax(Q_h K_h^T / sqrt(Dh) + M) V_h.
    const Tensor heads_output = attend(q, k, v, mask, is_causal);        // [B, Tq, H, Dh]
    if (AttentionRecording* recording = AttentionRecording::active()) {  // heatmaps, if asked
        const bool causal = is_causal && q.size(1) > 1;
        recording->record(*this, q, k,
                          causal ? combine_masks(head_mask(mask), causal_mask(q.size(1), k.size(1)))
                                 : head_mask(mask));
    }
    // 4. Concatenate the heads and mix them: Concat(head_1, ..., head_h) W_O.
    return output.forward(concat_heads(heads_output));
    //! [multi_head_forward]
}

Tensor MultiHeadAttention::head_mask(const Tensor& mask) {
    // A mask [B, Tq, Tk] gets a heads dimension, [B, 1, Tq, Tk]: the same for every head.
    return mask.defined() && mask.rank() == 3 ? unsqueeze(mask, 1) : mask;
}

//! [split_heads]
Tensor MultiHeadAttention::split_heads(const Tensor& x) const {
    if (x.rank() != 3 || x.size(2) != heads * head_dim) {
        throw ShapeError("MultiHeadAttention::split_heads: " + x.shape().to_string() +
                         " is not [B, T, " + std::to_string(heads * head_dim) + "]");
    }
    return reshape(x, {x.size(0), x.size(1), heads, head_dim});
}

Tensor MultiHeadAttention::concat_heads(const Tensor& x) {
    if (x.rank() != 4) {
        throw ShapeError("MultiHeadAttention::concat_heads: " + x.shape().to_string() +
                         " is not [B, T, H, Dh]");
    }
    return reshape(x, {x.size(0), x.size(1), x.size(2) * x.size(3)});
}
//! [split_heads]

//! [attend]
Tensor MultiHeadAttention::attend(const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& mask, bool is_causal) const {
    const Tensor scores_mask = head_mask(mask);
    // Causal from the top left, as the kernel counts, needs Tq == Tk; a decoding step's one
    // query is the newest position and sees every key, so it needs no causal mask at all.
    if (is_causal && q.rank() == 4 && k.rank() == 4 && q.size(1) != k.size(1)) {
        if (q.size(1) != 1) {
            throw ShapeError("MultiHeadAttention: is_causal with " + std::to_string(q.size(1)) +
                             " queries and " + std::to_string(k.size(1)) +
                             " keys: needs as many queries as keys, or one (a decoding step)");
        }
        is_causal = false;
    }
    // Dropout on the weights while training: which ones, drawn afresh for every call.
    AttentionDropout dropout;
    if (is_training() && dropout_p > 0.0f) dropout = {dropout_p, default_generator().next_bits()};
    if (use_fused_attention) {
        // The fast path: one op, the same arithmetic tile by tile, on the heads in place.
        return fused_multi_head_attention(q, k, v, scores_mask, is_causal, dropout);
    }
    // The plain path: heads first, [B, H, T, Dh], attention as the formula says, heads back.
    const AttentionOutput attention =
        scaled_dot_product_attention(transpose(q, 1, 2), transpose(k, 1, 2), transpose(v, 1, 2),
                                     scores_mask, dropout, is_causal);
    return transpose(attention.output, 1, 2);
}
//! [attend]

//! [key_value_cache]
//! [keys_and_values]
std::pair<Tensor, Tensor> MultiHeadAttention::keys_and_values(const Tensor& key_value,
                                                              KeyValueCache* cache) {
    if (cache != nullptr && cache->is_static && cache->keys.defined()) {
        return {cache->keys, cache->values};  // cross-attention: the encoder's, computed once
    }
    Tensor k = split_heads(key.forward(key_value)), v = split_heads(value.forward(key_value));
    if (cache != nullptr) {
        if (!cache->is_static && cache->keys.defined()) {  // self-attention: append this step
            k = concat({cache->keys, k}, 1);
            v = concat({cache->values, v}, 1);
        }
        cache->keys = k;
        cache->values = v;
    }
    return {k, v};
}
//! [keys_and_values]
//! [key_value_cache]

}  // namespace ag::nn
