// tests/test_nn_decoding.cpp — beam search's stopping rule and score (nn/decoding.h), on a
// model whose next-token probabilities are written out by hand, so every number is known.
#include <cmath>
#include <map>

#include "catch.h"
#include "core/ops.h"
#include "nn/decoding.h"

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
