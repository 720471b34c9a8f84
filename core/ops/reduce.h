/** \file
core/ops/reduce.h — reductions: sum, mean, max over dimensions; sum_to for broadcasting.

\verbatim
The derivative table (g = d(loss)/d(out)):
  out = sum(x, dims)    dx = broadcast_to(g, x.shape)       every summand gets g
  out = mean(x, dims)   dx = broadcast_to(g, x.shape) / n   n = elements averaged
  out = max(x, dim)     dx = g at the (first) position of the max, 0 elsewhere
  out = sum_to(x, s)    dx = broadcast_to(g, x.shape)
With keepdim the reduced dimensions stay as size 1 ([2,3,4] summed over 1 -> [2,1,4]);
without, they are removed ([2,4]). Dimensions may be negative (-1 is the last).
\endverbatim
*/
#pragma once

#include <cstdint>
#include <vector>

#include "core/index_tensor.h"
#include "core/tensor.h"

namespace ag {

/// The sum of all elements, as a scalar (shape []).
Tensor sum(const Tensor& x);
/// The sum over `dim`. Throws IndexError if dim is out of range.
Tensor sum(const Tensor& x, int64_t dim, bool keepdim = false);
/// The sum over each dimension in `dims` (no repeats). Throws IndexError if one is out of
/// range, ValueError if one repeats.
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
/// The mean of all elements, as a scalar. Throws ValueError for an empty tensor.
Tensor mean(const Tensor& x);
/// The mean over `dim`.
Tensor mean(const Tensor& x, int64_t dim, bool keepdim = false);
/// The mean over each dimension in `dims`. Throws like sum, and ValueError if it averages
/// over zero elements.
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
/// The largest element along `dim` (the values of torch.max(x, dim)). Throws IndexError if dim
/// is out of range, ValueError if that dimension is empty.
Tensor max(const Tensor& x, int64_t dim, bool keepdim = false);
/// The position of the largest element along `dim` (the first one, on ties); not
/// differentiable. Used by greedy decoding and accuracy.
IndexTensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
/// Sums `x` down to `shape`, the inverse of broadcasting: the gradient of a broadcast input is
/// the sum over the positions it was repeated in. Returns x itself when the shapes are equal.
/// Throws ShapeError if `shape` does not broadcast to x's shape.
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace ag
