// core/autograd.cpp — recording nodes, the backward walk, grad mode.
#include "core/autograd.h"

#include <atomic>
#include <cmath>

#include "core/error.h"
#include "core/ops/arithmetic.h"

namespace ag {

namespace {
thread_local bool grad_enabled = true;
thread_local bool anomaly_detection = false;

// Throws naming `op` if `t` holds a nan or an inf (anomaly mode only).
void check_finite(const Tensor& t, const char* op, const std::string& what) {
    const float* data = t.data();
    for (int64_t i = 0; i < t.numel(); ++i) {
        if (!std::isfinite(data[i])) {
            throw Error(std::string("anomaly: '") + op + "' produced " +
                        (std::isnan(data[i]) ? "nan" : "inf") + " in " + what + " of shape " +
                        t.shape().to_string() + " (element " + std::to_string(i) + ")");
        }
    }
}
}  // namespace

bool is_grad_enabled() { return grad_enabled; }

bool is_anomaly_detection_enabled() { return anomaly_detection; }

AnomalyModeGuard::AnomalyModeGuard(bool enabled) : previous_(anomaly_detection) {
    anomaly_detection = enabled;
}

AnomalyModeGuard::~AnomalyModeGuard() { anomaly_detection = previous_; }

NoGradGuard::NoGradGuard() : previous_(grad_enabled) { grad_enabled = false; }

NoGradGuard::~NoGradGuard() { grad_enabled = previous_; }

Node::~Node() {
    // Destroying a node drops its edges, which may drop the nodes they lead to, and so on up a
    // chain as long as the graph. Done by recursion, a 100,000-op chain would overflow the
    // stack, so instead each node whose last owner is being released is moved onto `pending`
    // and freed in this loop, with its own edges already taken away. Its backward function
    // goes first: the inputs it captured may hold their producers too (rule 2), and the count
    // of owners below must be the edges'. (This node's own function is already gone: the
    // derived NodeWith is destroyed before this body runs.)
    std::vector<std::shared_ptr<Node>> pending;
    auto take_edges = [&pending](Node& node) {
        for (Edge& edge : node.inputs) {
            if (edge.producer && edge.producer.use_count() == 1) {
                pending.push_back(std::move(edge.producer));
            }
        }
        node.inputs.clear();
    };
    take_edges(*this);
    while (!pending.empty()) {
        std::shared_ptr<Node> node = std::move(pending.back());
        pending.pop_back();
        node->free_backward();
        take_edges(*node);
    }  // `node` dies here with no edges left, so its destructor does not recurse.
}

Edge Node::edge_to(const Tensor& input) {
    Edge edge;
    if (!input.defined()) return edge;
    edge.defined = true;
    edge.tensor = input.impl_;
    edge.shape = input.shape();
    edge.requires_grad = input.requires_grad();
    if (!input.is_leaf()) {
        edge.producer = input.grad_fn();
    } else if (edge.requires_grad) {
        edge.leaf = input.impl_;
    }
    return edge;
}

bool detail::should_record(const char* op, const Tensor& output, const Tensor* inputs,
                           size_t count) {
    if (anomaly_detection) check_finite(output, op, "its output");
    if (!grad_enabled) return false;
    for (size_t i = 0; i < count; ++i) {
        if (inputs[i].defined() && inputs[i].requires_grad()) return true;
    }
    return false;
}

Tensor detail::connect(std::shared_ptr<Node> node, const char* op, Tensor output,
                       const Tensor* inputs, size_t count) {
    node->op = op;
    node->inputs.reserve(count);
    for (size_t i = 0; i < count; ++i) node->inputs.push_back(Node::edge_to(inputs[i]));
    output.impl()->grad_fn = std::move(node);
    output.impl()->requires_grad = true;
    return output;
}

//! [topological_order]
std::vector<Node*> topological_order(Node* root) {
    // Depth-first search with an explicit stack of (node, index of the next input to visit).
    // A node is appended after all its inputs' nodes: post-order is a topological order.
    static std::atomic<uint64_t> last_mark{0};
    const uint64_t mark = ++last_mark;
    std::vector<Node*> order;
    std::vector<std::pair<Node*, size_t>> stack{{root, 0}};
    root->visit_mark = mark;
    while (!stack.empty()) {
        auto& [node, next_input] = stack.back();
        if (next_input == node->inputs.size()) {
            order.push_back(node);
            stack.pop_back();
            continue;
        }
        Node* producer = node->inputs[next_input++].producer.get();
        if (producer != nullptr && producer->visit_mark != mark) {
            producer->visit_mark = mark;
            stack.emplace_back(producer, 0);  // invalidates node/next_input; not used again
        }
    }
    return order;
}
//! [topological_order]

namespace {

// Sums gradients: the first one is kept as is, later ones are added out of place, because the
// first may share its buffer with another tensor (add's backward passes its gradient through).
void accumulate(Tensor& sum, const Tensor& gradient) {
    sum = sum.defined() ? sum + gradient : gradient;
}

// A leaf's .grad() is handed to the user and to optimizers, which may scale it in place, so it
// must own its buffer: the first gradient is copied, unless nothing else can see it (then it
// becomes .grad() itself, which saves a copy of every parameter's gradient every step).
void accumulate_into_leaf(TensorImpl& leaf, Tensor gradient) {
    if (leaf.grad.defined()) {
        leaf.grad = leaf.grad + gradient;
    } else {
        leaf.grad = gradient.is_sole_owner() ? std::move(gradient) : gradient.clone();
    }
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& grad_root, bool retain_graph) {
    if (!root.requires_grad()) {
        throw Error(
            "backward: this tensor does not require grad and has no grad_fn; mark a "
            "leaf with set_requires_grad() before computing with it, and do not call "
            "backward inside a NoGradGuard");
    }
    NoGradGuard no_grad;  // rule 4: computing gradients records nothing
    if (root.is_leaf()) {
        accumulate_into_leaf(*root.impl(), grad_root);
        return;
    }
    const std::vector<Node*> order = topological_order(root.grad_fn().get());
    for (Node* node : order) node->grad_output = Tensor();  // left over if a backward threw
    root.grad_fn()->grad_output = grad_root;

    //! [reverse_walk]
    // Reverse topological order: a node runs only after every op that used its output has
    // passed its share of the gradient back (the sum rule for a tensor used twice).
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        Node& node = **it;
        Tensor grad_output = std::move(node.grad_output);
        node.grad_output = Tensor();
        if (!grad_output.defined()) continue;  // nothing reached it
        if (node.backward_freed()) {
            throw Error(std::string("backward: the graph through '") + node.op +
                        "' was already freed by an earlier backward; pass retain_graph=true "
                        "to the first call to backward through it twice");
        }
        std::vector<Tensor> grad_inputs = node.backward(grad_output);
        if (!retain_graph) node.free_backward();  // frees the buffers it captured
        if (grad_inputs.size() != node.inputs.size()) {
            throw Error(std::string("backward: '") + node.op + "' returned " +
                        std::to_string(grad_inputs.size()) + " gradients for " +
                        std::to_string(node.inputs.size()) + " inputs");
        }
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            const Edge& input = node.inputs[i];
            Tensor& grad_input = grad_inputs[i];
            if (!input.requires_grad || !grad_input.defined()) continue;
            if (anomaly_detection) {
                check_finite(grad_input, node.op,
                             "the gradient of its input " + std::to_string(i) + " in backward");
            }
            if (grad_input.shape() != input.shape) {
                throw ShapeError(std::string("backward: '") + node.op +
                                 "' returned a gradient "
                                 "of shape " +
                                 grad_input.shape().to_string() + " for an input of shape " +
                                 input.shape.to_string());
            }
            if (input.leaf) {
                accumulate_into_leaf(*input.leaf, std::move(grad_input));
            } else if (input.producer) {
                accumulate(input.producer->grad_output, grad_input);
            }
        }
    }
    //! [reverse_walk]
}

}  // namespace ag
