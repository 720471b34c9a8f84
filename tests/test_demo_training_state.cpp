// tests/test_demo_training_state.cpp — a training run's state saved together and loaded all or
// nothing (demos/common/training_state.h), and what a resume refuses.
#include <cstring>

#include "core/ops.h"
#include "demos/common/training_state.h"
#include "file_helpers.h"
#include "nn/config_metadata.h"
#include "nn/transformer.h"
#include "optim/optimizer.h"

using namespace demo;
using namespace test;

namespace {

ag::nn::TransformerConfig tiny(float dropout = 0.0f) {
    return {.source_vocabulary = 7,
            .target_vocabulary = 7,
            .d_model = 8,
            .heads = 2,
            .encoder_layers = 1,
            .decoder_layers = 1,
            .d_ff = 16,
            .dropout = dropout,
            .max_length = 8,
            .seed = 3};
}

// One Adam step on a fixed batch, so the optimizer has state worth restoring.
void train_one_step(ag::nn::Transformer& model, ag::optim::Adam& adam) {
    const ag::IndexTensor source({3, 4, 5, 6}, {1, 4}), target({1, 6, 5, 4}, {1, 4});
    adam.zero_grad();
    ag::sum(model.forward(source, target)).backward();
    adam.step();
}

// Every float of the model's parameters and the optimizer's state, to check "untouched".
std::vector<float> everything(const ag::nn::Module& model, const ag::optim::Optimizer& adam) {
    std::vector<float> all;
    for (const auto& [name, t] : model.named_parameters()) {
        const auto v = t.to_vector();
        all.insert(all.end(), v.begin(), v.end());
    }
    for (const auto& [name, t] : adam.state()) {
        const auto v = t.to_vector();
        all.insert(all.end(), v.begin(), v.end());
    }
    return all;
}

std::string load_error(const std::string& path, ag::nn::Transformer& model, ag::optim::Adam& adam,
                       const TrainingState& expected) {
    return checkpoint_error([&] { load_training_state(path, model, adam, expected); });
}

}  // namespace

TEST_CASE("save_training_state and load_training_state round-trip a run", "[demo][state]") {
    TempDir dir;
    const std::string path = dir.file("checkpoint.safetensors");
    ag::nn::Transformer model(tiny());
    ag::optim::Adam adam(model.named_parameters(), 0.01f);
    train_one_step(model, adam);
    const TrainingState state{"reverse", 1, {{1, 2.5}}, model.config_metadata()};
    save_training_state(path, model, adam, state);
    REQUIRE(ag::io::read_safetensors(path).metadata.at("config.d_model") == "8");

    ag::nn::Transformer fresh(ag::nn::TransformerConfig{tiny()});
    ag::optim::Adam fresh_adam(fresh.named_parameters(), 0.01f);
    const TrainingState loaded = load_training_state(path, fresh, fresh_adam, state);
    REQUIRE(loaded.step == 1);
    REQUIRE(loaded.losses == state.losses);
    REQUIRE(everything(fresh, fresh_adam) == everything(model, adam));
    // The configuration alone rebuilds the model.
    const ag::nn::TransformerConfig rebuilt =
        ag::nn::transformer_config_from(ag::io::read_safetensors(path).metadata, path);
    REQUIRE(ag::nn::config_metadata(rebuilt) == model.config_metadata());
}

TEST_CASE("a resume refuses another task or configuration, and changes nothing", "[demo][state]") {
    TempDir dir;
    const std::string path = dir.file("checkpoint.safetensors");
    ag::nn::Transformer trained(tiny());
    ag::optim::Adam trained_adam(trained.named_parameters(), 0.01f);
    train_one_step(trained, trained_adam);
    save_training_state(path, trained, trained_adam,
                        {"copy", 1, {{1, 2.5}}, trained.config_metadata()});

    // Same shapes, other dropout: only the configuration can tell.
    ag::nn::Transformer model(tiny(0.1f));
    ag::optim::Adam adam(model.named_parameters(), 0.01f);
    const std::vector<float> before = everything(model, adam);
    CHECK_THAT(load_error(path, model, adam, {"reverse", 0, {}, model.config_metadata()}),
               Contains("load_training_state: " + path +
                        ": task 'copy', this run trains "
                        "'reverse'"));
    CHECK_THAT(load_error(path, model, adam, {"copy", 0, {}, model.config_metadata()}),
               Contains("another model configuration: config.dropout: the file has 0, this run "
                        "0.100000001"));
    REQUIRE(everything(model, adam) == before);
}

TEST_CASE("a resume reads step and loss history strictly, and changes nothing on error",
          "[demo][state]") {
    TempDir dir;
    const std::string path = dir.file("checkpoint.safetensors");
    ag::nn::Transformer trained(tiny());
    ag::optim::Adam trained_adam(trained.named_parameters(), 0.01f);
    train_one_step(trained, trained_adam);
    auto tensors = trained.named_parameters();
    for (auto& entry : trained_adam.state()) tensors.push_back(entry);
    const auto metadata_with = [&](const std::string& key, const std::string& value) {
        std::map<std::string, std::string> metadata = trained.config_metadata();
        metadata["task"] = "reverse";
        metadata["step"] = "1";
        metadata["losses"] = "1:2.5";
        metadata[key] = value;
        return metadata;
    };
    ag::nn::Transformer model(tiny());
    ag::optim::Adam adam(model.named_parameters(), 0.01f);
    const std::vector<float> before = everything(model, adam);
    const TrainingState expected{"reverse", 0, {}, model.config_metadata()};

    const std::vector<std::pair<std::pair<std::string, std::string>, std::string>> cases = {
        {{"step", "2.5"}, "metadata 'step' is '2.5', not a whole number in [0, 16777216]"},
        {{"step", "nan"}, "metadata 'step' is 'nan'"},
        {{"step", "1e30"}, "metadata 'step' is '1e30'"},
        {{"step", "2"}, "metadata 'step' is 2 but the optimizer's state has taken 1 steps"},
        {{"losses", "1:nan"}, "metadata 'losses' has '1:nan'"},
        {{"losses", "1:2.5,1:2.0"}, "metadata 'losses' has '1:2.0'"},
        {{"losses", "x"}, "metadata 'losses' has 'x'"},
        {{"config.heads", "two"}, "config.heads: the file has two, this run 2"},
    };
    for (const auto& [change, problem] : cases) {
        INFO(change.first << " = " << change.second);
        ag::io::save_safetensors(path, tensors, metadata_with(change.first, change.second));
        CHECK_THAT(load_error(path, model, adam, expected), Contains(path) && Contains(problem));
    }
    // Tensors that fit the model but not the optimizer: the model is not loaded either.
    ag::io::save_safetensors(path, trained.named_parameters(), metadata_with("step", "1"));
    CHECK_THAT(load_error(path, model, adam, expected),
               Contains("Optimizer::load_state: missing 'optimizer.step'"));
    REQUIRE(everything(model, adam) == before);
}
