// core/ops/shape_ops.cpp — reshape, broadcast_to, permute, transpose, concat, slice, split:
// forward, then backward, per op.
#include "core/ops/shape_ops.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/elementwise_loops.h"
#include "core/ops/reduce.h"

namespace ag {

namespace {

std::string sizes_to_string(const std::vector<int64_t>& sizes) {
    std::string text = "[";
    for (size_t i = 0; i < sizes.size(); ++i) text += (i ? "," : "") + std::to_string(sizes[i]);
    return text + "]";
}

// Copies `count` blocks of `block` floats; block i goes from src + i*src_stride to
// dst + i*dst_stride. The loop behind concat, slice and their backwards.
void copy_blocks(const float* src, int64_t src_stride, float* dst, int64_t dst_stride,
                 int64_t count, int64_t block) {
    for (int64_t i = 0; i < count; ++i) {
        std::memcpy(dst + i * dst_stride, src + i * src_stride,
                    static_cast<size_t>(block) * sizeof(float));
    }
}

}  // namespace

Tensor reshape(const Tensor& x, const std::vector<int64_t>& sizes) {
    std::vector<int64_t> resolved = sizes;
    int64_t known = 1;
    int64_t inferred = -1;
    for (size_t i = 0; i < sizes.size(); ++i) {
        if (sizes[i] == -1 && inferred == -1) {
            inferred = static_cast<int64_t>(i);
        } else if (sizes[i] < 0) {
            throw ValueError("reshape: invalid size list " + sizes_to_string(sizes) +
                             " (sizes must be >= 0, with at most one -1)");
        } else {
            known *= sizes[i];
        }
    }
    if (inferred >= 0) {
        if (known == 0 || x.numel() % known != 0) {
            throw ShapeError("reshape: cannot infer -1 in " + sizes_to_string(sizes) +
                             " for a tensor of shape " + x.shape().to_string());
        }
        resolved[inferred] = x.numel() / known;
    }
    const Shape shape(resolved);
    if (shape.numel() != x.numel()) {
        throw ShapeError("reshape: " + x.shape().to_string() + " (" + std::to_string(x.numel()) +
                         " elements) to " + shape.to_string() + " (" +
                         std::to_string(shape.numel()) + " elements)");
    }
    Tensor out = x.detach();  // a new tensor sharing x's storage
    out.impl()->shape = shape;
    return record("reshape", out, {x}, [x_shape = x.shape()](const Tensor& g) {
        return std::vector<Tensor>{reshape(g, x_shape.to_vector())};
    });
}

Tensor unsqueeze(const Tensor& x, int64_t dim) {
    const int64_t d = normalize_dim(dim, x.rank() + 1, "unsqueeze");
    std::vector<int64_t> sizes = x.shape().to_vector();
    sizes.insert(sizes.begin() + d, 1);
    return reshape(x, sizes);
}

Tensor squeeze(const Tensor& x, int64_t dim) {
    const int64_t d = normalize_dim(dim, x.rank(), "squeeze");
    if (x.size(d) != 1) {
        throw ShapeError("squeeze: dimension " + std::to_string(dim) + " of " +
                         x.shape().to_string() + " has size " + std::to_string(x.size(d)) +
                         ", not 1");
    }
    std::vector<int64_t> sizes = x.shape().to_vector();
    sizes.erase(sizes.begin() + d);
    return reshape(x, sizes);
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
    if (x.shape() == shape) return x;
    if (!(broadcast_shapes(x.shape(), shape, "broadcast_to") == shape)) {
        throw ShapeError("broadcast_to: " + x.shape().to_string() + " cannot be broadcast to " +
                         shape.to_string());
    }
    Tensor out(shape);
    const float* in = x.data();
    float* o = out.data();
    const std::array<std::vector<int64_t>, 1> strides{detail::broadcast_strides(x.shape(), shape)};
    detail::parallel_for_each_row(shape, strides,
                                  [&](int64_t first, auto offsets, int64_t count, auto step) {
                                      for (int64_t j = 0; j < count; ++j)
                                          o[first + j] = in[offsets[0] + j * step[0]];
                                  });
    return record("broadcast_to", out, {x}, [x_shape = x.shape()](const Tensor& g) {
        return std::vector<Tensor>{sum_to(g, x_shape)};
    });
}

Tensor permute(const Tensor& x, const std::vector<int64_t>& dims) {
    const int64_t rank = x.rank();
    std::vector<int64_t> order(dims.size());
    std::vector<bool> used(rank, false);
    bool valid = static_cast<int64_t>(dims.size()) == rank;
    for (size_t i = 0; valid && i < dims.size(); ++i) {
        valid = dims[i] >= -rank && dims[i] < rank;
        if (!valid) break;
        order[i] = dims[i] < 0 ? dims[i] + rank : dims[i];
        valid = !used[order[i]];
        used[order[i]] = true;
    }
    if (!valid) {
        throw ShapeError("permute: " + sizes_to_string(dims) +
                         " is not a permutation of the dimensions of " + x.shape().to_string());
    }
    // out[i0, i1, ...] = x[... with i_k at position order[k] ...]: read x with its own strides
    // taken in the new order.
    const std::vector<int64_t> x_strides = x.shape().strides();
    std::vector<int64_t> out_sizes(rank);
    std::array<std::vector<int64_t>, 1> read_strides{std::vector<int64_t>(rank)};
    std::vector<int64_t> inverse(rank);
    for (int64_t i = 0; i < rank; ++i) {
        out_sizes[i] = x.shape().sizes()[order[i]];
        read_strides[0][i] = x_strides[order[i]];
        inverse[order[i]] = i;
    }
    Tensor out{Shape(out_sizes)};
    const float* in = x.data();
    float* o = out.data();
    detail::parallel_for_each_row(out.shape(), read_strides,
                                  [&](int64_t first, auto offsets, int64_t count, auto step) {
                                      for (int64_t j = 0; j < count; ++j)
                                          o[first + j] = in[offsets[0] + j * step[0]];
                                  });
    return record("permute", out, {x},
                  [inverse](const Tensor& g) { return std::vector<Tensor>{permute(g, inverse)}; });
}

Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1) {
    const int64_t a = normalize_dim(dim0, x.rank(), "transpose");
    const int64_t b = normalize_dim(dim1, x.rank(), "transpose");
    std::vector<int64_t> order(x.rank());
    std::iota(order.begin(), order.end(), 0);
    std::swap(order[a], order[b]);
    return permute(x, order);
}

Tensor concat(const std::vector<Tensor>& tensors, int64_t dim) {
    if (tensors.empty()) throw ValueError("concat: no tensors to join");
    for (size_t i = 0; i < tensors.size(); ++i) {
        require_defined("concat", tensors[i], static_cast<int>(i) + 1,
                        static_cast<int>(tensors.size()));
    }
    const Shape& first = tensors[0].shape();
    const int64_t d = normalize_dim(dim, first.rank(), "concat");
    std::vector<int64_t> sizes = first.to_vector();
    sizes[d] = 0;
    std::vector<int64_t> offsets;  // where each input starts along d
    for (const Tensor& t : tensors) {
        bool fits = t.rank() == first.rank();
        for (int64_t k = 0; fits && k < first.rank(); ++k) {
            fits = k == d || t.shape().sizes()[k] == first.sizes()[k];
        }
        if (!fits) {
            throw ShapeError("concat: " + first.to_string() + " and " + t.shape().to_string() +
                             " differ outside dimension " + std::to_string(dim));
        }
        offsets.push_back(sizes[d]);
        sizes[d] += t.shape().sizes()[d];
    }
    Tensor out{Shape(sizes)};
    const detail::AroundDim view(first, d);
    const int64_t outer = view.outer, inner = view.inner;
    for (size_t i = 0; i < tensors.size(); ++i) {
        const int64_t block = tensors[i].size(d) * inner;
        copy_blocks(tensors[i].data(), block, out.data() + offsets[i] * inner, sizes[d] * inner,
                    outer, block);
    }
    std::vector<int64_t> lengths;
    for (const Tensor& t : tensors) lengths.push_back(t.size(d));
    return record("concat", out, tensors,
                  [d, lengths](const Tensor& g) { return split(g, lengths, d); });
}

Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end) {
    const int64_t d = normalize_dim(dim, x.rank(), "slice");
    const int64_t size = x.size(d);
    start = std::clamp(start < 0 ? start + size : start, int64_t{0}, size);
    end = std::clamp(end < 0 ? end + size : end, start, size);
    std::vector<int64_t> sizes = x.shape().to_vector();
    sizes[d] = end - start;
    Tensor out{Shape(sizes)};
    const detail::AroundDim view(x.shape(), d);
    const int64_t outer = view.outer, inner = view.inner;
    copy_blocks(x.data() + start * inner, size * inner, out.data(), sizes[d] * inner, outer,
                sizes[d] * inner);
    // Backward: the slice's gradient goes back where the slice came from; the rest gets 0.
    return record(
        "slice", out, {x},
        [x_shape = x.shape(), start, outer, inner, size, length = sizes[d]](const Tensor& g) {
            Tensor dx = zeros(x_shape);
            copy_blocks(g.data(), length * inner, dx.data() + start * inner, size * inner, outer,
                        length * inner);
            return std::vector<Tensor>{dx};
        });
}

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
    const int64_t d = normalize_dim(dim, x.rank(), "split");
    const int64_t total = std::accumulate(sizes.begin(), sizes.end(), int64_t{0});
    const bool negative = std::any_of(sizes.begin(), sizes.end(), [](int64_t s) { return s < 0; });
    if (negative || total != x.size(d)) {
        throw ShapeError("split: sizes " + sizes_to_string(sizes) + " do not add up to size " +
                         std::to_string(x.size(d)) + " of dimension " + std::to_string(dim) +
                         " of " + x.shape().to_string());
    }
    std::vector<Tensor> pieces;
    int64_t start = 0;
    for (int64_t size : sizes) {
        pieces.push_back(slice(x, d, start, start + size));
        start += size;
    }
    return pieces;
}

std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
    if (split_size <= 0) {
        throw ValueError("split: split_size must be positive, got " + std::to_string(split_size));
    }
    const int64_t size = x.size(normalize_dim(dim, x.rank(), "split"));
    std::vector<int64_t> sizes;
    for (int64_t start = 0; start < size; start += split_size) {
        sizes.push_back(std::min(split_size, size - start));
    }
    return split(x, sizes, dim);
}

}  // namespace ag
