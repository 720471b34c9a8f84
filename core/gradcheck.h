/** \file
core/gradcheck.h — checking backward against finite differences.

\verbatim
For a function f of tensors, backward computes d L / d x for L = sum(f(x) * r), with r a
fixed random tensor (so every output element counts, with its own weight). The same
derivative can be estimated without any calculus, by nudging each input element by +-eps:
  dL/dx_i  ~  (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)       (central difference)
Where the two disagree, the op's backward is wrong. Every op's test runs this.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ag {

/// Tolerances of gradcheck, suited to float32 by default.
struct GradcheckOptions {
    float eps = 1e-3f;     ///< the finite-difference step
    float atol = 1e-3f;    ///< absolute tolerance: |analytic - numeric| <= atol + rtol*|numeric|
    float rtol = 1e-2f;    ///< relative tolerance
    uint64_t seed = 1234;  ///< seeds the random weights r of the outputs
};

/// What gradcheck found.
struct GradcheckResult {
    bool passed = true;          ///< every gradient element within tolerance
    double max_abs_error = 0.0;  ///< the largest |analytic - numeric| seen
    std::string report;          ///< the worst element's input, index and both values
    /// `passed`, so a result can be tested directly: `REQUIRE(gradcheck(f, inputs))`.
    explicit operator bool() const { return passed; }
};

/// Compares the gradients backward computes for `f` at `inputs` with central finite
/// differences, for every element of every input. The inputs are copied (the caller's tensors
/// are left alone) and all of them are differentiated. Throws Error if f's output does not
/// depend on the inputs through the graph.
GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options = {});

}  // namespace ag
