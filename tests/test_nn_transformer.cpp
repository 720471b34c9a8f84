// tests/test_nn_transformer.cpp — encoder/decoder blocks, the Transformer, cross_entropy and
// decoding (nn/transformer.h, nn/loss.h, nn/decoding.h).
#include <cmath>

#include "catch.h"
#include "nn/decoding.h"
#include "nn/loss.h"
#include "nn/transformer.h"
#include "test_helpers.h"

using namespace ag;
using namespace ag::nn;
using Inputs = std::vector<Tensor>;

namespace {
TransformerConfig tiny_config() {
    return TransformerConfig{.source_vocabulary = 11,
                             .target_vocabulary = 13,
                             .d_model = 16,
                             .heads = 4,
                             .encoder_layers = 2,
                             .decoder_layers = 2,
                             .d_ff = 32,
                             .dropout = 0.0f,
                             .max_length = 32,
                             .pad_id = 0,
                             .seed = 5};
}

IndexTensor random_ids(int64_t batch, int64_t length, int64_t vocabulary, uint64_t seed) {
    Generator generator(seed);
    std::vector<int64_t> ids(batch * length);
    for (int64_t& id : ids) id = 3 + generator.integer(vocabulary - 3);  // 0..2: pad, bos, eos
    return IndexTensor(ids, {batch, length});
}
}  // namespace

TEST_CASE("the Transformer names its parameters as PyTorch would", "[nn][transformer]") {
    Transformer model(tiny_config());
    const auto named = model.named_parameters();
    auto has = [&](const std::string& name) {
        return std::any_of(named.begin(), named.end(),
                           [&](const auto& entry) { return entry.first == name; });
    };
    REQUIRE(has("encoder.layers.0.self_attention.query.weight"));
    REQUIRE(has("decoder.layers.1.cross_attention.output.bias"));
    REQUIRE(has("decoder.layers.1.feed_forward.expand.weight"));
    REQUIRE(has("encoder.norm.weight"));
    REQUIRE(has("output.weight"));
    // 2 encoder layers of 4*(16*16+16) + (16*32+32 + 32*16+16) + 2*2*16, 2 decoder layers with
    // one attention more and one norm more, embeddings, output projection and final norms.
    const int64_t attention = 4 * (16 * 16 + 16), feed_forward = 16 * 32 + 32 + 32 * 16 + 16;
    const int64_t expected = 2 * (attention + feed_forward + 2 * 32) +
                             2 * (2 * attention + feed_forward + 3 * 32) + 2 * 32 + 11 * 16 +
                             13 * 16 + 13 * 16 + 13;
    REQUIRE(model.parameter_count() == expected);

    TransformerConfig tied = tiny_config();
    tied.source_vocabulary = 13;
    tied.tie_output_embedding = true;
    Transformer tied_model(tied);
    REQUIRE(tied_model.output.weight.data() == tied_model.target_embedding.weight.data());
    // A larger source vocabulary (+2 rows), and no separate output weight (-13 rows).
    REQUIRE(tied_model.parameter_count() == expected + 2 * 16 - 13 * 16);
    REQUIRE_THROWS_AS(Transformer(TransformerConfig{.d_model = 10, .heads = 4}), ValueError);
}

TEST_CASE("encoder and decoder layers, post-norm and pre-norm, gradcheck", "[nn][transformer]") {
    for (bool norm_first : {false, true}) {
        INFO("norm_first " << norm_first);
        TransformerConfig config{
            .d_model = 4, .heads = 2, .d_ff = 6, .dropout = 0.0f, .norm_first = norm_first};
        Generator generator(1);
        EncoderLayer encoder_layer(config, generator);
        DecoderLayer decoder_layer(config, generator);
        test::require_gradcheck([&](const Inputs& x) { return encoder_layer.forward(x[0]); },
                                {test::random({1, 3, 4}, 2)});
        test::require_gradcheck(
            [&](const Inputs& x) { return decoder_layer.forward(x[0], x[1], causal_mask(2)); },
            {test::random({1, 2, 4}, 3), test::random({1, 3, 4}, 4)});
    }
}

// A loss that scores padding trains the model to predict padding: cross_entropy has no
// default ignore_index, so forgetting the pad id does not compile.
template <class Logits>
concept scores_without_saying_what_to_ignore = requires(Logits logits, IndexTensor targets) {
    cross_entropy(logits, targets);
};
static_assert(!scores_without_saying_what_to_ignore<Tensor>);

TEST_CASE("cross_entropy: values, padding, label smoothing, gradients, errors", "[nn][loss]") {
    const Tensor logits = from_vector({1, 2, 3, 1, 1, 1, 0, 5, 0}, {3, 3});
    const IndexTensor targets({2, 0, -100});
    const float row0 = std::log(std::exp(1.f) + std::exp(2.f) + std::exp(3.f)) - 3.0f;
    const float row1 = std::log(3.0f);
    REQUIRE(cross_entropy(logits, targets, -100).item() == Approx((row0 + row1) / 2));
    // Label smoothing 0.3 over 3 classes: q = 0.7 onehot + 0.1 everywhere.
    const Tensor log_p = log_softmax(slice(logits, 0, 0, 2));
    const float smoothed = -(0.7f * log_p.at({0, 2}) + 0.1f * sum(slice(log_p, 0, 0, 1)).item() +
                             0.7f * log_p.at({1, 0}) + 0.1f * sum(slice(log_p, 0, 1, 2)).item()) /
                           2.0f;
    REQUIRE(cross_entropy(logits, targets, -100, 0.3f).item() == Approx(smoothed));
    REQUIRE(cross_entropy(logits, IndexTensor({-100, -100, -100}), -100).item() == 0.0f);
    test::require_gradcheck(
        [&](const Inputs& x) { return cross_entropy(x[0], targets, -100, 0.1f); },
        {test::random({3, 3}, 7)});
    test::require_gradcheck(
        [](const Inputs& x) {
            return cross_entropy(x[0], IndexTensor({1, 0, 2, 2}, {2, 2}), kNoIgnoreIndex);
        },
        {test::random({2, 2, 3}, 8)});
    REQUIRE_THROWS_WITH(cross_entropy(logits, IndexTensor({0, 3, 1}), kNoIgnoreIndex),
                        "cross_entropy: target 3 at position 1 is out of range for 3 classes");
    REQUIRE_THROWS_AS(cross_entropy(logits, IndexTensor({0, 1}), kNoIgnoreIndex), ShapeError);
}

TEST_CASE("a 2+2-layer Transformer overfits one batch to near-zero loss",
          "[nn][transformer][training]") {
    Transformer model(tiny_config());
    const IndexTensor source = random_ids(4, 6, 11, 1);
    const IndexTensor target = random_ids(4, 7, 13, 2);
    // Teacher forcing: input = target[:, :-1], expected output = target[:, 1:].
    std::vector<int64_t> input_ids, output_ids;
    for (int64_t b = 0; b < 4; ++b) {
        for (int64_t t = 0; t < 6; ++t) input_ids.push_back(target.at({b, t}));
        for (int64_t t = 1; t < 7; ++t) output_ids.push_back(target.at({b, t}));
    }
    const IndexTensor target_input(input_ids, {4, 6}), target_output(output_ids, {4, 6});
    // Plain gradient descent with momentum, enough to show the model can fit.
    std::vector<Tensor> parameters = model.parameters();
    std::vector<std::vector<float>> velocity(parameters.size());
    for (size_t i = 0; i < parameters.size(); ++i) velocity[i].assign(parameters[i].numel(), 0);
    float first_loss = 0, last_loss = 0;
    for (int step = 0; step < 300; ++step) {
        model.zero_grad();
        const Tensor loss = cross_entropy(model.forward(source, target_input), target_output, 0);
        loss.backward();
        if (step == 0) first_loss = loss.item();
        last_loss = loss.item();
        for (size_t i = 0; i < parameters.size(); ++i) {
            for (int64_t j = 0; j < parameters[i].numel(); ++j) {
                velocity[i][j] = 0.9f * velocity[i][j] + parameters[i].grad().data()[j];
                parameters[i].data()[j] -= 0.01f * velocity[i][j];
            }
        }
    }
    INFO("loss " << first_loss << " -> " << last_loss);
    REQUIRE(first_loss > 2.0f);
    REQUIRE(last_loss < 0.01f);
}

TEST_CASE("greedy decoding: cached and uncached paths give the same tokens", "[nn][decoding]") {
    for (uint64_t seed : {1, 2, 3}) {
        TransformerConfig config = tiny_config();
        config.seed = seed;
        Transformer model(config);
        model.eval();
        const IndexTensor source = random_ids(3, 5, 11, seed + 10);
        const auto cached = greedy_decode(model, source, 1, 2, 12, true);
        const auto uncached = greedy_decode(model, source, 1, 2, 12, false);
        REQUIRE(cached.size() == 3);
        REQUIRE(cached == uncached);
    }
}

TEST_CASE("cached decode_step logits equal the full forward's", "[nn][decoding]") {
    Transformer model(tiny_config());
    model.eval();
    const IndexTensor source = random_ids(2, 5, 11, 4);
    const IndexTensor prefix = random_ids(2, 4, 13, 5);
    const Tensor full = model.forward(source, prefix);  // [2, 4, 13]
    auto state = model.start_decoding(source);
    for (int64_t t = 0; t < 4; ++t) {
        const Tensor step =
            model.decode_step(*state, IndexTensor({prefix.at({0, t}), prefix.at({1, t})}));
        test::require_values(step, reshape(slice(full, 1, t, t + 1), {2, 13}).to_vector(), 1e-4f);
    }
}

TEST_CASE("beam search: width 1 equals greedy, hypotheses ranked by score", "[nn][decoding]") {
    for (uint64_t seed : {1, 2, 3, 4}) {
        TransformerConfig config = tiny_config();
        config.seed = seed;
        Transformer model(config);
        model.eval();
        const IndexTensor source = random_ids(1, 6, 11, seed);
        const auto greedy = greedy_decode(model, source, 1, 2, 10);
        const auto beam = beam_search(model, source, 1, 2, 10, 1, 0.0f);
        REQUIRE(beam.size() == 1);
        REQUIRE(beam[0].tokens == greedy[0]);
        const auto wide = beam_search(model, source, 1, 2, 10, 4, 0.6f);
        REQUIRE_FALSE(wide.empty());
        REQUIRE(wide.size() <= 4);
        for (size_t i = 1; i < wide.size(); ++i) REQUIRE(wide[i - 1].score >= wide[i].score);
    }
    Transformer model(tiny_config());
    REQUIRE_THROWS_AS(beam_search(model, random_ids(2, 3, 11, 1), 1, 2, 5, 2), ShapeError);
    REQUIRE_THROWS_AS(beam_search(model, random_ids(1, 3, 11, 1), 1, 2, 5, 0), ValueError);
}
