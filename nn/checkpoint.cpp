// nn/checkpoint.cpp — loading a safetensors file into a Module, by parameter name.
#include "nn/checkpoint.h"

#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "core/error.h"

namespace ag::nn {

namespace {

constexpr size_t kListedPerKind = 4;  // mismatches listed by name in an error, per kind

std::string quoted(const std::string& name) { return "'" + name + "'"; }

// "a; b; c; d; and 3 more <kind>": the first few problems of one kind, and how many more.
void list_problems(const std::vector<std::string>& problems, const std::string& kind,
                   std::string& out) {
    for (size_t i = 0; i < problems.size() && i < kListedPerKind; ++i) {
        out += (out.empty() ? "" : "; ") + problems[i];
    }
    if (problems.size() > kListedPerKind) {
        out += "; and " + std::to_string(problems.size() - kListedPerKind) + " more " + kind;
    }
}

void copy_into(Tensor& parameter, const Tensor& source) {
    if (parameter.numel() > 0) {
        std::memcpy(parameter.data(), source.data(), parameter.numel() * sizeof(float));
    }
}

std::unordered_map<std::string, const Tensor*> by_name(
    const std::vector<std::pair<std::string, Tensor>>& tensors) {
    std::unordered_map<std::string, const Tensor*> found;
    for (const auto& [name, tensor] : tensors) found[name] = &tensor;
    return found;
}

// The mismatches of a file's tensors, index tensors included (a parameter is never one).
std::string mismatches(const Module& module,
                       const std::vector<std::pair<std::string, Tensor>>& tensors,
                       const std::vector<std::string>& index_names) {
    const auto in_file = by_name(tensors);
    const std::unordered_set<std::string> indices(index_names.begin(), index_names.end());
    std::vector<std::string> missing, unexpected, mismatched;
    std::unordered_set<std::string> parameter_names;
    for (const auto& [name, parameter] : module.named_parameters()) {
        parameter_names.insert(name);
        const auto found = in_file.find(name);
        if (found != in_file.end()) {
            const Shape& stored = found->second->shape();
            if (!(stored == parameter.shape())) {
                mismatched.push_back("tensor " + quoted(name) + " has shape " + stored.to_string() +
                                     ", the model expects " + parameter.shape().to_string());
            }
        } else if (indices.count(name) > 0) {
            mismatched.push_back("tensor " + quoted(name) +
                                 " has dtype I64, the model expects a float tensor");
        } else {
            missing.push_back("missing tensor " + quoted(name));
        }
    }
    for (const auto& entry : tensors) {
        if (parameter_names.count(entry.first) == 0) {
            unexpected.push_back("unexpected tensor " + quoted(entry.first));
        }
    }
    for (const std::string& name : index_names) {
        if (parameter_names.count(name) == 0)
            unexpected.push_back("unexpected tensor " + quoted(name));
    }
    std::string message;
    list_problems(mismatched, "mismatched tensors", message);
    list_problems(missing, "missing tensors", message);
    list_problems(unexpected, "unexpected tensors", message);
    return message;
}

}  // namespace

void save_checkpoint(const Module& module, const std::string& path,
                     const std::map<std::string, std::string>& metadata) {
    io::save_safetensors(path, module.named_parameters(), metadata);
}

std::string parameter_mismatches(const Module& module,
                                 const std::vector<std::pair<std::string, Tensor>>& tensors) {
    return mismatches(module, tensors, {});
}

void copy_parameters(Module& module, const std::vector<std::pair<std::string, Tensor>>& tensors) {
    const std::string problems = parameter_mismatches(module, tensors);
    if (!problems.empty()) throw ValueError("copy_parameters: " + problems);
    const auto in_file = by_name(tensors);
    for (auto [name, parameter] : module.named_parameters())
        copy_into(parameter, *in_file.at(name));
}

void load_checkpoint(Module& module, const std::string& path) {
    const io::SafetensorsFile file = io::read_safetensors(path, {.caller = "load_checkpoint"});
    std::vector<std::string> index_names;
    for (const auto& entry : file.indices) index_names.push_back(entry.first);
    const std::string problems = mismatches(module, file.tensors, index_names);
    if (!problems.empty()) throw io::CheckpointError("load_checkpoint: " + path + ": " + problems);
    copy_parameters(module, file.tensors);  // everything matches: only now touch the model
}

LoadReport load_checkpoint_partial(Module& module, const std::string& path) {
    const io::SafetensorsFile file =
        io::read_safetensors(path, {.caller = "load_checkpoint_partial"});
    const auto in_file = by_name(file.tensors);
    std::unordered_set<std::string> indices;
    for (const auto& entry : file.indices) indices.insert(entry.first);

    LoadReport report;
    std::unordered_set<std::string> loaded;
    for (auto [name, parameter] : module.named_parameters()) {
        const auto found = in_file.find(name);
        if (found != in_file.end() && found->second->shape() == parameter.shape()) {
            copy_into(parameter, *found->second);
            report.loaded.push_back(name);
            loaded.insert(name);
        } else if (found == in_file.end() && indices.count(name) == 0) {
            report.missing.push_back(name);
        }
    }
    for (const auto& entry : file.tensors) {
        if (loaded.count(entry.first) == 0) report.skipped.push_back(entry.first);
    }
    for (const auto& entry : file.indices) report.skipped.push_back(entry.first);
    return report;
}

}  // namespace ag::nn
