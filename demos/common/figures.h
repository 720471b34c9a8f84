// demos/common/figures.h — the pictures a demo leaves next to its checkpoint.
//
//   loss.svg               the training loss per step (log scale) and its moving average
//   attention_cross.svg    for one held-out example, every decoder layer's cross-attention,
//                          one heatmap per head: row t is the output token being written,
//                          column s the source token; dark = attended to. For `reverse` the
//                          weight should gather on the anti-diagonal.
//   attention_encoder.svg  the same for the encoder's self-attention (source x source).
#pragma once

#include <string>

#include "demos/common/tasks.h"
#include "demos/common/training.h"
#include "nn/rnn.h"
#include "nn/transformer.h"

namespace demo {

/// Writes the loss curve of `result` to `path` as SVG. Throws std::runtime_error naming the
/// path if it cannot be written.
void write_loss_curve(const std::string& path, const std::string& title,
                      const TrainingResult& result);

/// Runs `example` through `model` (eval mode, teacher forcing) and writes the cross-attention
/// heatmaps to `directory`/attention_cross.svg and the encoder self-attention heatmaps to
/// `directory`/attention_encoder.svg.
void write_transformer_attention(const std::string& directory, ag::nn::Transformer& model,
                                 const Task& task, const Example& example);

/// The same for the RNN's additive attention: one heatmap, written to `path`.
void write_rnn_attention(const std::string& path, ag::nn::RnnSeq2Seq& model, const Task& task,
                         const Example& example);

}  // namespace demo
