// demos/common/tasks.h — the toy sequence-to-sequence tasks the demos learn.
//
// Each task draws (source, target) pairs of token ids from a seeded generator. They are small
// enough to learn in seconds, and each needs something different:
//   copy     "3 1 4 1 5" -> "3 1 4 1 5"    the identity: attention looks straight across
//   reverse  "3 1 4 1 5" -> "5 1 4 1 3"    attention must look at the mirror position
//   sort     "3 1 4 1 5" -> "1 1 3 4 5"    needs to compare every token with every other
//   add      "4 7 + 1 8" -> "6 5"           carries: the output depends on several inputs
// Token ids 0, 1 and 2 are the special tokens <pad>, <s> (begin) and </s> (end); the task's
// symbols follow from id 3.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"

namespace demo {

inline constexpr int64_t kPad = 0;  ///< padding, ignored by the loss and masked by attention
inline constexpr int64_t kBos = 1;  ///< begins every decoder input
inline constexpr int64_t kEos = 2;  ///< ends every target

/// One training example: token ids, without <s> or </s>.
struct Example {
    std::vector<int64_t> source;
    std::vector<int64_t> target;
};

/// A generator of examples with its vocabulary.
class Task {
public:
    virtual ~Task() = default;
    /// The task's name, as on the command line ("reverse").
    virtual std::string name() const = 0;
    /// Draws one example.
    virtual Example sample(ag::Generator& generator) const = 0;
    /// The longest source and target sample() can produce.
    virtual int64_t max_source_length() const = 0;
    virtual int64_t max_target_length() const = 0;

    /// Token strings by id: "<pad>", "<s>", "</s>", then the symbols.
    const std::vector<std::string>& vocabulary() const { return vocabulary_; }
    int64_t vocabulary_size() const { return static_cast<int64_t>(vocabulary_.size()); }
    /// Ids as text, e.g. "3 1 4 1 5" (digits) or "47+18" (addition, no spaces).
    std::string to_text(const std::vector<int64_t>& ids) const;
    /// `count` examples drawn from a generator seeded with `seed`.
    std::vector<Example> examples(int64_t count, uint64_t seed) const;

protected:
    /// Builds the vocabulary: the three special tokens, then `symbols`; `separator` goes
    /// between tokens in to_text.
    Task(const std::vector<std::string>& symbols, std::string separator);

private:
    std::vector<std::string> vocabulary_;
    std::string separator_;
};

/// Sizes of the sequence tasks: lengths drawn uniformly from [min_length, max_length]
/// (equal for fixed-length sequences), symbols from the first `symbols` digits.
struct SequenceTaskOptions {
    int64_t min_length = 10;
    int64_t max_length = 10;
    int64_t symbols = 10;
};

/// copy, reverse or sort (see the top of this file). Throws ag::ValueError for an unknown
/// kind or bad lengths (min < 1, max < min, symbols outside [2, 10]).
std::unique_ptr<Task> make_sequence_task(const std::string& kind,
                                         const SequenceTaskOptions& options);

/// Addition of two numbers of 1 to `max_digits` digits: "a+b" -> the digits of a + b.
/// Throws ag::ValueError unless 1 <= max_digits <= 9.
std::unique_ptr<Task> make_addition_task(int64_t max_digits);

}  // namespace demo
