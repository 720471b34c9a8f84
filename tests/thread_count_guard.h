// tests/thread_count_guard.h — restores the thread count a test changes, even when an assertion
// fails midway. Its own header, depending on core/parallel.h alone, so the GEMM and thread-pool
// tests that are cross-built for aarch64 (make test-aarch64) can use it too.
#pragma once

#include "core/parallel.h"

namespace test {

/// Saves ag::get_num_threads() now and sets it back when the guard goes out of scope.
struct ThreadCountGuard {
    int saved = ag::get_num_threads();
    ~ThreadCountGuard() { ag::set_num_threads(saved); }
};

}  // namespace test
