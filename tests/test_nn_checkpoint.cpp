// tests/test_nn_checkpoint.cpp — a Module's parameters in a checkpoint (nn/checkpoint.h).
#include <cstring>

#include "file_helpers.h"
#include "nn/checkpoint.h"
#include "nn/config_metadata.h"

using namespace ag;
using namespace ag::nn;
using ag::io::read_safetensors;
using ag::io::save_safetensors;
using namespace test;

namespace {

// y = decoder(encoder(x)) * scale, in miniature: "scale", "encoder.weight", "encoder.bias",
// "decoder.weight", "decoder.bias".
struct Affine : Module {
    Tensor weight, bias;
    Affine(int64_t out, int64_t in, uint64_t seed) {
        weight = register_parameter("weight", random_tensor({out, in}, seed));
        bias = register_parameter("bias", random_tensor({out}, seed + 1));
    }
};
struct TinyModel : Module {
    Affine encoder, decoder;
    Tensor scale;
    explicit TinyModel(uint64_t seed, int64_t width = 4)
        : encoder(width, 3, seed), decoder(2, width, seed + 2) {
        scale = register_parameter("scale", scalar(0.5f + static_cast<float>(seed)));
        register_module("encoder", encoder);
        register_module("decoder", decoder);
    }
};

// Every parameter's bits, to check "untouched" exactly (NaN != NaN, -0 == 0 for floats).
std::vector<std::vector<uint32_t>> bits_of(const Module& module) {
    std::vector<std::vector<uint32_t>> bits;
    for (const Tensor& t : module.parameters()) {
        bits.emplace_back(static_cast<size_t>(t.numel()));
        if (t.numel() > 0) std::memcpy(bits.back().data(), t.data(), t.numel() * sizeof(float));
    }
    return bits;
}

}  // namespace

TEST_CASE("a missing file or directory is an error naming the path", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("nowhere.safetensors");
    CHECK_THAT(checkpoint_error([&] { read_safetensors(path); }),
               Contains("read_safetensors: " + path + ": cannot open: No such file"));
    TinyModel model(1);
    CHECK_THAT(checkpoint_error([&] { load_checkpoint(model, path); }),
               Contains("load_checkpoint: " + path));
    const std::string in_missing_dir = dir.file("no/such/dir/model.safetensors");
    CHECK_THAT(checkpoint_error([&] { save_checkpoint(model, in_missing_dir); }),
               Contains("save_safetensors: " + in_missing_dir) && Contains("No such file"));
}

// ---- loading into a Module ----------------------------------------------------------------------

TEST_CASE("load_checkpoint restores every parameter bit-exactly", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    TinyModel trained(1), fresh(7);
    save_checkpoint(trained, path, {{"epoch", "3"}});
    REQUIRE(bits_of(fresh) != bits_of(trained));
    load_checkpoint(fresh, path);
    REQUIRE(bits_of(fresh) == bits_of(trained));
    REQUIRE(fresh.scale.requires_grad());  // still the same parameter tensors, updated in place
    REQUIRE(read_safetensors(path).metadata.at("epoch") == "3");
}

TEST_CASE("load_checkpoint is strict, and load_checkpoint_partial lists what else a file holds",
          "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("with_optimizer.safetensors");
    TinyModel trained(1), fresh(7);
    auto tensors = trained.named_parameters();
    tensors.emplace_back("optimizer.exp_avg.encoder.weight", zeros({4, 3}));
    save_safetensors(path, tensors);
    CHECK_THAT(checkpoint_error([&] { load_checkpoint(fresh, path); }),
               Contains("unexpected tensor 'optimizer.exp_avg.encoder.weight'"));
    REQUIRE(load_checkpoint_partial(fresh, path).skipped ==
            std::vector<std::string>{"optimizer.exp_avg.encoder.weight"});
    REQUIRE(bits_of(fresh) == bits_of(trained));
}

TEST_CASE("load_checkpoint leaves the model untouched on any error", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("model.safetensors");
    TinyModel model(7);
    const auto before = bits_of(model);
    std::string message;

    SECTION("corrupt file") {
        TinyModel other(1);
        save_checkpoint(other, path);
        std::string bytes = read_bytes(path);
        bytes[bytes.size() - 1] ^= 1;
        write_bytes(path, bytes);
        message = checkpoint_error([&] { load_checkpoint(model, path); });
        CHECK_THAT(message, Contains("checksum mismatch"));
    }
    SECTION("shape mismatch") {
        TinyModel wider(1, 5);
        save_checkpoint(wider, path);
        message = checkpoint_error([&] { load_checkpoint(model, path); });
        CHECK_THAT(message,
                   Contains("tensor 'encoder.weight' has shape [5,3], the model expects [4,3]"));
        CHECK_THAT(message,
                   Contains("tensor 'decoder.weight' has shape [2,5], the model expects [2,4]"));
    }
    SECTION("missing and unexpected names") {
        TinyModel other(1);
        auto tensors = other.named_parameters();
        tensors.erase(tensors.begin() + 4);  // decoder.bias
        tensors.erase(tensors.begin());      // scale, saved below as an index tensor instead
        tensors.emplace_back("foo", zeros({1}));
        save_safetensors(path, tensors, {}, {{"scale", IndexTensor({1})}});
        message = checkpoint_error([&] { load_checkpoint(model, path); });
        CHECK_THAT(message, Contains("missing tensor 'decoder.bias'"));
        CHECK_THAT(message, Contains("unexpected tensor 'foo'"));
        CHECK_THAT(message, Contains("tensor 'scale' has dtype I64"));
    }
    SECTION("many mismatches are summarized") {
        std::vector<std::pair<std::string, Tensor>> strangers;
        for (int i = 0; i < 9; ++i)
            strangers.emplace_back("stranger" + std::to_string(i), zeros({1}));
        save_safetensors(path, strangers);
        message = checkpoint_error([&] { load_checkpoint(model, path); });
        CHECK_THAT(message, Contains("missing tensor 'scale'") &&
                                Contains("and 1 more missing tensors") &&
                                Contains("unexpected tensor 'stranger3'") &&
                                Contains("and 5 more unexpected tensors"));
    }
    CHECK_THAT(message, Contains("load_checkpoint: " + path + ": "));
    REQUIRE(bits_of(model) == before);
}

TEST_CASE("load_checkpoint_partial loads what fits and reports the rest", "[nn][checkpoint]") {
    TempDir dir;
    const std::string path = dir.file("pretrained.safetensors");
    TinyModel pretrained(1, 5), model(7, 4);  // encoder.weight and decoder.weight differ in shape
    auto tensors = pretrained.named_parameters();
    tensors.erase(tensors.begin() + 2);  // encoder.bias
    tensors.emplace_back("extra.weight", zeros({3}));
    save_safetensors(path, tensors);
    const Tensor encoder_weight = model.encoder.weight.clone();

    const LoadReport report = load_checkpoint_partial(model, path);
    REQUIRE(report.loaded == std::vector<std::string>{"scale", "decoder.bias"});
    REQUIRE(report.skipped ==
            std::vector<std::string>{"encoder.weight", "decoder.weight", "extra.weight"});
    REQUIRE(report.missing == std::vector<std::string>{"encoder.bias"});
    REQUIRE(same_bits(model.scale, pretrained.scale));
    REQUIRE(same_bits(model.decoder.bias, pretrained.decoder.bias));
    REQUIRE(same_bits(model.encoder.weight, encoder_weight));

    // A corrupt file is rejected before anything is copied.
    TinyModel untouched(9);
    const auto untouched_bits = bits_of(untouched);
    std::string bytes = read_bytes(path);
    write_bytes(path, bytes.substr(0, bytes.size() - 4));
    CHECK_THAT(checkpoint_error([&] { load_checkpoint_partial(untouched, path); }),
               Contains("load_checkpoint_partial: " + path + ": truncated"));
    REQUIRE(bits_of(untouched) == untouched_bits);
}

TEST_CASE("a configuration reads back from its metadata, seeds up to 2^64 - 1",
          "[nn][checkpoint][config]") {
    TransformerConfig config{.source_vocabulary = 7,
                             .target_vocabulary = 9,
                             .d_model = 8,
                             .heads = 2,
                             .seed = ~uint64_t{0}};  // 18446744073709551615
    std::map<std::string, std::string> metadata = config_metadata(config);
    REQUIRE(metadata.at("config.seed") == "18446744073709551615");
    const TransformerConfig read = transformer_config_from(metadata, "m.safetensors");
    REQUIRE(read.seed == config.seed);
    REQUIRE(config_metadata(read) == metadata);
    // A seed that is not a whole number in [0, 2^64 - 1] is refused, not wrapped.
    for (const char* bad : {"-1", "18446744073709551616", "1.5", ""}) {
        metadata["config.seed"] = bad;
        CHECK_THAT(checkpoint_error([&] { transformer_config_from(metadata, "m.safetensors"); }),
                   Contains("m.safetensors: metadata 'config.seed' is '" + std::string(bad)));
    }
}
