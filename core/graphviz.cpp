// core/graphviz.cpp — the autograd graph as DOT.
#include "core/graphviz.h"

#include <map>
#include <sstream>

#include "core/autograd.h"
#include "core/error.h"

namespace ag {

std::string to_dot(const Tensor& root, const std::vector<std::pair<std::string, Tensor>>& names) {
    if (!root.defined()) throw Error("to_dot: undefined tensor");
    std::map<const TensorImpl*, std::string> leaf_names;
    for (const auto& [name, tensor] : names) leaf_names[tensor.impl()] = name;

    std::ostringstream dot;
    dot << "digraph autograd {\n"
        << "  node [fontname=\"Helvetica\", fontsize=11];\n"
        << "  edge [fontname=\"Helvetica\", fontsize=9];\n";
    std::map<const void*, std::string> ids;  // node or leaf -> DOT id
    auto id_of = [&ids](const void* key, char prefix) {
        auto [it, inserted] = ids.try_emplace(key, "");
        if (inserted) it->second = prefix + std::to_string(ids.size() - 1);
        return it->second;
    };
    auto leaf_label = [&](const TensorImpl* identity, const Shape& shape, bool requires_grad) {
        auto it = leaf_names.find(identity);
        std::string label = it != leaf_names.end() ? it->second + "\\n" : "";
        return label + shape.to_string() + (requires_grad ? "\\nrequires_grad" : "");
    };

    const std::string output = "output";
    dot << "  " << output << " [label=\"" << root.shape().to_string() << "\", shape=plaintext];\n";
    if (root.is_leaf()) {
        dot << "  " << id_of(root.impl(), 't') << " [label=\""
            << leaf_label(root.impl(), root.shape(), root.requires_grad())
            << "\", shape=ellipse];\n  " << id_of(root.impl(), 't') << " -> " << output << ";\n";
        return dot.str() + "}\n";
    }
    dot << "  " << id_of(root.grad_fn().get(), 'n') << " -> " << output << ";\n";
    for (Node* node : topological_order(root.grad_fn().get())) {
        const std::string node_id = id_of(node, 'n');
        dot << "  " << node_id << " [label=\"" << node->op << "\", shape=box, style=rounded];\n";
        for (const Edge& input : node->inputs) {
            if (!input.defined) continue;  // an undefined input (no bias)
            std::string source;
            if (input.producer == nullptr) {  // a leaf, or a constant
                // One ellipse per tensor however many ops use it, while it lives; a constant
                // already freed gets one per edge, unnamed.
                const std::shared_ptr<TensorImpl> tensor = input.tensor.lock();
                const void* key = tensor ? static_cast<const void*>(tensor.get())
                                         : static_cast<const void*>(&input);
                source = id_of(key, 't');
                dot << "  " << source << " [label=\""
                    << leaf_label(tensor.get(), input.shape, input.requires_grad)
                    << "\", shape=ellipse"
                    << (input.requires_grad ? ", style=filled, fillcolor=\"#dde8f7\"" : "")
                    << "];\n";
            } else {
                source = id_of(input.producer.get(), 'n');
            }
            dot << "  " << source << " -> " << node_id << " [label=\"" << input.shape.to_string()
                << "\"];\n";
        }
    }
    return dot.str() + "}\n";
}

}  // namespace ag
