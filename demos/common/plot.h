// demos/common/plot.h — SVG pictures for the demos: line charts (loss curves), bar charts
// (results side by side) and grids of heatmaps (attention weights), written with the C++
// standard library only (the pieces are in svg.h).
//
// Each function returns the text of one self-contained SVG 1.1 document: no scripts, no
// external fonts, images or style sheets (the only URL is the SVG namespace), so the file
// opens in any browser and can be checked into docs/. Every piece of user text (titles,
// labels, tokens) is escaped for XML, and bytes that are not valid UTF-8 or are control
// characters become U+FFFD, so any token string gives a document a browser will display.
//
//     demo::Series train{"train", steps, losses};
//     demo::write_text_file("loss.svg",
//                           demo::line_chart_svg("reverse: loss", "step", "loss", {train}, true));
//
// What this is not: a plotting library. There is one look (white background, light grid,
// ten colours), sizes are fixed, and text widths are estimated from character counts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "demos/common/svg.h"  // xml_escape, nice_ticks

namespace demo {

// ---- Line charts ----------------------------------------------------------------------------

/// One line of a chart: the points (x[i], y[i]), drawn in order. Non-finite points (and, on a
/// log axis, y <= 0) are skipped and break the line there.
struct Series {
    std::string label;  // shown in the legend; series with an empty label are not listed
    std::vector<double> x, y;
};

/// A line chart of `series` (distinct colours, a legend on the right), with a title, axis
/// labels and 1-2-5 ticks. With log_y the y axis is log10 (for loss curves), ticks on decades.
/// Throws std::invalid_argument if some series has x.size() != y.size().
std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<Series>& series,
                           bool log_y = false);

// ---- Bar charts ----------------------------------------------------------------------------

/// One colour of bars in a bar chart: values[i] is its bar in the i-th group.
struct BarSeries {
    std::string label;  // shown in the legend
    std::vector<double> values;
};

/// A grouped bar chart: one group per category along x, one bar per series in each group
/// (distinct colours, a legend on the right), on a linear y axis from 0 with 1-2-5 ticks. A
/// non-finite value draws no bar. Throws std::invalid_argument if some series does not have one
/// value per category.
std::string bar_chart_svg(const std::string& title, const std::string& x_label,
                          const std::string& y_label, const std::vector<std::string>& categories,
                          const std::vector<BarSeries>& series);

// ---- Heatmaps -------------------------------------------------------------------------------

/// One heatmap, e.g. one attention head: rows are query positions (output tokens), columns
/// are key positions (input tokens), values[r * columns + c] in [0, 1].
struct Heatmap {
    std::string title;                       // e.g. "layer 0 head 1"
    std::vector<std::string> row_labels;     // one per row (output tokens), or none
    std::vector<std::string> column_labels;  // one per column (input tokens), or none
    int64_t rows = 0, columns = 0;
    std::vector<float> values;  // rows * columns, row-major, in [0, 1]
};

/// A grid of heatmaps, maps_per_row to a row, under one title, with a colour scale: each cell
/// is shaded from white (0) to dark blue (1); values outside [0, 1] are clamped and NaN is
/// grey. Cells are square and the same size in every map: 28 px for small maps, 10 px for
/// 40 x 40, 8 px at least. Labels longer than 10 characters are cut. Throws
/// std::invalid_argument if maps_per_row < 1, a map has negative sizes, values.size() !=
/// rows * columns, or a non-empty label list has the wrong length.
std::string heatmaps_svg(const std::string& title, const std::vector<Heatmap>& maps,
                         int64_t maps_per_row);

// ---- Files ---------------------------------------------------------------------------------

/// Writes `text` to `path` atomically, through io::write_file_atomically (io/file.h): a reader
/// never sees half a file, and nothing but `path` is written. Throws ag::io::FileError (a
/// std::runtime_error) naming the path and the reason (strerror) on failure, or when `path`
/// is a symbolic link or a special file.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace demo
