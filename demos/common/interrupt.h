// demos/common/interrupt.h — Ctrl-C that stops a run cleanly instead of losing it.
//
// While an InterruptGuard lives, SIGINT, SIGTERM and SIGHUP only set a flag: the training loop
// sees it at the end of the current step and stops. The demos that resume (demo::train) save a
// checkpoint first and print how to resume; pretrain_finetune, which does not resume, just
// stops. Either way the demo exits with 128 + the signal number (130 for SIGINT, 143 for
// SIGTERM), as a shell expects. A second signal exits at once with that code; the last
// checkpoint stays intact, since every save replaces the file atomically.
#pragma once

namespace demo {

/// Thrown by InterruptGuard::throw_if_received(): a signal asked the program to stop.
struct Interrupted {
    int signal;  ///< SIGINT, SIGTERM or SIGHUP
};

/// Catches SIGINT, SIGTERM and SIGHUP for its lifetime and restores the previous handlers
/// after. Guards do not nest: only the outermost one catches and clears the flag when made, so
/// a program that trains several times holds one guard around all of it and no signal is
/// forgotten between two runs.
class InterruptGuard {
public:
    InterruptGuard();
    ~InterruptGuard();
    InterruptGuard(const InterruptGuard&) = delete;
    InterruptGuard& operator=(const InterruptGuard&) = delete;

    /// The signal received since the outermost guard was made (SIGINT, SIGTERM or SIGHUP), or 0.
    static int received();
    /// Throws Interrupted if a signal was received (received() != 0). For loops that stop by
    /// unwinding rather than by returning.
    static void throw_if_received();
    /// The signal's name, "SIGINT", "SIGTERM" or "SIGHUP" ("" for 0).
    static const char* name(int signal);

private:
    bool owner_ = false;
};

}  // namespace demo
