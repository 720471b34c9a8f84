// optim/optimizer.cpp — the optimizer base, SGD, Adam, AdamW and gradient clipping.
#include "optim/optimizer.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "core/parallel.h"

namespace ag::optim {

namespace {
void require(bool condition, const std::string& message) {
    if (!condition) throw ValueError(message);
}

const Tensor* find(const NamedTensors& tensors, const std::string& name) {
    for (const auto& [key, value] : tensors) {
        if (key == name) return &value;
    }
    return nullptr;
}

// A count saved as a float: a whole number from 0 to 2^24, the largest run of integers a
// float holds exactly (a NaN or 1e30 here would be undefined behaviour once cast).
void require_count(const Tensor& value, const std::string& name) {
    const float count = value.item();
    require(
        std::isfinite(count) && count >= 0.0f && count <= 16777216.0f && count == std::floor(count),
        "Optimizer::load_state: '" + name + "' is " + std::to_string(count) +
            ", not a whole number in [0, 2^24]");
}
}  // namespace

Optimizer::Optimizer(NamedTensors parameters, float learning_rate)
    : parameters_(std::move(parameters)),
      buffers_(parameters_.size()),
      updates_(parameters_.size(), 0) {
    set_learning_rate(learning_rate);
    for (size_t i = 0; i < parameters_.size(); ++i) {
        const auto& [name, p] = parameters_[i];
        require(p.defined(), "Optimizer: parameter '" + name + "' is undefined");
        for (size_t j = 0; j < i; ++j) {
            require(parameters_[j].first != name,
                    "Optimizer: parameter name '" + name + "' appears twice");
            require(parameters_[j].second.impl() != p.impl(),
                    "Optimizer: parameters '" + parameters_[j].first + "' and '" + name +
                        "' are the same tensor (it would be updated twice per step)");
        }
    }
}

void Optimizer::set_learning_rate(float learning_rate) {
    require(learning_rate >= 0.0f && std::isfinite(learning_rate),
            "Optimizer: learning rate must be a finite number >= 0, got " +
                std::to_string(learning_rate));
    learning_rate_ = learning_rate;
}

void Optimizer::step() {
    NoGradGuard no_grad;
    ++step_count_;
    const size_t buffer_count = buffer_names().size();
    for (size_t i = 0; i < parameters_.size(); ++i) {
        Tensor& p = parameters_[i].second;
        const Tensor g = p.grad();
        if (!g.defined()) continue;
        if (buffers_[i].size() != buffer_count) {  // state starts at zero, as in PyTorch
            buffers_[i].clear();
            for (size_t b = 0; b < buffer_count; ++b) buffers_[i].push_back(zeros(p.shape()));
        }
        update(p, g, buffers_[i], ++updates_[i]);
    }
}

void Optimizer::zero_grad() {
    for (auto& [name, p] : parameters_) p.zero_grad();
}

NamedTensors Optimizer::state() const {
    NamedTensors state{{"optimizer.step", scalar(static_cast<float>(step_count_))},
                       {"optimizer.learning_rate", scalar(learning_rate_)}};
    const std::vector<std::string> names = buffer_names();
    for (size_t i = 0; i < parameters_.size(); ++i) {
        state.emplace_back("optimizer.updates." + parameters_[i].first,
                           scalar(static_cast<float>(updates_[i])));
        for (size_t b = 0; b < names.size(); ++b) {
            // A parameter that never had a gradient has all-zero state.
            const Tensor buffer =
                b < buffers_[i].size() ? buffers_[i][b] : zeros(parameters_[i].second.shape());
            state.emplace_back("optimizer." + names[b] + "." + parameters_[i].first, buffer);
        }
    }
    return state;
}

void Optimizer::check_state(const NamedTensors& state) const {
    const NamedTensors expected = this->state();
    for (const auto& [name, tensor] : expected) {
        const Tensor* found = find(state, name);
        require(found != nullptr, "Optimizer::load_state: missing '" + name + "'");
        require(found->shape() == tensor.shape(), "Optimizer::load_state: '" + name +
                                                      "' has shape " + found->shape().to_string() +
                                                      ", expected " + tensor.shape().to_string());
    }
    for (const auto& entry : state) {
        const std::string& name = entry.first;  // (clang 14 cannot capture a structured binding)
        const bool known = std::any_of(expected.begin(), expected.end(),
                                       [&](const auto& other) { return other.first == name; });
        require(known, "Optimizer::load_state: unexpected '" + name + "'");
        const float* values = entry.second.data();
        for (int64_t i = 0; i < entry.second.numel(); ++i) {
            require(std::isfinite(values[i]), "Optimizer::load_state: '" + name + "' holds " +
                                                  std::to_string(values[i]) + " at element " +
                                                  std::to_string(i));
        }
    }
    require_count(*find(state, "optimizer.step"), "optimizer.step");
    for (const auto& [name, p] : parameters_) {
        require_count(*find(state, "optimizer.updates." + name), "optimizer.updates." + name);
    }
    const float rate = find(state, "optimizer.learning_rate")->item();
    require(rate >= 0.0f, "Optimizer::load_state: 'optimizer.learning_rate' is " +
                              std::to_string(rate) + ", not a finite number >= 0");
}

void Optimizer::load_state(const NamedTensors& state) {
    check_state(state);  // everything before changing anything
    step_count_ = static_cast<int64_t>(find(state, "optimizer.step")->item());
    set_learning_rate(find(state, "optimizer.learning_rate")->item());
    const std::vector<std::string> names = buffer_names();
    for (size_t i = 0; i < parameters_.size(); ++i) {
        updates_[i] =
            static_cast<int64_t>(find(state, "optimizer.updates." + parameters_[i].first)->item());
        buffers_[i].clear();
        for (const std::string& buffer : names) {
            buffers_[i].push_back(
                find(state, "optimizer." + buffer + "." + parameters_[i].first)->clone());
        }
    }
}

// ---- SGD -------------------------------------------------------------------------------------

SGD::SGD(NamedTensors parameters, float learning_rate, float momentum, float weight_decay)
    : Optimizer(std::move(parameters), learning_rate),
      momentum_(momentum),
      weight_decay_(weight_decay) {
    require(momentum >= 0.0f && weight_decay >= 0.0f,
            "SGD: momentum and weight_decay must be >= 0");
}

std::vector<std::string> SGD::buffer_names() const {
    return momentum_ > 0.0f ? std::vector<std::string>{"momentum"} : std::vector<std::string>{};
}

void SGD::update(Tensor& p, const Tensor& g, std::vector<Tensor>& buffers, int64_t t) {
    float* param = p.data();
    const float* grad = g.data();
    const float lr = learning_rate();
    for (int64_t i = 0; i < p.numel(); ++i) {
        float d = grad[i] + weight_decay_ * param[i];
        if (momentum_ > 0.0f) {  // b = momentum * b + d, with b = d on the first step
            float& b = buffers[0].data()[i];
            b = t == 1 ? d : momentum_ * b + d;
            d = b;
        }
        param[i] -= lr * d;
    }
}

// ---- Adam, AdamW -----------------------------------------------------------------------------

Adam::Adam(NamedTensors parameters, float learning_rate, float beta1, float beta2, float eps,
           float weight_decay)
    : Optimizer(std::move(parameters), learning_rate),
      beta1_(beta1),
      beta2_(beta2),
      eps_(eps),
      weight_decay_(weight_decay) {
    require(beta1 >= 0.0f && beta1 < 1.0f && beta2 >= 0.0f && beta2 < 1.0f,
            "Adam: betas must be in [0, 1)");
    require(eps > 0.0f && weight_decay >= 0.0f, "Adam: eps must be > 0 and weight_decay >= 0");
}

std::vector<std::string> Adam::buffer_names() const { return {"exp_avg", "exp_avg_sq"}; }

void Adam::update(Tensor& p, const Tensor& g, std::vector<Tensor>& buffers, int64_t t) {
    float* param = p.data();
    const float* grad = g.data();
    float* m = buffers[0].data();
    float* v = buffers[1].data();
    const float lr = learning_rate();
    //! [adam_update]
    // Bias corrections: m and v start at 0, so early averages are too small by these factors.
    const float correction1 = 1.0f - std::pow(beta1_, static_cast<float>(t));
    const float correction2 = 1.0f - std::pow(beta2_, static_cast<float>(t));
    const float step_size = lr / correction1;
    const float sqrt_correction2 = std::sqrt(correction2);
    // Every element's update is independent: large parameters are split over threads. (The
    // settings and pointers are copied into the loop's closure by value, so the compiler knows
    // the loop cannot change them, and vectorizes it.)
    const float beta1 = beta1_, beta2 = beta2_, eps = eps_;
    const float decay = decoupled_weight_decay_ ? 0.0f : weight_decay_;  // L2: added to g
    const float shrink = decoupled_weight_decay_ ? 1.0f - lr * weight_decay_ : 1.0f;  // AdamW
    parallel_for(0, p.numel(), int64_t{1} << 15, [=](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            const float gi = grad[i] + decay * param[i];
            param[i] *= shrink;
            m[i] = beta1 * m[i] + (1.0f - beta1) * gi;
            v[i] = beta2 * v[i] + (1.0f - beta2) * gi * gi;
            const float denominator = std::sqrt(v[i]) / sqrt_correction2 + eps;
            param[i] -= step_size * m[i] / denominator;
        }
    });
    //! [adam_update]
}

AdamW::AdamW(NamedTensors parameters, float learning_rate, float beta1, float beta2, float eps,
             float weight_decay)
    : Adam(std::move(parameters), learning_rate, beta1, beta2, eps, weight_decay) {
    decoupled_weight_decay_ = true;
}

// ---- clipping --------------------------------------------------------------------------------

float clip_grad_norm(const std::vector<Tensor>& parameters, float max_norm) {
    require(max_norm > 0.0f,
            "clip_grad_norm: max_norm must be > 0, got " + std::to_string(max_norm));
    double sum_of_squares = 0.0;
    for (const Tensor& p : parameters) {
        const Tensor g = p.grad();
        if (!g.defined()) continue;
        for (int64_t i = 0; i < g.numel(); ++i) sum_of_squares += double{g.data()[i]} * g.data()[i];
    }
    const float norm = static_cast<float>(std::sqrt(sum_of_squares));
    if (norm > max_norm) {
        const float scale = max_norm / (norm + 1e-6f);
        for (const Tensor& p : parameters) {
            Tensor g = p.grad();  // a leaf's gradient owns its buffer: scaling it is safe
            if (!g.defined()) continue;
            for (int64_t i = 0; i < g.numel(); ++i) g.data()[i] *= scale;
        }
    }
    return norm;
}

}  // namespace ag::optim
