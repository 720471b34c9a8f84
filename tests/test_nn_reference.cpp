// tests/test_nn_reference.cpp — attograd's nn modules against PyTorch.
//
// tests/reference/make_fixtures.py builds each module in PyTorch with fixed weights, runs it
// forward and backward on fixed inputs and saves everything as a small safetensors file (see
// the naming scheme at the top of that script). Each test here builds the same module, copies
// the fixture's parameters into it by name, runs forward and the same backward
// (loss = sum(output * R), R stored in the file) and compares:
//   - every output (and attention weights where the module exposes them),
//   - the gradient of every float input,
//   - the gradient of every parameter.
// These tests need no Python; regenerating the fixtures does.
//
// Tolerance, relative to each tensor's scale: for expected values b and ours a,
//     error = max_i |a_i - b_i| / max_i |b_i|   must be <= 1e-4.
// Scaling by the largest element rather than each element's own size keeps near-zero entries
// (a masked key's gradient, say) from demanding an impossible relative accuracy, while still
// catching any single element that is off.
// One kind of tensor is 0 in exact arithmetic: the gradient of an attention's key bias. Adding
// q . b_K to every score of a query's row shifts the whole row, which softmax ignores, so
// d loss / d b_K = 0; PyTorch's float64 leaves ~1e-16 of rounding, our float32 ~1e-7. When
// PyTorch's tensor is zero to float64 rounding (every |b_i| < 1e-12) the error is absolute,
// max_i |a_i - b_i|, with the same bound 1e-4.
//
// Run with -s to see, for each fixture, the worst error of its outputs, input gradients and
// parameter gradients: ./attograd_tests "[reference]" -s
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "catch.h"
#include "core/ops.h"
#include "core/random.h"
#include "nn/attention.h"
#include "nn/checkpoint.h"
#include "nn/gpt.h"
#include "nn/layers.h"
#include "nn/loss.h"
#include "nn/transformer.h"

#ifndef ATTOGRAD_REFERENCE_DIR
#define ATTOGRAD_REFERENCE_DIR "tests/reference"
#endif

namespace {

using namespace ag;
using namespace ag::nn;

constexpr double kTolerance = 1e-4;

/// Expected values below this are float64 rounding of an exact 0 (see the top of the file).
constexpr double kZero = 1e-12;

/// max_i |actual_i - expected_i| / max_i |expected_i|, or without the division if the expected
/// tensor is 0 (see the top of the file).
double relative_error(const Tensor& actual, const Tensor& expected) {
    double difference = 0.0;
    double scale = 0.0;
    for (int64_t i = 0; i < expected.numel(); ++i) {
        const double a = actual.data()[i];
        const double b = expected.data()[i];
        difference = std::max(difference, std::abs(a - b));
        scale = std::max(scale, std::abs(b));
    }
    return scale < kZero ? difference : difference / scale;
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0;
}

/// One fixture: the file, the inputs handed out, and the running comparison report.
class Reference {
public:
    explicit Reference(const std::string& name)
        : name_(name),
          file_(io::read_safetensors(
              std::string(ATTOGRAD_REFERENCE_DIR) + "/" + name + ".safetensors",
              {.from_elsewhere = true})) {}  // written by PyTorch

    /// The float input `name`, as a fresh leaf; it requires grad if the fixture has its
    /// gradient ("grad_input.<name>"), and check() will compare that gradient.
    Tensor input(const std::string& name) {
        Tensor x = file_.tensor("input." + name).clone();
        if (has_tensor("grad_input." + name)) {
            x.set_requires_grad(true);
            inputs_.emplace_back(name, x);
        }
        return x;
    }
    /// The integer input `name` (token ids, targets, lengths).
    const IndexTensor& ids(const std::string& name) const {
        return file_.index_tensor("input." + name);
    }
    /// The integer metadata `key` (a size or option the script recorded).
    int64_t config(const std::string& key) const { return std::stoll(metadata(key)); }
    float config_float(const std::string& key) const { return std::stof(metadata(key)); }

    /// Checks that `mask`, made by our helpers, is the mask PyTorch was given ("input.<name>").
    void require_same_mask(const Tensor& mask, const std::string& name) const {
        const Tensor& expected = file_.tensor("input." + name);
        INFO(name_ << ": our " << name << " " << mask.to_string() << " vs PyTorch's "
                   << expected.to_string());
        REQUIRE(mask.shape() == expected.shape());
        REQUIRE(mask.to_vector() == expected.to_vector());
    }

    /// Copies every "param.<name>" of the fixture into the module's parameter <name>. Both
    /// sides must have the same names and shapes.
    void load_parameters(Module& module) const {
        std::vector<std::string> problems;
        std::set<std::string> ours;
        for (auto& [name, parameter] : module.named_parameters()) {
            ours.insert(name);
            if (!has_tensor("param." + name)) {
                problems.push_back("missing in the fixture: " + name);
                continue;
            }
            const Tensor& value = file_.tensor("param." + name);
            if (!(value.shape() == parameter.shape())) {
                problems.push_back(name + ": ours " + parameter.shape().to_string() + ", fixture " +
                                   value.shape().to_string());
                continue;
            }
            std::copy(value.data(), value.data() + value.numel(), parameter.data());
        }
        for (const auto& [file_name, value] : file_.tensors) {
            if (starts_with(file_name, "param.") && ours.count(file_name.substr(6)) == 0) {
                problems.push_back("not a parameter of ours: " + file_name.substr(6));
            }
        }
        std::ostringstream list;
        for (const std::string& problem : problems) list << "\n  " << problem;
        INFO(name_ << ": parameter names or shapes differ from PyTorch's:" << list.str());
        REQUIRE(problems.empty());
    }

    /// Compares the outputs with the fixture, runs backward from sum(output * R) over the
    /// outputs that have a "loss_weight.<name>", and compares the gradients of the inputs
    /// and of `parameters`. Every output and gradient in the file must be checked.
    void check(const std::vector<std::pair<std::string, Tensor>>& outputs,
               const std::vector<std::pair<std::string, Tensor>>& parameters = {}) {
        Tensor loss;
        for (const auto& [name, output] : outputs) {
            compare("output." + name, output, worst_output_);
            if (!has_tensor("loss_weight." + name)) continue;
            const Tensor term = sum(output * file_.tensor("loss_weight." + name));
            loss = loss.defined() ? loss + term : term;
        }
        REQUIRE(loss.defined());
        loss.backward();
        for (const auto& [name, x] : inputs_) compare("grad_input." + name, x.grad(), worst_input_);
        for (const auto& [name, parameter] : parameters) {
            compare("grad." + name, parameter.grad(), worst_parameter_);
        }
        // Nothing the fixture holds may go unchecked (e.g. an output this test forgot).
        for (const auto& [file_name, value] : file_.tensors) {
            const bool result = starts_with(file_name, "output.") ||
                                starts_with(file_name, "grad_input.") ||
                                starts_with(file_name, "grad.");
            if (result && compared_.count(file_name) == 0) {
                failures_.push_back(file_name + ": in the fixture but not compared");
            }
        }
        report();
    }

private:
    /// The largest error among one kind of tensor (outputs, input or parameter gradients)
    /// and which tensor it was; no name if the fixture has none of that kind.
    struct Worst {
        double error = 0.0;
        std::string name;
    };

    bool has_tensor(const std::string& name) const {
        return std::any_of(file_.tensors.begin(), file_.tensors.end(),
                           [&](const auto& entry) { return entry.first == name; });
    }
    const std::string& metadata(const std::string& key) const {
        const auto found = file_.metadata.find(key);
        INFO(name_ << ": metadata key " << key);
        REQUIRE(found != file_.metadata.end());
        return found->second;
    }

    void compare(const std::string& name, const Tensor& actual, Worst& worst) {
        compared_.insert(name);
        const Tensor& expected = file_.tensor(name);
        if (!actual.defined()) {
            failures_.push_back(name + ": ours is undefined (no gradient reached it)");
            return;
        }
        if (!(actual.shape() == expected.shape())) {
            failures_.push_back(name + ": shape " + actual.shape().to_string() + ", PyTorch's " +
                                expected.shape().to_string());
            return;
        }
        const double error = relative_error(actual, expected);
        if (error > worst.error || worst.name.empty()) worst = {error, name};
        if (!(error <= kTolerance)) {  // written so that nan fails
            std::ostringstream message;
            message << name << ": relative error " << error << "\n    ours    "
                    << actual.to_string() << "\n    PyTorch " << expected.to_string();
            failures_.push_back(message.str());
        }
    }

    static std::string describe(const Worst& worst) {
        if (worst.name.empty()) return "none";
        std::ostringstream text;
        text << worst.error << " (" << worst.name << ")";
        return text.str();
    }

    void report() const {
        std::ostringstream summary;
        summary << "reference " << name_ << ": worst relative error: outputs "
                << describe(worst_output_) << ", input gradients " << describe(worst_input_)
                << ", parameter gradients " << describe(worst_parameter_);
        for (const std::string& failure : failures_) summary << "\n  FAILED " << failure;
        INFO(summary.str());
        CHECK(failures_.empty());
    }

    std::string name_;
    io::SafetensorsFile file_;
    std::vector<std::pair<std::string, Tensor>> inputs_;
    std::set<std::string> compared_;
    std::vector<std::string> failures_;
    Worst worst_output_, worst_input_, worst_parameter_;
};

/// The config of the Transformer blocks a fixture describes (dropout 0: deterministic).
TransformerConfig block_config(const Reference& reference) {
    TransformerConfig config;
    config.d_model = reference.config("d_model");
    config.heads = reference.config("heads");
    config.d_ff = reference.config("d_ff");
    config.norm_first = reference.config("norm_first") != 0;
    config.dropout = 0.0f;
    return config;
}

}  // namespace

TEST_CASE("reference: Linear matches PyTorch", "[nn][reference]") {
    Reference reference("linear");
    Linear linear(reference.config("in_features"), reference.config("out_features"));
    reference.load_parameters(linear);
    const Tensor x = reference.input("x");
    reference.check({{"y", linear.forward(x)}}, linear.named_parameters());
}

TEST_CASE("reference: LayerNorm matches PyTorch", "[nn][reference]") {
    Reference reference("layer_norm");
    LayerNorm norm(reference.config("dim"), reference.config_float("eps"));
    reference.load_parameters(norm);
    const Tensor x = reference.input("x");
    reference.check({{"y", norm.forward(x)}}, norm.named_parameters());
}

TEST_CASE("reference: scaled_dot_product_attention with a mask matches PyTorch",
          "[nn][reference]") {
    Reference reference("scaled_dot_product_attention");
    const Tensor q = reference.input("q"), k = reference.input("k"), v = reference.input("v");
    const AttentionOutput attention =
        scaled_dot_product_attention(q, k, v, reference.input("mask"));
    reference.check({{"output", attention.output}, {"weights", attention.weights}});
}

TEST_CASE("reference: SelfAttention with a causal mask matches PyTorch", "[nn][reference]") {
    Reference reference("self_attention");
    SelfAttention attention(reference.config("d_model"), reference.config("head_dim"));
    reference.load_parameters(attention);
    const Tensor x = reference.input("x");
    const Tensor output = attention.forward(x, causal_mask(x.size(1)));
    reference.check({{"output", output}, {"attention_weights", attention.attention_weights()}},
                    attention.named_parameters());
}

TEST_CASE("reference: MultiHeadAttention, self, causal and padding masks, matches PyTorch",
          "[nn][reference]") {
    Reference reference("multi_head_attention_self");
    MultiHeadAttention attention(reference.config("d_model"), reference.config("heads"));
    reference.load_parameters(attention);
    const Tensor x = reference.input("x");
    const Tensor mask = combine_masks(causal_mask(x.size(1)),
                                      padding_mask(reference.ids("lengths").values(), x.size(1)));
    reference.require_same_mask(mask, "mask");
    const AttentionRecording recording;
    const Tensor output = attention.forward(x, x, mask);
    reference.check({{"output", output}, {"attention_weights", recording.weights(attention)}},
                    attention.named_parameters());
}

TEST_CASE("reference: MultiHeadAttention, cross, padding mask, matches PyTorch",
          "[nn][reference]") {
    Reference reference("multi_head_attention_cross");
    MultiHeadAttention attention(reference.config("d_model"), reference.config("heads"));
    reference.load_parameters(attention);
    const Tensor query = reference.input("query"), memory = reference.input("memory");
    const Tensor mask = padding_mask(reference.ids("lengths").values(), memory.size(1));
    reference.require_same_mask(mask, "mask");
    const AttentionRecording recording;
    const Tensor output = attention.forward(query, memory, mask);
    reference.check({{"output", output}, {"attention_weights", recording.weights(attention)}},
                    attention.named_parameters());
}

TEST_CASE("reference: EncoderLayer, post-norm and pre-norm, matches PyTorch", "[nn][reference]") {
    const std::string name =
        GENERATE(as<std::string>(), "encoder_layer_post_norm", "encoder_layer_pre_norm");
    Reference reference(name);
    Generator generator(1);
    EncoderLayer layer(block_config(reference), generator);
    reference.load_parameters(layer);
    const Tensor x = reference.input("x");
    const Tensor mask = padding_mask(reference.ids("lengths").values(), x.size(1));
    reference.require_same_mask(mask, "mask");
    reference.check({{"output", layer.forward(x, mask)}}, layer.named_parameters());
}

TEST_CASE("reference: DecoderLayer, post-norm and pre-norm, matches PyTorch", "[nn][reference]") {
    const std::string name =
        GENERATE(as<std::string>(), "decoder_layer_post_norm", "decoder_layer_pre_norm");
    Reference reference(name);
    Generator generator(1);
    DecoderLayer layer(block_config(reference), generator);
    reference.load_parameters(layer);
    const Tensor y = reference.input("y"), memory = reference.input("memory");
    const Tensor self_mask = causal_mask(y.size(1));
    const Tensor memory_mask = padding_mask(reference.ids("lengths").values(), memory.size(1));
    reference.require_same_mask(self_mask, "self_mask");
    reference.require_same_mask(memory_mask, "memory_mask");
    reference.check({{"output", layer.forward(y, memory, self_mask, memory_mask)}},
                    layer.named_parameters());
}

TEST_CASE("reference: a 2+2-layer Transformer matches PyTorch's nn.Transformer",
          "[nn][reference]") {
    const std::string name = GENERATE(as<std::string>(), "transformer", "transformer_pre_norm");
    Reference reference(name);
    TransformerConfig config = block_config(reference);
    config.source_vocabulary = reference.config("source_vocabulary");
    config.target_vocabulary = reference.config("target_vocabulary");
    config.encoder_layers = reference.config("encoder_layers");
    config.decoder_layers = reference.config("decoder_layers");
    config.pad_id = reference.config("pad_id");
    config.max_length = reference.config("max_length");
    Transformer model(config);
    reference.load_parameters(model);
    const Tensor logits = model.forward(reference.ids("source"), reference.ids("target"));
    reference.check({{"logits", logits}}, model.named_parameters());
}

TEST_CASE("reference: a GPT with its output tied to the token embedding matches PyTorch",
          "[nn][reference][gpt]") {
    Reference reference("gpt");
    GPT model(GPTConfig{.vocabulary = reference.config("vocabulary"),
                        .context = reference.config("context"),
                        .d_model = reference.config("d_model"),
                        .heads = reference.config("heads"),
                        .layers = reference.config("layers"),
                        .d_ff = reference.config("d_ff")});
    reference.load_parameters(model);
    const Tensor logits = model.forward(reference.ids("ids"));
    // The token embedding's gradient is the sum of its two uses, input and output.
    reference.check({{"logits", logits}}, model.named_parameters());
}

TEST_CASE("reference: cross_entropy with padding and label smoothing matches PyTorch",
          "[nn][reference]") {
    const std::string name =
        GENERATE(as<std::string>(), "cross_entropy_smoothed", "cross_entropy_plain");
    Reference reference(name);
    const Tensor logits = reference.input("logits");
    const Tensor loss =
        cross_entropy(logits, reference.ids("targets"), reference.config("ignore_index"),
                      reference.config_float("label_smoothing"));
    reference.check({{"loss", loss}});
}

TEST_CASE("reference: fused_attention matches PyTorch's scaled_dot_product_attention",
          "[nn][reference][fused_attention]") {
    Reference reference("scaled_dot_product_attention");
    const Tensor q = reference.input("q"), k = reference.input("k"), v = reference.input("v");
    const Tensor mask = reference.input("mask");
    // The fixture also holds the weights, and check() compares everything it holds. The fused
    // op never forms them, but attending to the identity as values gives them back (P I = P),
    // so they are checked against the fused op too.
    const int64_t keys = k.size(-2);
    Tensor identity = zeros({keys, keys});
    for (int64_t j = 0; j < keys; ++j) identity.data()[j * keys + j] = 1.0f;
    const Shape values{k.size(0), k.size(1), keys, keys};  // v's leading dims must be q's
    const Tensor weights = fused_attention(q, k, broadcast_to(identity, values), mask);
    reference.check({{"output", fused_attention(q, k, v, mask)}, {"weights", weights}});
}
