// tests/test_demo_dialects.cpp — the dialects world of the pretrain_finetune demo
// (demos/common/dialects.h): sentences follow their dialect's rules, and padding.
#include <cstdlib>
#include <set>
#include <utility>

#include "catch.h"
#include "core/error.h"
#include "demos/common/dialects.h"

using demo::Dialects;

TEST_CASE("dialect sentences follow a few rules each, and use every letter alike",
          "[pretraining][dialects]") {
    const Dialects world(
        {.dialects = 3, .letters = 10, .successors = 2, .min_length = 4, .max_length = 9});
    CHECK(world.vocabulary_size() == 12);
    ag::Generator generator(5);
    std::vector<std::set<std::pair<int64_t, int64_t>>> pairs(3);
    std::vector<int64_t> letter_count(10, 0);
    int64_t letters = 0;
    for (int i = 0; i < 3000; ++i) {
        const int64_t dialect = i % 3;
        const demo::Sentence s = world.sample(dialect, generator);
        CHECK(s.label == dialect);
        REQUIRE(s.ids.size() >= 4);
        REQUIRE(s.ids.size() <= 9);
        for (size_t t = 0; t < s.ids.size(); ++t) {
            REQUIRE(s.ids[t] >= Dialects::kFirstLetter);
            REQUIRE(s.ids[t] < world.vocabulary_size());
            ++letter_count[s.ids[t] - Dialects::kFirstLetter];
            ++letters;
            if (t > 0) pairs[dialect].insert({s.ids[t - 1], s.ids[t]});
        }
    }
    // Each dialect allows at most letters x successors neighbour pairs; they are not the same.
    for (const auto& allowed : pairs) CHECK(allowed.size() <= 20);
    CHECK(pairs[0] != pairs[1]);
    CHECK(pairs[1] != pairs[2]);
    // Every letter about equally often (uniform steady state): within 20% of the mean.
    for (const int64_t count : letter_count) CHECK(std::abs(count * 10 - letters) < letters / 5);

    // The same seed, the same sentences.
    const auto a = world.sentences(20, 9), b = world.sentences(20, 9);
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i].ids == b[i].ids);
    CHECK(world.to_text({0, 1, 2, 3}) == "_?ab");
}

TEST_CASE("pad_sentences pads to the longest sentence", "[pretraining][dialects]") {
    const demo::SentenceBatch batch = demo::pad_sentences({{{2, 3, 4}, 1}, {{5}, 0}});
    CHECK(batch.ids.shape() == ag::Shape{2, 3});
    CHECK(batch.ids.values() == std::vector<int64_t>{2, 3, 4, 5, 0, 0});
    CHECK(batch.labels.values() == std::vector<int64_t>{1, 0});
    CHECK_THROWS_AS(demo::pad_sentences({}), ag::ValueError);
    // Another padding id: a byte-level task pads with text::kPadding, since 0 is a byte.
    const demo::SentenceBatch bytes = demo::pad_sentences({{{7}, 0}, {{8, 9}, 1}}, 257);
    CHECK(bytes.ids.values() == std::vector<int64_t>{7, 257, 8, 9});
}

TEST_CASE("Dialects rejects impossible sizes", "[pretraining][dialects]") {
    CHECK_THROWS_AS(Dialects({.letters = 30}), ag::ValueError);
    CHECK_THROWS_AS(Dialects({.letters = 4, .successors = 5}), ag::ValueError);
    CHECK_THROWS_AS(Dialects({.min_length = 5, .max_length = 4}), ag::ValueError);
    const Dialects world({});
    ag::Generator generator(1);
    CHECK_THROWS_AS(world.sample(4, generator), ag::IndexError);
}
