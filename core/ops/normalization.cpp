// core/ops/normalization.cpp — layer_norm: forward, then backward, as one fused op.
//
// Fused rather than composed from mean, sub, pow and div: one pass per row forward and one
// backward, and the backward reads like the formula in the header.
#include "core/ops/normalization.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/elementwise_loops.h"
#include "core/parallel.h"

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
    const float* w = weight.defined() ? weight.data() : nullptr;
    const float* b = bias.defined() ? bias.data() : nullptr;
    parallel_for(0, rows, grain_for(d), [&](int64_t first_row, int64_t end_row) {
        for (int64_t r = first_row; r < end_row; ++r) {
            //! [layer_norm_forward_row]
            const float* xr = x.data() + r * d;
            float* hr = xhat.data() + r * d;
            float* yr = y.data() + r * d;
            const float mean =
                detail::lane_sum(d, [&](int64_t j) { return xr[j]; }) / static_cast<float>(d);
            const float var =
                detail::lane_sum(d, [&](int64_t j) { return (xr[j] - mean) * (xr[j] - mean); }) /
                static_cast<float>(d);
            const float inv_std = 1.0f / std::sqrt(var + eps);
            rstd.data()[r] = inv_std;
            for (int64_t j = 0; j < d; ++j) hr[j] = (xr[j] - mean) * inv_std;
            for (int64_t j = 0; j < d; ++j) yr[j] = w ? hr[j] * w[j] : hr[j];
            if (b) {
                for (int64_t j = 0; j < d; ++j) yr[j] += b[j];
            }
            //! [layer_norm_forward_row]
        }
    });
    return record(
        "layer_norm", y, {x, weight, bias},
        [xhat, rstd, weight, has_bias = bias.defined(), d, rows](const Tensor& g) {
            Tensor dx(xhat.shape());
            const float* w = weight.defined() ? weight.data() : nullptr;
            const float* grad = g.data();
            const float* normalized = xhat.data();
            const float* inv_stds = rstd.data();
            float* dx_data = dx.data();
            // One pass over the rows: each row's dx (rows are independent), and, in the same
            // pass, its terms of dweight = sum over rows of g * xhat (sums[0, d), when there is
            // a weight) and dbias = sum over rows of g (the d sums from bias_offset).
            const int64_t width = (weight.defined() ? d : 0) + (has_bias ? d : 0);
            const int64_t bias_offset = weight.defined() ? d : 0;
            //! [layer_norm_backward_row]
            const auto backward_row = [=](int64_t r, float* sums) {
                const float* gr = grad + r * d;
                const float* hr = normalized + r * d;
                float* dxr = dx_data + r * d;
                const auto dxhat = [&](int64_t j) { return w ? gr[j] * w[j] : gr[j]; };
                // mean(dxhat) and mean(dxhat * xhat), with dxhat = g * weight
                const float mean_dxhat = detail::lane_sum(d, [&](int64_t j) { return dxhat(j); }) /
                                         static_cast<float>(d);
                const float mean_dxhat_xhat =
                    detail::lane_sum(d, [&](int64_t j) { return dxhat(j) * hr[j]; }) /
                    static_cast<float>(d);
                const float inv_std = inv_stds[r];
                for (int64_t j = 0; j < d; ++j) {
                    dxr[j] = inv_std * (dxhat(j) - mean_dxhat - hr[j] * mean_dxhat_xhat);
                }
                if (w) {
                    for (int64_t j = 0; j < d; ++j) sums[j] += gr[j] * hr[j];
                }
                if (has_bias) {
                    for (int64_t j = 0; j < d; ++j) sums[bias_offset + j] += gr[j];
                }
            };
            //! [layer_norm_backward_row]
            // A row reads g and xhat and writes dx: about 3d floats.
            const std::vector<float> sums =
                detail::sum_rows_in_blocks(rows, width, 3 * d, backward_row);
            Tensor dweight, dbias;
            if (weight.defined()) {
                dweight = from_vector(std::vector<float>(sums.begin(), sums.begin() + d), Shape{d});
            }
            if (has_bias) {
                dbias = from_vector(std::vector<float>(sums.begin() + bias_offset, sums.end()),
                                    Shape{d});
            }
            return std::vector<Tensor>{dx, dweight, dbias};
        });
}

}  // namespace ag
