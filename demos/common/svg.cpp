// demos/common/svg.cpp — see svg.h.
#include "demos/common/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string_view>

#include "io/json.h"

namespace demo {

namespace {

// The length of the UTF-8 sequence at text[i] if it encodes a character XML allows (no
// controls but tab, newline and carriage return; no U+FFFE or U+FFFF), else 0. Validity is
// io's check, the one the safetensors header reader uses.
size_t character_length(const std::string& text, size_t i) {
    const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char first = byte(i);
    if (first < 0x80) return (first >= 0x20 || first == '\t' || first == '\n' || first == '\r');
    const size_t length = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 0;
    if (length == 0 || i + length > text.size() ||
        !ag::io::json::is_valid_utf8(std::string_view(text).substr(i, length))) {
        return 0;
    }
    const bool fffe_or_ffff =
        length == 3 && first == 0xEF && byte(i + 1) == 0xBF && (byte(i + 2) & 0xFE) == 0xBE;
    return fffe_or_ffff ? 0 : length;
}

size_t character_count(const std::string& text) {
    size_t count = 0;
    for (size_t i = 0; i < text.size(); ++count)
        i += std::max<size_t>(1, character_length(text, i));
    return count;
}

std::string format(const char* pattern, double value, int precision) {
    char text[64];
    std::snprintf(text, sizeof text, pattern, precision, value);
    return text;
}

// The smallest of 1, 2, 5 x 10^k that is >= raw (raw > 0).
double nice_step(double raw) {
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    for (double mantissa : {1.0, 2.0, 5.0}) {
        if (mantissa * magnitude >= raw * (1 - 1e-9)) return mantissa * magnitude;
    }
    return 10 * magnitude;
}

}  // namespace

std::string xml_escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        const size_t length = character_length(text, i);
        const char c = text[i];
        if (length == 0) {
            out += "\xEF\xBF\xBD";  // U+FFFD
        } else if (c == '&' || c == '<' || c == '>' || c == '"' || c == '\'') {
            out += c == '&'   ? "&amp;"
                   : c == '<' ? "&lt;"
                   : c == '>' ? "&gt;"
                   : c == '"' ? "&quot;"
                              : "&apos;";
        } else {
            out.append(text, i, length);
        }
        i += std::max<size_t>(1, length);
    }
    return out;
}

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

namespace svg {

const char* colour(size_t i) {
    static constexpr const char* kPalette[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                               "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                               "#bcbd22", "#17becf"};
    return kPalette[i % std::size(kPalette)];
}

std::string shortened(const std::string& text, size_t limit) {
    if (character_count(text) <= limit) return text;
    size_t end = 0;
    for (size_t kept = 0; kept + 1 < limit; ++kept) {
        end += std::max<size_t>(1, character_length(text, end));
    }
    return text.substr(0, end) + "\xE2\x80\xA6";  // U+2026 HORIZONTAL ELLIPSIS
}

double text_width(const std::string& text, double font_size) {
    return static_cast<double>(character_count(text)) * font_size * 0.6;
}

std::string px(double value) {
    std::string result = format("%.*f", value, 1);
    if (result.size() > 2 && result.compare(result.size() - 2, 2, ".0") == 0) {
        result.resize(result.size() - 2);
    }
    return result == "-0" ? "0" : result;
}

void open(std::string& svg, double width, double height, const std::string& title) {
    svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"" + px(width) +
           "\" height=\"" + px(height) + "\" viewBox=\"0 0 " + px(width) + " " + px(height) +
           "\">\n<title>" + xml_escape(title) + "</title>\n";
    rect(svg, 0, 0, width, height, "fill=\"#ffffff\"");
}

void text(std::string& svg, double x, double y, const std::string& text, double font_size,
          const std::string& attributes) {
    svg += "<text x=\"" + px(x) + "\" y=\"" + px(y) + "\" font-size=\"" + px(font_size) +
           "\" font-family=\"Helvetica, Arial, sans-serif\"" +
           (attributes.empty() ? "" : " " + attributes) + ">" + xml_escape(text) + "</text>\n";
}

void line(std::string& svg, double x1, double y1, double x2, double y2, const char* colour,
          double width) {
    svg += "<line x1=\"" + px(x1) + "\" y1=\"" + px(y1) + "\" x2=\"" + px(x2) + "\" y2=\"" +
           px(y2) + "\" stroke=\"" + colour + "\" stroke-width=\"" + px(width) + "\"/>\n";
}

void rect(std::string& svg, double x, double y, double width, double height,
          const std::string& attributes) {
    svg += "<rect x=\"" + px(x) + "\" y=\"" + px(y) + "\" width=\"" + px(width) + "\" height=\"" +
           px(height) + "\" " + attributes + "/>\n";
}

double Axis::fraction(double value) const {
    const double f =
        log ? (std::log10(value) - std::log10(lo)) / (std::log10(hi) - std::log10(lo))
            : (value / 2 - lo / 2) / (hi / 2 - lo / 2);  // halves: no overflow near 1e308
    return std::clamp(f, 0.0, 1.0);
}

Axis linear_axis(double lo, double hi) {
    Axis axis;
    axis.ticks = nice_ticks(lo, hi);
    axis.lo = axis.ticks.front();
    axis.hi = axis.ticks.back();
    // Fixed decimals, as many as the step needs (0, 0.5, 1.0 would be uneven); %g for very
    // large or very small numbers.
    const double step = axis.ticks.size() > 1 ? axis.ticks[1] - axis.ticks[0] : 1.0;
    const double largest = std::max(std::fabs(axis.lo), std::fabs(axis.hi));
    const int decimals =
        step >= 1 || !(step > 0) ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
    for (double tick : axis.ticks) {
        if (std::fabs(tick) < step * 1e-6) tick = 0;  // not "-0.0" from a rounding error
        axis.labels.push_back(decimals <= 6 && largest < 1e9 ? format("%.*f", tick, decimals)
                                                             : format("%.*g", tick, 6));
    }
    return axis;
}

Axis log_axis(double lo, double hi) {
    Axis axis;
    axis.log = true;
    const int first = std::clamp(static_cast<int>(std::floor(std::log10(lo) + 1e-9)), -300, 299);
    const int last = std::clamp(static_cast<int>(std::ceil(std::log10(hi) - 1e-9)), first + 1, 300);
    axis.lo = std::pow(10.0, first);
    axis.hi = std::pow(10.0, last);
    const int stride = std::max(1, (last - first + 5) / 6);
    for (int k = first; k <= last; ++k) {
        const double decade = std::pow(10.0, k);
        if ((k - first) % stride == 0) axis.ticks.push_back(decade);
        if (k < last && last - first <= 2) {
            axis.ticks.push_back(2 * decade);
            axis.ticks.push_back(5 * decade);
        }
    }
    for (double tick : axis.ticks) axis.labels.push_back(format("%.*g", tick, 6));
    return axis;
}

}  // namespace svg
}  // namespace demo
