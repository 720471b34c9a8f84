/** \file
nn/module.h — Module: a named tree of parameters and sub-modules.

\verbatim
A layer is a Module that registers its learnable tensors (parameters) and the layers it is
made of (children) under names. Names join with dots down the tree, so a parameter deep in a
Transformer is called "encoder.layers.0.self_attention.query.weight", dotted as PyTorch's
state_dict() names are (though not torch.nn.Transformer's own: it packs W_Q, W_K and W_V
into one "in_proj_weight"; tests/reference/make_fixtures.py maps the two). Training updates
parameters(); checkpoints save and load named_parameters().

Sub-modules are ordinary members, registered by address:

    class FeedForward : public Module {
        Linear expand_{...}, contract_{...};
    public:
        FeedForward(...) { register_module("expand", expand_); register_module("contract", ...);
        }
    };

so a Module can be neither copied nor moved (the registered addresses would dangle).
\endverbatim
*/
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ag::nn {

/// Base of every layer: named parameters, named children, and the training/evaluation mode.
class Module {
public:
    Module() = default;
    virtual ~Module() = default;
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;

    /// Every parameter of this module and its descendants with its dotted name, in
    /// registration order, each tensor once (a tensor shared by two modules, as with weight
    /// tying, is listed under its first name).
    std::vector<std::pair<std::string, Tensor>> named_parameters() const;
    /// The tensors of named_parameters(), in the same order (each tied weight once).
    std::vector<Tensor> parameters() const;
    /// The number of learnable scalars: the sum of numel() over parameters().
    int64_t parameter_count() const;
    /// The direct children with their names, in registration order.
    const std::vector<std::pair<std::string, Module*>>& named_children() const { return children_; }

    /// Sets training mode (dropout active) on this module and every descendant.
    void train(bool training = true);
    /// Sets evaluation mode (dropout off): train(false).
    void eval() { train(false); }
    /// Whether the module is in training mode. New modules start in training mode.
    bool is_training() const { return training_; }

    /// Forgets the accumulated gradient of every parameter.
    void zero_grad();
    /// Marks every parameter as learnable or frozen (requires_grad), e.g. to freeze a
    /// pretrained encoder while fine-tuning a new head.
    void set_requires_grad(bool requires_grad);
    /// Replaces this module's own parameter `name` (not a descendant's) by `tensor`, e.g. to
    /// tie two layers' weights; the layer's member handle must be updated to the same tensor.
    /// Throws ValueError if there is no such parameter, ShapeError if the shapes differ.
    void replace_parameter(const std::string& name, const Tensor& tensor);

protected:
    /// Registers `value` as a learnable parameter called `name` (marked requires_grad) and
    /// returns it. Throws ValueError if the name is empty, contains a dot or is taken.
    Tensor register_parameter(const std::string& name, Tensor value);
    /// Registers `child` as the sub-module `name`; its parameters become "name.<theirs>".
    /// Throws ValueError if the name is empty or taken. `child` must outlive this module (it
    /// is normally a member).
    void register_module(const std::string& name, Module& child);

private:
    void check_new_name(const std::string& name) const;
    void collect(const std::string& prefix, std::vector<std::pair<std::string, Tensor>>& out) const;

    std::vector<std::pair<std::string, Tensor>> parameters_;
    std::vector<std::pair<std::string, Module*>> children_;
    bool training_ = true;
};

/// An ordered list of sub-modules of one type, registered as "0", "1", ... so that a stack of
/// layers names its parameters "layers.0.<...>", "layers.1.<...>" as in PyTorch.
template <class M>
class ModuleList : public Module {
public:
    /// Adds `module` at the end, registered under its index, and returns it.
    M& append(std::unique_ptr<M> module) {
        M& added = *module;
        register_module(std::to_string(modules_.size()), added);
        modules_.push_back(std::move(module));
        return added;
    }
    /// The number of modules.
    size_t size() const { return modules_.size(); }
    /// The module at `index` (unchecked, as std::vector::operator[]).
    M& operator[](size_t index) { return *modules_[index]; }
    /// The module at `index`, read-only (unchecked).
    const M& operator[](size_t index) const { return *modules_[index]; }
    /// Iterators over the owning pointers, for `for (auto& layer : layers) layer->forward(...)`.
    auto begin() { return modules_.begin(); }
    /// The end of the range begin() starts.
    auto end() { return modules_.end(); }

private:
    std::vector<std::unique_ptr<M>> modules_;
};

}  // namespace ag::nn
