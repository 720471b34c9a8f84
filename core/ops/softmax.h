/** \file
core/ops/softmax.h — softmax and log-softmax along one dimension, numerically stable.

\verbatim
  softmax(x)_i     = e^(x_i - m) / sum_j e^(x_j - m)          m = max_j x_j
  log_softmax(x)_i = x_i - m - log sum_j e^(x_j - m)
Subtracting the max changes nothing mathematically (it cancels) but keeps every exponent
<= 0, so logits of 1e4 neither overflow to inf nor produce nan.

The derivative table (g = d(loss)/d(y), sums along the same dimension):
  y = softmax(x)       dx = y * (g - sum_j g_j y_j)
  y = log_softmax(x)   dx = g - e^y * sum_j g_j
\endverbatim
*/
#pragma once

#include <cstdint>
#include <utility>

#include "core/tensor.h"

namespace ag {

/// Softmax along `dim` (default: the last): non-negative values summing to 1 along it.
/// Throws IndexError if dim is out of range.
Tensor softmax(const Tensor& x, int64_t dim = -1);
/// log(softmax(x)) along `dim`, computed directly (more accurate than composing the two).
/// Throws IndexError if dim is out of range.
Tensor log_softmax(const Tensor& x, int64_t dim = -1);

namespace detail {
/// The first two passes of a stable softmax over the n values x[0], x[stride], ...,
/// x[(n-1) * stride]: returns {m, log sum_j e^(x_j - m)} with m = max_j x_j, so that
/// log softmax(x)_j = x_j - m - log_sum. Shared by softmax, log_softmax and
/// nn::cross_entropy, which fuses the log-softmax into its loss. For n = 0, returns
/// {-infinity, -infinity}.
std::pair<float, float> max_and_log_sum_exp(const float* x, int64_t n, int64_t stride);
}  // namespace detail

}  // namespace ag
