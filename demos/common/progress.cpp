// demos/common/progress.cpp — the training progress bar and its plain-line twin.
//
// Sections: formatting (durations, throughput); Progress (when to draw, what to draw).
//
// The terminal control used is the least there is: "\r" returns to the start of the line and
// "\x1b[K" (ANSI "erase in line") clears what an earlier, longer line left behind. Output is
// flushed after every write, so the bar moves even when `out` is fully buffered.
#include "demos/common/progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

namespace demo {

namespace {

constexpr int kBarWidth = 20;            // characters between the brackets
constexpr double kRedrawInterval = 0.1;  // seconds: at most ten bars a second
constexpr int64_t kPlainLines = 10;      // plain lines in a run (and the last step's)
constexpr const char* kEraseLine = "\x1b[K";

// "51234" -> "51.2k", "2.5M": a throughput that fits the bar.
std::string short_rate(double per_second) {
    if (!std::isfinite(per_second) || per_second < 0) return "?";
    char text[32];
    if (per_second < 1e3) {
        std::snprintf(text, sizeof text, "%.0f", per_second);
    } else if (per_second < 1e6) {
        std::snprintf(text, sizeof text, "%.1fk", per_second / 1e3);
    } else {
        std::snprintf(text, sizeof text, "%.1fM", per_second / 1e6);
    }
    return text;
}

// A loss with four decimals, or four significant digits when it is huge: 0.4312, 1.235e+09.
std::string loss_text(double loss) {
    char text[48];
    std::snprintf(text, sizeof text, std::fabs(loss) < 1e6 ? "%.4f" : "%.4g", loss);
    return text;
}

// Seconds with one decimal ("12.0s"), or "?" when unknown.
std::string plain_seconds(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds >= 1e12) return "?";
    char text[48];
    std::snprintf(text, sizeof text, "%.1fs", seconds);
    return text;
}

// The time left, from the average time per step so far; negative when there is no step yet.
double remaining(double elapsed, int64_t step, int64_t total) {
    if (step <= 0) return -1;
    return elapsed / static_cast<double>(step) * static_cast<double>(total - step);
}

}  // namespace

std::string format_duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0 || seconds >= 1e12) return "?:??";
    const auto whole = std::llround(seconds);  // to the nearest second
    const long long hours = whole / 3600, minutes = whole / 60 % 60, secs = whole % 60;
    char text[48];
    if (hours > 0) {
        std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", hours, minutes, secs);
    } else {
        std::snprintf(text, sizeof text, "%lld:%02lld", minutes, secs);
    }
    return text;
}

// ---- Progress -------------------------------------------------------------------------------

Progress::Progress(int64_t total_steps, std::FILE* out)
    : Progress(total_steps, out, is_terminal(out)) {}

Progress::Progress(int64_t total_steps, std::FILE* out, bool interactive, Clock clock_seconds)
    : total_(total_steps), out_(out), interactive_(interactive), clock_(std::move(clock_seconds)) {
    if (total_steps < 1) {
        throw std::invalid_argument("Progress: total_steps is " + std::to_string(total_steps) +
                                    ", must be at least 1");
    }
    if (out == nullptr) throw std::invalid_argument("Progress: out is null");
    start_ = now();
    next_print_ = std::max<int64_t>(1, (total_ + kPlainLines - 1) / kPlainLines);
}

Progress::~Progress() {
    try {
        finish();
    } catch (...) {  // a destructor must not throw; losing the last line is the lesser evil
    }
}

bool Progress::is_terminal(std::FILE* file) {
    if (file == nullptr) return false;
    const char* term = std::getenv("TERM");
    if (term != nullptr && std::strcmp(term, "dumb") == 0) return false;
#if defined(_WIN32)
    return _isatty(_fileno(file)) != 0;
#else
    return isatty(fileno(file)) != 0;
#endif
}

double Progress::now() const {
    if (clock_) return clock_();
    const auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
    return std::chrono::duration<double>(since_epoch).count();
}

void Progress::update(int64_t step, double loss, double tokens_per_second) {
    if (finished_) return;
    const double time = now();
    step_ = std::clamp<int64_t>(step, 0, total_);
    loss_ = loss;
    tokens_per_second_ = tokens_per_second;
    elapsed_ = time - start_;
    updated_ = true;
    const bool last = step_ == total_;
    if (interactive_) {
        // The first bar, the last one, and any after a tenth of a second.
        shown_ = !bar_drawn_ || last || time - last_draw_ >= kRedrawInterval;
        if (shown_) {
            last_draw_ = time;
            draw();
        }
    } else {
        // The first step past each tenth of the run, and the last step (once).
        const bool due = step_ >= next_print_ || (last && printed_step_ != total_);
        shown_ = due || step_ == printed_step_;
        if (due) {
            const int64_t every = std::max<int64_t>(1, (total_ + kPlainLines - 1) / kPlainLines);
            next_print_ = (step_ / every + 1) * every;
            printed_step_ = step_;
            print_plain();
        }
    }
}

void Progress::message(const std::string& line) {
    if (interactive_ && bar_drawn_) {
        std::fprintf(out_, "\r%s%s\n", line.c_str(), kEraseLine);  // over the bar, then below
        bar_drawn_ = false;
        if (!finished_) draw();
    } else {
        std::fprintf(out_, "%s\n", line.c_str());
    }
    std::fflush(out_);
}

void Progress::finish() {
    if (finished_) return;
    finished_ = true;
    if (interactive_) {
        if (updated_ && !shown_) draw();
        if (bar_drawn_) std::fputs("\n", out_);
        bar_drawn_ = false;
    } else if (updated_ && !shown_) {
        print_plain();
    }
    std::fflush(out_);
}

std::string Progress::note() const { return note_.empty() ? "" : "  " + note_; }

std::string Progress::bar_line() const {
    // [=========>          ]: one '=' per 1/20 of the run, '>' at the head until the end.
    const auto filled = static_cast<int>(step_ * kBarWidth / total_);
    std::string bar = "[" + std::string(static_cast<size_t>(filled), '=');
    if (filled < kBarWidth)
        bar += ">" + std::string(static_cast<size_t>(kBarWidth - filled - 1), ' ');
    bar += "]";

    const int digits = static_cast<int>(std::to_string(total_).size());
    const double left = remaining(elapsed_, step_, total_);
    char text[384];
    std::snprintf(text, sizeof text, " %*lld/%lld  loss %s%s  %s tok/s  %s elapsed  %s left",
                  digits, static_cast<long long>(step_), static_cast<long long>(total_),
                  loss_text(loss_).c_str(), note().c_str(), short_rate(tokens_per_second_).c_str(),
                  format_duration(elapsed_).c_str(), format_duration(left).c_str());
    return bar + text;
}

std::string Progress::plain_line() const {
    char rate[48] = "?";
    if (std::isfinite(tokens_per_second_) && tokens_per_second_ >= 0) {
        std::snprintf(rate, sizeof rate, tokens_per_second_ < 1e15 ? "%.0f" : "%.3g",
                      tokens_per_second_);
    }
    char text[384];
    std::snprintf(text, sizeof text,
                  "step %lld/%lld  loss %s%s  tokens/s %s  elapsed %s  remaining %s",
                  static_cast<long long>(step_), static_cast<long long>(total_),
                  loss_text(loss_).c_str(), note().c_str(), rate, plain_seconds(elapsed_).c_str(),
                  plain_seconds(remaining(elapsed_, step_, total_)).c_str());
    return text;
}

void Progress::draw() {
    std::fprintf(out_, "\r%s%s", bar_line().c_str(), kEraseLine);
    std::fflush(out_);
    bar_drawn_ = true;
}

void Progress::print_plain() {
    std::fprintf(out_, "%s\n", plain_line().c_str());
    std::fflush(out_);
}

}  // namespace demo
