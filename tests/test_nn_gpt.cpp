// tests/test_nn_gpt.cpp — the GPT of nn/gpt.h: one tied weight, causality, the KV cache
// against recomputation, and generate() against greedy decoding worked step by step.
#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "catch.h"
#include "core/autograd.h"
#include "core/error.h"
#include "file_helpers.h"
#include "io/safetensors.h"
#include "nn/checkpoint.h"
#include "nn/config_metadata.h"
#include "nn/gpt.h"
#include "optim/optimizer.h"

using namespace ag;
using namespace ag::nn;

namespace {

GPTConfig tiny(uint64_t seed = 3) {
    return {.vocabulary = 11,
            .context = 8,
            .d_model = 16,
            .heads = 2,
            .layers = 2,
            .d_ff = 32,
            .seed = seed};
}

IndexTensor ids_of(const std::vector<int64_t>& ids) {
    return IndexTensor(ids, {1, static_cast<int64_t>(ids.size())});
}

// The logits of the last position, recomputed from scratch.
std::vector<float> last_logits(GPT& model, const std::vector<int64_t>& ids) {
    NoGradGuard no_grad;
    const Tensor logits = model.forward(ids_of(ids));
    const float* row = logits.data() + (logits.shape()[1] - 1) * model.config.vocabulary;
    return {row, row + model.config.vocabulary};
}

}  // namespace

TEST_CASE("GPT: the output layer is the token embedding, one parameter", "[nn][gpt]") {
    GPT model(tiny());
    const auto named = model.named_parameters();
    std::set<std::string> names;
    for (const auto& [name, p] : named) names.insert(name);
    CHECK(names.size() == named.size());
    CHECK(names.count("token_embedding.weight") == 1);
    CHECK(names.count("position_embedding.weight") == 1);
    CHECK(names.count("blocks.1.self_attention.query.weight") == 1);
    for (const auto& name : names) CHECK(name.find("head") == std::string::npos);
    // V D + T D, per block 4 (D D + D) + (D F + F) + (F D + D) + 2 (2 D) norms, final norm 2 D.
    const int64_t d = 16, f = 32, per_block = 4 * (d * d + d) + (d * f + f) + (f * d + d) + 4 * d;
    int64_t count = 0;
    for (const auto& [name, p] : named) count += p.numel();
    CHECK(count == 11 * d + 8 * d + 2 * per_block + 2 * d);

    // The checkpoint stores the tied weight once, and loads back into a fresh model exactly.
    const test::TempDir folder;
    const std::string path = folder.file("gpt.safetensors");
    save_checkpoint(model, path);
    const io::SafetensorsFile file = io::read_safetensors(path);
    CHECK(file.tensors.size() == named.size());
    GPT other(tiny(99));
    load_checkpoint(other, path);
    const Tensor a = model.token_embedding.weight, b = other.token_embedding.weight;
    CHECK(std::equal(a.data(), a.data() + a.numel(), b.data()));
}

TEST_CASE("GPT: the tied weight's gradient sums both of its uses", "[nn][gpt]") {
    GPT model(tiny());
    const IndexTensor inputs = ids_of({1, 4, 2, 7, 7, 3});
    const IndexTensor targets = ids_of({4, 2, 7, 7, 3, 9});
    model.loss(inputs, targets, -1).backward();
    const Tensor weight = model.token_embedding.weight;
    const Tensor grad = weight.grad();
    // Central differences on elements of rows used as inputs, as targets only, and neither.
    Tensor w = weight;
    float* values = w.data();
    for (const int64_t row : {1, 9, 10}) {
        for (const int64_t column : {0, 5, 13}) {
            const int64_t i = row * 16 + column;
            const float saved = values[i], h = 1e-2f;
            NoGradGuard no_grad;
            values[i] = saved + h;
            const float up = model.loss(inputs, targets, -1).item();
            values[i] = saved - h;
            const float down = model.loss(inputs, targets, -1).item();
            values[i] = saved;
            const float numeric = (up - down) / (2 * h);
            CHECK(grad.data()[i] == Approx(numeric).margin(2e-4f).epsilon(0.02f));
        }
    }
    // Row 10 is neither an input nor a target, yet every logit scores against it.
    float row_10 = 0.0f;
    for (int64_t c = 0; c < 16; ++c) row_10 += std::abs(grad.data()[10 * 16 + c]);
    CHECK(row_10 > 0.0f);

    // Adam updates it once per step: one entry among its parameters.
    optim::Adam adam(model.named_parameters(), 1e-3f);
    const std::vector<float> before(values, values + w.numel());
    adam.step();
    CHECK(values[1 * 16] != before[1 * 16]);
}

TEST_CASE("GPT: position t sees positions 0..t only", "[nn][gpt]") {
    GPT model(tiny());
    const std::vector<int64_t> a{1, 2, 3, 4, 5, 6}, b{1, 2, 3, 9, 9, 9};
    NoGradGuard no_grad;
    const Tensor la = model.forward(ids_of(a)), lb = model.forward(ids_of(b));
    const int64_t v = 11;
    for (int64_t i = 0; i < 3 * v; ++i) CHECK(la.data()[i] == Approx(lb.data()[i]).margin(1e-5));
    bool later_differ = false;
    for (int64_t i = 3 * v; i < 6 * v; ++i) later_differ |= la.data()[i] != lb.data()[i];
    CHECK(later_differ);
}

TEST_CASE("GPT: cached decoding gives the logits of recomputation", "[nn][gpt]") {
    GPT model(tiny());
    model.eval();
    const std::vector<int64_t> ids{3, 1, 4, 1, 5, 9, 2, 6};
    std::vector<KeyValueCache> caches(model.blocks.size());
    NoGradGuard no_grad;
    // A prompt of three, then one token a step.
    Tensor step = model.forward(ids_of({3, 1, 4}), &caches);
    for (size_t t = 3; t <= ids.size(); ++t) {
        const std::vector<int64_t> prefix(ids.begin(), ids.begin() + static_cast<long>(t));
        const std::vector<float> expected = last_logits(model, prefix);
        const float* got = step.data() + (step.shape()[1] - 1) * 11;
        for (int64_t j = 0; j < 11; ++j) CHECK(got[j] == Approx(expected[j]).margin(1e-4));
        if (t < ids.size()) step = model.forward(ids_of({ids[t]}), &caches);
    }
    CHECK_THROWS_AS(model.forward(ids_of({1}), &caches), ShapeError);  // the context is full
    std::vector<KeyValueCache> too_few(1);
    CHECK_THROWS_AS(model.forward(ids_of({1}), &too_few), ValueError);
    CHECK_THROWS_AS(model.forward(ids_of(std::vector<int64_t>(9, 1))), ShapeError);
}

TEST_CASE("generate: greedy step by step, top-k 1, seeds, and the sliding window", "[nn][gpt]") {
    GPT model(tiny(5));
    const std::vector<int64_t> prompt{2, 7};
    // Greedy by hand, recomputing every step, past the context of 8 (the window slides).
    std::vector<int64_t> tokens = prompt, expected;
    for (int step = 0; step < 12; ++step) {
        const std::vector<int64_t> window(tokens.end() - std::min<long>(8, long(tokens.size())),
                                          tokens.end());
        const std::vector<float> logits = last_logits(model, window);
        const int64_t id = std::max_element(logits.begin(), logits.end()) - logits.begin();
        tokens.push_back(id);
        expected.push_back(id);
    }
    CHECK(generate(model, prompt, 12, {.sampling = {.temperature = 0.0f}}) == expected);
    CHECK(generate(model, prompt, 12, {.sampling = {.top_k = 1}, .seed = 9}) == expected);
    CHECK(generate(model, prompt, 12, {.sampling = {.temperature = 0.0f}, .use_cache = false}) ==
          expected);
    CHECK(model.is_training());  // left as it was

    const GenerationOptions sampled{.sampling = {.temperature = 1.5f, .top_p = 0.95f}, .seed = 4};
    CHECK(generate(model, prompt, 20, sampled) == generate(model, prompt, 20, sampled));
    GenerationOptions other = sampled;
    other.seed = 5;
    CHECK(generate(model, prompt, 20, sampled) != generate(model, prompt, 20, other));
    // It stops after the stop token.
    const int64_t stop = expected[2];
    const std::vector<int64_t> stopped =
        generate(model, prompt, 12, {.sampling = {.temperature = 0.0f}, .stop_token = stop});
    const auto first = std::find(expected.begin(), expected.end(), stop);
    CHECK(stopped == std::vector<int64_t>(expected.begin(), first + 1));

    CHECK_THROWS_AS(generate(model, {}, 3), ValueError);
    CHECK_THROWS_AS(generate(model, prompt, -1), ValueError);
    CHECK_THROWS_AS(generate(model, {11}, 3), IndexError);
    CHECK(model.is_training());
}

TEST_CASE("GPT: its configuration reads back from checkpoint metadata, strictly", "[nn][gpt]") {
    GPTConfig config = tiny(~uint64_t{0});
    config.dropout = 0.25f;
    std::map<std::string, std::string> metadata = config_metadata(config);
    CHECK(metadata.at("config.model") == "gpt");
    CHECK(metadata.at("config.context") == "8");
    const GPTConfig read = gpt_config_from(metadata, "g.safetensors");
    CHECK(config_metadata(read) == metadata);
    CHECK(read.seed == config.seed);
    CHECK(read.dropout == config.dropout);

    // Another model's file, and a missing field, are named.
    CHECK_THAT(test::checkpoint_error(
                   [&] { gpt_config_from(config_metadata(TransformerConfig{}), "t.safetensors"); }),
               Contains("t.safetensors: the file holds a 'transformer' model, expected 'gpt'"));
    metadata.erase("config.context");
    CHECK_THAT(test::checkpoint_error([&] { gpt_config_from(metadata, "g.safetensors"); }),
               Contains("config.context"));
}
