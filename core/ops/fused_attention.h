// core/ops/fused_attention.h — scaled dot-product attention as one op, in memory linear in the
// sequence length (FlashAttention's algorithm on the CPU).
//
// The plain composition (nn/attention.cpp, scaled_dot_product_attention)
//     S = q k^T / sqrt(Dk)   masked_fill(S, mask, -1e9)   P = softmax(S)   O = P v
// materializes the scores and the weights, [..., Tq, Tk] each, and keeps the weights (and the
// mask, broadcast to that shape) for backward: memory quadratic in the sequence length.
// This op holds one 64 x 64 block of S at a time per thread, and keeps for backward, besides
// its inputs, only its output and two numbers per query row: memory linear in Tq and Tk
// (bench/bench_attention.cpp measures both).
//
// Forward, the online softmax (Milakov & Gimelshein, 2018; FlashAttention, Dao et al., 2022):
// a query row i meets the keys one block at a time, keeping a running max m, a running sum l
// and an unnormalized output o. After each block of scores s_j:
//     m' = max(m, max_j s_j)
//     l' = e^(m - m') l + sum_j e^(s_j - m')
//     o' = e^(m - m') o + sum_j e^(s_j - m') v_j
// The factor e^(m - m') re-bases what was summed against the old max onto the new one, so after
// the last block o / l is exactly softmax(s) v, computed in one pass with every exponent <= 0.
// The op saves, per row, m and log l (their sum is the log-sum-exp L = m + log l of the row).
//
// Backward (FlashAttention-2, Dao 2023) recomputes each block of S and P = e^(S - L) from q, k
// and the saved statistics instead of storing them: a second pass of arithmetic buys memory
// linear in T. With g = d loss / d O and D_i = sum_d g[i,d] O[i,d]:
//     dV = P^T g     dP = g V^T     dS = P * (dP - D_i)     dQ = dS K / sqrt(Dk)
//     dK = dS^T Q / sqrt(Dk)
// (dS = P * (dP - D_i) is softmax's backward, y * (g - sum_j g_j y_j), with the sum rewritten
// as sum_j dP_ij P_ij = sum_d g[i,d] O[i,d] = D_i: one dot product per row instead of per key.)
//
// Masking is the plain path's, exactly: a masked score is replaced by -1e9, so a row whose keys
// are all masked gets uniform weights, not nan. `is_causal` masks key j > i the same way but
// without a [Tq, Tk] mask: key blocks wholly above the diagonal are skipped, because
// e^(-1e9 - m) is exactly 0 in float as soon as the row has one allowed key (a row with none
// still gets its uniform weights; see the .cpp).
#pragma once

#include "core/tensor.h"

namespace ag {

/// softmax(q k^T / sqrt(d_k) [masked]) v without materializing the [Tq, Tk] weights.
///
/// q [..., Tq, Dk], k [..., Tk, Dk], v [..., Tk, Dv] with the same leading (batch) dimensions
/// and rank >= 2 give [..., Tq, Dv]. `mask` (optional) is a float tensor broadcastable to the
/// scores [..., Tq, Tk], 1 = blocked, 0 = allowed ([Tq, Tk], [B, 1, 1, Tk], [B, 1, Tq, Tk]...);
/// a blocked score is replaced by -1e9, as masked_fill(scores, mask, -1e9) does. `is_causal`
/// blocks key j for query i when j > i (top-left aligned, also when Tq != Tk); with a mask too,
/// the union is blocked. Gradients flow to q, k and v, never to the mask. The result equals
/// softmax(masked_fill(matmul(q / sqrt(Dk), transpose(k, -2, -1)), mask, -1e9)) v up to
/// rounding, in memory linear in Tq and Tk.
///
/// Throws ShapeError naming "fused_attention" and the shapes when the ranks, the leading
/// dimensions, Dk or Tk do not match, or when the mask does not broadcast to the scores.
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                       const Tensor& mask = Tensor(), bool is_causal = false);

/// fused_attention on the projections of multi-head attention as linear layers make them, with
/// the heads side by side in the last dimension: q [B, Tq, H * Dk], k [B, Tk, H * Dk],
/// v [B, Tk, H * Dv] give [B, Tq, H * Dv], where head h reads and writes the h-th Dk- (Dv-) wide
/// band of every row. It equals
///     merge(fused_attention(split(q), split(k), split(v), mask, is_causal))
/// with split: [B, T, H * D] -> [B, H, T, D] and merge its inverse, but the split into heads
/// and their concatenation are done by addressing, without the four copies (forward, and four
/// more backward) that the transposes cost. `mask` broadcasts to the scores [B, H, Tq, Tk].
///
/// Throws ShapeError naming "fused_multi_head_attention" and the shapes when q, k, v are not
/// rank 3 with equal B, matching widths and Tk, or `heads` does not divide the widths; and when
/// the mask does not broadcast to the scores.
Tensor fused_multi_head_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads,
                                  const Tensor& mask = Tensor(), bool is_causal = false);

namespace detail {

/// Selects which build of fused_attention's bookkeeping runs (for fused_attention and
/// fused_multi_head_attention alike): true for the one compiled for AVX2 + FMA, false for the
/// portable one. Everything the op does between its block products (the max, the exponentials,
/// the sums: loops over rows of at most 64 floats) exists in both builds; by default the AVX2
/// one runs where the CPU has AVX2 and FMA. The two agree up to rounding; tests hold them
/// against each other. Safe to call from any thread; it applies to passes (forward or backward)
/// that start afterwards, so switching between a forward and its backward mixes the builds
/// (still correct, up to rounding). Throws ValueError when asked for AVX2 on a CPU without AVX2
/// and FMA (and on any other architecture than x86-64).
void set_fused_attention_avx2(bool enabled);

/// Whether fused_attention runs its AVX2 build (see set_fused_attention_avx2). Never throws.
bool fused_attention_avx2();

/// The build the last forward or backward pass of fused_attention ran: "avx2" or "portable"
/// ("none" before the first). For tests and for checking what a machine runs. Never throws.
const char* fused_attention_last_build();

}  // namespace detail

}  // namespace ag
