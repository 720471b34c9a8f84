// fuzz/fuzz_checkpoint.cpp — libFuzzer target for the checkpoint loaders.
//
// A checkpoint is untrusted input: every length, offset, shape and metadata value in it must be
// checked before use. libFuzzer mutates bytes (starting from fuzz/corpus/checkpoint) and this
// target loads them every way a program does: read_safetensors (attograd's files, and files
// from elsewhere), load_checkpoint_partial into a small model, a model configuration from the
// metadata, and a whole training state (model, optimizer, step, loss history) as a resume
// does. Since the checksum covers the whole file, almost every mutation would stop at it; so
// each input is also loaded once more with its checksum made right, which lets the fuzzer
// reach the metadata and resume checks behind it. Rejecting the bytes with ag::Error is the
// expected outcome; a crash, a sanitizer report, another exception type or a hang is a bug.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/error.h"
#include "demos/common/training_state.h"
#include "io/safetensors.h"
#include "nn/checkpoint.h"
#include "nn/config_metadata.h"
#include "nn/layers.h"
#include "nn/transformer.h"
#include "optim/optimizer.h"

namespace {

// A model whose parameter names and shapes the corpus files use.
struct SmallModel : ag::nn::Module {
    ag::nn::Linear first{3, 4}, second{4, 2};
    SmallModel() {
        register_module("first", first);
        register_module("second", second);
    }
};

// The Transformer of fuzz/corpus/checkpoint/training_state.safetensors (written by
// fuzz/make_checkpoint_corpus.cpp).
ag::nn::TransformerConfig tiny_transformer() {
    return {.source_vocabulary = 7,
            .target_vocabulary = 7,
            .d_model = 8,
            .heads = 2,
            .encoder_layers = 1,
            .decoder_layers = 1,
            .d_ff = 16,
            .dropout = 0.0f,
            .max_length = 8,
            .seed = 3};
}

std::string scratch_path() { return "/tmp/attograd_fuzz_checkpoint_" + std::to_string(getpid()); }

void write_file(const std::string& path, const std::string& bytes) {
    std::FILE* file = std::fopen(path.c_str(), "wb");
    if (file == nullptr) return;
    std::fwrite(bytes.data(), 1, bytes.size(), file);
    std::fclose(file);
}

// The bytes with the checksum set to what it should be, if they hold one where attograd
// writes it (the CRC-32 of the file with the checksum's 8 digits at "0").
bool fix_checksum(std::string& bytes) {
    const std::string key = "\"checksum\":\"";
    const size_t at = bytes.find(key);
    if (at == std::string::npos || at + key.size() + 8 > bytes.size()) return false;
    const size_t digits = at + key.size();
    bytes.replace(digits, 8, "00000000");
    char hex[16];
    std::snprintf(hex, sizeof hex, "%08x",
                  static_cast<unsigned>(ag::io::crc32(bytes.data(), bytes.size())));
    bytes.replace(digits, 8, hex);
    return true;
}

void load_every_way(const std::string& path) {
    try {
        (void)ag::io::read_safetensors(path);
    } catch (const ag::Error&) {
    }
    try {
        (void)ag::io::read_safetensors(path, {.from_elsewhere = true});
    } catch (const ag::Error&) {
    }
    try {
        SmallModel model;
        (void)ag::nn::load_checkpoint_partial(model, path);
    } catch (const ag::Error&) {
    }
    try {
        const auto file = ag::io::read_safetensors(path);
        (void)ag::nn::transformer_config_from(file.metadata, path);
    } catch (const ag::Error&) {
    }
    try {
        ag::nn::Transformer model(tiny_transformer());
        ag::optim::Adam adam(model.named_parameters(), 0.01f);
        (void)demo::load_training_state(path, model, adam,
                                        {"reverse", 0, {}, model.config_metadata()});
    } catch (const ag::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = scratch_path();
    std::string bytes(reinterpret_cast<const char*>(data), size);
    write_file(path, bytes);
    load_every_way(path);
    if (fix_checksum(bytes)) {
        write_file(path, bytes);
        load_every_way(path);
    }
    return 0;
}
