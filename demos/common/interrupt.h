// demos/common/interrupt.h — Ctrl-C that stops a run cleanly instead of losing it.
//
// While an InterruptGuard lives, SIGINT, SIGTERM and SIGHUP only set a flag: the training loop
// sees it at the end of the current step, saves a checkpoint and returns, and the demo prints
// where the checkpoint is and how to resume, then exits with 128 + the signal number (130 for
// SIGINT, 143 for SIGTERM), as a shell expects. A second signal exits at once with that code;
// the last checkpoint stays intact, since every save replaces the file atomically.
#pragma once

namespace demo {

/// Catches SIGINT, SIGTERM and SIGHUP for its lifetime and restores the previous handlers
/// after. Guards do not nest: only the outermost one catches.
class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    /// The signal received since the guard was made (SIGINT, SIGTERM or SIGHUP), or 0.
    static int received();
    /// The signal's name, "SIGINT", "SIGTERM" or "SIGHUP" ("" for 0).
    static const char* name(int signal);

private:
    bool owner_ = false;
};

}  // namespace demo
