/** \file
nn/config_metadata.h — a model's configuration as checkpoint metadata, and back.

\verbatim
A checkpoint carries the configuration of the model it holds, so the model can be rebuilt
from the file alone and a resume can refuse a file made by another model. safetensors
metadata maps strings to strings, so each field becomes one flat key: "config.d_model" ->
"128", "config.norm_first" -> "false", "config.activation" -> "relu". Reading back is strict
(io/metadata.h): every field must be present and in range, or the error names the file and
the key.
\endverbatim
*/
#pragma once

#include <map>
#include <string>

#include "nn/gpt.h"
#include "nn/pretraining.h"
#include "nn/rnn.h"
#include "nn/transformer.h"

namespace ag::nn {

/// Every metadata key of a configuration starts with this.
inline constexpr const char* kConfigPrefix = "config.";

///@{
/// `config` as "config.<field>" metadata, one key per field, plus "config.model" naming the
/// model ("transformer", "rnn_seq2seq", "text_model", "gpt").
std::map<std::string, std::string> config_metadata(const TransformerConfig& config);
std::map<std::string, std::string> config_metadata(const RnnSeq2SeqConfig& config);
std::map<std::string, std::string> config_metadata(const TextModelConfig& config);
std::map<std::string, std::string> config_metadata(const GPTConfig& config);
///@}

///@{
/// The configuration stored in `metadata` by config_metadata(). Throws io::CheckpointError
/// naming `path` and the key when "config.model" names another model, or a field is missing
/// or out of range (sizes >= 0, dropout in [0, 1), pad id >= -1).
TransformerConfig transformer_config_from(const std::map<std::string, std::string>& metadata,
                                          const std::string& path);
RnnSeq2SeqConfig rnn_seq2seq_config_from(const std::map<std::string, std::string>& metadata,
                                         const std::string& path);
TextModelConfig text_model_config_from(const std::map<std::string, std::string>& metadata,
                                       const std::string& path);
GPTConfig gpt_config_from(const std::map<std::string, std::string>& metadata,
                          const std::string& path);
///@}

/// Only the "config.*" entries of `metadata`.
std::map<std::string, std::string> config_entries(
    const std::map<std::string, std::string>& metadata);

}  // namespace ag::nn
