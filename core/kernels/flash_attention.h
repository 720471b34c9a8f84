/** \file
core/kernels/flash_attention.h — the kernel of fused attention, on raw pointers: the online
softmax forward and FlashAttention-2's backward, one 64 x 64 tile of scores at a time.

\verbatim
The op (core/ops/fused_attention.h) checks shapes, builds the mask's addressing, records the
backward for autograd and states the algorithm with its formulas. This file is what runs
between: the tiles of scores, the softmax bookkeeping between their products, the optional
dropout of the weights, and the two builds of that bookkeeping (any CPU, AVX2 + FMA).

Layout. An "entry" is one [T, D] attention problem: one head of one sequence. With heads = 1
the entries are consecutive row-major [T, D] matrices (fused_attention's [..., T, D]). With
heads = H a tensor is [B, T, H, D]: entry b * H + h is the h-th D-wide band of batch b's
rows, each row H * D floats after the last, so the split into heads is done by this
addressing, not by a copy (fused_multi_head_attention).
\endverbatim
*/
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/random.h"

namespace ag::kernels {

/// Queries per tile (forward) and keys per tile (both passes): a 64 x 64 tile of scores and
/// the tiles of Q, K, V it is made from stay in the L1/L2 caches.
inline constexpr int64_t kAttentionTile = 64;
/// The score a masked key gets: ag::kMaskedScore (core/ops/fused_attention.h;
/// core/ops/fused_attention.cpp checks that the two agree), far below any real score yet finite.
inline constexpr float kMaskedScore = -1e9f;

/// The sizes of a call, and where its matrices lie (see the layout in the description of
/// core/kernels/flash_attention.h).
struct AttentionSizes {
    int64_t batch = 1;   ///< the number of entries
    int64_t tq = 0;      ///< queries per entry
    int64_t tk = 0;      ///< keys (and values) per entry
    int64_t dk = 0;      ///< width of a query and a key
    int64_t dv = 0;      ///< width of a value
    float scale = 1.0f;  ///< 1 / sqrt(Dk)
    int64_t heads = 1;   ///< H with the heads side by side; 1 for consecutive entries

    /// Floats between two rows of a matrix of `width` columns.
    int64_t stride(int64_t width) const { return heads * width; }
    // [side_by_side]
    /// Where row `row` of entry `entry` starts, in an operand of `rows` rows per entry.
    int64_t at(int64_t entry, int64_t row, int64_t rows, int64_t width) const {
        return (entry / heads) * rows * heads * width + (entry % heads) * width +
               row * heads * width;
    }
    // [side_by_side]
    ///@{
    /// Where row `row` of entry `entry` starts in q, k, v and the output.
    int64_t q_at(int64_t entry, int64_t row) const { return at(entry, row, tq, dk); }
    int64_t k_at(int64_t entry, int64_t row) const { return at(entry, row, tk, dk); }
    int64_t v_at(int64_t entry, int64_t row) const { return at(entry, row, tk, dv); }
    int64_t out_at(int64_t entry, int64_t row) const { return at(entry, row, tq, dv); }
    ///@}
};

/// Which scores are masked: where the mask is non-zero, and with `causal` every key j > i.
/// The mask is read in place with broadcast strides (0 along a broadcast dimension).
struct MaskedKeys {
    const float* mask = nullptr;   ///< 1 = masked; null when there is none
    std::vector<int64_t> offsets;  ///< where entry b's [Tq, Tk] view of the mask starts
    int64_t row_stride = 0;        ///< floats from one query's row of the mask to the next
    int64_t col_stride = 0;        ///< floats from one key to the next (0 if broadcast)
    bool causal = false;           ///< also mask every key j > query i

    /// The keys a query tile ending before row i1 visits: all of them, or with `causal` the
    /// key tiles that start before i1 (the tiles wholly above the diagonal are skipped).
    int64_t key_end(int64_t i1, int64_t tk) const {
        return causal ? std::min(tk, (i1 + kAttentionTile - 1) / kAttentionTile * kAttentionTile)
                      : tk;
    }

    /// row[c] = value for every masked key j0 + c (c < count) of query i in entry b.
    [[gnu::always_inline]] void fill(float* row, int64_t b, int64_t i, int64_t j0, int64_t count,
                                     float value) const {
        if (mask != nullptr) {
            const float* m = mask + offsets[b] + i * row_stride + j0 * col_stride;
            for (int64_t c = 0; c < count; ++c) {
                if (m[c * col_stride] != 0.0f) row[c] = value;
            }
        }
        if (causal) {
            for (int64_t c = std::max<int64_t>(0, i + 1 - j0); c < count; ++c) row[c] = value;
        }
    }
};

/// Dropout of the attention weights, P -> P * Z with Z = 1 / (1 - p) where kept and 0 where
/// dropped (each weight dropped with probability p). Z of score (entry, i, j) is a function
/// of the seed and the score's index (entry * Tq + i) * Tk + j alone, so backward recomputes
/// exactly the forward's Z, and any layout of the same scores drops the same ones.
struct AttentionDropout {
    float p = 0.0f;     ///< the probability of dropping a weight; 0: no dropout
    uint64_t seed = 0;  ///< which weights are dropped

    /// Whether any weight is dropped.
    bool active() const { return p > 0.0f; }
    /// Z for the score at flat index `index`: drawn uniformly u in [0, 1) from the index
    /// (SplitMix64 at that position, core/random.h), kept if u >= p.
    [[gnu::always_inline]] float factor(uint64_t index) const {
        const uint64_t bits = mix64(seed + index * 0x9e3779b97f4a7c15ULL);
        const float u = static_cast<float>(bits >> 40) * 0x1.0p-24f;
        return u >= p ? 1.0f / (1.0f - p) : 0.0f;
    }
};

/// What a forward pass reads and writes. out [entries of Tq x Dv]; row_max and row_log_sum
/// [batch, Tq]: per query row, the softmax's max m and log of its sum l (L = m + log l).
struct AttentionForward {
    AttentionSizes n;          ///< the sizes and the layout
    const MaskedKeys* masked;  ///< which scores are masked
    AttentionDropout dropout;  ///< which weights are dropped
    ///@{
    /// The inputs.
    const float *q, *k, *v;
    ///@}
    ///@{
    /// Written: the output and the row statistics.
    float *out, *row_max, *row_log_sum;
    ///@}
};

/// What a backward pass reads and writes: the forward's inputs, output and statistics, the
/// output's gradient g (laid out as the output), and the inputs' gradients, which must hold
/// zeros (the tiles add into them); a null gradient is not computed.
struct AttentionBackward {
    AttentionSizes n;          ///< as in the forward pass
    const MaskedKeys* masked;  ///< as in the forward pass
    AttentionDropout dropout;  ///< as in the forward pass
    ///@{
    /// The forward's inputs.
    const float *q, *k, *v;
    ///@}
    ///@{
    /// What the forward wrote.
    const float *out, *row_max, *row_log_sum;
    ///@}
    const float* g;  ///< d loss / d out, laid out as out
    ///@{
    /// The inputs' gradients: added into (zeros first); null: not computed.
    float *dq, *dk, *dv;
    ///@}
};

/// The forward pass over every (entry, query tile), split over threads (core/parallel.h); the
/// result does not depend on the thread count. Throws std::bad_alloc.
void attention_forward(const AttentionForward& f);

/// The backward pass over every entry, split over threads; the result does not depend on the
/// thread count. Throws std::bad_alloc.
void attention_backward(const AttentionBackward& f);

/// Selects the build of the kernel's bookkeeping that runs: true for the one compiled for
/// AVX2 + FMA, false for the portable one (see flash_attention.cpp). Applies to passes that
/// start afterwards. Throws ValueError when asked for AVX2 on a CPU without AVX2 and FMA.
void set_attention_avx2(bool enabled);
/// Whether the AVX2 build runs (by default where the CPU has AVX2 and FMA). Never throws.
bool attention_avx2();
/// The build the last pass ran: "avx2" or "portable" ("none" before the first). Never throws.
const char* attention_last_build();

}  // namespace ag::kernels
