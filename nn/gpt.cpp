// nn/gpt.cpp — the GPT model and generate() (gpt.h).
#include "nn/gpt.h"

#include <cmath>
#include <numeric>
#include <string>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops.h"
#include "nn/loss.h"

namespace ag::nn {
namespace {

// The blocks are the Transformer's encoder layers, pre-norm with GELU.
TransformerConfig block_config(const GPTConfig& c) {
    TransformerConfig t;
    t.d_model = c.d_model;
    t.heads = c.heads;
    t.d_ff = c.d_ff;
    t.dropout = c.dropout;
    t.activation = Activation::Gelu;
    t.norm_first = true;
    return t;
}

// GPT-2's initialisation (see gpt.h): N(0, 0.02^2) for every matrix, the residual projections
// scaled by 1/sqrt(2N), biases 0; layer norms keep their ones and zeros.
void initialise(GPT& model, Generator& generator) {
    const float residual_scale = 1.0f / std::sqrt(2.0f * float(model.config.layers));
    for (auto& [name, parameter] : model.named_parameters()) {
        const bool layer_norm = name.find("norm") != std::string::npos;
        if (layer_norm) continue;
        float* values = parameter.data();
        const int64_t n = parameter.numel();
        if (parameter.rank() == 1) {  // a bias
            for (int64_t i = 0; i < n; ++i) values[i] = 0.0f;
            continue;
        }
        const bool residual = name.ends_with("self_attention.output.weight") ||
                              name.ends_with("feed_forward.contract.weight");
        const float std = 0.02f * (residual ? residual_scale : 1.0f);
        for (int64_t i = 0; i < n; ++i) values[i] = std * generator.normal();
    }
}

int64_t cached_positions(const std::vector<KeyValueCache>* caches) {
    if (caches == nullptr || caches->empty() || !caches->front().keys.defined()) return 0;
    return caches->front().keys.shape()[1];
}

// `c` itself, once its sizes are checked: the constructor calls it in its first initialiser,
// before any layer is built from the sizes.
const GPTConfig& checked(const GPTConfig& c) {
    for (const auto& [value, what] : {std::pair{c.vocabulary, "vocabulary"},
                                      {c.context, "context"},
                                      {c.d_model, "d_model"},
                                      {c.heads, "heads"},
                                      {c.layers, "layers"},
                                      {c.d_ff, "d_ff"}}) {
        if (value <= 0) {
            throw ValueError(std::string("GPT: ") + what + " must be positive, got " +
                             std::to_string(value));
        }
    }
    return c;
}

}  // namespace

GPT::GPT(const GPTConfig& c)
    : token_embedding(checked(c).vocabulary, c.d_model),
      position_embedding(c.context, c.d_model),
      dropout(c.dropout),
      norm(c.d_model),
      config(c) {
    Generator generator(c.seed);
    register_module("token_embedding", token_embedding);
    register_module("position_embedding", position_embedding);
    register_module("dropout", dropout);
    for (int64_t i = 0; i < c.layers; ++i) {
        blocks.append(std::make_unique<EncoderLayer>(block_config(c), generator));
    }
    register_module("blocks", blocks);
    register_module("norm", norm);
    initialise(*this, generator);
}

Tensor GPT::forward(const IndexTensor& ids, std::vector<KeyValueCache>* caches) {
    if (ids.shape().rank() != 2) {
        throw ShapeError("GPT::forward: ids must be [B, T], got " + ids.shape().to_string());
    }
    if (caches != nullptr && caches->size() != blocks.size()) {
        throw ValueError("GPT::forward: " + std::to_string(caches->size()) + " caches for " +
                         std::to_string(blocks.size()) + " blocks");
    }
    const int64_t start = cached_positions(caches), length = ids.shape()[1];
    if (start + length > config.context) {
        throw ShapeError("GPT::forward: positions " + std::to_string(start) + " to " +
                         std::to_string(start + length - 1) + " exceed the context of " +
                         std::to_string(config.context));
    }
    //! [gpt_forward]
    std::vector<int64_t> positions(static_cast<size_t>(length));
    std::iota(positions.begin(), positions.end(), start);
    Tensor x = token_embedding.forward(ids) + position_embedding.forward(IndexTensor(positions));
    x = dropout.forward(x);
    for (size_t i = 0; i < blocks.size(); ++i) {
        x = blocks[i].forward(x, Tensor(), caches ? &(*caches)[i] : nullptr, /*is_causal=*/true);
    }
    // The output layer is the embedding, tied: logits = h E^T.
    return linear(norm.forward(x), token_embedding.weight);
    //! [gpt_forward]
}

Tensor GPT::loss(const IndexTensor& inputs, const IndexTensor& targets, int64_t ignore_index) {
    return cross_entropy(forward(inputs), targets, ignore_index);
}

std::vector<int64_t> generate(GPT& model, const std::vector<int64_t>& prompt,
                              int64_t max_new_tokens, const GenerationOptions& options) {
    if (prompt.empty()) throw ValueError("generate: the prompt is empty (give at least one id)");
    if (max_new_tokens < 0) {
        throw ValueError("generate: max_new_tokens must be at least 0, got " +
                         std::to_string(max_new_tokens));
    }
    const bool was_training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    Generator generator(options.seed);
    const int64_t context = model.config.context, vocabulary = model.config.vocabulary;
    std::vector<int64_t> tokens = prompt, fresh;
    std::vector<KeyValueCache> caches(model.blocks.size());
    size_t cached = 0;  // tokens whose keys and values the caches hold
    try {
        for (int64_t step = 0; step < max_new_tokens; ++step) {
            //! [generate_step]
            Tensor logits;
            const int64_t total = static_cast<int64_t>(tokens.size());
            if (options.use_cache && total <= context) {  // only what the caches lack
                const std::vector<int64_t> lacking(tokens.begin() + cached, tokens.end());
                logits = model.forward(IndexTensor(lacking, {1, total - int64_t(cached)}), &caches);
                cached = tokens.size();
            } else {  // the last `context` tokens, afresh: their positions have all moved
                const int64_t window = std::min(total, context);
                const std::vector<int64_t> last(tokens.end() - window, tokens.end());
                logits = model.forward(IndexTensor(last, {1, window}));
            }
            const int64_t rows = logits.shape()[1];
            const float* row = logits.data() + (rows - 1) * vocabulary;
            const int64_t id = sample_token({row, size_t(vocabulary)}, options.sampling, generator);
            tokens.push_back(id);
            fresh.push_back(id);
            //! [generate_step]
            if (id == options.stop_token) break;
        }
    } catch (...) {
        model.train(was_training);
        throw;
    }
    model.train(was_training);
    return fresh;
}

}  // namespace ag::nn
