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
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "demos/common/batching.h"
#include "demos/common/tasks.h"
#include "nn/seq2seq.h"
#include "optim/optimizer.h"

namespace demo {

/// A seed for one purpose (batches, dropout, held-out examples: any small number per use) at
/// one step, so that step t draws the same numbers whether or not the run was interrupted and
/// resumed before it.
uint64_t seed_for(uint64_t seed, uint64_t step, uint64_t purpose);

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

/// The chores of a training run around the step a demo writes out itself (demos/reverse.cpp):
///
///     demo::TrainingRun run(model, task, options, stdout);
///     while (run.next_step()) {
///         run.optimizer().zero_grad();
///         const ag::Tensor loss = ...;        // forward and loss on run.batch()
///         loss.backward();
///         ... clip, run.optimizer().step();
///         run.end_step(loss.item());
///     }
///     const demo::TrainingResult result = run.finish();
///
/// The constructor checks the options and the checkpoint path, makes the Adam optimizer and
/// the warmup-cosine schedule, and on `resume` loads the checkpoint (all or nothing). Each
/// next_step() draws the step's batch and seeds dropout from (seed, step) alone, so a resumed
/// run continues exactly. end_step() reports progress, evaluates, saves checkpoints and notices
/// signals (SIGINT, SIGTERM, SIGHUP: the run stops at the end of the step, after a save).
class TrainingRun {
public:
    /// Throws ag::ValueError for bad options, ag::io::FileError if the checkpoint's folder is
    /// missing or its path is a link or a special file, and, on resume, ag::io::CheckpointError
    /// if the checkpoint cannot be read or is of another task or model (model untouched).
    TrainingRun(ag::nn::Seq2SeqModel& model, const Task& task, const TrainingOptions& options,
                std::FILE* out);
    TrainingRun(const TrainingRun&) = delete;
    TrainingRun& operator=(const TrainingRun&) = delete;
    ~TrainingRun();

    /// Starts the next step and returns true, or returns false when the run is over: every
    /// step taken, stop_at reached, stop_after reached or a signal received. Starting a step
    /// sets the scheduled learning rate, puts the model in training mode, draws batch() and
    /// seeds dropout.
    bool next_step();
    /// The current step's batch.
    const Batch& batch() const { return batch_; }
    /// The optimizer over model.named_parameters().
    ag::optim::Optimizer& optimizer();
    /// The step being taken, counting from 1 (and counting the steps before a resume).
    int64_t step() const { return step_; }
    /// Ends the step whose loss was `loss`: records it, reports progress, evaluates every
    /// eval_every steps and saves every checkpoint_every steps, at the last step, and when a
    /// signal or stop_after ends the run. Throws ag::Error if the loss is not finite (naming the
    /// step; the last checkpoint is kept), and what saving throws (io::save_safetensors).
    void end_step(float loss);
    /// Ends the run: evaluates if no step was taken, saves if stop_at was reached, and returns
    /// what happened. Call once, after next_step() returned false.
    TrainingResult finish();

private:
    struct State;
    std::unique_ptr<State> state_;
    Batch batch_;
    int64_t step_ = 0;
};

/// Trains `model` on `task` as described at the top of this file, reporting progress on `out`
/// (a bar on a terminal, periodic lines otherwise): a TrainingRun around the training step.
/// Throws what TrainingRun throws.
TrainingResult train(ag::nn::Seq2SeqModel& model, const Task& task, const TrainingOptions& options,
                     std::FILE* out);

/// The held-out examples train() evaluates on, for a given seed.
std::vector<Example> held_out_examples(const Task& task, int64_t count, uint64_t seed);

}  // namespace demo
