/** \file
nn/positional_encoding.h — telling attention where each token is.

\verbatim
Attention compares every token with every other one and is blind to their order: shuffle the
inputs and the outputs shuffle the same way. "Attention Is All You Need" (section 3.5) adds
to each token's embedding a vector that depends only on its position:
  PE(pos, 2i)   = sin(pos / 10000^(2i / d_model))
  PE(pos, 2i+1) = cos(pos / 10000^(2i / d_model))
Each pair of dimensions is a sinusoid of its own wavelength, from 2 pi to 10000 * 2 pi, so
every position gets a distinct pattern and PE(pos + k) is a linear function of PE(pos).
The alternative, learned positions, is one trained vector per position (as in BERT and GPT).
\endverbatim
*/
#pragma once

#include <cstdint>

#include "core/random.h"
#include "core/tensor.h"
#include "nn/layers.h"
#include "nn/module.h"

namespace ag::nn {

/// The sinusoidal table above: [max_length, d_model]. Throws ValueError for sizes <= 0.
Tensor sinusoidal_positions(int64_t max_length, int64_t d_model);

/// Adds a position vector to every token: x [B, T, D] -> x + P[start : start + T], then
/// dropout. P is the sinusoidal table (a constant) or, with `learned`, the parameter "table"
/// [max_length, D] drawn from N(0, 0.02^2).
class PositionalEncoding : public Module {
public:
    /// Positions 0..max_length-1 for vectors of d_model numbers; `learned` makes the table a
    /// parameter, `dropout` is applied to the sum. Throws ValueError for sizes <= 0.
    PositionalEncoding(int64_t d_model, int64_t max_length, bool learned = false,
                       float dropout = 0.0f, Generator& generator = default_generator());
    /// x [B, T, D] with its first token at position `start` (non-zero when decoding one token
    /// at a time). Throws ShapeError if D differs or start + T exceeds max_length.
    Tensor forward(const Tensor& x, int64_t start = 0);

    Tensor table;     ///< [max_length, d_model]
    Dropout dropout;  ///< applied to x + positions
};

}  // namespace ag::nn
