// tests/test_fused_attention.cpp — fused_attention (core/ops/fused_attention.h) against the
// plain composition softmax(masked_fill(q k^T / sqrt(Dk), mask, -1e9)) v built from ag ops:
// outputs and the gradients of q, k and v, over masks, shapes that are not multiples of the
// tile size, cross-attention, large logits and thread counts; then gradcheck and errors.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "catch.h"
#include "core/error.h"
#include "core/kernels/gemm.h"
#include "core/parallel.h"
#include "test_helpers.h"
#include "thread_count_guard.h"

using namespace ag;
using Inputs = std::vector<Tensor>;

namespace {

/// The plain path (nn/attention.cpp's scaled_dot_product_attention without dropout).
Tensor plain_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask) {
    const float scale = 1.0f / std::sqrt(static_cast<float>(q.size(-1)));
    Tensor scores = matmul(q * scale, transpose(k, -2, -1));
    if (mask.defined()) scores = masked_fill(scores, mask, -1e9f);
    return matmul(softmax(scores, -1), v);
}

/// [Tq, Tk] with 1 where key j > query i: what is_causal masks.
Tensor causal(int64_t tq, int64_t tk) {
    Tensor mask = zeros({tq, tk});
    for (int64_t i = 0; i < tq; ++i) {
        for (int64_t j = i + 1; j < tk; ++j) mask.data()[i * tk + j] = 1.0f;
    }
    return mask;
}

/// A random 0/1 mask of `shape`, about a third of it set.
Tensor random_mask(const Shape& shape, uint64_t seed) {
    Generator generator(seed);
    Tensor mask = rand(shape, generator);
    for (int64_t i = 0; i < mask.numel(); ++i) mask.data()[i] = mask.data()[i] < 0.33f ? 1 : 0;
    return mask;
}

/// The union of two 0/1 masks (they are constants: no graph is recorded).
Tensor either(const Tensor& a, const Tensor& b) { return a + b - a * b; }

/// max_i |a_i - b_i| / max(max_i |b_i|, floor).
double relative_error(const Tensor& a, const Tensor& b, double floor) {
    REQUIRE(a.shape() == b.shape());
    double difference = 0.0, scale = 0.0;
    for (int64_t i = 0; i < a.numel(); ++i) {
        REQUIRE(std::isfinite(a.data()[i]));
        difference = std::max(difference, std::abs(double{a.data()[i]} - b.data()[i]));
        scale = std::max(scale, std::abs(double{b.data()[i]}));
    }
    return difference / std::max({scale, floor, 1e-30});
}

/// The output and the gradients of q, k and v for loss = sum(out * r).
struct Result {
    Tensor out, dq, dk, dv;
};

template <class Attention>
Result run(const Tensor& q, const Tensor& k, const Tensor& v, Attention attention) {
    Tensor q2 = q.clone().set_requires_grad(), k2 = k.clone().set_requires_grad(),
           v2 = v.clone().set_requires_grad();
    const Tensor out = attention(q2, k2, v2);
    sum(out * test::random(out.shape(), 99)).backward();
    return {out.detach(), q2.grad(), k2.grad(), v2.grad()};
}

/// Fused (with `mask` and `is_causal`) against plain (with `plain_mask`): outputs and gradients,
/// each error relative to the larger of the expected tensor's largest element and `floor`.
/// The floor is for gradients that are exactly 0 (with a single key its weight is exactly 1,
/// and dq = dk = 0): the fused backward returns rounding noise there, up to about 1e-6 for
/// inputs of order 1, because it forms sum_j P_ij dP_ij as D_i = dO_i . O_i, summed in another
/// order than the dP it is subtracted from (a dot product of Dv terms, rounded: ~Dv * 6e-8).
/// Callers where every gradient is that noise pass a floor of 1: an absolute bound of 1e-5.
void require_matches_plain(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask,
                           bool is_causal, const Tensor& plain_mask, double floor = 1e-2) {
    const Result fused = run(q, k, v, [&](const Tensor& a, const Tensor& b, const Tensor& c) {
        return fused_attention(a, b, c, mask, is_causal);
    });
    const Result plain = run(q, k, v, [&](const Tensor& a, const Tensor& b, const Tensor& c) {
        return plain_attention(a, b, c, plain_mask);
    });
    INFO("q " << q.shape().to_string() << ", k " << k.shape().to_string() << ", v "
              << v.shape().to_string() << ", mask "
              << (mask.defined() ? mask.shape().to_string() : "none")
              << (is_causal ? ", causal" : ""));
    constexpr double kTolerance = 1e-5;
    CHECK(relative_error(fused.out, plain.out, floor) <= kTolerance);
    CHECK(relative_error(fused.dq, plain.dq, floor) <= kTolerance);
    CHECK(relative_error(fused.dk, plain.dk, floor) <= kTolerance);
    CHECK(relative_error(fused.dv, plain.dv, floor) <= kTolerance);
}

/// Random q [B, H, Tq, Dk], k [B, H, Tk, Dk], v [B, H, Tk, Dv] (H = 0: rank 3).
struct Qkv {
    Tensor q, k, v;
};
Qkv random_qkv(int64_t b, int64_t h, int64_t tq, int64_t tk, int64_t dk, int64_t dv) {
    auto shape = [&](int64_t t, int64_t d) { return h > 0 ? Shape{b, h, t, d} : Shape{b, t, d}; };
    return {test::random(shape(tq, dk), 1), test::random(shape(tk, dk), 2),
            test::random(shape(tk, dv), 3)};
}

}  // namespace

TEST_CASE("fused_attention matches the plain path without a mask", "[ops][fused_attention]") {
    const auto [q, k, v] = random_qkv(2, 3, 8, 8, 16, 16);
    require_matches_plain(q, k, v, Tensor(), false, Tensor());
}

TEST_CASE("fused_attention matches the plain path at a Transformer's sizes",
          "[ops][fused_attention]") {
    // Head widths 32 and 64; 200 tokens span four key tiles, three of them skipped by
    // is_causal for the first query tile.
    const int64_t t = GENERATE(32, 64, 200);
    const int64_t d = GENERATE(32, 64);
    const auto [q, k, v] = random_qkv(2, 2, t, t, d, d);
    require_matches_plain(q, k, v, Tensor(), false, Tensor());
    require_matches_plain(q, k, v, Tensor(), true, causal(t, t));
}

TEST_CASE("fused_attention with is_causal equals a causal mask tensor", "[ops][fused_attention]") {
    const int64_t t = GENERATE(1, 3, 33, 65, 100);
    const auto [q, k, v] = random_qkv(2, 2, t, t, 8, 8);
    const double floor = t == 1 ? 1.0 : 1e-2;  // t = 1: one key, dq = dk = 0 exactly
    require_matches_plain(q, k, v, Tensor(), true, causal(t, t), floor);
    require_matches_plain(q, k, v, causal(t, t), false, causal(t, t), floor);
    // The fused op's two ways of saying it agree to the last bit.
    REQUIRE(fused_attention(q, k, v, Tensor(), true).to_vector() ==
            fused_attention(q, k, v, causal(t, t)).to_vector());
}

TEST_CASE("fused_attention with padding and per-query masks matches the plain path",
          "[ops][fused_attention]") {
    const auto [q, k, v] = random_qkv(3, 2, 7, 9, 8, 5);
    SECTION("padding [B, 1, 1, Tk]") {
        Tensor padding = zeros({3, 1, 1, 9});
        for (int64_t j = 6; j < 9; ++j) padding.data()[0 * 9 + j] = 1;  // entry 0: 6 tokens
        for (int64_t j = 4; j < 9; ++j) padding.data()[2 * 9 + j] = 1;  // entry 2: 4 tokens
        require_matches_plain(q, k, v, padding, false, padding);
    }
    SECTION("[B, 1, Tq, Tk]") {
        const Tensor mask = random_mask({3, 1, 7, 9}, 5);
        require_matches_plain(q, k, v, mask, false, mask);
    }
    SECTION("[B, H, Tq, Tk] with is_causal: the union") {
        const Tensor mask = random_mask({3, 2, 7, 9}, 6);
        require_matches_plain(q, k, v, mask, true, either(mask, causal(7, 9)));
    }
}

TEST_CASE("fused_attention gives a row with every key masked uniform weights",
          "[ops][fused_attention]") {
    const auto [q, k, v] = random_qkv(2, 0, 5, 70, 4, 3);
    Tensor mask = random_mask({5, 70}, 8);
    for (int64_t j = 0; j < 70; ++j) mask.data()[2 * 70 + j] = 1;  // query 2 sees nothing
    require_matches_plain(q, k, v, mask, false, mask);
    // Its output is the mean of the values.
    const Tensor out = fused_attention(q, k, v, mask);
    const Tensor mean_v = mean(v, 1);
    for (int64_t b = 0; b < 2; ++b) {
        for (int64_t e = 0; e < 3; ++e) {
            REQUIRE(out.at({b, 2, e}) == Approx(mean_v.at({b, e})).epsilon(1e-5));
        }
    }
    SECTION("also when is_causal skipped the keys after the query") {
        // Query 2 sees keys 0..2 under is_causal; masking those leaves it nothing, so the plain
        // path weighs all 70 keys alike, the skipped ones included.
        Tensor partial = zeros({5, 70});
        for (int64_t j = 0; j <= 2; ++j) partial.data()[2 * 70 + j] = 1;
        require_matches_plain(q, k, v, partial, true, either(partial, causal(5, 70)));
    }
}

TEST_CASE("fused_attention handles cross-attention and sizes off the tile size",
          "[ops][fused_attention]") {
    SECTION("Tq 5, Tk 7, rank 3") {
        const auto [q, k, v] = random_qkv(2, 0, 5, 7, 6, 4);
        require_matches_plain(q, k, v, Tensor(), false, Tensor());
        require_matches_plain(q, k, v, Tensor(), true, causal(5, 7));
    }
    SECTION("Tq 7, Tk 5, causal stays top-left aligned") {
        const auto [q, k, v] = random_qkv(1, 2, 7, 5, 4, 4);
        require_matches_plain(q, k, v, Tensor(), true, causal(7, 5));
    }
    SECTION("odd lengths, Dk != Dv, rank 4") {
        const int64_t t = GENERATE(1, 3, 33, 65, 100);
        const auto [q, k, v] = random_qkv(2, 2, t, t + 2, 12, 5);
        require_matches_plain(q, k, v, Tensor(), false, Tensor());
        const Tensor mask = random_mask({2, 1, t, t + 2}, 9);
        require_matches_plain(q, k, v, mask, true, either(mask, causal(t, t + 2)));
    }
    SECTION("rank 2") {
        const Tensor q = test::random({65, 8}, 1), k = test::random({130, 8}, 2),
                     v = test::random({130, 3}, 3);
        require_matches_plain(q, k, v, Tensor(), true, causal(65, 130));
    }
}

TEST_CASE("fused_attention stays finite and exact at scores of 1e4", "[ops][fused_attention]") {
    auto [q, k, v] = random_qkv(2, 2, 20, 70, 4, 4);
    q = q * 100.0f;  // scores q.k / 2 of order 1e4
    k = k * 100.0f;
    // The weights are one-hot to float precision, so the exact dq and dk are 0 and both paths
    // return rounding noise (the fused one through D_i = dO . O). That noise is measured
    // against the size the gradients have when the softmax is not saturated, |q|, |k| ~ 100.
    require_matches_plain(q, k, v, Tensor(), false, Tensor(), 100.0);
    require_matches_plain(q, k, v, Tensor(), true, causal(20, 70), 100.0);
    const Tensor out = fused_attention(q, k, v, Tensor(), true);
    for (float x : out.to_vector()) REQUIRE(std::isfinite(x));
}

TEST_CASE("fused_attention gives bit-identical results on 1 and 2 threads",
          "[ops][fused_attention]") {
    const Qkv x = random_qkv(3, 2, 100, 130, 16, 8);  // (clang 14 cannot capture bindings)
    const Tensor mask = random_mask({3, 1, 100, 130}, 4);
    const test::ThreadCountGuard restore;
    auto results = [&](int threads) {
        set_num_threads(threads);
        return run(x.q, x.k, x.v, [&](const Tensor& a, const Tensor& b, const Tensor& c) {
            return fused_attention(a, b, c, mask, true);
        });
    };
    const Result one = results(1);
    const Result two = results(2);
    REQUIRE(one.out.to_vector() == two.out.to_vector());
    REQUIRE(one.dq.to_vector() == two.dq.to_vector());
    REQUIRE(one.dk.to_vector() == two.dk.to_vector());
    REQUIRE(one.dv.to_vector() == two.dv.to_vector());
}

namespace {

/// Restores fused_attention's choice of build (detail::set_fused_attention_avx2) on scope exit.
class AttentionBuildGuard {
public:
    AttentionBuildGuard() : saved_(detail::fused_attention_avx2()) {}
    ~AttentionBuildGuard() { detail::set_fused_attention_avx2(saved_); }
    AttentionBuildGuard(const AttentionBuildGuard&) = delete;
    AttentionBuildGuard& operator=(const AttentionBuildGuard&) = delete;

private:
    bool saved_;
};

/// True if this CPU runs fused_attention's AVX2 build (asking is the only portable way).
bool has_avx2_build() {
    try {
        const AttentionBuildGuard restore;
        detail::set_fused_attention_avx2(true);
        return true;
    } catch (const ValueError&) {
        return false;
    }
}

}  // namespace

TEST_CASE("fused_attention: the portable build matches the plain path too",
          "[ops][fused_attention]") {
    // The other cases run the build this CPU uses by default (AVX2 where it has it); these run
    // the portable one: one key tile and several, masks, is_causal, Tq != Tk.
    const AttentionBuildGuard restore;
    detail::set_fused_attention_avx2(false);
    REQUIRE_FALSE(detail::fused_attention_avx2());
    const auto [q, k, v] = random_qkv(2, 2, 33, 33, 32, 32);
    require_matches_plain(q, k, v, Tensor(), false, Tensor());
    REQUIRE(std::string(detail::fused_attention_last_build()) == "portable");
    require_matches_plain(q, k, v, Tensor(), true, causal(33, 33));
    const Qkv x = random_qkv(2, 0, 100, 130, 16, 8);
    const Tensor mask = random_mask({2, 100, 130}, 5);
    require_matches_plain(x.q, x.k, x.v, mask, true, either(mask, causal(100, 130)));
}

TEST_CASE("fused_attention: the AVX2 and portable builds agree", "[ops][fused_attention]") {
    if (!has_avx2_build()) {  // then asking for it must say so
        REQUIRE_THROWS_AS(detail::set_fused_attention_avx2(true), ValueError);
        return;
    }
    const AttentionBuildGuard restore;
    const Qkv x = random_qkv(3, 2, 100, 70, 32, 16);
    const Tensor mask = random_mask({3, 1, 100, 70}, 6);
    auto results = [&](bool avx2, bool is_causal) {
        detail::set_fused_attention_avx2(avx2);
        const Result result =
            run(x.q, x.k, x.v, [&](const Tensor& a, const Tensor& b, const Tensor& c) {
                return fused_attention(a, b, c, mask, is_causal);
            });
        // The build asked for is the one that ran (the last pass was the backward).
        REQUIRE(std::string(detail::fused_attention_last_build()) == (avx2 ? "avx2" : "portable"));
        return result;
    };
    for (bool is_causal : {false, true}) {
        const Result portable = results(false, is_causal);
        const Result avx2 = results(true, is_causal);
        // FMA instead of a multiply and an add: the same up to rounding.
        CHECK(relative_error(avx2.out, portable.out, 1e-1) <= 1e-6);
        CHECK(relative_error(avx2.dq, portable.dq, 1e-1) <= 1e-6);
        CHECK(relative_error(avx2.dk, portable.dk, 1e-1) <= 1e-6);
        CHECK(relative_error(avx2.dv, portable.dv, 1e-1) <= 1e-6);
    }
}

TEST_CASE("fused_attention with Dk = 0 gives the mean of v on every GEMM backend",
          "[ops][fused_attention]") {
    // Every score is a sum of nothing, 0, so every key weighs the same. The scale 1/sqrt(Dk)
    // must not become an infinite alpha: the reference GEMM would compute 0 * inf = nan.
    struct RestoreBackend {
        kernels::GemmBackend saved = kernels::gemm_backend();
        ~RestoreBackend() { kernels::set_gemm_backend(saved); }
    } restore;
    for (kernels::GemmBackend backend : kernels::available_backends()) {
        INFO(kernels::gemm_backend_name(backend));
        kernels::set_gemm_backend(backend);
        const Tensor v = test::random({2, 4, 3}, 7);
        const Tensor out = fused_attention(zeros({2, 5, 0}), zeros({2, 4, 0}), v);
        const Tensor mean_v = mean(v, 1);  // [2, 3]
        for (int64_t b = 0; b < 2; ++b) {
            for (int64_t i = 0; i < 5; ++i) {
                for (int64_t e = 0; e < 3; ++e) {
                    CHECK(out.at({b, i, e}) == Approx(mean_v.at({b, e})).epsilon(1e-6));
                }
            }
        }
    }
}

TEST_CASE("fused_attention gradchecks", "[ops][fused_attention][gradcheck]") {
    const auto [q, k, v] = random_qkv(2, 0, 3, 4, 3, 2);
    const Tensor mask = random_mask({2, 3, 4}, 11);
    test::require_gradcheck([](const Inputs& x) { return fused_attention(x[0], x[1], x[2]); },
                            {q, k, v});
    test::require_gradcheck(
        [](const Inputs& x) { return fused_attention(x[0], x[1], x[2], Tensor(), true); },
        {q, k, v});
    test::require_gradcheck(
        [&](const Inputs& x) { return fused_attention(x[0], x[1], x[2], mask, true); }, {q, k, v});
}

TEST_CASE("fused_attention returns gradients only for the inputs that need them",
          "[ops][fused_attention]") {
    const auto [q0, k0, v0] = random_qkv(1, 2, 5, 6, 4, 3);
    Tensor q = q0.clone(), k = k0.clone().set_requires_grad(), v = v0.clone();
    sum(fused_attention(q, k, v, Tensor(), true)).backward();
    REQUIRE(k.grad().defined());
    REQUIRE_FALSE(q.grad().defined());
    REQUIRE_FALSE(v.grad().defined());
}

TEST_CASE("fused_attention rejects mismatched shapes with ShapeError", "[ops][fused_attention]") {
    auto message = [](const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask) {
        try {
            fused_attention(q, k, v, mask);
        } catch (const ShapeError& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    const Tensor q = zeros({2, 3, 4});
    REQUIRE(message(q, zeros({2, 5, 3}), zeros({2, 5, 6}), Tensor()) ==
            "fused_attention: q [2,3,4], k [2,5,3], v [2,5,6]: need q [..., Tq, Dk], "
            "k [..., Tk, Dk], v [..., Tk, Dv] with the same leading dimensions");
    const std::string prefix = "fused_attention: ";
    REQUIRE(message(q, zeros({2, 5, 4}), zeros({2, 4, 6}), Tensor()).rfind(prefix, 0) == 0);
    REQUIRE(message(q, zeros({3, 5, 4}), zeros({3, 5, 6}), Tensor()).rfind(prefix, 0) == 0);
    REQUIRE(message(q, zeros({1, 2, 5, 4}), zeros({1, 2, 5, 6}), Tensor()).rfind(prefix, 0) == 0);
    REQUIRE(message(zeros({4}), zeros({4}), zeros({4}), Tensor()).rfind(prefix, 0) == 0);
    REQUIRE(message(q, zeros({2, 5, 4}), zeros({2, 5, 6}), zeros({4, 5})) ==
            "fused_attention: mask [4,5] does not broadcast to the scores [2,3,5]");
    REQUIRE(message(q, zeros({2, 5, 4}), zeros({2, 5, 6}), zeros({1, 2, 3, 5})).rfind(prefix, 0) ==
            0);
}

TEST_CASE("fused_multi_head_attention equals fused_attention between transposes",
          "[ops][fused_attention]") {
    // Heads in the third dimension, [B, T, H, D], read and written in place: the same values
    // and gradients as with the explicit transposes, over masks, causal, odd sizes, Tq != Tk
    // and dropout.
    struct Case {
        int64_t batch, heads, tq, tk, dk, dv;
        bool causal, padding;
        float dropout;
    };
    for (const Case& c :
         {Case{2, 4, 6, 6, 8, 8, true, true, 0.0f}, Case{3, 2, 5, 7, 3, 5, false, true, 0.0f},
          Case{1, 3, 70, 70, 4, 6, true, false, 0.0f}, Case{2, 1, 33, 9, 5, 5, false, false, 0.0f},
          Case{2, 3, 70, 66, 4, 6, true, true, 0.25f}}) {
        const Tensor q = test::random({c.batch, c.tq, c.heads, c.dk}, 11);
        const Tensor k = test::random({c.batch, c.tk, c.heads, c.dk}, 12);
        const Tensor v = test::random({c.batch, c.tk, c.heads, c.dv}, 13);
        const Tensor mask = c.padding ? random_mask({c.batch, 1, 1, c.tk}, 14) : Tensor();
        const AttentionDropout dropout{.p = c.dropout, .seed = 7};
        const Result in_place =
            run(q, k, v, [&](const Tensor& a, const Tensor& b, const Tensor& d) {
                return fused_multi_head_attention(a, b, d, mask, c.causal, dropout);
            });
        const Result transposed =
            run(q, k, v, [&](const Tensor& a, const Tensor& b, const Tensor& d) {
                return transpose(fused_attention(transpose(a, 1, 2), transpose(b, 1, 2),
                                                 transpose(d, 1, 2), mask, c.causal, dropout),
                                 1, 2);
            });
        INFO("B " << c.batch << " H " << c.heads << " Tq " << c.tq << " Tk " << c.tk);
        // The same tile products on the same numbers: equal to the last bit.
        REQUIRE(in_place.out.to_vector() == transposed.out.to_vector());
        REQUIRE(in_place.dq.to_vector() == transposed.dq.to_vector());
        REQUIRE(in_place.dk.to_vector() == transposed.dk.to_vector());
        REQUIRE(in_place.dv.to_vector() == transposed.dv.to_vector());
    }
    test::require_gradcheck(
        [](const Inputs& x) { return fused_multi_head_attention(x[0], x[1], x[2], {}, true); },
        {test::random({1, 3, 2, 2}, 15), test::random({1, 3, 2, 2}, 16),
         test::random({1, 3, 2, 3}, 17)});
    // With dropout: a fixed seed drops the same weights in every evaluation.
    test::require_gradcheck(
        [](const Inputs& x) {
            return fused_multi_head_attention(x[0], x[1], x[2], {}, false, {.p = 0.3f, .seed = 9});
        },
        {test::random({1, 3, 2, 2}, 15), test::random({1, 3, 2, 2}, 16),
         test::random({1, 3, 2, 3}, 17)});
    REQUIRE_THROWS_WITH(
        fused_multi_head_attention(zeros({2, 3, 4, 2}), zeros({2, 5, 4, 2}), zeros({2, 5, 3, 2})),
        StartsWith("fused_multi_head_attention: q [2,3,4,2], k [2,5,4,2], v [2,5,3,2]: need"));
    REQUIRE_THROWS_WITH(
        fused_multi_head_attention(zeros({2, 3, 2, 4}), zeros({2, 5, 2, 4}), zeros({2, 5, 2, 4}),
                                   zeros({4, 5})),
        StartsWith(
            "fused_multi_head_attention: mask [4,5] does not broadcast to the scores [2,2,3,5]"));
}

TEST_CASE("fused_attention's dropout equals the plain path times attention_dropout_mask",
          "[ops][fused_attention][dropout]") {
    // softmax(masked scores) * Z, then v, built from ag ops with the Z the kernel draws:
    // outputs and gradients, over a padding mask, causal (with skipped key tiles, and a row
    // whose keys are all masked) and sizes across tile edges.
    for (const float p : {0.1f, 0.5f}) {
        for (const bool is_causal : {false, true}) {
            const auto [q, k, v] = random_qkv(2, 2, 70, 67, 8, 5);
            Tensor padding = random_mask({2, 1, 1, 67}, 3);
            for (int64_t j = 0; j < 67; ++j) padding.data()[j] = 1.0f;  // batch 0: all masked
            const AttentionDropout dropout{.p = p, .seed = 42};
            const Tensor z = attention_dropout_mask({2, 2, 70, 67}, dropout);
            const Tensor plain_mask = is_causal ? either(padding, causal(70, 67)) : padding;
            const Result fused =
                run(q, k, v, [&](const Tensor& a, const Tensor& b, const Tensor& c) {
                    return fused_attention(a, b, c, padding, is_causal, dropout);
                });
            const Result plain =
                run(q, k, v, [&](const Tensor& a, const Tensor& b, const Tensor& c) {
                    const float scale = 1.0f / std::sqrt(8.0f);
                    const Tensor scores =
                        masked_fill(matmul(a * scale, transpose(b, -2, -1)), plain_mask, -1e9f);
                    return matmul(softmax(scores, -1) * z, c);
                });
            INFO("p " << p << (is_causal ? ", causal" : ""));
            CHECK(relative_error(fused.out, plain.out, 1e-2) <= 1e-5);
            CHECK(relative_error(fused.dq, plain.dq, 1e-2) <= 1e-5);
            CHECK(relative_error(fused.dk, plain.dk, 1e-2) <= 1e-5);
            CHECK(relative_error(fused.dv, plain.dv, 1e-2) <= 1e-5);
        }
    }
}

TEST_CASE("attention_dropout_mask drops a fraction p, scales the rest, and depends on the seed",
          "[ops][fused_attention][dropout]") {
    const Tensor z = attention_dropout_mask({4, 8, 64, 64}, {.p = 0.3f, .seed = 1});
    int64_t dropped = 0;
    for (int64_t i = 0; i < z.numel(); ++i) {
        const float factor = z.data()[i];
        REQUIRE((factor == 0.0f || factor == 1.0f / 0.7f));
        dropped += factor == 0.0f ? 1 : 0;
    }
    // 131072 draws: the fraction dropped is within 5 standard deviations (0.0063) of 0.3.
    CHECK(std::abs(static_cast<double>(dropped) / static_cast<double>(z.numel()) - 0.3) < 0.0063);
    const Tensor again = attention_dropout_mask({4, 8, 64, 64}, {.p = 0.3f, .seed = 1});
    REQUIRE(again.to_vector() == z.to_vector());
    const Tensor other = attention_dropout_mask({4, 8, 64, 64}, {.p = 0.3f, .seed = 2});
    REQUIRE(other.to_vector() != z.to_vector());
    test::require_values(attention_dropout_mask({2, 3}, {}), {1, 1, 1, 1, 1, 1});
    for (const float bad : {-0.1f, 1.0f, std::nanf("")}) {
        REQUIRE_THROWS_AS(attention_dropout_mask({2, 3}, {.p = bad}), ValueError);
        REQUIRE_THROWS_AS(fused_attention(zeros({1, 2, 2}), zeros({1, 2, 2}), zeros({1, 2, 2}),
                                          Tensor(), false, {.p = bad}),
                          ValueError);
    }
}
