// demos/rnn_vs_transformer.cpp — the argument of "Attention Is All You Need", measured.
//
// Trains the RNN encoder-decoder with additive attention (Bahdanau et al., 2015) and the
// Transformer on the same task, with the same batches, optimizer and budget, at growing
// sequence lengths, and prints how accurate each got and how long it took. The RNN must run
// its steps one after another (each state depends on the last); the Transformer processes all
// positions of a sequence at once.
#include <cstdio>
#include <filesystem>

#include "core/parallel.h"
#include "demos/common/cli.h"
#include "demos/common/figures.h"
#include "demos/common/interrupt.h"
#include "demos/common/plot.h"
#include "demos/common/tasks.h"
#include "demos/common/training.h"
#include "io/file.h"
#include "nn/rnn.h"
#include "nn/transformer.h"

namespace {

struct Settings {
    std::string task = "reverse", out = "out/rnn_vs_transformer";
    std::vector<int64_t> lengths{5, 10, 20};
    int64_t steps = 1000, batch = 64, d_model = 128, heads = 4, layers = 2, seed = 1;
    int64_t threads = ag::get_num_threads(), eval_every = 100;
    double learning_rate = 1e-3, stop_at = 0.99;
    bool resume = false;
};

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    CLI::App app(
        "Trains an RNN with attention and a Transformer on the same task at growing lengths, "
        "and compares accuracy and time.",
        argc > 0 ? argv[0] : "rnn_vs_transformer");
    demo::use_demo_conventions(app);
    const auto count = [](int64_t lo, int64_t hi) { return CLI::Range(lo, hi); };
    app.add_option("--task", s.task, "the task")->check(CLI::IsMember({"copy", "reverse", "sort"}));
    app.add_option("--lengths", s.lengths, "comma-separated sequence lengths")
        ->delimiter(',')
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check(count(1, 200));
    app.add_option("--steps", s.steps, "training steps per model and length")
        ->check(count(1, 10'000'000));
    app.add_option("--batch", s.batch, "sequences per batch")->check(count(1, 100'000));
    app.add_option("--lr", s.learning_rate, "peak learning rate of Adam")
        ->check(demo::FiniteRange(1e-7, 1.0));
    app.add_option("--d-model", s.d_model, "Transformer width; the RNN's hidden size")
        ->check(count(2, 65536));
    app.add_option("--heads", s.heads, "Transformer attention heads (must divide --d-model)")
        ->check(count(1, 1024));
    app.add_option("--layers", s.layers, "Transformer encoder and decoder layers")
        ->check(count(1, 64));
    app.add_option("--stop-at", s.stop_at, "stop a run once exact match reaches this")
        ->check(demo::FiniteRange(0, 2));
    app.add_option("--eval-every", s.eval_every, "steps between evaluations")
        ->check(count(1, 10'000'000));
    app.add_option("--seed", s.seed, "seed of the data and the weights")
        ->check(count(0, INT64_MAX));
    app.add_option("--threads", s.threads, "threads for matrix products")->check(count(1, 1024));
    app.add_option("--out", s.out, "directory for checkpoints and pictures");
    app.add_flag("--resume", s.resume,
                 "continue each run from its checkpoint (a run without one starts afresh)");
    app.final_callback([&s] { demo::check_model_size({.d_model = s.d_model, .heads = s.heads}); });
    if (const std::optional<int> code = demo::parse_command_line(app, argc, argv)) return *code;
    const std::vector<int64_t>& lengths = s.lengths;

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
        // The table as a picture: exact match per length, one bar per model.
        std::vector<std::string> categories;
        for (int64_t length : lengths) categories.push_back("length " + std::to_string(length));
        std::vector<demo::BarSeries> bars{{"rnn", {}}, {"transformer", {}}};
        for (const Row& row : rows) {
            bars[row.model == "rnn" ? 0 : 1].values.push_back(
                row.result.final_evaluation.exact_match);
        }
        const std::string chart = (std::filesystem::path(s.out) / "exact_match.svg").string();
        demo::write_text_file(
            chart, demo::bar_chart_svg("RNN and Transformer on " + s.task, "sequence length",
                                       "held-out exact match", categories, bars));
        std::printf("\npictures: %s, %s/length_*/attention_rnn.svg and attention_cross.svg\n",
                    chart.c_str(), s.out.c_str());
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "rnn_vs_transformer: %s\n", error.what());
        return 1;
    }
}
