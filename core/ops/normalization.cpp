// core/ops/normalization.cpp — layer_norm: forward, then backward, as one fused op.
//
// Fused rather than composed from mean, sub, pow and div: one pass per row forward and one
// backward, and the backward reads like the formula in the header.
#include "core/ops/normalization.h"

#include <cmath>

#include "core/autograd.h"
#include "core/error.h"

namespace ag {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps) {
    if (x.rank() == 0) throw ShapeError("layer_norm: input must have at least one dimension");
    const int64_t d = x.size(-1);
    for (const Tensor* param : {&weight, &bias}) {
        if (param->defined() && !(param->shape() == Shape{d})) {
            throw ShapeError("layer_norm: input " + x.shape().to_string() + " needs " +
                             (param == &weight ? "weight" : "bias") + " of shape [" +
                             std::to_string(d) + "], got " + param->shape().to_string());
        }
    }
    const int64_t rows = d == 0 ? 0 : x.numel() / d;
    Tensor y(x.shape());
    Tensor xhat(x.shape());    // saved for backward
    Tensor rstd(Shape{rows});  // 1 / sqrt(var + eps) per row, saved for backward
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x.data() + r * d;
        float mean = 0.0f;
        for (int64_t j = 0; j < d; ++j) mean += xr[j];
        mean /= static_cast<float>(d);
        float var = 0.0f;
        for (int64_t j = 0; j < d; ++j) var += (xr[j] - mean) * (xr[j] - mean);
        var /= static_cast<float>(d);
        const float inv_std = 1.0f / std::sqrt(var + eps);
        rstd.data()[r] = inv_std;
        for (int64_t j = 0; j < d; ++j) {
            const float h = (xr[j] - mean) * inv_std;
            xhat.data()[r * d + j] = h;
            const float w = weight.defined() ? weight.data()[j] : 1.0f;
            const float b = bias.defined() ? bias.data()[j] : 0.0f;
            y.data()[r * d + j] = h * w + b;
        }
    }
    return record("layer_norm", y, {x, weight, bias},
                  [xhat, rstd, weight = weight.defined() ? weight.detach() : Tensor(),
                   has_bias = bias.defined(), d, rows](const Tensor& g) {
                      Tensor dx(xhat.shape());
                      Tensor dweight = weight.defined() ? zeros(Shape{d}) : Tensor();
                      Tensor dbias = has_bias ? zeros(Shape{d}) : Tensor();
                      for (int64_t r = 0; r < rows; ++r) {
                          const float* gr = g.data() + r * d;
                          const float* hr = xhat.data() + r * d;
                          // mean(dxhat) and mean(dxhat * xhat), with dxhat = g * weight
                          float mean_dxhat = 0.0f, mean_dxhat_xhat = 0.0f;
                          for (int64_t j = 0; j < d; ++j) {
                              const float dxhat = gr[j] * (weight.defined() ? weight.data()[j] : 1);
                              mean_dxhat += dxhat;
                              mean_dxhat_xhat += dxhat * hr[j];
                          }
                          mean_dxhat /= static_cast<float>(d);
                          mean_dxhat_xhat /= static_cast<float>(d);
                          for (int64_t j = 0; j < d; ++j) {
                              const float dxhat = gr[j] * (weight.defined() ? weight.data()[j] : 1);
                              dx.data()[r * d + j] =
                                  rstd.data()[r] * (dxhat - mean_dxhat - hr[j] * mean_dxhat_xhat);
                              if (dweight.defined()) dweight.data()[j] += gr[j] * hr[j];
                              if (dbias.defined()) dbias.data()[j] += gr[j];
                          }
                      }
                      return std::vector<Tensor>{dx, dweight, dbias};
                  });
}

}  // namespace ag
