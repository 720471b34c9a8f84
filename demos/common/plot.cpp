// demos/common/plot.cpp — SVG line charts and heatmap grids, and writing them to files.
//
// Sections: text (UTF-8 cleaning, XML escaping, number formatting); SVG pieces (a few
// helpers that append elements to a string); axes (linear 1-2-5 ticks and log10 ticks); the
// line chart; the heatmap grid; files.
//
// Coordinates are in pixels, y growing downwards as in SVG. A chart is laid out from
// fixed sizes outwards: the plot area is 600 x 340, the margins around it are sized to what
// they hold (tick labels, axis labels, the legend), text widths being estimated as 0.6 em a
// character, close enough for the sans-serif fonts browsers pick.
#include "demos/common/plot.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <memory>
#include <stdexcept>

#include "io/file.h"

namespace demo {

namespace {

// ---- Text -----------------------------------------------------------------------------------

constexpr const char* kReplacement = "\xEF\xBF\xBD";  // U+FFFD, in UTF-8

// The length of the valid UTF-8 sequence starting at text[i] that encodes a character XML
// allows (no controls but tab, newline and carriage return; no surrogates; no U+FFFE or
// U+FFFF), or 0 if there is none.
size_t valid_character_length(const std::string& text, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char first = byte(i);
    if (first < 0x80) {
        return (first >= 0x20 || first == '\t' || first == '\n' || first == '\r') ? 1 : 0;
    }
    size_t length;
    uint32_t code;
    if (first >= 0xC2 && first <= 0xDF) {
        length = 2, code = first & 0x1F;
    } else if (first >= 0xE0 && first <= 0xEF) {
        length = 3, code = first & 0x0F;
    } else if (first >= 0xF0 && first <= 0xF4) {
        length = 4, code = first & 0x07;
    } else {
        return 0;  // a continuation byte, an overlong lead (C0, C1) or beyond U+10FFFF
    }
    if (i + length > text.size()) return 0;
    for (size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0) != 0x80) return 0;
        code = (code << 6) | (byte(i + k) & 0x3F);
    }
    const uint32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < smallest[length] || code > 0x10FFFF) return 0;  // overlong or too large
    if (code >= 0xD800 && code <= 0xDFFF) return 0;            // UTF-16 surrogates
    if (code == 0xFFFE || code == 0xFFFF) return 0;            // not characters
    return length;
}

// The number of characters in `text` as xml_escape() will write them (a replaced byte is one).
size_t character_count(const std::string& text) {
    size_t count = 0;
    for (size_t i = 0; i < text.size(); ++count) {
        i += std::max<size_t>(1, valid_character_length(text, i));
    }
    return count;
}

// At most `limit` characters of `text`, the last replaced by an ellipsis if it was cut.
std::string shortened(const std::string& text, size_t limit) {
    if (character_count(text) <= limit) return text;
    size_t end = 0;
    for (size_t kept = 0; kept + 1 < limit; ++kept) {
        end += std::max<size_t>(1, valid_character_length(text, end));
    }
    return text.substr(0, end) + "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
}

// The estimated width in pixels of `text` in a sans-serif font of `font_size` pixels.
double text_width(const std::string& text, double font_size) {
    return static_cast<double>(character_count(text)) * font_size * 0.6;
}

// A coordinate with one decimal, without a trailing ".0": 12.5, 80.
std::string px(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", value);
    std::string result = text;
    if (result.size() > 2 && result.compare(result.size() - 2, 2, ".0") == 0) {
        result.resize(result.size() - 2);
    }
    return result == "-0" ? "0" : result;
}

std::string format(const char* pattern, double value, int precision) {
    char text[64];
    std::snprintf(text, sizeof text, pattern, precision, value);
    return text;
}

// ---- SVG pieces -----------------------------------------------------------------------------

// The ten colours of Tableau's (and matplotlib's) default palette, told apart by most readers.
constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

constexpr const char* kFont = "font-family=\"Helvetica, Arial, sans-serif\"";

void open_svg(std::string& svg, double width, double height, const std::string& title) {
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + px(width) +
           "\" height=\"" + px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) +
           "\">\n";
    svg += "<title>" + xml_escape(title) + "</title>\n";
    svg += "<rect x=\"0\" y=\"0\" width=\"" + px(width) + "\" height=\"" + px(height) +
           "\" fill=\"#ffffff\"/>\n";
}

// Text at (x, y), y being the baseline; `attributes` adds e.g. text-anchor or font-weight.
void add_text(std::string& svg, double x, double y, const std::string& text, double font_size,
              const std::string& attributes = "") {
    svg += "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" font-size=\"" + px(font_size) + "\" " +
           kFont + (attributes.empty() ? "" : " " + attributes) + ">" + xml_escape(text) +
           "</text>\n";
}

void add_line(std::string& svg, double x1, double y1, double x2, double y2, const char* colour,
              double width) {
    svg += "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" +
           px(y2) + "\" stroke=\"" + colour + "\" stroke-width=\"" + px(width) + "\"/>\n";
}

// ---- Axes -----------------------------------------------------------------------------------

// The smallest of 1, 2, 5 x 10^k that is >= raw (raw > 0).
double nice_step(double raw) {
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double mantissa : {1.0, 2.0, 5.0}) {
        if (mantissa * magnitude >= raw * (1 - 1e-9)) return mantissa * magnitude;
    }
    return 10 * magnitude;
}

// Labels for linear ticks `step` apart: fixed decimals, as many as the step needs
// (0, 0.5, 1.0 would be uneven), or %g for very large or very small numbers.
std::vector<std::string> linear_labels(const std::vector<double>& ticks) {
    double step = ticks.size() > 1 ? ticks[1] - ticks[0] : 1.0;
    if (!std::isfinite(step) || step <= 0) step = 1;  // only for ends near +-1e308
    double largest = 0;
    for (double tick : ticks) largest = std::max(largest, std::fabs(tick));
    const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    std::vector<std::string> labels;
    for (double tick : ticks) {
        if (decimals <= 6 && largest < 1e9) {
            labels.push_back(format("%.*f", tick, decimals));
        } else {  // enough significant digits to tell neighbours apart
            const double digits =
                std::floor(std::log10(std::max(largest, step))) - std::floor(std::log10(step)) + 1;
            labels.push_back(format("%.*g", tick, static_cast<int>(std::clamp(digits, 1.0, 17.0))));
        }
        if (labels.back()[0] == '-' &&
            labels.back().find_first_not_of("-0.") == std::string::npos) {
            labels.back().erase(0, 1);  // "-0.0", from a tick a rounding error below zero
        }
    }
    return labels;
}

// A log10 tick label: 0.001, 0.2, 50, 1e-05 written 1e-5.
std::string log_label(double value) {
    std::string text = format("%.*g", value, 6);
    const size_t e = text.find('e');
    if (e != std::string::npos) {  // drop the exponent's '+' and leading zeros
        std::string exponent = text.substr(e + 1);
        const bool negative = exponent[0] == '-';
        exponent = exponent.substr(exponent.find_first_not_of("+-0") == std::string::npos
                                       ? exponent.size() - 1
                                       : exponent.find_first_not_of("+-0"));
        text = text.substr(0, e + 1) + (negative ? "-" : "") + exponent;
    }
    return text;
}

// One axis: its ends, labelled ticks and unlabelled (minor) grid lines, linear or log10.
struct Axis {
    double lo = 0, hi = 1;
    bool log = false;
    std::vector<double> ticks, minor;
    std::vector<std::string> labels;

    // Where `value` lies between the ends, 0 at lo and 1 at hi (clamped: a log axis stops at
    // 1e-300, below which doubles lose precision).
    double fraction(double value) const {
        const double f =
            log ? (std::log10(value) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
                : (value / 2 - lo / 2) / (hi / 2 - lo / 2);  // halves: no overflow near 1e308
        return std::clamp(f, 0.0, 1.0);
    }
};

Axis linear_axis(double lo, double hi) {
    Axis axis;
    axis.ticks = nice_ticks(lo, hi);
    axis.lo = axis.ticks.front();
    axis.hi = axis.ticks.back();
    axis.labels = linear_labels(axis.ticks);
    return axis;
}

// A log10 axis from the decade at or below lo to the decade at or above hi (0 < lo <= hi).
// Over at most two decades, 1, 2 and 5 of each are labelled; over more, every decade (or every
// n-th, to keep about six labels), with 2..9 as minor grid lines up to six decades.
Axis log_axis(double lo, double hi) {
    Axis axis;
    axis.log = true;
    int first = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
    int last = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    first = std::clamp(first, -300, 299);  // keep 10^k a normal double
    last = std::clamp(last, first + 1, 300);
    axis.lo = std::pow(10.0, first);
    axis.hi = std::pow(10.0, last);
    const int decades = last - first;
    const int stride = std::max(1, (decades + 5) / 6);
    for (int k = first; k <= last; ++k) {
        const double decade = std::pow(10.0, k);
        if ((k - first) % stride == 0) axis.ticks.push_back(decade);
        if (k == last) break;
        for (int mantissa = 2; mantissa <= 9; ++mantissa) {
            if (decades <= 2 && (mantissa == 2 || mantissa == 5)) {
                axis.ticks.push_back(mantissa * decade);
            } else if (decades <= 6) {
                axis.minor.push_back(mantissa * decade);
            }
        }
    }
    for (double tick : axis.ticks) axis.labels.push_back(log_label(tick));
    return axis;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi) {
    if (!std::isfinite(lo) || !std::isfinite(hi)) return {0, 1};
    if (lo > hi) std::swap(lo, hi);
    if (std::max(std::fabs(lo), std::fabs(hi)) < 1e-300) lo = hi = 0;  // denormals: zero
    if (hi - lo <= 1e-12 * std::max(std::fabs(lo), std::fabs(hi))) {   // one value: widen
        const double pad = lo == 0 ? 1 : std::fabs(lo) * 0.1;
        constexpr double kMax = std::numeric_limits<double>::max();
        lo = std::max(lo - pad, -kMax), hi = std::min(hi + pad, kMax);
    }
    const double step = nice_step(hi / 8 - lo / 8);  // at most eight intervals (no overflow)
    const double first = std::floor(lo / step), last = std::ceil(hi / step);
    if (!(last - first <= 20)) return {lo, hi};  // cannot happen for finite lo, hi; be safe
    std::vector<double> ticks;
    for (double k = first; k <= last; ++k) ticks.push_back(k * step);
    if (!std::isfinite(ticks.front()) || !std::isfinite(ticks.back())) return {lo, hi};
    return ticks;
}

// ---- The line chart -------------------------------------------------------------------------

std::string line_chart_svg(const std::string& title, const std::string& x_label,
                           const std::string& y_label, const std::vector<Series>& series,
                           bool log_y) {
    for (const Series& s : series) {
        if (s.x.size() != s.y.size()) {
            throw std::invalid_argument("line_chart_svg: series '" + s.label + "' has " +
                                        std::to_string(s.x.size()) + " x values but " +
                                        std::to_string(s.y.size()) + " y values");
        }
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
    const Axis x_axis = linear_axis(x_min, x_max);
    const Axis y_axis = log_y ? log_axis(y_min, y_max) : linear_axis(y_min, y_max);

    // Layout: the plot area, then margins sized to what they hold.
    constexpr double kPlotWidth = 600, kPlotHeight = 340, kTick = 5;
    constexpr double kTitleSize = 17, kLabelSize = 13, kTickSize = 11, kLegendSize = 12;
    double widest_y_label = 0;
    for (const std::string& label : y_axis.labels) {
        widest_y_label = std::max(widest_y_label, text_width(label, kTickSize));
    }
    double widest_legend = 0;
    for (const Series& s : series) {
        widest_legend = std::max(widest_legend, text_width(s.label, kLegendSize));
    }
    const bool legend = widest_legend > 0;
    const double legend_width = legend ? 12 + 24 + 8 + widest_legend + 12 : 0;
    const double left = 20 + kLabelSize + 12 + widest_y_label + kTick + 4;
    const double top = 56, bottom = 62;
    const double right = legend ? 20 + legend_width + 20 : 30;
    const double width = left + kPlotWidth + right, height = top + kPlotHeight + bottom;
    const double plot_right = left + kPlotWidth, plot_bottom = top + kPlotHeight;
    const auto to_x = [&](double x) { return left + x_axis.fraction(x) * kPlotWidth; };
    const auto to_y = [&](double y) { return plot_bottom - y_axis.fraction(y) * kPlotHeight; };

    std::string svg;
    open_svg(svg, width, height, title);
    add_text(svg, left + kPlotWidth / 2, 32, title, kTitleSize,
             "text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222222\"");

    // Grid lines (minor, then at ticks), the frame, tick marks and tick labels.
    svg += "<g id=\"grid\">\n";
    for (double y : y_axis.minor) add_line(svg, left, to_y(y), plot_right, to_y(y), "#f2f2f2", 1);
    for (double x : x_axis.ticks) add_line(svg, to_x(x), top, to_x(x), plot_bottom, "#e3e3e3", 1);
    for (double y : y_axis.ticks) add_line(svg, left, to_y(y), plot_right, to_y(y), "#e3e3e3", 1);
    svg += "</g>\n<g id=\"axes\">\n";
    svg += "<rect x=\"" + px(left) + "\" y=\"" + px(top) + "\" width=\"" + px(kPlotWidth) +
           "\" height=\"" + px(kPlotHeight) + "\" fill=\"none\" stroke=\"#888888\"/>\n";
    for (size_t i = 0; i < x_axis.ticks.size(); ++i) {
        const double x = to_x(x_axis.ticks[i]);
        add_line(svg, x, plot_bottom, x, plot_bottom + kTick, "#888888", 1);
        add_text(svg, x, plot_bottom + kTick + 14, x_axis.labels[i], kTickSize,
                 "text-anchor=\"middle\" fill=\"#444444\"");
    }
    for (size_t i = 0; i < y_axis.ticks.size(); ++i) {
        const double y = to_y(y_axis.ticks[i]);
        add_line(svg, left - kTick, y, left, y, "#888888", 1);
        add_text(svg, left - kTick - 4, y + 4, y_axis.labels[i], kTickSize,
                 "text-anchor=\"end\" fill=\"#444444\"");
    }
    add_text(svg, left + kPlotWidth / 2, plot_bottom + 46, x_label, kLabelSize,
             "text-anchor=\"middle\" fill=\"#222222\"");
    const double y_label_x = 20 + kLabelSize, y_label_y = top + kPlotHeight / 2;
    add_text(svg, y_label_x, y_label_y, y_label + (log_y ? " (log scale)" : ""), kLabelSize,
             "text-anchor=\"middle\" fill=\"#222222\" transform=\"rotate(-90 " + px(y_label_x) +
                 " " + px(y_label_y) + ")\"");
    if (empty) {
        add_text(svg, left + kPlotWidth / 2, top + kPlotHeight / 2, "no data", kLabelSize,
                 "text-anchor=\"middle\" fill=\"#888888\"");
    }
    svg += "</g>\n";

    // The series: one path each, broken where points are skipped; a dot for a lone point, and
    // dots on every point of a short series so each measurement shows.
    for (size_t s = 0; s < series.size(); ++s) {
        const Series& line = series[s];
        const char* colour = kPalette[s % std::size(kPalette)];
        std::string path, dots;
        size_t run = 0;  // points in the current unbroken run
        const auto dot = [&](double x, double y) {
            dots += "<circle cx=\"" + px(to_x(x)) + "\" cy=\"" + px(to_y(y)) +
                    "\" r=\"2.5\" fill=\"" + colour + "\"/>\n";
        };
        for (size_t i = 0; i <= line.x.size(); ++i) {
            const bool ok = i < line.x.size() && usable(line.x[i], line.y[i]);
            if (ok) {
                path += (run == 0 ? "M" : " L") + px(to_x(line.x[i])) + " " + px(to_y(line.y[i]));
                if (line.x.size() <= 30) dot(line.x[i], line.y[i]);
                ++run;
            } else {
                if (run == 1 && line.x.size() > 30) dot(line.x[i - 1], line.y[i - 1]);
                if (run > 0) path += " ";
                run = 0;
            }
        }
        svg += "<g id=\"series-" + std::to_string(s) + "\">\n";
        if (!path.empty()) {
            svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + colour +
                   "\" stroke-width=\"1.8\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n";
        }
        svg += dots + "</g>\n";
    }

    // The legend, right of the plot area.
    if (legend) {
        const double x0 = plot_right + 20;
        size_t listed = 0;
        for (const Series& s : series) listed += s.label.empty() ? 0 : 1;
        svg += "<g id=\"legend\">\n<rect x=\"" + px(x0) + "\" y=\"" + px(top) + "\" width=\"" +
               px(legend_width) + "\" height=\"" + px(12 + 22.0 * static_cast<double>(listed)) +
               "\" fill=\"#ffffff\" stroke=\"#cccccc\"/>\n";
        double y = top + 6 + 11;
        for (size_t s = 0; s < series.size(); ++s) {
            if (series[s].label.empty()) continue;
            add_line(svg, x0 + 12, y, x0 + 36, y, kPalette[s % std::size(kPalette)], 2.5);
            add_text(svg, x0 + 44, y + 4, series[s].label, kLegendSize, "fill=\"#222222\"");
            y += 22;
        }
        svg += "</g>\n";
    }
    svg += "</svg>\n";
    return svg;
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
            row_label_width =
                std::max(row_label_width, text_width(shortened(label, kLabelLimit), font) + 6);
        }
        for (const std::string& label : map.column_labels) {
            column_label_height =
                std::max(column_label_height, text_width(shortened(label, kLabelLimit), font) + 6);
        }
        title_width = std::max(title_width, text_width(map.title, kMapTitleSize));
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
                                  2 * kMargin + text_width(title, kTitleSize));
    const double height = top + grid_height + kMargin;

    std::string svg;
    open_svg(svg, width, height, title);
    add_text(svg, width / 2, 32, title, kTitleSize,
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
        add_text(svg, x0 + std::max(w, title_width) / 2, panel_y + 13, map.title, kMapTitleSize,
                 "text-anchor=\"middle\" font-weight=\"bold\" fill=\"#222222\"");
        svg += "<g shape-rendering=\"crispEdges\">\n";
        for (int64_t r = 0; r < map.rows; ++r) {
            for (int64_t c = 0; c < map.columns; ++c) {
                const float value = map.values[static_cast<size_t>(r * map.columns + c)];
                svg += "<rect class=\"cell\" x=\"" + px(x0 + cell * static_cast<double>(c)) +
                       "\" y=\"" + px(y0 + cell * static_cast<double>(r)) + "\" width=\"" +
                       px(cell) + "\" height=\"" + px(cell) + "\" fill=\"" + blues(value) +
                       "\"/>\n";
            }
        }
        svg += "</g>\n<rect x=\"" + px(x0) + "\" y=\"" + px(y0) + "\" width=\"" + px(w) +
               "\" height=\"" + px(h) +
               "\" fill=\"none\" stroke=\"#999999\" stroke-width=\"1\"/>\n";
        for (size_t r = 0; r < map.row_labels.size(); ++r) {
            add_text(svg, x0 - 4, y0 + cell * (static_cast<double>(r) + 0.5) + font * 0.35,
                     shortened(map.row_labels[r], kLabelLimit), font,
                     "text-anchor=\"end\" fill=\"#333333\"");
        }
        for (size_t c = 0; c < map.column_labels.size(); ++c) {
            const double x = x0 + cell * (static_cast<double>(c) + 0.5) + font * 0.35;
            const double y = y0 - 4;
            add_text(svg, x, y, shortened(map.column_labels[c], kLabelLimit), font,
                     "fill=\"#333333\" transform=\"rotate(-90 " + px(x) + " " + px(y) + ")\"");
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
            svg += "<stop offset=\"" + format("%.*f", offset, 2) + "\" stop-color=\"" +
                   blues(offset) + "\"/>\n";
        }
        svg += "</linearGradient>\n</defs>\n<rect x=\"" + px(bar_x) + "\" y=\"" + px(bar_y) +
               "\" width=\"14\" height=\"" + px(bar_height) +
               "\" fill=\"url(#blues)\" stroke=\"#999999\"/>\n";
        for (double v : {0.0, 0.5, 1.0}) {
            const double y = bar_y + (1 - v) * bar_height;
            add_line(svg, bar_x + 14, y, bar_x + 18, y, "#888888", 1);
            add_text(svg, bar_x + 21, y + 4, format("%.*g", v, 2), 11, "fill=\"#444444\"");
        }
        svg += "</g>\n";
    }
    svg += "</svg>\n";
    return svg;
}

// ---- Text and files -------------------------------------------------------------------------

std::string xml_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const size_t length = valid_character_length(text, i);
        if (length == 0) {
            out += kReplacement;
            ++i;
            continue;
        }
        switch (text[i]) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&apos;";
                break;
            default:
                out.append(text, i, length);
        }
        i += length;
    }
    return out;
}

void write_text_file(const std::string& path, const std::string& text) {
    ag::io::write_file_atomically(path, {{text.data(), text.size()}}, "write_text_file");
}

}  // namespace demo
