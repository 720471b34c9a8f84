// bench/bench_attention.cpp — fused_attention against the plain path, as the sequence grows.
//
// attention/<impl>/<T>: causal self-attention on q, k, v [1, 4, T, 32] (batch 1, 4 heads, head
// width 32), one forward and one backward (from a fixed upstream gradient) per iteration:
//   fused  ag::fused_attention(q, k, v, {}, /*is_causal=*/true)
//   plain  softmax(masked_fill(q k^T / sqrt(32), mask, -1e9)) v from ag ops, the path of
//          nn/attention.cpp, with its [T, T] causal mask built every iteration (it is part of
//          what the fused op avoids)
// Counters:
//   tokens_per_second  T per second of wall-clock time (the Time column is wall-clock too)
//   attention_mb       peak memory the forward + backward allocated on top of q, k, v and the
//                      upstream gradient, in MiB: every tensor the graph saves, every
//                      temporary, the mask, the gradients of q, k, v, the op's scratch
//   kept_mb            memory held between forward and backward (the output and whatever the
//                      graph saved for backward), in MiB
// The memory is measured, not estimated, by the tensor buffer allocator's own counters
// (core/allocator.h: allocated_buffer_bytes, peak_allocated_buffer_bytes), in one untimed
// forward + backward before each case's timed loop. Every tensor buffer counts, whether it
// comes from the cache or from the system, and so does fused_attention's scratch (it is carved
// out of tensor buffers); the graph's own bookkeeping (nodes, closures) does not. The figures
// are exact and the same on every run.
//
//   ./build/release/bench/bench_attention
//   ./build/release/bench/bench_attention --benchmark_filter=attention/fused
#include <benchmark/benchmark.h>

#include <cmath>

#include "core/allocator.h"
#include "core/kernels/gemm.h"
#include "core/ops.h"

namespace {

constexpr int64_t kHeads = 4, kHeadDim = 32;
constexpr double kMiB = 1024.0 * 1024.0;

ag::Tensor causal_mask(int64_t t) {
    ag::Tensor mask = ag::zeros({t, t});
    for (int64_t i = 0; i < t; ++i) {
        for (int64_t j = i + 1; j < t; ++j) mask.data()[i * t + j] = 1.0f;
    }
    return mask;
}

ag::Tensor fused(const ag::Tensor& q, const ag::Tensor& k, const ag::Tensor& v) {
    return ag::fused_attention(q, k, v, ag::Tensor(), /*is_causal=*/true);
}

ag::Tensor plain(const ag::Tensor& q, const ag::Tensor& k, const ag::Tensor& v) {
    const float scale = 1.0f / std::sqrt(static_cast<float>(q.size(-1)));
    ag::Tensor scores = ag::matmul(q * scale, ag::transpose(k, -2, -1));  // [1, H, T, T]
    scores = ag::masked_fill(scores, causal_mask(q.size(-2)), -1e9f);
    return ag::matmul(ag::softmax(scores, -1), v);
}

struct Inputs {
    ag::Tensor q, k, v, upstream;
};

Inputs make_inputs(int64_t t) {
    ag::Generator generator(1);
    const ag::Shape shape{1, kHeads, t, kHeadDim};
    return {ag::randn(shape, generator, true), ag::randn(shape, generator, true),
            ag::randn(shape, generator, true), ag::randn(shape, generator)};
}

template <class Attention>
void forward_backward(Inputs& in, Attention attention) {
    attention(in.q, in.k, in.v).backward(in.upstream);
    in.q.zero_grad();
    in.k.zero_grad();
    in.v.zero_grad();
}

// One untimed forward + backward, measured by the allocator's counters.
template <class Attention>
void measure_memory(benchmark::State& state, Inputs& in, Attention attention) {
    const double base = static_cast<double>(ag::allocated_buffer_bytes());
    ag::reset_peak_allocated_buffer_bytes();
    double kept = 0.0;
    {
        const ag::Tensor out = attention(in.q, in.k, in.v);
        kept = static_cast<double>(ag::allocated_buffer_bytes()) - base;
        out.backward(in.upstream);
    }
    const double peak = static_cast<double>(ag::peak_allocated_buffer_bytes()) - base;
    in.q.zero_grad();
    in.k.zero_grad();
    in.v.zero_grad();
    state.counters["attention_mb"] = peak / kMiB;
    state.counters["kept_mb"] = kept / kMiB;
}

template <class Attention>
void run(benchmark::State& state, Attention attention) {
    const int64_t t = state.range(0);
    Inputs in = make_inputs(t);
    measure_memory(state, in, attention);
    for (auto _ : state) forward_backward(in, attention);
    state.counters["tokens_per_second"] =
        benchmark::Counter(static_cast<double>(t), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_fused(benchmark::State& state) { run(state, fused); }
void BM_plain(benchmark::State& state) { run(state, plain); }

}  // namespace

BENCHMARK(BM_fused)
    ->Name("attention/fused")
    ->RangeMultiplier(2)
    ->Range(64, 2048)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_plain)
    ->Name("attention/plain")
    ->RangeMultiplier(2)
    ->Range(64, 2048)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

namespace {
// The GEMM backend that runs (ATTOGRAD_GEMM_BACKEND forces one), in the output's context.
[[maybe_unused]] const bool named =
    (benchmark::AddCustomContext("gemm_backend",
                                 ag::kernels::gemm_backend_name(ag::kernels::gemm_backend())),
     true);
}  // namespace

BENCHMARK_MAIN();
