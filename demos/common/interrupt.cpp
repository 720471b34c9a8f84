// demos/common/interrupt.cpp — the signal handler: a flag the first time, _exit the second.
#include "demos/common/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace demo {

namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP};
volatile std::sig_atomic_t g_received = 0;
std::atomic<bool> g_installed{false};
struct sigaction g_previous[3];

// Only async-signal-safe work here: set the flag, or leave at once on the second signal.
extern "C" void on_signal(int signal) {
    if (g_received != 0) _exit(128 + signal);
    g_received = signal;
}

}  // namespace

InterruptGuard::InterruptGuard() {
    if (g_installed.exchange(true)) return;  // an outer guard already catches
    owner_ = true;
    g_received = 0;
    struct sigaction action {};
    action.sa_handler = on_signal;
    action.sa_flags = SA_RESTART;  // reads and writes go on; the loop looks at the flag
    sigemptyset(&action.sa_mask);
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &g_previous[i]);
}

InterruptGuard::~InterruptGuard() {
    if (!owner_) return;
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
    g_installed = false;
}

int InterruptGuard::received() { return g_received; }

void InterruptGuard::throw_if_received() {
    if (const int signal = g_received; signal != 0) throw Interrupted{signal};
}

const char* InterruptGuard::name(int signal) {
    switch (signal) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        case SIGHUP:
            return "SIGHUP";
        default:
            return "";
    }
}

}  // namespace demo
