// core/ops/indexing.cpp — masked_fill and embedding: forward, then backward, per op.
#include "core/ops/indexing.h"

#include <cstring>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/elementwise_loops.h"
#include "core/ops/shape_ops.h"

namespace ag {

Tensor masked_fill(const Tensor& x, const Tensor& mask, float value) {
    if (!(broadcast_shapes(x.shape(), mask.shape(), "masked_fill") == x.shape())) {
        throw ShapeError("masked_fill: mask " + mask.shape().to_string() +
                         " does not broadcast to input " + x.shape().to_string());
    }
    const Tensor full_mask = broadcast_to(mask.detach(), x.shape());
    Tensor out =
        detail::map2(x, full_mask, [value](float v, float m) { return m != 0 ? value : v; });
    // A filled element no longer depends on x: its gradient is 0.
    return record("masked_fill", out, {x}, [full_mask](const Tensor& g) {
        return std::vector<Tensor>{
            detail::map2(g, full_mask, [](float g, float m) { return m != 0 ? 0.0f : g; })};
    });
}

Tensor embedding(const Tensor& weight, const IndexTensor& ids) {
    if (weight.rank() != 2) {
        throw ShapeError("embedding: weight must be [vocabulary, dim], got " +
                         weight.shape().to_string());
    }
    const int64_t vocabulary = weight.size(0);
    const int64_t dim = weight.size(1);
    for (int64_t i = 0; i < ids.numel(); ++i) {
        const int64_t id = ids.data()[i];
        if (id < 0 || id >= vocabulary) {
            throw IndexError("embedding: id " + std::to_string(id) + " at position " +
                             std::to_string(i) + " is out of range for a vocabulary of " +
                             std::to_string(vocabulary));
        }
    }
    std::vector<int64_t> sizes = ids.shape().to_vector();
    sizes.push_back(dim);
    Tensor out{Shape(sizes)};
    for (int64_t i = 0; i < ids.numel(); ++i) {
        std::memcpy(out.data() + i * dim, weight.data() + ids.data()[i] * dim,
                    static_cast<size_t>(dim) * sizeof(float));
    }
    // A row used at several positions receives the sum of their gradients (scatter-add).
    return record("embedding", out, {weight},
                  [ids, weight_shape = weight.shape()](const Tensor& g) {
                      Tensor dweight = zeros(weight_shape);
                      const int64_t dim = weight_shape.sizes()[1];
                      for (int64_t i = 0; i < ids.numel(); ++i) {
                          float* row = dweight.data() + ids.data()[i] * dim;
                          const float* grad_row = g.data() + i * dim;
                          for (int64_t j = 0; j < dim; ++j) row[j] += grad_row[j];
                      }
                      return std::vector<Tensor>{dweight};
                  });
}

Tensor index_select(const Tensor& x, int64_t dim, const IndexTensor& ids) {
    const int64_t d = normalize_dim(dim, x.rank(), "index_select");
    if (ids.shape().rank() != 1) {
        throw ShapeError("index_select: ids must be 1-d, got " + ids.shape().to_string());
    }
    const int64_t n = x.size(d);
    for (int64_t i = 0; i < ids.numel(); ++i) {
        if (ids.data()[i] < 0 || ids.data()[i] >= n) {
            throw IndexError("index_select: id " + std::to_string(ids.data()[i]) +
                             " out of range for dimension " + std::to_string(dim) + " of size " +
                             std::to_string(n));
        }
    }
    // x viewed as [outer, n, inner]: each selected id copies one [inner] block per outer.
    const detail::AroundDim view(x.shape(), d);
    const int64_t outer = view.outer, inner = view.inner;
    std::vector<int64_t> sizes = x.shape().to_vector();
    sizes[d] = ids.numel();
    Tensor out{Shape(sizes)};
    const int64_t k_count = ids.numel();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < k_count; ++i) {
            std::memcpy(out.data() + (o * k_count + i) * inner,
                        x.data() + (o * n + ids.data()[i]) * inner,
                        static_cast<size_t>(inner) * sizeof(float));
        }
    }
    return record("index_select", out, {x},
                  [ids, x_shape = x.shape(), outer, inner, n, k_count](const Tensor& g) {
                      Tensor dx = zeros(x_shape);
                      for (int64_t o = 0; o < outer; ++o) {
                          for (int64_t i = 0; i < k_count; ++i) {
                              float* to = dx.data() + (o * n + ids.data()[i]) * inner;
                              const float* from = g.data() + (o * k_count + i) * inner;
                              for (int64_t j = 0; j < inner; ++j) to[j] += from[j];
                          }
                      }
                      return std::vector<Tensor>{dx};
                  });
}

}  // namespace ag
