/** \file
core/ops/shape_ops.h — ops that move elements without changing them: reshape, broadcast_to,
transpose, permute, concat, slice, split.

\verbatim
The derivative table (g = d(loss)/d(out)): each op's backward moves g back the way the
elements came.
  out = reshape(x, s)           dx = reshape(g, x.shape)
  out = broadcast_to(x, s)      dx = sum_to(g, x.shape)
  out = permute(x, p)           dx = permute(g, inverse of p)
  out = transpose(x, i, j)      dx = transpose(g, i, j)
  out = concat({x0, x1..}, d)   dxk = slice of g along d where xk was placed
  out = slice(x, d, b, e)       dx = zeros with g placed at [b, e) along d
reshape shares x's storage; the others copy (attograd keeps every tensor contiguous).
\endverbatim
*/
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace ag {

/// The same elements, in the same row-major order, with new sizes; one size may be -1 and is
/// then inferred. Shares storage with x. Throws ShapeError if the element counts differ or -1
/// cannot be inferred, ValueError for a size below -1 or a second -1.
Tensor reshape(const Tensor& x, const std::vector<int64_t>& sizes);
/// x with a new dimension of size 1 inserted at position `dim` (in [-rank-1, rank]).
Tensor unsqueeze(const Tensor& x, int64_t dim);
/// x without dimension `dim`, which must have size 1. Throws ShapeError otherwise.
Tensor squeeze(const Tensor& x, int64_t dim);
/// x repeated along its size-1 (and missing leading) dimensions to `shape`, by the
/// broadcasting rule. Throws ShapeError if x does not broadcast to `shape`.
Tensor broadcast_to(const Tensor& x, const Shape& shape);
/// Reorders the dimensions: out.size(i) = x.size(dims[i]). `dims` is a permutation of
/// 0..rank-1 (negative entries allowed). Throws ShapeError if it is not.
Tensor permute(const Tensor& x, const std::vector<int64_t>& dims);
/// Swaps dimensions dim0 and dim1 (e.g. [B,T,H,Dh] -> [B,H,T,Dh] with 1, 2).
Tensor transpose(const Tensor& x, int64_t dim0, int64_t dim1);
/// Joins tensors along `dim`; all other sizes must agree. Throws ShapeError naming the
/// mismatching shapes, ValueError for an empty list or an undefined tensor in it (by place).
Tensor concat(const std::vector<Tensor>& tensors, int64_t dim);
/// The elements with index start <= i < end along `dim` (Python's x[..., start:end, ...]);
/// negative start/end count from the end, and both are clamped to [0, size].
Tensor slice(const Tensor& x, int64_t dim, int64_t start, int64_t end);
/// Splits x along `dim` into pieces of `split_size` (the last may be smaller), as torch.split.
/// Throws ValueError if split_size <= 0.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim);
/// Splits x along `dim` into pieces of the given sizes, which must add up to x.size(dim).
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim);

}  // namespace ag
