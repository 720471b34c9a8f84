// core/shape.h — the dimensions of a tensor, and the broadcasting rule.
//
// A Shape is a list of sizes, outermost first: a batch of 8 sequences of 10 tokens embedded in
// 16 dimensions has shape [8,10,16]. A shape with no dimensions ([]) is a scalar, with one
// element.
//
// Broadcasting (the NumPy / PyTorch rule): to combine shapes a and b, align them at the right;
// in each position the sizes must be equal or one of them 1, and the result takes the larger.
// Missing leading dimensions count as 1. [8,10,16] + [16] -> [8,10,16]; [3,1] + [1,4] -> [3,4].
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace ag {

/// The sizes of a tensor's dimensions, outermost first. Cheap to copy for the ranks used here.
class Shape {
public:
    /// The scalar shape [] (rank 0, one element).
    Shape() = default;
    /// A shape from its sizes, e.g. Shape{2, 3}. Throws ValueError if a size is negative.
    Shape(std::initializer_list<int64_t> sizes);
    /// A shape from its sizes. Throws ValueError if a size is negative.
    explicit Shape(std::vector<int64_t> sizes);

    /// Number of dimensions (0 for a scalar).
    int64_t rank() const { return static_cast<int64_t>(sizes_.size()); }
    /// Size of dimension `dim`; negative `dim` counts from the end. Throws IndexError if out of
    /// range.
    int64_t operator[](int64_t dim) const;
    /// Product of the sizes: the number of elements (1 for a scalar).
    int64_t numel() const;
    /// The sizes as a vector.
    const std::vector<int64_t>& sizes() const { return sizes_; }
    /// Row-major strides, in elements: stride[i] = product of sizes[i+1:].
    std::vector<int64_t> strides() const;
    /// "[2,3]"; "[]" for a scalar.
    std::string to_string() const;

    /// Whether two shapes have the same sizes ([2,3] == [2,3]; [3] != [1,3]).
    friend bool operator==(const Shape& a, const Shape& b) { return a.sizes_ == b.sizes_; }

private:
    std::vector<int64_t> sizes_;
};

/// The broadcast of two shapes (see the rule at the top of this file).
/// Throws ShapeError naming `op` and both shapes when they cannot be broadcast,
/// e.g. "add: [2,3] and [4]: cannot broadcast (dimension 3 vs 4)".
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op);

/// Turns a possibly negative dimension index into 0..rank-1 (-1 is the last dimension).
/// Throws IndexError naming `op` when dim is outside [-rank, rank).
int64_t normalize_dim(int64_t dim, int64_t rank, std::string_view op);

}  // namespace ag
