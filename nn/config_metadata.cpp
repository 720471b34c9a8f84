// nn/config_metadata.cpp — one list of fields per configuration, walked both ways.
//
// Each configuration's fields are named once, in visit(): writing turns each into text,
// reading parses each back strictly. A field added to a config and to its visit() is saved
// and checked without another line.
#include "nn/config_metadata.h"

#include <cstdio>
#include <limits>
#include <type_traits>

#include "io/metadata.h"
#include "io/safetensors.h"

namespace ag::nn {

namespace {

constexpr int64_t kLargest = std::numeric_limits<int64_t>::max();

// Writes each field as text.
struct Writer {
    std::map<std::string, std::string> out;
    void operator()(const char* name, const int64_t& value) {
        out[key(name)] = std::to_string(value);
    }
    void operator()(const char* name, const uint64_t& value) {
        out[key(name)] = std::to_string(value);
    }
    void operator()(const char* name, const bool& value) {
        out[key(name)] = value ? "true" : "false";
    }
    void operator()(const char* name, const float& value) {
        char text[32];
        std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));  // round-trips
        out[key(name)] = text;
    }
    void operator()(const char* name, const Activation& value) {
        out[key(name)] = value == Activation::Gelu ? "gelu" : "relu";
    }
    static std::string key(const char* name) { return std::string(kConfigPrefix) + name; }
};

// Reads each field back, strictly.
struct Reader {
    const std::map<std::string, std::string>& metadata;
    const std::string& path;
    static constexpr const char* kFunction = "load config";
    void operator()(const char* name, int64_t& value) {
        // pad_id may be -1 (no padding); every other integer field is a size >= 0.
        const int64_t min = std::string_view(name) == "pad_id" ? -1 : 0;
        value = io::metadata_integer(metadata, Writer::key(name), min, kLargest, kFunction, path);
    }
    void operator()(const char* name, uint64_t& value) {
        value = io::metadata_unsigned(metadata, Writer::key(name), kFunction, path);
    }
    void operator()(const char* name, bool& value) {
        value = io::metadata_bool(metadata, Writer::key(name), kFunction, path);
    }
    void operator()(const char* name, float& value) {
        const double read = io::metadata_finite(metadata, Writer::key(name), kFunction, path);
        if (!(read >= 0.0 && read < 1.0)) {
            throw io::CheckpointError(std::string(kFunction) + ": " + path + ": metadata '" +
                                      Writer::key(name) + "' is " + std::to_string(read) +
                                      ", not in [0, 1)");
        }
        value = static_cast<float>(read);
    }
    void operator()(const char* name, Activation& value) {
        const std::string text = io::metadata_text(metadata, Writer::key(name), kFunction, path);
        if (text != "relu" && text != "gelu") {
            throw io::CheckpointError(std::string(kFunction) + ": " + path + ": metadata '" +
                                      Writer::key(name) + "' is '" + text + "', not relu or gelu");
        }
        value = text == "gelu" ? Activation::Gelu : Activation::Relu;
    }
};

template <class Config, class Visitor>
void visit(Config& c, Visitor& f) {
    if constexpr (std::is_same_v<std::remove_const_t<Config>, TransformerConfig>) {
        f("source_vocabulary", c.source_vocabulary), f("target_vocabulary", c.target_vocabulary);
        f("d_model", c.d_model), f("heads", c.heads), f("encoder_layers", c.encoder_layers);
        f("decoder_layers", c.decoder_layers), f("d_ff", c.d_ff), f("dropout", c.dropout);
        f("activation", c.activation), f("norm_first", c.norm_first);
        f("max_length", c.max_length), f("learned_positions", c.learned_positions);
        f("tie_output_embedding", c.tie_output_embedding), f("pad_id", c.pad_id);
        f("seed", c.seed);
    } else if constexpr (std::is_same_v<std::remove_const_t<Config>, RnnSeq2SeqConfig>) {
        f("source_vocabulary", c.source_vocabulary), f("target_vocabulary", c.target_vocabulary);
        f("embedding_size", c.embedding_size), f("hidden_size", c.hidden_size);
        f("attention_size", c.attention_size), f("pad_id", c.pad_id), f("seed", c.seed);
    } else if constexpr (std::is_same_v<std::remove_const_t<Config>, GPTConfig>) {
        f("vocabulary", c.vocabulary), f("context", c.context), f("d_model", c.d_model);
        f("heads", c.heads), f("layers", c.layers), f("d_ff", c.d_ff), f("dropout", c.dropout);
        f("seed", c.seed);
    } else {
        static_assert(std::is_same_v<std::remove_const_t<Config>, TextModelConfig>);
        f("vocabulary", c.vocabulary), f("d_model", c.d_model), f("heads", c.heads);
        f("layers", c.layers), f("d_ff", c.d_ff), f("dropout", c.dropout);
        f("activation", c.activation), f("norm_first", c.norm_first);
        f("max_length", c.max_length), f("learned_positions", c.learned_positions);
        f("causal", c.causal), f("pad_id", c.pad_id), f("seed", c.seed);
    }
}

template <class Config>
std::map<std::string, std::string> write(const Config& config, const char* model) {
    Writer writer;
    visit(config, writer);
    writer.out[Writer::key("model")] = model;
    return writer.out;
}

template <class Config>
Config read(const std::map<std::string, std::string>& metadata, const std::string& path,
            const char* model) {
    const std::string stored =
        io::metadata_text(metadata, Writer::key("model"), Reader::kFunction, path);
    if (stored != model) {
        throw io::CheckpointError(std::string(Reader::kFunction) + ": " + path +
                                  ": the file holds a '" + stored + "' model, expected '" + model +
                                  "'");
    }
    Config config;
    Reader reader{metadata, path};
    visit(config, reader);
    return config;
}

}  // namespace

std::map<std::string, std::string> config_metadata(const TransformerConfig& config) {
    return write(config, "transformer");
}
std::map<std::string, std::string> config_metadata(const RnnSeq2SeqConfig& config) {
    return write(config, "rnn_seq2seq");
}
std::map<std::string, std::string> config_metadata(const TextModelConfig& config) {
    return write(config, "text_model");
}
std::map<std::string, std::string> config_metadata(const GPTConfig& config) {
    return write(config, "gpt");
}

TransformerConfig transformer_config_from(const std::map<std::string, std::string>& metadata,
                                          const std::string& path) {
    return read<TransformerConfig>(metadata, path, "transformer");
}
RnnSeq2SeqConfig rnn_seq2seq_config_from(const std::map<std::string, std::string>& metadata,
                                         const std::string& path) {
    return read<RnnSeq2SeqConfig>(metadata, path, "rnn_seq2seq");
}
TextModelConfig text_model_config_from(const std::map<std::string, std::string>& metadata,
                                       const std::string& path) {
    return read<TextModelConfig>(metadata, path, "text_model");
}
GPTConfig gpt_config_from(const std::map<std::string, std::string>& metadata,
                          const std::string& path) {
    return read<GPTConfig>(metadata, path, "gpt");
}

std::map<std::string, std::string> config_entries(
    const std::map<std::string, std::string>& metadata) {
    std::map<std::string, std::string> entries;
    for (const auto& [key, value] : metadata) {
        if (key.starts_with(kConfigPrefix)) entries.emplace(key, value);
    }
    return entries;
}

}  // namespace ag::nn
