/** \file
core/ops/pointwise.h — functions applied to each element: exp, log, sqrt, pow and the
activations. docs/add_an_op.md adds one of them, silu, step by step.

\verbatim
The derivative table (g = d(loss)/d(y), y = f(x)):
  y = exp(x)       dx = g * y
  y = log(x)       dx = g / x
  y = sqrt(x)      dx = g / (2 y)
  y = x^p          dx = g * p * x^(p-1)
  y = tanh(x)      dx = g * (1 - y^2)
  y = sigmoid(x)   dx = g * y * (1 - y)
  y = relu(x)      dx = g * [x > 0]
  y = gelu(x)      dx = g * (Phi(x) + x * phi(x))
  y = silu(x)      dx = g * s * (1 + x * (1 - s)),  s = sigmoid(x)
Outside a function's domain the result follows IEEE float rules (log(-1) is nan), as in
PyTorch.
\endverbatim
*/
#pragma once

#include "core/tensor.h"

namespace ag {

/// e^x.
Tensor exp(const Tensor& x);
/// The natural logarithm ln(x).
Tensor log(const Tensor& x);
/// The square root.
Tensor sqrt(const Tensor& x);
/// x raised to the constant power `exponent`.
Tensor pow(const Tensor& x, float exponent);
/// The hyperbolic tangent, (e^x - e^-x) / (e^x + e^-x).
Tensor tanh(const Tensor& x);
/// The logistic function 1 / (1 + e^-x), computed without overflow for large |x|.
Tensor sigmoid(const Tensor& x);
/// The rectifier max(x, 0). Its gradient at exactly 0 is taken as 0, as in PyTorch.
Tensor relu(const Tensor& x);
/// The Gaussian error linear unit x * Phi(x), where Phi(x) = (1 + erf(x / sqrt 2)) / 2 is the
/// standard normal CDF: the exact form, as PyTorch's default nn.GELU (Hendrycks & Gimpel).
Tensor gelu(const Tensor& x);
//! [silu_declaration]
/// The sigmoid linear unit x * sigmoid(x) (Elfwing et al., 2018; "swish" in Ramachandran et
/// al., 2017), as PyTorch's nn.SiLU. Element-wise: the output has x's shape. Throws nothing;
/// like sigmoid, it does not overflow for large |x|.
Tensor silu(const Tensor& x);
//! [silu_declaration]

}  // namespace ag
