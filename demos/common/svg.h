// demos/common/svg.h — the pieces plot.cpp builds its pictures from: XML-safe text, a few SVG
// elements appended to a string, and chart axes (1-2-5 linear ticks, log10 decades).
//
// Coordinates are pixels, y growing downwards as in SVG. Text widths are estimated as 0.6 em
// a character, close enough for the sans-serif fonts browsers pick.
#pragma once

#include <string>
#include <vector>

namespace demo {

/// `text` made safe as XML character data or an attribute value: & < > " ' become entities,
/// invalid UTF-8 and control characters other than tab, newline and carriage return become
/// U+FFFD.
std::string xml_escape(const std::string& text);

/// Round tick values for a linear axis covering [lo, hi]: equally spaced multiples of
/// 1, 2 or 5 x 10^k, three to ten intervals, the first <= lo and the last >= hi (so they also
/// give the axis its ends). lo == hi is widened around the value. Example:
/// nice_ticks(0.37, 2.9) == {0, 0.5, 1, 1.5, 2, 2.5, 3}.
std::vector<double> nice_ticks(double lo, double hi);

namespace svg {

/// The ten colours of Tableau's (and matplotlib's) default palette; colour(i) cycles them.
const char* colour(size_t i);

/// At most `limit` characters of `text`, the last replaced by an ellipsis if it was cut.
std::string shortened(const std::string& text, size_t limit);
/// The estimated width in pixels of `text` at `font_size` pixels.
double text_width(const std::string& text, double font_size);
/// A coordinate with one decimal and no trailing ".0": "12.5", "80".
std::string px(double value);

/// Starts a document `width` x `height` with a <title> and a white background.
void open(std::string& svg, double width, double height, const std::string& title);
/// Text at (x, y), y being the baseline; `attributes` adds e.g. text-anchor or fill.
void text(std::string& svg, double x, double y, const std::string& text, double font_size,
          const std::string& attributes = "");
void line(std::string& svg, double x1, double y1, double x2, double y2, const char* colour,
          double width);
/// A rectangle; `attributes` gives its fill and stroke.
void rect(std::string& svg, double x, double y, double width, double height,
          const std::string& attributes);

/// One axis of a chart: its ends and labelled ticks, linear or log10.
struct Axis {
    double lo = 0, hi = 1;
    bool log = false;
    std::vector<double> ticks;
    std::vector<std::string> labels;
    /// Where `value` lies between the ends: 0 at lo, 1 at hi, clamped to [0, 1].
    double fraction(double value) const;
};
/// A linear axis on nice_ticks(lo, hi).
Axis linear_axis(double lo, double hi);
/// A log10 axis from the decade at or below lo to the decade at or above hi (0 < lo <= hi):
/// every decade labelled (every n-th beyond six), and 2 and 5 of each over at most two.
Axis log_axis(double lo, double hi);

}  // namespace svg
}  // namespace demo
