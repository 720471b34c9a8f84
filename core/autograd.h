/** \file
core/autograd.h — the reverse-mode autograd engine.

\verbatim
Every op that takes a tensor requiring grad records a Node: the op's name, where each input's
gradient goes, and a backward function that maps d(loss)/d(output) to d(loss)/d(input) for
each input — the chain rule for that one op. Together the nodes form a directed acyclic graph
ending in the loss. loss.backward() orders that graph topologically once (inputs before the
ops that use them), then walks it from the loss back to the leaves, summing each node's
incoming gradients before calling its backward function, and adds the results into the
.grad() of the leaves (the parameters).

Four rules keep the graph cheap and safe:
  1. A node does not hold its input tensors, only where their gradients go (an Edge: the node
     that made the input, or the leaf itself). What the backward function needs, it captures;
     every other intermediate is freed as soon as the forward pass drops it, as in PyTorch.
     (Holding the inputs kept, for example, every feed-forward hidden layer alive until
     backward.)
  2. Backward functions never capture the op's output tensor itself (the output owns the
     node: a shared_ptr cycle, never freed); an output they need is captured detached (a new
     handle on the same buffer). Inputs they capture as they are, without a copy.
  3. Graph walks (topological sort, destruction) use explicit stacks, not recursion, so a
     100,000-op chain does not overflow the call stack.
  4. Backward functions run in no-grad mode: computing a gradient records nothing.
\endverbatim
*/
#pragma once

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ag {

struct Node;

/// Where one input of a recorded op leads: the node that made it, or the leaf that receives its
/// gradient. Not the tensor itself (rule 1).
struct Edge {
    /// The node that made the input; null for a leaf or an undefined input.
    std::shared_ptr<Node> producer;
    /// The input itself when it is a leaf that requires grad: its .grad() receives the gradient.
    std::shared_ptr<TensorImpl> leaf;
    /// The input, weakly (it does not keep the buffer alive), for drawings (graphviz.h).
    std::weak_ptr<TensorImpl> tensor;
    /// False for an undefined input (a layer without bias): no gradient, nothing to draw.
    bool defined = false;
    /// The input's shape: the gradient backward returns for it must have this shape.
    Shape shape;
    /// Whether a gradient flows to the input.
    bool requires_grad = false;
};

/// One recorded op in the autograd graph. Each op's backward function lives in a NodeWith<F>
/// (below): node and function in one allocation.
struct Node {
    /// The op's name ("mul", "matmul", ...), for error messages and drawings.
    const char* op = "";
    /// One edge per tensor input, in the order the backward function returns their gradients.
    std::vector<Edge> inputs;
    /// The sum of the gradients that reached this node's output during the current backward.
    Tensor grad_output;
    /// Marks nodes already visited by the current topological sort.
    uint64_t visit_mark = 0;

    /// The chain rule for this op: d(loss)/d(output) -> one d(loss)/d(input) per input, in the
    /// order of `inputs` (undefined for an input that needs no gradient). Call only while
    /// backward_freed() is false.
    virtual std::vector<Tensor> backward(const Tensor& grad_output) = 0;
    /// Frees the backward function and the tensors it captured (after it ran, unless backward
    /// retains the graph).
    virtual void free_backward() = 0;
    /// True once free_backward() ran.
    virtual bool backward_freed() const = 0;

    /// The edge to `input`: its producer, or itself if it is a leaf that requires grad.
    static Edge edge_to(const Tensor& input);

    /// Frees the graph above this node with an explicit stack (see rule 3 above).
    virtual ~Node();
};

/// A Node holding the op's backward function, a closure `Backward`:
/// std::vector<Tensor>(const Tensor& grad_output).
template <class Backward>
struct NodeWith final : Node {
    /// A node whose chain rule is `function`.
    explicit NodeWith(Backward function) : function(std::move(function)) {}
    std::vector<Tensor> backward(const Tensor& grad_output) override {
        return (*function)(grad_output);
    }
    void free_backward() override { function.reset(); }
    bool backward_freed() const override { return !function.has_value(); }

    /// The backward closure and what it captured; empty once freed.
    std::optional<Backward> function;
};

namespace detail {
/// Whether record() makes a node: grad mode is on and an input requires grad. Checks the
/// output first in anomaly mode.
bool should_record(const char* op, const Tensor& output, const Tensor* inputs, size_t count);
/// Fills `node` (op name, edges to the inputs) and makes it `output`'s grad_fn.
Tensor connect(std::shared_ptr<Node> node, const char* op, Tensor output, const Tensor* inputs,
               size_t count);
}  // namespace detail

/// Connects `output` to the graph: if grad mode is on and any input requires grad, makes a Node
/// named `op` with these inputs and the backward function `backward` (a closure
/// std::vector<Tensor>(const Tensor& grad_output)) and returns `output` marked as its result;
/// otherwise returns `output` untouched. `output` must be a tensor the op just made.
/// Every differentiable op ends with a call to this.
//! [record]
template <class Backward>
Tensor record(const char* op, Tensor output, std::initializer_list<Tensor> inputs,
              Backward backward) {
    if (!detail::should_record(op, output, inputs.begin(), inputs.size())) return output;
    return detail::connect(std::make_shared<NodeWith<Backward>>(std::move(backward)), op,
                           std::move(output), inputs.begin(), inputs.size());
}
//! [record]

/// record() for ops with a variable number of inputs (concat).
template <class Backward>
Tensor record(const char* op, Tensor output, const std::vector<Tensor>& inputs, Backward backward) {
    if (!detail::should_record(op, output, inputs.data(), inputs.size())) return output;
    return detail::connect(std::make_shared<NodeWith<Backward>>(std::move(backward)), op,
                           std::move(output), inputs.data(), inputs.size());
}

/// The engine behind Tensor::backward: seeds d(root)/d(root) = `grad_root` and propagates.
/// Throws Error if `root` does not require grad or if part of the graph was freed by an
/// earlier backward without retain_graph.
void run_backward(const Tensor& root, const Tensor& grad_root, bool retain_graph);

/// The nodes that `root` depends on, each once, in topological order: every node comes after
/// the nodes that produced its inputs (so `root`'s node is last). Iterative depth-first search.
std::vector<Node*> topological_order(Node* root);

/// Whether anomaly detection is on for this thread (see AnomalyModeGuard).
bool is_anomaly_detection_enabled();

/// Turns anomaly detection on for this thread while it lives (torch.autograd.detect_anomaly):
/// every op then checks its result, and backward every gradient it computes, for nan and inf,
/// and throws Error naming the op that produced the first one, e.g.
/// "anomaly: 'log' produced nan in its output of shape [3]". It costs a pass over every
/// tensor, so it is for finding where a training run goes wrong, not for everyday use.
class AnomalyModeGuard {
public:
    /// Sets anomaly detection to `enabled` until the guard is destroyed, which restores the
    /// previous setting.
    explicit AnomalyModeGuard(bool enabled = true);
    ~AnomalyModeGuard();
    AnomalyModeGuard(const AnomalyModeGuard&) = delete;
    AnomalyModeGuard& operator=(const AnomalyModeGuard&) = delete;

private:
    bool previous_;
};

/// Whether ops record graph nodes on this thread (true unless a NoGradGuard is alive).
bool is_grad_enabled();

/// Turns recording off on this thread while it lives (PyTorch's `with torch.no_grad()`), e.g.
/// for evaluation, optimizer updates and backward functions. Guards nest.
class NoGradGuard {
public:
    NoGradGuard();
    ~NoGradGuard();
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    bool previous_;
};

}  // namespace ag
