// demos/common/run_demo.h — the recipe every Transformer demo follows, in pieces.
//
// A demo picks a task and its defaults (a DemoSpec), then: parse the flags, make the task
// and the model, train, and report (decoded samples beside their targets, the pictures, and
// one machine-readable line):
//   result: task=reverse exact_match=0.995 token_accuracy=0.999 steps=1500 seconds=38.2 ...
// demos/reverse.cpp writes the recipe out with its training loop in plain sight;
// run_transformer_demo is the same recipe with demo::train() for the loop, for copy, sort and
// add.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "demos/common/cli.h"
#include "demos/common/tasks.h"
#include "demos/common/training.h"
#include "nn/transformer.h"

namespace demo {

/// A demo's task and the defaults of its flags.
struct DemoSpec {
    std::string task;         ///< "copy", "reverse", "sort" or "add"
    std::string description;  ///< one paragraph for --help
    int64_t steps = 1500;
    int64_t min_length = 10, max_length = 10;  ///< sequence tasks
    int64_t max_digits = 3;                    ///< add
    ModelSize size{.d_model = 128, .heads = 4, .layers = 2, .d_ff = 512};
    double learning_rate = 1e-3;
    double stop_at = 2.0;  ///< stop early at this exact match (above 1: never)
};

/// Every flag of a Transformer demo: what the command line asked for.
struct DemoSettings {
    int64_t steps = 1500, batch = 64;
    ModelSize size;
    int64_t warmup = 100, seed = 1, threads = 1;
    int64_t min_length = 10, max_length = 10, max_digits = 3, eval_every = 100;
    int64_t eval_examples = 500, checkpoint_every = 500, stop_after = 0;
    double learning_rate = 1e-3, dropout = 0.0, stop_at = 2.0, clip = 1.0, label_smoothing = 0.0;
    std::string out;
    bool resume = false;
};

/// Parses the command line of the demo `spec` into `settings`, starting from the spec's
/// defaults. Returns std::nullopt to go on, or the exit code to end with: 0 after --help,
/// 2 after a message naming the bad flag (demo::parse_command_line).
std::optional<int> parse_demo_flags(int argc, const char* const* argv, const DemoSpec& spec,
                                    DemoSettings& settings);

/// The task of `spec` with the sizes of `settings`. Throws ag::ValueError for bad sizes.
std::unique_ptr<Task> make_task(const DemoSpec& spec, const DemoSettings& settings);

/// The Transformer for `task`: the settings' size and dropout, vocabularies from the task.
ag::nn::TransformerConfig transformer_config(const DemoSettings& settings, const Task& task);

/// The training options of `settings`: the checkpoint is `out`/checkpoint.safetensors.
TrainingOptions training_options(const DemoSettings& settings);

/// Prints one example of the task and the model's size and thread count.
void print_plan(const ag::nn::Transformer& model, const Task& task, const DemoSettings& settings);

/// Ends the demo after training: if a signal stopped it, says how to resume and returns
/// 128 + the signal; otherwise prints decoded held-out samples, writes loss.svg and the
/// attention heatmaps to `settings.out`, prints the result line and returns 0. Throws
/// ag::io::FileError if a picture cannot be written.
int report(ag::nn::Transformer& model, const Task& task, const DemoSettings& settings,
           const TrainingResult& result);

/// The whole recipe, with demo::train() as the loop. Returns the process exit code: 0 on
/// success, 2 for a bad flag or value (with a message on stderr), 1 for an error while
/// training (with a message on stderr; also when --out is in use by another run), and
/// 128 + the signal number (130 for SIGINT) when a signal stopped training after a checkpoint.
int run_transformer_demo(int argc, const char* const* argv, const DemoSpec& spec);

}  // namespace demo
