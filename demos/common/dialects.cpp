// demos/common/dialects.cpp — the dialects world: rules from permutations, sentences from rules.
#include "demos/common/dialects.h"

#include <algorithm>

#include "core/error.h"

namespace demo {

namespace {

// A uniformly random permutation of 0..n-1 (Fisher-Yates).
std::vector<int64_t> permutation(int64_t n, ag::Generator& generator) {
    std::vector<int64_t> p(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) p[i] = i;
    for (int64_t i = n - 1; i > 0; --i) std::swap(p[i], p[generator.integer(i + 1)]);
    return p;
}

}  // namespace

Dialects::Dialects(const DialectOptions& o) : options_(o) {
    if (o.dialects < 1 || o.letters < 2 || o.letters > 26 || o.successors < 1 ||
        o.successors > o.letters || o.min_length < 1 || o.max_length < o.min_length) {
        throw ag::ValueError(
            "Dialects: need 1 <= dialects, 2 <= letters <= 26, 1 <= successors "
            "<= letters, 1 <= min_length <= max_length; got dialects " +
            std::to_string(o.dialects) + ", letters " + std::to_string(o.letters) +
            ", successors " + std::to_string(o.successors) + ", lengths " +
            std::to_string(o.min_length) + ".." + std::to_string(o.max_length));
    }
    // Dialect k allows after letter x the letters p_1(x), ..., p_m(x) for m random
    // permutations p_j of its own. Every letter then also has m predecessors, so the chain's
    // steady state is uniform: all dialects use every letter equally often.
    ag::Generator generator(o.seed);
    next_.resize(static_cast<size_t>(o.dialects));
    for (auto& rules : next_) {
        rules.assign(static_cast<size_t>(o.letters), {});
        for (int64_t j = 0; j < o.successors; ++j) {
            const std::vector<int64_t> p = permutation(o.letters, generator);
            for (int64_t x = 0; x < o.letters; ++x) rules[x].push_back(p[x]);
        }
    }
}

Sentence Dialects::sample(int64_t dialect, ag::Generator& generator) const {
    if (dialect < 0 || dialect >= options_.dialects) {
        throw ag::IndexError("Dialects::sample: dialect " + std::to_string(dialect) +
                             " outside [0, " + std::to_string(options_.dialects) + ")");
    }
    const int64_t length =
        options_.min_length + generator.integer(options_.max_length - options_.min_length + 1);
    Sentence sentence{.ids = {}, .label = dialect};
    int64_t letter = generator.integer(options_.letters);
    for (int64_t t = 0; t < length; ++t) {
        sentence.ids.push_back(kFirstLetter + letter);
        const std::vector<int64_t>& allowed = next_[dialect][letter];
        letter = allowed[generator.integer(static_cast<int64_t>(allowed.size()))];
    }
    return sentence;
}

std::vector<Sentence> Dialects::sentences(int64_t count, uint64_t seed) const {
    ag::Generator generator(seed);
    std::vector<Sentence> out;
    for (int64_t i = 0; i < count; ++i) {
        out.push_back(sample(generator.integer(options_.dialects), generator));
    }
    return out;
}

std::string Dialects::to_text(const std::vector<int64_t>& ids) const {
    std::string text;
    for (const int64_t id : ids) {
        text += id == kPad ? '_' : id == kMask ? '?' : static_cast<char>('a' + id - kFirstLetter);
    }
    return text;
}

SentenceBatch pad_sentences(const std::vector<Sentence>& sentences, int64_t pad_id) {
    if (sentences.empty()) throw ag::ValueError("pad_sentences: no sentences");
    size_t length = 0;
    for (const Sentence& s : sentences) length = std::max(length, s.ids.size());
    std::vector<int64_t> ids(sentences.size() * length, pad_id), labels;
    for (size_t b = 0; b < sentences.size(); ++b) {
        std::copy(sentences[b].ids.begin(), sentences[b].ids.end(), ids.begin() + b * length);
        labels.push_back(sentences[b].label);
    }
    const auto batch = static_cast<int64_t>(sentences.size());
    return {ag::IndexTensor(ids, {batch, static_cast<int64_t>(length)}),
            ag::IndexTensor(labels, {batch})};
}

}  // namespace demo
