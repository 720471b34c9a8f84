// bench/bench_train.cpp — end-to-end speed of the Transformer: one training step (forward,
// cross-entropy, backward, Adam) and one inference forward pass, on random tokens.
//
// Configurations (compare_pytorch.py runs the same ones in PyTorch, without dropout):
//   small  d_model 128, 4 heads, 2+2 layers, feed-forward 512, vocabulary 32, batch 64, length 32
//   base   d_model 512, 8 heads, 2+2 layers, feed-forward 2048, vocabulary 32, batch 32, length 64
// Names: train/<config>/threads:<t> and infer/<config>/threads:<t>; train/gpt/threads:<t> is
// demos/gpt's model at its defaults (see gpt_train_step); train_dropout/<config>/...
// is the training step with dropout 0.1 (TransformerConfig's default: on the residuals and on
// the attention weights, which the fused kernel drops itself). Counters:
//   tokens_per_second  target tokens (batch x length) processed per second
//   peak_rss_mb        the process's peak resident memory so far, in MiB; for a figure per
//                      configuration run one benchmark per process (--benchmark_filter), as
//                      compare_pytorch.py does
//   model_gflops       the model's floating-point work per second: the matrix products a step
//                      needs, counted from the shapes (model_flops below), not timed per kernel
//   peak_fraction      model_gflops over the measured FMA peak of the cores used (fma_peak.h,
//                      one core's peak times the thread count), for the backend that runs:
//                      model FLOP utilisation, how close a step is to what the CPU can do
//
//   ./build/release/bench/bench_train --benchmark_filter=train/small
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <chrono>
#include <thread>

#include "bench/fma_peak.h"
#include "core/autograd.h"
#include "core/kernels/gemm.h"
#include "core/parallel.h"
#include "nn/gpt.h"
#include "nn/loss.h"
#include "nn/transformer.h"
#include "optim/optimizer.h"

namespace {

struct BenchConfig {
    const char* name;
    int64_t d_model, heads, layers, d_ff, vocabulary, batch, length;
};
constexpr BenchConfig kSmall{"small", 128, 4, 2, 512, 32, 64, 32};
constexpr BenchConfig kBase{"base", 512, 8, 2, 2048, 32, 32, 64};

ag::nn::TransformerConfig model_config(const BenchConfig& c, float dropout = 0.0f) {
    return {.source_vocabulary = c.vocabulary,
            .target_vocabulary = c.vocabulary,
            .d_model = c.d_model,
            .heads = c.heads,
            .encoder_layers = c.layers,
            .decoder_layers = c.layers,
            .d_ff = c.d_ff,
            .dropout = dropout,
            .max_length = c.length,
            .pad_id = -1,
            .seed = 1};
}

ag::IndexTensor random_tokens(const BenchConfig& c, uint64_t seed) {
    ag::Generator generator(seed);
    std::vector<int64_t> ids(c.batch * c.length);
    for (int64_t& id : ids) id = generator.integer(c.vocabulary);
    return ag::IndexTensor(ids, {c.batch, c.length});
}

double peak_rss_mb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

// The floating-point work of one forward pass, from the shapes: every matrix product counts
// 2 x M x K x N. Per token, an attention layer projects with W_Q, W_K, W_V, W_O (4 x 2D^2),
// a feed-forward layer has two products (2 x 2 D d_ff), and the output layer 2 D V. Per pair of
// query and key, attention does two products of width D over all heads (Q K^T and P V: 4D);
// causal self-attention needs only the T (T + 1) / 2 pairs at or before the query, which is
// what the fused kernel computes. Layer norm, softmax and the rest are left out, as is usual.
double forward_flops(const BenchConfig& c) {
    const double d = double(c.d_model), t = double(c.length), b = double(c.batch);
    const double tokens = b * t;  // source and target both have c.length tokens
    const double projections = 4 * 2 * d * d, feed_forward = 2 * 2 * d * double(c.d_ff);
    const double all_pairs = b * t * t, causal_pairs = b * t * (t + 1) / 2;
    const double encoder_layer = tokens * (projections + feed_forward) + 4 * d * all_pairs;
    const double decoder_layer = tokens * (2 * projections + feed_forward) +
                                 4 * d * (causal_pairs + all_pairs);  // self, then cross
    return double(c.layers) * (encoder_layer + decoder_layer) +
           tokens * 2 * d * double(c.vocabulary);
}

// A training step does each product three times: the forward one, and in backward one for the
// gradient of each operand (dA = dC B^T, dB = A^T dC). Adam and recomputation are left out.
double model_flops(const BenchConfig& c, bool training) {
    return (training ? 3 : 1) * forward_flops(c);
}

// Counters from wall time (with several threads the main thread's CPU time, which Google
// Benchmark would use, undercounts). `tokens` and `flops` are one step's.
void report(benchmark::State& state, double tokens, double flops, int threads,
            double wall_seconds) {
    const double steps_per_second = double(state.iterations()) / wall_seconds;
    state.counters["tokens_per_second"] = tokens * steps_per_second;
    state.counters["peak_rss_mb"] = peak_rss_mb();
    const double gflops = flops * steps_per_second / 1e9;
    state.counters["model_gflops"] = gflops;
    state.counters["peak_fraction"] =
        gflops / (bench::fma_peak_gflops(ag::kernels::gemm_backend()) * threads);
}

void report(benchmark::State& state, const BenchConfig& c, bool training, int threads,
            double wall_seconds) {
    report(state, double(c.batch * c.length), model_flops(c, training), threads, wall_seconds);
}

// Steps run before timing starts, as compare_pytorch.py does for PyTorch: the first step of a
// fresh model also pays for first touches of memory (page faults) and for growing the buffer
// caches, which a training run pays once. With few timed steps (base takes 1 to 2 s each) it
// would weigh on the figure.
constexpr int kWarmUpSteps = 2;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Runs `step` kWarmUpSteps times untimed, then once per benchmark iteration, and returns the
// seconds the timed steps took.
template <class Step>
double time_steps(benchmark::State& state, const Step& step) {
    for (int i = 0; i < kWarmUpSteps; ++i) step();
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) benchmark::DoNotOptimize(step());
    return seconds_since(start);
}

void train_step(benchmark::State& state, const BenchConfig& c, int threads, float dropout) {
    ag::set_num_threads(threads);
    ag::nn::Transformer model(model_config(c, dropout));
    ag::optim::Adam adam(model.named_parameters(), 1e-4f);
    const ag::IndexTensor source = random_tokens(c, 1), target_input = random_tokens(c, 2);
    const ag::IndexTensor target_output = random_tokens(c, 3);
    const auto step = [&] {
        adam.zero_grad();
        const ag::Tensor loss =
            ag::nn::cross_entropy(model.forward(source, target_input), target_output,
                                  ag::nn::kNoIgnoreIndex);  // as compare_pytorch.py
        loss.backward();
        adam.step();
        return loss.item();
    };
    const double seconds = time_steps(state, step);
    report(state, c, /*training=*/true, threads, seconds);
}

void inference(benchmark::State& state, const BenchConfig& c, int threads) {
    ag::set_num_threads(threads);
    ag::nn::Transformer model(model_config(c));
    model.eval();
    const ag::IndexTensor source = random_tokens(c, 1), target_input = random_tokens(c, 2);
    const auto step = [&] {
        ag::NoGradGuard no_grad;
        const ag::Tensor logits = model.forward(source, target_input);
        return logits.data()[0];
    };
    const double seconds = time_steps(state, step);
    report(state, c, /*training=*/false, threads, seconds);
}

// train/gpt: one training step of demos/gpt's model at its defaults (nn::GPTConfig: bytes,
// D 128, 4 heads, 4 layers, d_ff 512, context 128) on a batch of 32 random sequences, AdamW.
constexpr int64_t kGptBatch = 32;

// A GPT forward pass's work, counted as forward_flops counts the Transformer's: per token and
// block 4 projections and a feed-forward layer, causal attention over T (T + 1) / 2 pairs per
// sequence, and the tied output layer, 2 D V per token.
double gpt_forward_flops(const ag::nn::GPTConfig& g, int64_t batch) {
    const double d = double(g.d_model), t = double(g.context), tokens = double(batch) * t;
    const double block = tokens * (4 * 2 * d * d + 2 * 2 * d * double(g.d_ff)) +
                         4 * d * double(batch) * t * (t + 1) / 2;
    return double(g.layers) * block + tokens * 2 * d * double(g.vocabulary);
}

void gpt_train_step(benchmark::State& state, int threads) {
    ag::set_num_threads(threads);
    const ag::nn::GPTConfig config;
    ag::nn::GPT model(config);
    ag::optim::AdamW adamw(model.named_parameters(), 1e-3f);
    const BenchConfig shape{"gpt",       config.d_model,    config.heads, config.layers,
                            config.d_ff, config.vocabulary, kGptBatch,    config.context};
    const ag::IndexTensor inputs = random_tokens(shape, 1), targets = random_tokens(shape, 2);
    const auto step = [&] {
        adamw.zero_grad();
        const ag::Tensor loss = model.loss(inputs, targets, ag::nn::kNoIgnoreIndex);
        loss.backward();
        adamw.step();
        return loss.item();
    };
    const double seconds = time_steps(state, step);
    report(state, double(kGptBatch * config.context), 3 * gpt_forward_flops(config, kGptBatch),
           threads, seconds);
}

void register_all() {
    const int all = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    for (const BenchConfig* c : {&kSmall, &kBase}) {
        for (int threads : {1, all}) {
            const std::string suffix = std::string(c->name) + "/threads:" + std::to_string(threads);
            benchmark::RegisterBenchmark(("infer/" + suffix).c_str(), inference, *c, threads)
                ->Unit(benchmark::kMillisecond)
                ->MeasureProcessCPUTime();
            for (const float dropout : {0.0f, 0.1f}) {
                const std::string name = dropout > 0 ? "train_dropout/" : "train/";
                benchmark::RegisterBenchmark((name + suffix).c_str(), train_step, *c, threads,
                                             dropout)
                    ->Unit(benchmark::kMillisecond)
                    ->MeasureProcessCPUTime();
            }
            if (all == 1) break;
        }
    }
    for (int threads : {1, all}) {
        benchmark::RegisterBenchmark(("train/gpt/threads:" + std::to_string(threads)).c_str(),
                                     gpt_train_step, threads)
            ->Unit(benchmark::kMillisecond)
            ->MeasureProcessCPUTime();
        if (all == 1) break;
    }
}

// Registered during start-up, as the BENCHMARK macros register theirs, so the library's own
// main serves.
[[maybe_unused]] const bool registered = (register_all(), true);
// The GEMM backend that runs (ATTOGRAD_GEMM_BACKEND forces one), in the output's context.
[[maybe_unused]] const bool named =
    (benchmark::AddCustomContext("gemm_backend",
                                 ag::kernels::gemm_backend_name(ag::kernels::gemm_backend())),
     true);

}  // namespace

BENCHMARK_MAIN();
