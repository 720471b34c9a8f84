// docs/examples/masks_plot.cpp — the figure of tutorial page 7: a causal mask, a padding mask,
// and the attention weights that come out of softmax when each is applied to the same scores.
//
//     masks_plot <directory>        writes masks.svg there
#include <string>
#include <vector>

#include "core/ops.h"
#include "demos/common/plot.h"
#include "nn/attention.h"

namespace {
// The last two dimensions of `t` (its first matrix) as a heatmap.
demo::Heatmap as_heatmap(const std::string& title, const ag::Tensor& t) {
    const int64_t rows = t.size(-2), columns = t.size(-1);
    std::vector<float> values = t.to_vector();
    values.resize(rows * columns);
    return {.title = title,
            .row_labels = {},
            .column_labels = {},
            .rows = rows,
            .columns = columns,
            .values = values};
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) return 2;
    constexpr int64_t T = 6;
    ag::Generator generator(3);
    // Random scores q k^T / sqrt(d_k) for one sequence of T = 6 tokens, [1, T, T].
    const ag::Tensor scores = ag::randn({1, T, T}, generator);
    //! [masks]
    const ag::Tensor causal = ag::nn::causal_mask(T);  // [T, T]: 1 above the diagonal
    // Token ids of one sequence whose last two positions are padding (id 0): [1, 1, T].
    const ag::Tensor padding = ag::nn::padding_mask(ag::IndexTensor({5, 3, 7, 4, 0, 0}, {1, T}), 0);
    const ag::Tensor causal_weights =
        ag::softmax(ag::masked_fill(scores, causal, ag::nn::kMaskedScore), -1);
    const ag::Tensor padded_weights =
        ag::softmax(ag::masked_fill(scores, padding, ag::nn::kMaskedScore), -1);
    //! [masks]
    demo::write_text_file(
        std::string(argv[1]) + "/masks.svg",
        demo::heatmaps_svg(
            "masks (1 = hidden) and the attention weights they leave",
            {as_heatmap("causal_mask(6)", causal), as_heatmap("weights, causal", causal_weights),
             as_heatmap("padding_mask", ag::broadcast_to(padding, {1, T, T})),
             as_heatmap("weights, padded", padded_weights)},
            4));
    return 0;
}
