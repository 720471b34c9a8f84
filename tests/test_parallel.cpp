// tests/test_parallel.cpp — ag::parallel_for: every index once, nesting, thread counts, errors.
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "catch.h"
#include "core/error.h"
#include "core/parallel.h"
#include "thread_count_guard.h"

namespace {

// Catch2 assertions are not thread-safe: pieces running on workers record what they see, and
// the test thread checks it afterwards.

// Runs parallel_for over [begin, end) and returns how many times each index was visited.
std::vector<int> visit_counts(int64_t begin, int64_t end, int64_t grain) {
    std::vector<std::atomic<int>> counts(static_cast<size_t>(end - begin));
    std::atomic<bool> bad_piece{false};
    ag::parallel_for(begin, end, grain, [&](int64_t lo, int64_t hi) {
        if (lo < begin || lo >= hi || hi > end) {
            bad_piece = true;
            return;
        }
        for (int64_t i = lo; i < hi; ++i) ++counts[static_cast<size_t>(i - begin)];
    });
    REQUIRE_FALSE(bad_piece);
    std::vector<int> result;
    for (const auto& count : counts) result.push_back(count.load());
    return result;
}

}  // namespace

TEST_CASE("parallel_for: covers every index exactly once", "[parallel]") {
    test::ThreadCountGuard restore;
    for (int threads : {1, 2, 3, 8}) {
        ag::set_num_threads(threads);
        for (int64_t size : {1, 2, 3, 7, 100, 1001}) {
            for (int64_t grain : {-1, 0, 1, 5, 64, 5000}) {
                INFO("threads " << threads << " size " << size << " grain " << grain);
                const int64_t begin = -3;  // ranges need not start at 0
                const std::vector<int> counts = visit_counts(begin, begin + size, grain);
                REQUIRE(counts == std::vector<int>(static_cast<size_t>(size), 1));
            }
        }
    }
}

TEST_CASE("parallel_for: an empty range calls nothing", "[parallel]") {
    int calls = 0;
    ag::parallel_for(5, 5, 1, [&](int64_t, int64_t) { ++calls; });
    ag::parallel_for(5, 2, 1, [&](int64_t, int64_t) { ++calls; });
    REQUIRE(calls == 0);
}

TEST_CASE("parallel_for: a range within the grain runs inline, in one call", "[parallel]") {
    test::ThreadCountGuard restore;
    ag::set_num_threads(2);
    int calls = 0;
    std::thread::id caller = std::this_thread::get_id(), runner;
    ag::parallel_for(0, 10, 10, [&](int64_t lo, int64_t hi) {
        ++calls;
        runner = std::this_thread::get_id();
        REQUIRE(lo == 0);
        REQUIRE(hi == 10);
    });
    REQUIRE(calls == 1);
    REQUIRE(runner == caller);
}

TEST_CASE("parallel_for: uses at most get_num_threads pieces", "[parallel]") {
    test::ThreadCountGuard restore;
    ag::set_num_threads(2);
    std::atomic<int> pieces{0};
    ag::parallel_for(0, 1000, 1, [&](int64_t, int64_t) { ++pieces; });
    REQUIRE(pieces == 2);
}

TEST_CASE("parallel_for: at most one piece per grain, rounded up, of equal sizes", "[parallel]") {
    // As core/parallel.h says: 100 indices at grain 64 make two pieces of 50, not one of 64.
    test::ThreadCountGuard restore;
    ag::set_num_threads(4);
    std::mutex lock;
    std::vector<int64_t> sizes;
    ag::parallel_for(0, 100, 64, [&](int64_t lo, int64_t hi) {
        const std::lock_guard<std::mutex> hold(lock);
        sizes.push_back(hi - lo);
    });
    REQUIRE(sizes == std::vector<int64_t>{50, 50});
}

TEST_CASE("parallel_for: nested calls run inline and cover everything", "[parallel]") {
    test::ThreadCountGuard restore;
    ag::set_num_threads(2);
    constexpr int64_t kOuter = 8, kInner = 50;
    std::vector<std::atomic<int>> counts(kOuter * kInner);
    std::atomic<bool> outside_region{false}, moved_thread{false};
    ag::parallel_for(0, kOuter, 1, [&](int64_t lo, int64_t hi) {
        if (!ag::in_parallel_region()) outside_region = true;
        for (int64_t i = lo; i < hi; ++i) {
            const std::thread::id outer_thread = std::this_thread::get_id();
            ag::parallel_for(0, kInner, 1, [&](int64_t inner_lo, int64_t inner_hi) {
                if (std::this_thread::get_id() != outer_thread) moved_thread = true;
                for (int64_t j = inner_lo; j < inner_hi; ++j) ++counts[i * kInner + j];
            });
        }
    });
    REQUIRE_FALSE(outside_region);
    REQUIRE_FALSE(moved_thread);  // the inner loops ran inline
    REQUIRE_FALSE(ag::in_parallel_region());
    for (const auto& count : counts) REQUIRE(count == 1);
}

TEST_CASE("parallel_for: callers on several threads at once all complete", "[parallel]") {
    test::ThreadCountGuard restore;
    ag::set_num_threads(2);
    std::atomic<int64_t> total{0};
    std::vector<std::thread> callers;
    for (int t = 0; t < 4; ++t) {
        callers.emplace_back([&] {
            for (int repeat = 0; repeat < 50; ++repeat) {
                ag::parallel_for(0, 100, 1, [&](int64_t lo, int64_t hi) { total += hi - lo; });
            }
        });
    }
    for (std::thread& caller : callers) caller.join();
    REQUIRE(total == 4 * 50 * 100);
}

TEST_CASE("parallel_for: an exception in a piece reaches the caller", "[parallel]") {
    test::ThreadCountGuard restore;
    for (int threads : {1, 2}) {
        ag::set_num_threads(threads);
        REQUIRE_THROWS_AS(ag::parallel_for(0, 100, 1,
                                           [](int64_t lo, int64_t) {
                                               if (lo > 0 || ag::get_num_threads() == 1) {
                                                   throw std::runtime_error("piece failed");
                                               }
                                           }),
                          std::runtime_error);
        // The pool still works afterwards.
        REQUIRE(visit_counts(0, 100, 1) == std::vector<int>(100, 1));
    }
}

TEST_CASE("set_num_threads and get_num_threads", "[parallel]") {
    test::ThreadCountGuard restore;
    ag::set_num_threads(3);
    REQUIRE(ag::get_num_threads() == 3);
    ag::set_num_threads(1);
    REQUIRE(ag::get_num_threads() == 1);
    REQUIRE_THROWS_AS(ag::set_num_threads(0), ag::ValueError);
    REQUIRE_THROWS_WITH(ag::set_num_threads(-2), "set_num_threads: num_threads -2 < 1");
    REQUIRE(ag::get_num_threads() == 1);
}

TEST_CASE("grain_for: enough indices for kMinWorkPerPiece of work, and at least one",
          "[parallel]") {
    CHECK(ag::grain_for(1) == ag::kMinWorkPerPiece);
    CHECK(ag::grain_for(128) == ag::kMinWorkPerPiece / 128);
    CHECK(ag::grain_for(ag::kMinWorkPerPiece) == 1);
    CHECK(ag::grain_for(10 * ag::kMinWorkPerPiece) == 1);  // costly indices: one each
    CHECK(ag::grain_for(0) == ag::kMinWorkPerPiece);       // free indices count as 1
    CHECK(ag::grain_for(-5) == ag::kMinWorkPerPiece);
    CHECK(ag::grain_for(1000, 64 * 64 * 64) == 262);  // a threshold of the caller's own
}
