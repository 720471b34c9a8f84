// demos/gpt.cpp — a GPT learns real text: the fortunes Debian ships, then writes its own.
//
//   demos/gpt                                   train on /usr/share/games/fortunes
//   demos/gpt --tokenizer bpe                   the same with a 4,096-token BPE vocabulary
//   demos/gpt --generate --prompt "The computer"   continue a prompt from the checkpoint alone
//
// The model is nn::GPT (d_model 128, 4 heads, 4 layers, d_ff 512, context 128 by default),
// trained by next-token prediction on random windows of the training text (language_model.h),
// batch 32, AdamW with linear warmup and cosine decay, the gradient norm clipped at 1. At each
// evaluation it measures the held-out loss in nats per byte, which compares byte and BPE
// models, and prints a short sample. Every --checkpoint-every steps, and on Ctrl-C, it saves
// out/gpt/checkpoint.safetensors, which holds the model, the optimizer, the configuration and
// the tokenizer: --resume continues exactly, and --generate needs nothing but that file. It
// draws out/gpt/loss.svg and ends with one machine-readable line:
//   result: task=gpt tokenizer=bytes val_loss_per_byte=... steps=1500 seconds=...
//   tokens_per_second=...
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/parallel.h"
#include "core/random.h"
#include "demos/common/cli.h"
#include "demos/common/corpus.h"
#include "demos/common/interrupt.h"
#include "demos/common/language_model.h"
#include "demos/common/plot.h"
#include "demos/common/progress.h"
#include "demos/common/training.h"
#include "demos/common/training_state.h"
#include "io/file.h"
#include "io/metadata.h"
#include "io/safetensors.h"
#include "nn/checkpoint.h"
#include "nn/config_metadata.h"
#include "nn/loss.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "text/tokenizer.h"

namespace {

struct Settings {
    std::string data = demo::kFortunesFolder, tokenizer = "bytes", out = "out/gpt", prompt;
    int64_t vocabulary = 4096, data_bytes = 0, context = 128, steps = 1500, batch = 32;
    demo::ModelSize size{.d_model = 128, .heads = 4, .layers = 4, .d_ff = 512};
    int64_t warmup = 100, eval_every = 250, eval_tokens = 16384, sample_tokens = 200;
    int64_t checkpoint_every = 500, stop_after = 0, seed = 1, threads = 2;
    int64_t max_new_tokens = 500, top_k = 0;
    double learning_rate = 2e-3, weight_decay = 0.1, dropout = 0.0, clip = 1.0;
    double temperature = 0.8, top_p = 0.95;
    bool resume = false, generate = false;
};

constexpr const char* kTask = "gpt";
constexpr const char* kTokenizerKey = "config.tokenizer";  // the tokenizer's text form
constexpr uint64_t kBatchPurpose = 1, kDropoutPurpose = 2, kSamplePurpose = 3;

std::optional<int> parse_flags(int argc, char** argv, Settings& s) {
    CLI::App app("Trains a GPT on real text (the fortunes, or --data) and writes from it.",
                 argc > 0 ? argv[0] : "gpt");
    demo::use_demo_conventions(app);
    const auto count = [](int64_t lo, int64_t hi) { return CLI::Range(lo, hi); };
    app.add_option("--data", s.data, "a text file or a folder of them");
    app.add_option("--data-bytes", s.data_bytes, "train on the first N bytes only (0: all)")
        ->check(count(0, int64_t{1} << 40));
    app.add_option("--tokenizer", s.tokenizer, "bytes, or bpe trained on the training text")
        ->check(CLI::IsMember({"bytes", "bpe"}));
    app.add_option("--vocabulary", s.vocabulary, "BPE vocabulary size")
        ->check(count(ag::text::kFirstMergedId, 65536));
    demo::add_model_size_flags(app, s.size, "blocks");
    app.add_option("--context", s.context, "tokens the model sees at once")->check(count(1, 4096));
    app.add_option("--dropout", s.dropout, "dropout probability")
        ->check(demo::FiniteRange(0, 0.99));
    app.add_option("--steps", s.steps, "training steps")->check(count(2, 10'000'000));
    app.add_option("--batch", s.batch, "windows per batch")->check(count(1, 100'000));
    app.add_option("--lr", s.learning_rate, "peak learning rate of AdamW")
        ->check(demo::FiniteRange(1e-7, 1.0));
    app.add_option("--warmup", s.warmup, "steps of learning-rate warmup")
        ->check(count(0, 1'000'000));
    app.add_option("--weight-decay", s.weight_decay, "AdamW's decoupled weight decay")
        ->check(demo::FiniteRange(0, 1));
    app.add_option("--clip", s.clip, "maximum gradient norm")->check(demo::FiniteRange(1e-6, 1e6));
    app.add_option("--eval-every", s.eval_every, "steps between evaluations (0: at the end)")
        ->check(count(0, 10'000'000));
    app.add_option("--eval-tokens", s.eval_tokens, "held-out tokens per evaluation (0: all)")
        ->check(count(0, int64_t{1} << 40));
    app.add_option("--sample-tokens", s.sample_tokens, "tokens of the sample at each evaluation")
        ->check(count(0, 100'000));
    app.add_option("--checkpoint-every", s.checkpoint_every, "steps between checkpoints")
        ->check(count(0, 10'000'000));
    app.add_option("--stop-after", s.stop_after, "stop after this step, as if interrupted")
        ->check(count(0, 10'000'000));
    app.add_option("--seed", s.seed, "seed of the batches, the weights and dropout");
    app.add_option("--threads", s.threads, "threads for matrix products")->check(count(1, 1024));
    app.add_option("--out", s.out, "directory for the checkpoint and pictures");
    app.add_flag("--resume", s.resume, "continue from the checkpoint in --out");
    app.add_flag("--generate", s.generate, "write text from the checkpoint in --out; no training");
    app.add_option("--prompt", s.prompt, "text to continue (--generate)");
    app.add_option("--max-new-tokens", s.max_new_tokens, "tokens to write (--generate)")
        ->check(count(0, 1'000'000));
    app.add_option("--temperature", s.temperature, "sampling temperature (0: greedy)")
        ->check(demo::FiniteRange(0, 100));
    app.add_option("--top-k", s.top_k, "sample among the k likeliest tokens (0: all)")
        ->check(count(0, 1'000'000));
    app.add_option("--top-p", s.top_p, "sample from the smallest set of this probability")
        ->check(demo::FiniteRange(1e-6, 1));
    app.final_callback([&s] { demo::check_model_size(s.size); });
    return demo::parse_command_line(app, argc, argv);
}

std::string checkpoint_path(const Settings& s) {
    return (std::filesystem::path(s.out) / "checkpoint.safetensors").string();
}

ag::nn::GenerationOptions generation_options(const Settings& s, uint64_t seed) {
    return {.sampling = {.temperature = static_cast<float>(s.temperature),
                         .top_k = s.top_k,
                         .top_p = static_cast<float>(s.top_p)},
            .seed = seed,
            .stop_token = ag::text::kEndOfText};
}

// The text `model` writes after `prompt` (a new document when the prompt is empty).
std::string write_text(ag::nn::GPT& model, const ag::text::Tokenizer& tokenizer,
                       const std::string& prompt, int64_t tokens,
                       const ag::nn::GenerationOptions& options) {
    std::vector<int64_t> ids{ag::text::kEndOfText};  // "a document starts here"
    for (const int64_t id : tokenizer.encode(prompt)) ids.push_back(id);
    return tokenizer.decode(ag::nn::generate(model, ids, tokens, options));
}

// `text` indented under a heading, one line each, for the progress display.
void show_sample(demo::Progress& progress, const std::string& heading, const std::string& text) {
    progress.message(heading);
    size_t start = 0;
    while (start <= text.size()) {
        const size_t end = std::min(text.find('\n', start), text.size());
        progress.message("    | " + text.substr(start, end - start));
        start = end + 1;
    }
}

// ---- --generate: the checkpoint alone --------------------------------------------------------

int generate_from_checkpoint(const Settings& s) {
    const std::string path = checkpoint_path(s);
    const ag::io::SafetensorsFile file = ag::io::read_safetensors(path, {.caller = "generate"});
    const ag::nn::GPTConfig config = ag::nn::gpt_config_from(file.metadata, path);
    const auto tokenizer = ag::text::tokenizer_from_text(
        ag::io::metadata_text(file.metadata, kTokenizerKey, "generate", path), path);
    ag::nn::GPT model(config);
    std::vector<std::pair<std::string, ag::Tensor>> parameters;
    for (const auto& entry : file.tensors) {
        if (!entry.first.starts_with(ag::optim::kStatePrefix)) parameters.push_back(entry);
    }
    ag::nn::copy_parameters(model, parameters);
    const std::string text = write_text(model, *tokenizer, s.prompt, s.max_new_tokens,
                                        generation_options(s, static_cast<uint64_t>(s.seed)));
    std::printf("%s%s\n", s.prompt.c_str(), text.c_str());
    return 0;
}

// ---- training --------------------------------------------------------------------------------

// The tokenizer of the run: bytes, or BPE learned on the training text.
std::unique_ptr<ag::text::Tokenizer> make_tokenizer(const Settings& s,
                                                    const std::vector<demo::Document>& train) {
    if (s.tokenizer == "bytes") return std::make_unique<ag::text::ByteTokenizer>();
    return std::make_unique<ag::text::BpeTokenizer>(
        ag::text::BpeTokenizer::train(demo::joined_text(train), s.vocabulary));
}

// The first documents holding `bytes` bytes (0: all of them).
std::vector<demo::Document> first_bytes(std::vector<demo::Document> documents, int64_t bytes) {
    if (bytes <= 0) return documents;
    int64_t kept = 0;
    size_t n = 0;
    while (n < documents.size() && kept < bytes) kept += int64_t(documents[n++].text.size());
    documents.resize(n);
    return documents;
}

std::string per_byte(double loss) {
    char text[64];
    std::snprintf(text, sizeof text, "%.3f", loss);
    return text;
}

int train(const Settings& s) {
    const ag::io::DirectoryLock lock(s.out);  // --out is this run's alone while it lives
    const demo::InterruptGuard interrupts;
    const auto began = std::chrono::steady_clock::now();
    const auto seconds = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    };

    // The text, its tokens and the model.
    demo::Corpus corpus = demo::read_corpus(s.data);
    corpus.train = first_bytes(std::move(corpus.train), s.data_bytes);
    const auto tokenizer = make_tokenizer(s, corpus.train);
    const demo::TokenStream train = demo::encode_documents(*tokenizer, corpus.train);
    const demo::TokenStream held_out = demo::encode_documents(*tokenizer, corpus.held_out);
    const ag::nn::GPTConfig config{.vocabulary = tokenizer->vocabulary_size(),
                                   .context = s.context,
                                   .d_model = s.size.d_model,
                                   .heads = s.size.heads,
                                   .layers = s.size.layers,
                                   .d_ff = s.size.d_ff,
                                   .dropout = static_cast<float>(s.dropout),
                                   .seed = static_cast<uint64_t>(s.seed)};
    ag::nn::GPT model(config);
    std::printf("data: %s, %zu files: %lld training bytes (%zu tokens), %lld held out\n",
                s.data.c_str(), corpus.files.size(), static_cast<long long>(train.bytes),
                train.ids.size(), static_cast<long long>(held_out.bytes));
    std::printf(
        "model: GPT, %s tokenizer (%lld ids), d_model %lld, %lld heads, %lld layers, "
        "context %lld, %lld parameters; %lld threads\n",
        tokenizer->kind().c_str(), static_cast<long long>(config.vocabulary),
        static_cast<long long>(config.d_model), static_cast<long long>(config.heads),
        static_cast<long long>(config.layers), static_cast<long long>(config.context),
        static_cast<long long>(model.parameter_count()),
        static_cast<long long>(ag::get_num_threads()));

    // AdamW with warmup and cosine decay to a tenth of the peak; the state of a resumed run.
    ag::optim::AdamW optimizer(model.named_parameters(), float(s.learning_rate), 0.9f, 0.95f, 1e-8f,
                               float(s.weight_decay));
    const ag::optim::WarmupCosineSchedule schedule(float(s.learning_rate),
                                                   std::min(s.warmup, s.steps - 1), s.steps,
                                                   0.1f * float(s.learning_rate));
    demo::TrainingState state{
        .task = kTask, .step = 0, .losses = {}, .config = ag::nn::config_metadata(config)};
    state.config[kTokenizerKey] = tokenizer->to_text();
    if (s.resume) {
        state = demo::load_training_state(checkpoint_path(s), model, optimizer, state);
        std::printf("resumed from %s at step %lld\n", checkpoint_path(s).c_str(),
                    static_cast<long long>(state.step));
    }
    const auto save = [&] {
        demo::save_training_state(checkpoint_path(s), model, optimizer, state);
    };

    // The loop: a batch of windows drawn from (seed, step) alone, so a resumed run continues
    // exactly; next-token cross-entropy; backward; clip; AdamW at the scheduled rate.
    const std::vector<ag::Tensor> parameters = model.parameters();
    const auto seed = static_cast<uint64_t>(s.seed);
    demo::Progress progress(s.steps, stdout);
    std::vector<std::pair<int64_t, double>> evaluations;
    double training_seconds = 0, tokens = 0;
    while (state.step < s.steps) {
        const int64_t step = ++state.step;
        const auto step_began = std::chrono::steady_clock::now();
        model.train();
        ag::Generator batch_generator(demo::seed_for(seed, uint64_t(step), kBatchPurpose));
        const demo::TextBatch batch =
            demo::random_windows(train, s.batch, s.context, batch_generator);
        ag::manual_seed(demo::seed_for(seed, uint64_t(step), kDropoutPurpose));
        //! [training_step]
        schedule.apply(optimizer);
        optimizer.zero_grad();
        const ag::Tensor loss = model.loss(batch.inputs, batch.targets, ag::nn::kNoIgnoreIndex);
        loss.backward();
        ag::optim::clip_grad_norm(parameters, float(s.clip));
        optimizer.step();
        //! [training_step]
        const float value = loss.item();
        if (!std::isfinite(value)) {
            throw ag::Error("gpt: the loss at step " + std::to_string(step) +
                            " is not finite; the last checkpoint is kept");
        }
        state.losses.emplace_back(step, value);
        training_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - step_began).count();
        tokens += double(batch.inputs.numel());
        progress.update(step, value, tokens / training_seconds);

        const bool last = step == s.steps;
        if ((s.eval_every > 0 && step % s.eval_every == 0) || last) {
            const double val = demo::loss_per_byte(model, *tokenizer, held_out, s.eval_tokens);
            evaluations.emplace_back(step, val);
            progress.set_note("held-out " + per_byte(val) + " nats/byte");
            if (s.sample_tokens > 0) {
                show_sample(progress,
                            "step " + std::to_string(step) + ", held-out " + per_byte(val) +
                                " nats/byte; a sample:",
                            write_text(model, *tokenizer, "", s.sample_tokens,
                                       generation_options(s, demo::seed_for(seed, uint64_t(step),
                                                                            kSamplePurpose))));
            }
        }
        const int signal = demo::InterruptGuard::received();
        const bool stop = signal != 0 || step == s.stop_after;
        if (last || stop || (s.checkpoint_every > 0 && step % s.checkpoint_every == 0)) save();
        if (stop) {
            progress.finish();
            std::printf("stopped after step %lld%s%s; --resume continues from %s\n",
                        static_cast<long long>(step), signal ? " by " : "",
                        demo::InterruptGuard::name(signal), checkpoint_path(s).c_str());
            return signal ? 128 + signal : 0;
        }
    }
    progress.finish();

    // What it learned: the loss on all the held-out text, a sample, the curve, the result.
    const double val = demo::loss_per_byte(model, *tokenizer, held_out);
    show_sample(progress, "a sample from the trained model:",
                write_text(model, *tokenizer, "", 4 * std::max<int64_t>(s.sample_tokens, 50),
                           generation_options(s, seed)));
    const double bytes_per_token = double(train.bytes) / double(train.ids.size());
    demo::Series training{"training (per token / bytes per token)", {}, {}};
    for (const auto& [step, loss] : state.losses) {
        training.x.push_back(double(step));
        training.y.push_back(loss / bytes_per_token);
    }
    demo::Series held{"held-out", {}, {}};
    for (const auto& [step, loss] : evaluations)
        held.x.push_back(double(step)), held.y.push_back(loss);
    demo::write_text_file((std::filesystem::path(s.out) / "loss.svg").string(),
                          demo::line_chart_svg("GPT on " + s.data, "step", "loss, nats per byte",
                                               {training, held}, /*log_y=*/true));
    std::printf("wrote %s/loss.svg and %s\n", s.out.c_str(), checkpoint_path(s).c_str());
    std::printf(
        "result: task=gpt tokenizer=%s val_loss_per_byte=%.4f steps=%lld seconds=%.1f "
        "tokens_per_second=%.0f\n",
        tokenizer->kind().c_str(), val, static_cast<long long>(state.step), seconds(),
        training_seconds > 0 ? tokens / training_seconds : 0.0);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    if (const auto code = parse_flags(argc, argv, s)) return *code;
    try {
        ag::set_num_threads(static_cast<int>(s.threads));
        return s.generate ? generate_from_checkpoint(s) : train(s);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "gpt: %s\n", error.what());
        return 1;
    }
}
