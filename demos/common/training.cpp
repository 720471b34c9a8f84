// demos/common/training.cpp — evaluate() and train().
#include "demos/common/training.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/ops.h"
#include "core/random.h"
#include "demos/common/batching.h"
#include "demos/common/interrupt.h"
#include "demos/common/progress.h"
#include "demos/common/training_state.h"
#include "io/file.h"
#include "nn/decoding.h"
#include "nn/loss.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"

namespace demo {

// SplitMix64's finalizer spreads the bits of the three.
uint64_t seed_for(uint64_t seed, uint64_t step, uint64_t purpose) {
    return ag::mix64(seed * 0x9e3779b97f4a7c15ULL + step * 0xbf58476d1ce4e5b9ULL + purpose);
}

namespace {

constexpr uint64_t kBatchPurpose = 1, kDropoutPurpose = 2, kHeldOutPurpose = 3;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void check(const TrainingOptions& o) {
    if (o.steps < 1 || o.batch_size < 1 || o.warmup < 0 || o.eval_every < 0 ||
        o.eval_examples < 1 || o.checkpoint_every < 0 || o.stop_after < 0 ||
        !(o.learning_rate > 0) || !(o.clip_norm > 0)) {
        throw ag::ValueError(
            "train: steps, batch size, evaluation examples, learning rate and "
            "clip norm must be positive; other counts non-negative");
    }
    if (o.resume && o.checkpoint_path.empty()) {
        throw ag::ValueError("train: resume needs a checkpoint path");
    }
}

}  // namespace

std::vector<Example> held_out_examples(const Task& task, int64_t count, uint64_t seed) {
    return task.examples(count, seed_for(seed, 0, kHeldOutPurpose));
}

Evaluation evaluate(ag::nn::Seq2SeqModel& model, const Task& task,
                    const std::vector<Example>& examples, int64_t batch_size) {
    model.eval();
    int64_t exact = 0, right_tokens = 0, total_tokens = 0;
    for (size_t first = 0; first < examples.size(); first += static_cast<size_t>(batch_size)) {
        const size_t last = std::min(examples.size(), first + static_cast<size_t>(batch_size));
        const std::vector<Example> chunk(examples.begin() + static_cast<std::ptrdiff_t>(first),
                                         examples.begin() + static_cast<std::ptrdiff_t>(last));
        const Batch batch = make_batch(chunk);
        const auto decoded =
            ag::nn::greedy_decode(model, batch.source, kBos, kEos, task.max_target_length() + 1);
        for (size_t i = 0; i < chunk.size(); ++i) {
            // Compare target + </s> with the output + </s>, position by position.
            std::vector<int64_t> want = chunk[i].target, got = decoded[i];
            want.push_back(kEos);
            got.push_back(kEos);
            for (size_t t = 0; t < want.size(); ++t)
                right_tokens += t < got.size() && got[t] == want[t];
            total_tokens += static_cast<int64_t>(want.size());
            exact += got == want;
        }
    }
    return {static_cast<double>(exact) / static_cast<double>(examples.size()),
            static_cast<double>(right_tokens) / static_cast<double>(total_tokens)};
}

// Everything a run keeps between steps.
struct TrainingRun::State {
    State(ag::nn::Seq2SeqModel& model, const Task& task, const TrainingOptions& options,
          std::FILE* out)
        : model(model), task(task), options(options), out(out) {}

    ag::nn::Seq2SeqModel& model;
    const Task& task;
    const TrainingOptions options;
    std::FILE* out;
    //! [optimizer_and_schedule]
    ag::optim::Adam optimizer{model.named_parameters(), options.learning_rate};
    const ag::optim::WarmupCosineSchedule schedule{options.learning_rate,
                                                   std::min(options.warmup, options.steps - 1),
                                                   options.steps, 0.1f * options.learning_rate};
    //! [optimizer_and_schedule]
    const std::vector<Example> held_out =
        held_out_examples(task, options.eval_examples, options.seed);
    TrainingResult result;
    TrainingState saved{task.name(), 0, {}, model.config_metadata()};
    int64_t start = 0, trained_tokens = 0;
    bool over = false;
    const InterruptGuard interrupts;  // Ctrl-C: finish the step, save, stop
    std::chrono::steady_clock::time_point began;
    std::unique_ptr<Progress> progress;

    void save(int64_t step) {
        saved.step = step;
        saved.losses = result.losses;
        save_training_state(options.checkpoint_path, model, optimizer, saved);
    }
};

TrainingRun::TrainingRun(ag::nn::Seq2SeqModel& model, const Task& task,
                         const TrainingOptions& options, std::FILE* out) {
    check(options);
    if (!options.checkpoint_path.empty()) {  // before any training, not at the first save
        const std::filesystem::path folder =
            std::filesystem::path(options.checkpoint_path).parent_path();
        if (!folder.empty() && !std::filesystem::is_directory(folder)) {
            throw ag::io::FileError("train: " + options.checkpoint_path + ": the folder " +
                                    folder.string() + " does not exist");
        }
        ag::io::require_regular_or_absent("train", options.checkpoint_path);
    }
    state_ = std::make_unique<State>(model, task, options, out);
    State& s = *state_;
    if (options.resume) {
        s.saved = load_training_state(options.checkpoint_path, model, s.optimizer, s.saved);
        s.start = s.saved.step;
        s.result.losses = s.saved.losses;
        std::fprintf(out, "resumed from %s at step %lld\n", options.checkpoint_path.c_str(),
                     static_cast<long long>(s.start));
    }
    step_ = s.start;
    s.began = std::chrono::steady_clock::now();
    s.progress = std::make_unique<Progress>(std::max<int64_t>(1, options.steps - s.start), out,
                                            Progress::is_terminal(out));
}

TrainingRun::~TrainingRun() = default;

ag::optim::Optimizer& TrainingRun::optimizer() { return state_->optimizer; }

bool TrainingRun::next_step() {
    State& s = *state_;
    if (s.over || step_ >= s.options.steps) return false;
    ++step_;
    s.schedule.apply(s.optimizer);
    s.model.train();
    ag::Generator batch_generator(seed_for(s.options.seed, step_, kBatchPurpose));
    std::vector<Example> examples;
    for (int64_t i = 0; i < s.options.batch_size; ++i) {
        examples.push_back(s.task.sample(batch_generator));
    }
    batch_ = make_batch(examples);
    ag::manual_seed(seed_for(s.options.seed, step_, kDropoutPurpose));
    return true;
}

void TrainingRun::end_step(float loss) {
    State& s = *state_;
    const TrainingOptions& o = s.options;
    if (!std::isfinite(loss)) {
        s.progress->finish();
        throw ag::Error(
            "train: the loss became " + std::to_string(loss) + " at step " + std::to_string(step_) +
            (o.checkpoint_path.empty() ? std::string()
                                       : "; the last good checkpoint is " + o.checkpoint_path));
    }
    s.result.losses.emplace_back(step_, loss);
    s.trained_tokens += batch_.target_tokens;
    s.progress->update(step_ - s.start, loss,
                       static_cast<double>(s.trained_tokens) / seconds_since(s.began));

    const bool last = step_ == o.steps;
    if ((o.eval_every > 0 && step_ % o.eval_every == 0) || last) {
        const Evaluation evaluation = evaluate(s.model, s.task, s.held_out);
        s.result.evaluations.emplace_back(step_, evaluation);
        s.result.final_evaluation = evaluation;
        char line[160];
        std::snprintf(
            line, sizeof line, "step %lld: held-out exact match %.3f, token accuracy %.3f",
            static_cast<long long>(step_), evaluation.exact_match, evaluation.token_accuracy);
        s.progress->message(line);
        if (evaluation.exact_match >= o.stop_at && s.result.step_reached_stop_at < 0) {
            s.result.step_reached_stop_at = step_;
            s.result.seconds_reached_stop_at = seconds_since(s.began);
            s.progress->message("reached exact match " + std::to_string(o.stop_at) + ": stopping");
            s.over = true;
            return;  // finish() saves
        }
    }
    const bool checkpoint_due = o.checkpoint_every > 0 && step_ % o.checkpoint_every == 0;
    s.result.interrupted_by = InterruptGuard::received();
    const bool interrupted = step_ == o.stop_after || s.result.interrupted_by != 0;
    if (!o.checkpoint_path.empty() && (checkpoint_due || last || interrupted)) s.save(step_);
    if (interrupted) {
        s.progress->message("stopping after step " + std::to_string(step_) + " (" +
                            (s.result.interrupted_by ? InterruptGuard::name(s.result.interrupted_by)
                                                     : "--stop-after") +
                            ")");
        s.over = true;
    }
}

TrainingResult TrainingRun::finish() {
    State& s = *state_;
    s.progress->finish();
    if (step_ == s.start) s.result.final_evaluation = evaluate(s.model, s.task, s.held_out);
    if (!s.options.checkpoint_path.empty() && s.result.step_reached_stop_at == step_) {
        s.save(step_);
    }
    // A signal during the last evaluation or save still counts: the caller stops, not plots.
    if (s.result.interrupted_by == 0) s.result.interrupted_by = InterruptGuard::received();
    s.result.steps = step_;
    s.result.seconds = seconds_since(s.began);
    s.result.tokens_per_second = static_cast<double>(s.trained_tokens) / s.result.seconds;
    s.model.eval();
    return s.result;
}

TrainingResult train(ag::nn::Seq2SeqModel& model, const Task& task, const TrainingOptions& options,
                     std::FILE* out) {
    TrainingRun run(model, task, options, out);
    const std::vector<ag::Tensor> parameters = model.parameters();
    while (run.next_step()) {
        const Batch& batch = run.batch();
        run.optimizer().zero_grad();
        const ag::Tensor logits = model.forward(batch.source, batch.target_input);
        const ag::Tensor loss =
            ag::nn::cross_entropy(logits, batch.target_output, kPad, options.label_smoothing);
        loss.backward();
        ag::optim::clip_grad_norm(parameters, options.clip_norm);
        run.optimizer().step();
        run.end_step(loss.item());
    }
    return run.finish();
}

}  // namespace demo
