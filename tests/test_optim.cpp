// tests/test_optim.cpp — optimizers, clipping and schedules (optim/): a few steps each against
// values worked out by hand from the update formulas (and confirmed with torch.optim).
#include <cmath>

#include "catch.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "test_helpers.h"

using namespace ag;
using namespace ag::optim;

namespace {
// One scalar parameter p = 1, stepped with the given gradients; returns p after each step.
template <class MakeOptimizer>
std::vector<float> trajectory(MakeOptimizer make, const std::vector<float>& gradients) {
    Tensor p = scalar(1.0f, true);
    auto optimizer = make(NamedTensors{{"p", p}});
    std::vector<float> values;
    for (float g : gradients) {
        p.zero_grad();
        (p * g).backward();  // d(p * g)/dp = g
        optimizer.step();
        values.push_back(p.item());
    }
    return values;
}
}  // namespace

TEST_CASE("SGD with momentum and weight decay, by hand", "[optim]") {
    // Step 1: d = 0.5 + 0.1 * 1 = 0.6, b = d = 0.6, p = 1 - 0.1 * 0.6 = 0.94.
    // Step 2: d = -1 + 0.1 * 0.94 = -0.906, b = 0.9 * 0.6 - 0.906 = -0.366, p = 0.9766.
    const auto p =
        trajectory([](NamedTensors ps) { return SGD(ps, 0.1f, 0.9f, 0.1f); }, {0.5f, -1.0f});
    REQUIRE(p[0] == Approx(0.94f));
    REQUIRE(p[1] == Approx(0.9766f));
    const auto plain = trajectory([](NamedTensors ps) { return SGD(ps, 0.1f); }, {0.5f, 0.5f});
    REQUIRE(plain[1] == Approx(0.9f));
}

TEST_CASE("Adam, by hand", "[optim]") {
    // Step 1: m = 0.05, v = 0.00025; m/(1-0.9) = 0.5, sqrt(v/(1-0.999)) = 0.5: p = 1 - 0.1.
    // Step 2 (g = -1): m = -0.055, v = 0.00124975; m_hat = -0.28947, sqrt(v_hat) = 0.79069:
    //   p = 0.9 + 0.1 * 0.28947 / 0.79069 = 0.93661.
    const auto p = trajectory([](NamedTensors ps) { return Adam(ps, 0.1f); }, {0.5f, -1.0f, 0.25f});
    REQUIRE(p[0] == Approx(0.9f));
    REQUIRE(p[1] == Approx(0.9366104f));
    REQUIRE(p[2] == Approx(0.9502795f));  // torch.optim.Adam gives 0.95027947
    // With L2 weight decay the gradient becomes g + 0.1 p: step 2 uses -1 + 0.09.
    const auto l2 = trajectory(
        [](NamedTensors ps) { return Adam(ps, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f); }, {0.5f, -1.0f});
    REQUIRE(l2[1] == Approx(0.9252635f));
}

TEST_CASE("AdamW decays weights apart from the gradient, by hand", "[optim]") {
    // Step 1: p = 1 * (1 - 0.1 * 0.1) = 0.99, then the Adam step of 0.1: 0.89.
    const auto p = trajectory(
        [](NamedTensors ps) { return AdamW(ps, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f); }, {0.5f, -1.0f});
    REQUIRE(p[0] == Approx(0.89f));
    REQUIRE(p[1] == Approx(0.9177104f));
}

TEST_CASE("optimizers reject bad settings and skip parameters without gradients", "[optim]") {
    REQUIRE_THROWS_AS(SGD({}, -1.0f), ValueError);
    REQUIRE_THROWS_AS(Adam({}, 0.1f, 1.0f), ValueError);
    Tensor a = scalar(1.0f, true), b = scalar(2.0f, true);
    Adam adam({{"a", a}, {"b", b}}, 0.1f);
    (a * 3.0f).backward();
    adam.step();
    REQUIRE(a.item() == Approx(0.9f));
    REQUIRE(b.item() == 2.0f);
    REQUIRE(adam.step_count() == 1);
}

TEST_CASE("clip_grad_norm scales all gradients to the max norm and returns the norm", "[optim]") {
    Tensor a = from_vector({1, 1}, {2}, true), b = scalar(1.0f, true);
    sum(a * from_vector({3, 0}, {2})).backward();  // grad a = [3, 0]
    (b * 4.0f).backward();                         // grad b = 4: total norm 5
    REQUIRE(clip_grad_norm({a, b}, 1.0f) == Approx(5.0f));
    test::require_values(a.grad(), {0.6f, 0.0f}, 1e-6f);
    REQUIRE(b.grad().item() == Approx(0.8f));
    REQUIRE(clip_grad_norm({a, b}, 10.0f) == Approx(1.0f).epsilon(1e-5));  // under: unchanged
    REQUIRE(b.grad().item() == Approx(0.8f));
    REQUIRE_THROWS_AS(clip_grad_norm({a}, 0.0f), ValueError);
}

TEST_CASE("schedules follow their formulas", "[optim][schedule]") {
    const WarmupInverseSqrtSchedule noam(1.0f, 4);
    REQUIRE(noam.rate(1) == Approx(0.25f));
    REQUIRE(noam.rate(4) == Approx(1.0f));
    REQUIRE(noam.rate(16) == Approx(0.5f));
    const WarmupCosineSchedule cosine(1.0f, 2, 6, 0.1f);
    REQUIRE(cosine.rate(1) == Approx(0.5f));
    REQUIRE(cosine.rate(2) == Approx(1.0f));
    REQUIRE(cosine.rate(4) == Approx(0.55f));  // halfway: 0.1 + 0.9 * (1 + cos(pi/2)) / 2
    REQUIRE(cosine.rate(6) == Approx(0.1f));
    REQUIRE(cosine.rate(100) == Approx(0.1f));
    REQUIRE(ConstantSchedule(0.3f).rate(7) == 0.3f);
    REQUIRE_THROWS_AS(WarmupInverseSqrtSchedule(1.0f, 0), ValueError);
    REQUIRE_THROWS_AS(WarmupCosineSchedule(1.0f, 5, 5), ValueError);
    Tensor p = scalar(1.0f, true);
    SGD sgd({{"p", p}}, 0.0f);
    noam.apply(sgd);
    REQUIRE(sgd.learning_rate() == Approx(0.25f));
}

TEST_CASE("optimizer state round-trips: stepping on from loaded state is bit-identical",
          "[optim][state]") {
    auto run = [](int first_steps, bool reload) {
        Tensor p = from_vector({1.0f, -2.0f, 0.5f}, {3}, true);
        auto optimizer = std::make_unique<Adam>(NamedTensors{{"w", p}}, 0.05f);
        Generator gradients(1);
        for (int step = 0; step < 6; ++step) {
            if (step == first_steps && reload) {
                const NamedTensors saved = optimizer->state();
                optimizer = std::make_unique<Adam>(NamedTensors{{"w", p}}, 0.05f);
                optimizer->load_state(saved);
            }
            p.zero_grad();
            sum(p * p * randn({3}, gradients)).backward();
            optimizer->step();
        }
        return p.to_vector();
    };
    REQUIRE(run(3, true) == run(3, false));

    Tensor p = zeros({3}, true);
    Adam adam({{"w", p}});
    NamedTensors state = adam.state();
    REQUIRE(state.size() == 5);  // step, learning_rate, updates.w, exp_avg.w, exp_avg_sq.w
    state[3].second = zeros({4});
    REQUIRE_THROWS_WITH(adam.load_state(state), Contains("'optimizer.exp_avg.w' has shape [4]"));
    NamedTensors incomplete = adam.state();
    incomplete.pop_back();
    REQUIRE_THROWS_WITH(adam.load_state(incomplete), Contains("missing 'optimizer.exp_avg_sq.w'"));
    NamedTensors extra = adam.state();
    extra.emplace_back("optimizer.other", zeros({1}));
    REQUIRE_THROWS_WITH(adam.load_state(extra), Contains("unexpected 'optimizer.other'"));
}
