// core/ops/fused_attention.cpp — fused_attention: forward (the online softmax), then backward
// (FlashAttention-2's recurrence), on blocks of up to 64 queries and 64 keys.
//
// The algorithm and its formulas are at the top of fused_attention.h. Here:
//   - The leading dimensions are flattened into `batch` entries: entry b of q is the row-major
//     [Tq, Dk] matrix at q + b * Tq * Dk (likewise k, v, the output and the gradients).
//   - Every product of blocks (S = Q K^T and O += P V, then the five of backward) is one call
//     of the GEMM kernel (core/kernels/gemm.h), the one matmul uses, which reads K^T, V^T, P^T
//     and dS^T in place through its transpose flags. What is left here is the softmax
//     bookkeeping between the products, one row of a block at a time.
//   - Threads: forward splits (batch entry, query block) pairs, backward splits batch entries;
//     each output element is computed by one thread in a fixed order (and the kernel is
//     bit-identical on any number of threads), so the results do not depend on the thread
//     count. Scratch is a few block-sized buffers per piece of work, allocated once per piece.
//   - The bookkeeping (forward_block, backward_entry) is compiled twice, for any CPU and for
//     AVX2 + FMA, and the CPU picks at run time (see "two builds" below).
#include "core/ops/fused_attention.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "core/autograd.h"
#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_microkernel.h"  // cpu_has_avx2_fma
#include "core/ops/elementwise_loops.h"
#include "core/parallel.h"

namespace ag {

namespace {

using kernels::Transpose;

/// Queries per block (forward) and keys per block (both passes): a 64 x 64 block of scores
/// and the blocks of Q, K, V it is made from stay in the L1/L2 caches.
constexpr int64_t kBlock = 64;
/// The score a blocked key gets: nn/attention.h's kMaskedScore (core cannot include nn/).
constexpr float kMaskedScore = -1e9f;
/// Multiply-adds a piece of a parallel_for should hold at least: less is not worth a thread.
constexpr int64_t kMinWorkPerPiece = int64_t{1} << 15;

/// The sizes of a call, and where its matrices lie. An "entry" is one [T, D] attention problem
/// (one head of one sequence). In fused_attention's layout the entries are consecutive
/// [T, D] matrices. In fused_multi_head_attention's, a tensor is [B, T, H * D] with the heads
/// side by side: entry b * H + h is the h-th D-wide band of batch b's rows, each row H * D
/// floats after the last — the split into heads is done by this addressing, not by a copy.
struct Sizes {
    int64_t batch = 1, tq = 0, tk = 0, dk = 0, dv = 0;
    float scale = 1.0f;  // 1 / sqrt(Dk)
    int64_t heads = 1;   // H with the heads side by side; 1 for consecutive entries

    /// Floats between two rows of a matrix of `width` columns.
    int64_t stride(int64_t width) const { return heads * width; }
    //! [side_by_side]
    /// Where row `row` of entry `entry` starts, in an operand of `rows` rows per entry.
    int64_t at(int64_t entry, int64_t row, int64_t rows, int64_t width) const {
        return (entry / heads) * rows * heads * width + (entry % heads) * width +
               row * heads * width;
    }
    //! [side_by_side]
    int64_t q_at(int64_t entry, int64_t row) const { return at(entry, row, tq, dk); }
    int64_t k_at(int64_t entry, int64_t row) const { return at(entry, row, tk, dk); }
    int64_t v_at(int64_t entry, int64_t row) const { return at(entry, row, tk, dv); }
    int64_t out_at(int64_t entry, int64_t row) const { return at(entry, row, tq, dv); }
};

/// C [m, n] = alpha op(A) op(B) + beta C on row-major blocks: the GEMM kernel, with lda, ldb
/// and ldc the floats between two stored rows of A, B and C.
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

/// e^x, vectorizable (detail::exp_vectorizable): exactly 0 for the blocked scores (-1e9 - m),
/// without a branch or a slow underflow path.
[[gnu::always_inline]] inline float exp_or_zero(float x) { return detail::exp_vectorizable(x); }

/// Which scores are blocked: where the mask is non-zero, and with is_causal every key j > i.
/// The mask is read in place with broadcast strides (0 along a broadcast dimension).
struct Blocking {
    Tensor mask;                   // detached; undefined when there is none
    std::vector<int64_t> offsets;  // where entry b's [Tq, Tk] view of the mask starts
    int64_t row_stride = 0, col_stride = 0;
    bool causal = false;

    /// The keys a query block ending before row i1 visits: all of them, or with is_causal the
    /// key blocks that start before i1 (the blocks wholly above the diagonal are skipped).
    int64_t key_end(int64_t i1, int64_t tk) const {
        return causal ? std::min(tk, (i1 + kBlock - 1) / kBlock * kBlock) : tk;
    }

    /// row[c] = value for every blocked key j0 + c (c < count) of query i in entry b.
    [[gnu::always_inline]] void fill(float* row, int64_t b, int64_t i, int64_t j0, int64_t count,
                                     float value) const {
        if (mask.defined()) {
            const float* m = mask.data() + offsets[b] + i * row_stride + j0 * col_stride;
            for (int64_t c = 0; c < count; ++c) {
                if (m[c * col_stride] != 0.0f) row[c] = value;
            }
        }
        if (causal) {
            for (int64_t c = std::max<int64_t>(0, i + 1 - j0); c < count; ++c) row[c] = value;
        }
    }
};

/// The Blocking of a mask broadcast to `scores` [..., Tq, Tk] (leading dims flattened).
Blocking make_blocking(const Tensor& mask, bool causal, const Shape& scores) {
    Blocking blocking;
    blocking.causal = causal;
    if (!mask.defined()) return blocking;
    blocking.mask = mask.detach();
    const std::vector<int64_t> strides = detail::broadcast_strides(mask.shape(), scores);
    const int64_t rank = scores.rank();
    blocking.row_stride = strides[rank - 2];
    blocking.col_stride = strides[rank - 1];
    const Shape leading(std::vector<int64_t>(scores.sizes().begin(), scores.sizes().end() - 2));
    const std::array<std::vector<int64_t>, 1> leading_strides{
        std::vector<int64_t>(strides.begin(), strides.end() - 2)};
    detail::for_each_row(leading, leading_strides,
                         [&](int64_t, auto start, int64_t count, auto step) {
                             for (int64_t j = 0; j < count; ++j) {
                                 blocking.offsets.push_back(start[0] + j * step[0]);
                             }
                         });
    return blocking;
}

/// The grain of a parallel_for whose indices each cost `work` multiply-adds.
int64_t grain_for(int64_t work) { return std::max<int64_t>(1, kMinWorkPerPiece / (work + 1)); }

/// S [rows, cols] = Q K^T / sqrt(Dk) for query rows [i0, i0 + rows) and key rows
/// [j0, j0 + cols) of entry b, read in place; the scale is the GEMM's alpha, applied once per
/// score (the plain path scales q before the product instead: the two round differently in the
/// last bit). Forward and backward both call this, so backward recomputes the same bits.
void block_scores(const Sizes& n, const float* q, const float* k, int64_t b, int64_t i0,
                  int64_t rows, int64_t j0, int64_t cols, float* s) {
    gemm(Transpose::No, Transpose::Yes, rows, cols, n.dk, n.scale, q + n.q_at(b, i0),
         n.stride(n.dk), k + n.k_at(b, j0), n.stride(n.dk), 0.0f, s, cols);
}

// ---- forward -----------------------------------------------------------------------------

struct Forward {
    Sizes n;
    const Blocking* blocking;
    const float *q, *k, *v;
    float *out, *row_max, *row_log_sum;  // out [batch, Tq, Dv]; statistics [batch, Tq]
};

/// Block-sized buffers, one set per piece of the parallel loop, carved out of one tensor's
/// buffer: they come from the buffer cache and count in allocated_buffer_bytes() (allocator.h).
struct ForwardScratch {
    Tensor buffer;
    float *s, *acc, *m, *l;  // S then P [64, 64], acc [64, Dv], m [64], l [64]
    explicit ForwardScratch(const Sizes& n) : buffer(Shape{kBlock * (kBlock + n.dv + 2)}) {
        s = buffer.data();
        acc = s + kBlock * kBlock;
        m = acc + kBlock * n.dv;
        l = m + kBlock;
    }
};

//! [online_softmax_step]
/// The softmax half of an online-softmax step for one query row: turns the scores s [cols] of
/// a key block into e^(s_j - m'), updates the running max m and sum l, and returns the factor
/// e^(m - m') by which the caller rescales the row's output before adding this block's P v.
///     m' = max(m, max_j s_j)     l' = e^(m - m') l + sum_j e^(s_j - m')
[[gnu::always_inline]] inline float online_softmax_step(float* s, int64_t cols, float& m,
                                                        float& l) {
    float m_new = m;
    for (int64_t c = 0; c < cols; ++c) m_new = std::max(m_new, s[c]);
    const float rescale = exp_or_zero(m - m_new);  // e^(-inf) = 0 on the first block
    for (int64_t c = 0; c < cols; ++c) s[c] = exp_or_zero(s[c] - m_new);
    l = l * rescale + detail::lane_sum(cols, [&](int64_t c) { return s[c]; });
    m = m_new;
    return rescale;
}
//! [online_softmax_step]

/// The keys [first, Tk) that is_causal skipped score -1e9 each: one more online-softmax step
/// with that many equal scores. Their weight e^(-1e9 - m) is exactly 0 in float unless every
/// key the row saw was blocked too (m = -1e9); then, as in the plain path, all Tk keys weigh
/// the same and the skipped values must be added in.
[[gnu::always_inline]] inline void add_skipped_keys(const float* v, int64_t v_stride, int64_t first,
                                                    int64_t tk, int64_t dv, float& m, float& l,
                                                    float* acc) {
    const float m_new = std::max(m, kMaskedScore);
    const float weight = exp_or_zero(kMaskedScore - m_new);
    if (first >= tk || weight == 0.0f) return;
    const float rescale = exp_or_zero(m - m_new);
    l = l * rescale + weight * static_cast<float>(tk - first);
    for (int64_t e = 0; e < dv; ++e) acc[e] *= rescale;
    for (int64_t j = first; j < tk; ++j) {
        for (int64_t e = 0; e < dv; ++e) acc[e] += weight * v[j * v_stride + e];
    }
    m = m_new;
}

//! [forward_block]
/// Rows [i0, i0 + kBlock) of entry b: stream over the key blocks, then normalize.
[[gnu::always_inline]] inline void forward_block(const Forward& f, int64_t b, int64_t i0,
                                                 ForwardScratch& w) {
    const Sizes& n = f.n;
    const int64_t rows = std::min(kBlock, n.tq - i0);
    const int64_t v_stride = n.stride(n.dv);
    const float* v = f.v + n.v_at(b, 0);  // the whole entry: value blocks are read in place
    std::fill(w.m, w.m + rows, -std::numeric_limits<float>::infinity());
    std::fill(w.l, w.l + rows, 0.0f);
    std::fill(w.acc, w.acc + rows * n.dv, 0.0f);
    const int64_t key_end = f.blocking->key_end(i0 + rows, n.tk);
    for (int64_t j0 = 0; j0 < key_end; j0 += kBlock) {
        const int64_t cols = std::min(kBlock, key_end - j0);
        block_scores(n, f.q, f.k, b, i0, rows, j0, cols, w.s);  // S = Q K^T / sqrt(Dk)
        // S -> P = e^(S - m') row by row, and acc = e^(m - m') acc ...
        for (int64_t r = 0; r < rows; ++r) {
            float* s = w.s + r * cols;
            f.blocking->fill(s, b, i0 + r, j0, cols, kMaskedScore);
            const float rescale = online_softmax_step(s, cols, w.m[r], w.l[r]);
            for (int64_t e = 0; e < n.dv; ++e) w.acc[r * n.dv + e] *= rescale;
        }
        // ... + P V
        gemm(Transpose::No, Transpose::No, rows, n.dv, cols, 1.0f, w.s, cols, v + j0 * v_stride,
             v_stride, 1.0f, w.acc, n.dv);
    }
    for (int64_t r = 0; r < rows; ++r) {
        add_skipped_keys(v, v_stride, key_end, n.tk, n.dv, w.m[r], w.l[r], w.acc + r * n.dv);
        // out = acc / l (0 when there are no keys at all, as softmax over nothing times v).
        const float inverse = w.l[r] > 0.0f ? 1.0f / w.l[r] : 0.0f;
        float* out = f.out + n.out_at(b, i0 + r);
        for (int64_t e = 0; e < n.dv; ++e) out[e] = w.acc[r * n.dv + e] * inverse;
        f.row_max[b * n.tq + i0 + r] = w.m[r];
        f.row_log_sum[b * n.tq + i0 + r] = std::log(w.l[r]);
    }
}
//! [forward_block]

// ---- backward ----------------------------------------------------------------------------

struct Backward {
    Sizes n;
    const Blocking* blocking;
    const float *q, *k, *v, *g, *row_max, *row_log_sum;
    const float* row_dot;  // D_i = sum_e g[i,e] O[i,e] for every row [batch, Tq]
    float *dq, *dk, *dv;   // zeros, added into; null when that input needs no gradient
};

/// As ForwardScratch, for backward.
struct BackwardScratch {
    Tensor buffer;
    float *p, *ds;  // P [64, 64]; dP, then dS [64, 64]
    BackwardScratch() : buffer(Shape{2 * kBlock * kBlock}) {
        p = buffer.data();
        ds = p + kBlock * kBlock;
    }
};

/// P [rows, cols] = e^(S - L) for the query rows [i0, i0 + rows) of entry b and the key block
/// at j0, with S recomputed by the same call as in forward (so to the same bits) and blocked as
/// there. L = m + log l is applied in two steps: when every key of a row is blocked m = -1e9,
/// and m + log l would round back to -1e9.
[[gnu::always_inline]] inline void recompute_weights(const Backward& f, int64_t b, int64_t i0,
                                                     int64_t rows, int64_t j0, int64_t cols,
                                                     float* p) {
    const Sizes& n = f.n;
    block_scores(n, f.q, f.k, b, i0, rows, j0, cols, p);
    for (int64_t r = 0; r < rows; ++r) {
        float* s = p + r * cols;
        f.blocking->fill(s, b, i0 + r, j0, cols, kMaskedScore);
        const float m = f.row_max[b * n.tq + i0 + r], log_l = f.row_log_sum[b * n.tq + i0 + r];
        for (int64_t c = 0; c < cols; ++c) s[c] = exp_or_zero((s[c] - m) - log_l);
    }
}

/// dS [rows, cols] = P * (dP - D_i) with dP = dO V^T, and 0 where the score was blocked
/// (masked_fill's gradient there is 0).
[[gnu::always_inline]] inline void score_gradient(const Backward& f, int64_t b, int64_t i0,
                                                  int64_t rows, int64_t j0, int64_t cols,
                                                  const float* p, float* ds) {
    const Sizes& n = f.n;
    gemm(Transpose::No, Transpose::Yes, rows, cols, n.dv, 1.0f, f.g + n.out_at(b, i0),
         n.stride(n.dv), f.v + n.v_at(b, j0), n.stride(n.dv), 0.0f, ds, cols);  // dP; dO has
                                                                                // O's layout
    for (int64_t r = 0; r < rows; ++r) {
        const float d_i = f.row_dot[b * n.tq + i0 + r];
        float* ds_row = ds + r * cols;
        const float* p_row = p + r * cols;
        for (int64_t c = 0; c < cols; ++c) ds_row[c] = p_row[c] * (ds_row[c] - d_i);
        f.blocking->fill(ds_row, b, i0 + r, j0, cols, 0.0f);
    }
}

/// Whether is_causal lets the query rows [i0, i0 + rows) skip the key block at j0: all its keys
/// come after every one of the rows, and their weight e^(-1e9 - L_i) is 0 (it is not for a row
/// whose keys are all blocked).
[[gnu::always_inline]] inline bool skips_block(const Backward& f, int64_t b, int64_t i0,
                                               int64_t rows, int64_t j0) {
    if (!f.blocking->causal || j0 < i0 + rows) return false;
    for (int64_t i = b * f.n.tq + i0; i < b * f.n.tq + i0 + rows; ++i) {
        if (exp_or_zero((kMaskedScore - f.row_max[i]) - f.row_log_sum[i]) != 0.0f) return false;
    }
    return true;
}

/// The query block [i0, i0 + rows) against the key block [j0, j0 + cols) of entry b:
///     dV_j += P^T dO_i     dK_j += dS^T Q_i / sqrt(Dk)     dQ_i += dS K_j / sqrt(Dk)
[[gnu::always_inline]] inline void backward_block(const Backward& f, int64_t b, int64_t i0,
                                                  int64_t rows, int64_t j0, int64_t cols,
                                                  BackwardScratch& w) {
    const Sizes& n = f.n;
    recompute_weights(f, b, i0, rows, j0, cols, w.p);
    if (f.dv != nullptr) {
        gemm(Transpose::Yes, Transpose::No, cols, n.dv, rows, 1.0f, w.p, cols,
             f.g + n.out_at(b, i0), n.stride(n.dv), 1.0f, f.dv + n.v_at(b, j0), n.stride(n.dv));
    }
    if (f.dq == nullptr && f.dk == nullptr) return;
    score_gradient(f, b, i0, rows, j0, cols, w.p, w.ds);
    if (f.dk != nullptr) {
        gemm(Transpose::Yes, Transpose::No, cols, n.dk, rows, n.scale, w.ds, cols,
             f.q + n.q_at(b, i0), n.stride(n.dk), 1.0f, f.dk + n.k_at(b, j0), n.stride(n.dk));
    }
    if (f.dq != nullptr) {
        gemm(Transpose::No, Transpose::No, rows, n.dk, cols, n.scale, w.ds, cols,
             f.k + n.k_at(b, j0), n.stride(n.dk), 1.0f, f.dq + n.q_at(b, i0), n.stride(n.dk));
    }
}

/// Entry b, key block by key block, each against every query block that sees it: the rows of
/// dK and dV belong to one key block, and dQ rows accumulate across key blocks, in order.
[[gnu::always_inline]] inline void backward_entry(const Backward& f, int64_t b,
                                                  BackwardScratch& w) {
    for (int64_t j0 = 0; j0 < f.n.tk; j0 += kBlock) {
        const int64_t cols = std::min(kBlock, f.n.tk - j0);
        for (int64_t i0 = 0; i0 < f.n.tq; i0 += kBlock) {
            const int64_t rows = std::min(kBlock, f.n.tq - i0);
            if (!skips_block(f, b, i0, rows, j0)) backward_block(f, b, i0, rows, j0, cols, w);
        }
    }
}

// ---- two builds --------------------------------------------------------------------------

// Between its block products, the op works on rows of at most 64 floats: the max, the
// exponentials, the sums. That is where the width of the vector registers shows. Built for the
// x86-64 baseline (SSE2: 4 floats, no rounding instruction), the exponentials of a 32 x 32 block
// took about as long as its two products (perf, on the small Transformer). So, as with the GEMM
// micro-kernels, forward_block and backward_entry are built twice: for any CPU, and for AVX2 +
// FMA (8 floats), chosen at run time. The functions above are always inlined, so each build
// gets its own instructions; the two differ only in rounding (FMA instead of a multiply and an
// add), and each is deterministic.
//! [two_builds]
void forward_block_portable(const Forward& f, int64_t b, int64_t i0, ForwardScratch& w) {
    forward_block(f, b, i0, w);
}
void backward_entry_portable(const Backward& f, int64_t b, BackwardScratch& w) {
    backward_entry(f, b, w);
}
#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) void forward_block_avx2(const Forward& f, int64_t b, int64_t i0,
                                                            ForwardScratch& w) {
    forward_block(f, b, i0, w);
}
__attribute__((target("avx2,fma"))) void backward_entry_avx2(const Backward& f, int64_t b,
                                                             BackwardScratch& w) {
    backward_entry(f, b, w);
}
#endif

bool cpu_has_avx2_and_fma() {
#if defined(__x86_64__)
    return kernels::cpu_has_avx2_fma();
#else
    return false;
#endif
}

/// Whether the AVX2 build runs: by default where the CPU can (detail::set_fused_attention_avx2).
std::atomic<bool>& avx2_enabled() {
    static std::atomic<bool> enabled{cpu_has_avx2_and_fma()};
    return enabled;
}

using ForwardBlockFn = void (*)(const Forward&, int64_t, int64_t, ForwardScratch&);
using BackwardEntryFn = void (*)(const Backward&, int64_t, BackwardScratch&);

/// The name of the build the last pass ran (detail::fused_attention_last_build).
std::atomic<const char*> g_last_build{"none"};

/// `avx2` when the AVX2 build is on, else `portable`; notes which in g_last_build.
template <class Fn>
Fn build_to_run(Fn portable, Fn avx2) {
    const bool use_avx2 = avx2_enabled().load(std::memory_order_relaxed);
    g_last_build.store(use_avx2 ? "avx2" : "portable", std::memory_order_relaxed);
    return use_avx2 ? avx2 : portable;
}

#if defined(__x86_64__)
ForwardBlockFn forward_block_build() {
    return build_to_run<ForwardBlockFn>(forward_block_portable, forward_block_avx2);
}
BackwardEntryFn backward_entry_build() {
    return build_to_run<BackwardEntryFn>(backward_entry_portable, backward_entry_avx2);
}
#else  // one build only (avx2_enabled() is always false here)
ForwardBlockFn forward_block_build() {
    return build_to_run<ForwardBlockFn>(forward_block_portable, forward_block_portable);
}
BackwardEntryFn backward_entry_build() {
    return build_to_run<BackwardEntryFn>(backward_entry_portable, backward_entry_portable);
}
#endif
//! [two_builds]

// ---- shapes ------------------------------------------------------------------------------

/// 1 / sqrt(Dk), the GEMM's alpha for the scores; 1 when Dk = 0 (the scores are then sums of
/// nothing, 0, and an infinite alpha would make them 0 * inf = nan in the reference GEMM).
float scale_for(int64_t dk) { return dk > 0 ? 1.0f / std::sqrt(static_cast<float>(dk)) : 1.0f; }

/// The sizes of a call, after checking the shapes (throws ShapeError).
Sizes check_shapes(const Tensor& q, const Tensor& k, const Tensor& v) {
    bool fits = q.rank() >= 2 && k.rank() == q.rank() && v.rank() == q.rank() &&
                q.size(-1) == k.size(-1) && k.size(-2) == v.size(-2);
    for (int64_t d = 0; fits && d < q.rank() - 2; ++d) {
        fits = q.size(d) == k.size(d) && q.size(d) == v.size(d);
    }
    if (!fits) {
        throw ShapeError("fused_attention: q " + q.shape().to_string() + ", k " +
                         k.shape().to_string() + ", v " + v.shape().to_string() +
                         ": need q [..., Tq, Dk], k [..., Tk, Dk], v [..., Tk, Dv] with the same "
                         "leading dimensions");
    }
    Sizes n;
    n.tq = q.size(-2);
    n.tk = k.size(-2);
    n.dk = q.size(-1);
    n.dv = v.size(-1);
    for (int64_t d = 0; d < q.rank() - 2; ++d) n.batch *= q.size(d);
    n.scale = scale_for(n.dk);
    return n;
}

/// Whether `from` broadcasts to `to` without growing it (as masked_fill requires of a mask).
bool broadcasts_to(const Shape& from, const Shape& to) {
    if (from.rank() > to.rank()) return false;
    const int64_t shift = to.rank() - from.rank();
    for (int64_t d = 0; d < from.rank(); ++d) {
        const int64_t size = from.sizes()[d];
        if (size != 1 && size != to.sizes()[d + shift]) return false;
    }
    return true;
}

/// `shape` with its last dimension replaced by `last`.
Shape with_last(const Shape& shape, int64_t last) {
    std::vector<int64_t> sizes = shape.to_vector();
    // The callers pass ranks of at least 2; saying so also tells the compiler (GCC 14's
    // -Warray-bounds cannot see it) that back() is never called on an empty vector.
    if (sizes.empty()) throw ShapeError("fused_attention: a scalar has no last dimension");
    sizes.back() = last;
    return Shape(sizes);
}

/// What backward needs: the inputs (as they are), the output (detached: autograd.h, rule 2), the
/// per-row statistics [..., Tq], the blocking and which inputs want a gradient.
struct Saved {
    Tensor q, k, v, out, row_max, row_log_sum;
    std::shared_ptr<const Blocking> blocking;
    Sizes n;
    bool q_needs = false, k_needs = false, v_needs = false;
};

/// The forward pass over every (batch entry, query block), split over threads. Fills
/// saved.out and the statistics.
void run_forward(Saved& saved) {
    const Sizes& n = saved.n;
    const Forward f{n,
                    saved.blocking.get(),
                    saved.q.data(),
                    saved.k.data(),
                    saved.v.data(),
                    saved.out.data(),
                    saved.row_max.data(),
                    saved.row_log_sum.data()};
    const int64_t blocks = (n.tq + kBlock - 1) / kBlock;
    const ForwardBlockFn run_block = forward_block_build();
    parallel_for(0, n.batch * blocks, grain_for(kBlock * n.tk * (n.dk + n.dv)),
                 [&](int64_t begin, int64_t end) {
                     ForwardScratch scratch(n);
                     for (int64_t t = begin; t < end; ++t) {
                         run_block(f, t / blocks, (t % blocks) * kBlock, scratch);
                     }
                 });
}

/// D_i = sum_e g[i,e] O[i,e] for every query row: [batch, Tq], computed once, before the blocks
/// (FlashAttention-2's preprocessing step), in eight interleaved lanes so that it vectorizes.
Tensor row_dots(const Sizes& n, const float* g, const float* out) {
    Tensor dots(Shape{n.batch, n.tq});
    float* d = dots.data();
    parallel_for(0, n.batch * n.tq, grain_for(n.dv), [=](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) {
            const int64_t at = n.out_at(row / n.tq, row % n.tq);
            d[row] = detail::lane_sum(n.dv, [&](int64_t e) { return g[at + e] * out[at + e]; });
        }
    });
    return dots;
}

/// The backward pass over every batch entry, split over threads: {dq, dk, dv}, each undefined
/// when its input needs no gradient.
std::vector<Tensor> run_backward(const Saved& saved, const Tensor& g) {
    const Sizes& n = saved.n;
    const Tensor dots = row_dots(n, g.data(), saved.out.data());
    // Zeros: the block products add into them (beta = 1).
    Tensor dq = saved.q_needs ? zeros(saved.q.shape()) : Tensor();
    Tensor dk = saved.k_needs ? zeros(saved.k.shape()) : Tensor();
    Tensor dv = saved.v_needs ? zeros(saved.v.shape()) : Tensor();
    const Backward f{n,
                     saved.blocking.get(),
                     saved.q.data(),
                     saved.k.data(),
                     saved.v.data(),
                     g.data(),
                     saved.row_max.data(),
                     saved.row_log_sum.data(),
                     dots.data(),
                     dq.defined() ? dq.data() : nullptr,
                     dk.defined() ? dk.data() : nullptr,
                     dv.defined() ? dv.data() : nullptr};
    const BackwardEntryFn run_entry = backward_entry_build();
    parallel_for(0, n.batch, grain_for(n.tq * n.tk * 2 * (n.dk + n.dv)),
                 [&](int64_t begin, int64_t end) {
                     BackwardScratch scratch;
                     for (int64_t b = begin; b < end; ++b) run_entry(f, b, scratch);
                 });
    return {dq, dk, dv};
}

}  // namespace

namespace {

/// Both entry points: checks the mask against the scores [..., Tq, Tk] (never allocated), runs
/// the forward pass into a tensor of `out_shape` and records the backward.
Tensor attend(const char* op, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
              bool is_causal, const Sizes& n, const Shape& scores, const Shape& out_shape) {
    if (mask.defined() && !broadcasts_to(mask.shape(), scores)) {
        throw ShapeError(std::string(op) + ": mask " + mask.shape().to_string() +
                         " does not broadcast to the scores " + scores.to_string());
    }
    Tensor out(out_shape);
    auto saved = std::make_shared<Saved>();
    saved->q = q;
    saved->k = k;
    saved->v = v;
    saved->out = out.detach();  // out's buffer, without its graph node (no cycle)
    saved->row_max = Tensor(Shape{n.batch, n.tq});
    saved->row_log_sum = Tensor(Shape{n.batch, n.tq});
    saved->blocking = std::make_shared<const Blocking>(make_blocking(mask, is_causal, scores));
    saved->n = n;
    saved->q_needs = q.requires_grad();
    saved->k_needs = k.requires_grad();
    saved->v_needs = v.requires_grad();
    run_forward(*saved);
    return record(op, out, {q, k, v}, [saved](const Tensor& g) { return run_backward(*saved, g); });
}

}  // namespace

Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                       bool is_causal) {
    const Sizes n = check_shapes(q, k, v);
    return attend("fused_attention", q, k, v, mask, is_causal, n, with_last(q.shape(), n.tk),
                  with_last(q.shape(), n.dv));
}

Tensor fused_multi_head_attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t heads,
                                  const Tensor& mask, bool is_causal) {
    const bool fits = heads > 0 && q.rank() == 3 && k.rank() == 3 && v.rank() == 3 &&
                      q.size(0) == k.size(0) && q.size(0) == v.size(0) && q.size(2) == k.size(2) &&
                      k.size(1) == v.size(1) && q.size(2) % heads == 0 && v.size(2) % heads == 0;
    if (!fits) {
        throw ShapeError("fused_multi_head_attention: q " + q.shape().to_string() + ", k " +
                         k.shape().to_string() + ", v " + v.shape().to_string() + ", " +
                         std::to_string(heads) +
                         " heads: need q [B, Tq, H*Dk], k [B, Tk, H*Dk], v [B, Tk, H*Dv]");
    }
    Sizes n;
    n.heads = heads;
    n.batch = q.size(0) * heads;
    n.tq = q.size(1);
    n.tk = k.size(1);
    n.dk = q.size(2) / heads;
    n.dv = v.size(2) / heads;
    n.scale = scale_for(n.dk);
    return attend("fused_multi_head_attention", q, k, v, mask, is_causal, n,
                  Shape{q.size(0), heads, n.tq, n.tk}, Shape{q.size(0), n.tq, heads * n.dv});
}

namespace detail {

void set_fused_attention_avx2(bool enabled) {
    if (enabled && !cpu_has_avx2_and_fma()) {
        throw ValueError("set_fused_attention_avx2: this CPU does not have AVX2 and FMA");
    }
    avx2_enabled().store(enabled);
}

bool fused_attention_avx2() { return avx2_enabled().load(); }

const char* fused_attention_last_build() { return g_last_build.load(); }

}  // namespace detail

}  // namespace ag
