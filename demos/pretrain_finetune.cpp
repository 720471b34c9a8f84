// demos/pretrain_finetune.cpp — pretrain on many unlabelled sentences, then fine-tune on a few
// hundred labelled ones; against the same model trained on those few alone.
//
// The task (demos/common/finetune_task.h), chosen with --data:
//   dialects (the quick default)  generated sentences over 20 letters in 4 dialects that differ
//                                 only in which letter may follow which: which dialect is it?
//   fortunes, or a folder         real text, Debian's fortunes: which of 4 topics (files) is a
//                                 fortune from? Pretraining reads all training fortunes as bytes.
//
//   1. Pretraining: a MaskedLanguageModel (body + "mlm_head") learns to fill in masked letters
//      of unlabelled sentences ("fm?jep?b" -> the two hidden letters). It is never told the
//      dialect, but to guess well it must learn each dialect's rules and tell which one a
//      sentence follows. Its parameters are saved as a safetensors checkpoint.
//   2. Fine-tuning: a SequenceClassifier (body + mean pooling + "classifier") loads the
//      checkpoint by name: the body is loaded, "mlm_head" skipped, "classifier" is new. It is
//      trained on `--labeled` sentences with their dialects (optionally with the body frozen).
//   3. The control: the same classifier, from the same initial head, trained on the same
//      labelled sentences, from scratch.
// Each arm is evaluated on the same held-out sentences as it trains, for `--seeds` seeds
// (each seed pretrains its own model). The program prints the curves and final accuracies,
// draws both mean curves in finetune_accuracy.svg, and ends with one machine-readable line:
//   result: task=dialects pretrained_accuracy=0.986 scratch_accuracy=0.538 pretrained_sd=...
//   scratch_sd=... labeled_examples=300 seeds=3 seconds=85.7
// (on one line; 2 threads). With `--objective next-token` (the default on the fortunes)
// pretraining is next-token prediction by a DecoderOnly model instead, and the body is causal.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ops.h"
#include "core/parallel.h"
#include "demos/common/cli.h"
#include "demos/common/finetune_task.h"
#include "demos/common/interrupt.h"
#include "demos/common/plot.h"
#include "demos/common/progress.h"
#include "io/file.h"
#include "nn/checkpoint.h"
#include "nn/config_metadata.h"
#include "nn/loss.h"
#include "nn/pretraining.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"

namespace {

double seconds_since(std::chrono::steady_clock::time_point began) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
}

// ---- settings -------------------------------------------------------------------------------

struct Settings {
    int64_t seeds = 3, labeled = 300, pretrain_steps = 1500, finetune_steps = 300;
    int64_t pretrain_batch = 64, finetune_batch = 32, eval_every = 25, eval_examples = 1000;
    demo::ModelSize size{.d_model = 64, .heads = 4, .layers = 2, .d_ff = 256};
    int64_t dialects = 4, letters = 20, successors = 3, seed = 1, threads = 2;
    double pretrain_lr = 2e-3, finetune_lr = 1e-3, mask_fraction = 0.15, weight_decay = 0.01;
    std::string objective = "mlm", out = "out/pretrain_finetune", data = "dialects";
    std::vector<std::string> topics = demo::kFortuneTopics;
    int64_t per_topic = 50, max_length = 128;
    bool freeze = false;
};

// The classifier is the same for both arms; only where its body starts differs.
ag::nn::TextModelConfig model_config(const Settings& s, const demo::FinetuneTask& task,
                                     uint64_t seed) {
    return {.vocabulary = task.vocabulary,
            .d_model = s.size.d_model,
            .heads = s.size.heads,
            .layers = s.size.layers,
            .d_ff = s.size.d_ff,
            .max_length = task.max_length,
            .causal = s.objective == "next-token",
            .pad_id = task.pad_id,
            .seed = seed};
}

// AdamW with linear warmup (a tenth of the steps) and cosine decay to a tenth of the peak.
struct Trainer {
    ag::optim::AdamW optimizer;
    ag::optim::WarmupCosineSchedule schedule;
    std::vector<ag::Tensor> parameters;
    Trainer(ag::nn::Module& model, double lr, double weight_decay, int64_t steps)
        : optimizer(model.named_parameters(), static_cast<float>(lr), 0.9f, 0.999f, 1e-8f,
                    static_cast<float>(weight_decay)),
          schedule(static_cast<float>(lr), std::max<int64_t>(1, steps / 10) - 1,
                   std::max<int64_t>(2, steps), 0.1f * static_cast<float>(lr)),
          parameters(model.parameters()) {}
    // One update from `loss`: backward, clip, step at the scheduled rate.
    void step(const ag::Tensor& loss) {
        optimizer.zero_grad();
        loss.backward();
        ag::optim::clip_grad_norm(parameters, 1.0f);
        schedule.apply(optimizer);
        optimizer.step();
    }
};

// ---- 1. pretraining -------------------------------------------------------------------------

// Trains a model on unlabelled sentences with the self-supervised objective and saves it to
// `path`. Returns the final loss (a moving average).
double pretrain(const Settings& s, const demo::FinetuneTask& task, uint64_t seed,
                const std::string& path) {
    const ag::nn::TextModelConfig config = model_config(s, task, seed);
    std::unique_ptr<ag::nn::MaskedLanguageModel> mlm;
    std::unique_ptr<ag::nn::DecoderOnly> gpt;
    if (s.objective == "mlm") {
        mlm = std::make_unique<ag::nn::MaskedLanguageModel>(config);
    } else {
        gpt = std::make_unique<ag::nn::DecoderOnly>(config);
    }
    ag::nn::Module& model = mlm ? static_cast<ag::nn::Module&>(*mlm) : *gpt;
    Trainer trainer(model, s.pretrain_lr, s.weight_decay, s.pretrain_steps);
    ag::Generator generator(seed * 7919 + 17);  // draws the sentences and the masks
    demo::Progress progress(s.pretrain_steps, stdout);
    const auto began = std::chrono::steady_clock::now();
    double average = 0, tokens = 0;
    for (int64_t step = 1; step <= s.pretrain_steps; ++step) {
        const std::vector<demo::Sentence> sentences = task.unlabeled(s.pretrain_batch, generator);
        const ag::IndexTensor ids = demo::pad_sentences(sentences, task.pad_id).ids;  // [B, S]
        //! [pretraining_step]
        ag::Tensor loss;
        if (s.objective == "mlm") {
            // "fmcjepkb" -> inputs "fm?jep?b", targets: 'c' and 'k' at the masked positions.
            const ag::nn::MaskedTokens batch = ag::nn::mask_tokens(
                ids, task.mask_id, static_cast<float>(s.mask_fraction), generator, task.pad_id);
            loss = mlm->loss(batch);
        } else {
            loss = gpt->next_token_loss(ids);  // letter t + 1 from letters 0..t
        }
        trainer.step(loss);
        //! [pretraining_step]
        average = step == 1 ? loss.item() : 0.98 * average + 0.02 * loss.item();
        tokens += static_cast<double>(ids.numel());
        progress.update(step, average, tokens / seconds_since(began));
        demo::InterruptGuard::throw_if_received();  // Ctrl-C: stop here
    }
    progress.finish();
    std::map<std::string, std::string> metadata = ag::nn::config_metadata(config);
    metadata["objective"] = s.objective;  // the file says which model it holds, and how trained
    ag::nn::save_checkpoint(model, path, metadata);
    return average;
}

// ---- 2. fine-tuning -------------------------------------------------------------------------

// Trains `model` on the labelled sentences; returns the held-out accuracy at step 0 and every
// eval_every steps (and at the last step).
demo::Series finetune(const Settings& s, ag::nn::SequenceClassifier& model,
                      const std::vector<demo::Sentence>& labeled, const demo::FinetuneTask& task,
                      uint64_t seed) {
    Trainer trainer(model, s.finetune_lr, s.weight_decay, s.finetune_steps);
    ag::Generator generator(seed * 104729 + 3);  // the same batches for both arms
    demo::Series curve;
    curve.x.push_back(0);
    curve.y.push_back(demo::accuracy(model, task.held_out, task.pad_id));
    for (int64_t step = 1; step <= s.finetune_steps; ++step) {
        std::vector<demo::Sentence> sentences;
        for (int64_t i = 0; i < s.finetune_batch; ++i) {
            sentences.push_back(labeled[generator.integer(static_cast<int64_t>(labeled.size()))]);
        }
        const demo::SentenceBatch batch = demo::pad_sentences(sentences, task.pad_id);
        //! [finetuning_step]
        const ag::Tensor logits = model.forward(batch.ids);  // [B, classes]
        trainer.step(ag::nn::cross_entropy(logits, batch.labels, ag::nn::kNoIgnoreIndex));
        //! [finetuning_step]
        if (step % s.eval_every == 0 || step == s.finetune_steps) {
            curve.x.push_back(static_cast<double>(step));
            curve.y.push_back(demo::accuracy(model, task.held_out, task.pad_id));
        }
        demo::InterruptGuard::throw_if_received();  // Ctrl-C: stop here
    }
    return curve;
}

std::string first_names(const std::vector<std::string>& names, size_t count) {
    std::string text;
    for (size_t i = 0; i < std::min(count, names.size()); ++i) {
        text += (i ? ", " : "") + names[i];
    }
    if (names.size() > count) text += ", ...";
    return text.empty() ? "-" : text;
}

void print_report(const ag::nn::LoadReport& report) {
    std::printf("  load_checkpoint_partial: %zu loaded, %zu skipped, %zu missing (new)\n",
                report.loaded.size(), report.skipped.size(), report.missing.size());
    std::printf("    loaded:  %s\n", first_names(report.loaded, 3).c_str());
    std::printf("    skipped: %s\n", first_names(report.skipped, 3).c_str());
    std::printf("    missing: %s\n", first_names(report.missing, 3).c_str());
}

std::string curve_text(const demo::Series& curve) {
    std::string text;
    for (size_t i = 0; i < curve.x.size(); i += std::max<size_t>(1, curve.x.size() / 6)) {
        char point[32];
        std::snprintf(point, sizeof point, " %g:%.2f", curve.x[i], curve.y[i]);
        text += point;
    }
    return text;
}

// The task --data names: the generated dialects, or the topics of a corpus.
demo::FinetuneTask make_task(const Settings& s) {
    if (s.data == "dialects") {
        return demo::dialect_task(
            {.dialects = s.dialects, .letters = s.letters, .successors = s.successors}, s.labeled,
            s.eval_examples);
    }
    const demo::Corpus corpus =
        demo::read_corpus(s.data == "fortunes" ? demo::kFortunesFolder : s.data);
    return demo::fortune_task(corpus, s.topics, s.per_topic, s.max_length);
}

int parse(int argc, char** argv, Settings& s) {
    CLI::App app(
        "Pretrains a small Transformer body on unlabelled text (generated dialects, or the "
        "fortunes with --data fortunes), fine-tunes it to tell the dialects (the topics) apart "
        "from a few labels, and compares it with the same model trained on those labels alone.",
        argc > 0 ? argv[0] : "pretrain_finetune");
    demo::use_demo_conventions(app);
    const auto count = [](int64_t lo, int64_t hi) { return CLI::Range(lo, hi); };
    app.add_option("--seeds", s.seeds, "seeds (each pretrains and fine-tunes both arms)")
        ->check(count(1, 100));
    app.add_option("--data", s.data,
                   "dialects, fortunes (" + std::string(demo::kFortunesFolder) +
                       "), or a text file or folder whose files are topics");
    app.add_option("--topics", s.topics, "the files whose fortunes are labelled (not dialects)")
        ->expected(2, 64);
    app.add_option("--per-topic", s.per_topic, "labelled fortunes per topic (not dialects)")
        ->check(count(1, 1'000'000));
    app.add_option("--max-length", s.max_length, "bytes read of each fortune (not dialects)")
        ->check(count(2, 4096));
    app.add_option("--labeled", s.labeled, "labelled sentences for fine-tuning (dialects)")
        ->check(count(1, 1'000'000));
    app.add_option("--pretrain-steps", s.pretrain_steps, "pretraining steps")
        ->check(count(1, 10'000'000));
    app.add_option("--finetune-steps", s.finetune_steps, "fine-tuning steps")
        ->check(count(1, 10'000'000));
    app.add_option("--pretrain-batch", s.pretrain_batch, "sentences per pretraining batch")
        ->check(count(1, 100'000));
    app.add_option("--finetune-batch", s.finetune_batch, "sentences per fine-tuning batch")
        ->check(count(1, 100'000));
    app.add_option("--pretrain-lr", s.pretrain_lr, "peak learning rate of pretraining")
        ->check(demo::FiniteRange(1e-7, 1));
    app.add_option("--finetune-lr", s.finetune_lr, "peak learning rate of fine-tuning (both arms)")
        ->check(demo::FiniteRange(1e-7, 1));
    app.add_option("--weight-decay", s.weight_decay, "AdamW weight decay")
        ->check(demo::FiniteRange(0, 10));
    app.add_option("--mask-fraction", s.mask_fraction, "fraction of letters masked (mlm)")
        ->check(demo::FiniteRange(0.01, 1));
    CLI::Option* objective =
        app.add_option("--objective", s.objective,
                       "pretraining objective (default: mlm on dialects, else next-token)")
            ->check(CLI::IsMember({"mlm", "next-token"}));
    app.add_flag("--freeze", s.freeze, "freeze the pretrained body: train the new head only");
    app.add_option("--eval-every", s.eval_every, "fine-tuning steps between evaluations")
        ->check(count(1, 10'000'000));
    app.add_option("--eval-examples", s.eval_examples, "held-out sentences (dialects)")
        ->check(count(1, 1'000'000));
    demo::add_model_size_flags(app, s.size, "layers of the body");
    app.add_option("--dialects", s.dialects, "dialects (classes)")->check(count(2, 64));
    app.add_option("--letters", s.letters, "letters of the alphabet")->check(count(2, 26));
    app.add_option("--successors", s.successors, "letters allowed after each letter")
        ->check(count(1, 26));
    app.add_option("--seed", s.seed, "first seed (seeds are seed, seed + 1, ...)")
        ->check(count(0, 1'000'000'000));
    app.add_option("--threads", s.threads, "threads for matrix products")->check(count(1, 1024));
    app.add_option("--out", s.out, "directory for the checkpoints and the plot");
    app.final_callback([&s, objective] {
        demo::check_model_size(s.size);
        if (objective->count() == 0 && s.data != "dialects") s.objective = "next-token";
        if (s.successors > s.letters) {
            throw CLI::ValidationError("--successors", "must be at most --letters");
        }
    });
    const std::optional<int> code = demo::parse_command_line(app, argc, argv);
    return code ? *code : -1;  // -1: go on
}

}  // namespace

int main(int argc, char** argv) {
    Settings s;
    s.threads = ag::get_num_threads();
    if (const int code = parse(argc, argv, s); code >= 0) return code;

    try {
        const auto began = std::chrono::steady_clock::now();
        ag::set_num_threads(static_cast<int>(s.threads));
        const demo::FinetuneTask task = make_task(s);
        // Labelled examples per seed (the same count for every seed).
        const size_t labeled_count = task.labeled(static_cast<uint64_t>(s.seed)).size();
        const std::filesystem::path out(s.out);
        const ag::io::DirectoryLock lock(s.out);  // created, and ours alone while we run
        const demo::InterruptGuard interrupts;    // Ctrl-C: stop at the end of a step
        std::printf("task: %s, %zu classes, %zu held-out examples; e.g.\n", task.name.c_str(),
                    task.classes.size(), task.held_out.size());
        for (size_t k = 0; k < std::min<size_t>(task.classes.size(), 4); ++k) {
            const auto example =
                std::find_if(task.held_out.begin(), task.held_out.end(),
                             [k](const demo::Sentence& e) { return e.label == int64_t(k); });
            if (example == task.held_out.end()) continue;
            std::printf("  %-12s %.60s\n", task.classes[k].c_str(),
                        task.to_text(example->ids).c_str());
        }
        std::printf("model: body of %lld layers, d_model %lld, %lld heads; %d threads\n",
                    static_cast<long long>(s.size.layers), static_cast<long long>(s.size.d_model),
                    static_cast<long long>(s.size.heads), ag::get_num_threads());
        std::printf(
            "plan: %lld seeds x (pretrain %lld steps of %lld unlabelled sequences with "
            "%s, then fine-tune %lld steps on %zu labelled ones%s, and the same "
            "from scratch)\n",
            static_cast<long long>(s.seeds), static_cast<long long>(s.pretrain_steps),
            static_cast<long long>(s.pretrain_batch), s.objective.c_str(),
            static_cast<long long>(s.finetune_steps), labeled_count,
            s.freeze ? ", body frozen" : "");

        std::vector<demo::Series> pretrained_curves, scratch_curves;
        for (int64_t i = 0; i < s.seeds; ++i) {
            const auto seed = static_cast<uint64_t>(s.seed + i);
            std::printf("\nseed %llu\n", static_cast<unsigned long long>(seed));
            // 1. Pretraining on unlabelled sentences.
            const std::string path =
                (out / ("pretrained_seed" + std::to_string(seed) + ".safetensors")).string();
            const double loss = pretrain(s, task, seed, path);
            std::printf("  pretrained: loss %.3f, saved %s\n", loss, path.c_str());

            const std::vector<demo::Sentence> labeled = task.labeled(seed);
            const ag::nn::TextModelConfig config = model_config(s, task, seed + 500);
            const auto classes = static_cast<int64_t>(task.classes.size());

            // 2. Fine-tuning the pretrained body with a new head.
            //! [load_pretrained]
            ag::nn::SequenceClassifier pretrained(config, classes);
            const ag::nn::LoadReport report = ag::nn::load_checkpoint_partial(pretrained, path);
            if (s.freeze) pretrained.body.set_requires_grad(false);  // train the head only
            //! [load_pretrained]
            print_report(report);
            pretrained_curves.push_back(finetune(s, pretrained, labeled, task, seed));
            std::printf("  pretrained, accuracy by step:%s\n",
                        curve_text(pretrained_curves.back()).c_str());

            // 3. The control: the same classifier, the same data, no pretraining.
            ag::nn::SequenceClassifier scratch(config, classes);
            scratch_curves.push_back(finetune(s, scratch, labeled, task, seed));
            std::printf("  scratch,    accuracy by step:%s\n",
                        curve_text(scratch_curves.back()).c_str());
        }

        // Final accuracies, their means and spreads, the plot and the result line.
        std::vector<double> pretrained_final, scratch_final;
        std::printf("\n%-6s %-20s %-20s\n", "seed", "pretrained accuracy", "scratch accuracy");
        for (int64_t i = 0; i < s.seeds; ++i) {
            pretrained_final.push_back(pretrained_curves[i].y.back());
            scratch_final.push_back(scratch_curves[i].y.back());
            std::printf("%-6lld %-20.3f %-20.3f\n", static_cast<long long>(s.seed + i),
                        pretrained_final.back(), scratch_final.back());
        }
        const demo::Spread pretrained = demo::spread(pretrained_final),
                           scratch = demo::spread(scratch_final);
        std::printf("%-6s %-20.3f %-20.3f\n", "mean", pretrained.mean, scratch.mean);
        std::printf("%-6s %-20.3f %-20.3f\n", "sd", pretrained.sd, scratch.sd);
        const std::string plot = (out / "finetune_accuracy.svg").string();
        const std::string title = (task.name == "dialects" ? "Dialects" : "Fortune topics") +
                                  std::string(" from ") + std::to_string(labeled_count) +
                                  " labels: held-out accuracy, mean of " + std::to_string(s.seeds) +
                                  " seeds";
        demo::write_text_file(
            plot, demo::line_chart_svg(title, "fine-tuning step", "held-out accuracy",
                                       {demo::mean_curve(pretrained_curves, "pretrained"),
                                        demo::mean_curve(scratch_curves, "from scratch")}));
        std::printf("plot: %s\n", plot.c_str());
        std::printf(
            "result: task=%s pretrained_accuracy=%.3f scratch_accuracy=%.3f pretrained_sd=%.3f "
            "scratch_sd=%.3f labeled_examples=%zu seeds=%lld seconds=%.1f\n",
            task.name.c_str(), pretrained.mean, scratch.mean, pretrained.sd, scratch.sd,
            labeled_count, static_cast<long long>(s.seeds), seconds_since(began));
        return 0;
    } catch (const demo::Interrupted& interrupted) {
        std::printf(
            "\ninterrupted by %s; this demo does not resume (the pretrained checkpoints "
            "it finished, if any, are in %s)\n",
            demo::InterruptGuard::name(interrupted.signal), s.out.c_str());
        return 128 + interrupted.signal;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "pretrain_finetune: %s\n", error.what());
        return 1;
    }
}
