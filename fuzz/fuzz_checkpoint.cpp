// fuzz/fuzz_checkpoint.cpp — libFuzzer target for the checkpoint loader.
//
// A checkpoint is untrusted input: every length, offset and shape in it must be checked before
// use. libFuzzer mutates bytes (starting from fuzz/corpus/checkpoint) and this target loads
// them the two ways a program does: read_safetensors, and load_checkpoint_partial into a small
// model. Rejecting the bytes with ag::Error is the expected outcome; a crash, a sanitizer
// report, another exception type or a hang is a bug.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "nn/checkpoint.h"
#include "nn/layers.h"

namespace {

// A model whose parameter names and shapes the corpus files use.
struct SmallModel : ag::nn::Module {
    ag::nn::Linear first{3, 4}, second{4, 2};
    SmallModel() {
        register_module("first", first);
        register_module("second", second);
    }
};

const std::string& scratch_path() {
    static const std::string path = "/tmp/attograd_fuzz_checkpoint_" + std::to_string(getpid());
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::FILE* file = std::fopen(scratch_path().c_str(), "wb");
    if (file == nullptr) return 0;
    std::fwrite(data, 1, size, file);
    std::fclose(file);
    try {
        (void)ag::io::read_safetensors(scratch_path());
    } catch (const ag::Error&) {
    }
    try {
        (void)ag::io::read_safetensors(scratch_path(), {.from_elsewhere = true});
    } catch (const ag::Error&) {
    }
    try {
        SmallModel model;
        (void)ag::nn::load_checkpoint_partial(model, scratch_path());
    } catch (const ag::Error&) {
    }
    return 0;
}
