// nn/module.cpp — Module's walks over its tree.
#include "nn/module.h"

#include <algorithm>
#include <unordered_set>

#include "core/error.h"

namespace ag::nn {

void Module::check_new_name(const std::string& name) const {
    const bool taken = std::any_of(parameters_.begin(), parameters_.end(),
                                   [&](const auto& entry) { return entry.first == name; }) ||
                       std::any_of(children_.begin(), children_.end(),
                                   [&](const auto& entry) { return entry.first == name; });
    if (name.empty() || name.find('.') != std::string::npos || taken) {
        throw ValueError("Module: cannot register '" + name + "'" +
                         (taken ? ": the name is taken" : ": names must be non-empty, no dots"));
    }
}

Tensor Module::register_parameter(const std::string& name, Tensor value) {
    check_new_name(name);
    value.set_requires_grad(true);
    parameters_.emplace_back(name, value);
    return value;
}

void Module::register_module(const std::string& name, Module& child) {
    check_new_name(name);
    children_.emplace_back(name, &child);
}

void Module::collect(const std::string& prefix,
                     std::vector<std::pair<std::string, Tensor>>& out) const {
    for (const auto& [name, tensor] : parameters_) out.emplace_back(prefix + name, tensor);
    for (const auto& [name, child] : children_) child->collect(prefix + name + ".", out);
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters() const {
    std::vector<std::pair<std::string, Tensor>> all;
    collect("", all);
    // A tensor registered twice (tied weights) is one parameter: keep its first name.
    std::unordered_set<const TensorImpl*> seen;
    std::vector<std::pair<std::string, Tensor>> unique;
    for (auto& entry : all) {
        if (seen.insert(entry.second.impl()).second) unique.push_back(std::move(entry));
    }
    return unique;
}

std::vector<Tensor> Module::parameters() const {
    std::vector<Tensor> tensors;
    for (auto& [name, tensor] : named_parameters()) tensors.push_back(tensor);
    return tensors;
}

int64_t Module::parameter_count() const {
    int64_t count = 0;
    for (const Tensor& t : parameters()) count += t.numel();
    return count;
}

void Module::train(bool training) {
    training_ = training;
    for (auto& [name, child] : children_) child->train(training);
}

void Module::zero_grad() {
    for (Tensor& t : parameters()) t.zero_grad();
}

void Module::replace_parameter(const std::string& name, const Tensor& tensor) {
    for (auto& [own_name, own_tensor] : parameters_) {
        if (own_name != name) continue;
        if (!(own_tensor.shape() == tensor.shape())) {
            throw ShapeError("Module::replace_parameter: '" + name + "' has shape " +
                             own_tensor.shape().to_string() + ", the replacement " +
                             tensor.shape().to_string());
        }
        own_tensor = tensor;
        return;
    }
    throw ValueError("Module::replace_parameter: no parameter '" + name + "'");
}

//! [set_requires_grad]
void Module::set_requires_grad(bool requires_grad) {
    for (Tensor& t : parameters()) t.set_requires_grad(requires_grad);
}
//! [set_requires_grad]

}  // namespace ag::nn
