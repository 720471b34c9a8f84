/** \file
core/ops/arithmetic.h — + - * / and negation, with broadcasting.

\verbatim
The derivative table (g = d(loss)/d(out); sum_to reduces a gradient back to an input's shape
where that input was broadcast, because a value used many times receives the sum):
  out = a + b   da = sum_to(g)          db = sum_to(g)
  out = a - b   da = sum_to(g)          db = -sum_to(g)
  out = a * b   da = sum_to(g * b)      db = sum_to(g * a)
  out = a / b   da = sum_to(g / b)      db = -sum_to(g * a / b^2)
  out = -a      da = -g
All throw ShapeError naming the op and both shapes when a and b do not broadcast.
\endverbatim
*/
#pragma once

#include "core/tensor.h"

namespace ag {

/// a + b, element-wise with broadcasting.
Tensor add(const Tensor& a, const Tensor& b);
/// a - b, element-wise with broadcasting.
Tensor sub(const Tensor& a, const Tensor& b);
/// a * b, element-wise (Hadamard) with broadcasting; for the matrix product see matmul.
Tensor mul(const Tensor& a, const Tensor& b);
/// a / b, element-wise with broadcasting (IEEE rules: x / 0 is inf or nan).
Tensor div(const Tensor& a, const Tensor& b);
/// -a.
Tensor neg(const Tensor& a);

///@{
/// Operators for the functions above; a float operand acts as a scalar tensor.
Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
Tensor operator+(const Tensor& a, float b);
Tensor operator-(const Tensor& a, float b);
Tensor operator*(const Tensor& a, float b);
Tensor operator/(const Tensor& a, float b);
Tensor operator+(float a, const Tensor& b);
Tensor operator-(float a, const Tensor& b);
Tensor operator*(float a, const Tensor& b);
Tensor operator/(float a, const Tensor& b);
///@}

}  // namespace ag
