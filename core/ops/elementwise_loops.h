// core/ops/elementwise_loops.h — the loops shared by element-wise ops (internal to core/ops).
//
// Broadcasting without copies: a tensor of shape [3,1] read as if it had shape [3,4] is the
// same buffer walked with stride 0 along the repeated dimension. broadcast_strides() gives those
// strides, and for_each_row() walks the rows of the bigger shape, handing the row loop each
// operand's starting offset and inner stride.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/kernels/gemm_microkernel.h"  // cpu_has_avx2_fma
#include "core/kernels/vector_math.h"       // lane_sum, exp_vectorizable
#include "core/parallel.h"
#include "core/shape.h"
#include "core/tensor.h"

namespace ag::detail {

/// Strides (in elements) for reading a tensor of shape `in` as if it had the broadcast shape
/// `out`: the tensor's own strides, aligned at the right, with 0 where `in` has size 1 or lacks
/// the dimension. `in` must broadcast to `out`.
inline std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
    std::vector<int64_t> strides(out.rank(), 0);
    const std::vector<int64_t> own = in.strides();
    const int64_t shift = out.rank() - in.rank();
    for (int64_t d = 0; d < in.rank(); ++d) {
        strides[d + shift] = in.sizes()[d] == 1 ? 0 : own[d];
    }
    return strides;
}

/// Walks `shape` one innermost row at a time, rows [row_begin, row_end) (all of them by
/// default). For each row calls
///   row(first, offsets, count, inner_strides)
/// where `first` is the row's row-major position in `shape`, offsets[i] the row's start in
/// operand i (read with strides[i]), count the row length, and inner_strides[i] the step of
/// operand i along the row. The odometer over the outer dimensions is the only bookkeeping.
template <size_t N, class Row>
void for_each_row(const Shape& shape, const std::array<std::vector<int64_t>, N>& strides, Row row,
                  int64_t row_begin = 0, int64_t row_end = -1) {
    const int64_t rank = shape.rank();
    if (shape.numel() == 0) return;
    std::array<int64_t, N> offsets{};
    std::array<int64_t, N> inner{};
    if (rank == 0) {
        if (row_begin == 0 && row_end != 0) row(int64_t{0}, offsets, int64_t{1}, inner);
        return;
    }
    const std::span<const int64_t> sizes = shape.sizes();
    const int64_t count = sizes[rank - 1];
    for (size_t i = 0; i < N; ++i) inner[i] = strides[i][rank - 1];
    const int64_t rows = shape.numel() / count;
    if (row_end < 0 || row_end > rows) row_end = rows;
    // Set the odometer to row_begin: its digits are row_begin in the mixed radix of the sizes.
    std::vector<int64_t> index(rank, 0);
    for (int64_t d = rank - 2, rest = row_begin; d >= 0; --d) {
        index[d] = rest % sizes[d];
        rest /= sizes[d];
        for (size_t i = 0; i < N; ++i) offsets[i] += index[d] * strides[i][d];
    }
    for (int64_t r = row_begin; r < row_end; ++r) {
        row(r * count, offsets, count, inner);
        for (int64_t d = rank - 2; d >= 0; --d) {  // advance the odometer by one row
            if (++index[d] < sizes[d]) {
                for (size_t i = 0; i < N; ++i) offsets[i] += strides[i][d];
                break;
            }
            index[d] = 0;
            for (size_t i = 0; i < N; ++i) offsets[i] -= strides[i][d] * (sizes[d] - 1);
        }
    }
}

/// for_each_row with the rows split over threads (each row is visited by exactly one thread;
/// `row` must only write memory that belongs to its row).
template <size_t N, class Row>
void parallel_for_each_row(const Shape& shape, const std::array<std::vector<int64_t>, N>& strides,
                           Row row);

/// A tensor seen as [outer, n, inner] around dimension `dim` (n = the size of dim, outer and
/// inner the products of the sizes before and after it): the layout of every op that works
/// along one dimension (softmax, max, concat, slice, index_select). Element (o, k, i) is at
/// (o * n + k) * inner + i.
struct AroundDim {
    int64_t outer = 1, n = 1, inner = 1;
    AroundDim(const Shape& shape, int64_t dim) {
        for (int64_t d = 0; d < shape.rank(); ++d) {
            const int64_t size = shape.sizes()[d];
            if (d < dim) outer *= size;
            if (d == dim) n = size;
            if (d > dim) inner *= size;
        }
    }
};

/// Sums over rows, as in the backward of a bias or of a layer norm's weight (a vector that was
/// added to, or multiplied into, every row): returns the `width` floats sums[j] = the total of
/// what add_row(r, partial) adds to partial[j], over every row r in [0, rows).
///
/// `partial` is the running sum of one block of rows, not the final sums: add_row(r, partial)
/// must only add row r's terms into partial[0, width), and may also write memory that belongs to
/// row r alone (such as a row of dx). It is called from several threads at once, for different
/// rows. `work_per_row` (about how many floats a row reads or writes, at least 1) only sizes the
/// pieces handed to threads. Extra memory: ceil(rows / 64) * width floats. Throws what add_row
/// throws (after every piece ended), or std::bad_alloc.
///
/// Each thread reads whole rows, front to back. (Splitting the columns instead, each thread
/// taking half of every row, reads memory with holes that the prefetchers follow badly, so more
/// threads can be slower than one: docs/benchmark_notes.md, "Choices in the code".)
/// The rows are cut into blocks of kRowsPerBlock, a constant; one thread sums a block into its
/// own partial row, and the partial rows are added in block order, so the result depends on the
/// shape only, never on the number of threads.
template <class AddRow>
std::vector<float> sum_rows_in_blocks(int64_t rows, int64_t width, int64_t work_per_row,
                                      const AddRow& add_row) {
    constexpr int64_t kRowsPerBlock = 64;
    const int64_t blocks = (rows + kRowsPerBlock - 1) / kRowsPerBlock;
    const int64_t block_work = kRowsPerBlock * std::max<int64_t>(work_per_row, 1);
    std::vector<float> partial(static_cast<size_t>(blocks * width), 0.0f);
    float* const partial_rows = partial.data();
    parallel_for(0, blocks, grain_for(block_work),
                 [=, &add_row](int64_t first_block, int64_t end_block) {
                     for (int64_t block = first_block; block < end_block; ++block) {
                         float* const sums = partial_rows + block * width;
                         const int64_t end_row = std::min(rows, (block + 1) * kRowsPerBlock);
                         for (int64_t r = block * kRowsPerBlock; r < end_row; ++r) add_row(r, sums);
                     }
                 });
    std::vector<float> sums(static_cast<size_t>(width), 0.0f);
    for (int64_t block = 0; block < blocks; ++block) {
        const float* const block_sums = partial_rows + block * width;
        for (int64_t j = 0; j < width; ++j) sums[j] += block_sums[j];
    }
    return sums;
}

template <size_t N, class Row>
void parallel_for_each_row(const Shape& shape, const std::array<std::vector<int64_t>, N>& strides,
                           Row row) {
    const int64_t count = shape.rank() == 0 ? 1 : shape.sizes()[shape.rank() - 1];
    const int64_t rows = count == 0 ? 0 : shape.numel() / count;
    if (rows <= 1) return for_each_row(shape, strides, row);
    parallel_for(0, rows, grain_for(count), [&](int64_t begin, int64_t end) {
        for_each_row(shape, strides, row, begin, end);
    });
}

// ---- two builds of the element loop -------------------------------------------------------
// The library is built for the x86-64 baseline (SSE2: 4 floats per instruction, no FMA). As
// with the GEMM micro-kernels and fused attention, the loops of map, map2 and broadcast_map are
// also built for AVX2 + FMA (8 floats) and chosen at run time: for_each_index calls the same
// loop, compiled into a function with the target attribute, where the CPU has both. The body
// is always inlined, so that build gets its own instructions. The two builds differ only in
// rounding (FMA instead of a multiply and an add), and each is deterministic.

/// for i in [begin, end): body(i), in the build for any x86-64 CPU (or any other CPU).
template <class Body>
void for_each_index_portable(int64_t begin, int64_t end, const Body& body) {
    for (int64_t i = begin; i < end; ++i) body(i);
}

#if defined(__x86_64__)
/// for i in [begin, end): body(i), built for AVX2 + FMA. Call only if cpu_has_avx2_fma().
template <class Body>
__attribute__((target("avx2,fma"))) void for_each_index_avx2(int64_t begin, int64_t end,
                                                             const Body& body) {
    for (int64_t i = begin; i < end; ++i) body(i);
}
#endif

/// for i in [begin, end): body(i), in the build for this CPU. body must be a lambda marked
/// __attribute__((always_inline)), so that each build compiles its own copy.
template <class Body>
void for_each_index(int64_t begin, int64_t end, const Body& body) {
#if defined(__x86_64__)
    if (kernels::cpu_has_avx2_fma()) return for_each_index_avx2(begin, end, body);
#endif
    for_each_index_portable(begin, end, body);
}

/// out[i] = f(x[i]) for every element (split over threads for large tensors).
template <class F>
Tensor map(const Tensor& x, F f) {
    Tensor out(x.shape());
    const float* in = x.data();
    float* o = out.data();
    // The loops capture their pointers by value ([=]): through a reference the compiler must
    // reload them after every store, and does not vectorize the loop.
    parallel_for(0, x.numel(), kMinWorkPerPiece, [=](int64_t begin, int64_t end) {
        for_each_index(
            begin, end, [=](int64_t i) __attribute__((always_inline)) { o[i] = f(in[i]); });
    });
    return out;
}

/// out[i] = f(x[i], y[i]) for two tensors of the same shape (backward functions use it to
/// fuse a gradient formula into one loop).
template <class F>
Tensor map2(const Tensor& x, const Tensor& y, F f) {
    Tensor out(x.shape());
    const float* a = x.data();
    const float* b = y.data();
    float* o = out.data();
    parallel_for(0, x.numel(), kMinWorkPerPiece, [=](int64_t begin, int64_t end) {
        for_each_index(
            begin, end, [=](int64_t i) __attribute__((always_inline)) { o[i] = f(a[i], b[i]); });
    });
    return out;
}

/// out = f(a, b) element by element after broadcasting a and b to a common shape.
/// Throws ShapeError naming `op` when they do not broadcast, ValueError naming it when one is
/// undefined.
template <class F>
Tensor broadcast_map(const Tensor& a, const Tensor& b, std::string_view op, F f) {
    require_defined(op, a, 1, 2);
    require_defined(op, b, 2, 2);
    const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
    Tensor out(shape);
    const float* pa = a.data();
    const float* pb = b.data();
    float* po = out.data();
    const int64_t n = shape.numel();
    if (a.shape() == b.shape()) {  // the common case: no broadcasting at all
        parallel_for(0, n, kMinWorkPerPiece, [=](int64_t begin, int64_t end) {
            const auto element = [=](int64_t i) __attribute__((always_inline)) {
                po[i] = f(pa[i], pb[i]);
            };
            for_each_index(begin, end, element);
        });
    } else if (b.numel() == 1 && a.shape() == shape) {  // tensor with a scalar
        const float value = pb[0];
        parallel_for(0, n, kMinWorkPerPiece, [=](int64_t begin, int64_t end) {
            const auto element = [=](int64_t i) __attribute__((always_inline)) {
                po[i] = f(pa[i], value);
            };
            for_each_index(begin, end, element);
        });
    } else if (a.numel() == 1 && b.shape() == shape) {
        const float value = pa[0];
        parallel_for(0, n, kMinWorkPerPiece, [=](int64_t begin, int64_t end) {
            const auto element = [=](int64_t i) __attribute__((always_inline)) {
                po[i] = f(value, pb[i]);
            };
            for_each_index(begin, end, element);
        });
    } else {
        const std::array<std::vector<int64_t>, 2> strides{broadcast_strides(a.shape(), shape),
                                                          broadcast_strides(b.shape(), shape)};
        parallel_for_each_row(
            shape, strides, [&](int64_t first, auto offsets, int64_t count, auto step) {
                for (int64_t j = 0; j < count; ++j) {
                    po[first + j] = f(pa[offsets[0] + j * step[0]], pb[offsets[1] + j * step[1]]);
                }
            });
    }
    return out;
}

}  // namespace ag::detail
