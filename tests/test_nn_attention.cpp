// tests/test_nn_attention.cpp — attention and masks (nn/attention.h): the properties the theory
// promises.
#include <cmath>
#include <memory>
#include <thread>

#include "catch.h"
#include "nn/attention.h"
#include "test_helpers.h"

using namespace ag;
using namespace ag::nn;
using Inputs = std::vector<Tensor>;

TEST_CASE("masks: causal, padding by id and by length, combined", "[nn][masks]") {
    test::require_values(causal_mask(3), {0, 1, 1, 0, 0, 1, 0, 0, 0});
    const Tensor by_id = padding_mask(IndexTensor({5, 6, 0, 7, 0, 0}, {2, 3}), 0);
    REQUIRE(by_id.shape() == Shape{2, 1, 3});
    test::require_values(by_id, {0, 0, 1, 0, 1, 1});
    test::require_values(padding_mask(std::vector<int64_t>{2, 1}, 3), by_id.to_vector());
    const Tensor both = combine_masks(causal_mask(3), by_id);
    REQUIRE(both.shape() == Shape{2, 3, 3});
    test::require_values(slice(both, 0, 1, 2), {0, 1, 1, 0, 1, 1, 0, 1, 1});
    REQUIRE_THROWS_AS(padding_mask(std::vector<int64_t>{4}, 3), ValueError);
    REQUIRE_THROWS_AS(padding_mask(IndexTensor({1, 2}), 0), ShapeError);
}

TEST_CASE("scaled_dot_product_attention is softmax(QK^T/sqrt(d))V", "[nn][attention]") {
    const Tensor q = test::random({2, 3, 4}, 1), k = test::random({2, 5, 4}, 2);
    const Tensor v = test::random({2, 5, 6}, 3);
    const AttentionOutput attention = scaled_dot_product_attention(q, k, v);
    REQUIRE(attention.output.shape() == Shape{2, 3, 6});
    REQUIRE(attention.weights.shape() == Shape{2, 3, 5});
    test::require_values(sum(attention.weights, -1), std::vector<float>(6, 1.0f), 1e-6f);
    const Tensor expected =
        matmul(softmax(matmul(q, transpose(k, 1, 2)) / 2.0f, -1), v);  // sqrt(4) = 2
    test::require_values(attention.output, expected.to_vector(), 1e-5f);
    REQUIRE_THROWS_WITH(scaled_dot_product_attention(q, test::random({2, 5, 3}), v),
                        StartsWith("scaled_dot_product_attention: q [2,3,4], k [2,5,3]"));
    test::require_gradcheck(
        [](const Inputs& x) {
            return scaled_dot_product_attention(x[0], x[1], x[2], causal_mask(3)).output;
        },
        {test::random({1, 3, 2}, 4), test::random({1, 3, 2}, 5), test::random({1, 3, 2}, 6)});
}

TEST_CASE("a padded key gets exactly zero attention weight", "[nn][attention][masks]") {
    MultiHeadAttention attention(8, 2);
    const Tensor x = test::random({2, 4, 8});
    const Tensor mask = padding_mask(std::vector<int64_t>{4, 2}, 4);
    const AttentionRecording recording;
    (void)attention.forward(x, x, mask);
    const Tensor& weights = recording.weights(attention);  // [B, H, Tq, Tk]
    REQUIRE(weights.shape() == Shape{2, 2, 4, 4});
    for (int64_t h = 0; h < 2; ++h) {
        for (int64_t query = 0; query < 4; ++query) {
            REQUIRE(weights.at({1, h, query, 2}) == 0.0f);
            REQUIRE(weights.at({1, h, query, 3}) == 0.0f);
            REQUIRE(weights.at({0, h, query, 3}) > 0.0f);
        }
    }
}

TEST_CASE("with a causal mask, changing a later token leaves earlier outputs exactly unchanged",
          "[nn][attention][masks]") {
    MultiHeadAttention attention(8, 4);
    const Tensor x = test::random({1, 6, 8}, 10);
    Tensor changed = x.clone();
    for (int64_t d = 0; d < 8; ++d) changed.data()[4 * 8 + d] += 3.0f;  // token 4 changes
    const Tensor mask = causal_mask(6);
    const Tensor before = attention.forward(x, x, mask);
    const Tensor after = attention.forward(changed, changed, mask);
    REQUIRE(slice(before, 1, 0, 4).to_vector() == slice(after, 1, 0, 4).to_vector());  // exact
    REQUIRE(slice(before, 1, 4, 6).to_vector() != slice(after, 1, 4, 6).to_vector());
}

TEST_CASE("without positions, self-attention is permutation-equivariant", "[nn][attention]") {
    MultiHeadAttention attention(8, 2);
    const Tensor x = test::random({1, 5, 8}, 11);
    const IndexTensor order({3, 0, 4, 1, 2});
    const Tensor permuted_input = index_select(x, 1, order);
    const Tensor out = attention.forward(x, x);
    const Tensor out_of_permuted = attention.forward(permuted_input, permuted_input);
    test::require_values(out_of_permuted, index_select(out, 1, order).to_vector(), 1e-5f);
}

TEST_CASE("one-head MultiHeadAttention equals SelfAttention with the same weights",
          "[nn][attention]") {
    MultiHeadAttention multi(6, 1);
    SelfAttention single(6, 6);
    for (auto [from, to] :
         {std::pair{&multi.query, &single.query}, std::pair{&multi.key, &single.key},
          std::pair{&multi.value, &single.value}}) {
        std::copy(from->weight.data(), from->weight.data() + 36, to->weight.data());
        std::copy(from->bias.data(), from->bias.data() + 6, to->bias.data());
    }
    const Tensor x = test::random({2, 4, 6}, 12);
    const Tensor mask = causal_mask(4);
    // MultiHead = Concat(head) W_O: with one head, W_O applied to SelfAttention's output.
    const Tensor expected = multi.output.forward(single.forward(x, mask));
    const AttentionRecording recording;
    test::require_values(multi.forward(x, x, mask), expected.to_vector(), 1e-5f);
    test::require_values(recording.weights(multi), single.attention_weights().to_vector(), 1e-6f);
}

TEST_CASE("MultiHeadAttention: cross-attention shapes, errors, gradcheck", "[nn][attention]") {
    MultiHeadAttention attention(8, 4);
    REQUIRE(attention.head_dim == 2);
    const Tensor queries = test::random({2, 3, 8}), memory = test::random({2, 7, 8});
    {
        const AttentionRecording recording;
        REQUIRE(attention.forward(queries, memory).shape() == Shape{2, 3, 8});
        REQUIRE(recording.weights(attention).shape() == Shape{2, 4, 3, 7});
    }
    // No recording, no weights kept: a recording made afterwards has none for it.
    (void)attention.forward(queries, memory);
    const AttentionRecording later;
    REQUIRE_THROWS_AS(later.weights(attention), ValueError);
    REQUIRE_THROWS_WITH(MultiHeadAttention(8, 2, 1.0f), Contains("dropout 1.000000 is not in"));
    REQUIRE_THROWS_WITH(MultiHeadAttention(8, 3), Contains("3 heads do not divide"));
    REQUIRE_THROWS_AS(attention.forward(queries, test::random({3, 7, 8})), ShapeError);
    REQUIRE_THROWS_AS(attention.forward(queries, queries, ones({3, 4})), ShapeError);
    MultiHeadAttention small(4, 2);
    test::require_gradcheck(
        [&](const Inputs& x) {
            return small.forward(x[0], x[1], padding_mask(std::vector<int64_t>{3, 2}, 3));
        },
        {test::random({2, 2, 4}, 13), test::random({2, 3, 4}, 14)});
}

TEST_CASE("MultiHeadAttention: the fused and the plain path agree, values and gradients",
          "[nn][attention][fused_attention]") {
    // Also while training with dropout: both paths drop the same weights for the same seed.
    const float dropout = GENERATE(0.0f, 0.1f);
    MultiHeadAttention attention(16, 4, dropout);
    attention.train();
    INFO("dropout " << dropout);
    const Tensor x = test::random({3, 6, 16}, 21), memory = test::random({3, 9, 16}, 22);
    const Tensor self_mask =
        combine_masks(causal_mask(6), padding_mask(std::vector<int64_t>{6, 4, 1}, 6));
    const Tensor cross_mask = padding_mask(std::vector<int64_t>{9, 5, 2}, 9);
    for (const bool cross : {false, true}) {
        const Tensor& key_value = cross ? memory : x;
        const Tensor& mask = cross ? cross_mask : self_mask;
        const Tensor upstream = test::random({3, 6, 16}, 23);
        std::vector<std::vector<float>> outputs, weights, gradients;
        for (const bool fused : {true, false}) {
            attention.use_fused_attention = fused;
            attention.zero_grad();
            manual_seed(5);  // the same draw of dropped weights for both
            const AttentionRecording recording;
            const Tensor out = attention.forward(x, key_value, mask);
            sum(out * upstream).backward();
            outputs.push_back(out.to_vector());
            weights.push_back(recording.weights(attention).to_vector());
            std::vector<float> all;
            for (const auto& [name, parameter] : attention.named_parameters()) {
                const std::vector<float> g = parameter.grad().to_vector();
                all.insert(all.end(), g.begin(), g.end());
            }
            gradients.push_back(all);
        }
        // The recorded weights are the plain formula's, softmax(masked Q_h K_h^T / sqrt(Dh)).
        NoGradGuard no_grad;
        const Tensor q = transpose(attention.split_heads(attention.query.forward(x)), 1, 2);
        const Tensor k = transpose(attention.split_heads(attention.key.forward(key_value)), 1, 2);
        const Tensor expected = scaled_dot_product_attention(q, k, k, unsqueeze(mask, 1)).weights;
        for (const std::vector<float>& recorded : weights) {
            test::require_values(from_vector(recorded, expected.shape()), expected.to_vector(),
                                 1e-6f);
        }
        test::require_values(from_vector(outputs[0], {static_cast<int64_t>(outputs[0].size())}),
                             outputs[1], 1e-5f);
        test::require_values(from_vector(gradients[0], {static_cast<int64_t>(gradients[0].size())}),
                             gradients[1], 1e-4f);
    }
}

TEST_CASE("is_causal hides the future as causal_mask does, on both paths", "[nn][attention]") {
    // sdpa: is_causal against the mask tensor it stands for, square and not.
    for (const int64_t tk : {5, 9}) {
        const Tensor q = test::random({2, 5, 4}, 31), k = test::random({2, tk, 4}, 32);
        const Tensor v = test::random({2, tk, 3}, 33);
        const Tensor padding = padding_mask(std::vector<int64_t>{tk, 3}, tk);
        const AttentionOutput by_flag = scaled_dot_product_attention(q, k, v, padding, {}, true);
        const AttentionOutput by_mask =
            scaled_dot_product_attention(q, k, v, combine_masks(padding, causal_mask(5, tk)));
        test::require_values(by_flag.output, by_mask.output.to_vector(), 0.0f);
        CHECK(by_flag.weights.at({0, 1, 2}) == 0.0f);  // key 2 is query 1's future
    }
    test::require_values(causal_mask(2, 3), {0, 1, 1, 0, 0, 1});
    test::require_values(causal_mask(4), causal_mask(4, 4).to_vector());
    CHECK_THROWS_AS(causal_mask(-1, 2), ValueError);

    // MultiHeadAttention, fused and plain: values, gradients and the recorded weights.
    MultiHeadAttention attention(16, 4);
    const Tensor x = test::random({3, 6, 16}, 34), upstream = test::random({3, 6, 16}, 35);
    const Tensor padding = padding_mask(std::vector<int64_t>{6, 4, 1}, 6);
    for (const bool fused : {true, false}) {
        INFO((fused ? "fused" : "plain"));
        attention.use_fused_attention = fused;
        std::vector<std::vector<float>> outputs, gradients, weights;
        for (const bool by_flag : {true, false}) {
            attention.zero_grad();
            const AttentionRecording recording;
            const Tensor out =
                by_flag ? attention.forward(x, x, padding, nullptr, /*is_causal=*/true)
                        : attention.forward(x, x, combine_masks(padding, causal_mask(6)));
            sum(out * upstream).backward();
            outputs.push_back(out.to_vector());
            weights.push_back(recording.weights(attention).to_vector());
            gradients.push_back(attention.query.weight.grad().to_vector());
        }
        test::require_values(from_vector(outputs[0], {static_cast<int64_t>(outputs[0].size())}),
                             outputs[1], 1e-6f);
        test::require_values(from_vector(gradients[0], {static_cast<int64_t>(gradients[0].size())}),
                             gradients[1], 1e-5f);
        CHECK(weights[0] == weights[1]);
    }
    // A decoding step (one query, the newest) sees every key; more queries than that must
    // match the keys.
    KeyValueCache cache;
    const Tensor prefix = slice(x, 1, 0, 5), last = slice(x, 1, 5, 6);
    (void)attention.forward(prefix, prefix, Tensor(), &cache, true);
    const Tensor step = attention.forward(last, last, Tensor(), &cache, true);
    const Tensor whole = attention.forward(x, x, Tensor(), nullptr, true);
    test::require_values(step, slice(whole, 1, 5, 6).to_vector(), 1e-5f);
    CHECK_THROWS_WITH(attention.forward(slice(x, 1, 0, 2), x, Tensor(), nullptr, true),
                      Contains("is_causal with 2 queries and 6 keys"));
}

TEST_CASE("MultiHeadAttention drops attention weights while training, and only then",
          "[nn][attention][dropout]") {
    MultiHeadAttention attention(8, 2, 0.5f);
    const Tensor x = test::random({2, 5, 8}, 31);
    attention.eval();
    const Tensor evaluated = attention.forward(x, x);
    test::require_values(attention.forward(x, x), evaluated.to_vector(), 0.0f);  // deterministic
    attention.train();
    manual_seed(1);
    const Tensor first = attention.forward(x, x);
    manual_seed(1);
    REQUIRE(attention.forward(x, x).to_vector() == first.to_vector());  // the seed decides
    manual_seed(2);
    REQUIRE(attention.forward(x, x).to_vector() != first.to_vector());
    REQUIRE(first.to_vector() != evaluated.to_vector());
}

TEST_CASE("AttentionRecording: the innermost records, on its own thread only", "[nn][attention]") {
    MultiHeadAttention first(8, 2), second(8, 2);
    const Tensor x = test::random({1, 3, 8}, 41);
    const AttentionRecording outer;
    (void)first.forward(x, x);
    {
        const AttentionRecording inner;
        (void)second.forward(x, x);
        REQUIRE(inner.weights(second).shape() == Shape{1, 2, 3, 3});
        REQUIRE_THROWS_AS(inner.weights(first), ValueError);  // ran before inner lived
    }
    REQUIRE_THROWS_AS(outer.weights(second), ValueError);  // inner recorded it, not outer
    (void)second.forward(x, x);                            // outer records again
    REQUIRE(outer.weights(second).shape() == Shape{1, 2, 3, 3});
    // Out of nesting order: the outer one ends first, the inner one still records.
    auto a = std::make_unique<AttentionRecording>();
    auto b = std::make_unique<AttentionRecording>();
    a.reset();
    (void)first.forward(x, x);
    REQUIRE(b->weights(first).shape() == Shape{1, 2, 3, 3});
    b.reset();
    REQUIRE(AttentionRecording::active() == &outer);
    // Another thread has no recording: its forward is not recorded here.
    MultiHeadAttention third(8, 2);
    bool recorded_there = true;
    std::thread([&] {
        (void)third.forward(x, x);
        recorded_there = AttentionRecording::active() != nullptr;
    }).join();
    REQUIRE_FALSE(recorded_there);
    REQUIRE_THROWS_AS(outer.weights(third), ValueError);
}
