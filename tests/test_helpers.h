// tests/test_helpers.h — small helpers shared by the test files.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "catch.h"
#include "core/ops.h"

namespace test {

/// Checks every element of `t` against `expected` within an absolute tolerance, reporting the
/// first mismatch.
inline void require_values(const ag::Tensor& t, const std::vector<float>& expected,
                           float tolerance = 1e-5f) {
    REQUIRE(t.numel() == static_cast<int64_t>(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO("element " << i << " of " << t.to_string());
        REQUIRE(std::abs(t.data()[i] - expected[i]) <= tolerance);
    }
}

/// Runs gradcheck and fails with its report when backward disagrees with finite differences.
inline void require_gradcheck(const std::function<ag::Tensor(const std::vector<ag::Tensor>&)>& f,
                              const std::vector<ag::Tensor>& inputs,
                              const ag::GradcheckOptions& options = {}) {
    const ag::GradcheckResult result = ag::gradcheck(f, inputs, options);
    INFO(result.report);
    REQUIRE(result.passed);
}

/// A tensor of `shape` with values drawn from N(0, 1) by a generator seeded with `seed`.
inline ag::Tensor random(const ag::Shape& shape, uint64_t seed = 7) {
    ag::Generator generator(seed);
    return ag::randn(shape, generator);
}

}  // namespace test
