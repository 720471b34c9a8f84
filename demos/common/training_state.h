// demos/common/training_state.h — a whole training run's state in one checkpoint: the model,
// the optimizer, the step and the loss history, saved together and loaded all or nothing.
//
// This is the one place that knows both nn (a Module's parameters by name) and optim (an
// optimizer's state, named by the optimizer), so it sits above both. The file is an attograd
// safetensors file (io/safetensors.h) that Python can open: the parameters under their own
// names, the optimizer's state under "optimizer.*", and metadata
//   "task"    the task trained on ("reverse")
//   "step"    the step reached, which must equal the optimizer's own count
//   "losses"  the loss history, "step:loss,step:loss,..." with steps rising from 1
//   "config.*" the model's configuration (nn/config_metadata.h)
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.h"
#include "optim/optimizer.h"

namespace demo {

/// What a training checkpoint holds besides the tensors.
struct TrainingState {
    std::string task;                                ///< the task's name
    int64_t step = 0;                                ///< steps taken
    std::vector<std::pair<int64_t, double>> losses;  ///< (step, loss) of every step taken
    std::map<std::string, std::string> config;       ///< the model's "config.*" metadata
};

/// Saves `model`, `optimizer` and `state` to `path` atomically (io::save_safetensors).
/// Throws as io::save_safetensors does.
void save_training_state(const std::string& path, const ag::nn::Module& model,
                         const ag::optim::Optimizer& optimizer, const TrainingState& state);

/// Loads a checkpoint written by save_training_state into `model` and `optimizer`, all or
/// nothing: the whole file is read and checked first (format, checksum, the task and the
/// configuration against `expected`, the step and the loss history, every parameter and
/// every optimizer entry), and only then are model and optimizer changed.
/// Returns the state with `step` and `losses` from the file.
/// Throws io::CheckpointError naming the file and the problem: anything io::read_safetensors
/// rejects; another task ("task 'copy', this run trains 'reverse'"); another configuration
/// (naming each differing key with both values); a missing or malformed step or loss history
/// (naming the key); a step that differs from the optimizer's; tensors that do not fit the
/// model or the optimizer.
TrainingState load_training_state(const std::string& path, ag::nn::Module& model,
                                  ag::optim::Optimizer& optimizer, const TrainingState& expected);

}  // namespace demo
