// bench/bench_autograd.cpp — what the autograd machinery itself costs.
//
// On 1-element tensors the arithmetic is nothing, so the time of a forward + backward pass is
// the framework's overhead: allocating tensors, recording nodes, sorting the graph, calling
// the backward functions and accumulating. Reported per graph node (`time_per_node`, seconds,
// printed with an SI prefix: 250n = 250 ns). On mid-size tensors the same chain shows how the
// overhead fades behind real work.
//
//   ./build/release/bench/bench_autograd
#include <benchmark/benchmark.h>

#include "core/ops.h"

namespace {

// A chain of `length` ops: h = h * w + b repeated, 2 nodes per link, then a sum.
void chain_forward_backward(benchmark::State& state, int64_t elements) {
    const int64_t links = state.range(0);
    ag::Tensor w = ag::full({elements}, 0.999f, true);
    ag::Tensor b = ag::full({elements}, 0.001f, true);
    const ag::Tensor x = ag::ones({elements});
    for (auto _ : state) {
        ag::Tensor h = x;
        for (int64_t i = 0; i < links; ++i) h = h * w + b;
        const ag::Tensor loss = ag::sum(h);
        loss.backward();
        benchmark::DoNotOptimize(w.grad().data());
        w.zero_grad();
        b.zero_grad();
    }
    const double nodes_per_iteration = 2.0 * static_cast<double>(links) + 1.0;
    state.counters["time_per_node"] =
        benchmark::Counter(nodes_per_iteration, benchmark::Counter::kIsIterationInvariantRate |
                                                    benchmark::Counter::kInvert);
}

void BM_chain_scalar(benchmark::State& state) { chain_forward_backward(state, 1); }
void BM_chain_1k(benchmark::State& state) { chain_forward_backward(state, 1024); }
void BM_chain_64k(benchmark::State& state) { chain_forward_backward(state, 65536); }

// Recording alone, under no backward: the forward cost of building the graph.
void BM_record_only_scalar(benchmark::State& state) {
    const int64_t links = state.range(0);
    ag::Tensor w = ag::full({1}, 0.999f, true);
    const ag::Tensor x = ag::ones({1});
    for (auto _ : state) {
        ag::Tensor h = x;
        for (int64_t i = 0; i < links; ++i) h = h * w;
        benchmark::DoNotOptimize(h.data());
    }
    state.counters["time_per_node"] = benchmark::Counter(
        static_cast<double>(links),
        benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

}  // namespace

BENCHMARK(BM_chain_scalar)->Name("autograd/chain/elements:1")->Arg(1000);
BENCHMARK(BM_chain_1k)->Name("autograd/chain/elements:1024")->Arg(1000);
BENCHMARK(BM_chain_64k)->Name("autograd/chain/elements:65536")->Arg(100);
BENCHMARK(BM_record_only_scalar)->Name("autograd/record_only/elements:1")->Arg(1000);

BENCHMARK_MAIN();
