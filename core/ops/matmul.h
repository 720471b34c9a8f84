/** \file
core/ops/matmul.h — the matrix product, batched and broadcast over leading dimensions.

\verbatim
  out[..., i, j] = sum_p a[..., i, p] * b[..., p, j]        a: [..., M, K], b: [..., K, N]

The derivative table (g = d(loss)/d(out), shape [..., M, N]):
  da = g @ b^T      [..., M, N] x [..., N, K] -> [..., M, K]
  db = a^T @ g      [..., K, M] x [..., M, N] -> [..., K, N]
summed over any batch dimension the input was broadcast along. Both products call the GEMM
kernel with transpose flags, so no transposed copy is ever made.
\endverbatim
*/
#pragma once

#include "core/tensor.h"

namespace ag {

/// The matrix product of the last two dimensions, a [..., M, K] x b [..., K, N] -> [..., M, N],
/// with the leading (batch) dimensions broadcast: [8,M,K] x [K,N] and [8,1,M,K] x [4,K,N] both
/// work. Throws ShapeError when a rank is below 2, when the inner dimensions differ
/// ("matmul: [2,3] x [4,5]: inner dimensions 3 and 4 differ") or when the batch dimensions do
/// not broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);

/// The affine map of a linear layer, as PyTorch's F.linear:
///   y = x W^T + b         x: [..., in], weight W: [out, in], bias b: [out] (or undefined)
/// computed as one GEMM over all leading positions with W read transposed in place.
/// Derivatives (g: [..., out]): dx = g W, dW = g^T x (summed over positions), db = sum of g.
/// Throws ShapeError when x's last dimension differs from W's second, or b is not [out].
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace ag
