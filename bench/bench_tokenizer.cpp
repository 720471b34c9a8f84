// bench/bench_tokenizer.cpp — what training a BPE vocabulary and encoding with it cost, on
// the text demos/gpt trains its BPE on: demo::joined_text of the training fortunes of the fixed
// split (demos/common/corpus.h).
//
//   ./build/release/bench/bench_tokenizer                  # the fortunes Debian installs
//   ATTOGRAD_BENCH_DATA=some.txt ./build/release/bench/bench_tokenizer
//
// Names: bpe_train/vocabulary:<V>/threads:<t> and bpe_encode/vocabulary:<V> (1 thread).
// Counters: bytes_per_second of training text. Without the fortunes (and no
// ATTOGRAD_BENCH_DATA) every case is skipped, saying so.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "core/parallel.h"
#include "demos/common/corpus.h"
#include "text/tokenizer.h"

namespace {

// The training text of the fixed split, read once; empty (with `error` set) if unreadable.
const std::string& training_text(std::string& error) {
    static std::string text, failure;
    static bool read = false;
    if (!read) {
        read = true;
        const char* path = std::getenv("ATTOGRAD_BENCH_DATA");
        try {
            text = demo::joined_text(demo::read_corpus(path ? path : demo::kFortunesFolder).train);
        } catch (const std::exception& e) {
            failure = e.what();
        }
    }
    error = failure;
    return text;
}

void BM_bpe_train(benchmark::State& state) {
    std::string error;
    const std::string& text = training_text(error);
    if (text.empty()) return state.SkipWithError(("no text: " + error).c_str());
    ag::set_num_threads(static_cast<int>(state.range(1)));
    int64_t merges = 0;
    for (auto _ : state) {
        const ag::text::BpeTokenizer bpe = ag::text::BpeTokenizer::train(text, state.range(0));
        merges = bpe.vocabulary_size() - ag::text::kFirstMergedId;
        benchmark::DoNotOptimize(merges);
    }
    state.counters["merges"] = static_cast<double>(merges);
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}

void BM_bpe_encode(benchmark::State& state) {
    std::string error;
    const std::string& text = training_text(error);
    if (text.empty()) return state.SkipWithError(("no text: " + error).c_str());
    ag::set_num_threads(1);
    const ag::text::BpeTokenizer bpe = ag::text::BpeTokenizer::train(text, state.range(0));
    size_t tokens = 0;
    for (auto _ : state) {
        tokens = bpe.encode(text).size();
        benchmark::DoNotOptimize(tokens);
    }
    state.counters["bytes_per_token"] =
        static_cast<double>(text.size()) / static_cast<double>(tokens);
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}

}  // namespace

BENCHMARK(BM_bpe_train)
    ->Name("bpe_train")
    ->ArgNames({"vocabulary", "threads"})
    ->Args({4096, 1})
    ->Args({4096, 2})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(3);
BENCHMARK(BM_bpe_encode)
    ->Name("bpe_encode")
    ->ArgNames({"vocabulary"})
    ->Arg(4096)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

BENCHMARK_MAIN();
