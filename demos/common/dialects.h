// demos/common/dialects.h — a toy world where pretraining helps: sentences in a few dialects
// of one made-up language, and the question "which dialect is this?".
//
// The language has `letters` letters (a, b, c, ...). A dialect is a rule for which letters may
// follow which: from each letter, `successors` letters are allowed, each equally likely (a
// Markov chain). The dialects share the letters and even how often each letter appears (every
// letter is as frequent as every other in all of them, because each rule is built from
// permutations); they differ only in which pairs of neighbours are allowed. So a sentence's
// dialect cannot be read off any single letter: it takes knowing the rules.
//
//     dialect 0:  crchlqdhlinnkf                 dialect 1:  cfatrenocsatjhkq
//
// Unlabelled sentences are cheap (draw as many as you like); labels (the dialect) are few.
// A model that has learned, by filling in masked letters, which letters follow which in each
// dialect has most of what the labelled task needs; a model that sees only a few hundred
// labelled sentences must discover the rules from them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/index_tensor.h"
#include "core/random.h"

namespace demo {

/// One sentence of the world: its letters as token ids, and the dialect that wrote it.
struct Sentence {
    std::vector<int64_t> ids;  ///< token ids of the letters, no padding
    int64_t label = 0;         ///< the class: the dialect that wrote it, or a fortune's topic
};

/// The sizes of the world.
struct DialectOptions {
    int64_t dialects = 4;     ///< K, the number of classes
    int64_t letters = 20;     ///< the alphabet size
    int64_t successors = 3;   ///< letters allowed after each letter, in every dialect
    int64_t min_length = 12;  ///< sentence lengths are uniform in [min_length, max_length]
    int64_t max_length = 20;
    uint64_t seed = 2017;  ///< seeds the rules (the world), not the sentences
};

/// The world of the top of this file. Token ids: 0 <pad>, 1 <mask>, then the letters.
class Dialects {
public:
    static constexpr int64_t kPad = 0;   ///< padding, ignored by attention and pooling
    static constexpr int64_t kMask = 1;  ///< what masked-token prediction hides a letter with
    static constexpr int64_t kFirstLetter = 2;  ///< the id of 'a'

    /// Draws the rules from options.seed. Throws ag::ValueError unless 1 <= dialects,
    /// 2 <= letters <= 26, 1 <= successors <= letters and 1 <= min_length <= max_length.
    explicit Dialects(const DialectOptions& options);

    /// One sentence of dialect `dialect`: a uniformly random first letter, then each next one
    /// drawn uniformly from the letters the dialect allows after the previous one.
    Sentence sample(int64_t dialect, ag::Generator& generator) const;
    /// `count` sentences, each of a uniformly random dialect, from a generator seeded `seed`.
    std::vector<Sentence> sentences(int64_t count, uint64_t seed) const;

    /// The letters as text, e.g. "fmcjepkb" (pad as '_', mask as '?').
    std::string to_text(const std::vector<int64_t>& ids) const;
    /// The token ids a model must know: <pad>, <mask> and the letters.
    int64_t vocabulary_size() const { return kFirstLetter + options_.letters; }
    /// The longest sentence.
    int64_t max_length() const { return options_.max_length; }
    /// The sizes the world was built with.
    const DialectOptions& options() const { return options_; }

private:
    DialectOptions options_;
    // next_[k][x]: the letters (0-based) dialect k allows after letter x.
    std::vector<std::vector<std::vector<int64_t>>> next_;
};

/// A batch of sentences padded to the longest.
struct SentenceBatch {
    ag::IndexTensor ids;     ///< [B, S]
    ag::IndexTensor labels;  ///< [B]: the labels
};

/// Pads with `pad_id` and stacks `sentences`. Throws ag::ValueError if the list is empty.
SentenceBatch pad_sentences(const std::vector<Sentence>& sentences,
                            int64_t pad_id = Dialects::kPad);

}  // namespace demo
