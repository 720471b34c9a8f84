// demos/common/training.h — the one training loop every demo uses.
//
// Each step: draw a batch, run the model with teacher forcing, cross-entropy over the target
// tokens, backward, clip the gradient norm, an Adam step at the scheduled learning rate (linear
// warmup, then cosine decay). Every `eval_every` steps the model greedily decodes held-out
// examples and reports token and exact-match accuracy. Every `checkpoint_every` steps the model
// and the optimizer state are saved; `resume` continues from that file exactly, because the
// batch and the dropout masks of step t are drawn from generators seeded by (seed, t) alone.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "demos/common/tasks.h"
#include "nn/seq2seq.h"

namespace demo {

/// The knobs of train(); the demos' command-line flags set them.
struct TrainingOptions {
    int64_t steps = 1500;
    int64_t batch_size = 64;
    float learning_rate = 1e-3f;
    int64_t warmup = 100;    ///< steps of linear warmup
    float clip_norm = 1.0f;  ///< max global gradient norm
    float label_smoothing = 0.0f;
    int64_t eval_every = 250;          ///< steps between evaluations (0: only at the end)
    int64_t eval_examples = 500;       ///< held-out examples per evaluation
    double stop_at = 2.0;              ///< stop once exact match reaches this (above 1: never)
    int64_t checkpoint_every = 500;    ///< steps between checkpoints (0: only at the end)
    std::string checkpoint_path = {};  ///< where to save (empty: no checkpoints)
    bool resume = false;               ///< continue from checkpoint_path
    /// Stop after this step as if interrupted (0: never): the schedule still plans for `steps`,
    /// so resuming from the checkpoint continues the same run.
    int64_t stop_after = 0;
    uint64_t seed = 1;
};

/// Accuracy of greedy decoding on held-out examples.
struct Evaluation {
    double exact_match = 0;     ///< fraction of examples decoded exactly right
    double token_accuracy = 0;  ///< fraction of target positions (and </s>) right
};

/// What a training run did.
struct TrainingResult {
    int64_t steps = 0;             ///< the step reached (counting steps before a resume)
    double seconds = 0;            ///< wall time of this run, evaluations included
    double tokens_per_second = 0;  ///< target tokens trained on per second of this run
    Evaluation final_evaluation;
    std::vector<std::pair<int64_t, double>> losses;  ///< (step, loss) for every step so far
    std::vector<std::pair<int64_t, Evaluation>> evaluations;
    int64_t step_reached_stop_at = -1;    ///< first step whose evaluation reached stop_at
    double seconds_reached_stop_at = -1;  ///< and the wall time then
    /// The signal (SIGINT, SIGTERM, SIGHUP) received during the run (demos/common/interrupt.h),
    /// or 0: it stopped the run at the end of a step, after saving its checkpoint, or came
    /// during the last evaluation or save of a run that had finished. Either way the caller
    /// should stop.
    int interrupted_by = 0;
};

/// Greedy-decodes `examples` in batches and scores them against their targets.
/// Puts the model in eval mode and leaves it there.
Evaluation evaluate(ag::nn::Seq2SeqModel& model, const Task& task,
                    const std::vector<Example>& examples, int64_t batch_size = 256);

/// Trains `model` on `task` as described at the top of this file, reporting progress on `out`
/// (a bar on a terminal, periodic lines otherwise). SIGINT, SIGTERM and SIGHUP stop it at the
/// end of the current step, after a checkpoint (TrainingResult::interrupted_by).
/// Throws ag::Error if the loss becomes non-finite (naming the step; the last checkpoint is
/// kept), ag::io::CheckpointError if a checkpoint cannot be read or written (on resume: a file
/// of another task or model, and then model and optimizer are untouched), ag::io::FileError if
/// the checkpoint's folder is missing or its path is a link or a special file (checked before
/// the first step), ag::ValueError for bad options.
TrainingResult train(ag::nn::Seq2SeqModel& model, const Task& task, const TrainingOptions& options,
                     std::FILE* out);

/// The held-out examples train() evaluates on, for a given seed.
std::vector<Example> held_out_examples(const Task& task, int64_t count, uint64_t seed);

}  // namespace demo
