/** \file
optim/optimizer.h — optimizers: how parameters move once backward has filled their grads.

\verbatim
Every optimizer holds handles to the parameters (sharing their storage, so it updates the
model in place) and whatever state it keeps per parameter (a momentum buffer, Adam's moment
estimates). The update formulas, with g = p.grad() and learning rate lr:
  SGD:    b = momentum * b + (g + wd p)            p -= lr * b        (b = g on step 1)
  Adam:   m = beta1 m + (1 - beta1) g              (g includes + wd p, "L2")
          v = beta2 v + (1 - beta2) g^2
          p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
  AdamW:  p -= lr * wd * p, then Adam without the L2 term (decoupled weight decay,
          Loshchilov & Hutter, 2019)
as in PyTorch. An optimizer's state is a list of named tensors, saved in the model's
checkpoint so that a resumed run continues exactly.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ag::optim {

/// Named tensors: the parameters an optimizer takes (as nn::Module::named_parameters() returns
/// them), and the state it saves.
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

/// Every name in Optimizer::state() starts with this.
inline constexpr const char* kStatePrefix = "optimizer.";

/// The base of every optimizer: parameters, a learning rate, a step count and named state.
class Optimizer {
public:
    /// Optimizes `parameters` (names are used for the saved state). Throws ValueError if the
    /// learning rate is negative or not finite, a parameter is undefined, or a name or a
    /// tensor appears twice (it would be updated twice per step).
    Optimizer(NamedTensors parameters, float learning_rate);
    virtual ~Optimizer() = default;

    /// Applies one update to every parameter that has a gradient; parameters without one are
    /// left alone. Runs without recording a graph.
    void step();
    /// Forgets every parameter's gradient.
    void zero_grad();

    /// The rate the next step() will use.
    float learning_rate() const { return learning_rate_; }
    /// Sets the rate of the next steps (schedules call this). Throws ValueError if negative.
    void set_learning_rate(float learning_rate);
    /// The number of steps taken so far.
    int64_t step_count() const { return step_count_; }
    /// The parameters this optimizer updates, with their names.
    const NamedTensors& parameters() const { return parameters_; }

    /// Everything step() depends on besides the parameters, as named tensors:
    /// "optimizer.step", "optimizer.learning_rate", and per parameter the number of updates it
    /// received ("optimizer.updates.<parameter name>") and its buffers
    /// ("optimizer.<buffer>.<parameter name>").
    NamedTensors state() const;
    /// Throws ValueError naming the first entry of `state` that load_state() would refuse: a
    /// missing, unexpected or mis-shaped entry, a step or update count that is not a whole
    /// number in [0, 2^24] (float holds every integer up to there exactly), a learning rate
    /// that is negative or not finite, or a buffer with a NaN or infinity. Changes nothing.
    void check_state(const NamedTensors& state) const;
    /// Restores state() output, after check_state(): on any error nothing has changed.
    void load_state(const NamedTensors& state);

protected:
    /// The update of one parameter p with gradient g, its t-th (t = 1 on its first update, as
    /// PyTorch counts per parameter); `buffers` are this parameter's state tensors, in the
    /// order of buffer_names(), zero before the first update.
    virtual void update(Tensor& p, const Tensor& g, std::vector<Tensor>& buffers, int64_t t) = 0;
    /// The names of the per-parameter buffers (e.g. {"exp_avg", "exp_avg_sq"} for Adam).
    virtual std::vector<std::string> buffer_names() const = 0;

private:
    NamedTensors parameters_;
    std::vector<std::vector<Tensor>> buffers_;  // per parameter, created on its first update
    std::vector<int64_t> updates_;              // per parameter, updates received
    float learning_rate_;
    int64_t step_count_ = 0;
};

/// Stochastic gradient descent with optional momentum and L2 weight decay (torch.optim.SGD).
class SGD : public Optimizer {
public:
    /// Throws ValueError if momentum or weight_decay is negative.
    SGD(NamedTensors parameters, float learning_rate, float momentum = 0.0f,
        float weight_decay = 0.0f);

protected:
    void update(Tensor& p, const Tensor& g, std::vector<Tensor>& buffers, int64_t t) override;
    std::vector<std::string> buffer_names() const override;

private:
    float momentum_, weight_decay_;
};

/// Adam (Kingma & Ba, 2015) with optional L2 weight decay (torch.optim.Adam).
class Adam : public Optimizer {
public:
    /// Throws ValueError unless 0 <= beta < 1 and eps > 0 and weight_decay >= 0.
    Adam(NamedTensors parameters, float learning_rate = 1e-3f, float beta1 = 0.9f,
         float beta2 = 0.999f, float eps = 1e-8f, float weight_decay = 0.0f);

protected:
    void update(Tensor& p, const Tensor& g, std::vector<Tensor>& buffers, int64_t t) override;
    std::vector<std::string> buffer_names() const override;

    ///@{
    /// The hyper-parameters given to the constructor.
    float beta1_, beta2_, eps_, weight_decay_;
    ///@}
    bool decoupled_weight_decay_ = false;  ///< AdamW's decay (true) or Adam's L2 term (false)
};

/// Adam with decoupled weight decay (torch.optim.AdamW).
class AdamW : public Adam {
public:
    /// As Adam's constructor (and the same errors), with PyTorch's default decay of 0.01.
    AdamW(NamedTensors parameters, float learning_rate = 1e-3f, float beta1 = 0.9f,
          float beta2 = 0.999f, float eps = 1e-8f, float weight_decay = 1e-2f);
};

/// Scales all gradients together so their global L2 norm is at most max_norm, and returns the
/// norm before scaling (torch.nn.utils.clip_grad_norm_): g *= max_norm / (norm + 1e-6) when
/// norm > max_norm. Parameters without a gradient are skipped. Throws ValueError if
/// max_norm <= 0.
float clip_grad_norm(const std::vector<Tensor>& parameters, float max_norm);

}  // namespace ag::optim
