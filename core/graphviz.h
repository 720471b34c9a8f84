/** \file
core/graphviz.h — drawing the autograd graph.

\verbatim
to_dot(loss) writes the graph that loss.backward() will walk in Graphviz's DOT language:
one box per recorded op, one ellipse per leaf tensor, edges labelled with the shapes that
flow along them. Render it with `dot -Tsvg graph.dot -o graph.svg`.
\endverbatim
*/
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace ag {

/// The graph that produced `root` in DOT. Leaves listed in `names` are labelled with their
/// name (e.g. {{"W", weight}, {"x", input}}), others with their shape. Throws Error if root
/// is undefined.
std::string to_dot(const Tensor& root,
                   const std::vector<std::pair<std::string, Tensor>>& names = {});

}  // namespace ag
