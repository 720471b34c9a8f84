/** \file
core/index_tensor.h — an n-dimensional array of integer indices (token ids, class targets).

\verbatim
Tensor holds float32 only, which is all gradients need. Token ids and targets are whole
numbers that index into something (an embedding table, a vocabulary of logits) and never get
a gradient, so they live in this plain, separate type: a float can never be mistaken for an
index.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.h"

namespace ag {

/// An n-dimensional, row-major array of int64 indices. Not differentiable.
class IndexTensor {
public:
    /// An empty index tensor of shape [0].
    IndexTensor() : shape_{0} {}
    /// Indices `values` (row-major) with `shape`. Throws ShapeError if
    /// values.size() != shape.numel().
    IndexTensor(std::vector<int64_t> values, const Shape& shape);
    /// A 1-d index tensor holding `values`.
    explicit IndexTensor(std::vector<int64_t> values);

    /// The shape, e.g. [B, S] for a batch of token ids.
    const Shape& shape() const { return shape_; }
    /// The number of indices.
    int64_t numel() const { return static_cast<int64_t>(values_.size()); }
    /// The indices, row-major, read-only.
    const int64_t* data() const { return values_.data(); }
    /// The indices, row-major, writable.
    int64_t* data() { return values_.data(); }
    /// The indices, row-major, as a vector.
    const std::vector<int64_t>& values() const { return values_; }
    /// The index at a multi-index, e.g. ids.at({b, t}). Throws IndexError when out of range.
    int64_t at(std::initializer_list<int64_t> index) const;
    /// "indices([2,3], [[1, 2, 3], [4, 5, 6]])".
    std::string to_string() const;

private:
    Shape shape_;
    std::vector<int64_t> values_;
};

}  // namespace ag
