// tests/test_nn_pretraining.cpp — masked-token prediction, the decoder-only model, the
// sequence classifier, and moving a pretrained body into it (nn/pretraining.h): partial
// loading by name and freezing.
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>

#include "catch.h"
#include "core/ops.h"
#include "nn/checkpoint.h"
#include "nn/loss.h"
#include "nn/pretraining.h"
#include "optim/optimizer.h"

using namespace ag;
using namespace ag::nn;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kMaskId = 1;

TextModelConfig tiny_config(uint64_t seed = 3) {
    return {.vocabulary = 12,
            .d_model = 16,
            .heads = 2,
            .layers = 2,
            .d_ff = 32,
            .max_length = 16,
            .pad_id = 0,
            .seed = seed};
}

std::vector<std::string> names_of(const Module& module, const std::string& prefix) {
    std::vector<std::string> names;
    for (const auto& [name, tensor] : module.named_parameters()) {
        if (name.rfind(prefix, 0) == 0) names.push_back(name);
    }
    return names;
}

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<size_t>(a.numel())) == 0;
}

// A checkpoint file under the temporary directory, removed at the end of the test.
struct TempFile {
    fs::path path =
        fs::temp_directory_path() /
        ("attograd_pretraining_" + std::to_string(std::random_device{}()) + ".safetensors");
    ~TempFile() {
        std::error_code ignored;
        fs::remove(path, ignored);
    }
};

}  // namespace

TEST_CASE("mask_tokens hides a fraction of the real tokens and targets only those",
          "[pretraining]") {
    // Two rows, the second padded.
    const IndexTensor ids({5, 6, 7, 8, 9, 10, 4, 5, 6, 0, 0, 0}, {2, 6});
    Generator generator(1);

    SECTION("fraction 0 masks nothing") {
        const MaskedTokens batch = mask_tokens(ids, kMaskId, 0.0f, generator);
        CHECK(batch.masked == 0);
        CHECK(batch.inputs.values() == ids.values());
        CHECK(batch.targets.values() == std::vector<int64_t>(12, -100));
    }
    SECTION("fraction 1 masks every real token and never padding") {
        const MaskedTokens batch = mask_tokens(ids, kMaskId, 1.0f, generator, 0, -7);
        CHECK(batch.masked == 9);
        CHECK(batch.inputs.values() == std::vector<int64_t>({1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}));
        CHECK(batch.targets.values() ==
              std::vector<int64_t>({5, 6, 7, 8, 9, 10, 4, 5, 6, -7, -7, -7}));
    }
    SECTION("a masked position holds mask_id and its original as target; others are intact") {
        const IndexTensor many(std::vector<int64_t>(4000, 7), {40, 100});
        const MaskedTokens batch = mask_tokens(many, kMaskId, 0.25f, generator);
        int64_t masked = 0;
        for (int64_t i = 0; i < many.numel(); ++i) {
            const bool hidden = batch.inputs.data()[i] == kMaskId;
            masked += hidden ? 1 : 0;
            CHECK(batch.targets.data()[i] == (hidden ? 7 : -100));
            if (!hidden) CHECK(batch.inputs.data()[i] == 7);
        }
        CHECK(masked == batch.masked);
        CHECK(std::abs(static_cast<double>(masked) / 4000.0 - 0.25) < 0.03);
    }
    SECTION("bad arguments") {
        CHECK_THROWS_AS(mask_tokens(ids, kMaskId, 1.5f, generator), ValueError);
        CHECK_THROWS_AS(mask_tokens(ids, -1, 0.5f, generator), ValueError);
        CHECK_THROWS_AS(mask_tokens(IndexTensor({1, 2, 3}), kMaskId, 0.5f, generator), ShapeError);
    }
}

TEST_CASE("the masked-language-model loss counts the masked positions only", "[pretraining]") {
    MaskedLanguageModel model(tiny_config());
    const IndexTensor ids({5, 6, 7, 8, 9, 10, 4, 5, 6, 11, 0, 0}, {2, 6});
    Generator generator(4);
    const MaskedTokens batch = mask_tokens(ids, kMaskId, 0.4f, generator);
    REQUIRE(batch.masked > 0);

    // The mean of -log p(original) over the masked positions, by hand.
    const Tensor log_p = log_softmax(model.forward(batch.inputs), -1);  // [B, S, V]
    double total = 0;
    for (int64_t i = 0; i < ids.numel(); ++i) {
        if (batch.targets.data()[i] < 0) continue;
        total -= log_p.data()[i * 12 + batch.targets.data()[i]];
    }
    CHECK(model.loss(batch).item() ==
          Approx(total / static_cast<double>(batch.masked)).epsilon(1e-5));

    // Scoring every position instead gives a different number: the ignored ones count.
    CHECK(cross_entropy(model.forward(batch.inputs), ids, 0).item() !=
          Approx(model.loss(batch).item()));
}

TEST_CASE("masked_mean_pool averages the real tokens and ignores padding", "[pretraining]") {
    Generator generator(5);
    Tensor hidden = randn({2, 4, 3}, generator);
    const IndexTensor ids({5, 6, 0, 0, 7, 8, 9, 4}, {2, 4});
    const Tensor pooled = masked_mean_pool(hidden, ids, 0);
    REQUIRE(pooled.shape() == Shape{2, 3});
    for (int64_t d = 0; d < 3; ++d) {
        CHECK(pooled.at({0, d}) == Approx((hidden.at({0, 0, d}) + hidden.at({0, 1, d})) / 2));
        float row1 = 0;
        for (int64_t s = 0; s < 4; ++s) row1 += hidden.at({1, s, d});
        CHECK(pooled.at({1, d}) == Approx(row1 / 4));
    }
    // Changing the hidden state at a padded position changes nothing.
    hidden.data()[(0 * 4 + 3) * 3 + 1] = 100.0f;
    CHECK(same_bits(masked_mean_pool(hidden, ids, 0), pooled));

    CHECK_THROWS_AS(masked_mean_pool(hidden, IndexTensor({1, 2, 3}, {1, 3}), 0), ShapeError);
}

TEST_CASE("a classifier gives a sequence the same logits however much padding follows it",
          "[pretraining]") {
    SequenceClassifier model(tiny_config(), 3);
    model.eval();
    const Tensor short_logits = model.forward(IndexTensor({5, 6, 7}, {1, 3}));
    const Tensor padded_logits = model.forward(IndexTensor({5, 6, 7, 0, 0, 0}, {1, 6}));
    REQUIRE(short_logits.shape() == Shape{1, 3});
    for (int64_t c = 0; c < 3; ++c) {
        CHECK(padded_logits.at({0, c}) == Approx(short_logits.at({0, c})).margin(1e-5));
    }
    CHECK_THROWS_AS(SequenceClassifier(tiny_config(), 0), ValueError);
    TextModelConfig bad = tiny_config();
    bad.heads = 3;
    CHECK_THROWS_AS(SequenceClassifier(bad, 2), ValueError);
}

TEST_CASE("a classifier loads a pretrained body by name: head skipped, new head missing",
          "[pretraining]") {
    TempFile file;
    MaskedLanguageModel pretrained(tiny_config(11));
    save_checkpoint(pretrained, file.path.string());

    SequenceClassifier classifier(tiny_config(12), 4);
    const Tensor head_before = classifier.classifier.weight.clone();
    const LoadReport report = load_checkpoint_partial(classifier, file.path.string());

    CHECK(report.loaded == names_of(classifier, "body."));
    CHECK(report.loaded.size() == names_of(pretrained, "body.").size());
    CHECK(report.skipped == std::vector<std::string>{"mlm_head.weight", "mlm_head.bias"});
    CHECK(report.missing == std::vector<std::string>{"classifier.weight", "classifier.bias"});

    const auto source = pretrained.named_parameters();
    const auto target = classifier.named_parameters();
    for (size_t i = 0; i < report.loaded.size(); ++i) {
        INFO(source[i].first);
        REQUIRE(source[i].first == target[i].first);
        CHECK(same_bits(source[i].second, target[i].second));
    }
    CHECK(same_bits(classifier.classifier.weight, head_before));  // left as initialized
}

TEST_CASE("a frozen body stays bit-identical while the head trains", "[pretraining]") {
    SequenceClassifier model(tiny_config(), 2);
    model.body.set_requires_grad(false);
    std::vector<Tensor> body_before;
    for (const Tensor& p : model.body.parameters()) body_before.push_back(p.clone());
    const Tensor head_before = model.classifier.weight.clone();

    optim::AdamW optimizer(model.named_parameters(), 1e-2f);
    const IndexTensor ids({5, 6, 7, 8, 9, 10, 4, 0}, {2, 4});
    const IndexTensor labels({0, 1});
    for (int step = 0; step < 3; ++step) {
        optimizer.zero_grad();
        cross_entropy(model.forward(ids), labels, kNoIgnoreIndex).backward();
        optimizer.step();
    }
    const std::vector<Tensor> body_after = model.body.parameters();
    for (size_t i = 0; i < body_after.size(); ++i) {
        CHECK_FALSE(body_after[i].grad().defined());
        CHECK(same_bits(body_after[i], body_before[i]));
    }
    CHECK_FALSE(same_bits(model.classifier.weight, head_before));
}

TEST_CASE("a classifier fits a tiny labelled set", "[pretraining]") {
    SequenceClassifier model(tiny_config(), 2);
    // Class 1 iff the sequence contains token 9; lengths vary, so padding is exercised.
    const IndexTensor ids({5, 9, 7, 0, 4, 5, 6, 7, 9, 9, 0, 0, 6, 6, 4, 0,  //
                           8, 9, 5, 0, 4, 4, 0, 0, 7, 8, 6, 5, 9, 0, 0, 0},
                          {8, 4});
    const IndexTensor labels({1, 0, 1, 0, 1, 0, 0, 1});
    optim::Adam optimizer(model.named_parameters(), 3e-3f);
    float loss = 0;
    for (int step = 0; step < 60; ++step) {
        optimizer.zero_grad();
        const Tensor l = cross_entropy(model.forward(ids), labels, kNoIgnoreIndex);
        l.backward();
        optimizer.step();
        loss = l.item();
    }
    CHECK(loss < 0.05f);
    const IndexTensor guess = argmax(model.forward(ids), 1);
    CHECK(guess.values() == labels.values());
}

TEST_CASE("the decoder-only model is causal and learns to predict the next token",
          "[pretraining]") {
    DecoderOnly model(tiny_config());
    model.eval();
    CHECK(model.body.config.causal);

    // Changing token 3 leaves the logits at positions 0..2 unchanged, and changes position 3's.
    const Tensor a = model.forward(IndexTensor({5, 6, 7, 8, 9}, {1, 5}));
    const Tensor b = model.forward(IndexTensor({5, 6, 7, 4, 9}, {1, 5}));
    REQUIRE(a.shape() == Shape{1, 5, 12});
    for (int64_t i = 0; i < 3 * 12; ++i) CHECK(a.data()[i] == b.data()[i]);
    bool changed = false;
    for (int64_t i = 3 * 12; i < 4 * 12; ++i) changed = changed || a.data()[i] != b.data()[i];
    CHECK(changed);

    // A counting pattern is learned: the loss falls well below log V.
    model.train();
    const IndexTensor ids({3, 4, 5, 6, 7, 8, 9, 10, 5, 6, 7, 8, 9, 10, 0, 0}, {2, 8});
    optim::Adam optimizer(model.named_parameters(), 3e-3f);
    const float first = model.next_token_loss(ids).item();
    CHECK(first > 1.5f);
    float last = first;
    for (int step = 0; step < 40; ++step) {
        optimizer.zero_grad();
        const Tensor loss = model.next_token_loss(ids);
        loss.backward();
        optimizer.step();
        last = loss.item();
    }
    CHECK(last < 0.2f * first);

    CHECK_THROWS_AS(model.next_token_loss(IndexTensor({5, 6}, {2, 1})), ShapeError);
}
