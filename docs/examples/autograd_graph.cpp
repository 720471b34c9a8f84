// docs/examples/autograd_graph.cpp — the figure of tutorial page 2: a two-layer expression, its
// gradients, and the graph backward walked, drawn by ag::to_dot.
//
//     autograd_graph <directory>    writes autograd_graph.dot and autograd_graph.txt there
#include <fstream>
#include <string>

#include "core/ops.h"

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const std::string directory = argv[1];
    //! [graph]
    ag::Generator generator(0);
    ag::Tensor x = ag::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});  // a batch of 2 inputs
    ag::Tensor w = ag::randn({3, 2}, generator).set_requires_grad();
    ag::Tensor b = ag::zeros({2}, /*requires_grad=*/true);
    ag::Tensor loss = ag::mean(ag::pow(ag::tanh(ag::matmul(x, w) + b), 2.0f));
    const std::string dot = ag::to_dot(loss, {{"x", x}, {"W", w}, {"b", b}});  // before backward
    loss.backward();  // fills w.grad() [3,2] and b.grad() [2]
    //! [graph]
    std::ofstream(directory + "/autograd_graph.dot") << dot;
    std::ofstream text(directory + "/autograd_graph.txt");
    text << "loss   = " << loss << "\nW.grad = " << w.grad() << "\nb.grad = " << b.grad() << "\n";
    return text ? 0 : 1;
}
