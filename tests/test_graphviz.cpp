// tests/test_graphviz.cpp — to_dot (core/graphviz.h).
#include "catch.h"
#include "test_helpers.h"

using namespace ag;

TEST_CASE("to_dot draws ops, named leaves and shapes", "[graphviz]") {
    Tensor w = ones({2, 3}, true);
    const Tensor x = ones({4, 2});
    const Tensor loss = sum(tanh(matmul(x, w)));
    const std::string dot = to_dot(loss, {{"W", w}, {"x", x}});
    REQUIRE_THAT(dot, StartsWith("digraph autograd {"));
    for (const char* part : {"label=\"matmul\"", "label=\"tanh\"", "label=\"sum\"",
                             "W\\n[2,3]\\nrequires_grad", "x\\n[4,2]", "label=\"[4,3]\""}) {
        INFO(part << " in\n" << dot);
        REQUIRE(dot.find(part) != std::string::npos);
    }
    REQUIRE_THROWS_AS(to_dot(Tensor()), Error);
    REQUIRE(to_dot(w).find("requires_grad") != std::string::npos);
}
