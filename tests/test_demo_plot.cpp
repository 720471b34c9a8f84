// tests/test_demo_plot.cpp — the demos' SVG writers (demos/common/plot.h).
//
// An SVG is checked the way a browser would first reject it: libxml2's xmllint must read it as
// well-formed XML with an <svg> root (check_svg); it must hold no scripts and no external URLs,
// and show the text it was given, escaped. How the pictures look was checked by
// eye (rendered with headless Chromium); these tests keep what was checked from breaking.
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "catch.h"
#include "demos/common/plot.h"

using namespace demo;
namespace fs = std::filesystem;

namespace {

// "" if xmllint (libxml2, as a browser's XML parser would) reads `svg` as well-formed XML
// whose root is <svg>, otherwise what it says.
std::string check_svg(const std::string& svg) {
    const fs::path file =
        fs::temp_directory_path() / ("attograd_check_svg_" + std::to_string(::getpid()) + ".svg");
    std::ofstream(file, std::ios::binary) << svg;
    const std::string command = "xmllint --noout --xpath 'name(/*)' '" + file.string() + "' 2>&1";
    std::FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    std::string said;
    for (int c = std::fgetc(pipe); c != EOF; c = std::fgetc(pipe)) said += static_cast<char>(c);
    const int status = ::pclose(pipe);
    fs::remove(file);
    while (!said.empty() && said.back() == '\n') said.pop_back();  // xmllint 2.9 adds one
    if (status != 0 || said != "svg") return said.empty() ? "xmllint failed" : said;
    return "";
}

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

// Self-contained: no scripts, no event handlers, no URL but the SVG namespace.
void require_self_contained(const std::string& svg) {
    CHECK(count(svg, "<script") == 0);
    CHECK(count(svg, "onload") == 0);
    CHECK(count(svg, "onclick") == 0);
    CHECK(count(svg, "://") == 1);
    CHECK(count(svg, "http://www.w3.org/2000/svg") == 1);
    CHECK(count(svg, "href") == 0);
}

Series ramp(const std::string& label, int n, double scale) {
    Series s{label, {}, {}};
    for (int i = 0; i < n; ++i) {
        s.x.push_back(i);
        s.y.push_back(scale * (i + 1));
    }
    return s;
}

Heatmap uniform_map(const std::string& title, int64_t rows, int64_t columns) {
    Heatmap map;
    map.title = title;
    map.rows = rows, map.columns = columns;
    map.values.assign(static_cast<size_t>(rows * columns), 0.5f);
    for (int64_t r = 0; r < rows; ++r) map.row_labels.push_back("q" + std::to_string(r));
    for (int64_t c = 0; c < columns; ++c) map.column_labels.push_back("k" + std::to_string(c));
    return map;
}

}  // namespace

TEST_CASE("check_svg itself catches broken documents", "[demo][plot]") {
    CHECK(check_svg("<svg a=\"1\"><g><rect/></g></svg>\n") == "");
    CHECK(check_svg("<svg a=\"1\"><g></svg>") != "");
    CHECK(check_svg("<svg a=\"1\">a & b</svg>") != "");
    CHECK(check_svg("<svg a=\"1\"></svg><svg a=\"2\"></svg>") != "");
    CHECK(check_svg("<html></html>") != "");
}

// ---- nice_ticks ------------------------------------------------------------------------------

TEST_CASE("nice_ticks gives round 1-2-5 steps that cover the range", "[demo][plot]") {
    CHECK(nice_ticks(0.37, 2.9) == std::vector<double>{0, 0.5, 1, 1.5, 2, 2.5, 3});
    CHECK(nice_ticks(0, 1500) ==
          std::vector<double>{0, 200, 400, 600, 800, 1000, 1200, 1400, 1600});
    CHECK(nice_ticks(-1, 1) == std::vector<double>{-1, -0.5, 0, 0.5, 1});

    std::mt19937 rng(7);
    std::uniform_real_distribution<double> exponent(-8, 8), unit(-1, 1);
    for (int trial = 0; trial < 2000; ++trial) {
        const double scale = std::pow(10.0, exponent(rng));
        double lo = unit(rng) * scale, hi = lo + std::fabs(unit(rng)) * scale;
        const std::vector<double> ticks = nice_ticks(lo, hi);
        INFO("lo " << lo << " hi " << hi);
        REQUIRE(ticks.size() >= 3);
        REQUIRE(ticks.size() <= 12);
        CHECK(ticks.front() <= lo);
        CHECK(ticks.back() >= hi);
        // The step is 1, 2 or 5 times a power of ten.
        const double step = ticks[1] - ticks[0];
        const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
        CHECK((std::fabs(mantissa - 1) < 1e-6 || std::fabs(mantissa - 2) < 1e-6 ||
               std::fabs(mantissa - 5) < 1e-6));
    }
}

TEST_CASE("nice_ticks widens a single value and survives extremes", "[demo][plot]") {
    const std::vector<double> around_zero = nice_ticks(0, 0);
    CHECK(around_zero.front() <= -1);
    CHECK(around_zero.back() >= 1);
    const std::vector<double> around_five = nice_ticks(5, 5);
    CHECK(around_five.front() < 5);
    CHECK(around_five.back() > 5);
    CHECK(nice_ticks(NAN, 1) == std::vector<double>{0, 1});
    const std::vector<double> huge = nice_ticks(-1e308, 1e308);
    CHECK(huge.size() >= 2);
    for (double tick : huge) CHECK(std::isfinite(tick));
}

// ---- Line charts -----------------------------------------------------------------------------

TEST_CASE("line_chart_svg writes a well-formed chart with title, labels and legend",
          "[demo][plot]") {
    const std::string svg = line_chart_svg("reverse: loss", "training step", "cross-entropy",
                                           {ramp("train", 50, 1), ramp("valid <set> & co", 5, 2)});
    CHECK(check_svg(svg) == "");
    require_self_contained(svg);
    CHECK_THAT(svg, Contains(">reverse: loss</text>"));
    CHECK_THAT(svg, Contains("<title>reverse: loss</title>"));
    CHECK_THAT(svg, Contains(">training step</text>"));
    CHECK_THAT(svg, Contains(">cross-entropy</text>"));
    CHECK_THAT(svg, Contains(">train</text>"));
    CHECK_THAT(svg, Contains(">valid &lt;set&gt; &amp; co</text>"));
    CHECK_THAT(svg, Contains("id=\"legend\""));
    // Two series, two colours.
    CHECK(count(svg, "<path ") == 2);
    CHECK_THAT(svg, Contains("stroke=\"#1f77b4\""));
    CHECK_THAT(svg, Contains("stroke=\"#ff7f0e\""));
    // Linear ticks: y from 0 to 50 in steps of 10 (the first series reaches 50).
    CHECK_THAT(svg, Contains(">0</text>"));
    CHECK_THAT(svg, Contains(">50</text>"));
}

TEST_CASE("line_chart_svg draws a log10 axis with decade ticks", "[demo][plot]") {
    Series loss{"loss", {}, {}};
    for (int i = 0; i <= 100; ++i) {
        loss.x.push_back(i);
        loss.y.push_back(3.0 * std::pow(0.95, i));  // 3 down to 0.018
    }
    const std::string svg = line_chart_svg("loss", "step", "loss", {loss}, true);
    CHECK(check_svg(svg) == "");
    CHECK_THAT(svg, Contains(">loss (log scale)</text>"));
    for (const char* tick : {">0.01</text>", ">0.1</text>", ">1</text>", ">10</text>"}) {
        CHECK_THAT(svg, Contains(tick));
    }
    CHECK_THAT(svg, !Contains(">0.05</text>"));  // three decades: decades only

    // Over at most two decades, 2 and 5 are labelled too.
    const std::string narrow = line_chart_svg("loss", "step", "loss", {ramp("a", 10, 0.3)}, true);
    for (const char* tick : {">0.1</text>", ">0.2</text>", ">0.5</text>", ">1</text>", ">2</text>",
                             ">5</text>", ">10</text>"}) {
        CHECK_THAT(narrow, Contains(tick));
    }
    // Tiny values: in C's %g form.
    Series tiny{"t", {0, 1}, {2e-7, 3e-5}};
    CHECK_THAT(line_chart_svg("t", "x", "y", {tiny}, true), Contains(">1e-07</text>"));
}

TEST_CASE("line_chart_svg skips non-finite points and breaks the line there", "[demo][plot]") {
    Series s{"s", {0, 1, 2, 3, 4, 5, 6}, {1, 2, NAN, 3, INFINITY, 4, 5}};
    const std::string svg = line_chart_svg("gaps", "x", "y", {s});
    CHECK(check_svg(svg) == "");
    const size_t begin = svg.find(" d=\"") + 4;
    const std::string d = svg.substr(begin, svg.find('"', begin) - begin);
    CHECK(count(d, "M") == 3);  // {1,2}, {3}, {4,5}
    CHECK(count(d, "nan") == 0);
    CHECK(count(d, "inf") == 0);
    CHECK(count(svg, "<circle") == 5);  // a short series shows each point

    // On a log axis, y <= 0 is skipped as well.
    Series logged{"l", {0, 1, 2, 3}, {1, 0, -1, 10}};
    const std::string log_svg = line_chart_svg("log", "x", "y", {logged}, true);
    CHECK(check_svg(log_svg) == "");
    CHECK(count(log_svg, "<circle") == 2);
}

TEST_CASE("line_chart_svg handles no data and unlabelled series", "[demo][plot]") {
    const std::string empty = line_chart_svg("empty", "x", "y", {});
    CHECK(check_svg(empty) == "");
    CHECK_THAT(empty, Contains(">no data</text>"));
    CHECK_THAT(empty, !Contains("id=\"legend\""));

    Series all_nan{"nan", {0, 1}, {NAN, NAN}};
    CHECK_THAT(line_chart_svg("nan", "x", "y", {all_nan}, true), Contains(">no data</text>"));

    const std::string unlabelled = line_chart_svg("u", "x", "y", {ramp("", 10, 1)});
    CHECK(check_svg(unlabelled) == "");
    CHECK_THAT(unlabelled, !Contains("id=\"legend\""));

    Series one_point{"one", {3}, {7}};  // one x and one y value: a degenerate range each
    const std::string single = line_chart_svg("single", "x", "y", {one_point});
    CHECK(check_svg(single) == "");
    CHECK(count(single, "<circle") == 1);
}

TEST_CASE("line_chart_svg rejects series whose x and y differ in length", "[demo][plot]") {
    Series bad{"bad", {0, 1, 2}, {1, 2}};
    CHECK_THROWS_AS(line_chart_svg("t", "x", "y", {ramp("ok", 3, 1), bad}), std::invalid_argument);
    CHECK_THROWS_WITH(line_chart_svg("t", "x", "y", {bad}), Contains("'bad'"));
}

// ---- Heatmaps --------------------------------------------------------------------------------

TEST_CASE("heatmaps_svg draws one cell per value, with titles, labels and a scale",
          "[demo][plot]") {
    std::vector<Heatmap> maps;
    for (int head = 0; head < 4; ++head) {
        maps.push_back(uniform_map("layer 0 head " + std::to_string(head), 3, 5));
    }
    maps.push_back(uniform_map("layer 1 head 0", 2, 2));
    const std::string svg = heatmaps_svg("cross-attention", maps, 2);
    CHECK(check_svg(svg) == "");
    require_self_contained(svg);
    CHECK(count(svg, "class=\"cell\"") == 4 * 15 + 4);
    CHECK_THAT(svg, Contains(">cross-attention</text>"));
    CHECK_THAT(svg, Contains(">layer 0 head 3</text>"));
    CHECK_THAT(svg, Contains(">layer 1 head 0</text>"));
    CHECK_THAT(svg, Contains(">q2</text>"));
    CHECK_THAT(svg, Contains(">k4</text>"));
    CHECK_THAT(svg, Contains("id=\"colour-scale\""));
    CHECK_THAT(svg, Contains("fill=\"url(#blues)\""));  // a reference inside the document
    // Small maps get 28 px cells.
    CHECK_THAT(svg, Contains("width=\"28\" height=\"28\""));
}

TEST_CASE("heatmaps_svg shades from white to dark blue and escapes tokens", "[demo][plot]") {
    Heatmap map;
    map.title = "<head> & \"tail\"";
    map.rows = 1, map.columns = 4;
    map.values = {0.0f, 1.0f, 7.0f, NAN};
    map.row_labels = {"<eos>"};
    map.column_labels = {"a", "&", "'", "a-very-long-token-indeed"};
    const std::string svg = heatmaps_svg("tokens", {map}, 4);
    CHECK(check_svg(svg) == "");
    CHECK(count(svg, "fill=\"#ffffff\"/>") >= 2);         // the background and the 0 cell
    CHECK(count(svg, "fill=\"#08306b\"") == 2);           // 1 and 7 (clamped)
    CHECK_THAT(svg, Contains("stop-color=\"#08306b\""));  // the scale's top
    CHECK_THAT(svg, Contains("fill=\"#bdbdbd\""));        // NaN
    CHECK_THAT(svg, Contains(">&lt;head&gt; &amp; &quot;tail&quot;</text>"));
    CHECK_THAT(svg, Contains(">&lt;eos&gt;</text>"));
    CHECK_THAT(svg, Contains(">&amp;</text>"));
    CHECK_THAT(svg, Contains(">&apos;</text>"));
    CHECK_THAT(svg, Contains(">a-very-lo\xE2\x80\xA6</text>"));  // cut to 10 characters
}

TEST_CASE("heatmaps_svg keeps 40 x 40 maps readable", "[demo][plot]") {
    const std::string svg =
        heatmaps_svg("big", {uniform_map("a", 40, 40), uniform_map("b", 40, 40)}, 2);
    CHECK(check_svg(svg) == "");
    CHECK(count(svg, "class=\"cell\"") == 2 * 1600);
    CHECK_THAT(svg, Contains("width=\"10\" height=\"10\""));
}

TEST_CASE("heatmaps_svg accepts unlabelled, empty and no maps", "[demo][plot]") {
    Heatmap bare;
    bare.rows = 2, bare.columns = 3;
    bare.values.assign(6, 0.25f);
    Heatmap empty;
    const std::string svg = heatmaps_svg("bare", {bare, empty}, 5);
    CHECK(check_svg(svg) == "");
    CHECK(count(svg, "class=\"cell\"") == 6);
    CHECK(check_svg(heatmaps_svg("none", {}, 1)) == "");
}

TEST_CASE("heatmaps_svg rejects inconsistent maps", "[demo][plot]") {
    Heatmap map = uniform_map("m", 2, 3);
    CHECK_NOTHROW(heatmaps_svg("ok", {map}, 1));
    CHECK_THROWS_AS(heatmaps_svg("t", {map}, 0), std::invalid_argument);

    Heatmap short_values = map;
    short_values.values.pop_back();
    CHECK_THROWS_WITH(heatmaps_svg("t", {map, short_values}, 1),
                      Contains("map 1") && Contains("5 values for 2 x 3 cells"));

    Heatmap rows = map;
    rows.row_labels.pop_back();
    CHECK_THROWS_WITH(heatmaps_svg("t", {rows}, 1), Contains("1 row labels for 2 rows"));

    Heatmap columns = map;
    columns.column_labels.push_back("extra");
    CHECK_THROWS_WITH(heatmaps_svg("t", {columns}, 1), Contains("4 column labels for 3 columns"));

    Heatmap negative;
    negative.rows = -1;
    CHECK_THROWS_AS(heatmaps_svg("t", {negative}, 1), std::invalid_argument);
}

// ---- Bar charts ------------------------------------------------------------------------------

TEST_CASE("bar_chart_svg draws one bar per value, grouped, with labels and legend",
          "[demo][plot]") {
    const std::string svg =
        bar_chart_svg("RNN & Transformer", "sequence length", "exact match", {"5", "10", "20"},
                      {{"rnn", {0.9, 0.4, 0.1}}, {"transformer", {1.0, 0.99, NAN}}});
    CHECK(check_svg(svg) == "");
    require_self_contained(svg);
    CHECK(count(svg, "class=\"bar\"") == 5);  // NaN draws no bar
    CHECK(count(svg, "class=\"bar\" fill=\"#1f77b4\"") == 3);
    CHECK(count(svg, "class=\"bar\" fill=\"#ff7f0e\"") == 2);
    CHECK_THAT(svg, Contains(">RNN &amp; Transformer</text>"));
    for (const char* label : {">5</text>", ">10</text>", ">20</text>", ">rnn</text>",
                              ">transformer</text>", ">sequence length</text>"}) {
        CHECK_THAT(svg, Contains(label));
    }
    // The y axis starts at 0 and covers the tallest bar.
    CHECK_THAT(svg, Contains(">0.0</text>"));
    CHECK_THAT(svg, Contains(">1.0</text>"));
    CHECK_THROWS_WITH(bar_chart_svg("t", "x", "y", {"a", "b"}, {{"s", {1}}}),
                      Contains("series 's' has 1 values for 2 categories"));
    CHECK(check_svg(bar_chart_svg("none", "x", "y", {}, {})) == "");
}

// ---- Text and files --------------------------------------------------------------------------

TEST_CASE("xml_escape escapes markup and replaces what XML forbids", "[demo][plot]") {
    CHECK(xml_escape("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&apos;");
    CHECK(xml_escape("caf\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x98\x80") ==
          "caf\xC3\xA9 \xE2\x86\x92 \xF0\x9F\x98\x80");  // UTF-8 passes through
    CHECK(xml_escape("tab\tnewline\n") == "tab\tnewline\n");
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(xml_escape(std::string("a\0b", 3)) == "a" + fffd + "b");
    CHECK(xml_escape("\x01\x1b") == fffd + fffd);
    CHECK(xml_escape("\xFF") == fffd);                        // never valid in UTF-8
    CHECK(xml_escape("\xC3") == fffd);                        // cut short
    CHECK(xml_escape("\xC0\xAF") == fffd + fffd);             // overlong '/'
    CHECK(xml_escape("\xED\xA0\x80") == fffd + fffd + fffd);  // a UTF-16 surrogate
    CHECK(xml_escape("\xEF\xBF\xBE") == fffd + fffd + fffd);  // U+FFFE
}

TEST_CASE("write_text_file writes atomically and names the path on failure", "[demo][plot]") {
    const fs::path directory = fs::temp_directory_path() / "attograd_test_demo_plot";
    fs::remove_all(directory);
    fs::create_directories(directory);
    const std::string path = (directory / "chart.svg").string();

    write_text_file(path, "first");
    write_text_file(path, "second version");  // replaces
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    CHECK(text.str() == "second version");
    int files = 0;  // no temporary file is left beside it
    for (const auto& entry : fs::directory_iterator(directory)) files += entry.exists();
    CHECK(files == 1);

    const std::string missing = (directory / "no" / "such" / "dir.svg").string();
    CHECK_THROWS_AS(write_text_file(missing, "x"), std::runtime_error);
    CHECK_THROWS_WITH(write_text_file(missing, "x"),
                      Contains(missing) && Contains(std::strerror(ENOENT)));
    fs::remove_all(directory);
}
