// tests/test_nn_decoding.cpp — beam search's stopping rule and score (nn/decoding.h): on a
// model whose next-token probabilities are written out by hand, so every number is known,
// and on a Transformer trained to duplicate tokens.
#include <cmath>
#include <map>

#include "catch.h"
#include "core/ops.h"
#include "nn/decoding.h"
#include "nn/loss.h"
#include "nn/transformer.h"
#include "optim/optimizer.h"

using namespace ag;
using namespace ag::nn;

namespace {

constexpr int64_t kBos = 0, kEos = 1, kA = 2, kB = 3;

// p(next | prefix) by table: a prefix missing from the table ends at once (p(eos) = 1).
class ScriptedModel : public Seq2SeqModel {
public:
    std::map<std::vector<int64_t>, std::vector<double>> next;  // over {bos, eos, a, b}

    Tensor forward(const IndexTensor&, const IndexTensor&) override {
        throw ValueError("ScriptedModel: decoding only");
    }
    std::unique_ptr<DecoderState> start_decoding(const IndexTensor&) override {
        return std::make_unique<State>();
    }
    Tensor decode_step(DecoderState& base, const IndexTensor& tokens) override {
        State& state = static_cast<State&>(base);
        std::vector<float> logits;
        for (int64_t row = 0; row < tokens.numel(); ++row) {
            std::vector<int64_t>& prefix = state.prefixes[static_cast<size_t>(row)];
            if (tokens.values()[static_cast<size_t>(row)] != kBos) {
                prefix.push_back(tokens.values()[static_cast<size_t>(row)]);
            }
            const auto found = next.find(prefix);
            const std::vector<double> p =
                found != next.end() ? found->second : std::vector<double>{0, 1, 0, 0};
            for (double q : p) logits.push_back(static_cast<float>(std::log(std::max(q, 1e-30))));
        }
        return from_vector(logits, {tokens.numel(), 4});
    }
    std::map<std::string, std::string> config_metadata() const override { return {}; }

private:
    struct State : DecoderState {
        std::vector<std::vector<int64_t>> prefixes{{}};
        void select(const IndexTensor& rows) override {
            std::vector<std::vector<int64_t>> kept;
            for (int64_t row : rows.values()) kept.push_back(prefixes[static_cast<size_t>(row)]);
            prefixes = std::move(kept);
        }
    };
};

}  // namespace

TEST_CASE("beam search does not stop while a better sequence is alive", "[nn][decoding]") {
    // Greedy: a (0.6), a (0.7), eos (0.99): "a a" with p = 0.4158. At step 2 three sequences
    // have already ended: "" (0.35), "a" (0.6 * 0.3 = 0.18) and "b" (0.05 * 0.9 = 0.045), more
    // than a width of 2, while "a a" (0.42 so far) is alive and better than all of them.
    ScriptedModel model;
    model.next[{}] = {0, 0.35, 0.6, 0.05};
    model.next[{kA}] = {0, 0.3, 0.7, 0};
    model.next[{kB}] = {0, 0.9, 0.1, 0};
    model.next[{kA, kA}] = {0, 0.99, 0.01, 0};
    const IndexTensor source({5}, {1, 1});
    const auto greedy = greedy_decode(model, source, kBos, kEos, 6);
    REQUIRE(greedy[0] == std::vector<int64_t>{kA, kA});
    for (int64_t width : {2, 3, 4}) {
        INFO("width " << width);
        const auto beams = beam_search(model, source, kBos, kEos, 6, width, 0.0f);
        REQUIRE(beams[0].tokens == greedy[0]);
        REQUIRE(beams[0].log_probability == Approx(std::log(0.6 * 0.7 * 0.99)));
    }
}

TEST_CASE("beam search's score: log p over ((5 + length) / 6)^alpha, eos counted",
          "[nn][decoding]") {
    ScriptedModel model;
    model.next[{}] = {0, 0.5, 0.5, 0};  // "" (0.5), or "a" then eos (0.5 * 1)
    const IndexTensor source({5}, {1, 1});
    const auto beams = beam_search(model, source, kBos, kEos, 4, 2, 1.0f);
    REQUIRE(beams.size() == 2);
    // "a": log 0.5 over (5 + 2) / 6, longer by one step than "" (log 0.5 over (5 + 1) / 6),
    // so with alpha = 1 it ranks first.
    REQUIRE(beams[0].tokens == std::vector<int64_t>{kA});
    REQUIRE(beams[0].score == Approx(std::log(0.5) / (7.0 / 6.0)));
    REQUIRE(beams[1].tokens.empty());
    REQUIRE(beams[1].score == Approx(std::log(0.5) / 1.0));
}

TEST_CASE("beam search returns no partial sequence when it stops early", "[nn][decoding]") {
    // length_penalty -1: score = log p * (5 + length) / 6, which favours short sequences.
    // Step 0: "" ends (p 0.4, score log 0.4); "a" lives (0.6). Step 1: "a a" lives (0.312),
    // "a" ends (0.288, score -1.452). Two have ended, and "a a" can reach at best
    // log 0.312 * 8/6 = -1.553 (with eos at length 3): the search stops. Unfinished, "a a"
    // would score log 0.312 * 7/6 = -1.359, better than "a", but it is not a hypothesis.
    ScriptedModel model;
    model.next[{}] = {0, 0.4, 0.6, 0};
    model.next[{kA}] = {0, 0.48, 0.52, 0};
    const IndexTensor source({5}, {1, 1});
    const auto beams = beam_search(model, source, kBos, kEos, 6, 2, -1.0f);
    REQUIRE(beams.size() == 2);
    REQUIRE(beams[0].tokens.empty());
    REQUIRE(beams[1].tokens == std::vector<int64_t>{kA});
    REQUIRE(beams[1].score == Approx(std::log(0.288) * 7.0 / 6.0));

    // With max_length 2 the same step is the last: "a a" is cut off there and, as a
    // hypothesis without eos of length 2, outscores "a".
    const auto cut = beam_search(model, source, kBos, kEos, 2, 2, -1.0f);
    REQUIRE(cut.size() == 2);
    REQUIRE(cut[0].tokens.empty());
    REQUIRE(cut[1].tokens == std::vector<int64_t>{kA, kA});
    REQUIRE(cut[1].score == Approx(std::log(0.312) * 7.0 / 6.0));
}

TEST_CASE("beam search refuses a length penalty that is not a number", "[nn][decoding]") {
    ScriptedModel model;
    const IndexTensor source({5}, {1, 1});
    for (float alpha : {std::nanf(""), INFINITY}) {
        REQUIRE_THROWS_AS(beam_search(model, source, kBos, kEos, 4, 2, alpha), ValueError);
    }
}

TEST_CASE("beam search finds greedy's answer on a trained model at every width",
          "[nn][decoding][training]") {
    // Duplicate every token: 3 1 4 -> 3 3 1 1 4 4. Ids: 0 pad, 1 bos, 2 eos, 3..12 digits.
    Transformer model({.source_vocabulary = 13,
                       .target_vocabulary = 13,
                       .d_model = 32,
                       .heads = 2,
                       .encoder_layers = 1,
                       .decoder_layers = 1,
                       .d_ff = 64,
                       .dropout = 0.0f,
                       .max_length = 12,
                       .seed = 5});
    optim::Adam adam(model.named_parameters(), 3e-3f);
    Generator generator(11);
    const auto example = [&](std::vector<int64_t>& source, std::vector<int64_t>& target) {
        source.clear(), target.clear();
        for (int i = 0; i < 4; ++i) {
            const int64_t digit = 3 + generator.integer(10);
            source.push_back(digit);
            target.insert(target.end(), {digit, digit});
        }
    };
    constexpr int64_t kBatch = 32, kSource = 4, kTarget = 9;  // 8 tokens and eos
    for (int step = 0; step < 300; ++step) {
        std::vector<int64_t> sources, inputs, outputs, s, t;
        for (int b = 0; b < kBatch; ++b) {
            example(s, t);
            sources.insert(sources.end(), s.begin(), s.end());
            inputs.push_back(1);
            inputs.insert(inputs.end(), t.begin(), t.end());
            outputs.insert(outputs.end(), t.begin(), t.end());
            outputs.push_back(2);
        }
        adam.zero_grad();
        const Tensor logits = model.forward(IndexTensor(sources, {kBatch, kSource}),
                                            IndexTensor(inputs, {kBatch, kTarget}));
        cross_entropy(logits, IndexTensor(outputs, {kBatch, kTarget}), 0).backward();
        adam.step();
    }
    model.eval();
    int greedy_right = 0;
    for (int i = 0; i < 30; ++i) {
        std::vector<int64_t> s, t;
        example(s, t);
        const IndexTensor source(s, {1, kSource});
        const auto greedy = greedy_decode(model, source, 1, 2, 12)[0];
        if (greedy != t) continue;
        ++greedy_right;
        for (int64_t width : {2, 4, 6}) {
            INFO("example " << i << ", width " << width);
            REQUIRE(beam_search(model, source, 1, 2, 12, width)[0].tokens == greedy);
        }
    }
    REQUIRE(greedy_right >= 20);  // the model learned the task, so the check above meant something
}
