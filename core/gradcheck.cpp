// core/gradcheck.cpp — central finite differences against backward.
#include "core/gradcheck.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "core/autograd.h"
#include "core/error.h"
#include "core/random.h"

namespace ag {

namespace {
// L = sum(out * r), accumulated in double so the difference of two nearby L stays accurate.
double weighted_sum(const Tensor& out, const Tensor& weights) {
    double total = 0.0;
    for (int64_t i = 0; i < out.numel(); ++i) {
        total += static_cast<double>(out.data()[i]) * weights.data()[i];
    }
    return total;
}
}  // namespace

GradcheckResult gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& f,
                          const std::vector<Tensor>& inputs, const GradcheckOptions& options) {
    std::vector<Tensor> x;
    for (const Tensor& input : inputs) x.push_back(input.clone().set_requires_grad(true));

    // Analytic: backward from out with d L / d out = r.
    const Tensor out = f(x);
    Generator generator(options.seed);
    const Tensor weights = randn(out.shape(), generator);
    if (!out.requires_grad()) throw Error("gradcheck: the output does not depend on the inputs");
    out.backward(weights);

    // Numeric: nudge one element at a time. The report names the element that most exceeds
    // its tolerance (or, if all pass, comes closest to it); a nan counts as failing.
    NoGradGuard no_grad;
    GradcheckResult result;
    double worst_excess = -std::numeric_limits<double>::infinity();
    for (size_t k = 0; k < x.size(); ++k) {
        const Tensor analytic = x[k].grad().defined() ? x[k].grad() : zeros(x[k].shape());
        float* element = x[k].data();
        for (int64_t i = 0; i < x[k].numel(); ++i) {
            //! [central_difference]
            const float saved = element[i];
            element[i] = saved + options.eps;
            const double plus = weighted_sum(f(x), weights);
            element[i] = saved - options.eps;
            const double minus = weighted_sum(f(x), weights);
            element[i] = saved;
            const double numeric = (plus - minus) / (2.0 * options.eps);
            //! [central_difference]
            const double error = std::abs(analytic.data()[i] - numeric);
            const double tolerance = options.atol + options.rtol * std::abs(numeric);
            const double excess =
                std::isnan(error) ? std::numeric_limits<double>::infinity() : error - tolerance;
            if (!std::isnan(error)) result.max_abs_error = std::max(result.max_abs_error, error);
            if (excess > worst_excess) {
                worst_excess = excess;
                std::ostringstream report;
                report << "input " << k << " " << x[k].shape().to_string() << ", element " << i
                       << ": analytic " << analytic.data()[i] << ", numeric " << numeric
                       << ", |difference| " << error << " (tolerance " << tolerance << ")";
                result.report = report.str();
            }
        }
    }
    result.passed = worst_excess <= 0.0;
    return result;
}

}  // namespace ag
