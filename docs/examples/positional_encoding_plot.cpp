// docs/examples/positional_encoding_plot.cpp — the figure of tutorial page 8: the sinusoidal
// positional encoding, a few of its dimensions drawn against the position.
//
//     positional_encoding_plot <directory>    writes positional_encoding.svg there
#include <string>
#include <vector>

#include "demos/common/plot.h"
#include "nn/positional_encoding.h"

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    constexpr int64_t kPositions = 100, kDModel = 64;
    //! [table]
    const ag::Tensor table = ag::nn::sinusoidal_positions(kPositions, kDModel);  // [100, 64]
    //! [table]
    std::vector<demo::Series> series;
    for (int64_t dim : {6, 7, 16, 32}) {
        demo::Series s{"dim " + std::to_string(dim), {}, {}};
        for (int64_t pos = 0; pos < kPositions; ++pos) {
            s.x.push_back(static_cast<double>(pos));
            s.y.push_back(table.at({pos, dim}));
        }
        series.push_back(s);
    }
    demo::write_text_file(std::string(argv[1]) + "/positional_encoding.svg",
                          demo::line_chart_svg("sinusoidal positions, d_model = 64", "position",
                                               "PE(pos, dim)", series));
    return 0;
}
