// demos/common/plot.cpp — SVG line charts, bar charts and heatmap grids, and writing them.
//
// A chart is laid out from fixed sizes outwards: the plot area is 600 x 340, the margins
// around it are sized to what they hold (tick labels, axis labels, the legend).
#include "demos/common/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "io/file.h"

namespace demo {

namespace {

constexpr double kPlotWidth = 600, kPlotHeight = 340, kTick = 5;
constexpr double kTitleSize = 17, kLabelSize = 13, kTickSize = 11, kLegendSize = 12;

// The frame shared by line and bar charts: where the plot area is, and its y axis.
struct Chart {
    svg::Axis y;
    std::vector<std::string> legend;  // one label per series ("" is not listed)
    double left = 0, top = 56, width = 0, height = 0, legend_width = 0;
    double right() const { return left + kPlotWidth; }
    double bottom() const { return top + kPlotHeight; }
    double to_y(double value) const { return bottom() - y.fraction(value) * kPlotHeight; }
};

Chart layout(svg::Axis y, std::vector<std::string> legend) {
    Chart chart{.y = std::move(y), .legend = std::move(legend)};
    double widest_tick = 0, widest_entry = 0;
    for (const std::string& label : chart.y.labels) {
        widest_tick = std::max(widest_tick, svg::text_width(label, kTickSize));
    }
    for (const std::string& label : chart.legend) {
        widest_entry = std::max(widest_entry, svg::text_width(label, kLegendSize));
    }
    chart.legend_width = widest_entry > 0 ? 12 + 24 + 8 + widest_entry + 12 : 0;
    chart.left = 20 + kLabelSize + 12 + widest_tick + kTick + 4;
    chart.width = chart.right() + (widest_entry > 0 ? 20 + chart.legend_width + 20 : 30);
    chart.height = chart.bottom() + 62;
    return chart;
}

// The document's start: the title, grid lines at the y ticks, the frame, y ticks and labels,
// the axis labels; then the legend, right of the plot area.
void draw_frame(std::string& svg, const Chart& chart, const std::string& title,
                const std::string& x_label, const std::string& y_label) {
    svg::open(svg, chart.width, chart.height, title);
    const double middle = chart.left + kPlotWidth / 2;
    svg::text(svg, middle, 32, title, kTitleSize,
              "text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222222\"");
    svg += "<g id=\"axes\">\n";
    for (size_t i = 0; i < chart.y.ticks.size(); ++i) {
        const double y = chart.to_y(chart.y.ticks[i]);
        svg::line(svg, chart.left, y, chart.right(), y, "#e3e3e3", 1);
        svg::line(svg, chart.left - kTick, y, chart.left, y, "#888888", 1);
        svg::text(svg, chart.left - kTick - 4, y + 4, chart.y.labels[i], kTickSize,
                  "text-anchor=\"end\" fill=\"#444444\"");
    }
    svg::rect(svg, chart.left, chart.top, kPlotWidth, kPlotHeight,
              "fill=\"none\" stroke=\"#888888\"");
    svg::text(svg, middle, chart.bottom() + 46, x_label, kLabelSize,
              "text-anchor=\"middle\" fill=\"#222222\"");
    const double label_x = 20 + kLabelSize, label_y = chart.top + kPlotHeight / 2;
    svg::text(svg, label_x, label_y, y_label + (chart.y.log ? " (log scale)" : ""), kLabelSize,
              "text-anchor=\"middle\" fill=\"#222222\" transform=\"rotate(-90 " + svg::px(label_x) +
                  " " + svg::px(label_y) + ")\"");
    svg += "</g>\n";
    if (chart.legend_width == 0) return;
    const double x0 = chart.right() + 20;
    size_t listed = 0;
    for (const std::string& label : chart.legend) listed += label.empty() ? 0 : 1;
    svg += "<g id=\"legend\">\n";
    svg::rect(svg, x0, chart.top, chart.legend_width, 12 + 22.0 * static_cast<double>(listed),
              "fill=\"#ffffff\" stroke=\"#cccccc\"");
    double y = chart.top + 17;
    for (size_t s = 0; s < chart.legend.size(); ++s) {
        if (chart.legend[s].empty()) continue;
        svg::line(svg, x0 + 12, y, x0 + 36, y, svg::colour(s), 2.5);
        svg::text(svg, x0 + 44, y + 4, chart.legend[s], kLegendSize, "fill=\"#222222\"");
        y += 22;
    }
    svg += "</g>\n";
}

}  // namespace

// ---- The line chart -------------------------------------------------------------------------

std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<Series>& series,
                           bool log_y) {
    std::vector<std::string> legend;
    for (const Series& s : series) {
        if (s.x.size() != s.y.size()) {
            throw std::invalid_argument("line_chart_svg: series '" + s.label + "' has " +
                                        std::to_string(s.x.size()) + " x values but " +
                                        std::to_string(s.y.size()) + " y values");
        }
        legend.push_back(s.label);
    }
    const auto usable = [&](double x, double y) {
        return std::isfinite(x) && std::isfinite(y) && (!log_y || y > 0);
    };
    // The data's extent decides the axes.
    double x_min = INFINITY, x_max = -INFINITY, y_min = INFINITY, y_max = -INFINITY;
    for (const Series& s : series) {
        for (size_t i = 0; i < s.x.size(); ++i) {
            if (!usable(s.x[i], s.y[i])) continue;
            x_min = std::min(x_min, s.x[i]), x_max = std::max(x_max, s.x[i]);
            y_min = std::min(y_min, s.y[i]), y_max = std::max(y_max, s.y[i]);
        }
    }
    const bool empty = !(x_min <= x_max);
    if (empty) x_min = 0, x_max = 1, y_min = log_y ? 1 : 0, y_max = log_y ? 10 : 1;
    const svg::Axis x_axis = svg::linear_axis(x_min, x_max);
    const Chart chart =
        layout(log_y ? svg::log_axis(y_min, y_max) : svg::linear_axis(y_min, y_max), legend);
    const auto to_x = [&](double x) { return chart.left + x_axis.fraction(x) * kPlotWidth; };

    std::string svg;
    draw_frame(svg, chart, title, x_label, y_label);
    for (size_t i = 0; i < x_axis.ticks.size(); ++i) {
        const double x = to_x(x_axis.ticks[i]);
        svg::line(svg, x, chart.top, x, chart.bottom(), "#e3e3e3", 1);
        svg::line(svg, x, chart.bottom(), x, chart.bottom() + kTick, "#888888", 1);
        svg::text(svg, x, chart.bottom() + kTick + 14, x_axis.labels[i], kTickSize,
                  "text-anchor=\"middle\" fill=\"#444444\"");
    }
    if (empty) {
        svg::text(svg, chart.left + kPlotWidth / 2, chart.top + kPlotHeight / 2, "no data",
                  kLabelSize, "text-anchor=\"middle\" fill=\"#888888\"");
    }
    // One path per series, broken where points are skipped; dots on every point of a short
    // series, so each measurement shows, and on a lone point.
    for (size_t s = 0; s < series.size(); ++s) {
        const Series& line = series[s];
        std::string path, dots;
        size_t run = 0;  // points in the current unbroken run
        for (size_t i = 0; i <= line.x.size(); ++i) {
            const bool ok = i < line.x.size() && usable(line.x[i], line.y[i]);
            const bool lone = !ok && run == 1;
            if (ok || lone) {
                const size_t at = ok ? i : i - 1;
                const std::string x = svg::px(to_x(line.x[at])),
                                  y = svg::px(chart.to_y(line.y[at]));
                if (ok) path += (run == 0 ? "M" : " L") + x + " " + y;
                if ((ok && line.x.size() <= 30) || (lone && line.x.size() > 30)) {
                    dots += "<circle cx=\"" + x + "\" cy=\"" + y + "\" r=\"2.5\" fill=\"" +
                            svg::colour(s) + "\"/>\n";
                }
            }
            run = ok ? run + 1 : 0;
        }
        svg += "<g id=\"series-" + std::to_string(s) + "\">\n";
        if (!path.empty()) {
            svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + svg::colour(s) +
                   "\" stroke-width=\"1.8\" stroke-linejoin=\"round\"/>\n";
        }
        svg += dots + "</g>\n";
    }
    return svg + "</svg>\n";
}

// ---- The bar chart --------------------------------------------------------------------------

std::string bar_chart_svg(const std::string& title, const std::string& x_label,
                          const std::string& y_label, const std::vector<std::string>& categories,
                          const std::vector<BarSeries>& series) {
    std::vector<std::string> legend;
    double y_max = 0;
    for (const BarSeries& s : series) {
        if (s.values.size() != categories.size()) {
            throw std::invalid_argument("bar_chart_svg: series '" + s.label + "' has " +
                                        std::to_string(s.values.size()) + " values for " +
                                        std::to_string(categories.size()) + " categories");
        }
        for (double v : s.values) y_max = std::isfinite(v) ? std::max(y_max, v) : y_max;
        legend.push_back(s.label);
    }
    double y_min = 0;
    for (const BarSeries& s : series) {
        for (double v : s.values) y_min = std::isfinite(v) ? std::min(y_min, v) : y_min;
    }
    const Chart chart = layout(svg::linear_axis(y_min, y_max), legend);
    std::string svg;
    draw_frame(svg, chart, title, x_label, y_label);
    // Each category gets an equal slot; its bars fill 80% of it, side by side.
    const double slot = kPlotWidth / static_cast<double>(std::max<size_t>(1, categories.size()));
    const double bar = 0.8 * slot / static_cast<double>(std::max<size_t>(1, series.size()));
    const double zero = chart.to_y(0);
    for (size_t c = 0; c < categories.size(); ++c) {
        const double x0 = chart.left + slot * static_cast<double>(c);
        svg::text(svg, x0 + slot / 2, chart.bottom() + kTick + 14, categories[c], kTickSize,
                  "text-anchor=\"middle\" fill=\"#444444\"");
        for (size_t s = 0; s < series.size(); ++s) {
            const double value = series[s].values[c];
            if (!std::isfinite(value)) continue;
            const double y = chart.to_y(value);
            svg::rect(svg, x0 + 0.1 * slot + bar * static_cast<double>(s), std::min(y, zero), bar,
                      std::fabs(zero - y),
                      "class=\"bar\" fill=\"" + std::string(svg::colour(s)) + "\"");
        }
    }
    return svg + "</svg>\n";
}

// ---- The heatmap grid -----------------------------------------------------------------------

namespace {

// Matplotlib's "Blues" colour map, from white to dark blue, as stops to interpolate between.
constexpr double kBlues[][3] = {
    {255, 255, 255}, {198, 219, 239}, {107, 174, 214}, {33, 113, 181}, {8, 48, 107}};
constexpr int kBlueStops = 5;

std::string blues(double value) {
    if (std::isnan(value)) return "#bdbdbd";
    const double t = std::clamp(value, 0.0, 1.0) * (kBlueStops - 1);
    const int i = std::min(static_cast<int>(t), kBlueStops - 2);
    const double f = t - i;
    char text[8];
    int rgb[3];
    for (int c = 0; c < 3; ++c) {
        rgb[c] =
            static_cast<int>(std::lround(kBlues[i][c] + f * (kBlues[i + 1][c] - kBlues[i][c])));
    }
    std::snprintf(text, sizeof text, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
    return text;
}

void check_heatmap(const Heatmap& map, size_t index) {
    const std::string name =
        "heatmaps_svg: map " + std::to_string(index) + " ('" + map.title + "')";
    if (map.rows < 0 || map.columns < 0) {
        throw std::invalid_argument(name + " has negative sizes");
    }
    if (map.columns > 0 &&
        map.rows > static_cast<int64_t>(std::numeric_limits<size_t>::max() / 2) / map.columns) {
        throw std::invalid_argument(name + " is too large");
    }
    const size_t cells = static_cast<size_t>(map.rows) * static_cast<size_t>(map.columns);
    if (map.values.size() != cells) {
        throw std::invalid_argument(name + " has " + std::to_string(map.values.size()) +
                                    " values for " + std::to_string(map.rows) + " x " +
                                    std::to_string(map.columns) + " cells");
    }
    if (!map.row_labels.empty() && map.row_labels.size() != static_cast<size_t>(map.rows)) {
        throw std::invalid_argument(name + " has " + std::to_string(map.row_labels.size()) +
                                    " row labels for " + std::to_string(map.rows) + " rows");
    }
    if (!map.column_labels.empty() &&
        map.column_labels.size() != static_cast<size_t>(map.columns)) {
        throw std::invalid_argument(name + " has " + std::to_string(map.column_labels.size()) +
                                    " column labels for " + std::to_string(map.columns) +
                                    " columns");
    }
}

}  // namespace

std::string heatmaps_svg(const std::string& title, const std::vector<Heatmap>& maps,
                         int64_t maps_per_row) {
    if (maps_per_row < 1) {
        throw std::invalid_argument("heatmaps_svg: maps_per_row is " +
                                    std::to_string(maps_per_row) + ", must be at least 1");
    }
    for (size_t i = 0; i < maps.size(); ++i) check_heatmap(maps[i], i);

    // One cell size for every map, so the maps compare at a glance: 400 px for the largest
    // side, within [8, 28] px. Labels are cut to 10 characters.
    constexpr size_t kLabelLimit = 10;
    constexpr double kTitleSize = 17, kMapTitleSize = 12, kGap = 32, kMargin = 24;
    int64_t max_rows = 0, max_columns = 0;
    for (const Heatmap& map : maps) {
        max_rows = std::max(max_rows, map.rows), max_columns = std::max(max_columns, map.columns);
    }
    const double cell = std::clamp(std::floor(400.0 / static_cast<double>(std::max<int64_t>(
                                                          1, std::max(max_rows, max_columns)))),
                                   8.0, 28.0);
    const double font = std::clamp(cell - 3, 7.0, 12.0);
    double row_label_width = 0, column_label_height = 0, title_width = 0;
    for (const Heatmap& map : maps) {
        for (const std::string& label : map.row_labels) {
            row_label_width = std::max(
                row_label_width, svg::text_width(svg::shortened(label, kLabelLimit), font) + 6);
        }
        for (const std::string& label : map.column_labels) {
            column_label_height = std::max(
                column_label_height, svg::text_width(svg::shortened(label, kLabelLimit), font) + 6);
        }
        title_width = std::max(title_width, svg::text_width(map.title, kMapTitleSize));
    }
    const double map_width = cell * static_cast<double>(max_columns);
    const double map_height = cell * static_cast<double>(max_rows);
    const double panel_width = row_label_width + std::max(map_width, title_width);
    const double panel_height = 22 + column_label_height + map_height;
    const size_t per_row = static_cast<size_t>(
        std::min<int64_t>(maps_per_row, std::max<int64_t>(1, static_cast<int64_t>(maps.size()))));
    const size_t grid_rows = (maps.size() + per_row - 1) / per_row;
    const double grid_width = static_cast<double>(per_row) * (panel_width + kGap) - kGap;
    const double grid_height =
        static_cast<double>(grid_rows) * (panel_height + kGap) - (grid_rows > 0 ? kGap : 0);
    const double top = 52, scale_width = maps.empty() ? 0 : 80;
    const double width = std::max(kMargin + grid_width + scale_width + kMargin,
                                  2 * kMargin + svg::text_width(title, kTitleSize));
    const double height = top + grid_height + kMargin;

    std::string svg;
    svg::open(svg, width, height, title);
    svg::text(svg, width / 2, 32, title, kTitleSize,
              "text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222222\"");

    for (size_t m = 0; m < maps.size(); ++m) {
        const Heatmap& map = maps[m];
        // The panel's corner, then the map's: labels to its left and above it.
        const double panel_x = kMargin + static_cast<double>(m % per_row) * (panel_width + kGap);
        const double panel_y = top + static_cast<double>(m / per_row) * (panel_height + kGap);
        const double x0 = panel_x + row_label_width, y0 = panel_y + 22 + column_label_height;
        const double w = cell * static_cast<double>(map.columns);
        const double h = cell * static_cast<double>(map.rows);
        svg += "<g id=\"map-" + std::to_string(m) + "\">\n";
        svg::text(svg, x0 + std::max(w, title_width) / 2, panel_y + 13, map.title, kMapTitleSize,
                  "text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222222\"");
        svg += "<g shape-rendering=\"crispEdges\">\n";
        for (int64_t r = 0; r < map.rows; ++r) {
            for (int64_t c = 0; c < map.columns; ++c) {
                const float value = map.values[static_cast<size_t>(r * map.columns + c)];
                svg += "<rect class=\"cell\" x=\"" + svg::px(x0 + cell * static_cast<double>(c)) +
                       "\" y=\"" + svg::px(y0 + cell * static_cast<double>(r)) + "\" width=\"" +
                       svg::px(cell) + "\" height=\"" + svg::px(cell) + "\" fill=\"" +
                       blues(value) + "\"/>\n";
            }
        }
        svg += "</g>\n<rect x=\"" + svg::px(x0) + "\" y=\"" + svg::px(y0) + "\" width=\"" +
               svg::px(w) + "\" height=\"" + svg::px(h) +
               "\" fill=\"none\" stroke=\"#999999\" stroke-width=\"1\"/>\n";
        for (size_t r = 0; r < map.row_labels.size(); ++r) {
            svg::text(svg, x0 - 4, y0 + cell * (static_cast<double>(r) + 0.5) + font * 0.35,
                      svg::shortened(map.row_labels[r], kLabelLimit), font,
                      "text-anchor=\"end\" fill=\"#333333\"");
        }
        for (size_t c = 0; c < map.column_labels.size(); ++c) {
            const double x = x0 + cell * (static_cast<double>(c) + 0.5) + font * 0.35;
            const double y = y0 - 4;
            svg::text(
                svg, x, y, svg::shortened(map.column_labels[c], kLabelLimit), font,
                "fill=\"#333333\" transform=\"rotate(-90 " + svg::px(x) + " " + svg::px(y) + ")\"");
        }
        svg += "</g>\n";
    }

    // The colour scale: a vertical bar, 1 at the top, beside the first row of maps.
    if (!maps.empty()) {
        const double bar_x = kMargin + grid_width + 24, bar_y = top + 22 + column_label_height;
        const double bar_height = std::clamp(map_height, 100.0, 240.0);
        svg +=
            "<g id=\"colour-scale\">\n<defs>\n<linearGradient id=\"blues\" x1=\"0\" y1=\"1\" "
            "x2=\"0\" y2=\"0\">\n";
        for (int i = 0; i < kBlueStops; ++i) {
            const double offset = static_cast<double>(i) / (kBlueStops - 1);
            svg +=
                "<stop offset=\"" + svg::px(offset) + "\" stop-color=\"" + blues(offset) + "\"/>\n";
        }
        svg += "</linearGradient>\n</defs>\n<rect x=\"" + svg::px(bar_x) + "\" y=\"" +
               svg::px(bar_y) + "\" width=\"14\" height=\"" + svg::px(bar_height) +
               "\" fill=\"url(#blues)\" stroke=\"#999999\"/>\n";
        for (double v : {0.0, 0.5, 1.0}) {
            const double y = bar_y + (1 - v) * bar_height;
            svg::line(svg, bar_x + 14, y, bar_x + 18, y, "#888888", 1);
            svg::text(svg, bar_x + 21, y + 4, svg::px(v), 11, "fill=\"#444444\"");
        }
        svg += "</g>\n";
    }
    svg += "</svg>\n";
    return svg;
}

// ---- Files ---------------------------------------------------------------------------------

void write_text_file(const std::string& path, const std::string& text) {
    ag::io::write_file_atomically(path, {{text.data(), text.size()}}, "write_text_file");
}

}  // namespace demo
