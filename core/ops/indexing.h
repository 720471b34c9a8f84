/** \file
core/ops/indexing.h — ops that select or overwrite elements by index or mask: masked_fill
and embedding.

\verbatim
The derivative table (g = d(loss)/d(out)):
  out = masked_fill(x, mask, v)   dx = g where mask is 0, and 0 where it is set
  out = embedding(W, ids)         dW[v] = sum of g at every position whose id is v
  out = index_select(x, d, ids)   dx = g's slices added back at the positions they came from
\endverbatim
*/
#pragma once

#include "core/index_tensor.h"
#include "core/tensor.h"

namespace ag {

/// x with every element where `mask` is non-zero replaced by `value` (mask broadcast to x's
/// shape). Attention uses it to give masked positions a score of -1e9 before softmax
/// (ag::kMaskedScore: finite, so a row with every key masked gets uniform weights, not nan).
/// Throws ShapeError if mask does not broadcast to x's shape.
Tensor masked_fill(const Tensor& x, const Tensor& mask, float value);

/// Looks up rows of `weight` [V, D] by token id: ids of shape [...] give [..., D], with
/// out[..., :] = weight[ids[...], :]. Throws ShapeError if weight is not 2-d, IndexError naming
/// the id when an id is outside [0, V).
Tensor embedding(const Tensor& weight, const IndexTensor& ids);

/// The slices of x at positions `ids` along `dim`, in that order (repeats allowed), as
/// torch.index_select: x [..., n, ...] with ids [k] gives [..., k, ...]. Beam search uses it to
/// reorder cached states. Throws ShapeError unless ids is 1-d, IndexError naming an id outside
/// [0, n) or a bad dim.
Tensor index_select(const Tensor& x, int64_t dim, const IndexTensor& ids);

}  // namespace ag
