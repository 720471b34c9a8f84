// core/ops/fused_attention.cpp — fused_attention as an op: shapes, the mask's addressing, the
// dropout's checks, and the backward recorded for autograd. The arithmetic is the kernel's,
// core/kernels/flash_attention.cpp, on the tensors' raw buffers.
#include "core/ops/fused_attention.h"

#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/error.h"
#include "core/kernels/flash_attention.h"
#include "core/ops/elementwise_loops.h"

namespace ag {

namespace {

using kernels::AttentionSizes;
using kernels::MaskedKeys;

static_assert(kernels::kMaskedScore == kMaskedScore, "the kernel masks as the plain path does");

/// 1 / sqrt(Dk), the GEMM's alpha for the scores; 1 when Dk = 0 (the scores are then sums of
/// nothing, 0, and an infinite alpha would make them 0 * inf = nan in the reference GEMM).
float scale_for(int64_t dk) { return dk > 0 ? 1.0f / std::sqrt(static_cast<float>(dk)) : 1.0f; }

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

/// The kernel's dropout, after checking p (throws ValueError naming `op`).
kernels::AttentionDropout kernel_dropout(const char* op, AttentionDropout dropout) {
    if (!(dropout.p >= 0.0f && dropout.p < 1.0f)) {
        throw ValueError(std::string(op) + ": dropout probability " + std::to_string(dropout.p) +
                         " is not in [0, 1)");
    }
    return {.p = dropout.p, .seed = dropout.seed};
}

/// Where the kernel finds the mask broadcast to `scores` [..., Tq, Tk] (leading dims
/// flattened into entries), and whether keys after the query are masked too.
MaskedKeys masked_keys(const Tensor& mask, bool causal, const Shape& scores) {
    MaskedKeys masked;
    masked.causal = causal;
    if (!mask.defined()) return masked;
    masked.mask = mask.data();
    const std::vector<int64_t> strides = detail::broadcast_strides(mask.shape(), scores);
    const int64_t rank = scores.rank();
    masked.row_stride = strides[rank - 2];
    masked.col_stride = strides[rank - 1];
    const Shape leading(std::vector<int64_t>(scores.sizes().begin(), scores.sizes().end() - 2));
    const std::array<std::vector<int64_t>, 1> leading_strides{
        std::vector<int64_t>(strides.begin(), strides.end() - 2)};
    detail::for_each_row(leading, leading_strides,
                         [&](int64_t, auto start, int64_t count, auto step) {
                             for (int64_t j = 0; j < count; ++j) {
                                 masked.offsets.push_back(start[0] + j * step[0]);
                             }
                         });
    return masked;
}

/// What backward needs: the inputs (as they are), the output (detached: autograd.h, rule 2),
/// the per-row statistics [entries, Tq], the mask (kept alive: `masked` points into it).
struct Saved {
    Tensor q, k, v, out, row_max, row_log_sum, mask;
    MaskedKeys masked;
    AttentionSizes n;
    kernels::AttentionDropout dropout;
};

/// {dq, dk, dv} from the output's gradient g, each undefined when its input needs no gradient.
std::vector<Tensor> backward(const Saved& s, const Tensor& g) {
    // Zeros: the tile products add into them (beta = 1).
    Tensor dq = s.q.requires_grad() ? zeros(s.q.shape()) : Tensor();
    Tensor dk = s.k.requires_grad() ? zeros(s.k.shape()) : Tensor();
    Tensor dv = s.v.requires_grad() ? zeros(s.v.shape()) : Tensor();
    kernels::attention_backward({.n = s.n,
                                 .masked = &s.masked,
                                 .dropout = s.dropout,
                                 .q = s.q.data(),
                                 .k = s.k.data(),
                                 .v = s.v.data(),
                                 .out = s.out.data(),
                                 .row_max = s.row_max.data(),
                                 .row_log_sum = s.row_log_sum.data(),
                                 .g = g.data(),
                                 .dq = dq.defined() ? dq.data() : nullptr,
                                 .dk = dk.defined() ? dk.data() : nullptr,
                                 .dv = dv.defined() ? dv.data() : nullptr});
    return {dq, dk, dv};
}

/// Both entry points: checks the mask against the scores [..., Tq, Tk] (never allocated), runs
/// the forward pass into a tensor of `out_shape` and records the backward.
Tensor attend(const char* op, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
              bool is_causal, AttentionDropout dropout, const AttentionSizes& n,
              const Shape& scores, const Shape& out_shape) {
    if (mask.defined() && !broadcasts_to(mask.shape(), scores)) {
        throw ShapeError(std::string(op) + ": mask " + mask.shape().to_string() +
                         " does not broadcast to the scores " + scores.to_string());
    }
    auto saved = std::make_shared<Saved>();
    saved->dropout = kernel_dropout(op, dropout);
    Tensor out(out_shape);
    saved->q = q;
    saved->k = k;
    saved->v = v;
    saved->out = out.detach();  // out's buffer, without its graph node (no cycle)
    saved->row_max = Tensor(Shape{n.batch, n.tq});
    saved->row_log_sum = Tensor(Shape{n.batch, n.tq});
    saved->mask = mask.defined() ? mask.detach() : Tensor();
    saved->masked = masked_keys(saved->mask, is_causal, scores);
    saved->n = n;
    kernels::attention_forward({.n = n,
                                .masked = &saved->masked,
                                .dropout = saved->dropout,
                                .q = q.data(),
                                .k = k.data(),
                                .v = v.data(),
                                .out = out.data(),
                                .row_max = saved->row_max.data(),
                                .row_log_sum = saved->row_log_sum.data()});
    return record(op, out, {q, k, v}, [saved](const Tensor& g) { return backward(*saved, g); });
}

}  // namespace

Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                       bool is_causal, AttentionDropout dropout) {
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
    AttentionSizes n{.tq = q.size(-2), .tk = k.size(-2), .dk = q.size(-1), .dv = v.size(-1)};
    for (int64_t d = 0; d < q.rank() - 2; ++d) n.batch *= q.size(d);
    n.scale = scale_for(n.dk);
    return attend("fused_attention", q, k, v, mask, is_causal, dropout, n,
                  with_last(q.shape(), n.tk), with_last(q.shape(), n.dv));
}

Tensor fused_multi_head_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                  const Tensor& mask, bool is_causal, AttentionDropout dropout) {
    const bool fits = q.rank() == 4 && k.rank() == 4 && v.rank() == 4 && q.size(0) == k.size(0) &&
                      q.size(0) == v.size(0) && q.size(2) == k.size(2) && q.size(2) == v.size(2) &&
                      q.size(3) == k.size(3) && k.size(1) == v.size(1);
    if (!fits) {
        throw ShapeError("fused_multi_head_attention: q " + q.shape().to_string() + ", k " +
                         k.shape().to_string() + ", v " + v.shape().to_string() +
                         ": need q [B, Tq, H, Dk], k [B, Tk, H, Dk], v [B, Tk, H, Dv]");
    }
    const int64_t batch = q.size(0), heads = q.size(2);
    const AttentionSizes n{.batch = batch * heads,
                           .tq = q.size(1),
                           .tk = k.size(1),
                           .dk = q.size(3),
                           .dv = v.size(3),
                           .scale = scale_for(q.size(3)),
                           .heads = heads};
    return attend("fused_multi_head_attention", q, k, v, mask, is_causal, dropout, n,
                  Shape{batch, heads, n.tq, n.tk}, Shape{batch, n.tq, heads, n.dv});
}

Tensor attention_dropout_mask(const Shape& scores, AttentionDropout dropout) {
    if (scores.rank() < 2) {
        throw ShapeError("attention_dropout_mask: scores " + scores.to_string() +
                         " need [..., Tq, Tk]");
    }
    const kernels::AttentionDropout keys = kernel_dropout("attention_dropout_mask", dropout);
    Tensor z(scores);
    for (int64_t i = 0; i < z.numel(); ++i) {
        z.data()[i] = keys.active() ? keys.factor(static_cast<uint64_t>(i)) : 1.0f;
    }
    return z;
}

namespace detail {

void set_fused_attention_avx2(bool enabled) {
    try {
        kernels::set_attention_avx2(enabled);
    } catch (const ValueError&) {  // named for the function the user called
        throw ValueError("set_fused_attention_avx2: this CPU does not have AVX2 and FMA");
    }
}

bool fused_attention_avx2() { return kernels::attention_avx2(); }

const char* fused_attention_last_build() { return kernels::attention_last_build(); }

}  // namespace detail

}  // namespace ag
