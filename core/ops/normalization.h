/** \file
core/ops/normalization.h — layer normalization (Ba, Kiros & Hinton, 2016).

\verbatim
Each vector along the last dimension (one token's D features) is shifted to mean 0 and
scaled to variance 1, then given a learned scale and shift:
  mu = mean(x),  var = mean((x - mu)^2),  xhat = (x - mu) / sqrt(var + eps)
  y = xhat * weight + bias
The derivative table (g = d(loss)/d(y), means over the last dimension, rstd = 1/sqrt(var+eps)):
  dxhat   = g * weight
  dx      = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
  dweight = sum over all rows of g * xhat
  dbias   = sum over all rows of g
\endverbatim
*/
#pragma once

#include "core/tensor.h"

namespace ag {

/// Layer normalization over the last dimension of x [..., D], as PyTorch's
/// F.layer_norm(x, [D], weight, bias, eps) (biased variance). `weight` and `bias` are [D] or
/// undefined (then 1 and 0). Throws ShapeError when x has rank 0 or weight/bias are not [D].
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps = 1e-5f);

}  // namespace ag
