/** \file
core/parallel.h — the one way attograd uses more than one CPU core.

\verbatim
A small pool of worker threads, started once and kept, runs the pieces of a loop:

    const int64_t grain = 64;  // indices per piece, at least
    ag::parallel_for(0, rows, grain, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) process_row(i);
    });

The range is cut into at most get_num_threads() contiguous pieces, and at most one piece per
`grain` indices (rounded up); the calling thread runs the first piece and the workers the
others. A loop too small
to be worth waking a thread for, or one started from inside another parallel_for, simply runs
on the calling thread. That is all: no task graph, no work stealing, no OpenMP.

Idle workers poll for new work for a fraction of a millisecond before they sleep, so a loop of
parallel_for calls does not pay the operating system's wake-up latency on every call.
\endverbatim
*/
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>

namespace ag {

/// Calls `fn(piece_begin, piece_end)` on contiguous pieces that together cover [begin, end)
/// exactly once, possibly on several threads at the same time, and returns when all are done.
///
/// The pieces are at most get_num_threads() and at most ceil((end - begin) / grain), of equal
/// size but for rounding (a `grain` below 1 counts as 1). A piece may thus hold fewer than
/// `grain` indices: 100 indices at grain 64 make two pieces of 50. The whole range runs as a
/// single call on the calling thread when `end - begin <= grain`, when one thread is set, or
/// when called from inside another parallel_for (nested loops run inline, never deadlock). An empty
/// range calls nothing. If `fn` throws, the first exception is rethrown here after every piece
/// ended.
///
/// A template, so that a loop that runs inline (most loops over small tensors) calls `fn`
/// directly: wrapping a lambda in a std::function costs a heap allocation, paid only when the
/// loop is really shared out.
template <typename Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Fn& fn);

namespace detail {
/// The shared-out part of parallel_for: cuts [begin, end) into pieces for the thread pool.
void parallel_for_pieces(int64_t begin, int64_t end, int64_t grain,
                         const std::function<void(int64_t, int64_t)>& fn);
}  // namespace detail

/// Work a piece of a parallel_for should hold at least, counted in elements read or written or
/// in multiply-adds: below this, waking a thread costs more than it saves. Every loop in core
/// sizes its grain from it, through grain_for.
inline constexpr int64_t kMinWorkPerPiece = int64_t{1} << 15;

/// The grain for a parallel_for whose indices each cost `work_per_index` (elements or
/// multiply-adds): as many indices as make `min_work` of work, and at least 1.
constexpr int64_t grain_for(int64_t work_per_index, int64_t min_work = kMinWorkPerPiece) {
    return std::max<int64_t>(1, min_work / std::max<int64_t>(1, work_per_index));
}

/// Sets how many threads parallel_for may use, the calling thread included (1 = no workers).
/// Waits for a running parallel_for to finish first. Throws ag::ValueError if `num_threads` is
/// below 1 or above 4096.
void set_num_threads(int num_threads);

/// How many threads parallel_for may use. Until set_num_threads is called: the value of the
/// environment variable ATTOGRAD_NUM_THREADS if it is a positive integer, else
/// std::thread::hardware_concurrency() (or 1 if that is unknown).
int get_num_threads();

/// True while the calling thread runs a piece of a parallel_for.
bool in_parallel_region();

template <typename Fn>
void parallel_for(int64_t begin, int64_t end, int64_t grain, const Fn& fn) {
    if (end <= begin) return;
    if (end - begin <= grain || in_parallel_region() || get_num_threads() == 1) {
        fn(begin, end);
        return;
    }
    detail::parallel_for_pieces(begin, end, grain, fn);
}

}  // namespace ag
