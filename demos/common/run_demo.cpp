// demos/common/run_demo.cpp — the pieces of the Transformer demos' recipe (run_demo.h).
#include "demos/common/run_demo.h"

#include <cstdio>
#include <filesystem>

#include "core/parallel.h"
#include "demos/common/figures.h"
#include "demos/common/interrupt.h"
#include "io/file.h"
#include "nn/decoding.h"

namespace demo {

std::optional<int> parse_demo_flags(int argc, const char* const* argv, const DemoSpec& spec,
                                    DemoSettings& s) {
    s = {.steps = spec.steps,
         .size = spec.size,
         .threads = ag::get_num_threads(),
         .min_length = spec.min_length,
         .max_length = spec.max_length,
         .max_digits = spec.max_digits,
         .learning_rate = spec.learning_rate,
         .stop_at = spec.stop_at,
         .out = "out/" + spec.task};
    CLI::App app(spec.description, argc > 0 ? argv[0] : spec.task);
    use_demo_conventions(app);
    const auto count = [](int64_t lo, int64_t hi) { return CLI::Range(lo, hi); };
    app.add_option("--steps", s.steps, "training steps")->check(count(1, 10'000'000));
    app.add_option("--batch", s.batch, "sequences per batch")->check(count(1, 100'000));
    app.add_option("--lr", s.learning_rate, "peak learning rate of Adam")
        ->check(FiniteRange(1e-7, 1.0));
    app.add_option("--warmup", s.warmup, "steps of learning-rate warmup")
        ->check(count(0, 10'000'000));
    add_model_size_flags(app, s.size, "encoder layers and decoder layers");
    app.add_option("--dropout", s.dropout, "dropout probability")->check(FiniteRange(0, 0.99));
    app.add_option("--clip", s.clip, "maximum gradient norm")->check(FiniteRange(1e-6, 1e6));
    app.add_option("--label-smoothing", s.label_smoothing, "label smoothing")
        ->check(FiniteRange(0, 1));
    if (spec.task == "add") {
        app.add_option("--digits", s.max_digits, "most digits of each number")->check(count(1, 9));
    } else {
        app.add_option("--min-length", s.min_length, "shortest sequence")->check(count(1, 200));
        app.add_option("--max-length", s.max_length, "longest sequence")->check(count(1, 200));
    }
    app.add_option("--eval-every", s.eval_every, "steps between evaluations (0: at the end)")
        ->check(count(0, 10'000'000));
    app.add_option("--eval-examples", s.eval_examples, "held-out examples per evaluation")
        ->check(count(1, 1'000'000));
    app.add_option("--stop-at", s.stop_at, "stop once exact match reaches this")
        ->check(FiniteRange(0, 2));
    app.add_option("--checkpoint-every", s.checkpoint_every,
                   "steps between checkpoints (0: at the end)")
        ->check(count(0, 10'000'000));
    app.add_option("--stop-after", s.stop_after,
                   "stop after this step as if interrupted (0: never); --resume continues")
        ->check(count(0, 10'000'000));
    app.add_option("--seed", s.seed, "seed of the data, the weights and dropout")
        ->check(count(0, INT64_MAX));
    app.add_option("--threads", s.threads, "threads for matrix products")->check(count(1, 1024));
    app.add_option("--out", s.out, "directory for the checkpoint and pictures");
    app.add_flag("--resume", s.resume, "continue from the checkpoint in --out");
    app.final_callback([&s] {
        check_model_size(s.size);
        if (s.max_length < s.min_length) {
            throw CLI::ValidationError("--max-length", "must be at least --min-length");
        }
    });
    return parse_command_line(app, argc, argv);
}

std::unique_ptr<Task> make_task(const DemoSpec& spec, const DemoSettings& s) {
    if (spec.task == "add") return make_addition_task(s.max_digits);
    return make_sequence_task(
        spec.task, {.min_length = s.min_length, .max_length = s.max_length, .symbols = 10});
}

ag::nn::TransformerConfig transformer_config(const DemoSettings& s, const Task& task) {
    return {.source_vocabulary = task.vocabulary_size(),
            .target_vocabulary = task.vocabulary_size(),
            .d_model = s.size.d_model,
            .heads = s.size.heads,
            .encoder_layers = s.size.layers,
            .decoder_layers = s.size.layers,
            .d_ff = s.size.d_ff,
            .dropout = static_cast<float>(s.dropout),
            .max_length = std::max<int64_t>(task.max_source_length(), task.max_target_length()) + 2,
            .pad_id = kPad,
            .seed = static_cast<uint64_t>(s.seed)};
}

TrainingOptions training_options(const DemoSettings& s) {
    return {.steps = s.steps,
            .batch_size = s.batch,
            .learning_rate = static_cast<float>(s.learning_rate),
            .warmup = s.warmup,
            .clip_norm = static_cast<float>(s.clip),
            .label_smoothing = static_cast<float>(s.label_smoothing),
            .eval_every = s.eval_every,
            .eval_examples = s.eval_examples,
            .stop_at = s.stop_at,
            .checkpoint_every = s.checkpoint_every,
            .checkpoint_path = (std::filesystem::path(s.out) / "checkpoint.safetensors").string(),
            .resume = s.resume,
            .stop_after = s.stop_after,
            .seed = static_cast<uint64_t>(s.seed)};
}

void print_plan(const ag::nn::Transformer& model, const Task& task, const DemoSettings& s) {
    const Example example = task.examples(1, 99)[0];
    std::printf("task %s: e.g. %s -> %s\n", task.name().c_str(),
                task.to_text(example.source).c_str(), task.to_text(example.target).c_str());
    std::printf(
        "model: Transformer, d_model %lld, %lld heads, %lld+%lld layers, %lld parameters; %d "
        "threads\n",
        static_cast<long long>(s.size.d_model), static_cast<long long>(s.size.heads),
        static_cast<long long>(s.size.layers), static_cast<long long>(s.size.layers),
        static_cast<long long>(model.parameter_count()), ag::get_num_threads());
}

int report(ag::nn::Transformer& model, const Task& task, const DemoSettings& s,
           const TrainingResult& result) {
    const TrainingOptions options = training_options(s);
    if (result.interrupted_by != 0) {
        std::printf(
            "\ninterrupted by %s after step %lld; the checkpoint is %s\n"
            "to continue: run the same command with --resume\n",
            InterruptGuard::name(result.interrupted_by), static_cast<long long>(result.steps),
            options.checkpoint_path.c_str());
        return 128 + result.interrupted_by;
    }
    // A few held-out examples decoded by the trained model, beside what they should be.
    const std::vector<Example> held_out =
        held_out_examples(task, options.eval_examples, options.seed);
    std::printf("\n%-28s %-28s %-28s\n", "source", "target", "model output");
    for (size_t i = 0; i < std::min<size_t>(5, held_out.size()); ++i) {
        const Example& example = held_out[i];
        const ag::IndexTensor source(example.source,
                                     {1, static_cast<int64_t>(example.source.size())});
        const auto output =
            ag::nn::greedy_decode(model, source, kBos, kEos, task.max_target_length() + 1)[0];
        std::printf("%-28s %-28s %-28s %s\n", task.to_text(example.source).c_str(),
                    task.to_text(example.target).c_str(), task.to_text(output).c_str(),
                    output == example.target ? "ok" : "WRONG");
    }
    // The pictures, and the result line.
    const std::filesystem::path out(s.out);
    write_loss_curve((out / "loss.svg").string(), "Training loss: " + task.name(), result);
    write_transformer_attention(out.string(), model, task, held_out[0]);
    std::printf("\npictures: %s, %s, %s\ncheckpoint: %s\n", (out / "loss.svg").c_str(),
                (out / "attention_cross.svg").c_str(), (out / "attention_encoder.svg").c_str(),
                options.checkpoint_path.c_str());
    std::printf(
        "result: task=%s exact_match=%.3f token_accuracy=%.3f steps=%lld seconds=%.1f "
        "tokens_per_second=%.0f\n",
        task.name().c_str(), result.final_evaluation.exact_match,
        result.final_evaluation.token_accuracy, static_cast<long long>(result.steps),
        result.seconds, result.tokens_per_second);
    return 0;
}

int run_transformer_demo(int argc, const char* const* argv, const DemoSpec& spec) {
    DemoSettings s;
    if (const std::optional<int> code = parse_demo_flags(argc, argv, spec, s)) return *code;
    try {
        // The output folder, before anything else: created, and locked for as long as this
        // run lives (a second run on it is refused, naming this one's process id).
        const ag::io::DirectoryLock lock(s.out);
        ag::set_num_threads(static_cast<int>(s.threads));
        const std::unique_ptr<Task> task = make_task(spec, s);
        ag::nn::Transformer model(transformer_config(s, *task));
        print_plan(model, *task, s);
        return report(model, *task, s, train(model, *task, training_options(s), stdout));
    } catch (const std::exception& error) {
        std::fprintf(stderr, "%s: %s\n", spec.task.c_str(), error.what());
        return 1;
    }
}

}  // namespace demo
