// tests/test_nn_sampling.cpp — temperature, top-k and top-p (nn/sampling.h), against
// distributions worked out by hand.
#include <cmath>
#include <vector>

#include "catch.h"
#include "core/error.h"
#include "nn/sampling.h"

using ag::nn::sample_token;
using ag::nn::sampling_distribution;
using ag::nn::SamplingOptions;

namespace {

// Logits whose softmax is {0.5, 0.3, 0.15, 0.05}, given out of order: ids 2, 0, 3, 1.
std::vector<float> logits() {
    return {std::log(0.3f), std::log(0.05f), std::log(0.5f), std::log(0.15f)};
}

void check_close(const std::vector<float>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == Approx(want[i]).margin(1e-5));
}

}  // namespace

TEST_CASE("sampling distributions: temperature, top-k and top-p as worked out by hand",
          "[nn][sampling]") {
    check_close(sampling_distribution(logits(), {}), {0.3, 0.05, 0.5, 0.15});
    // Temperature 2: p_i proportional to sqrt(p_i).
    const double s = std::sqrt(0.3) + std::sqrt(0.05) + std::sqrt(0.5) + std::sqrt(0.15);
    check_close(sampling_distribution(logits(), {.temperature = 2.0f}),
                {std::sqrt(0.3) / s, std::sqrt(0.05) / s, std::sqrt(0.5) / s, std::sqrt(0.15) / s});
    // Top-2: ids 2 and 0, renormalised: 0.5 / 0.8 and 0.3 / 0.8.
    check_close(sampling_distribution(logits(), {.top_k = 2}), {0.375, 0, 0.625, 0});
    // Top-p 0.75: 0.5 alone is short of it, 0.5 + 0.3 reaches it.
    check_close(sampling_distribution(logits(), {.top_p = 0.75f}), {0.375, 0, 0.625, 0});
    // Top-p 0.85 needs the third: 0.5 + 0.3 + 0.15 = 0.95.
    check_close(sampling_distribution(logits(), {.top_p = 0.85f}),
                {0.3 / 0.95, 0, 0.5 / 0.95, 0.15 / 0.95});
    // Top-p 0.4: the most likely token alone.
    check_close(sampling_distribution(logits(), {.top_p = 0.4f}), {0, 0, 1, 0});
    // Top-k 3, then top-p 0.9 on the renormalised three (0.5/0.95 = 0.526, + 0.3/0.95 = 0.842).
    check_close(sampling_distribution(logits(), {.top_k = 3, .top_p = 0.9f}),
                {0.3 / 0.95, 0, 0.5 / 0.95, 0.15 / 0.95});
    // Ties go to the smaller id.
    check_close(sampling_distribution(std::vector<float>{1, 3, 3, 0}, {.top_k = 1}), {0, 1, 0, 0});
}

TEST_CASE("temperature 0 and top-k 1 are greedy, and a seed gives the same tokens",
          "[nn][sampling]") {
    ag::Generator generator(5), untouched(5);
    CHECK(sample_token(logits(), {.temperature = 0.0f}, generator) == 2);
    CHECK(generator.next_bits() == untouched.next_bits());  // greedy draws nothing
    const std::vector<float> tied{0.0f, 2.0f, 2.0f};
    CHECK(sample_token(tied, {.temperature = 0.0f}, generator) == 1);
    for (int i = 0; i < 50; ++i) CHECK(sample_token(logits(), {.top_k = 1}, generator) == 2);

    ag::Generator a(42), b(42);
    std::vector<int64_t> first, second;
    for (int i = 0; i < 200; ++i) {
        first.push_back(sample_token(logits(), {.temperature = 1.3f, .top_p = 0.9f}, a));
        second.push_back(sample_token(logits(), {.temperature = 1.3f, .top_p = 0.9f}, b));
    }
    CHECK(first == second);
}

TEST_CASE("sampled tokens follow the distribution", "[nn][sampling]") {
    ag::Generator generator(7);
    const SamplingOptions options{.temperature = 1.0f, .top_k = 3};
    const std::vector<float> p = sampling_distribution(logits(), options);
    std::vector<double> seen(4, 0.0);
    constexpr int kDraws = 40000;
    for (int i = 0; i < kDraws; ++i)
        seen[sample_token(logits(), options, generator)] += 1.0 / kDraws;
    for (size_t i = 0; i < 4; ++i) CHECK(seen[i] == Approx(p[i]).margin(0.01));
    CHECK(seen[1] == 0.0);  // left out by top-k, never drawn
}

TEST_CASE("sampling refuses options and logits it cannot use", "[nn][sampling]") {
    const auto refuses = [](const std::vector<float>& z, SamplingOptions o, const char* why) {
        CHECK_THROWS_AS(sampling_distribution(z, o), ag::ValueError);
        CHECK_THROWS_WITH(sampling_distribution(z, o), Contains(why));
    };
    refuses(logits(), {.temperature = -1.0f}, "temperature must be finite and at least 0");
    refuses(logits(), {.temperature = NAN}, "temperature");
    refuses(logits(), {.top_k = -2}, "top_k must be at least 0");
    refuses(logits(), {.top_p = 0.0f}, "top_p must be in (0, 1]");
    refuses(logits(), {.top_p = 1.5f}, "top_p must be in (0, 1]");
    refuses({}, {}, "no logits");
    refuses({1.0f, NAN}, {}, "a logit is NaN or +infinity");
    refuses({-INFINITY, -INFINITY}, {}, "every logit is -infinity");
}
