// tests/test_demo_progress.cpp — the training progress display (demos/common/progress.h).
//
// Every test writes to a tmpfile() and reads it back, with a fake clock the test advances by
// hand: the output is checked character for character, and nothing sleeps or depends on how
// fast the machine is.
#include <cmath>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "catch.h"
#include "demos/common/progress.h"

using namespace demo;

namespace {

// A temporary file that Progress writes to, and what was written so far.
struct Capture {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file{std::tmpfile(), &std::fclose};

    std::string text() {
        std::fflush(file.get());
        std::rewind(file.get());
        std::string out;
        char buffer[4096];
        for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0;) {
            out.append(buffer, n);
        }
        std::fseek(file.get(), 0, SEEK_END);
        return out;
    }
};

size_t count(const std::string& text, const std::string& part) {
    size_t n = 0;
    for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
    return n;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    size_t begin = 0;
    for (size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1) {
        lines.push_back(text.substr(begin, end - begin));
    }
    return lines;
}

}  // namespace

TEST_CASE("format_duration writes m:ss and h:mm:ss", "[demo][progress]") {
    CHECK(format_duration(0) == "0:00");
    CHECK(format_duration(7.4) == "0:07");
    CHECK(format_duration(7.6) == "0:08");  // rounded: 27.9999 s left reads 0:28
    CHECK(format_duration(72) == "1:12");
    CHECK(format_duration(3599) == "59:59");
    CHECK(format_duration(3599.7) == "1:00:00");
    CHECK(format_duration(3600) == "1:00:00");
    CHECK(format_duration(3723) == "1:02:03");
    CHECK(format_duration(100 * 3600 + 5) == "100:00:05");
    CHECK(format_duration(-1) == "?:??");
    CHECK(format_duration(NAN) == "?:??");
    CHECK(format_duration(INFINITY) == "?:??");
}

TEST_CASE("Progress rejects an empty run and a null file", "[demo][progress]") {
    Capture capture;
    CHECK_THROWS_AS(Progress(0, capture.file.get(), false), std::invalid_argument);
    CHECK_THROWS_AS(Progress(-5, capture.file.get(), true), std::invalid_argument);
    CHECK_THROWS_AS(Progress(10, nullptr, false), std::invalid_argument);
}

TEST_CASE("Progress::is_terminal is false for files and null", "[demo][progress]") {
    Capture capture;
    CHECK_FALSE(Progress::is_terminal(capture.file.get()));
    CHECK_FALSE(Progress::is_terminal(nullptr));
    // The one-argument constructor picks the plain mode for a file.
    {
        Progress progress(2, capture.file.get());
        progress.update(2, 0.5, 100);
    }
    CHECK_THAT(capture.text(), StartsWith("step 2/2"));
}

// ---- Plain lines (logs) ----------------------------------------------------------------------

TEST_CASE("Progress prints a plain line every tenth of the run and at the end",
          "[demo][progress]") {
    Capture capture;
    double now = 100;  // any starting time: only differences matter
    Progress progress(100, capture.file.get(), false, [&] { return now; });
    for (int step = 1; step <= 100; ++step) {
        now = 100 + 0.125 * step;  // 8 steps a second
        progress.update(step, 1.0 / step, 1000 + step);
    }
    progress.finish();
    const std::string text = capture.text();
    CHECK(count(text, "\r") == 0);
    CHECK(count(text, "\x1b") == 0);
    const std::vector<std::string> lines = lines_of(text);
    REQUIRE(lines.size() == 10);
    CHECK(lines[0] == "step 10/100  loss 0.1000  tokens/s 1010  elapsed 1.2s  remaining 11.2s");
    CHECK(lines[4] == "step 50/100  loss 0.0200  tokens/s 1050  elapsed 6.2s  remaining 6.2s");
    CHECK(lines[9] == "step 100/100  loss 0.0100  tokens/s 1100  elapsed 12.5s  remaining 0.0s");
    CHECK_THAT(text, EndsWith("remaining 0.0s\n"));
}

TEST_CASE("Progress plain mode: uneven totals, skipped steps, the last step once",
          "[demo][progress]") {
    Capture capture;
    double now = 0;
    {
        Progress progress(15, capture.file.get(), false, [&] { return now; });
        for (int step = 1; step <= 15; ++step) progress.update(step, 0.5, 10);
        progress.update(15, 0.5, 10);  // the last step again: not printed twice
    }
    std::vector<std::string> lines = lines_of(capture.text());
    REQUIRE(lines.size() == 8);  // every 2 steps, then 15
    CHECK_THAT(lines[0], StartsWith("step 2/15  "));
    CHECK_THAT(lines[6], StartsWith("step 14/15  "));
    CHECK_THAT(lines[7], StartsWith("step 15/15  "));

    // Updates every 7 steps: a line at the first update past each mark.
    Capture sparse;
    Progress progress(100, sparse.file.get(), false, [&] { return now; });
    for (int step = 7; step <= 100; step += 7) progress.update(step, 0.5, 10);
    progress.finish();
    lines = lines_of(sparse.text());
    REQUIRE(lines.size() == 10);  // 14, 21, 35, 42, 56, 63, 70, 84, 91, then 98 by finish()
    CHECK_THAT(lines[0], StartsWith("step 14/100  "));
    CHECK_THAT(lines[1], StartsWith("step 21/100  "));
    CHECK_THAT(lines[9], StartsWith("step 98/100  "));
}

TEST_CASE("Progress plain mode: finish() prints where an early stop left off", "[demo][progress]") {
    Capture capture;
    double now = 0;
    Progress progress(100, capture.file.get(), false, [&] { return now; });
    for (int step = 1; step <= 37; ++step) {
        now = step;
        progress.update(step, 0.25, 50);
    }
    progress.message("stopping early: loss below 0.3");
    progress.finish();
    progress.finish();              // a second call does nothing
    progress.update(38, 0.25, 50);  // neither does an update after finish
    const std::vector<std::string> lines = lines_of(capture.text());
    REQUIRE(lines.size() == 5);
    CHECK_THAT(lines[2], StartsWith("step 30/100"));
    CHECK(lines[3] == "stopping early: loss below 0.3");
    CHECK(lines[4] == "step 37/100  loss 0.2500  tokens/s 50  elapsed 37.0s  remaining 63.0s");
}

TEST_CASE("Progress plain mode: unknown values print as '?'", "[demo][progress]") {
    Capture capture;
    double now = 0;
    Progress progress(1, capture.file.get(), false, [&] { return now; });
    progress.update(0, NAN, -1);  // step 0: no speed yet, so no time left
    progress.finish();
    CHECK(capture.text() == "step 0/1  loss nan  tokens/s ?  elapsed 0.0s  remaining ?\n");
}

// ---- The bar (terminals) ---------------------------------------------------------------------

TEST_CASE("Progress draws the bar in place", "[demo][progress]") {
    Capture capture;
    double now = 0;
    Progress progress(1500, capture.file.get(), true, [&] { return now; });
    now = 12;
    progress.update(450, 0.4312, 51234);
    CHECK(capture.text() ==
          "\r[======>             ]  450/1500  loss 0.4312  51.2k tok/s  0:12 elapsed  0:28 left"
          "\x1b[K");
    now = 40;
    progress.update(1500, 0.01, 2.5e6);
    progress.finish();
    CHECK_THAT(capture.text(),
               EndsWith("\r[====================] 1500/1500  loss 0.0100  2.5M tok/s  0:40 elapsed"
                        "  0:00 left\x1b[K\n"));
}

TEST_CASE("Progress redraws at most ten times a second, and always the last step",
          "[demo][progress]") {
    Capture capture;
    double now = 0;
    Progress progress(1000, capture.file.get(), true, [&] { return now; });
    for (int step = 1; step <= 1000; ++step) {
        now = step / 32.0;  // 32 steps a second: a bar every fourth step (0.125 s)
        progress.update(step, 0.5, 999);
    }
    progress.finish();
    const std::string text = capture.text();
    CHECK(count(text, "\r") == 251);  // steps 1, 5, 9, ..., 997, and 1000
    CHECK(count(text, "\n") == 1);    // the bar's line ends once, at finish()
    CHECK_THAT(text, Contains("\r[>                   ]    1/1000  loss 0.5000  999 tok/s"));
    CHECK_THAT(text, Contains("   5/1000"));
    CHECK_THAT(text, !Contains("   2/1000"));
    CHECK_THAT(text, Contains("1000/1000  loss 0.5000  999 tok/s  0:31 elapsed  0:00 left"));
}

TEST_CASE("Progress finish() draws a bar the throttle skipped", "[demo][progress]") {
    Capture capture;
    double now = 0;
    {
        Progress progress(10, capture.file.get(), true, [&] { return now; });
        progress.update(1, 2.0, 10);
        progress.update(2, 1.5, 10);  // same instant: not drawn yet
        CHECK_THAT(capture.text(), !Contains("2/10"));
    }  // the destructor finishes
    const std::string text = capture.text();
    CHECK_THAT(text, EndsWith("\r[====>               ]  2/10  loss 1.5000  10 tok/s  0:00 elapsed"
                              "  0:00 left\x1b[K\n"));
}

TEST_CASE("Progress message() prints above the bar and redraws it", "[demo][progress]") {
    Capture capture;
    double now = 0;
    Progress progress(4, capture.file.get(), true, [&] { return now; });
    progress.message("before any step");
    now = 1;
    progress.update(1, 1.0, 10);
    progress.message("sample: abc -> cba");
    progress.finish();
    progress.message("after the run");
    const std::string bar =
        "[=====>              ] 1/4  loss 1.0000  10 tok/s  0:01 elapsed  0:03 left";
    CHECK(capture.text() ==
          "before any step\n"
          "\r" +
              bar +
              "\x1b[K"
              "\rsample: abc -> cba\x1b[K\n"
              "\r" +
              bar +
              "\x1b[K"
              "\n"
              "after the run\n");
}

TEST_CASE("Progress bar: throughput units and clamped steps", "[demo][progress]") {
    Capture capture;
    double now = 0;
    Progress progress(10, capture.file.get(), true, [&] { return now; });
    progress.update(-3, 0.5, 999);  // clamped to 0
    CHECK_THAT(capture.text(), Contains("[>                   ]  0/10  loss 0.5000  999 tok/s  "
                                        "0:00 elapsed  ?:?? left"));
    now = 1;
    progress.update(25, 1e7, 51234);  // clamped to 10; a huge loss stays short
    CHECK_THAT(capture.text(), Contains("[====================] 10/10  loss 1e+07  51.2k tok/s"));
}

TEST_CASE("Progress shows a note after the loss, in both modes", "[demo][progress]") {
    for (const bool interactive : {false, true}) {
        Capture capture;
        double now = 0;
        Progress progress(2, capture.file.get(), interactive, [&] { return now; });
        now = 1;
        progress.update(1, 0.5, 100);
        progress.set_note("held-out 1.830 nats/byte");
        now = 2;
        progress.update(2, 0.25, 100);
        progress.finish();
        const std::string text = capture.text();
        CAPTURE(interactive, text);
        CHECK(count(text, "loss 0.2500  held-out 1.830 nats/byte  ") == 1);
        CHECK(count(text, "loss 0.5000  held-out") == 0);  // not before it was set
    }
}
