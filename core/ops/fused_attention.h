/** \file
core/ops/fused_attention.h — scaled dot-product attention as one op, in memory linear in the
sequence length (FlashAttention's algorithm on the CPU).

\verbatim
The plain composition (nn/attention.cpp, scaled_dot_product_attention)
    S = q k^T / sqrt(Dk)   masked_fill(S, mask, -1e9)   P = softmax(S)   O = P v
materializes the scores and the weights, [..., Tq, Tk] each, and keeps the weights (and the
mask, broadcast to that shape) for backward: memory quadratic in the sequence length.
This op holds one 64 x 64 tile of S at a time per thread, and keeps for backward, besides
its inputs, only its output and two numbers per query row: memory linear in Tq and Tk
(bench/bench_attention.cpp measures both).

Forward, the online softmax (Milakov & Gimelshein, 2018; FlashAttention, Dao et al., 2022):
a query row i meets the keys one tile at a time, keeping a running max m, a running sum l
and an unnormalized output o. After each tile of scores s_j:
    m' = max(m, max_j s_j)
    l' = e^(m - m') l + sum_j e^(s_j - m')
    o' = e^(m - m') o + sum_j e^(s_j - m') v_j
The factor e^(m - m') re-bases what was summed against the old max onto the new one, so after
the last tile o / l is exactly softmax(s) v, computed in one pass with every exponent <= 0.
The op saves, per row, m and log l (their sum is the log-sum-exp L = m + log l of the row).

Backward (FlashAttention-2, Dao 2023) recomputes each tile of S and P = e^(S - L) from q, k
and the saved statistics instead of storing them: a second pass of arithmetic buys memory
linear in T. With g = d loss / d O and D_i = sum_d g[i,d] O[i,d]:
    dV = P^T g     dP = g V^T     dS = P * (dP - D_i)     dQ = dS K / sqrt(Dk)
    dK = dS^T Q / sqrt(Dk)
(dS = P * (dP - D_i) is softmax's backward, y * (g - sum_j g_j y_j), with the sum rewritten
as sum_j dP_ij P_ij = sum_d g[i,d] O[i,d] = D_i: one dot product per row instead of per key.)

Masking is the plain path's, exactly: a masked score is replaced by -1e9, so a row whose keys
are all masked gets uniform weights, not nan. `is_causal` masks key j > i the same way but
without a [Tq, Tk] mask: key tiles wholly above the diagonal are skipped, because
e^(-1e9 - m) is exactly 0 in float as soon as the row has one allowed key (a row with none
still gets its uniform weights; see the kernel).

Dropout of the weights (training): O = (P * Z) V, with Z = 1 / (1 - p) where a weight is
kept and 0 where it is dropped, as PyTorch's scaled_dot_product_attention does. In backward
dV = (P * Z)^T g and dP = Z * (g V^T); D_i is unchanged, since sum_j P_ij dP_ij is still
sum_d g[i,d] O[i,d]. FlashAttention's way: Z is never stored. Each Z is drawn from the seed
and the score's position alone (a counter-based generator, core/random.h's mix64), so
backward draws the same Z again.
attention_dropout_mask() returns those Z as a tensor, for the plain path and for tests.

The raw-pointer kernel that does all this is core/kernels/flash_attention.cpp; this op
checks shapes, builds the mask's addressing and records the backward.
\endverbatim
*/
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace ag {

/// The score a masked key gets, here and in the plain path (nn::scaled_dot_product_attention,
/// through masked_fill): far below any real score, yet finite, so a row whose keys are all
/// masked gets uniform weights instead of nan.
inline constexpr float kMaskedScore = -1e9f;

/// Dropout of attention weights: each weight is dropped with probability `p`, the rest are
/// scaled by 1 / (1 - p). `seed` picks which: the same seed drops the same weights.
struct AttentionDropout {
    float p = 0.0f;     ///< 0: no dropout; otherwise in (0, 1)
    uint64_t seed = 0;  ///< which weights are dropped
};

/// softmax(q k^T / sqrt(d_k) [masked]) v without materializing the [Tq, Tk] weights.
///
/// q [..., Tq, Dk], k [..., Tk, Dk], v [..., Tk, Dv] with the same leading (batch) dimensions
/// and rank >= 2 give [..., Tq, Dv]. `mask` (optional) is a float tensor broadcastable to the
/// scores [..., Tq, Tk], 1 = masked, 0 = allowed ([Tq, Tk], [B, 1, 1, Tk], [B, 1, Tq, Tk]...);
/// a masked score is replaced by -1e9, as masked_fill(scores, mask, -1e9) does. `is_causal`
/// masks key j for query i when j > i (top-left aligned, also when Tq != Tk); with a mask too,
/// the union is masked. With `dropout`, the weights are multiplied by
/// attention_dropout_mask(scores, dropout) before v. Gradients flow to q, k and v, never to
/// the mask. The result equals
///     softmax(masked_fill(matmul(q / sqrt(Dk), transpose(k, -2, -1)), mask, -1e9)) [* Z] v
/// up to rounding, in memory linear in Tq and Tk.
///
/// Throws ShapeError naming "fused_attention" and the shapes when the ranks, the leading
/// dimensions, Dk or Tk do not match, or when the mask does not broadcast to the scores;
/// ValueError when dropout.p is not in [0, 1).
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                       const Tensor& mask = Tensor(), bool is_causal = false,
                       AttentionDropout dropout = {});

/// fused_attention with the heads in the third dimension, as multi-head attention's
/// projections hold them once reshaped: q [B, Tq, H, Dk], k [B, Tk, H, Dk], v [B, Tk, H, Dv]
/// give [B, Tq, H, Dv] (FlashAttention's layout). It equals
///     transpose(fused_attention(transpose(q, 1, 2), transpose(k, 1, 2), transpose(v, 1, 2),
///                               mask, is_causal, dropout), 1, 2)
/// but reads and writes each head's band of every row in place, without the four copies
/// (forward, and four more backward) that the transposes cost. `mask` broadcasts to the
/// scores [B, H, Tq, Tk], and dropout drops the same weights as there.
///
/// Throws ShapeError naming "fused_multi_head_attention" and the shapes when q, k, v are not
/// rank 4 with equal B and H, matching Dk and Tk, or when the mask does not broadcast to the
/// scores; ValueError when dropout.p is not in [0, 1).
Tensor fused_multi_head_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& mask = Tensor(), bool is_causal = false,
                                  AttentionDropout dropout = {});

/// The factors Z by which `dropout` multiplies attention weights of shape `scores`
/// [..., Tq, Tk]: 1 / (1 - p) where a weight is kept and 0 where it is dropped, exactly the
/// ones fused_attention and fused_multi_head_attention use (for multi-head attention, scores
/// [B, H, Tq, Tk]). All ones when dropout.p is 0. Throws ValueError when dropout.p is
/// not in [0, 1), ShapeError for a rank below 2.
Tensor attention_dropout_mask(const Shape& scores, AttentionDropout dropout);

namespace detail {

/// Selects which build of fused_attention's bookkeeping runs (for fused_attention and
/// fused_multi_head_attention alike): true for the one compiled for AVX2 + FMA, false for the
/// portable one. Everything the op does between its tile products (the max, the exponentials,
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
