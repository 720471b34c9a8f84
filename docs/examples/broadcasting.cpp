// docs/examples/broadcasting.cpp — the figure of tutorial page 1: a [3,1] column plus a [1,4]
// row gives a [3,4] table, each drawn as a heatmap; the printed tensors go to broadcasting.txt.
//
//     broadcasting <directory>      writes broadcasting.svg and broadcasting.txt there
#include <fstream>
#include <string>

#include "core/ops.h"
#include "demos/common/plot.h"

namespace {
// One tensor as a heatmap (values in [0, 1]), titled with its name and shape.
demo::Heatmap as_heatmap(const std::string& name, const ag::Tensor& t) {
    const ag::Tensor matrix = ag::reshape(t, {t.size(0), t.size(1)});
    return {.title = name + " " + t.shape().to_string(),
            .row_labels = {},
            .column_labels = {},
            .rows = matrix.size(0),
            .columns = matrix.size(1),
            .values = matrix.to_vector()};
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    const std::string directory = argv[1];
    //! [broadcast]
    const ag::Tensor a = ag::from_vector({0.0f, 0.3f, 0.6f}, {3, 1});        // a column, [3,1]
    const ag::Tensor b = ag::from_vector({0.0f, 0.1f, 0.2f, 0.3f}, {1, 4});  // a row, [1,4]
    const ag::Tensor c = a + b;  // [3,1] + [1,4] -> [3,4]: c[i][j] = a[i][0] + b[0][j]
    //! [broadcast]
    std::ofstream text(directory + "/broadcasting.txt");
    text << "a = " << a << "\nb = " << b << "\na + b = " << c << "\n";
    demo::write_text_file(
        directory + "/broadcasting.svg",
        demo::heatmaps_svg("broadcasting: a [3,1] + b [1,4] -> [3,4]",
                           {as_heatmap("a", a), as_heatmap("b", b), as_heatmap("a + b", c)}, 3));
    return text ? 0 : 1;
}
