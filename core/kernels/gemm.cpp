// core/kernels/gemm.cpp — the production GEMM: the five loops of BLIS, on every core.
//
// The last step of the ladder (gemm_ladder.h): the same packing, macro-kernel and micro-kernels
// as gemm_simd, with ONE change: the work is shared by the threads of ag::parallel_for.
//
// How the work is split, and why the result does not depend on the number of threads:
//   - loop 2 (the KC blocks of k) is never split: every element of C gets its KC blocks added in
//     the same order, each by one micro-kernel call that runs the same FMAs;
//   - for each KC block, the threads first pack the KC x NC block of op(B) together (each takes
//     some NR-column micro-panels), then share loop 3: each thread takes the next few MR-row
//     micro-panels of C from a shared counter, packs its own block of op(A) for them (or, with
//     the AVX2 and AVX-512 backends and A not transposed, reads it in place) and runs the
//     macro-kernel, until no panels are left. Which thread gets which panels varies from run to
//     run, but every piece starts on a multiple of MR, so a tile of C is the same tile (interior or
//     edge), computed by the same multiply-adds, whoever computes it. When C has too few rows
//     to share, the threads split its columns (in multiples of NR) instead.
// Small products stay on one thread: waking a worker costs more than it saves. With the AVX2
// and AVX-512 backends they are not even packed (avx2_gemm_unpacked, avx512_gemm_unpacked), and
// larger ones pack only B, and A only when it is transposed: their tiles read a plain A where
// it lies (macro_kernel_a_in_place), with masked edges instead of padding.
#include "core/kernels/gemm.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "core/kernels/gemm_microkernel.h"
#include "core/parallel.h"

namespace ag::kernels {
namespace {

// Below this many multiply-adds (m * n * k) per thread, gemm uses fewer threads: for less work,
// waking a second thread gains little on an idle machine and loses on a busy one (see
// docs/benchmark_notes.md, "Choices in the code").
constexpr int64_t kMinMultiplyAddsPerThread = 64 * 64 * 64;

// Below this many multiply-adds (up to about 80^3), gemm runs on one thread anyway, and the
// AVX2 and AVX-512 backends skip packing when they can (B not transposed): every operand is in L1
// or L2 already, so the copy costs more than the unit-stride reads it buys
// (docs/benchmark_notes.md, "Choices in the code"). The choice depends on the shape only, never
// on the thread count, so results stay bit-identical.
constexpr int64_t kMaxUnpackedMultiplyAdds = 2 * kMinMultiplyAddsPerThread;

GemmBackend best_available_backend() {
#if defined(__x86_64__)
    // AVX-512 when the CPU has it: the same flops as AVX2 in half the instructions, a tile that
    // divides the usual sizes, and masked edges that let small products skip packing
    // (microkernel_avx512.cpp; docs/benchmark_notes.md, "Choices in the code").
    if (cpu_has_avx512f()) return GemmBackend::Avx512;
    if (cpu_has_avx2_fma()) return GemmBackend::Avx2;
#elif defined(__aarch64__)
    return GemmBackend::Neon;
#endif
    return GemmBackend::Scalar;
}

// The backend at start-up: ATTOGRAD_GEMM_BACKEND when it is set (benchmarks force AVX2 on an
// AVX-512 machine so), else the best this CPU runs.
GemmBackend start_up_backend() {
    const char* wanted = std::getenv("ATTOGRAD_GEMM_BACKEND");
    if (wanted == nullptr || *wanted == '\0') return best_available_backend();
    std::string names;
    for (const GemmBackend backend : available_backends()) {
        if (std::string(wanted) == gemm_backend_name(backend)) return backend;
        names += std::string(names.empty() ? "" : ", ") + gemm_backend_name(backend);
    }
    throw ValueError(std::string("gemm: ATTOGRAD_GEMM_BACKEND=") + wanted +
                     " is not a backend this machine runs (" + names + ")");
}

// The backend gemm uses; a function-local static so it is ready even for static initializers.
// (If start_up_backend throws, the first gemm call throws, and so does every later one.)
std::atomic<GemmBackend>& current_backend() {
    static std::atomic<GemmBackend> backend{start_up_backend()};
    return backend;
}

const MicroKernel& microkernel_for(GemmBackend backend) {
    switch (backend) {
#if defined(__x86_64__)
        case GemmBackend::Avx2:
            return avx2_microkernel();
        case GemmBackend::Avx512:
            return avx512_microkernel();
#endif
#if defined(__aarch64__)
        case GemmBackend::Neon:
            return neon_microkernel();
#endif
        default:
            return scalar_microkernel();
    }
}

int64_t ceil_div(int64_t x, int64_t y) { return (x + y - 1) / y; }

// Runs body(begin, end) over [0, count) split into `threads` pieces, or directly (without the
// cost of a std::function and of the pool) when threads == 1.
template <typename Body>
void split_over_threads(int64_t threads, int64_t count, const Body& body) {
    if (threads <= 1) {
        body(0, count);
    } else {
        parallel_for(0, count, ceil_div(count, threads), body);
    }
}

//! [threaded_five_loops]
void gemm_threaded(const GemmArgs& args, const MicroKernel& kernel) {
    const int64_t mr = kernel.mr, nr = kernel.nr;
    const GemmBlocks blocks = gemm_blocks(mr, nr);  // gemm_blocking.h
    const int64_t mc_max = std::max(mr, blocks.mc / mr * mr);
    const int64_t nc_max = std::max(nr, blocks.nc / nr * nr);
    const int64_t kc_max = blocks.kc;
    const int64_t work = args.m * args.n * args.k;
    const int64_t threads = std::min<int64_t>(
        get_num_threads(), std::max<int64_t>(1, work / kMinMultiplyAddsPerThread));
    thread_local PackBuffer b_buffer;  // the caller's; the workers only read it
    const bool a_in_place =
        kernel.macro_kernel_a_in_place != nullptr && args.transpose_a == Transpose::No;

    for (int64_t jc = 0; jc < args.n; jc += nc_max) {  // loop 1: NC columns of C and B
        const int64_t nc = std::min(nc_max, args.n - jc);
        const int64_t b_panels = ceil_div(nc, nr);
        for (int64_t pc = 0; pc < args.k; pc += kc_max) {  // loop 2: KC of the k dimension
            const int64_t kc = std::min(kc_max, args.k - pc);
            const float beta = pc == 0 ? args.beta : 1.0f;
            float* packed_b = b_buffer.reserve(b_panels * nr * kc);
            split_over_threads(threads, b_panels, [&](int64_t lo, int64_t hi) {
                const int64_t cols = std::min(nc, hi * nr) - lo * nr;
                pack_b(args, pc, kc, jc + lo * nr, cols, kernel, packed_b + lo * nr * kc);
            });

            // Computes rows [row_begin, row_end) x columns [col_begin, col_end) of this block
            // of C: loop 3 over MC rows, packing op(A) into this thread's own buffer (or
            // reading A in place, when the micro-kernel can).
            const auto compute = [&](int64_t row_begin, int64_t row_end, int64_t col_begin,
                                     int64_t col_end) {
                thread_local PackBuffer a_buffer;
                for (int64_t ic = row_begin; ic < row_end; ic += mc_max) {  // loop 3
                    const int64_t mc = std::min(mc_max, row_end - ic);
                    float* const c_block = args.c + ic * args.ldc + jc + col_begin;
                    float block_beta = beta;
                    if (pc == 0 && args.bias != nullptr) {
                        // The block starts from beta * C + bias now, while it is about to be
                        // used and stays in cache, rather than in a pass over all of C before;
                        // the product is then added to it (beta 1).
                        scale_by_beta(mc, col_end - col_begin, beta, c_block, args.ldc,
                                      args.bias + jc + col_begin);
                        block_beta = 1.0f;
                    }
                    if (a_in_place) {
                        kernel.macro_kernel_a_in_place(
                            mc, col_end - col_begin, kc, args.a + ic * args.lda + pc, args.lda,
                            packed_b + col_begin * kc, args.alpha, block_beta, c_block, args.ldc);
                        continue;
                    }
                    float* packed_a = a_buffer.reserve(ceil_div(mc, mr) * mr * kc);
                    pack_a(args, ic, mc, pc, kc, kernel, packed_a);
                    macro_kernel(kernel, mc, col_end - col_begin, kc, packed_a,
                                 packed_b + col_begin * kc, args.alpha, block_beta, c_block,
                                 args.ldc);
                }
            };
            const int64_t a_panels = ceil_div(args.m, mr);
            if (threads == 1) {
                compute(0, args.m, 0, nc);
            } else if (a_panels >= 2 * threads || b_panels < 2 * threads) {  // share rows of C
                // Guided sharing: each thread takes the next few MR-row panels from a shared
                // counter (at most an MC block, fewer as the end nears) until none are left, so
                // a thread slowed down for a while (an interrupt, the hypervisor) leaves work to
                // the other instead of making it wait at the end. The counter only hands out
                // panel numbers, so relaxed atomics suffice: the packed B and C themselves are
                // ordered by the start and the end of the parallel_for.
                std::atomic<int64_t> next_panel{0};
                split_over_threads(threads, threads, [&](int64_t, int64_t) {
                    for (int64_t first = next_panel.load(std::memory_order_relaxed);;) {
                        const int64_t left = a_panels - first;
                        if (left <= 0) break;
                        const int64_t take =
                            std::clamp<int64_t>(left / (2 * threads), 1, mc_max / mr);
                        if (!next_panel.compare_exchange_weak(first, first + take,
                                                              std::memory_order_relaxed)) {
                            continue;  // another thread took them; `first` is now the next free
                        }
                        compute(first * mr, std::min(args.m, (first + take) * mr), 0, nc);
                        first = next_panel.load(std::memory_order_relaxed);
                    }
                });
            } else {  // few rows, many columns: share the columns
                split_over_threads(threads, b_panels, [&](int64_t lo, int64_t hi) {
                    compute(0, args.m, lo * nr, std::min(nc, hi * nr));
                });
            }
        }
    }
}
//! [threaded_five_loops]

}  // namespace

void gemm(const GemmArgs& args) {
    check_gemm_args(args, "gemm", /*takes_bias=*/true);
    const GemmBackend backend = current_backend().load(std::memory_order_relaxed);
    if (backend == GemmBackend::Reference) return gemm_reference(args);
    if (args.m == 0 || args.n == 0) return;
    if (args.k == 0 || args.alpha == 0.0f) {  // C = beta * C (+ bias); A and B are not read
        scale_by_beta(args.m, args.n, args.beta, args.c, args.ldc, args.bias);
        return;
    }
#if defined(__x86_64__)
    const auto unpacked = backend == GemmBackend::Avx512 ? avx512_gemm_unpacked
                          : backend == GemmBackend::Avx2 ? avx2_gemm_unpacked
                                                         : nullptr;
    if (unpacked != nullptr && args.transpose_b == Transpose::No &&
        args.m * args.n * args.k < kMaxUnpackedMultiplyAdds) {
        if (args.bias == nullptr) return unpacked(args);
        // Small: all of C is in cache anyway. Start it from the bias, then add the product.
        scale_by_beta(args.m, args.n, args.beta, args.c, args.ldc, args.bias);
        GemmArgs product = args;
        product.beta = 1.0f;
        product.bias = nullptr;
        return unpacked(product);
    }
#endif
    gemm_threaded(args, microkernel_for(backend));
}

std::vector<GemmBackend> available_backends() {
    std::vector<GemmBackend> backends{GemmBackend::Reference, GemmBackend::Scalar};
#if defined(__x86_64__)
    if (cpu_has_avx2_fma()) backends.push_back(GemmBackend::Avx2);
    if (cpu_has_avx512f()) backends.push_back(GemmBackend::Avx512);
#elif defined(__aarch64__)
    backends.push_back(GemmBackend::Neon);
#endif
    return backends;
}

GemmBackend gemm_backend() { return current_backend().load(); }

void set_gemm_backend(GemmBackend backend) {
    const std::vector<GemmBackend> available = available_backends();
    if (std::find(available.begin(), available.end(), backend) == available.end()) {
        throw ValueError(std::string("set_gemm_backend: backend ") + gemm_backend_name(backend) +
                         " is not available on this machine");
    }
    current_backend().store(backend);
}

const char* gemm_backend_name(GemmBackend backend) {
    switch (backend) {
        case GemmBackend::Reference:
            return "reference";
        case GemmBackend::Scalar:
            return "scalar";
        case GemmBackend::Avx2:
            return "avx2";
        case GemmBackend::Neon:
            return "neon";
        case GemmBackend::Avx512:
            return "avx512";
    }
    return "unknown";
}

}  // namespace ag::kernels
