// demos/common/training_state.cpp — save_training_state() and load_training_state().
#include "demos/common/training_state.h"

#include <algorithm>
#include <optional>
#include <sstream>
#include <string_view>

#include "io/metadata.h"
#include "io/safetensors.h"
#include "nn/checkpoint.h"
#include "nn/config_metadata.h"

namespace demo {

namespace {

constexpr const char* kLoad = "load_training_state";
constexpr int64_t kMaxSteps = int64_t{1} << 24;  // the optimizer counts steps in a float

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw ag::io::CheckpointError(std::string(kLoad) + ": " + path + ": " + problem);
}

std::string encode_losses(const std::vector<std::pair<int64_t, double>>& losses) {
    std::ostringstream text;
    text.precision(9);
    for (size_t i = 0; i < losses.size(); ++i) {
        text << (i ? "," : "") << losses[i].first << ":" << losses[i].second;
    }
    return text.str();
}

// "step:loss,..." with steps rising from 1 to at most `last`, and finite losses.
std::vector<std::pair<int64_t, double>> decode_losses(const std::string& text, int64_t last,
                                                      const std::string& path) {
    std::vector<std::pair<int64_t, double>> losses;
    if (text.empty()) return losses;
    size_t begin = 0;
    while (begin <= text.size()) {
        const size_t end = std::min(text.find(',', begin), text.size());
        const std::string_view item(text.data() + begin, end - begin);
        const size_t colon = item.find(':');
        const int64_t previous = losses.empty() ? 0 : losses.back().first;
        const auto step = colon == std::string_view::npos
                              ? std::nullopt
                              : ag::io::parse_integer(item.substr(0, colon), previous + 1, last);
        const auto loss = step ? ag::io::parse_finite(item.substr(colon + 1)) : std::nullopt;
        if (!step || !loss) {
            fail(path, "metadata 'losses' has '" + std::string(item) +
                           "' where a step:loss pair belongs (steps rising from " +
                           std::to_string(previous + 1) + " to at most " + std::to_string(last) +
                           ", a finite loss)");
        }
        losses.emplace_back(*step, *loss);
        begin = end + 1;
    }
    return losses;
}

// "config.d_model: the file has 64, this run 32; ..." for every key that differs.
std::string config_differences(const std::map<std::string, std::string>& file,
                               const std::map<std::string, std::string>& run) {
    std::string out;
    const auto add = [&](const std::string& key, const std::string& in_file,
                         const std::string& in_run) {
        out +=
            (out.empty() ? "" : "; ") + key + ": the file has " + in_file + ", this run " + in_run;
    };
    for (const auto& [key, value] : run) {
        const auto found = file.find(key);
        if (found == file.end()) {
            add(key, "none", value);
        } else if (found->second != value) {
            add(key, found->second, value);
        }
    }
    for (const auto& [key, value] : file) {
        if (run.count(key) == 0) add(key, value, "none");
    }
    return out;
}

}  // namespace

void save_training_state(const std::string& path, const ag::nn::Module& model,
                         const ag::optim::Optimizer& optimizer, const TrainingState& state) {
    std::vector<std::pair<std::string, ag::Tensor>> tensors = model.named_parameters();
    for (auto& entry : optimizer.state()) tensors.push_back(entry);
    std::map<std::string, std::string> metadata = state.config;
    metadata["task"] = state.task;
    metadata["step"] = std::to_string(state.step);
    metadata["losses"] = encode_losses(state.losses);
    ag::io::save_safetensors(path, tensors, metadata);
}

TrainingState load_training_state(const std::string& path, ag::nn::Module& model,
                                  ag::optim::Optimizer& optimizer, const TrainingState& expected) {
    const ag::io::SafetensorsFile file = ag::io::read_safetensors(path, {.caller = kLoad});
    if (!file.indices.empty())
        fail(path, "unexpected index tensor '" + file.indices[0].first + "'");

    // What the file says it is, before anything else.
    const std::string task = ag::io::metadata_text(file.metadata, "task", kLoad, path);
    if (task != expected.task) {
        fail(path, "task '" + task + "', this run trains '" + expected.task + "'");
    }
    const std::string differences =
        config_differences(ag::nn::config_entries(file.metadata), expected.config);
    if (!differences.empty()) fail(path, "another model configuration: " + differences);
    TrainingState state = expected;
    state.step = ag::io::metadata_integer(file.metadata, "step", 0, kMaxSteps, kLoad, path);
    state.losses = decode_losses(ag::io::metadata_text(file.metadata, "losses", kLoad, path),
                                 state.step, path);

    // The tensors: the model's by name, the rest the optimizer's; both checked before either
    // is changed.
    std::vector<std::pair<std::string, ag::Tensor>> parameters, optimizer_state;
    for (const auto& entry : file.tensors) {
        (entry.first.starts_with(ag::optim::kStatePrefix) ? optimizer_state : parameters)
            .push_back(entry);
    }
    const std::string mismatches = ag::nn::parameter_mismatches(model, parameters);
    if (!mismatches.empty()) fail(path, mismatches);
    try {
        optimizer.check_state(optimizer_state);
    } catch (const ag::ValueError& e) {
        fail(path, e.what());
    }
    const std::string step_name = std::string(ag::optim::kStatePrefix) + "step";
    const auto step_entry =
        std::find_if(optimizer_state.begin(), optimizer_state.end(),
                     [&](const auto& entry) { return entry.first == step_name; });
    const float optimizer_step = step_entry->second.item();  // check_state saw it is there
    if (optimizer_step != static_cast<float>(state.step)) {
        fail(path, "metadata 'step' is " + std::to_string(state.step) +
                       " but the optimizer's state has taken " +
                       std::to_string(static_cast<int64_t>(optimizer_step)) + " steps");
    }

    // Everything fits: only now change the model and the optimizer.
    ag::nn::copy_parameters(model, parameters);
    optimizer.load_state(optimizer_state);
    return state;
}

}  // namespace demo
