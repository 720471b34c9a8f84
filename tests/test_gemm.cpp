// tests/test_gemm.cpp — every GEMM kernel against gemm_reference, on awkward shapes.
//
// Each fast kernel sums the k products in a different order than the reference, so results
// differ by float rounding. The tolerance is relative to what rounding can do to a dot product:
// |fast - reference| <= 4 * (k + 2) * epsilon * (|alpha| * sum_p |a_ip * b_pj| + |beta * c_ij|),
// while a real bug (a missing or doubled term) is off by about sum / k or more.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "catch.h"
#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemm_blocking.h"
#include "core/kernels/gemm_ladder.h"
#include "core/parallel.h"
#include "thread_count_guard.h"

namespace {

using ag::kernels::GemmArgs;
using ag::kernels::GemmBackend;
using ag::kernels::Transpose;
using GemmFunction = std::function<void(const GemmArgs&)>;

constexpr float kPadding = 12345.0f;  // written in the gaps of padded rows of C; must survive

struct Problem {
    int64_t m, n, k;
    Transpose transpose_a = Transpose::No, transpose_b = Transpose::No;
    float alpha = 1.0f, beta = 0.0f;
    int64_t extra_lda = 0, extra_ldb = 0, extra_ldc = 0;  // leading dimension - row width
    bool bias = false;                                    // a random bias row (GemmArgs::bias)
};

std::string describe(const Problem& p) {
    return "m " + std::to_string(p.m) + " n " + std::to_string(p.n) + " k " + std::to_string(p.k) +
           (p.transpose_a == Transpose::Yes ? " A^T" : "") +
           (p.transpose_b == Transpose::Yes ? " B^T" : "") + " alpha " + std::to_string(p.alpha) +
           " beta " + std::to_string(p.beta) + " extra ld " + std::to_string(p.extra_lda) + "," +
           std::to_string(p.extra_ldb) + "," + std::to_string(p.extra_ldc) +
           (p.bias ? " bias" : "");
}

// Random A, B and C laid out as `problem` says. C holds NaN where beta == 0 (must not be read).
struct Operands {
    std::vector<float> a, b, c, bias;
    GemmArgs args;

    Operands(const Problem& p, uint32_t seed) {
        std::mt19937 rng(seed);
        std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
        const bool ta = p.transpose_a == Transpose::Yes, tb = p.transpose_b == Transpose::Yes;
        const int64_t lda = (ta ? p.m : p.k) + p.extra_lda, ldb = (tb ? p.k : p.n) + p.extra_ldb;
        const int64_t ldc = p.n + p.extra_ldc;
        a.resize(static_cast<size_t>((ta ? p.k : p.m) * lda));
        b.resize(static_cast<size_t>((tb ? p.n : p.k) * ldb));
        c.assign(static_cast<size_t>(p.m * ldc), kPadding);
        for (float& x : a) x = uniform(rng);
        for (float& x : b) x = uniform(rng);
        if (p.bias) {
            bias.resize(static_cast<size_t>(p.n));
            for (float& x : bias) x = uniform(rng);
        }
        for (int64_t i = 0; i < p.m; ++i) {
            for (int64_t j = 0; j < p.n; ++j) {
                c[i * ldc + j] =
                    p.beta == 0.0f ? std::numeric_limits<float>::quiet_NaN() : uniform(rng);
            }
        }
        args = {.transpose_a = p.transpose_a,
                .transpose_b = p.transpose_b,
                .m = p.m,
                .n = p.n,
                .k = p.k,
                .alpha = p.alpha,
                .a = a.data(),
                .lda = lda,
                .b = b.data(),
                .ldb = ldb,
                .beta = p.beta,
                .c = c.data(),
                .ldc = ldc,
                .bias = p.bias ? bias.data() : nullptr};
    }
    float op_a(int64_t i, int64_t p) const {
        return args.transpose_a == Transpose::Yes ? a[p * args.lda + i] : a[i * args.lda + p];
    }
    float op_b(int64_t p, int64_t j) const {
        return args.transpose_b == Transpose::Yes ? b[j * args.ldb + p] : b[p * args.ldb + j];
    }
};

// Runs `gemm` and gemm_reference on the same operands and checks they agree.
void check_against_reference(const GemmFunction& gemm, const Problem& problem, uint32_t seed) {
    INFO(describe(problem));
    Operands expected(problem, seed), actual(problem, seed);
    ag::kernels::gemm_reference(expected.args);
    gemm(actual.args);

    const GemmArgs& args = expected.args;
    const float epsilon = std::numeric_limits<float>::epsilon();
    const Operands original(problem, seed);
    int64_t mismatches = 0;
    std::string first_mismatch;
    for (int64_t i = 0; i < args.m; ++i) {
        for (int64_t j = 0; j < args.ldc; ++j) {
            const float got = actual.c[i * args.ldc + j], want = expected.c[i * args.ldc + j];
            if (j >= args.n) {  // padding between rows: must be untouched
                if (got != kPadding) ++mismatches;
                continue;
            }
            double magnitude = 0.0;
            for (int64_t p = 0; p < args.k; ++p) {
                magnitude += std::fabs(double(original.op_a(i, p)) * original.op_b(p, j));
            }
            magnitude *= std::fabs(args.alpha);
            if (args.beta != 0.0f) {
                magnitude += std::fabs(double(args.beta) * original.c[i * args.ldc + j]);
            }
            if (args.bias != nullptr) magnitude += std::fabs(double(original.bias[j]));
            const double tolerance = 4.0 * double(args.k + 2) * epsilon * magnitude + 1e-30;
            if (!(std::fabs(double(got) - double(want)) <= tolerance)) {
                if (mismatches++ == 0) {
                    first_mismatch = "C[" + std::to_string(i) + "][" + std::to_string(j) +
                                     "] = " + std::to_string(got) + ", want " +
                                     std::to_string(want);
                }
            }
        }
    }
    INFO(first_mismatch);
    REQUIRE(mismatches == 0);
}

// The kernels under test: every backend of gemm available here, and every ladder step.
struct NamedGemm {
    std::string name;
    GemmFunction run;
};

// Makes gemm use `backend` for one call (and restores the previous backend).
GemmFunction gemm_on(GemmBackend backend) {
    return [backend](const GemmArgs& args) {
        const GemmBackend previous = ag::kernels::gemm_backend();
        ag::kernels::set_gemm_backend(backend);
        try {
            ag::kernels::gemm(args);
        } catch (...) {
            ag::kernels::set_gemm_backend(previous);
            throw;
        }
        ag::kernels::set_gemm_backend(previous);
    };
}

std::vector<NamedGemm> kernels_under_test() {
    std::vector<NamedGemm> kernels;
    for (GemmBackend backend : ag::kernels::available_backends()) {
        kernels.push_back(
            {std::string("gemm/") + ag::kernels::gemm_backend_name(backend), gemm_on(backend)});
    }
    kernels.push_back({"gemm_loop_reordered", ag::kernels::gemm_loop_reordered});
    kernels.push_back({"gemm_blocked", ag::kernels::gemm_blocked});
    kernels.push_back({"gemm_packed", ag::kernels::gemm_packed});
    kernels.push_back({"gemm_simd", ag::kernels::gemm_simd});
    return kernels;
}

const Transpose kTransposes[] = {Transpose::No, Transpose::Yes};

}  // namespace

TEST_CASE("gemm: every kernel matches the reference on awkward shapes", "[gemm]") {
    const int64_t sizes[] = {1, 7, 13, 16, 31, 67, 131};
    const float alphas[] = {1.0f, 0.5f, -2.0f};
    const float betas[] = {0.0f, 1.0f, 0.5f};
    for (const NamedGemm& kernel : kernels_under_test()) {
        SECTION(kernel.name) {
            uint32_t seed = 1;
            for (int64_t m : sizes) {
                for (int64_t n : sizes) {
                    for (int64_t k : sizes) {
                        for (Transpose ta : kTransposes) {
                            for (Transpose tb : kTransposes) {
                                ++seed;
                                Problem problem{
                                    m, n, k, ta, tb, alphas[seed % 3], betas[(seed / 3) % 3]};
                                if (seed % 5 == 0) problem.extra_lda = 3;
                                if (seed % 7 == 0) problem.extra_ldb = 5;
                                if (seed % 4 == 0) problem.extra_ldc = 2;
                                check_against_reference(kernel.run, problem, seed);
                            }
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("gemm: alpha, beta and leading dimensions", "[gemm]") {
    struct Scaling {
        float alpha, beta;
    };
    // beta 0 with NaN in C must not give NaN; beta 1 accumulates; alpha 0 only scales C.
    const Scaling scalings[] = {{1.0f, 0.0f}, {1.0f, 1.0f},   {0.5f, 0.0f},
                                {0.5f, 1.0f}, {-1.0f, -0.5f}, {0.0f, 2.0f}};
    for (const NamedGemm& kernel : kernels_under_test()) {
        SECTION(kernel.name) {
            uint32_t seed = 100;
            for (const Scaling& s : scalings) {
                for (Transpose ta : kTransposes) {
                    for (Transpose tb : kTransposes) {
                        Problem problem{37, 29, 53, ta, tb, s.alpha, s.beta, 11, 7, 5};
                        check_against_reference(kernel.run, problem, ++seed);
                    }
                }
            }
        }
    }
}

TEST_CASE("gemm: shapes larger than the cache blocks", "[gemm]") {
    // m > MC, k > KC (several K blocks, the last partial), n > NC: every loop runs more than once.
    const Problem problems[] = {{300, 70, 600}, {20, 4200, 300}, {150, 170, 257}};
    for (const NamedGemm& kernel : kernels_under_test()) {
        SECTION(kernel.name) {
            uint32_t seed = 200;
            for (Problem problem : problems) {
                for (Transpose ta : kTransposes) {
                    for (Transpose tb : kTransposes) {
                        problem.transpose_a = ta;
                        problem.transpose_b = tb;
                        problem.beta = (seed % 2 == 0) ? 0.0f : 1.0f;
                        check_against_reference(kernel.run, problem, ++seed);
                    }
                }
            }
        }
    }
}

TEST_CASE("gemm: empty sizes", "[gemm]") {
    for (const NamedGemm& kernel : kernels_under_test()) {
        SECTION(kernel.name) {
            // k == 0: C = beta * C (and C = 0 when beta == 0, even over NaN).
            check_against_reference(kernel.run,
                                    Problem{5, 9, 0, Transpose::No, Transpose::No, 1.0f, 0.0f}, 1);
            check_against_reference(kernel.run,
                                    Problem{5, 9, 0, Transpose::Yes, Transpose::No, 1.0f, 3.0f}, 2);
            // m == 0 or n == 0: nothing to do, nothing to touch.
            check_against_reference(kernel.run, Problem{0, 9, 4}, 3);
            check_against_reference(kernel.run, Problem{5, 0, 4}, 4);
        }
    }
}

TEST_CASE("gemm_reference adds the bias to every row, once, after beta", "[gemm]") {
    // Small integers: every product and sum is exact, so the expected values are too.
    const std::vector<float> a = {1, 2, 3, 4};        // [2, 2]
    const std::vector<float> b = {1, 0, 2, 0, 1, 3};  // [2, 3]
    const std::vector<float> bias = {10, 20, 30};
    std::vector<float> c = {1, 1, 1, 1, 1, 1};
    GemmArgs args{.m = 2,
                  .n = 3,
                  .k = 2,
                  .alpha = 2.0f,
                  .a = a.data(),
                  .lda = 2,
                  .b = b.data(),
                  .ldb = 3,
                  .beta = 3.0f,
                  .c = c.data(),
                  .ldc = 3,
                  .bias = bias.data()};
    ag::kernels::gemm_reference(args);
    // A B = [[1, 2, 8], [3, 4, 18]]; C = 2 A B + 3 * 1 + bias.
    REQUIRE(c == std::vector<float>{15, 27, 49, 19, 31, 69});
}

TEST_CASE("gemm: the bias row on every backend, block size and thread count", "[gemm]") {
    test::ThreadCountGuard restore_thread_count;
    // Small (the unpacked AVX-512 path), k across several KC blocks (the bias must be added
    // once, not once per block), tall (threads share rows), short and wide (they share
    // columns), n across two NC blocks (the bias from column jc on), with edges; k = 0 and
    // alpha = 0 only start C from beta * C + bias.
    const Problem problems[] = {{7, 9, 5},      {70, 45, 1100}, {150, 70, 100}, {5, 3000, 100},
                                {40, 4200, 16}, {9, 4200, 40},  {33, 20, 0}};
    uint32_t seed = 700;
    for (GemmBackend backend : ag::kernels::available_backends()) {
        if (backend == GemmBackend::Reference) continue;  // the oracle itself
        SECTION(ag::kernels::gemm_backend_name(backend)) {
            for (int threads : {1, 2}) {
                ag::set_num_threads(threads);
                for (Problem problem : problems) {
                    for (Transpose ta : kTransposes) {
                        for (Transpose tb : kTransposes) {
                            for (float beta : {0.0f, 0.5f}) {
                                problem.transpose_a = ta;
                                problem.transpose_b = tb;
                                problem.beta = beta;
                                problem.bias = true;
                                problem.alpha = 1.5f;
                                problem.extra_ldc = 3;
                                INFO("threads " << threads);
                                check_against_reference(gemm_on(backend), problem, ++seed);
                                problem.alpha = 0.0f;
                                check_against_reference(gemm_on(backend), problem, ++seed);
                            }
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("gemm: the ladder's steps refuse a bias instead of ignoring it", "[gemm]") {
    Problem problem{8, 8, 8};
    problem.bias = true;
    Operands operands(problem, 1);
    for (const GemmFunction& step :
         {GemmFunction(ag::kernels::gemm_loop_reordered), GemmFunction(ag::kernels::gemm_blocked),
          GemmFunction(ag::kernels::gemm_packed), GemmFunction(ag::kernels::gemm_simd)}) {
        REQUIRE_THROWS_AS(step(operands.args), ag::ValueError);
    }
    REQUIRE_THROWS_WITH(ag::kernels::gemm_blocked(operands.args),
                        StartsWith("gemm_blocked: no bias here"));
}

TEST_CASE("gemm: bit-identical results with 1, 2 and 3 threads", "[gemm][parallel]") {
    test::ThreadCountGuard restore_thread_count;
    // Tall (threads share rows), wide and short (threads share columns), and one with edges.
    const Problem problems[] = {{301, 211, 259}, {5, 3000, 300}, {1000, 40, 64}};
    for (GemmBackend backend : ag::kernels::available_backends()) {
        SECTION(ag::kernels::gemm_backend_name(backend)) {
            uint32_t seed = 300;
            for (Problem problem : problems) {
                for (Transpose ta : kTransposes) {
                    for (Transpose tb : kTransposes) {
                        problem.transpose_a = ta;
                        problem.transpose_b = tb;
                        problem.beta = 0.5f;
                        problem.bias = tb == Transpose::Yes;  // half of them with a bias
                        INFO(describe(problem));
                        Operands one_thread(problem, ++seed);
                        ag::set_num_threads(1);
                        gemm_on(backend)(one_thread.args);
                        for (int threads : {2, 3}) {
                            Operands more_threads(problem, seed);
                            ag::set_num_threads(threads);
                            gemm_on(backend)(more_threads.args);
                            INFO("threads " << threads);
                            REQUIRE(std::memcmp(one_thread.c.data(), more_threads.c.data(),
                                                one_thread.c.size() * sizeof(float)) == 0);
                        }
                    }
                }
            }
        }
    }
}

TEST_CASE("gemm: the AVX2 and AVX-512 backends, unpacked and packed", "[gemm]") {
    // Below 2 * 64^3 multiply-adds, with B not transposed, the SIMD backends read A and B
    // where they are (masked tiles at the edges); above, or with B^T, they pack B, and A only
    // when A is transposed (otherwise their tiles read A in place, with the edge tiles masked).
    // Shapes on both sides of that line, with last tiles of every height (1 to 6 rows for
    // AVX2's 6 x 16, 1 to 8 for AVX-512's 8 x 32) and of every width, k above the KC block
    // (A read in place at a column offset), all transposes, alpha and beta. Nothing to test
    // on a CPU without them.
    // {m, n, k}: m % 6 and m % 8 take every value, n is below 16, between 16 and 32, and above.
    const Problem problems[] = {{64, 64, 64},   {57, 47, 61},   {10, 15, 200}, {3, 33, 1},
                                {12, 17, 5},    {29, 50, 40},   {70, 100, 74}, {79, 80, 82},
                                {81, 80, 81},   {200, 31, 90},  {1, 1, 1},     {131, 70, 97},
                                {53, 100, 600}, {100, 33, 1100}};
    for (const GemmBackend backend : ag::kernels::available_backends()) {
        if (backend != GemmBackend::Avx2 && backend != GemmBackend::Avx512) continue;
        INFO(ag::kernels::gemm_backend_name(backend));
        const GemmFunction simd = gemm_on(backend);
        uint32_t seed = 400;
        for (Problem problem : problems) {
            for (Transpose ta : kTransposes) {
                for (Transpose tb : kTransposes) {
                    ++seed;
                    problem.transpose_a = ta;
                    problem.transpose_b = tb;
                    problem.alpha = seed % 2 == 0 ? 1.0f : -0.5f;
                    problem.beta = seed % 3 == 0 ? 0.0f : (seed % 3 == 1 ? 1.0f : 0.25f);
                    problem.extra_lda = seed % 4 == 0 ? 3 : 0;
                    problem.extra_ldb = seed % 5 == 0 ? 7 : 0;
                    problem.extra_ldc = seed % 3 == 0 ? 1 : 0;
                    check_against_reference(simd, problem, seed);
                }
            }
        }
    }
}

TEST_CASE("gemm: invalid arguments throw ag::ValueError", "[gemm]") {
    std::vector<float> a(64, 1.0f), b(64, 1.0f), c(64, 0.0f);
    // C[4 x 4] = A[4 x 4] * B[4 x 4]
    const GemmArgs valid{.m = 4,
                         .n = 4,
                         .k = 4,
                         .a = a.data(),
                         .lda = 4,
                         .b = b.data(),
                         .ldb = 4,
                         .c = c.data(),
                         .ldc = 4};
    std::vector<std::pair<std::string, GemmArgs>> invalid;
    GemmArgs args = valid;
    args.m = -1;
    invalid.push_back({"negative m", args});
    args = valid;
    args.k = -2;
    invalid.push_back({"negative k", args});
    args = valid;
    args.lda = 3;  // < k
    invalid.push_back({"lda < k", args});
    args = valid;
    args.transpose_a = Transpose::Yes;
    args.m = 5;  // A stored [k, m]: lda must be >= m
    args.ldc = 5;
    args.n = 5;
    args.ldb = 5;
    invalid.push_back({"lda < m for A^T", args});
    args = valid;
    args.ldb = 2;
    invalid.push_back({"ldb < n", args});
    args = valid;
    args.transpose_b = Transpose::Yes;
    args.k = 6;
    args.lda = 6;
    args.ldb = 5;  // B stored [n, k]: ldb must be >= k
    invalid.push_back({"ldb < k for B^T", args});
    args = valid;
    args.ldc = 1;
    invalid.push_back({"ldc < n", args});
    args = valid;
    args.a = nullptr;
    invalid.push_back({"null a", args});
    args = valid;
    args.b = nullptr;
    invalid.push_back({"null b", args});
    args = valid;
    args.c = nullptr;
    invalid.push_back({"null c", args});

    std::vector<NamedGemm> kernels = kernels_under_test();
    kernels.push_back({"gemm_reference", ag::kernels::gemm_reference});
    for (const NamedGemm& kernel : kernels) {
        for (const auto& [what, bad_args] : invalid) {
            INFO(kernel.name << ": " << what);
            REQUIRE_THROWS_AS(kernel.run(bad_args), ag::ValueError);
        }
    }
    // The message names the function that rejected the arguments, and the numbers.
    args = valid;
    args.lda = 3;
    REQUIRE_THROWS_WITH(ag::kernels::gemm(args), "gemm: lda 3 < k 4");
    REQUIRE_THROWS_WITH(ag::kernels::gemm_reference(args), "gemm_reference: lda 3 < k 4");
    REQUIRE_THROWS_WITH(ag::kernels::gemm_blocked(args), "gemm_blocked: lda 3 < k 4");

    // Null pointers are fine for matrices without elements.
    args = valid;
    args.k = 0;
    args.a = nullptr;
    args.b = nullptr;
    REQUIRE_NOTHROW(ag::kernels::gemm(args));
}

TEST_CASE("gemm: backends can be listed and forced", "[gemm]") {
    using ag::kernels::available_backends;
    const std::vector<GemmBackend> backends = available_backends();
    REQUIRE(backends.size() >= 2);
    REQUIRE(backends[0] == GemmBackend::Reference);
    REQUIRE(backends[1] == GemmBackend::Scalar);
    const GemmBackend saved = ag::kernels::gemm_backend();
    for (GemmBackend backend : backends) {
        ag::kernels::set_gemm_backend(backend);
        REQUIRE(ag::kernels::gemm_backend() == backend);
    }
    ag::kernels::set_gemm_backend(saved);
#if defined(__x86_64__)
    REQUIRE_THROWS_AS(ag::kernels::set_gemm_backend(GemmBackend::Neon), ag::ValueError);
#elif defined(__aarch64__)
    REQUIRE_THROWS_AS(ag::kernels::set_gemm_backend(GemmBackend::Avx2), ag::ValueError);
#endif
    REQUIRE(ag::kernels::gemm_backend() == saved);
}

// Run by CTest in a process of its own with ATTOGRAD_GEMM_BACKEND set (tests/CMakeLists.txt):
// the variable is read once, at gemm's first call.
TEST_CASE("ATTOGRAD_GEMM_BACKEND chooses gemm's backend, or gemm names what is wrong",
          "[.][gemm_environment]") {
    const char* variable = std::getenv("ATTOGRAD_GEMM_BACKEND");
    REQUIRE(variable != nullptr);
    const std::string wanted = variable;
    bool known = false;
    for (const GemmBackend backend : ag::kernels::available_backends()) {
        known |= wanted == ag::kernels::gemm_backend_name(backend);
    }
    if (known) {
        CHECK(ag::kernels::gemm_backend_name(ag::kernels::gemm_backend()) == wanted);
    } else {
        CHECK_THROWS_AS(ag::kernels::gemm_backend(), ag::ValueError);
        CHECK_THROWS_WITH(ag::kernels::gemm_backend(),
                          Contains("ATTOGRAD_GEMM_BACKEND=" + wanted) && Contains("scalar"));
        std::vector<float> a(4, 1.0f), b(4, 1.0f), c(4, 0.0f);
        CHECK_THROWS_WITH(ag::kernels::gemm({.m = 2,
                                             .n = 2,
                                             .k = 2,
                                             .a = a.data(),
                                             .lda = 2,
                                             .b = b.data(),
                                             .ldb = 2,
                                             .c = c.data(),
                                             .ldc = 2}),
                          Contains("ATTOGRAD_GEMM_BACKEND"));
    }
}

namespace {
// Sets gemm's block sizes while it lives, then gives them back to the model.
struct BlocksGuard {
    explicit BlocksGuard(ag::kernels::GemmBlocks blocks) { ag::kernels::set_gemm_blocks(blocks); }
    ~BlocksGuard() { ag::kernels::set_gemm_blocks(std::nullopt); }
    BlocksGuard(const BlocksGuard&) = delete;
    BlocksGuard& operator=(const BlocksGuard&) = delete;
};

ag::kernels::CpuCaches caches(int64_t l1_kib, int64_t l1_ways, int64_t l2_kib, int64_t l2_ways,
                              int64_t l3_mib, int64_t l3_ways) {
    return {.l1d = {.bytes = l1_kib << 10, .ways = l1_ways, .line_bytes = 64},
            .l2 = {.bytes = l2_kib << 10, .ways = l2_ways, .line_bytes = 64},
            .l3 = {.bytes = l3_mib << 20, .ways = l3_ways, .line_bytes = 64},
            .source = "given"};
}
}  // namespace

TEST_CASE("gemm: correct for any cache block sizes", "[gemm]") {
    using ag::kernels::GemmBlocks;
    // Blocks far smaller than the problems (every loop runs many times, edges everywhere),
    // odd ones, and ones far larger (every loop runs once).
    const GemmBlocks settings[] = {
        {1, 1, 1}, {7, 13, 17}, {24, 64, 96}, {50, 300, 200}, {4096, 4096, 8192}};
    const Problem problems[] = {{67, 45, 131}, {13, 200, 9}, {130, 70, 300}};
    for (const GemmBlocks& blocks : settings) {
        const BlocksGuard guard(blocks);
        REQUIRE(ag::kernels::gemm_blocks(6, 16) == blocks);
        for (const NamedGemm& kernel : kernels_under_test()) {
            INFO("blocks " << blocks.mc << ", " << blocks.kc << ", " << blocks.nc << "; "
                           << kernel.name);
            uint32_t seed = 700;
            for (Problem problem : problems) {
                for (Transpose ta : kTransposes) {
                    for (Transpose tb : kTransposes) {
                        problem.transpose_a = ta;
                        problem.transpose_b = tb;
                        problem.beta = (seed % 2 == 0) ? 0.0f : 0.5f;
                        check_against_reference(kernel.run, problem, ++seed);
                    }
                }
            }
        }
    }
    CHECK_THROWS_AS(ag::kernels::set_gemm_blocks(GemmBlocks{0, 8, 16}), ag::ValueError);
}

TEST_CASE("analytical_gemm_blocks: the model of Low et al., worked by hand", "[gemm]") {
    using ag::kernels::analytical_gemm_blocks;
    using ag::kernels::GemmBlocks;
    // Zen 4: L1d 32 KiB 8-way (64 sets), L2 1 MiB 8-way (2048 sets), L3 32 MiB 16-way.
    // AVX2 6 x 16: C_A = floor(7 / (1 + 16/6)) = 1 way, KC = 1 * 64 * 64 / (6 * 4) = 170 ->
    // 168 (a multiple of 8). L2: B's 168 x 16 panel is 10.5 KiB, 1 way of 128 KiB; A gets
    // 8 - 1 - 1 = 6 ways, MC = 6 * 128 KiB / (168 * 4) = 1170. L3: NC far above kMaxNc.
    CHECK(analytical_gemm_blocks(caches(32, 8, 1024, 8, 32, 16), 6, 16) ==
          GemmBlocks{1170, 168, 4096});
    // Zen 5: L1d 48 KiB 12-way. C_A = floor(11 / (1 + 16/6)) = 3, KC = 3 * 4096 / 24 = 512;
    // B's panel is 32 KiB, 1 way; MC = 6 * 128 KiB / (512 * 4) = 384.
    CHECK(analytical_gemm_blocks(caches(48, 12, 1024, 8, 32, 16), 6, 16) ==
          GemmBlocks{384, 512, 4096});
    // AVX-512 8 x 32 there: C_A = floor(11 / (1 + 4)) = 2, KC = 2 * 4096 / 32 = 256;
    // MC = 6 * 128 KiB / (256 * 4) = 768.
    CHECK(analytical_gemm_blocks(caches(48, 12, 1024, 8, 32, 16), 8, 32) ==
          GemmBlocks{768, 256, 4096});
    // A small L3 limits NC: 2 MiB 16-way is 128 KiB a way; A's 1170 x 168 block (768 KiB)
    // takes 6, B gets 16 - 1 - 6 = 9 ways: NC = 9 * 128 KiB / (168 * 4) = 1755 -> 1744 (x 16).
    CHECK(analytical_gemm_blocks(caches(32, 8, 1024, 8, 2, 16), 6, 16).nc == 1744);
    CHECK_THROWS_AS(analytical_gemm_blocks(caches(32, 8, 1024, 8, 32, 16), 0, 16), ag::ValueError);
}

TEST_CASE("analytical_gemm_blocks: sane for any caches, smaller caches give smaller blocks",
          "[gemm]") {
    using ag::kernels::analytical_gemm_blocks;
    using ag::kernels::GemmBlocks;
    const int64_t tiles[][2] = {{4, 8}, {6, 16}, {8, 32}, {8, 12}};
    for (const auto& tile : tiles) {
        const int64_t mr = tile[0], nr = tile[1];
        for (int64_t l1 : {16, 32, 48, 64, 128}) {
            for (int64_t l2 : {256, 512, 1024, 2048}) {
                INFO("tile " << mr << " x " << nr << ", L1 " << l1 << " KiB, L2 " << l2 << " KiB");
                const GemmBlocks full =
                    analytical_gemm_blocks(caches(l1, 8, l2, 8, 16, 16), mr, nr);
                // Multiples of the tile, and within the caches they are meant for.
                CHECK(full.mc % mr == 0);
                CHECK(full.nc % nr == 0);
                CHECK(full.kc % 8 == 0);
                CHECK(full.kc * mr * 4 <= l1 << 10);
                CHECK(full.mc * full.kc * 4 <= l2 << 10);
                CHECK(full.nc <= ag::kernels::kMaxNc);
                // Half the L1, or half the L2: never larger blocks.
                const GemmBlocks half_l1 =
                    analytical_gemm_blocks(caches(l1 / 2, 8, l2, 8, 16, 16), mr, nr);
                const GemmBlocks half_l2 =
                    analytical_gemm_blocks(caches(l1, 8, l2 / 2, 8, 16, 16), mr, nr);
                CHECK(half_l1.kc <= full.kc);
                CHECK(half_l2.kc == full.kc);
                CHECK(half_l2.mc <= full.mc);
            }
        }
        // Nothing known, or absurdly small caches: the defaults, or the smallest blocks.
        const GemmBlocks unknown = analytical_gemm_blocks({}, mr, nr);
        CHECK(unknown.kc >= 8);
        CHECK(unknown.mc >= mr);
        const GemmBlocks tiny = analytical_gemm_blocks(caches(1, 2, 2, 2, 0, 0), mr, nr);
        CHECK(tiny.kc >= 8);
        CHECK(tiny.kc * mr * 4 <= 1024);
        CHECK(tiny.mc % mr == 0);
        CHECK(tiny.mc * tiny.kc * 4 <= 2048);
        CHECK(tiny.nc == ag::kernels::kMaxNc / nr * nr);  // no L3: the largest NC
    }
}

TEST_CASE("cpu_caches: this machine's, from sysfs, sysconf or the defaults", "[gemm]") {
    const ag::kernels::CpuCaches& found = ag::kernels::cpu_caches();
    INFO("source " << found.source << ": L1d " << found.l1d.bytes << " B " << found.l1d.ways
                   << "-way, L2 " << found.l2.bytes << " B, L3 " << found.l3.bytes << " B");
    CHECK((found.source == "sysfs" || found.source == "sysconf" || found.source == "default"));
    CHECK(found.l1d.bytes >= 4096);
    CHECK(found.l2.bytes >= found.l1d.bytes);
    const ag::kernels::GemmBlocks blocks = ag::kernels::gemm_blocks(6, 16);
    CHECK((blocks.mc > 0 && blocks.kc > 0 && blocks.nc > 0));
}

// Run by CTest in processes of their own with ATTOGRAD_GEMM_BLOCKS set (tests/CMakeLists.txt).
TEST_CASE("ATTOGRAD_GEMM_BLOCKS sets gemm's blocks, or gemm names what is wrong",
          "[.][gemm_blocks_environment]") {
    using ag::kernels::GemmBlocks;
    const char* variable = std::getenv("ATTOGRAD_GEMM_BLOCKS");
    REQUIRE(variable != nullptr);
    const std::string wanted = variable;
    if (wanted == "model") {
        CHECK(ag::kernels::gemm_blocks(6, 16) ==
              ag::kernels::analytical_gemm_blocks(ag::kernels::cpu_caches(), 6, 16));
        CHECK(ag::kernels::gemm_blocks(8, 32) ==
              ag::kernels::analytical_gemm_blocks(ag::kernels::cpu_caches(), 8, 32));
    } else if (wanted == "24,40,56") {
        CHECK(ag::kernels::gemm_blocks(6, 16) == GemmBlocks{24, 40, 56});
        check_against_reference(ag::kernels::gemm, {130, 70, 300}, 9);  // correct on them
    } else {
        CHECK_THROWS_WITH(ag::kernels::gemm_blocks(6, 16),
                          Contains("ATTOGRAD_GEMM_BLOCKS=" + wanted) && Contains("MC,KC,NC"));
    }
}
