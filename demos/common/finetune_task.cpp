// demos/common/finetune_task.cpp — the dialects and fortunes tasks (finetune_task.h).
#include "demos/common/finetune_task.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <utility>

#include "core/error.h"
#include "core/ops.h"
#include "text/tokenizer.h"

namespace demo {

FinetuneTask dialect_task(const DialectOptions& options, int64_t labeled, int64_t held_out) {
    const auto world = std::make_shared<const Dialects>(options);
    FinetuneTask task;
    task.name = "dialects";
    for (int64_t k = 0; k < options.dialects; ++k) {
        task.classes.push_back("dialect " + std::to_string(k));
    }
    task.vocabulary = world->vocabulary_size();
    task.max_length = world->max_length();
    task.pad_id = Dialects::kPad;
    task.mask_id = Dialects::kMask;
    task.held_out = world->sentences(held_out, 999'999);
    task.unlabeled = [world](int64_t count, ag::Generator& generator) {
        std::vector<Sentence> sentences;  // the dialect is drawn, then forgotten
        for (int64_t i = 0; i < count; ++i) {
            sentences.push_back(
                world->sample(generator.integer(world->options().dialects), generator));
        }
        return sentences;
    };
    task.labeled = [world, labeled](uint64_t seed) {
        return world->sentences(labeled, 1000 + seed);
    };
    task.to_text = [world](const std::vector<int64_t>& ids) { return world->to_text(ids); };
    return task;
}

namespace {

constexpr int64_t kFortuneMask = ag::text::kFirstMergedId;  // 258: after the bytes and specials

// The position of the document's topic in `topics`, or -1 if it is not one of them.
int64_t topic_label(const std::vector<std::string>& topics, const Document& document) {
    const auto topic = std::find(topics.begin(), topics.end(), document.topic);
    return topic == topics.end() ? -1 : topic - topics.begin();
}

// A document's first `max_length` bytes as ids, labelled `label`.
Sentence fortune_sentence(const Document& document, int64_t label, int64_t max_length) {
    const size_t length = std::min(document.text.size(), static_cast<size_t>(max_length));
    Sentence sentence{.ids = {}, .label = label};
    for (size_t i = 0; i < length; ++i) {
        sentence.ids.push_back(static_cast<unsigned char>(document.text[i]));
    }
    return sentence;
}

}  // namespace

FinetuneTask fortune_task(const Corpus& corpus, const std::vector<std::string>& topics,
                          int64_t per_topic, int64_t max_length) {
    if (topics.size() < 2 || per_topic < 1 || max_length < 1) {
        throw ag::ValueError("fortune_task: needs 2 or more topics (got " +
                             std::to_string(topics.size()) + "), per_topic >= 1 (got " +
                             std::to_string(per_topic) + ") and max_length >= 1 (got " +
                             std::to_string(max_length) + ")");
    }
    // by_topic[k]: the training fortunes of topic k, as sequences; unlabeled: every one.
    auto by_topic = std::make_shared<std::vector<std::vector<Sentence>>>(topics.size());
    auto unlabeled = std::make_shared<std::vector<Sentence>>();
    FinetuneTask task;
    for (const Document& document : corpus.train) {
        unlabeled->push_back(fortune_sentence(document, 0, max_length));
        const int64_t label = topic_label(topics, document);
        if (label < 0) continue;
        (*by_topic)[static_cast<size_t>(label)].push_back(
            fortune_sentence(document, label, max_length));
    }
    for (const Document& document : corpus.held_out) {
        const int64_t label = topic_label(topics, document);
        if (label >= 0) task.held_out.push_back(fortune_sentence(document, label, max_length));
    }
    for (size_t k = 0; k < topics.size(); ++k) {
        const bool held = std::any_of(task.held_out.begin(), task.held_out.end(),
                                      [k](const Sentence& s) { return s.label == int64_t(k); });
        if ((*by_topic)[k].empty() || !held) {
            throw ag::ValueError("fortune_task: the corpus has no " +
                                 std::string((*by_topic)[k].empty() ? "training" : "held-out") +
                                 " document of topic '" + topics[k] +
                                 "' (a topic is the name of the file a document is in)");
        }
    }
    task.name = "fortunes";
    task.classes = topics;
    task.vocabulary = kFortuneMask + 1;
    task.max_length = max_length;
    task.pad_id = ag::text::kPadding;
    task.mask_id = kFortuneMask;
    task.unlabeled = [unlabeled](int64_t count, ag::Generator& generator) {
        std::vector<Sentence> sentences;
        for (int64_t i = 0; i < count; ++i) {
            sentences.push_back(
                (*unlabeled)[generator.integer(static_cast<int64_t>(unlabeled->size()))]);
        }
        return sentences;
    };
    task.labeled = [by_topic, per_topic](uint64_t seed) {
        ag::Generator generator(1000 + seed);
        std::vector<Sentence> labeled;
        for (std::vector<Sentence> pool : *by_topic) {
            // A partial Fisher-Yates shuffle: the first `take` of a uniformly random order.
            const size_t take = std::min(pool.size(), static_cast<size_t>(per_topic));
            for (size_t i = 0; i < take; ++i) {
                const auto j = i + static_cast<size_t>(
                                       generator.integer(static_cast<int64_t>(pool.size() - i)));
                std::swap(pool[i], pool[j]);
                labeled.push_back(pool[i]);
            }
        }
        return labeled;
    };
    task.to_text = [](const std::vector<int64_t>& ids) {
        std::string text;
        for (const int64_t id : ids) {
            const bool printable = id >= 32 && id < 127;
            text += printable ? static_cast<char>(id) : id == '\n' ? '|' : '?';
        }
        return text;
    };
    return task;
}

double accuracy(ag::nn::SequenceClassifier& model, const std::vector<Sentence>& examples,
                int64_t pad_id) {
    if (examples.empty()) throw ag::ValueError("accuracy: no examples");
    ag::NoGradGuard no_grad;
    model.eval();
    int64_t right = 0;
    for (size_t begin = 0; begin < examples.size(); begin += 250) {
        const size_t end = std::min(examples.size(), begin + 250);
        const SentenceBatch batch = pad_sentences(
            std::vector<Sentence>(examples.begin() + begin, examples.begin() + end), pad_id);
        const ag::IndexTensor guess = ag::argmax(model.forward(batch.ids), 1);  // [B]
        for (int64_t i = 0; i < guess.numel(); ++i) {
            right += guess.data()[i] == batch.labels.data()[i] ? 1 : 0;
        }
    }
    model.train();
    return static_cast<double>(right) / static_cast<double>(examples.size());
}

Spread spread(const std::vector<double>& values) {
    if (values.empty()) throw ag::ValueError("spread: no values");
    Spread result;
    for (const double v : values) result.mean += v / static_cast<double>(values.size());
    if (values.size() < 2) return result;
    for (const double v : values) result.sd += (v - result.mean) * (v - result.mean);
    result.sd = std::sqrt(result.sd / static_cast<double>(values.size() - 1));
    return result;
}

Series mean_curve(const std::vector<Series>& curves, const std::string& label) {
    if (curves.empty()) throw ag::ValueError("mean_curve: no curves");
    Series mean{label, curves[0].x, std::vector<double>(curves[0].x.size(), 0.0)};
    for (const Series& curve : curves) {
        if (curve.x != mean.x || curve.y.size() != mean.y.size()) {
            throw ag::ValueError("mean_curve: the curves do not share their x");
        }
        for (size_t i = 0; i < mean.y.size(); ++i) {
            mean.y[i] += curve.y[i] / static_cast<double>(curves.size());
        }
    }
    return mean;
}

}  // namespace demo
