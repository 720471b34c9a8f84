/** \file
nn/seq2seq.h — what every sequence-to-sequence model offers: the interface shared by the
Transformer and the RNN encoder-decoder it replaced, so that training loops and decoders
work with either.

\verbatim
A seq2seq model reads a source sequence and writes a target sequence one token at a time,
each conditioned on the source and on the tokens written so far:
  p(y | x) = prod_t p(y_t | y_<t, x)
Training feeds the true previous tokens (teacher forcing) and scores every position at once
with forward(); decoding feeds back its own guesses one step at a time with decode_step().
\endverbatim
*/
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/index_tensor.h"
#include "core/tensor.h"
#include "nn/module.h"

namespace ag::nn {

/// What a model remembers between decoding steps (the encoder's output, cached keys and
/// values, a recurrent state). Each model defines its own.
class DecoderState {
public:
    virtual ~DecoderState() = default;
    /// Keeps only the batch rows `rows`, in that order (beam search reorders its hypotheses).
    virtual void select(const IndexTensor& rows) = 0;
};

/// A sequence-to-sequence model over token ids.
class Seq2SeqModel : public Module {
public:
    /// Teacher-forced scores: source [B, S] and target_input [B, T] (the target shifted right,
    /// starting with BOS) give logits [B, T, V] for the next token at every position.
    virtual Tensor forward(const IndexTensor& source, const IndexTensor& target_input) = 0;
    /// Reads the source [B, S] once and returns the state the first decode_step starts from.
    virtual std::unique_ptr<DecoderState> start_decoding(const IndexTensor& source) = 0;
    /// Feeds the latest token of each sequence, tokens [B], and returns the logits [B, V] of
    /// the next one, advancing `state` by one position.
    virtual Tensor decode_step(DecoderState& state, const IndexTensor& tokens) = 0;
    /// The model's configuration as "config.*" checkpoint metadata (nn/config_metadata.h),
    /// so a checkpoint says which model it holds.
    virtual std::map<std::string, std::string> config_metadata() const = 0;
};

}  // namespace ag::nn
