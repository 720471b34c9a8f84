// bench/bench_decoding.cpp — what the KV cache saves: generating tokens one at a time, with the
// keys and values of earlier positions kept between steps, and recomputed from scratch.
//
// Cases (the docs page on decoding, docs/decoding.md, shows what they print):
//   generate/gpt/cache:<0|1>/tokens:<n>   ag::nn::generate on demos/gpt's model (random
//                                         weights, greedy), n new tokens after one
//   greedy/transformer/cache:<0|1>/tokens:<n>
//                                         ag::nn::greedy_decode on bench_train's `small`
//                                         Transformer, one source of 32 tokens, n steps
// Counter: tokens_per_second, new tokens written per second. Both run on one thread, so the
// figures show the work, not the thread pool.
//
//   ./build/release/bench/bench_decoding
#include <benchmark/benchmark.h>

#include "core/parallel.h"
#include "core/random.h"
#include "nn/decoding.h"
#include "nn/gpt.h"
#include "nn/transformer.h"

namespace {

void generate_gpt(benchmark::State& state) {
    ag::set_num_threads(1);
    ag::nn::GPT model(ag::nn::GPTConfig{.seed = 1});  // demos/gpt's defaults, context 128
    const int64_t tokens = state.range(1);
    ag::nn::GenerationOptions options;
    options.sampling.temperature = 0.0f;  // greedy: every run writes the same tokens
    options.use_cache = state.range(0) != 0;
    for (auto _ : state) {
        benchmark::DoNotOptimize(ag::nn::generate(model, {'A'}, tokens, options));
    }
    state.counters["tokens_per_second"] = benchmark::Counter(
        static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

void greedy_transformer(benchmark::State& state) {
    ag::set_num_threads(1);
    constexpr int64_t kVocabulary = 32, kSource = 32;
    const int64_t tokens = state.range(1);
    ag::nn::Transformer model({.source_vocabulary = kVocabulary,
                               .target_vocabulary = kVocabulary,
                               .d_model = 128,
                               .heads = 4,
                               .encoder_layers = 2,
                               .decoder_layers = 2,
                               .d_ff = 512,
                               .dropout = 0.0f,
                               .max_length = 256,
                               .pad_id = -1,
                               .seed = 1});
    model.eval();
    ag::Generator generator(2);
    std::vector<int64_t> ids(kSource);
    for (int64_t& id : ids) id = generator.integer(kVocabulary);
    const ag::IndexTensor source(ids, {1, kSource});
    // eos -1 is no token: every run decodes all `tokens` steps.
    for (auto _ : state) {
        benchmark::DoNotOptimize(
            ag::nn::greedy_decode(model, source, 0, -1, tokens, state.range(0) != 0));
    }
    state.counters["tokens_per_second"] = benchmark::Counter(
        static_cast<double>(tokens), benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

BENCHMARK(generate_gpt)
    ->Name("generate/gpt")
    ->ArgNames({"cache", "tokens"})
    ->ArgsProduct({{0, 1}, {32, 64, 127}})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(greedy_transformer)
    ->Name("greedy/transformer")
    ->ArgNames({"cache", "tokens"})
    ->ArgsProduct({{0, 1}, {32, 64, 128}})
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
