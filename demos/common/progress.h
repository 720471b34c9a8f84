// demos/common/progress.h — a training progress display: a redrawn bar on a terminal, plain
// lines in logs.
//
// On a terminal (interactive) one line is redrawn in place with '\r', at most ten times a
// second (and always for the last step):
//
//     [=========>          ] 450/1500  loss 0.4312  51.2k tok/s  0:12 elapsed  0:28 left
//
// Anywhere else (a pipe, a file, a CI log) a plain line is printed every tenth of the run and
// for the last step, with no control characters:
//
//     step 450/1500  loss 0.4312  tokens/s 51234  elapsed 12.0s  remaining 28.0s
//
// The time left is the time so far divided by the steps done, times the steps to go. Use:
//
//     demo::Progress progress(steps, stderr);  // a bar if stderr is a terminal
//     for (int64_t step = 1; step <= steps; ++step) {
//         ...
//         progress.update(step, loss, tokens_per_second);
//         if (step % 500 == 0) progress.message("sample: " + decoded);
//     }
//     progress.finish();
//
// The clock can be replaced (a function returning seconds), so tests check the output exactly
// without sleeping.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>

namespace demo {

/// Formats a duration, rounded to the second, as m:ss, or h:mm:ss from an hour on: 0:07,
/// 12:30, 1:02:03. Negative or non-finite durations give "?:??".
std::string format_duration(double seconds);

class Progress {
public:
    /// A clock: seconds since any fixed moment, never decreasing.
    using Clock = std::function<double()>;

    /// Progress of a run of total_steps steps, written to `out`; interactive (the redrawn bar)
    /// if `out` is a terminal. Throws std::invalid_argument if total_steps < 1 or out is null.
    explicit Progress(int64_t total_steps, std::FILE* out = stderr);
    /// The same, choosing the mode; an empty clock_seconds means std::chrono::steady_clock.
    /// The run's time starts now.
    Progress(int64_t total_steps, std::FILE* out, bool interactive, Clock clock_seconds = {});
    /// Calls finish().
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    /// Whether `file` is a terminal that understands "\r" and "erase to end of line": isatty,
    /// and the TERM environment variable is not "dumb".
    static bool is_terminal(std::FILE* file);

    /// Reports that `step` of the total steps are done (1 after the first step, total_steps
    /// after the last), with the latest loss and throughput.
    void update(int64_t step, double loss, double tokens_per_second);
    /// Shows `note` after the loss from the next update on, e.g. "held-out 1.83 nats/byte"
    /// (empty: nothing).
    void set_note(std::string note) { note_ = std::move(note); }
    /// Prints `line` on its own line; in interactive mode above the bar, which is redrawn.
    void message(const std::string& line);
    /// Ends the display: draws the last update if it was skipped, and ends the bar's line.
    /// Later calls do nothing.
    void finish();

private:
    double now() const;
    // The bar (interactive) or the plain line (not), for the latest update, without newline.
    std::string bar_line() const;
    std::string plain_line() const;
    std::string note() const;  // "  " + note_, or "" if there is none
    void draw();               // writes bar_line() over the current line
    void print_plain();

    int64_t total_;
    std::FILE* out_;
    bool interactive_;
    Clock clock_;
    double start_;
    // The latest update.
    int64_t step_ = 0;
    double loss_ = 0, tokens_per_second_ = 0, elapsed_ = 0;
    std::string note_;        // shown after the loss
    bool updated_ = false;    // update() was called
    bool shown_ = false;      // the latest update is on screen (or in the log)
    bool bar_drawn_ = false;  // the cursor is on a bar line (interactive)
    bool finished_ = false;
    double last_draw_ = 0;       // clock time of the last bar drawn
    int64_t next_print_ = 0;     // the step from which the next plain line is due
    int64_t printed_step_ = -1;  // the step of the last plain line
};

}  // namespace demo
