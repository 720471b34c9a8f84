// docs/examples/norm_gradients.cpp — the measured figure of the Transformer page
// (docs/transformer.md): at initialisation, how large is the gradient that reaches each layer
// of a 12-layer encoder, post-norm (the paper's) against pre-norm?
//
// For each, the same seeded encoder (D = 64, 4 heads, d_ff 256, no dropout) reads the same
// random input [8, 16, 64]; the loss is a fixed random linear read-out of its output,
// mean(output * r), so every run asks the same question of the output. After backward, each
// layer's gradient norm is the Frobenius norm of the gradients of all its parameters.
//
//     norm_gradients <directory>     writes norm_gradients.svg and norm_gradients.txt there
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "core/ops.h"
#include "core/random.h"
#include "demos/common/plot.h"
#include "nn/transformer.h"

namespace {

constexpr int64_t kLayers = 12;

double norm(const ag::Tensor& t) {
    double squares = 0;
    for (int64_t i = 0; i < t.numel(); ++i) squares += double{t.data()[i]} * t.data()[i];
    return std::sqrt(squares);
}

struct LayerGradients {
    std::vector<double> input;       // |d loss / d x_l|, x_l the input of layer l
    std::vector<double> parameters;  // the norm of all of layer l's parameter gradients
};

// One encoder's gradients, layer by layer. Each layer reads a leaf copy of the one before, so
// that the gradient arriving at every layer's input can be read; backward then carries it on
// through the layer below, one layer at a time (the same chain rule, in pieces).
LayerGradients layer_gradients(bool norm_first) {
    const ag::nn::TransformerConfig config{.d_model = 64,
                                           .heads = 4,
                                           .encoder_layers = kLayers,
                                           .d_ff = 256,
                                           .dropout = 0.0f,
                                           .norm_first = norm_first};
    ag::Generator weights(1);
    ag::nn::Encoder encoder(config, weights);
    ag::Generator data(2);
    const ag::Tensor x = ag::randn({8, 16, 64}, data);
    const ag::Tensor readout = ag::randn({8, 16, 64}, data);
    std::vector<ag::Tensor> inputs, outputs;
    ag::Tensor h = x;
    for (size_t l = 0; l < encoder.layers.size(); ++l) {
        inputs.push_back(h.detach().set_requires_grad());
        outputs.push_back(encoder.layers[l].forward(inputs.back()));
        h = outputs.back();
    }
    ag::mean(encoder.norm.forward(h) * readout).backward();
    for (size_t l = encoder.layers.size() - 1; l > 0; --l) {
        outputs[l - 1].backward(inputs[l].grad());
    }
    LayerGradients result;
    for (size_t l = 0; l < encoder.layers.size(); ++l) {
        result.input.push_back(norm(inputs[l].grad()));
        double squares = 0;
        for (const auto& [name, p] : encoder.layers[l].named_parameters()) {
            const double gradient_norm = norm(p.grad());
            squares += gradient_norm * gradient_norm;
        }
        result.parameters.push_back(std::sqrt(squares));
    }
    return result;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const std::string directory = argv[1];
    const LayerGradients post = layer_gradients(false), pre = layer_gradients(true);
    demo::Series post_series{"post-norm (the paper, the default)", {}, post.input};
    demo::Series pre_series{"pre-norm (norm_first)", {}, pre.input};
    std::string table =
        "        |d loss / d x_l|        parameters' gradient\n"
        "layer  post-norm  pre-norm    post-norm  pre-norm\n";
    char line[100];
    for (int64_t l = 0; l < kLayers; ++l) {
        post_series.x.push_back(static_cast<double>(l + 1));
        pre_series.x.push_back(static_cast<double>(l + 1));
        std::snprintf(line, sizeof line, "%5lld  %9.2e  %8.2e    %9.2e  %8.2e\n",
                      static_cast<long long>(l + 1), post.input[l], pre.input[l],
                      post.parameters[l], pre.parameters[l]);
        table += line;
    }
    demo::write_text_file(directory + "/norm_gradients.txt", table);
    demo::write_text_file(
        directory + "/norm_gradients.svg",
        demo::line_chart_svg("the gradient reaching each layer's input, at initialisation",
                             "layer (1 reads the embeddings)", "|d loss / d x_l|",
                             {post_series, pre_series}, /*log_y=*/true));
    return 0;
}
