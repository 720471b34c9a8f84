// demos/rnn_vs_transformer.cpp — the argument of "Attention Is All You Need", measured.
//
// Trains the RNN encoder-decoder with additive attention (Bahdanau et al., 2015) and the
// Transformer on the same task, with the same batches, optimizer and budget, at growing
// sequence lengths, and prints how accurate each got and how long it took. The RNN must run
// its steps one after another (each state depends on the last); the Transformer processes all
// positions of a sequence at once.
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/parallel.h"
#include "demos/common/figures.h"
#include "demos/common/flags.h"
#include "demos/common/interrupt.h"
#include "demos/common/tasks.h"
#include "demos/common/training.h"
#include "io/file.h"
#include "nn/rnn.h"
#include "nn/transformer.h"

namespace {

struct Settings {
    std::string task = "reverse", lengths = "5,10,20", out = "out/rnn_vs_transformer";
    int64_t steps = 1000, batch = 64, d_model = 128, heads = 4, layers = 2, seed = 1;
    int64_t threads = ag::get_num_threads(), eval_every = 100;
    double learning_rate = 1e-3, stop_at = 0.99;
    bool resume = false;
};

std::vector<int64_t> parse_lengths(const std::string& text) {
    std::vector<int64_t> lengths;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        size_t used = 0;
        int64_t value = 0;
        try {
            value = std::stoll(item, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != item.size() || value < 1 || value > 200) return {};
        lengths.push_back(value);
    }
    return lengths;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    demo::Flags flags(argv[0],
                      "Trains an RNN with attention and a Transformer on the same task at "
                      "growing lengths, and compares accuracy and time.");
    flags.add_string("task", &s.task, "copy, reverse or sort");
    flags.add_string("lengths", &s.lengths, "comma-separated sequence lengths");
    flags.add_int("steps", &s.steps, "training steps per model and length", 1, 10'000'000);
    flags.add_int("batch", &s.batch, "sequences per batch", 1, 100'000);
    flags.add_float("lr", &s.learning_rate, "peak learning rate of Adam", 1e-7, 1.0);
    flags.add_int("d-model", &s.d_model, "Transformer width; the RNN's hidden size", 2, 65536);
    flags.add_int("heads", &s.heads, "Transformer attention heads", 1, 1024);
    flags.add_int("layers", &s.layers, "Transformer encoder and decoder layers", 1, 64);
    flags.add_float("stop-at", &s.stop_at, "stop a run once exact match reaches this", 0.0, 2.0);
    flags.add_int("eval-every", &s.eval_every, "steps between evaluations", 1, 10'000'000);
    flags.add_int("seed", &s.seed, "seed of the data and the weights", 0, INT64_MAX);
    flags.add_int("threads", &s.threads, "threads for matrix products", 1, 1024);
    flags.add_string("out", &s.out, "directory for checkpoints and pictures");
    flags.add_bool("resume", &s.resume,
                   "continue each run from its checkpoint (a run without one starts afresh)");
    const demo::ParseResult parsed = flags.parse(argc, argv);
    if (parsed.kind == demo::ParseResult::Help) {
        std::printf("%s", flags.help().c_str());
        return 0;
    }
    const std::vector<int64_t> lengths = parse_lengths(s.lengths);
    std::string problem = parsed.kind == demo::ParseResult::Error ? parsed.message : "";
    if (problem.empty() && lengths.empty()) problem = "--lengths: expected e.g. 5,10,20";
    if (problem.empty() && s.d_model % s.heads != 0) problem = "--heads must divide --d-model";
    if (problem.empty() && s.task != "copy" && s.task != "reverse" && s.task != "sort") {
        problem = "--task: '" + s.task + "' is not copy, reverse or sort";
    }
    if (!problem.empty()) {
        std::fprintf(stderr, "%s\nrun with --help to see the flags\n", problem.c_str());
        return 2;
    }

    try {
        const ag::io::DirectoryLock lock(s.out);  // created, and ours alone while we run
        // One guard for the whole run, so a signal during one model's training is not
        // forgotten when the next model's train() begins.
        const demo::InterruptGuard interrupts;
        ag::set_num_threads(static_cast<int>(s.threads));
        struct Row {
            int64_t length;
            std::string model;
            demo::TrainingResult result;
        };
        std::vector<Row> rows;
        for (int64_t length : lengths) {
            const auto task =
                demo::make_sequence_task(s.task, {.min_length = length, .max_length = length});
            const int64_t vocabulary = task->vocabulary_size();
            const std::filesystem::path dir =
                std::filesystem::path(s.out) / ("length_" + std::to_string(length));
            std::filesystem::create_directories(dir);
            ag::nn::RnnSeq2Seq rnn({.source_vocabulary = vocabulary,
                                    .target_vocabulary = vocabulary,
                                    .embedding_size = 64,
                                    .hidden_size = s.d_model,
                                    .attention_size = s.d_model,
                                    .seed = static_cast<uint64_t>(s.seed)});
            ag::nn::Transformer transformer({.source_vocabulary = vocabulary,
                                             .target_vocabulary = vocabulary,
                                             .d_model = s.d_model,
                                             .heads = s.heads,
                                             .encoder_layers = s.layers,
                                             .decoder_layers = s.layers,
                                             .d_ff = 4 * s.d_model,
                                             .dropout = 0.0f,
                                             .max_length = length + 2,
                                             .seed = static_cast<uint64_t>(s.seed)});
            for (ag::nn::Seq2SeqModel* model : {static_cast<ag::nn::Seq2SeqModel*>(&rnn),
                                                static_cast<ag::nn::Seq2SeqModel*>(&transformer)}) {
                const std::string name = model == &rnn ? "rnn" : "transformer";
                std::printf("\n== %s, %s of length %lld (%lld parameters)\n", name.c_str(),
                            s.task.c_str(), static_cast<long long>(length),
                            static_cast<long long>(model->parameter_count()));
                demo::TrainingOptions options{
                    .steps = s.steps,
                    .batch_size = s.batch,
                    .learning_rate = static_cast<float>(s.learning_rate),
                    .eval_every = s.eval_every,
                    .stop_at = s.stop_at,
                    .checkpoint_every = 0,
                    .checkpoint_path = (dir / (name + ".safetensors")).string(),
                    // A run interrupted earlier saved the models it reached; the rest start.
                    .resume = s.resume && std::filesystem::exists(dir / (name + ".safetensors")),
                    .seed = static_cast<uint64_t>(s.seed)};
                rows.push_back({length, name, demo::train(*model, *task, options, stdout)});
                if (const int signal = rows.back().result.interrupted_by; signal != 0) {
                    std::printf(
                        "\ninterrupted by %s after step %lld of the %s at length %lld; its "
                        "checkpoint is %s\nto continue: run the same command with --resume\n",
                        demo::InterruptGuard::name(signal),
                        static_cast<long long>(rows.back().result.steps), name.c_str(),
                        static_cast<long long>(length), options.checkpoint_path.c_str());
                    return 128 + signal;
                }
            }
            const demo::Example sample = demo::held_out_examples(*task, 1, s.seed)[0];
            demo::write_rnn_attention((dir / "attention_rnn.svg").string(), rnn, *task, sample);
            demo::write_transformer_attention(dir.string(), transformer, *task, sample);
        }

        std::printf("\n%-8s %-12s %12s %15s %10s %16s\n", "length", "model", "exact match",
                    "token accuracy", "seconds", "steps to target");
        for (const Row& row : rows) {
            const std::string reached = row.result.step_reached_stop_at > 0
                                            ? std::to_string(row.result.step_reached_stop_at)
                                            : "not reached";
            std::printf(
                "%-8lld %-12s %12.3f %15.3f %10.1f %16s\n", static_cast<long long>(row.length),
                row.model.c_str(), row.result.final_evaluation.exact_match,
                row.result.final_evaluation.token_accuracy, row.result.seconds, reached.c_str());
        }
        for (const Row& row : rows) {
            std::printf(
                "result: task=%s model=%s length=%lld exact_match=%.3f "
                "token_accuracy=%.3f steps=%lld seconds=%.1f tokens_per_second=%.0f\n",
                s.task.c_str(), row.model.c_str(), static_cast<long long>(row.length),
                row.result.final_evaluation.exact_match, row.result.final_evaluation.token_accuracy,
                static_cast<long long>(row.result.steps), row.result.seconds,
                row.result.tokens_per_second);
        }
        std::printf("\npictures: %s/length_*/attention_rnn.svg and attention_cross.svg\n",
                    s.out.c_str());
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "rnn_vs_transformer: %s\n", error.what());
        return 1;
    }
}
