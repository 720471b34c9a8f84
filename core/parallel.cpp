// core/parallel.cpp — the thread pool behind ag::parallel_for.
//
// One pool of (num_threads - 1) workers lives for the whole program. A parallel_for publishes a
// "job": it stores the function, then a ticket (a generation number and the number of pieces)
// that the workers watch; worker w runs piece w + 1 while the caller runs piece 0, and the caller
// waits until the pieces still left reach 0.
//
// Waiting spins first, then sleeps. Waking a sleeping thread goes through the kernel (and, in a
// virtual machine, the hypervisor) and can take tens of microseconds, as long as a whole 128^3
// matrix product. So a thread that waits first polls for kSpinTime, which catches the next job
// of a loop of parallel_for calls at once, and only then sleeps on a condition variable.
//
// The pool is a function-local static, so its destructor, which tells the workers to stop and
// joins them, runs at program exit: no thread is left running or leaked.
#include "core/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"

namespace ag {
namespace {

constexpr auto kSpinTime = std::chrono::microseconds(200);
constexpr auto kPollWithoutYieldTime = std::chrono::microseconds(5);
constexpr int kMaxThreads = 4096;  // pieces are counted in the low 16 bits of a ticket

// True on a thread while it runs a piece of a parallel_for: a nested parallel_for then runs
// inline instead of waiting for workers that are all busy (which could deadlock).
thread_local bool t_inside_parallel_region = false;

int default_num_threads() {
    if (const char* text = std::getenv("ATTOGRAD_NUM_THREADS")) {
        char* text_end = nullptr;
        const long value = std::strtol(text, &text_end, 10);
        if (text_end != text && *text_end == '\0' && value >= 1 && value <= kMaxThreads) {
            return static_cast<int>(value);
        }
    }
    const unsigned hardware = std::thread::hardware_concurrency();
    return static_cast<int>(std::clamp<unsigned>(hardware, 1, kMaxThreads));
}

// Tells the CPU we are in a polling loop (saves power, frees the core for its sibling thread).
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// Polls `ready()` for up to kSpinTime; returns whether it became true. After the first few
// microseconds it yields the core between polls: when there are more runnable threads than
// cores, the thread we wait for may need this very core to make progress.
template <typename Ready>
bool spin_until(const Ready& ready) {
    const auto start = std::chrono::steady_clock::now();
    bool yielding = false;
    for (int poll = 1;; ++poll) {
        if (ready()) return true;
        if (yielding) {
            std::this_thread::yield();
        } else {
            cpu_relax();
        }
        if (poll % 64 == 0) {
            const auto waited = std::chrono::steady_clock::now() - start;
            if (waited > kSpinTime) return false;
            yielding = waited > kPollWithoutYieldTime;
        }
    }
}

// Marks the current thread as inside a parallel region for its lifetime.
class ParallelRegionScope {
public:
    ParallelRegionScope() { t_inside_parallel_region = true; }
    ~ParallelRegionScope() { t_inside_parallel_region = false; }
    ParallelRegionScope(const ParallelRegionScope&) = delete;
    ParallelRegionScope& operator=(const ParallelRegionScope&) = delete;
};

class ThreadPool {
public:
    explicit ThreadPool(int num_threads) { start_workers(num_threads); }
    ~ThreadPool() { stop_workers(); }
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int num_threads() const { return num_threads_.load(std::memory_order_relaxed); }

    void resize(int num_threads) {
        std::lock_guard<std::mutex> one_job_at_a_time(job_mutex_);
        stop_workers();
        start_workers(num_threads);
    }

    // Runs run_piece(0) .. run_piece(num_pieces - 1), piece 0 on the calling thread.
    // Returns false without running anything if another thread is using the pool right now
    // or the pool has too few threads; the caller then runs the loop itself.
    bool try_run(int64_t num_pieces, const std::function<void(int64_t)>& run_piece) {
        std::unique_lock<std::mutex> one_job_at_a_time(job_mutex_, std::try_to_lock);
        if (!one_job_at_a_time.owns_lock() || num_pieces > num_threads()) return false;

        // Publish the job: everything the workers read is written before the ticket.
        job_ = &run_piece;
        first_error_ = nullptr;
        pieces_left_.store(num_pieces - 1, std::memory_order_relaxed);
        ++generation_;
        ticket_.store(make_ticket(generation_, num_pieces), std::memory_order_release);
        { std::lock_guard<std::mutex> lock(mutex_); }  // a worker going to sleep sees the ticket
        work_ready_.notify_all();

        run_one_piece(0);

        const auto all_done = [this] { return pieces_left_.load(std::memory_order_acquire) == 0; };
        if (!spin_until(all_done)) {
            std::unique_lock<std::mutex> lock(mutex_);
            work_done_.wait(lock, all_done);
        }
        job_ = nullptr;
        if (first_error_) std::rethrow_exception(first_error_);
        return true;
    }

private:
    static uint64_t make_ticket(uint64_t generation, int64_t num_pieces) {
        return generation << 16 | static_cast<uint64_t>(num_pieces);
    }

    void start_workers(int num_threads) {
        stopping_.store(false);
        for (int worker = 0; worker + 1 < num_threads; ++worker) {
            // Each worker starts from the current generation, so it waits for the next job.
            workers_.emplace_back(
                [this, worker, generation = generation_] { worker_loop(worker, generation); });
        }
        num_threads_.store(num_threads, std::memory_order_relaxed);
    }

    void stop_workers() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_.store(true);
        }
        work_ready_.notify_all();
        for (std::thread& worker : workers_) worker.join();
        workers_.clear();
        num_threads_.store(1, std::memory_order_relaxed);
    }

    void run_one_piece(int64_t piece) {
        ParallelRegionScope inside;
        try {
            (*job_)(piece);
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!first_error_) first_error_ = std::current_exception();
        }
    }

    // Worker `worker` runs piece worker + 1 of every job that has that many pieces.
    void worker_loop(int worker, uint64_t generation_seen) {
        const int64_t my_piece = worker + 1;
        for (;;) {
            uint64_t ticket = 0;
            const auto job_or_stop = [&] {
                ticket = ticket_.load(std::memory_order_acquire);
                return (ticket >> 16) != generation_seen || stopping_.load();
            };
            if (!spin_until(job_or_stop)) {
                std::unique_lock<std::mutex> lock(mutex_);
                work_ready_.wait(lock, job_or_stop);
            }
            if (stopping_.load()) return;
            generation_seen = ticket >> 16;
            const auto num_pieces = static_cast<int64_t>(ticket & 0xFFFF);
            if (my_piece >= num_pieces) continue;  // this job has no piece for this worker
            run_one_piece(my_piece);
            if (pieces_left_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                { std::lock_guard<std::mutex> lock(mutex_); }  // the caller may be going to sleep
                work_done_.notify_one();
            }
        }
    }

    std::vector<std::thread> workers_;
    std::atomic<int> num_threads_{1};  // workers_.size() + 1, readable without a lock
    std::mutex job_mutex_;             // held by the one parallel_for (or resize) using the pool
    uint64_t generation_ = 0;          // jobs published so far (guarded by job_mutex_)
    const std::function<void(int64_t)>* job_ = nullptr;
    std::atomic<uint64_t> ticket_{0};  // generation << 16 | number of pieces of the last job
    std::atomic<int64_t> pieces_left_{0};
    std::atomic<bool> stopping_{false};
    std::mutex mutex_;  // for sleeping and waking, and guards first_error_
    std::condition_variable work_ready_;
    std::condition_variable work_done_;
    std::exception_ptr first_error_;
};

ThreadPool& pool() {
    static ThreadPool the_pool(default_num_threads());
    return the_pool;
}

}  // namespace

void detail::parallel_for_pieces(int64_t begin, int64_t end, int64_t grain,
                                 const std::function<void(int64_t, int64_t)>& fn) {
    if (end <= begin) return;
    const int64_t size = end - begin;
    grain = std::max<int64_t>(grain, 1);
    if (t_inside_parallel_region || size <= grain) {
        fn(begin, end);
        return;
    }
    const int64_t num_threads = get_num_threads();
    const int64_t num_pieces = std::min(num_threads, (size + grain - 1) / grain);
    if (num_pieces <= 1) {
        fn(begin, end);
        return;
    }
    // Equal pieces; the first (size % num_pieces) pieces get one index more.
    const int64_t base = size / num_pieces, extra = size % num_pieces;
    const auto piece_start = [&](int64_t piece) {
        return begin + piece * base + std::min(piece, extra);
    };
    const std::function<void(int64_t)> run_piece = [&](int64_t piece) {
        fn(piece_start(piece), piece_start(piece + 1));
    };
    if (!pool().try_run(num_pieces, run_piece)) fn(begin, end);
}

void set_num_threads(int num_threads) {
    if (num_threads < 1 || num_threads > kMaxThreads) {
        throw ValueError("set_num_threads: num_threads " + std::to_string(num_threads) +
                         (num_threads < 1 ? " < 1" : " > " + std::to_string(kMaxThreads)));
    }
    pool().resize(num_threads);
}

int get_num_threads() { return pool().num_threads(); }

bool in_parallel_region() { return t_inside_parallel_region; }

}  // namespace ag
