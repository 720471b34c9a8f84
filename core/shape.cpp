// core/shape.cpp — Shape and the broadcasting rule.
#include "core/shape.h"

#include <algorithm>

#include "core/error.h"

namespace ag {

Shape::Shape(std::initializer_list<int64_t> sizes)
    : Shape(std::span<const int64_t>(sizes.begin(), sizes.size())) {}

Shape::Shape(std::span<const int64_t> sizes) {
    if (static_cast<int64_t>(sizes.size()) > kMaxRank) {
        throw ShapeError("Shape: rank " + std::to_string(sizes.size()) +
                         " exceeds the maximum of " + std::to_string(kMaxRank));
    }
    rank_ = static_cast<int64_t>(sizes.size());
    std::copy(sizes.begin(), sizes.end(), sizes_.begin());
    // Every size >= 0, and the product of the non-zero sizes at most kMaxElements, so numel(),
    // strides() and every byte count (numel * 8 at most) can never overflow int64.
    int64_t product = 1;
    for (int64_t s : sizes) {
        if (s < 0) throw ValueError("Shape: negative size in " + to_string());
        if (s > 0 && product > kMaxElements / s) {
            throw ValueError("Shape: " + to_string() + " has more than 2^60 elements");
        }
        if (s > 0) product *= s;
    }
}

int64_t Shape::operator[](int64_t dim) const { return sizes_[normalize_dim(dim, rank(), "Shape")]; }

int64_t Shape::numel() const {
    int64_t n = 1;
    for (int64_t i = 0; i < rank_; ++i) n *= sizes_[i];
    return n;
}

std::vector<int64_t> Shape::strides() const {
    std::vector<int64_t> strides(static_cast<size_t>(rank_));
    int64_t stride = 1;
    for (int64_t i = rank() - 1; i >= 0; --i) {
        strides[i] = stride;
        stride *= sizes_[i];
    }
    return strides;
}

std::string Shape::to_string() const {
    std::string text = "[";
    for (int64_t i = 0; i < rank_; ++i) {
        if (i > 0) text += ",";
        text += std::to_string(sizes_[i]);
    }
    return text + "]";
}

//! [broadcast_shapes]
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view op) {
    if (a == b) return a;
    const int64_t rank = std::max(a.rank(), b.rank());
    std::vector<int64_t> sizes(rank);
    // Walk from the right; a missing leading dimension counts as 1.
    for (int64_t i = 0; i < rank; ++i) {
        const int64_t size_a = i < a.rank() ? a.sizes()[a.rank() - 1 - i] : 1;
        const int64_t size_b = i < b.rank() ? b.sizes()[b.rank() - 1 - i] : 1;
        if (size_a != size_b && size_a != 1 && size_b != 1) {
            throw ShapeError(std::string(op) + ": " + a.to_string() + " and " + b.to_string() +
                             ": cannot broadcast (dimension " + std::to_string(size_a) + " vs " +
                             std::to_string(size_b) + ")");
        }
        sizes[rank - 1 - i] = size_a == 1 ? size_b : size_a;
    }
    return Shape(std::move(sizes));
}
//! [broadcast_shapes]

int64_t normalize_dim(int64_t dim, int64_t rank, std::string_view op) {
    if (dim < -rank || dim >= rank) {
        throw IndexError(std::string(op) + ": dimension " + std::to_string(dim) +
                         " out of range for a tensor of rank " + std::to_string(rank));
    }
    return dim < 0 ? dim + rank : dim;
}

}  // namespace ag
