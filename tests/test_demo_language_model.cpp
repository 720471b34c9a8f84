// tests/test_demo_language_model.cpp — token streams, random windows and the loss per byte
// (demos/common/language_model.h).
#include <cmath>
#include <string>
#include <vector>

#include "catch.h"
#include "core/autograd.h"
#include "core/error.h"
#include "demos/common/language_model.h"

using namespace demo;

namespace {

std::vector<Document> documents(const std::vector<std::string>& texts) {
    std::vector<Document> out;
    for (const std::string& t : texts) out.push_back({t, "topic"});
    return out;
}

ag::nn::GPTConfig tiny() {
    return {.vocabulary = ag::text::kFirstMergedId + 2,
            .context = 4,
            .d_model = 8,
            .heads = 2,
            .layers = 1,
            .d_ff = 16,
            .seed = 5};
}

}  // namespace

TEST_CASE("a token stream is the documents, each ended by end-of-text", "[demo][lm]") {
    const ag::text::ByteTokenizer bytes;
    const TokenStream stream = encode_documents(bytes, documents({"ab", "c"}));
    const int64_t eot = ag::text::kEndOfText;
    CHECK(stream.ids == std::vector<int64_t>{'a', 'b', eot, 'c', eot});
    CHECK(stream.bytes == 3);
}

TEST_CASE("random windows: targets are the inputs one position on", "[demo][lm]") {
    TokenStream stream;
    for (int64_t i = 0; i < 50; ++i) stream.ids.push_back(i);  // id = position
    ag::Generator generator(3), again(3);
    const TextBatch batch = random_windows(stream, 6, 5, generator);
    REQUIRE(batch.inputs.shape() == ag::Shape{6, 5});
    REQUIRE(batch.targets.shape() == ag::Shape{6, 5});
    for (int64_t b = 0; b < 6; ++b) {
        const int64_t start = batch.inputs.data()[b * 5];
        CHECK(start + 5 < 50);  // the last target is in the stream
        for (int64_t t = 0; t < 5; ++t) {
            CHECK(batch.inputs.data()[b * 5 + t] == start + t);
            CHECK(batch.targets.data()[b * 5 + t] == start + t + 1);
        }
    }
    const TextBatch same = random_windows(stream, 6, 5, again);
    CHECK(std::equal(same.inputs.data(), same.inputs.data() + 30, batch.inputs.data()));
    // The window may start at any offset up to the last that fits, and every one is drawn.
    std::vector<int> seen(50, 0);
    ag::Generator many(1);
    for (int i = 0; i < 200; ++i)
        ++seen[size_t(random_windows(stream, 8, 5, many).inputs.data()[0])];
    for (int64_t o = 0; o < 45; ++o) CHECK(seen[size_t(o)] > 0);
    for (int64_t o = 45; o < 50; ++o) CHECK(seen[size_t(o)] == 0);

    stream.ids.resize(5);
    CHECK_THROWS_AS(random_windows(stream, 1, 5, generator), ag::ValueError);  // needs 6
    CHECK_THROWS_AS(random_windows(stream, 0, 2, generator), ag::ValueError);
}

TEST_CASE("loss per byte: the held-out cost in nats over the bytes the targets stand for",
          "[demo][lm]") {
    // A BPE tokenizer with one merge ("a", "b") -> 258, so tokens stand for 1 or 2 bytes, and
    // end-of-text for none.
    const ag::text::BpeTokenizer bpe({{'a', 'b'}});
    const TokenStream stream = encode_documents(bpe, documents({"abab cab", "ab", "bca"}));
    ag::nn::GPT model(tiny());
    model.train();

    // By hand: consecutive windows of 4, each position's -log p(target) from the logits.
    const int64_t context = 4, windows = (int64_t(stream.ids.size()) - 1) / context;
    REQUIRE(windows == 2);
    double nats = 0, bytes = 0;
    {
        ag::NoGradGuard no_grad;
        model.eval();
        for (int64_t w = 0; w < windows; ++w) {
            const int64_t* window = stream.ids.data() + w * context;
            const ag::Tensor logits = model.forward(
                ag::IndexTensor(std::vector<int64_t>(window, window + context), {1, context}));
            const int64_t v = model.config.vocabulary;
            for (int64_t t = 0; t < context; ++t) {
                const float* row = logits.data() + t * v;
                double sum = 0;
                for (int64_t i = 0; i < v; ++i) sum += std::exp(double(row[i]));
                nats += std::log(sum) - double(row[window[t + 1]]);
                bytes += double(bpe.token_bytes(window[t + 1]).size());
            }
        }
        model.train();
    }
    CHECK(loss_per_byte(model, bpe, stream) == Approx(nats / bytes).epsilon(1e-5));
    CHECK(loss_per_byte(model, bpe, stream, 0, 1) == Approx(nats / bytes).epsilon(1e-5));
    CHECK(model.is_training());  // left in the mode it was in
    // max_tokens 4 reads only the first window.
    CHECK(loss_per_byte(model, bpe, stream, 4) != Approx(nats / bytes).epsilon(1e-5));
    TokenStream short_stream = stream;
    short_stream.ids.resize(4);
    CHECK_THROWS_AS(loss_per_byte(model, bpe, short_stream), ag::ValueError);
}
