// optim/schedule.cpp — the schedules' formulas (see optim/schedule.h).
#include "optim/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace ag::optim {

float ConstantSchedule::rate(int64_t) const { return base_; }

WarmupInverseSqrtSchedule::WarmupInverseSqrtSchedule(float base, int64_t warmup)
    : base_(base), warmup_(warmup) {
    if (warmup < 1) throw ValueError("WarmupInverseSqrtSchedule: warmup must be >= 1");
}

//! [warmup_inverse_sqrt]
float WarmupInverseSqrtSchedule::rate(int64_t step) const {
    const double t = static_cast<double>(std::max<int64_t>(step, 1));
    const double w = static_cast<double>(warmup_);
    return static_cast<float>(base_ * std::min(t / w, std::sqrt(w / t)));
}
//! [warmup_inverse_sqrt]

WarmupCosineSchedule::WarmupCosineSchedule(float base, int64_t warmup, int64_t total, float minimum)
    : base_(base), warmup_(warmup), total_(total), minimum_(minimum) {
    if (warmup < 0 || total <= warmup) {
        throw ValueError("WarmupCosineSchedule: need 0 <= warmup < total, got warmup " +
                         std::to_string(warmup) + ", total " + std::to_string(total));
    }
}

//! [warmup_cosine]
float WarmupCosineSchedule::rate(int64_t step) const {
    if (step < warmup_) return base_ * static_cast<float>(step) / static_cast<float>(warmup_);
    const double progress = std::clamp(
        static_cast<double>(step - warmup_) / static_cast<double>(total_ - warmup_), 0.0, 1.0);
    return static_cast<float>(minimum_ + (base_ - minimum_) *
                                             (1.0 + std::cos(std::numbers::pi * progress)) / 2.0);
}
//! [warmup_cosine]

}  // namespace ag::optim
