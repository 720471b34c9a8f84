// nn/positional_encoding.cpp — sinusoidal and learned positions.
#include "nn/positional_encoding.h"

#include <cmath>

#include "core/error.h"
#include "core/ops.h"

namespace ag::nn {

Tensor sinusoidal_positions(int64_t max_length, int64_t d_model) {
    if (max_length <= 0 || d_model <= 0) {
        throw ValueError("sinusoidal_positions: sizes must be positive, got " +
                         std::to_string(max_length) + " x " + std::to_string(d_model));
    }
    Tensor table({max_length, d_model});
    //! [sinusoids]
    for (int64_t pos = 0; pos < max_length; ++pos) {
        for (int64_t i = 0; i < d_model; i += 2) {
            // 1 / 10000^(i / d_model), computed in double for the long wavelengths.
            const double frequency = std::exp(-std::log(10000.0) * static_cast<double>(i) /
                                              static_cast<double>(d_model));
            const double angle = static_cast<double>(pos) * frequency;
            table.data()[pos * d_model + i] = static_cast<float>(std::sin(angle));
            if (i + 1 < d_model) {
                table.data()[pos * d_model + i + 1] = static_cast<float>(std::cos(angle));
            }
        }
    }
    return table;
    //! [sinusoids]
}

PositionalEncoding::PositionalEncoding(int64_t d_model, int64_t max_length, bool learned,
                                       float dropout_p, Generator& generator)
    : dropout(dropout_p) {
    if (learned) {
        table = register_parameter("table", randn({max_length, d_model}, generator) * 0.02f);
    } else {
        table = sinusoidal_positions(max_length, d_model);
    }
    register_module("dropout", dropout);
}

Tensor PositionalEncoding::forward(const Tensor& x, int64_t start) {
    const int64_t length = x.rank() == 3 ? x.size(1) : -1;
    if (length < 0 || x.size(2) != table.size(1) || start < 0 || start + length > table.size(0)) {
        throw ShapeError("PositionalEncoding: input " + x.shape().to_string() +
                         " starting at position " + std::to_string(start) + " needs [B, T, " +
                         std::to_string(table.size(1)) +
                         "] with start + T <= " + std::to_string(table.size(0)));
    }
    return dropout.forward(x + slice(table, 0, start, start + length));
}

}  // namespace ag::nn
