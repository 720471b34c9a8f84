// tests/test_errors.cpp — the error contract, as one table: every public op and module rejects
// bad input with ag::Error (or a subclass) whose message names the function and the offending
// shapes or values. Each row calls something with bad input and states the exception type and
// a fragment of the message it must carry.
#include <cmath>
#include <filesystem>
#include <functional>
#include <typeinfo>

#include "catch.h"
#include "core/kernels/gemm.h"
#include "nn/attention.h"
#include "nn/checkpoint.h"
#include "nn/decoding.h"
#include "nn/loss.h"
#include "nn/positional_encoding.h"
#include "nn/rnn.h"
#include "nn/transformer.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "test_helpers.h"

using namespace ag;

namespace {

struct ErrorCase {
    std::string name;
    std::function<void()> call;
    std::function<bool(const Error*)> has_expected_type;
    std::string type_name;
    std::string fragment;
};

template <class Expected>
ErrorCase expect(std::string name, std::function<void()> call, std::string fragment) {
    return {std::move(name), std::move(call),
            [](const Error* e) { return dynamic_cast<const Expected*>(e) != nullptr; },
            typeid(Expected).name(), std::move(fragment)};
}

nn::TransformerConfig tiny() {
    return {.source_vocabulary = 10,
            .target_vocabulary = 10,
            .d_model = 8,
            .heads = 2,
            .encoder_layers = 1,
            .decoder_layers = 1,
            .d_ff = 8,
            .dropout = 0.0f};
}

std::vector<ErrorCase> core_cases() {
    const Tensor a = ones({2, 3});
    return {
        expect<ValueError>(
            "Shape, sizes whose product overflows",
            [] {
                (void)zeros({int64_t{1} << 33, int64_t{1} << 31});
            },
            "Shape: [8589934592,2147483648] has more than 2^60 elements"),
        expect<ValueError>(
            "arange, more values than a tensor holds", [] { (void)arange(0.0f, 1e30f, 1e-30f); },
            "more than a tensor can hold"),
        expect<ValueError>(
            "concat, an undefined tensor in the list",
            [] {
                (void)concat({ones({2}), Tensor()}, 0);
            },
            "concat: input 2 of 2 is undefined"),
        expect<ValueError>(
            "mul, the grad() of a tensor that is not a leaf",
            [] {
                Tensor x = ones({2}, true);
                Tensor y = x * 3.0f;
                sum(y).backward();
                (void)(y.grad() * 2.0f);
            },
            "mul: input 1 of 2 is undefined (a default Tensor(), or the grad() of a tensor "
            "backward has not filled: before backward, or not a leaf)"),
        expect<ShapeError>(
            "add, unbroadcastable", [=] { (void)(a + ones({4})); },
            "add: [2,3] and [4]: cannot broadcast (dimension 3 vs 4)"),
        expect<ShapeError>(
            "mul, unbroadcastable",
            [=] {
                (void)(a * ones({3, 2}));
            },
            "mul: [2,3] and [3,2]"),
        expect<ShapeError>(
            "sub, unbroadcastable", [=] { (void)(a - ones({5})); }, "sub: [2,3]"),
        expect<ShapeError>(
            "div, unbroadcastable",
            [=] {
                (void)(a / ones({2, 2}));
            },
            "div: [2,3] and [2,2]"),
        expect<ShapeError>(
            "matmul, inner dimensions",
            [] {
                (void)matmul(ones({2, 3}), ones({4, 5}));
            },
            "matmul: [2,3] x [4,5]: inner dimensions 3 and 4 differ"),
        expect<ShapeError>(
            "matmul, rank 1",
            [] {
                (void)matmul(ones({3}), ones({3, 2}));
            },
            "matmul: [3] x [3,2]: both operands need at least 2 dimensions"),
        expect<ShapeError>(
            "matmul, batch",
            [] {
                (void)matmul(ones({2, 2, 3}), ones({3, 3, 4}));
            },
            "matmul: [2] and [3]: cannot broadcast"),
        expect<ShapeError>(
            "linear, width",
            [=] {
                (void)linear(a, ones({4, 2}));
            },
            "linear: input [2,3] and weight [4,2]"),
        expect<ShapeError>(
            "reshape, element count",
            [] {
                (void)reshape(ones({6}), {4, 2});
            },
            "reshape: [6] (6 elements) to [4,2] (8 elements)"),
        expect<ValueError>(
            "reshape, two -1",
            [] {
                (void)reshape(ones({6}), {-1, -1});
            },
            "reshape: invalid size list [-1,-1]"),
        expect<ValueError>(
            "Shape, negative size",
            [] {
                (void)Shape({2, -3});
            },
            "Shape: negative size"),
        expect<IndexError>(
            "sum, dimension", [=] { (void)sum(a, 2); },
            "sum: dimension 2 out of range for a tensor of rank 2"),
        expect<IndexError>(
            "softmax, dimension", [=] { (void)softmax(a, -3); },
            "softmax: dimension -3 out of range"),
        expect<ValueError>(
            "max, empty dimension",
            [] {
                (void)max(zeros({2, 0}), 1);
            },
            "max: reduction over an empty dimension"),
        expect<ShapeError>(
            "permute, not a permutation",
            [=] {
                (void)permute(a, {0, 0});
            },
            "permute: [0,0] is not a permutation of the dimensions of [2,3]"),
        expect<ShapeError>(
            "concat, sizes",
            [=] {
                (void)concat({a, ones({2, 2, 1})}, 0);
            },
            "concat: [2,3] and [2,2,1]"),
        expect<ValueError>(
            "concat, nothing", [] { (void)concat({}, 0); }, "concat: no tensors"),
        expect<ShapeError>(
            "split, sizes",
            [=] {
                (void)split(a, std::vector<int64_t>{1, 1}, 1);
            },
            "split: sizes [1,1] do not add up to size 3"),
        expect<ShapeError>(
            "squeeze, size", [=] { (void)squeeze(a, 0); },
            "squeeze: dimension 0 of [2,3] has size 2, not 1"),
        expect<IndexError>(
            "embedding, id too large",
            [] {
                (void)embedding(zeros({4, 2}), IndexTensor({1, 4}));
            },
            "embedding: id 4 at position 1 is out of range for a vocabulary of 4"),
        expect<IndexError>(
            "embedding, negative id",
            [] {
                (void)embedding(zeros({4, 2}), IndexTensor({-1}));
            },
            "embedding: id -1"),
        expect<ShapeError>(
            "embedding, weight rank", [] { (void)embedding(zeros({4}), IndexTensor({1})); },
            "embedding: weight must be [vocabulary, dim], got [4]"),
        expect<IndexError>(
            "index_select, id", [=] { (void)index_select(a, 1, IndexTensor({3})); },
            "index_select: id 3 out of range for dimension 1 of size 3"),
        expect<ShapeError>(
            "masked_fill, mask shape", [=] { (void)masked_fill(a, ones({2}), 0.0f); },
            "masked_fill: [2,3]"),
        expect<ShapeError>(
            "layer_norm, weight shape",
            [] {
                (void)layer_norm(ones({2, 4}), ones({3}), Tensor());
            },
            "layer_norm: input [2,4] needs weight of shape [4], got [3]"),
        expect<ValueError>(
            "dropout, probability", [=] { (void)dropout(a, 1.5f, true); },
            "dropout: probability must be in [0, 1]"),
        expect<ShapeError>(
            "item, not a scalar", [=] { (void)a.item(); },
            "item: tensor of shape [2,3] has more than one element"),
        expect<IndexError>(
            "at, index",
            [=] {
                (void)a.at({0, 3});
            },
            "at: index 3 out of range for dimension 1 of size 3"),
        expect<ShapeError>(
            "from_vector, count",
            [] {
                (void)from_vector({1, 2, 3}, {2, 2});
            },
            "from_vector: 3 values for shape [2,2] of 4 elements"),
        expect<ValueError>(
            "arange, zero step", [] { (void)arange(0.0f, 1.0f, 0.0f); },
            "arange: step must be non-zero"),
        expect<Error>(
            "undefined tensor", [] { (void)Tensor().numel(); },
            "Tensor: use of an undefined tensor"),
        expect<ShapeError>(
            "backward, non-scalar without gradient", [] { (ones({2}, true) * 2.0f).backward(); },
            "backward: a gradient can be implied only for a scalar output"),
        expect<ShapeError>(
            "backward, gradient shape", [] { (ones({2}, true) * 2.0f).backward(ones({3})); },
            "backward: gradient of shape [3] for an output of shape [2]"),
        expect<Error>(
            "backward, needs no grad", [] { sum(ones({2})).backward(); },
            "backward: this tensor does not require grad"),
        expect<Error>(
            "backward twice through a freed graph",
            [] {
                const Tensor y = sum(exp(ones({2}, true)));
                y.backward();
                y.backward();
            },
            "backward: the graph through 'sum' was already freed"),
        expect<Error>(
            "set_requires_grad on a non-leaf",
            [] { (ones({1}, true) * 2.0f).set_requires_grad(false); },
            "set_requires_grad: only a leaf can be marked"),
        expect<ValueError>(
            "gemm, leading dimension",
            [] {
                std::vector<float> m(16);
                kernels::gemm({.m = 2,
                               .n = 2,
                               .k = 4,
                               .a = m.data(),
                               .lda = 3,
                               .b = m.data(),
                               .ldb = 2,
                               .c = m.data(),
                               .ldc = 2});
            },
            "gemm"),
        expect<ValueError>(
            "Generator::integer, empty range", [] { (void)Generator(1).integer(0); },
            "Generator::integer: n must be positive"),
    };
}

std::vector<ErrorCase> nn_cases() {
    return {
        expect<ShapeError>(
            "scaled_dot_product_attention, a mask of the wrong shape",
            [] {
                const Tensor q = ones({1, 3, 4}), k = ones({1, 5, 4});
                (void)nn::scaled_dot_product_attention(q, k, k, ones({2, 5}));
            },
            "scaled_dot_product_attention: mask [2,5] does not broadcast to the scores [1,3,5]"),
        expect<ValueError>(
            "Linear, zero width", [] { nn::Linear(0, 3); }, "Linear: in must be positive, got 0"),
        expect<ValueError>(
            "Embedding, zero vocabulary", [] { nn::Embedding(0, 3); },
            "Embedding: vocabulary must be positive"),
        expect<ValueError>(
            "MultiHeadAttention, heads", [] { nn::MultiHeadAttention(8, 3); },
            "MultiHeadAttention: 3 heads do not divide d_model 8"),
        expect<ShapeError>(
            "MultiHeadAttention, batch",
            [] {
                nn::MultiHeadAttention attention(8, 2);
                (void)attention.forward(ones({2, 3, 8}), ones({3, 3, 8}));
            },
            "MultiHeadAttention: query [2,3,8] and key/value [3,3,8]"),
        expect<ShapeError>(
            "MultiHeadAttention, mask shape",
            [] {
                nn::MultiHeadAttention attention(8, 2);
                (void)attention.forward(ones({2, 3, 8}), ones({2, 3, 8}), ones({4, 4}));
            },
            "mask [4,4] does not broadcast to the scores [2,2,3,3]"),
        expect<ShapeError>(
            "scaled_dot_product_attention, widths",
            [] {
                (void)nn::scaled_dot_product_attention(ones({1, 2, 4}), ones({1, 3, 5}),
                                                       ones({1, 3, 4}));
            },
            "scaled_dot_product_attention: q [1,2,4], k [1,3,5], v [1,3,4]"),
        expect<ValueError>(
            "causal_mask, negative", [] { (void)nn::causal_mask(-1); },
            "causal_mask: negative size -1"),
        expect<ValueError>(
            "padding_mask, length", [] { (void)nn::padding_mask(std::vector<int64_t>{5}, 4); },
            "padding_mask: length 5 outside [0, 4]"),
        expect<ShapeError>(
            "PositionalEncoding, too long",
            [] {
                nn::PositionalEncoding positions(8, 4);
                (void)positions.forward(ones({1, 5, 8}));
            },
            "PositionalEncoding: input [1,5,8]"),
        expect<ValueError>(
            "Transformer, heads", [] { nn::Transformer({.d_model = 8, .heads = 3}); },
            "Transformer: 3 heads do not divide d_model 8"),
        expect<IndexError>(
            "Transformer, token id",
            [] {
                nn::Transformer model(tiny());
                (void)model.forward(IndexTensor({1, 40}, {1, 2}), IndexTensor({1}, {1, 1}));
            },
            "embedding: id 40"),
        expect<ShapeError>(
            "Transformer, batch sizes",
            [] {
                nn::Transformer model(tiny());
                (void)model.forward(IndexTensor({1, 2}, {2, 1}), IndexTensor({1}, {1, 1}));
            },
            "Transformer::forward: source [2,1] and target [1,1]"),
        expect<ShapeError>(
            "GRUCell, state width",
            [] {
                nn::GRUCell cell(3, 2);
                (void)cell.forward(ones({1, 3}), ones({1, 3}));
            },
            "GRUCell: x [1,3] and h [1,3]: need [B, in] and [B, 2]"),
        expect<IndexError>(
            "cross_entropy, target",
            [] {
                (void)nn::cross_entropy(ones({2, 3}), IndexTensor({0, 3}), nn::kNoIgnoreIndex);
            },
            "cross_entropy: target 3 at position 1 is out of range for 3 classes"),
        expect<ShapeError>(
            "cross_entropy, shapes",
            [] {
                (void)nn::cross_entropy(ones({2, 3}), IndexTensor({0}), nn::kNoIgnoreIndex);
            },
            "cross_entropy: logits [2,3] and targets [1]"),
        expect<ValueError>(
            "cross_entropy, label smoothing",
            [] {
                (void)nn::cross_entropy(ones({1, 3}), IndexTensor({0}), -100, 2.0f);
            },
            "cross_entropy: label_smoothing must be in [0, 1]"),
        expect<ShapeError>(
            "greedy_decode, source rank",
            [] {
                nn::Transformer model(tiny());
                (void)nn::greedy_decode(model, IndexTensor({1, 2}), 1, 2, 4);
            },
            "greedy_decode: source must be [B, S], got [2]"),
        expect<ValueError>(
            "beam_search, width",
            [] {
                nn::Transformer model(tiny());
                (void)nn::beam_search(model, IndexTensor({3}, {1, 1}), 1, 2, 4, 0);
            },
            "beam_search: beam_width must be at least 1"),
        expect<io::CheckpointError>(
            "load_checkpoint, missing file",
            [] {
                nn::Linear layer(2, 2);
                nn::load_checkpoint(layer, "/nonexistent/attograd/model.safetensors");
            },
            "/nonexistent/attograd/model.safetensors"),
        expect<io::CheckpointError>(
            "load_checkpoint, shape mismatch",
            [] {
                const std::string path =
                    (std::filesystem::temp_directory_path() / "attograd_errors_linear.safetensors")
                        .string();
                nn::Linear small(2, 2), large(3, 2);
                nn::save_checkpoint(small, path);
                nn::load_checkpoint(large, path);
            },
            "tensor 'weight' has shape [2,2]"),
    };
}

std::vector<ErrorCase> optim_cases() {
    return {
        expect<ValueError>(
            "SGD, negative learning rate", [] { optim::SGD({}, -1.0f); },
            "Optimizer: learning rate must be a finite number >= 0"),
        expect<ValueError>(
            "Adam, beta", [] { optim::Adam({}, 0.1f, 1.0f); }, "Adam: betas must be in [0, 1)"),
        expect<ValueError>(
            "clip_grad_norm, max norm", [] { (void)optim::clip_grad_norm({}, 0.0f); },
            "clip_grad_norm: max_norm must be > 0"),
        expect<ValueError>(
            "WarmupCosineSchedule, steps", [] { optim::WarmupCosineSchedule(1.0f, 10, 5); },
            "WarmupCosineSchedule: need 0 <= warmup < total"),
        expect<ValueError>(
            "Optimizer::load_state, missing entry",
            [] {
                Tensor p = zeros({2}, true);
                optim::Adam adam({{"p", p}});
                adam.load_state({});
            },
            "Optimizer::load_state: missing 'optimizer.step'"),
        expect<ValueError>(
            "Optimizer, a parameter twice by name",
            [] {
                Tensor p = zeros({2}, true);
                optim::Adam adam({{"p", p}, {"p", p}}, 0.1f);
            },
            "Optimizer: parameter name 'p' appears twice"),
        expect<ValueError>(
            "Optimizer, one tensor under two names",
            [] {
                Tensor p = zeros({2}, true);
                optim::Adam adam({{"p", p}, {"q", p}}, 0.1f);
            },
            "Optimizer: parameters 'p' and 'q' are the same tensor"),
        expect<ValueError>(
            "Optimizer::load_state, a step that is not a whole number",
            [] {
                Tensor p = zeros({2}, true);
                optim::Adam adam({{"p", p}});
                optim::NamedTensors state = adam.state();
                state[0].second = scalar(1e30f);
                adam.load_state(state);
            },
            "Optimizer::load_state: 'optimizer.step' is 1000000015047466219876688855040.000000, "
            "not a whole number in [0, 2^24]"),
        expect<ValueError>(
            "Optimizer::load_state, a step of 2.5",
            [] {
                Tensor p = zeros({2}, true);
                optim::Adam adam({{"p", p}});
                optim::NamedTensors state = adam.state();
                state[0].second = scalar(2.5f);
                adam.load_state(state);
            },
            "'optimizer.step' is 2.500000, not a whole number"),
    };
}

void check(const std::vector<ErrorCase>& cases) {
    for (const ErrorCase& c : cases) {
        INFO("case: " << c.name << " (expects " << c.type_name << " with \"" << c.fragment
                      << "\")");
        bool threw = false;
        try {
            c.call();
        } catch (const Error& e) {
            threw = true;
            INFO("message: " << e.what());
            CHECK(c.has_expected_type(&e));
            CHECK_THAT(std::string(e.what()), Contains(c.fragment));
        } catch (const std::exception& e) {
            threw = true;
            FAIL_CHECK("not an ag::Error: " << typeid(e).name() << ": " << e.what());
        }
        CHECK(threw);
    }
}

}  // namespace

TEST_CASE("error contract: core rejects bad input by name", "[errors]") {
    const auto cases = core_cases();
    REQUIRE(cases.size() >= 35);
    check(cases);
}

TEST_CASE("error contract: nn rejects bad input by name", "[errors]") { check(nn_cases()); }

TEST_CASE("error contract: optim rejects bad input by name", "[errors]") { check(optim_cases()); }

TEST_CASE("error contract: at least 40 cases in all", "[errors]") {
    REQUIRE(core_cases().size() + nn_cases().size() + optim_cases().size() >= 40);
}
