// core/ops/arithmetic.cpp — + - * / and negation: forward, then backward, per op.
#include "core/ops/arithmetic.h"

#include "core/autograd.h"
#include "core/ops/elementwise_loops.h"
#include "core/ops/reduce.h"

namespace ag {

Tensor add(const Tensor& a, const Tensor& b) {
    Tensor out = detail::broadcast_map(a, b, "add", [](float x, float y) { return x + y; });
    return record("add", out, {a, b}, [a_shape = a.shape(), b_shape = b.shape()](const Tensor& g) {
        return std::vector<Tensor>{sum_to(g, a_shape), sum_to(g, b_shape)};
    });
}

Tensor sub(const Tensor& a, const Tensor& b) {
    Tensor out = detail::broadcast_map(a, b, "sub", [](float x, float y) { return x - y; });
    return record("sub", out, {a, b}, [a_shape = a.shape(), b_shape = b.shape()](const Tensor& g) {
        return std::vector<Tensor>{sum_to(g, a_shape), neg(sum_to(g, b_shape))};
    });
}

//! [mul]
Tensor mul(const Tensor& a, const Tensor& b) {
    Tensor out = detail::broadcast_map(a, b, "mul", [](float x, float y) { return x * y; });
    // d(a*b)/da = b and d(a*b)/db = a: each input's gradient needs the other input's values,
    // so each is kept only if the other needs a gradient (x * 2: x itself is not kept).
    const bool a_needs = a.requires_grad(), b_needs = b.requires_grad();
    return record("mul", out, {a, b},
                  [a = b_needs ? a : Tensor(), b = a_needs ? b : Tensor(), a_needs, b_needs,
                   a_shape = a.shape(), b_shape = b.shape()](const Tensor& g) {
                      return std::vector<Tensor>{a_needs ? sum_to(g * b, a_shape) : Tensor(),
                                                 b_needs ? sum_to(g * a, b_shape) : Tensor()};
                  });
}
//! [mul]

Tensor div(const Tensor& a, const Tensor& b) {
    Tensor out = detail::broadcast_map(a, b, "div", [](float x, float y) { return x / y; });
    // d(a/b)/da = 1/b;  d(a/b)/db = -a/b^2 = -out/b.
    return record("div", out, {a, b},
                  [out = out.detach(), b, a_needs = a.requires_grad(), b_needs = b.requires_grad(),
                   a_shape = a.shape()](const Tensor& g) {
                      Tensor g_over_b = g / b;
                      return std::vector<Tensor>{
                          a_needs ? sum_to(g_over_b, a_shape) : Tensor(),
                          b_needs ? neg(sum_to(g_over_b * out, b.shape())) : Tensor()};
                  });
}

Tensor neg(const Tensor& a) {
    Tensor out = detail::map(a, [](float x) { return -x; });
    return record("neg", out, {a}, [](const Tensor& g) { return std::vector<Tensor>{neg(g)}; });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }
Tensor operator+(const Tensor& a, float b) { return add(a, scalar(b)); }
Tensor operator-(const Tensor& a, float b) { return sub(a, scalar(b)); }
Tensor operator*(const Tensor& a, float b) { return mul(a, scalar(b)); }
Tensor operator/(const Tensor& a, float b) { return div(a, scalar(b)); }
Tensor operator+(float a, const Tensor& b) { return add(scalar(a), b); }
Tensor operator-(float a, const Tensor& b) { return sub(scalar(a), b); }
Tensor operator*(float a, const Tensor& b) { return mul(scalar(a), b); }
Tensor operator/(float a, const Tensor& b) { return div(scalar(a), b); }

}  // namespace ag
