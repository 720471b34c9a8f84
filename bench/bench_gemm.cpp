// bench/bench_gemm.cpp — GFLOP/s of every GEMM in attograd, and of OpenBLAS for comparison.
//
// Benchmark names: gemm/<impl>/<M>/<K>/<N>/threads:<t> for C[M x N] = A[M x K] * B[K x N],
// and gemm_tA/... (A stored transposed, [K x M]) and gemm_tB/... (B stored transposed, [N x K]),
// the two products the backward pass of matmul needs. <impl> is:
//   attograd                  ag::kernels::gemm, what ag::matmul runs (the best backend here)
//   attograd_<backend>        ag::kernels::gemm forced onto one SIMD backend (avx2, avx512,
//                             neon), to compare them; only the backends this CPU has
//   openblas                  cblas_sgemm (only when built with ATTOGRAD_HAVE_OPENBLAS)
//   reference, loop_reordered, blocked, packed, simd    the steps of the ladder (1 thread)
// and fma_peak/<backend>, one core's measured FMA peak in that backend's vector width.
// The counter GFLOP/s counts 2 * M * N * K floating-point operations per call, per second of
// wall-clock time (the "Time" column is wall-clock too). Example:
//     bench_gemm --benchmark_filter='gemm/(attograd|openblas)/1024/'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "bench/fma_peak.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_blocking.h"
#include "core/kernels/gemm_ladder.h"
#include "core/parallel.h"

#ifdef ATTOGRAD_HAVE_OPENBLAS
#include <cblas.h>
#endif

namespace {

using ag::kernels::GemmArgs;
using ag::kernels::GemmBackend;
using ag::kernels::Transpose;

struct Shape {
    int64_t m, k, n;
};

struct Implementation {
    std::string name;
    std::function<void(const GemmArgs&)> run;
    std::optional<GemmBackend> backend = {};  ///< forced on gemm while the benchmark runs
};

#ifdef ATTOGRAD_HAVE_OPENBLAS
void openblas_gemm(const GemmArgs& args) {
    const auto transpose = [](Transpose t) {
        return t == Transpose::Yes ? CblasTrans : CblasNoTrans;
    };
    cblas_sgemm(CblasRowMajor, transpose(args.transpose_a), transpose(args.transpose_b),
                static_cast<int>(args.m), static_cast<int>(args.n), static_cast<int>(args.k),
                args.alpha, args.a, static_cast<int>(args.lda), args.b, static_cast<int>(args.ldb),
                args.beta, args.c, static_cast<int>(args.ldc));
}
#endif

void set_threads(int threads) {
    ag::set_num_threads(threads);
#ifdef ATTOGRAD_HAVE_OPENBLAS
    openblas_set_num_threads(threads);
#endif
}

void run_benchmark(benchmark::State& state, const Implementation& implementation, Shape shape,
                   Transpose transpose_a, Transpose transpose_b, int threads) {
    set_threads(threads);
    std::mt19937 rng(42);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> a(static_cast<size_t>(shape.m * shape.k));
    std::vector<float> b(static_cast<size_t>(shape.k * shape.n));
    std::vector<float> c(static_cast<size_t>(shape.m * shape.n));
    for (float& x : a) x = uniform(rng);
    for (float& x : b) x = uniform(rng);
    const bool ta = transpose_a == Transpose::Yes, tb = transpose_b == Transpose::Yes;
    const GemmArgs args{.transpose_a = transpose_a,
                        .transpose_b = transpose_b,
                        .m = shape.m,
                        .n = shape.n,
                        .k = shape.k,
                        .a = a.data(),
                        .lda = ta ? shape.m : shape.k,
                        .b = b.data(),
                        .ldb = tb ? shape.k : shape.n,
                        .c = c.data(),
                        .ldc = shape.n};
    // GFLOP/s is measured on the wall clock: with several threads, the CPU time of the main
    // thread (what Google Benchmark divides rates by, unless UseRealTime() renames the
    // benchmark ".../real_time") would not count the workers' time.
    const GemmBackend saved_backend = ag::kernels::gemm_backend();
    if (implementation.backend) ag::kernels::set_gemm_backend(*implementation.backend);
    const auto start = std::chrono::steady_clock::now();
    for (auto _ : state) {
        implementation.run(args);
        benchmark::DoNotOptimize(c.data());
        benchmark::ClobberMemory();
    }
    const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
    ag::kernels::set_gemm_backend(saved_backend);
    const double flops = 2.0 * double(shape.m) * double(shape.n) * double(shape.k);
    state.counters["GFLOP/s"] =
        benchmark::Counter(flops * double(state.iterations()) / seconds.count() / 1e9);
}

void register_gemm(const Implementation& implementation, Shape shape, Transpose transpose_a,
                   Transpose transpose_b, int threads) {
    const std::string prefix = transpose_a == Transpose::Yes   ? "gemm_tA/"
                               : transpose_b == Transpose::Yes ? "gemm_tB/"
                                                               : "gemm/";
    const std::string name = prefix + implementation.name + "/" + std::to_string(shape.m) + "/" +
                             std::to_string(shape.k) + "/" + std::to_string(shape.n) +
                             "/threads:" + std::to_string(threads);
    benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
        run_benchmark(state, implementation, shape, transpose_a, transpose_b, threads);
    })->Unit(benchmark::kMicrosecond);
}

// fma_peak/<backend>: one core's measured FMA peak in the backend's vector width (fma_peak.h),
// what the GFLOP/s of the GEMMs are to be read against. The median of the iterations counts.
void register_fma_peaks() {
    for (GemmBackend backend : ag::kernels::available_backends()) {
        if (backend == GemmBackend::Reference) continue;
        const std::string name = std::string("fma_peak/") + ag::kernels::gemm_backend_name(backend);
        benchmark::RegisterBenchmark(name.c_str(), [backend](benchmark::State& state) {
            std::vector<double> gflops;
            for (auto _ : state) gflops.push_back(bench::measured_fma_peak_gflops(backend, 0.05));
            std::nth_element(gflops.begin(), gflops.begin() + gflops.size() / 2, gflops.end());
            state.counters["GFLOP/s"] = gflops[gflops.size() / 2];
        })->Unit(benchmark::kMillisecond);
    }
}

// Registers every case: the FMA peaks, attograd and OpenBLAS on all shapes and thread counts,
// the ladder steps on one thread and on the sizes where they finish in reasonable time.
void register_all() {
    register_fma_peaks();
    std::vector<Implementation> fast{{"attograd", ag::kernels::gemm}};
    for (GemmBackend backend : ag::kernels::available_backends()) {
        if (backend == GemmBackend::Reference || backend == GemmBackend::Scalar) continue;
        fast.push_back({std::string("attograd_") + ag::kernels::gemm_backend_name(backend),
                        ag::kernels::gemm, backend});
    }
#ifdef ATTOGRAD_HAVE_OPENBLAS
    fast.push_back({"openblas", openblas_gemm});
#endif
    const std::vector<std::pair<Implementation, int64_t>> ladder{
        // step, largest square size it is benchmarked at
        {{"reference", ag::kernels::gemm_reference}, 512},
        {{"loop_reordered", ag::kernels::gemm_loop_reordered}, 1024},
        {{"blocked", ag::kernels::gemm_blocked}, 1024},
        {{"packed", ag::kernels::gemm_packed}, 1024},
        {{"simd", ag::kernels::gemm_simd}, 2048},
    };
    const std::vector<Shape> squares{{64, 64, 64},    {128, 128, 128},    {256, 256, 256},
                                     {512, 512, 512}, {1024, 1024, 1024}, {2048, 2048, 2048}};
    // (M, K, N) of the projections and feed-forward layers of a small Transformer, M = B * T.
    const std::vector<Shape> transformer{
        {2048, 128, 128}, {2048, 128, 512}, {2048, 512, 128}, {2048, 128, 384}};
    const int all_threads = ag::get_num_threads();
    std::vector<int> thread_counts{1};
    if (all_threads > 1) thread_counts.push_back(all_threads);

    std::vector<Shape> shapes = squares;
    shapes.insert(shapes.end(), transformer.begin(), transformer.end());
    // The transposed products of the backward pass: dB = A^T dC and dA = dC B^T.
    std::vector<Shape> transposed_shapes = transformer;
    transposed_shapes.push_back({1024, 1024, 1024});

    // OpenBLAS goes last: its idle threads keep polling for a while after each call, which
    // would slow down whatever runs right after it.
    for (const Implementation& implementation : fast) {
        for (const Shape& shape : shapes) {
            for (int threads : thread_counts) {
                register_gemm(implementation, shape, Transpose::No, Transpose::No, threads);
            }
        }
        for (const Shape& shape : transposed_shapes) {
            for (int threads : thread_counts) {
                register_gemm(implementation, shape, Transpose::Yes, Transpose::No, threads);
                register_gemm(implementation, shape, Transpose::No, Transpose::Yes, threads);
            }
        }
        if (implementation.name != "attograd") continue;  // (the ladder only once)
        for (const auto& [step, largest] : ladder) {      // the ladder right after attograd
            for (const Shape& shape : shapes) {
                if (shape.m * shape.k * shape.n <= largest * largest * largest) {
                    register_gemm(step, shape, Transpose::No, Transpose::No, 1);
                }
            }
        }
    }
}

// Registered during start-up, as the BENCHMARK macros register theirs, so the library's own
// main serves.
[[maybe_unused]] const bool registered = (register_all(), true);
// What runs, in the output's context: the backend (ATTOGRAD_GEMM_BACKEND forces one), this
// CPU's caches, the block sizes gemm uses for each tile (ATTOGRAD_GEMM_BLOCKS sets them) and
// those the cache model would give.
bool name_what_runs() {
    using namespace ag::kernels;
    benchmark::AddCustomContext("gemm_backend", gemm_backend_name(gemm_backend()));
    const CpuCaches& c = cpu_caches();
    const auto level = [](const CacheLevel& l) {
        return std::to_string(l.bytes >> 10) + " KiB " + std::to_string(l.ways) + "-way";
    };
    benchmark::AddCustomContext("cpu_caches", "L1d " + level(c.l1d) + ", L2 " + level(c.l2) +
                                                  ", L3 " + level(c.l3) + " (" + c.source + ")");
    const struct {
        const char* name;
        int64_t mr, nr;
    } tiles[] = {{"gemm_blocks_avx2_6x16", 6, 16}, {"gemm_blocks_avx512_8x32", 8, 32}};
    const auto text = [](const GemmBlocks& b) {
        return "MC " + std::to_string(b.mc) + ", KC " + std::to_string(b.kc) + ", NC " +
               std::to_string(b.nc);
    };
    for (const auto& tile : tiles) {
        benchmark::AddCustomContext(tile.name, text(gemm_blocks(tile.mr, tile.nr)));
        benchmark::AddCustomContext(std::string(tile.name) + "_model",
                                    text(analytical_gemm_blocks(c, tile.mr, tile.nr)));
    }
    return true;
}
[[maybe_unused]] const bool named = name_what_runs();

}  // namespace

BENCHMARK_MAIN();
