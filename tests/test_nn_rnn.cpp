// tests/test_nn_rnn.cpp — GRUCell, AdditiveAttention and RnnSeq2Seq (nn/rnn.h).
#include <cmath>

#include "catch.h"
#include "nn/attention.h"
#include "nn/decoding.h"
#include "nn/loss.h"
#include "nn/rnn.h"
#include "test_helpers.h"

using namespace ag;
using namespace ag::nn;
using Inputs = std::vector<Tensor>;

namespace {
RnnSeq2SeqConfig tiny_rnn() {
    return RnnSeq2SeqConfig{.source_vocabulary = 9,
                            .target_vocabulary = 10,
                            .embedding_size = 8,
                            .hidden_size = 12,
                            .attention_size = 10,
                            .pad_id = 0,
                            .seed = 3};
}
}  // namespace

TEST_CASE("GRUCell follows PyTorch's equations", "[nn][rnn]") {
    GRUCell cell(3, 2);
    const Tensor x = test::random({1, 3}, 1), h = test::random({1, 2}, 2);
    // By hand, one gate at a time: rows [0,2) are r, [2,4) z, [4,6) n.
    const Tensor gx = cell.input.forward(x), gh = cell.hidden.forward(h);
    auto part = [](const Tensor& t, int64_t gate) { return slice(t, 1, 2 * gate, 2 * gate + 2); };
    const Tensor r = sigmoid(part(gx, 0) + part(gh, 0));
    const Tensor z = sigmoid(part(gx, 1) + part(gh, 1));
    const Tensor n = tanh(part(gx, 2) + r * part(gh, 2));
    test::require_values(cell.forward(x, h), ((1.0f - z) * n + z * h).to_vector(), 1e-6f);
    test::require_gradcheck([&](const Inputs& v) { return cell.forward(v[0], v[1]); },
                            {test::random({2, 3}, 3), test::random({2, 2}, 4)});
    REQUIRE_THROWS_AS(cell.forward(x, ones({1, 3})), ShapeError);
}

TEST_CASE("additive attention: weights sum to one and skip padding", "[nn][rnn][attention]") {
    AdditiveAttention attention(4, 6, 5);
    const Tensor states = test::random({2, 3, 6}, 5);
    const Tensor keys = attention.project_keys(states);
    const Tensor mask = padding_mask(std::vector<int64_t>{3, 1}, 3);
    Tensor weights;
    const Tensor context = attention.forward(test::random({2, 4}, 6), keys, states, mask, &weights);
    REQUIRE(context.shape() == Shape{2, 6});
    test::require_values(sum(weights, 1), {1, 1}, 1e-6f);
    REQUIRE(weights.at({1, 1}) == 0.0f);
    REQUIRE(weights.at({1, 2}) == 0.0f);
    // With one visible state, the context is that state.
    test::require_values(slice(context, 0, 1, 2),
                         reshape(slice(slice(states, 0, 1, 2), 1, 0, 1), {1, 6}).to_vector(),
                         1e-6f);
}

TEST_CASE("RnnSeq2Seq: extra padding changes nothing", "[nn][rnn]") {
    RnnSeq2Seq model(tiny_rnn());
    const IndexTensor source({4, 5, 6}, {1, 3});
    const IndexTensor padded({4, 5, 6, 0, 0}, {1, 5});
    const IndexTensor target({1, 7, 8}, {1, 3});
    // Two statements, not two arguments: argument evaluation order is unspecified, and the
    // attention weights checked below are those of the last forward.
    const Tensor unpadded_logits = model.forward(source, target);
    const Tensor padded_logits = model.forward(padded, target);
    test::require_values(padded_logits, unpadded_logits.to_vector(), 1e-5f);
    REQUIRE(model.attention_weights().shape() == Shape{1, 3, 5});
}

TEST_CASE("RnnSeq2Seq: cached decoding equals re-running the prefix, and it overfits a batch",
          "[nn][rnn][training]") {
    RnnSeq2Seq model(tiny_rnn());
    const IndexTensor source({3, 4, 5, 6, 7, 8, 0, 0}, {2, 4});
    model.eval();
    REQUIRE(greedy_decode(model, source, 1, 2, 8, true) ==
            greedy_decode(model, source, 1, 2, 8, false));
    REQUIRE(beam_search(model, IndexTensor({3, 4, 5}, {1, 3}), 1, 2, 8, 1, 0.0f)[0].tokens ==
            greedy_decode(model, IndexTensor({3, 4, 5}, {1, 3}), 1, 2, 8)[0]);

    model.train();
    const IndexTensor target_input({1, 5, 4, 3, 1, 8, 7, 2}, {2, 4});
    const IndexTensor target_output({5, 4, 3, 2, 8, 7, 2, 0}, {2, 4});
    std::vector<Tensor> parameters = model.parameters();
    float first = 0, last = 0;
    for (int step = 0; step < 200; ++step) {
        model.zero_grad();
        const Tensor loss = cross_entropy(model.forward(source, target_input), target_output, 0);
        loss.backward();
        (step == 0 ? first : last) = loss.item();
        for (Tensor& p : parameters) {
            for (int64_t j = 0; j < p.numel(); ++j) p.data()[j] -= 0.5f * p.grad().data()[j];
        }
    }
    INFO("loss " << first << " -> " << last);
    REQUIRE(last < 0.05f);
    model.eval();
    const auto decoded = greedy_decode(model, source, 1, 2, 8);
    REQUIRE(decoded[0] == std::vector<int64_t>{5, 4, 3});
    REQUIRE(decoded[1] == std::vector<int64_t>{8, 7});
}
