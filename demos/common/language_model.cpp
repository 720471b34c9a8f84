// demos/common/language_model.cpp — token streams, random windows and the loss per byte
// (language_model.h).
#include "demos/common/language_model.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/error.h"
#include "nn/loss.h"

namespace demo {

TokenStream encode_documents(const ag::text::Tokenizer& tokenizer,
                             const std::vector<Document>& documents) {
    TokenStream stream;
    for (const Document& document : documents) {
        const std::vector<int64_t> ids = tokenizer.encode(document.text);
        stream.ids.insert(stream.ids.end(), ids.begin(), ids.end());
        stream.ids.push_back(ag::text::kEndOfText);
        stream.bytes += static_cast<int64_t>(document.text.size());
    }
    return stream;
}

TextBatch random_windows(const TokenStream& stream, int64_t batch, int64_t context,
                         ag::Generator& generator) {
    const auto size = static_cast<int64_t>(stream.ids.size());
    if (batch <= 0 || context <= 0 || size <= context) {
        throw ag::ValueError("random_windows: " + std::to_string(batch) + " windows of " +
                             std::to_string(context) + " + 1 tokens from a stream of " +
                             std::to_string(size));
    }
    std::vector<int64_t> inputs(static_cast<size_t>(batch * context));
    std::vector<int64_t> targets(inputs.size());
    for (int64_t b = 0; b < batch; ++b) {
        const int64_t offset = generator.integer(size - context);  // o + T < size
        const int64_t* window = stream.ids.data() + offset;
        std::copy(window, window + context, inputs.begin() + b * context);
        std::copy(window + 1, window + context + 1, targets.begin() + b * context);
    }
    return {ag::IndexTensor(std::move(inputs), {batch, context}),
            ag::IndexTensor(std::move(targets), {batch, context})};
}

double loss_per_byte(ag::nn::GPT& model, const ag::text::Tokenizer& tokenizer,
                     const TokenStream& stream, int64_t max_tokens, int64_t batch) {
    const int64_t context = model.config.context;
    int64_t size = static_cast<int64_t>(stream.ids.size());
    if (max_tokens > 0) size = std::min(size, max_tokens + 1);  // +1: the last target
    const int64_t windows = (size - 1) / context;
    if (windows < 1 || batch < 1) {
        throw ag::ValueError("loss_per_byte: the stream's " + std::to_string(size) +
                             " tokens hold no window of " + std::to_string(context) + " + 1");
    }
    const bool was_training = model.is_training();
    model.eval();
    ag::NoGradGuard no_grad;
    double nats = 0, bytes = 0;
    for (int64_t first = 0; first < windows; first += batch) {
        const int64_t count = std::min(batch, windows - first);
        std::vector<int64_t> inputs(static_cast<size_t>(count * context)), targets(inputs.size());
        for (int64_t w = 0; w < count; ++w) {
            const int64_t* window = stream.ids.data() + (first + w) * context;
            std::copy(window, window + context, inputs.begin() + w * context);
            std::copy(window + 1, window + context + 1, targets.begin() + w * context);
        }
        for (const int64_t id : targets) {
            bytes += static_cast<double>(tokenizer.token_bytes(id).size());
        }
        const ag::Tensor loss = model.loss(ag::IndexTensor(std::move(inputs), {count, context}),
                                           ag::IndexTensor(std::move(targets), {count, context}),
                                           ag::nn::kNoIgnoreIndex);
        nats += static_cast<double>(loss.item()) * static_cast<double>(count * context);
    }
    model.train(was_training);
    return nats / std::max(bytes, 1.0);
}

}  // namespace demo
