// core/autograd.h — the reverse-mode autograd engine.
//
// Every op that takes a tensor requiring grad records a Node: the op's name, its inputs, and a
// backward function that maps d(loss)/d(output) to d(loss)/d(input) for each input — the
// chain rule for that one op. Together the nodes form a directed acyclic graph ending in the
// loss. loss.backward() orders that graph topologically once (inputs before the ops that use
// them), then walks it from the loss back to the leaves, summing each node's incoming
// gradients before calling its backward function, and adds the results into the .grad() of
// the leaves (the parameters).
//
// Three rules keep the graph cheap and safe:
//   1. Backward functions never capture the node or the op's output tensor itself (the output
//      owns the node, so that would be a shared_ptr cycle and the graph would never be freed):
//      an output they need is captured detached (a new handle on the same buffer). The op's
//      inputs they capture as they are: the node holds those already, so it costs no copy.
//   2. Graph walks (topological sort, destruction) use explicit stacks, not recursion, so a
//      100,000-op chain does not overflow the call stack.
//   3. Backward functions run in no-grad mode: computing a gradient records nothing.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace ag {

/// d(loss)/d(output) -> one d(loss)/d(input) per input, in the order of Node::inputs. An entry
/// may be undefined when that input needs no gradient.
using BackwardFunction = std::function<std::vector<Tensor>(const Tensor& grad_output)>;

/// One recorded op in the autograd graph.
struct Node {
    /// The op's name ("mul", "matmul", ...), for error messages and drawings.
    const char* op = "";
    /// The op's tensor inputs, in the order the backward function returns their gradients.
    std::vector<Tensor> inputs;
    /// The chain rule for this op. Emptied once run, unless backward retains the graph.
    BackwardFunction backward;
    /// The sum of the gradients that reached this node's output during the current backward.
    Tensor grad_output;
    /// Marks nodes already visited by the current topological sort.
    uint64_t visit_mark = 0;

    /// Frees the graph above this node with an explicit stack (see rule 2 above).
    ~Node();
};

/// Connects `output` to the graph: if grad mode is on and any input requires grad, makes a Node
/// named `op` with these inputs and backward function and returns `output` marked as its
/// result; otherwise returns `output` untouched. `output` must be a tensor the op just made.
/// Every differentiable op ends with a call to this.
Tensor record(const char* op, Tensor output, std::vector<Tensor> inputs, BackwardFunction backward);

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
