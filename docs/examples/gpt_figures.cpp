// docs/examples/gpt_figures.cpp — the figures of the GPT page (docs/gpt.md): the first merges
// BPE learns on a small text, worked out step by step, and how temperature, top-k and top-p
// reshape one next-token distribution.
//
//     gpt_figures <directory>     writes bpe_merges.txt and sampling.svg there
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "demos/common/plot.h"
#include "nn/sampling.h"
#include "text/tokenizer.h"

namespace {

// A token's bytes as the page shows them: a space is drawn as '_' so it can be seen.
std::string shown(const std::string& bytes) {
    std::string s;
    for (const char c : bytes) s += c == ' ' ? '_' : c;
    return s;
}

// Each merge of BPE trained on `text`, with the text's tokens after it.
std::string worked_merges(const std::string& text, int64_t merges) {
    using ag::text::BpeTokenizer;
    std::ostringstream out;
    const auto tokens_of = [&](const BpeTokenizer& bpe) {
        std::string line;
        for (const int64_t id : bpe.encode(text)) line += "[" + shown(bpe.token_bytes(id)) + "]";
        return line;
    };
    out << "text: \"" << text << "\"\n\n";
    out << "bytes (" << text.size() << " tokens):\n  " << tokens_of(BpeTokenizer({})) << "\n";
    //! [bpe_train_small]
    const BpeTokenizer bpe = BpeTokenizer::train(text, ag::text::kFirstMergedId + merges);
    //! [bpe_train_small]
    std::vector<ag::text::Merge> learned;
    for (const ag::text::Merge& m : bpe.merges()) {
        learned.push_back(m);
        const BpeTokenizer so_far(learned);
        const int64_t id = ag::text::kFirstMergedId + int64_t(learned.size()) - 1;
        out << "\nmerge " << learned.size() << ": [" << shown(so_far.token_bytes(m.left)) << "] + ["
            << shown(so_far.token_bytes(m.right)) << "] -> id " << id << " ["
            << shown(so_far.token_bytes(id)) << "] (" << so_far.encode(text).size()
            << " tokens):\n  " << tokens_of(so_far) << "\n";
    }
    return out.str();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const std::string directory = argv[1];
    demo::write_text_file(directory + "/bpe_merges.txt",
                          worked_merges("the cat sat on the mat; the cat ate the rat", 6));

    // Eight next-token logits, most likely first, and five ways to draw from them.
    const std::vector<float> logits{3.0f, 2.5f, 2.0f, 1.2f, 1.0f, 0.5f, 0.0f, -0.5f};
    struct Way {
        std::string label;
        ag::nn::SamplingOptions options;
    };
    const std::vector<Way> ways{{"T = 1 (the model's own)", {1.0f, 0, 1.0f}},
                                {"T = 0.5 (sharper)", {0.5f, 0, 1.0f}},
                                {"T = 2 (flatter)", {2.0f, 0, 1.0f}},
                                {"top-k = 3", {1.0f, 3, 1.0f}},
                                {"top-p = 0.8", {1.0f, 0, 0.8f}}};
    std::vector<std::string> tokens;
    for (size_t i = 0; i < logits.size(); ++i) tokens.push_back("token " + std::to_string(i));
    std::vector<demo::BarSeries> bars;
    for (const Way& way : ways) {
        const std::vector<float> p = ag::nn::sampling_distribution(logits, way.options);
        bars.push_back({way.label, std::vector<double>(p.begin(), p.end())});
    }
    demo::write_text_file(directory + "/sampling.svg",
                          demo::bar_chart_svg("one distribution, five ways to draw from it",
                                              "next token (logits 3, 2.5, 2, 1.2, 1, 0.5, 0, -0.5)",
                                              "probability", tokens, bars));
    return 0;
}
