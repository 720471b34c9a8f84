/** \file
core/ops/dropout.h — dropout (Srivastava et al., 2014).

\verbatim
While training, each element is zeroed with probability p and the survivors are scaled by
1/(1-p), so the expected value of every element is unchanged and evaluation (which applies
no dropout) sees activations of the same size ("inverted dropout", as PyTorch).
  y = x * m / (1 - p),  m_i ~ Bernoulli(1 - p)        dx = g * m / (1 - p)
\endverbatim
*/
#pragma once

#include "core/random.h"
#include "core/tensor.h"

namespace ag {

/// Dropout with drop probability `p`, drawing the mask from `generator`. Returns x itself
/// when not `training` or when p is 0; all zeros when p is 1. Throws ValueError unless
/// 0 <= p <= 1.
Tensor dropout(const Tensor& x, float p, bool training, Generator& generator);
/// dropout() drawing from this thread's default generator.
Tensor dropout(const Tensor& x, float p, bool training);

}  // namespace ag
