// demos/common/language_model.h — what training a GPT on a text needs around the model: the
// text as one stream of token ids, random windows of it as batches, and the held-out loss in
// nats per byte.
//
// A language model reads a window of T tokens and, at every position t, predicts token t + 1:
//
//   stream   ... The cat sat . <eot> A dog ...
//   inputs       The cat sat .                 (tokens o .. o + T - 1)
//   targets          cat sat . <eot>           (tokens o + 1 .. o + T)
//
// Loss per byte: the mean cross-entropy per token depends on the tokenizer (a BPE token
// stands for about three bytes, so its loss is larger), but the total loss of a text, in
// nats, is the cost of encoding it with the model (Shannon). Divided by the text's bytes it
// compares byte and BPE models: loss per byte = sum of -log p(target) / bytes the targets
// stand for. The end-of-text tokens stand for no bytes, but their cost is counted.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/index_tensor.h"
#include "core/random.h"
#include "demos/common/corpus.h"
#include "nn/gpt.h"
#include "text/tokenizer.h"

namespace demo {

/// Documents as one stream of ids: each encoded, then text::kEndOfText.
struct TokenStream {
    std::vector<int64_t> ids;  ///< the tokens, documents in order
    int64_t bytes = 0;         ///< the bytes the documents hold
};

/// Encodes `documents` with `tokenizer`, each followed by kEndOfText.
TokenStream encode_documents(const ag::text::Tokenizer& tokenizer,
                             const std::vector<Document>& documents);

/// One language-model batch: targets are inputs shifted by one position, both [B, T].
struct TextBatch {
    ag::IndexTensor inputs, targets;
};

/// `batch` windows of `context` + 1 tokens at offsets drawn uniformly from `generator`.
/// Throws ag::ValueError unless batch and context are positive and the stream holds more than
/// `context` tokens.
TextBatch random_windows(const TokenStream& stream, int64_t batch, int64_t context,
                         ag::Generator& generator);

/// The loss per byte (see the top of this file) of `model` on the first `max_tokens` tokens
/// of `stream` (0: all), read in consecutive windows of model.config.context tokens, `batch`
/// windows per forward pass, each position seeing the earlier positions of its window only.
/// The model is run in eval mode without a graph and left in the mode it was in. Throws
/// ag::ValueError if the stream holds no full window.
double loss_per_byte(ag::nn::GPT& model, const ag::text::Tokenizer& tokenizer,
                     const TokenStream& stream, int64_t max_tokens = 0, int64_t batch = 32);

}  // namespace demo
