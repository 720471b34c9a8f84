// demos/common/tasks.cpp — copy, reverse, sort and addition.
#include "demos/common/tasks.h"

#include <algorithm>

#include "core/error.h"

namespace demo {

Task::Task(const std::vector<std::string>& symbols, std::string separator)
    : vocabulary_{"<pad>", "<s>", "</s>"}, separator_(std::move(separator)) {
    vocabulary_.insert(vocabulary_.end(), symbols.begin(), symbols.end());
}

std::string Task::to_text(const std::vector<int64_t>& ids) const {
    std::string text;
    for (size_t i = 0; i < ids.size(); ++i) {
        if (i > 0) text += separator_;
        const bool known = ids[i] >= 0 && ids[i] < vocabulary_size();
        text += known ? vocabulary_[ids[i]] : "?";
    }
    return text;
}

std::vector<Example> Task::examples(int64_t count, uint64_t seed) const {
    ag::Generator generator(seed);
    std::vector<Example> drawn;
    for (int64_t i = 0; i < count; ++i) drawn.push_back(sample(generator));
    return drawn;
}

namespace {

std::vector<std::string> digits(int64_t count) {
    std::vector<std::string> symbols;
    for (int64_t d = 0; d < count; ++d) symbols.push_back(std::to_string(d));
    return symbols;
}

// copy, reverse and sort share everything but the map from source to target.
class SequenceTask : public Task {
public:
    SequenceTask(std::string kind, const SequenceTaskOptions& options)
        : Task(digits(options.symbols), " "), kind_(std::move(kind)), options_(options) {}

    std::string name() const override { return kind_; }
    int64_t max_source_length() const override { return options_.max_length; }
    int64_t max_target_length() const override { return options_.max_length; }

    Example sample(ag::Generator& generator) const override {
        const int64_t length =
            options_.min_length + generator.integer(options_.max_length - options_.min_length + 1);
        Example example;
        for (int64_t i = 0; i < length; ++i) {
            example.source.push_back(3 + generator.integer(options_.symbols));
        }
        example.target = example.source;
        if (kind_ == "reverse") std::reverse(example.target.begin(), example.target.end());
        if (kind_ == "sort") std::sort(example.target.begin(), example.target.end());
        return example;
    }

private:
    std::string kind_;
    SequenceTaskOptions options_;
};

class AdditionTask : public Task {
public:
    explicit AdditionTask(int64_t max_digits) : Task(symbols(), ""), max_digits_(max_digits) {}

    std::string name() const override { return "add"; }
    int64_t max_source_length() const override { return 2 * max_digits_ + 1; }
    int64_t max_target_length() const override { return max_digits_ + 1; }

    Example sample(ag::Generator& generator) const override {
        const int64_t a = number(generator), b = number(generator);
        Example example;
        append_digits(example.source, a);
        example.source.push_back(kPlus);
        append_digits(example.source, b);
        append_digits(example.target, a + b);
        return example;
    }

private:
    static constexpr int64_t kPlus = 3 + 10;  // after the ten digits

    static std::vector<std::string> symbols() {
        std::vector<std::string> all = digits(10);
        all.push_back("+");
        return all;
    }
    // A number of 1..max_digits digits, each length equally likely (so short sums are seen).
    int64_t number(ag::Generator& generator) const {
        const int64_t length = 1 + generator.integer(max_digits_);
        int64_t low = 1;
        for (int64_t i = 1; i < length; ++i) low *= 10;
        return length == 1 ? generator.integer(10) : low + generator.integer(9 * low);
    }
    static void append_digits(std::vector<int64_t>& ids, int64_t value) {
        const std::string text = std::to_string(value);
        for (char c : text) ids.push_back(3 + (c - '0'));
    }

    int64_t max_digits_;
};

}  // namespace

std::unique_ptr<Task> make_sequence_task(const std::string& kind,
                                         const SequenceTaskOptions& options) {
    if (kind != "copy" && kind != "reverse" && kind != "sort") {
        throw ag::ValueError("make_sequence_task: unknown task '" + kind +
                             "' (copy, reverse or sort)");
    }
    if (options.min_length < 1 || options.max_length < options.min_length || options.symbols < 2 ||
        options.symbols > 10) {
        throw ag::ValueError(
            "make_sequence_task: need 1 <= min_length <= max_length and "
            "2 <= symbols <= 10");
    }
    return std::make_unique<SequenceTask>(kind, options);
}

std::unique_ptr<Task> make_addition_task(int64_t max_digits) {
    if (max_digits < 1 || max_digits > 9) {
        throw ag::ValueError("make_addition_task: max_digits must be in [1, 9], got " +
                             std::to_string(max_digits));
    }
    return std::make_unique<AdditionTask>(max_digits);
}

}  // namespace demo
