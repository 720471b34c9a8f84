/** \file
optim/schedule.h — learning-rate schedules: the rate to use at each step.

\verbatim
  constant:                 lr(t) = base
  warmup, inverse sqrt:     lr(t) = base * min(t / warmup, sqrt(warmup / t))
      the schedule of "Attention Is All You Need" (section 5.3), written so that it peaks
      at `base` when t = warmup; the paper's own form is base = d_model^-0.5 * warmup^-0.5.
  warmup, cosine:           lr(t) = base * t / warmup                               t < warmup
                            lr(t) = min + (base - min) * (1 + cos(pi * p)) / 2      after,
      with p = (t - warmup) / (total - warmup) clamped to [0, 1].
Steps count from 1 (the first update). Warmup matters for Adam on Transformers: its early
variance estimates are noisy, and large early steps can push post-norm layers off course.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <memory>

#include "optim/optimizer.h"

namespace ag::optim {

/// A learning rate as a function of the step number.
class Schedule {
public:
    virtual ~Schedule() = default;
    /// The learning rate of step t (t >= 1).
    virtual float rate(int64_t step) const = 0;
    /// Sets the optimizer's rate for its next step (step_count() + 1).
    void apply(Optimizer& optimizer) const {
        optimizer.set_learning_rate(rate(optimizer.step_count() + 1));
    }
};

/// lr(t) = base.
class ConstantSchedule : public Schedule {
public:
    /// The rate `base` at every step.
    explicit ConstantSchedule(float base) : base_(base) {}
    float rate(int64_t step) const override;

private:
    float base_;
};

/// lr(t) = base * min(t / warmup, sqrt(warmup / t)). Throws ValueError if warmup < 1.
class WarmupInverseSqrtSchedule : public Schedule {
public:
    /// Peaks at `base` on step `warmup`.
    WarmupInverseSqrtSchedule(float base, int64_t warmup);
    float rate(int64_t step) const override;

private:
    float base_;
    int64_t warmup_;
};

/// Linear warmup to base, then a cosine decay to `minimum` at step `total`.
/// Throws ValueError unless 0 <= warmup < total.
class WarmupCosineSchedule : public Schedule {
public:
    /// Peaks at `base` on step `warmup`, reaches `minimum` on step `total`.
    WarmupCosineSchedule(float base, int64_t warmup, int64_t total, float minimum = 0.0f);
    float rate(int64_t step) const override;

private:
    float base_;
    int64_t warmup_, total_;
    float minimum_;
};

}  // namespace ag::optim
