// core/kernels/flash_attention.cpp — forward (the online softmax), then backward
// (FlashAttention-2's recurrence), on tiles of up to 64 queries and 64 keys.
//
// The algorithm and its formulas are at the top of core/ops/fused_attention.h. Here:
//   - Every product of tiles (S = Q K^T and O += P V, then the five of backward) is one call
//     of the GEMM kernel (core/kernels/gemm.h), the one matmul uses, which reads K^T, V^T, P^T
//     and dS^T in place through its transpose flags. What is left here is the softmax
//     bookkeeping between the products, one row of a tile at a time.
//   - Threads: forward splits (entry, query tile) pairs, backward splits entries; each output
//     element is computed by one thread in a fixed order, so the results do not depend on the
//     thread count. Scratch is a few tile-sized buffers per piece of work.
//   - Dropout multiplies the normalized weights P by Z (flash_attention.h). The softmax's sum
//     l counts every weight, dropped or not; only the products with V see P * Z.
//   - The bookkeeping (forward_tile, backward_entry) is compiled twice, for any CPU and for
//     AVX2 + FMA, and the CPU picks at run time (see "two builds" below).
#include "core/kernels/flash_attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "core/allocator.h"
#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_microkernel.h"  // cpu_has_avx2_fma
#include "core/kernels/vector_math.h"
#include "core/parallel.h"

namespace ag::kernels {

namespace {

constexpr int64_t kTile = kAttentionTile;

/// C [m, n] = alpha op(A) op(B) + beta C on row-major tiles, with lda, ldb and ldc the floats
/// between two stored rows of A, B and C.
void gemm(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
          int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
    kernels::gemm({.transpose_a = ta,
                   .transpose_b = tb,
                   .m = m,
                   .n = n,
                   .k = k,
                   .alpha = alpha,
                   .a = a,
                   .lda = lda,
                   .b = b,
                   .ldb = ldb,
                   .beta = beta,
                   .c = c,
                   .ldc = ldc});
}

/// `count` floats from the buffer cache (core/allocator.h), so scratch counts in
/// allocated_buffer_bytes() like every tensor.
struct Scratch {
    size_t bytes;
    float* data;
    explicit Scratch(int64_t count)
        : bytes(static_cast<size_t>(count) * sizeof(float)),
          data(static_cast<float*>(allocate_buffer(bytes))) {}
    ~Scratch() { release_buffer(data, bytes); }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
};

/// e^x, vectorizable (detail::exp_vectorizable): exactly 0 for the masked scores (-1e9 - m),
/// without a branch or a slow underflow path.
[[gnu::always_inline]] inline float exp_or_zero(float x) { return detail::exp_vectorizable(x); }

/// The flat index of score (entry b, query i, key j): what the dropout factor is drawn from.
[[gnu::always_inline]] inline uint64_t score_index(const AttentionSizes& n, int64_t b, int64_t i,
                                                   int64_t j) {
    return static_cast<uint64_t>((b * n.tq + i) * n.tk + j);
}

/// S [rows, cols] = Q K^T / sqrt(Dk) for query rows [i0, i0 + rows) and key rows
/// [j0, j0 + cols) of entry b, read in place; the scale is the GEMM's alpha, applied once per
/// score (the plain path scales q before the product instead: the two round differently in the
/// last bit). Forward and backward both call this, so backward recomputes the same bits.
void tile_scores(const AttentionSizes& n, const float* q, const float* k, int64_t b, int64_t i0,
                 int64_t rows, int64_t j0, int64_t cols, float* s) {
    gemm(Transpose::No, Transpose::Yes, rows, cols, n.dk, n.scale, q + n.q_at(b, i0),
         n.stride(n.dk), k + n.k_at(b, j0), n.stride(n.dk), 0.0f, s, cols);
}

// ---- forward -----------------------------------------------------------------------------

//! [online_softmax_step]
/// The softmax half of an online-softmax step for one query row: turns the scores s [cols] of
/// a key tile into e^(s_j - m'), updates the running max m and sum l, and returns the factor
/// e^(m - m') by which the caller rescales the row's output before adding this tile's P v.
///     m' = max(m, max_j s_j)     l' = e^(m - m') l + sum_j e^(s_j - m')
[[gnu::always_inline]] inline float online_softmax_step(float* s, int64_t cols, float& m,
                                                        float& l) {
    float m_new = m;
    for (int64_t c = 0; c < cols; ++c) m_new = std::max(m_new, s[c]);
    const float rescale = exp_or_zero(m - m_new);  // e^(-inf) = 0 on the first tile
    for (int64_t c = 0; c < cols; ++c) s[c] = exp_or_zero(s[c] - m_new);
    l = l * rescale + detail::lane_sum(cols, [&](int64_t c) { return s[c]; });
    m = m_new;
    return rescale;
}
//! [online_softmax_step]

/// The keys [first, Tk) that `causal` skipped score -1e9 each: one more online-softmax step
/// with that many equal scores. Their weight e^(-1e9 - m) is exactly 0 in float unless every
/// key the row saw was masked too (m = -1e9); then, as in the plain path, all Tk keys weigh
/// the same and the skipped values must be added in (times their dropout factors).
[[gnu::always_inline]] inline void add_skipped_keys(const AttentionForward& f, const float* v,
                                                    int64_t b, int64_t i, int64_t first, float& m,
                                                    float& l, float* acc) {
    const AttentionSizes& n = f.n;
    const float m_new = std::max(m, kMaskedScore);
    const float weight = exp_or_zero(kMaskedScore - m_new);
    if (first >= n.tk || weight == 0.0f) return;
    const float rescale = exp_or_zero(m - m_new);
    l = l * rescale + weight * static_cast<float>(n.tk - first);
    for (int64_t e = 0; e < n.dv; ++e) acc[e] *= rescale;
    for (int64_t j = first; j < n.tk; ++j) {
        const float w =
            f.dropout.active() ? weight * f.dropout.factor(score_index(n, b, i, j)) : weight;
        for (int64_t e = 0; e < n.dv; ++e) acc[e] += w * v[j * n.stride(n.dv) + e];
    }
    m = m_new;
}

//! [forward_tile]
/// Rows [i0, i0 + kTile) of entry b: stream over the key tiles, then normalize. `w` holds
/// S then P [64, 64], acc [64, Dv], m [64] and l [64].
[[gnu::always_inline]] inline void forward_tile(const AttentionForward& f, int64_t b, int64_t i0,
                                                float* w) {
    const AttentionSizes& n = f.n;
    float *s_tile = w, *acc = s_tile + kTile * kTile, *m = acc + kTile * n.dv, *l = m + kTile;
    const int64_t rows = std::min(kTile, n.tq - i0);
    const int64_t v_stride = n.stride(n.dv);
    const float* v = f.v + n.v_at(b, 0);  // the whole entry: value tiles are read in place
    std::fill(m, m + rows, -std::numeric_limits<float>::infinity());
    std::fill(l, l + rows, 0.0f);
    std::fill(acc, acc + rows * n.dv, 0.0f);
    const int64_t key_end = f.masked->key_end(i0 + rows, n.tk);
    for (int64_t j0 = 0; j0 < key_end; j0 += kTile) {
        const int64_t cols = std::min(kTile, key_end - j0);
        tile_scores(n, f.q, f.k, b, i0, rows, j0, cols, s_tile);  // S = Q K^T / sqrt(Dk)
        // S -> P = e^(S - m') row by row, and acc = e^(m - m') acc ...
        for (int64_t r = 0; r < rows; ++r) {
            float* s = s_tile + r * cols;
            f.masked->fill(s, b, i0 + r, j0, cols, kMaskedScore);
            const float rescale = online_softmax_step(s, cols, m[r], l[r]);
            for (int64_t e = 0; e < n.dv; ++e) acc[r * n.dv + e] *= rescale;
            if (f.dropout.active()) {  // l has counted every weight; V sees P * Z
                for (int64_t c = 0; c < cols; ++c) {
                    s[c] *= f.dropout.factor(score_index(n, b, i0 + r, j0 + c));
                }
            }
        }
        // ... + P V
        gemm(Transpose::No, Transpose::No, rows, n.dv, cols, 1.0f, s_tile, cols, v + j0 * v_stride,
             v_stride, 1.0f, acc, n.dv);
    }
    for (int64_t r = 0; r < rows; ++r) {
        add_skipped_keys(f, v, b, i0 + r, key_end, m[r], l[r], acc + r * n.dv);
        // out = acc / l (0 when there are no keys at all, as softmax over nothing times v).
        const float inverse = l[r] > 0.0f ? 1.0f / l[r] : 0.0f;
        float* out = f.out + n.out_at(b, i0 + r);
        for (int64_t e = 0; e < n.dv; ++e) out[e] = acc[r * n.dv + e] * inverse;
        f.row_max[b * n.tq + i0 + r] = m[r];
        f.row_log_sum[b * n.tq + i0 + r] = std::log(l[r]);
    }
}
//! [forward_tile]

// ---- backward ----------------------------------------------------------------------------

/// Tile-sized buffers for backward: P, dP then dS, and the dropout factors Z [64, 64] each.
struct BackwardTiles {
    float *p, *ds, *z;
};

/// P [rows, cols] = e^(S - L) for the query rows [i0, i0 + rows) of entry b and the key tile
/// at j0, with S recomputed by the same call as in forward (so to the same bits) and masked as
/// there. L = m + log l is applied in two steps: when every key of a row is masked m = -1e9,
/// and m + log l would round back to -1e9.
[[gnu::always_inline]] inline void recompute_weights(const AttentionBackward& f, int64_t b,
                                                     int64_t i0, int64_t rows, int64_t j0,
                                                     int64_t cols, float* p) {
    const AttentionSizes& n = f.n;
    tile_scores(n, f.q, f.k, b, i0, rows, j0, cols, p);
    for (int64_t r = 0; r < rows; ++r) {
        float* s = p + r * cols;
        f.masked->fill(s, b, i0 + r, j0, cols, kMaskedScore);
        const float m = f.row_max[b * n.tq + i0 + r], log_l = f.row_log_sum[b * n.tq + i0 + r];
        for (int64_t c = 0; c < cols; ++c) s[c] = exp_or_zero((s[c] - m) - log_l);
    }
}

/// dS [rows, cols] = P * (dP - D_i) with dP = Z * (dO V^T) (Z = 1 without dropout), and 0
/// where the score was masked (masked_fill's gradient there is 0). D_i = sum_e dO[i,e] O[i,e]
/// is in row_dot.
[[gnu::always_inline]] inline void score_gradient(const AttentionBackward& f, int64_t b, int64_t i0,
                                                  int64_t rows, int64_t j0, int64_t cols,
                                                  const BackwardTiles& t, const float* row_dot) {
    const AttentionSizes& n = f.n;
    gemm(Transpose::No, Transpose::Yes, rows, cols, n.dv, 1.0f, f.g + n.out_at(b, i0),
         n.stride(n.dv), f.v + n.v_at(b, j0), n.stride(n.dv), 0.0f, t.ds, cols);  // dO V^T
    for (int64_t r = 0; r < rows; ++r) {
        const float d_i = row_dot[b * n.tq + i0 + r];
        float* ds_row = t.ds + r * cols;
        const float* p_row = t.p + r * cols;
        if (f.dropout.active()) {
            const float* z_row = t.z + r * cols;
            for (int64_t c = 0; c < cols; ++c) {
                ds_row[c] = p_row[c] * (z_row[c] * ds_row[c] - d_i);
            }
        } else {
            for (int64_t c = 0; c < cols; ++c) ds_row[c] = p_row[c] * (ds_row[c] - d_i);
        }
        f.masked->fill(ds_row, b, i0 + r, j0, cols, 0.0f);
    }
}

/// Whether `causal` lets the query rows [i0, i0 + rows) skip the key tile at j0: all its keys
/// come after every one of the rows, and their weight e^(-1e9 - L_i) is 0 (it is not for a row
/// whose keys are all masked).
[[gnu::always_inline]] inline bool skips_tile(const AttentionBackward& f, int64_t b, int64_t i0,
                                              int64_t rows, int64_t j0) {
    if (!f.masked->causal || j0 < i0 + rows) return false;
    for (int64_t i = b * f.n.tq + i0; i < b * f.n.tq + i0 + rows; ++i) {
        if (exp_or_zero((kMaskedScore - f.row_max[i]) - f.row_log_sum[i]) != 0.0f) return false;
    }
    return true;
}

/// The query tile [i0, i0 + rows) against the key tile [j0, j0 + cols) of entry b:
///     dV_j += (P * Z)^T dO_i     dK_j += dS^T Q_i / sqrt(Dk)     dQ_i += dS K_j / sqrt(Dk)
[[gnu::always_inline]] inline void backward_tile(const AttentionBackward& f, int64_t b, int64_t i0,
                                                 int64_t rows, int64_t j0, int64_t cols,
                                                 const BackwardTiles& t, const float* row_dot) {
    const AttentionSizes& n = f.n;
    recompute_weights(f, b, i0, rows, j0, cols, t.p);
    const float* dropped = t.p;  // P * Z, what multiplied V
    if (f.dropout.active()) {
        for (int64_t r = 0; r < rows; ++r) {
            for (int64_t c = 0; c < cols; ++c) {
                t.z[r * cols + c] = f.dropout.factor(score_index(n, b, i0 + r, j0 + c));
                t.ds[r * cols + c] = t.p[r * cols + c] * t.z[r * cols + c];
            }
        }
        dropped = t.ds;  // used before score_gradient overwrites it
    }
    if (f.dv != nullptr) {
        gemm(Transpose::Yes, Transpose::No, cols, n.dv, rows, 1.0f, dropped, cols,
             f.g + n.out_at(b, i0), n.stride(n.dv), 1.0f, f.dv + n.v_at(b, j0), n.stride(n.dv));
    }
    if (f.dq == nullptr && f.dk == nullptr) return;
    score_gradient(f, b, i0, rows, j0, cols, t, row_dot);
    if (f.dk != nullptr) {
        gemm(Transpose::Yes, Transpose::No, cols, n.dk, rows, n.scale, t.ds, cols,
             f.q + n.q_at(b, i0), n.stride(n.dk), 1.0f, f.dk + n.k_at(b, j0), n.stride(n.dk));
    }
    if (f.dq != nullptr) {
        gemm(Transpose::No, Transpose::No, rows, n.dk, cols, n.scale, t.ds, cols,
             f.k + n.k_at(b, j0), n.stride(n.dk), 1.0f, f.dq + n.q_at(b, i0), n.stride(n.dk));
    }
}

/// Entry b, key tile by key tile, each against every query tile that sees it: the rows of dK
/// and dV belong to one key tile, and dQ rows accumulate across key tiles, in order.
[[gnu::always_inline]] inline void backward_entry(const AttentionBackward& f, int64_t b,
                                                  const BackwardTiles& t, const float* row_dot) {
    for (int64_t j0 = 0; j0 < f.n.tk; j0 += kTile) {
        const int64_t cols = std::min(kTile, f.n.tk - j0);
        for (int64_t i0 = 0; i0 < f.n.tq; i0 += kTile) {
            const int64_t rows = std::min(kTile, f.n.tq - i0);
            if (!skips_tile(f, b, i0, rows, j0))
                backward_tile(f, b, i0, rows, j0, cols, t, row_dot);
        }
    }
}

// ---- two builds --------------------------------------------------------------------------

// Between its tile products the kernel works on rows of at most 64 floats: the max, the
// exponentials, the sums. That is where the width of the vector registers shows, and the
// x86-64 baseline the library is built for (SSE2) has 4 floats and no rounding instruction
// (docs/fast_attention.md measures it). So, as with the GEMM micro-kernels, forward_tile and
// backward_entry are built twice: for any CPU, and for AVX2 + FMA (8 floats), chosen at run
// time. The functions above are always inlined, so each build gets its own instructions; the
// two differ only in rounding (FMA instead of a multiply and an add), and each is
// deterministic.
//! [two_builds]
void forward_tile_portable(const AttentionForward& f, int64_t b, int64_t i0, float* w) {
    forward_tile(f, b, i0, w);
}
void backward_entry_portable(const AttentionBackward& f, int64_t b, const BackwardTiles& t,
                             const float* row_dot) {
    backward_entry(f, b, t, row_dot);
}
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void forward_tile_avx2(const AttentionForward& f, int64_t b,
                                                           int64_t i0, float* w) {
    forward_tile(f, b, i0, w);
}
__attribute__((target("avx2,fma"))) void backward_entry_avx2(const AttentionBackward& f, int64_t b,
                                                             const BackwardTiles& t,
                                                             const float* row_dot) {
    backward_entry(f, b, t, row_dot);
}
#else  // one build only (attention_avx2() is always false here)
constexpr auto* forward_tile_avx2 = forward_tile_portable;
constexpr auto* backward_entry_avx2 = backward_entry_portable;
#endif

bool cpu_has_avx2_and_fma() {
#if defined(__x86_64__)
    return cpu_has_avx2_fma();
#else
    return false;
#endif
}

/// Whether the AVX2 build runs: by default where the CPU can (set_attention_avx2).
std::atomic<bool>& avx2_enabled() {
    static std::atomic<bool> enabled{cpu_has_avx2_and_fma()};
    return enabled;
}

/// The name of the build the last pass ran (attention_last_build).
std::atomic<const char*> g_last_build{"none"};

/// `avx2` when the AVX2 build is on, else `portable`; notes which in g_last_build.
template <class Fn>
Fn build_to_run(Fn portable, Fn avx2) {
    const bool use_avx2 = avx2_enabled().load(std::memory_order_relaxed);
    g_last_build.store(use_avx2 ? "avx2" : "portable", std::memory_order_relaxed);
    return use_avx2 ? avx2 : portable;
}
//! [two_builds]

}  // namespace

void attention_forward(const AttentionForward& f) {
    const AttentionSizes& n = f.n;
    const int64_t tiles = (n.tq + kTile - 1) / kTile;
    const auto run_tile =
        build_to_run<decltype(&forward_tile_portable)>(forward_tile_portable, forward_tile_avx2);
    parallel_for(0, n.batch * tiles, grain_for(kTile * n.tk * (n.dk + n.dv)),
                 [&](int64_t begin, int64_t end) {
                     Scratch scratch(kTile * (kTile + n.dv + 2));
                     for (int64_t t = begin; t < end; ++t) {
                         run_tile(f, t / tiles, (t % tiles) * kTile, scratch.data);
                     }
                 });
}

void attention_backward(const AttentionBackward& f) {
    const AttentionSizes& n = f.n;
    // D_i = sum_e dO[i,e] O[i,e] for every query row, once, before the tiles (FlashAttention-2's
    // preprocessing step), in eight interleaved lanes so that it vectorizes.
    Scratch dots(std::max<int64_t>(1, n.batch * n.tq));
    float* d = dots.data;
    parallel_for(0, n.batch * n.tq, grain_for(n.dv), [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) {
            const int64_t at = n.out_at(row / n.tq, row % n.tq);
            d[row] = detail::lane_sum(n.dv, [&](int64_t e) { return f.g[at + e] * f.out[at + e]; });
        }
    });
    const auto run_entry = build_to_run<decltype(&backward_entry_portable)>(backward_entry_portable,
                                                                            backward_entry_avx2);
    parallel_for(0, n.batch, grain_for(n.tq * n.tk * 2 * (n.dk + n.dv)),
                 [&](int64_t begin, int64_t end) {
                     Scratch scratch(3 * kTile * kTile);
                     const BackwardTiles t{scratch.data, scratch.data + kTile * kTile,
                                           scratch.data + 2 * kTile * kTile};
                     for (int64_t b = begin; b < end; ++b) run_entry(f, b, t, d);
                 });
}

void set_attention_avx2(bool enabled) {
    if (enabled && !cpu_has_avx2_and_fma()) {
        throw ValueError("set_attention_avx2: this CPU does not have AVX2 and FMA");
    }
    avx2_enabled().store(enabled);
}

bool attention_avx2() { return avx2_enabled().load(); }

const char* attention_last_build() { return g_last_build.load(); }

}  // namespace ag::kernels
