// docs/examples/decoding_example.cpp — the worked example of the decoding page
// (docs/decoding.md): greedy decoding and beam search, run by ag::nn::greedy_decode and
// ag::nn::beam_search themselves, on a model small enough to check by hand.
//
// The model is a bigram table: the next token's probabilities depend on the last token alone.
// It implements the same ag::nn::Seq2SeqModel interface as the Transformer, so the decoders
// cannot tell the difference.
//
//     decoding_example <directory>     writes decoding_example.txt there
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/ops.h"
#include "demos/common/plot.h"
#include "nn/decoding.h"

namespace {

// Tokens: 0 begins a sequence, 1 ends it, then three words.
constexpr int64_t kBos = 0, kEos = 1, kVocabulary = 5;
const char* const kNames[kVocabulary] = {"<s>", "</s>", "A", "B", "C"};

// P(next | last), one row per last token. Greedy takes A first (0.5), but A spreads what follows
// thin; B (0.4) leads to C almost surely.
//! [bigram_table]
constexpr double kNext[kVocabulary][kVocabulary] = {
    // <s> </s>  A    B    C
    {0.0, 0.0, 0.5, 0.4, 0.1},  // after <s>
    {0.0, 1.0, 0.0, 0.0, 0.0},  // after </s> (never asked: decoding stops there)
    {0.0, 0.0, 0.3, 0.3, 0.4},  // after A
    {0.0, 0.1, 0.0, 0.0, 0.9},  // after B
    {0.0, 0.9, 0.0, 0.0, 0.1},  // after C
};
//! [bigram_table]

// A logit per next token: log p, and -30 (e^-30, about 1e-13) where p is 0.
float logit(int64_t last, int64_t next) {
    const double p = kNext[last][next];
    return p > 0 ? static_cast<float>(std::log(p)) : -30.0f;
}

// What the bigram model remembers between steps: nothing. Its table needs only the last
// token, which arrives with each step, so beam search's reordering (select) has nothing to move.
struct BigramState : ag::nn::DecoderState {
    void select(const ag::IndexTensor&) override {}
};

class BigramModel : public ag::nn::Seq2SeqModel {
public:
    ag::Tensor forward(const ag::IndexTensor&, const ag::IndexTensor& target_input) override {
        const int64_t batch = target_input.shape()[0], length = target_input.shape()[1];
        ag::Tensor logits({batch, length, kVocabulary});
        for (int64_t i = 0; i < batch * length; ++i) {
            for (int64_t v = 0; v < kVocabulary; ++v) {
                logits.data()[i * kVocabulary + v] = logit(target_input.data()[i], v);
            }
        }
        return logits;
    }
    std::unique_ptr<ag::nn::DecoderState> start_decoding(const ag::IndexTensor&) override {
        return std::make_unique<BigramState>();
    }
    ag::Tensor decode_step(ag::nn::DecoderState&, const ag::IndexTensor& tokens) override {
        const int64_t batch = tokens.numel();
        ag::Tensor logits({batch, kVocabulary});
        for (int64_t b = 0; b < batch; ++b) {
            for (int64_t v = 0; v < kVocabulary; ++v) {
                logits.data()[b * kVocabulary + v] = logit(tokens.data()[b], v);
            }
        }
        return logits;
    }
    std::map<std::string, std::string> config_metadata() const override { return {}; }
};

std::string words(const std::vector<int64_t>& tokens) {
    std::string text;
    for (const int64_t t : tokens) text += std::string(text.empty() ? "" : " ") + kNames[t];
    return text.empty() ? "(nothing)" : text;
}

// p(tokens, then </s>) under the table.
double probability(const std::vector<int64_t>& tokens) {
    double p = 1;
    int64_t last = kBos;
    for (const int64_t t : tokens) p *= kNext[last][t], last = t;
    return p * kNext[last][kEos];
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    BigramModel model;
    const ag::IndexTensor source(std::vector<int64_t>{0}, {1, 1});  // the table ignores it
    std::string out;
    char line[200];

    const std::vector<int64_t> greedy = ag::nn::greedy_decode(model, source, kBos, kEos, 6)[0];
    std::snprintf(line, sizeof line, "greedy_decode:         %-8s p = %.3f\n",
                  words(greedy).c_str(), probability(greedy));
    out += line;
    for (const int64_t width : {1, 2}) {
        //! [beam_search_call]
        const std::vector<ag::nn::Hypothesis> beams =
            ag::nn::beam_search(model, source, kBos, kEos, /*max_length=*/6,
                                /*beam_width=*/width, /*length_penalty=*/0.0f);
        //! [beam_search_call]
        for (size_t i = 0; i < beams.size(); ++i) {
            std::snprintf(line, sizeof line,
                          "beam_search, width %lld: %-8s p = %.3f  (log p = %.3f)%s\n",
                          static_cast<long long>(width), words(beams[i].tokens).c_str(),
                          std::exp(beams[i].log_probability), beams[i].log_probability,
                          i == 0 ? "  <- best" : "");
            out += line;
        }
    }

    // Every sequence of at most three words, most likely first: what a search over all of
    // them would find.
    std::vector<std::pair<double, std::vector<int64_t>>> all;
    std::vector<std::vector<int64_t>> frontier{{}};
    for (int length = 1; length <= 3; ++length) {
        std::vector<std::vector<int64_t>> longer;
        for (const auto& prefix : frontier) {
            for (int64_t t = 2; t < kVocabulary; ++t) {
                auto tokens = prefix;
                tokens.push_back(t);
                if (probability(tokens) > 0) all.emplace_back(probability(tokens), tokens);
                longer.push_back(tokens);
            }
        }
        frontier = longer;
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& x, const auto& y) { return x.first > y.first; });
    out += "\nthe most likely sequences of at most three words (each then </s>):\n";
    for (size_t i = 0; i < std::min<size_t>(5, all.size()); ++i) {
        std::snprintf(line, sizeof line, "  %-8s p = %.3f\n", words(all[i].second).c_str(),
                      all[i].first);
        out += line;
    }
    demo::write_text_file(std::string(argv[1]) + "/decoding_example.txt", out);
    return 0;
}
