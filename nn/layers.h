/** \file
nn/layers.h — the basic layers: Linear, Embedding, LayerNorm, Dropout, FeedForward.

\verbatim
Each is a thin Module around one core op (linear, embedding, layer_norm, dropout) that owns
the op's parameters and initializes them as PyTorch does, so results can be compared.
\endverbatim
*/
#pragma once

#include <cstdint>

#include "core/index_tensor.h"
#include "core/random.h"
#include "core/tensor.h"
#include "nn/module.h"

namespace ag::nn {

/// y = x W^T + b: a fully connected layer, as torch.nn.Linear.
/// Parameters: "weight" [out, in] and, unless `bias` is false, "bias" [out], both drawn from
/// U(-1/sqrt(in), 1/sqrt(in)) (PyTorch's default).
class Linear : public Module {
public:
    /// A layer from `in` to `out` features. Throws ValueError if a size is not positive.
    Linear(int64_t in, int64_t out, bool bias = true, Generator& generator = default_generator());
    /// x [..., in] -> [..., out]. Throws ShapeError if x's last dimension is not `in`.
    Tensor forward(const Tensor& x) const;

    Tensor weight;  ///< [out, in]
    Tensor bias;    ///< [out], or undefined
};

/// A table of learned vectors, one per token id, as torch.nn.Embedding.
/// Parameter: "weight" [vocabulary, dim], drawn from N(0, 1).
class Embedding : public Module {
public:
    /// A table of `vocabulary` vectors of `dim` numbers. Throws ValueError for sizes <= 0.
    Embedding(int64_t vocabulary, int64_t dim, Generator& generator = default_generator());
    /// ids [...] -> [..., dim]. Throws IndexError naming an id outside [0, vocabulary).
    Tensor forward(const IndexTensor& ids) const;

    Tensor weight;  ///< [vocabulary, dim]
};

/// Layer normalization over the last dimension, as torch.nn.LayerNorm(dim).
/// Parameters: "weight" [dim] (ones) and "bias" [dim] (zeros).
class LayerNorm : public Module {
public:
    /// Normalizes vectors of `dim` features; eps is added to the variance.
    explicit LayerNorm(int64_t dim, float eps = 1e-5f);
    /// x [..., dim] -> [..., dim]. Throws ShapeError if the last dimension is not dim.
    Tensor forward(const Tensor& x) const;

    Tensor weight;  ///< [dim]
    Tensor bias;    ///< [dim]
    float eps;      ///< added to the variance before the square root
};

/// Dropout with probability p while training; the identity in evaluation mode.
class Dropout : public Module {
public:
    /// Throws ValueError unless 0 <= p <= 1.
    explicit Dropout(float p);
    /// Same shape as x. Draws its mask from this thread's default generator.
    Tensor forward(const Tensor& x) const;

    float p;  ///< the probability of zeroing each element while training
};

/// The activation between the two layers of a FeedForward block.
enum class Activation { Relu, Gelu };

/// The position-wise feed-forward network of a Transformer block ("Attention Is All You Need",
/// section 3.3): the same two-layer network applied to every position on its own,
///   FFN(x) = W2 dropout(act(W1 x + b1)) + b2,     W1: [d_ff, d_model], W2: [d_model, d_ff].
/// Children: "expand" (d_model -> d_ff) and "contract" (d_ff -> d_model).
class FeedForward : public Module {
public:
    /// The two layers d_model -> d_ff -> d_model, with `activation` and dropout `dropout`
    /// between them, initialized from `generator`. Throws ValueError for sizes <= 0.
    FeedForward(int64_t d_model, int64_t d_ff, Activation activation = Activation::Relu,
                float dropout = 0.0f, Generator& generator = default_generator());
    /// x [..., d_model] -> [..., d_model].
    Tensor forward(const Tensor& x) const;

    Linear expand;          ///< W1, b1: d_model -> d_ff
    Linear contract;        ///< W2, b2: d_ff -> d_model
    Dropout dropout;        ///< applied to the activated hidden layer
    Activation activation;  ///< ReLU (the paper) or GELU
};

}  // namespace ag::nn
