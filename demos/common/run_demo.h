// demos/common/run_demo.h — what every Transformer demo program does, in one place.
//
// A demo program picks a task and its defaults and calls run_transformer_demo, which reads as
// the tutorial's recipe: parse the flags, make the task and the model, train, print decoded
// samples beside their targets, draw the pictures, and end with one machine-readable line:
//   result: task=reverse exact_match=0.995 token_accuracy=0.999 steps=1500 seconds=38.2 ...
#pragma once

#include <cstdint>
#include <string>

#include "demos/common/cli.h"

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

/// Runs the demo described by `spec` with the command-line arguments. Returns the process exit
/// code: 0 on success, 2 for a bad flag or value (with a message on stderr), 1 for an error
/// while training (with a message on stderr; also when --out is in use by another run), and
/// 128 + the signal number (130 for SIGINT) when a signal stopped training after a checkpoint.
int run_transformer_demo(int argc, const char* const* argv, const DemoSpec& spec);

}  // namespace demo
