// tests/test_demo_finetune_task.cpp — the tasks of demos/pretrain_finetune
// (demos/common/finetune_task.h): what is labelled, what is held out, what pretraining reads,
// and the figures reported over seeds.
#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "catch.h"
#include "core/error.h"
#include "core/ops.h"
#include "demos/common/finetune_task.h"
#include "text/tokenizer.h"

using namespace demo;

namespace {

// A corpus of three topics, `n` documents each, split as read_corpus splits (every 10th held
// out). Documents are "<topic> <i>" followed by `tail`.
Corpus three_topics(int n, const std::string& tail = "") {
    Corpus corpus;
    int index = 0;
    for (const std::string topic : {"alpha", "beta", "other"}) {
        for (int i = 0; i < n; ++i) {
            Document document{.text = topic + " " + std::to_string(i) + tail, .topic = topic};
            (++index % 10 == 0 ? corpus.held_out : corpus.train).push_back(document);
        }
    }
    return corpus;
}

std::string as_text(const std::vector<int64_t>& ids) {
    std::string text;
    for (const int64_t id : ids) text += static_cast<char>(id);
    return text;
}

}  // namespace

TEST_CASE("fortune_task labels the chosen topics and holds out their held-out documents",
          "[demo][finetune]") {
    const Corpus corpus = three_topics(40);
    const FinetuneTask task = fortune_task(corpus, {"beta", "alpha"}, 5, 64);
    CHECK(task.name == "fortunes");
    CHECK(task.classes == std::vector<std::string>{"beta", "alpha"});
    // Bytes, then end of text and padding, then the mask: no byte is padding or the mask.
    CHECK(task.pad_id == ag::text::kPadding);
    CHECK(task.mask_id == 258);
    CHECK(task.vocabulary == 259);
    // Held out: the 4 held-out documents of each chosen topic, labelled by the topic's position.
    REQUIRE(task.held_out.size() == 8);
    for (const Sentence& s : task.held_out) {
        const std::string text = as_text(s.ids);
        CHECK(text.rfind(s.label == 0 ? "beta " : "alpha ", 0) == 0);
        const bool held = std::any_of(corpus.held_out.begin(), corpus.held_out.end(),
                                      [&](const Document& d) { return d.text == text; });
        CHECK(held);
    }
}

TEST_CASE("fortune_task draws at most per_topic training documents per topic, by seed",
          "[demo][finetune]") {
    const Corpus corpus = three_topics(40);
    const FinetuneTask task = fortune_task(corpus, {"alpha", "beta"}, 5, 64);
    const std::vector<Sentence> labeled = task.labeled(1);
    REQUIRE(labeled.size() == 10);
    std::set<std::string> seen;
    int per_label[2] = {0, 0};
    for (const Sentence& s : labeled) {
        const std::string text = as_text(s.ids);
        seen.insert(text);
        ++per_label[s.label];
        CHECK(text.rfind(s.label == 0 ? "alpha " : "beta ", 0) == 0);
        const bool trained = std::any_of(corpus.train.begin(), corpus.train.end(),
                                         [&](const Document& d) { return d.text == text; });
        CHECK(trained);  // never a held-out document
    }
    CHECK(seen.size() == 10);  // without replacement
    CHECK(per_label[0] == 5);
    CHECK(per_label[1] == 5);
    // The same seed gives the same examples; another seed, others.
    const std::vector<Sentence> again = task.labeled(1), other = task.labeled(2);
    for (size_t i = 0; i < labeled.size(); ++i) CHECK(again[i].ids == labeled[i].ids);
    bool differs = false;
    for (size_t i = 0; i < labeled.size(); ++i) differs |= other[i].ids != labeled[i].ids;
    CHECK(differs);
    // A topic with fewer training documents than per_topic gives all it has.
    CHECK(fortune_task(corpus, {"alpha", "beta"}, 1000, 64).labeled(1).size() == 72);
}

TEST_CASE("fortune_task pretrains on every training document, cut to max_length bytes",
          "[demo][finetune]") {
    const Corpus corpus = three_topics(40, std::string(100, 'x') + '\0');
    const FinetuneTask task = fortune_task(corpus, {"alpha", "beta"}, 5, 16);
    ag::Generator generator(7);
    std::set<std::string> topics;
    for (const Sentence& s : task.unlabeled(300, generator)) {
        CHECK(s.ids.size() == 16);
        const std::string text = as_text(s.ids);
        topics.insert(text.substr(0, text.find(' ')));
    }
    CHECK(topics == std::set<std::string>{"alpha", "beta", "other"});  // unlabelled: all files
    for (const Sentence& s : task.held_out) CHECK(s.ids.size() == 16);
    // A byte 0 in a fortune stays a byte: padding is 257.
    const FinetuneTask whole = fortune_task(corpus, {"alpha", "beta"}, 5, 200);
    const SentenceBatch batch = pad_sentences({whole.held_out[0], {{65}, 0}}, whole.pad_id);
    CHECK(batch.ids.values()[whole.held_out[0].ids.size() - 1] == 0);
    CHECK(batch.ids.values().back() == ag::text::kPadding);
}

TEST_CASE("fortune_task names a topic the corpus lacks", "[demo][finetune]") {
    const Corpus corpus = three_topics(40);
    CHECK_THROWS_WITH(fortune_task(corpus, {"alpha", "gamma"}, 5, 64),
                      test::matchers::Contains("topic 'gamma'"));
    CHECK_THROWS_AS(fortune_task(corpus, {"alpha"}, 5, 64), ag::ValueError);
    CHECK_THROWS_AS(fortune_task(corpus, {"alpha", "beta"}, 0, 64), ag::ValueError);
    Corpus no_held_out = corpus;
    no_held_out.held_out.clear();
    CHECK_THROWS_WITH(fortune_task(no_held_out, {"alpha", "beta"}, 5, 64),
                      test::matchers::Contains("held-out"));
}

TEST_CASE("dialect_task is the dialects world", "[demo][finetune]") {
    const FinetuneTask task = dialect_task({}, 30, 50);
    CHECK(task.name == "dialects");
    CHECK(task.classes.size() == 4);
    CHECK(task.held_out.size() == 50);
    CHECK(task.labeled(3).size() == 30);
    CHECK(task.pad_id == Dialects::kPad);
    CHECK(task.mask_id == Dialects::kMask);
    // The labelled sentences of a seed are those pretrain_finetune always drew for it.
    const std::vector<Sentence> expected = Dialects({}).sentences(30, 1000 + 3);
    for (size_t i = 0; i < expected.size(); ++i) CHECK(task.labeled(3)[i].ids == expected[i].ids);
}

TEST_CASE("spread is the mean and the sample standard deviation", "[demo][finetune]") {
    const Spread two = spread({0.5, 0.7});
    CHECK(two.mean == Approx(0.6));
    CHECK(two.sd == Approx(std::sqrt(0.02)));
    CHECK(spread({0.4}).sd == 0.0);
    CHECK_THROWS_AS(spread({}), ag::ValueError);
}

TEST_CASE("mean_curve averages point by point and refuses curves of other x", "[demo][finetune]") {
    const Series mean = mean_curve({{"a", {0, 10}, {0.2, 0.6}}, {"b", {0, 10}, {0.4, 1.0}}}, "m");
    CHECK(mean.label == "m");
    CHECK(mean.x == std::vector<double>{0, 10});
    CHECK(mean.y[0] == Approx(0.3));
    CHECK(mean.y[1] == Approx(0.8));
    CHECK_THROWS_AS(mean_curve({{"a", {0, 10}, {0, 0}}, {"b", {0, 20}, {0, 0}}}, "m"),
                    ag::ValueError);
    CHECK_THROWS_AS(mean_curve({}, "m"), ag::ValueError);
}

TEST_CASE("accuracy in padded batches equals the argmax of each example alone",
          "[demo][finetune]") {
    const Corpus corpus = three_topics(300);
    const FinetuneTask task = fortune_task(corpus, {"alpha", "beta", "other"}, 5, 32);
    REQUIRE(task.held_out.size() == 90);
    ag::nn::SequenceClassifier model({.vocabulary = task.vocabulary,
                                      .d_model = 16,
                                      .heads = 2,
                                      .layers = 1,
                                      .d_ff = 32,
                                      .max_length = task.max_length,
                                      .pad_id = task.pad_id,
                                      .seed = 5},
                                     3);
    int64_t right = 0;
    {
        ag::NoGradGuard no_grad;
        model.eval();
        for (const Sentence& s : task.held_out) {
            const ag::IndexTensor ids(s.ids, {1, static_cast<int64_t>(s.ids.size())});
            right += ag::argmax(model.forward(ids), 1).data()[0] == s.label ? 1 : 0;
        }
        model.train();
    }
    CHECK(accuracy(model, task.held_out, task.pad_id) == Approx(right / 90.0));
    CHECK(model.is_training());
    CHECK_THROWS_AS(accuracy(model, {}, task.pad_id), ag::ValueError);
}
