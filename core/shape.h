/** \file
core/shape.h — the dimensions of a tensor, and the broadcasting rule.

\verbatim
A Shape is a list of sizes, outermost first: a batch of 8 sequences of 10 tokens embedded in
16 dimensions has shape [8,10,16]. A shape with no dimensions ([]) is a scalar, with one
element.

Broadcasting (the NumPy / PyTorch rule): to combine shapes a and b, align them at the right;
in each position the sizes must be equal or one of them 1, and the result takes the larger.
Missing leading dimensions count as 1. [8,10,16] + [16] -> [8,10,16]; [3,1] + [1,4] -> [3,4].
\endverbatim
*/
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ag {

/// The sizes of a tensor's dimensions, outermost first. Held inline (no heap allocation), so
/// copying a Shape, which every op does several times, is cheap; at most kMaxRank dimensions.
class Shape {
public:
    /// The most dimensions a tensor may have (PyTorch allows more; nothing here needs them).
    static constexpr int64_t kMaxRank = 8;
    /// The most elements a tensor may have, 2^60: every element and byte count then fits in
    /// int64 (a product of sizes that overflowed would silently make a wrong, small tensor).
    static constexpr int64_t kMaxElements = int64_t{1} << 60;

    /// The scalar shape [] (rank 0, one element).
    Shape() = default;
    /// A shape from its sizes, e.g. Shape{2, 3}. Throws ValueError if a size is negative or the
    /// non-zero sizes multiply to more than kMaxElements (so strides stay in int64 even when
    /// another size is 0), ShapeError if there are more than kMaxRank sizes.
    Shape(std::initializer_list<int64_t> sizes);
    /// A shape from its sizes. Throws as the constructor above.
    explicit Shape(std::span<const int64_t> sizes);
    /// A shape from its sizes. Throws as the constructor above.
    explicit Shape(const std::vector<int64_t>& sizes)
        : Shape(std::span<const int64_t>(sizes.data(), sizes.size())) {}

    /// Number of dimensions (0 for a scalar).
    int64_t rank() const { return rank_; }
    /// Size of dimension `dim`; negative `dim` counts from the end. Throws IndexError if out of
    /// range.
    int64_t operator[](int64_t dim) const;
    /// Product of the sizes: the number of elements (1 for a scalar).
    int64_t numel() const;
    /// The sizes, as a view into this Shape (valid while it lives).
    std::span<const int64_t> sizes() const { return {sizes_.data(), static_cast<size_t>(rank_)}; }
    /// The sizes as a vector, e.g. to edit them into a new shape.
    std::vector<int64_t> to_vector() const { return {sizes_.begin(), sizes_.begin() + rank_}; }
    /// Row-major strides, in elements: stride[i] = product of sizes[i+1:].
    std::vector<int64_t> strides() const;
    /// "[2,3]"; "[]" for a scalar.
    std::string to_string() const;

    /// Equal when the ranks and all sizes are equal.
    friend bool operator==(const Shape& a, const Shape& b) {
        if (a.rank_ != b.rank_) return false;
        for (int64_t i = 0; i < a.rank_; ++i) {
            if (a.sizes_[i] != b.sizes_[i]) return false;
        }
        return true;
    }

private:
    std::array<int64_t, kMaxRank> sizes_{};
    int64_t rank_ = 0;
};

/// The broadcast of two shapes (see the rule in the description of core/shape.h).
/// Throws ShapeError naming `op` and both shapes when they cannot be broadcast,
/// e.g. "add: [2,3] and [4]: cannot broadcast (dimension 3 vs 4)".
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op);

/// Turns a possibly negative dimension index into 0..rank-1 (-1 is the last dimension).
/// Throws IndexError naming `op` when dim is outside [-rank, rank).
int64_t normalize_dim(int64_t dim, int64_t rank, std::string_view op);

}  // namespace ag
