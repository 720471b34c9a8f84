// demos/common/figures.cpp — loss curves and attention heatmaps as SVG.
#include "demos/common/figures.h"

#include <filesystem>

#include "core/autograd.h"
#include "demos/common/batching.h"
#include "demos/common/plot.h"

namespace demo {

namespace {

std::vector<std::string> labels(const Task& task, const std::vector<int64_t>& ids) {
    std::vector<std::string> out;
    for (int64_t id : ids) out.push_back(task.vocabulary()[static_cast<size_t>(id)]);
    return out;
}

// One heatmap per head from weights [1, H, rows, columns].
void add_heads(std::vector<Heatmap>& maps, const ag::Tensor& weights, const std::string& layer,
               const std::vector<std::string>& row_labels,
               const std::vector<std::string>& column_labels) {
    const int64_t heads = weights.size(1), rows = weights.size(2), columns = weights.size(3);
    for (int64_t h = 0; h < heads; ++h) {
        Heatmap map{
            layer + " head " + std::to_string(h), row_labels, column_labels, rows, columns, {}};
        const float* start = weights.data() + h * rows * columns;
        map.values.assign(start, start + rows * columns);
        maps.push_back(std::move(map));
    }
}

}  // namespace

void write_loss_curve(const std::string& path, const std::string& title,
                      const TrainingResult& result) {
    Series raw{"loss", {}, {}}, average{"moving average (50 steps)", {}, {}};
    double window_sum = 0;
    for (size_t i = 0; i < result.losses.size(); ++i) {
        raw.x.push_back(static_cast<double>(result.losses[i].first));
        raw.y.push_back(result.losses[i].second);
        window_sum += result.losses[i].second;
        if (i >= 50) window_sum -= result.losses[i - 50].second;
        average.x.push_back(raw.x.back());
        average.y.push_back(window_sum / static_cast<double>(std::min<size_t>(i + 1, 50)));
    }
    write_text_file(path, line_chart_svg(title, "step", "cross-entropy loss", {raw, average},
                                         /*log_y=*/true));
}

void write_transformer_attention(const std::string& directory, ag::nn::Transformer& model,
                                 const Task& task, const Example& example) {
    ag::NoGradGuard no_grad;
    model.eval();
    const Batch batch = make_batch({example});
    const ag::nn::AttentionRecording recording;  // every attention's weights, this forward's
    (void)model.forward(batch.source, batch.target_input);
    const std::vector<std::string> source = labels(task, example.source);
    // Row t of the decoder writes target_output[t]: label rows with what they write.
    std::vector<int64_t> written = example.target;
    written.push_back(kEos);
    const std::vector<std::string> output = labels(task, written);

    std::vector<Heatmap> cross, encoder;
    for (size_t l = 0; l < model.decoder.layers.size(); ++l) {
        add_heads(cross, recording.weights(model.decoder.layers[l].cross_attention),
                  "decoder layer " + std::to_string(l), output, source);
    }
    for (size_t l = 0; l < model.encoder.layers.size(); ++l) {
        add_heads(encoder, recording.weights(model.encoder.layers[l].self_attention),
                  "encoder layer " + std::to_string(l), source, source);
    }
    const int64_t heads = model.config().heads;
    const std::filesystem::path dir(directory);
    write_text_file((dir / "attention_cross.svg").string(),
                    heatmaps_svg("Cross-attention: output token (row) looking at source token "
                                 "(column), " +
                                     task.to_text(example.source),
                                 cross, heads));
    write_text_file(
        (dir / "attention_encoder.svg").string(),
        heatmaps_svg("Encoder self-attention, " + task.to_text(example.source), encoder, heads));
}

void write_rnn_attention(const std::string& path, ag::nn::RnnSeq2Seq& model, const Task& task,
                         const Example& example) {
    ag::NoGradGuard no_grad;
    model.eval();
    const Batch batch = make_batch({example});
    (void)model.forward(batch.source, batch.target_input);
    std::vector<int64_t> written = example.target;
    written.push_back(kEos);
    const ag::Tensor& weights = model.attention_weights();  // [1, T, S]
    Heatmap map{"additive attention", labels(task, written), labels(task, example.source),
                weights.size(1),      weights.size(2),       {}};
    map.values.assign(weights.data(), weights.data() + weights.numel());
    write_text_file(path, heatmaps_svg("RNN attention: output token (row) looking at source "
                                       "token (column)",
                                       {map}, 1));
}

}  // namespace demo
