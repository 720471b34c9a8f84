// tests/test_tensor.cpp — Tensor, its factories, IndexTensor and the random generator.
#include <cmath>

#include "catch.h"
#include "core/allocator.h"
#include "core/ops.h"
#include "test_helpers.h"

using namespace ag;

TEST_CASE("factories fill tensors as named", "[tensor]") {
    test::require_values(zeros({2, 2}), {0, 0, 0, 0});
    test::require_values(ones({3}), {1, 1, 1});
    test::require_values(full({2}, 7.5f), {7.5f, 7.5f});
    test::require_values(arange(4), {0, 1, 2, 3});
    test::require_values(arange(1.0f, 2.0f, 0.25f), {1.0f, 1.25f, 1.5f, 1.75f});
    test::require_values(arange(3.0f, 0.0f, -1.0f), {3, 2, 1});
    // The count in float, as the arguments are (in double 0.3f / 0.1f is 3.0000001: 4 values).
    test::require_values(arange(0.0f, 0.3f, 0.1f), {0.0f, 0.1f, 0.2f});
    // A range that runs the wrong way is empty, however long (no cast of -1e30 to int64).
    REQUIRE(arange(1e30f, -1e30f, 1.0f).numel() == 0);
    REQUIRE(arange(3e38f, -3e38f, 1.0f).numel() == 0);  // end - start overflows to -inf
    const Tensor t = from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
    REQUIRE(t.shape() == Shape{2, 3});
    REQUIRE(t.at({1, 0}) == 4.0f);
    REQUIRE(t.at({0, 2}) == 3.0f);
    REQUIRE(scalar(2.5f).item() == 2.5f);
    REQUIRE(scalar(2.5f).rank() == 0);
}

TEST_CASE("factories reject bad arguments", "[tensor][errors]") {
    REQUIRE_THROWS_WITH(from_vector({1, 2, 3}, {2, 2}),
                        "from_vector: 3 values for shape [2,2] of 4 elements");
    REQUIRE_THROWS_AS(arange(0.0f, 1.0f, 0.0f), ValueError);
    REQUIRE_THROWS_AS(arange(-1), ValueError);
}

TEST_CASE("element access checks its index", "[tensor][errors]") {
    const Tensor t = zeros({2, 3});
    REQUIRE_THROWS_AS(t.at({2, 0}), IndexError);
    REQUIRE_THROWS_WITH(t.at({0, 3}), Contains("index 3 out of range for dimension 1"));
    REQUIRE_THROWS_AS(t.at({0}), IndexError);
    REQUIRE_THROWS_WITH(t.item(), Contains("item: tensor of shape [2,3]"));
    REQUIRE_THROWS_AS(Tensor().shape(), Error);
}

TEST_CASE("copies of a handle share data, and clone and detach behave as in PyTorch", "[tensor]") {
    Tensor a = from_vector({1, 2}, {2});
    Tensor alias = a;
    alias.data()[0] = 10;
    REQUIRE(a.at({0}) == 10.0f);

    Tensor copy = a.clone();
    copy.data()[0] = -1;
    REQUIRE(a.at({0}) == 10.0f);

    a.set_requires_grad();
    const Tensor detached = (a * 2.0f).detach();
    REQUIRE_FALSE(detached.requires_grad());
    REQUIRE(detached.is_leaf());
    const Tensor view = a.detach();
    REQUIRE(view.data() == a.data());  // detach shares storage
}

TEST_CASE("to_string prints shape and values, eliding long rows", "[tensor]") {
    REQUIRE(from_vector({1, 2, 3, 4}, {2, 2}).to_string() == "tensor([2,2], [[1, 2], [3, 4]])");
    const std::string long_row = arange(20).to_string();
    REQUIRE(long_row == "tensor([20], [0, 1, 2, ..., 17, 18, 19])");
    REQUIRE(ones({1}, true).to_string() == "tensor([1], [1], requires_grad)");
}

TEST_CASE("the generator is seeded, reproducible and roughly right in distribution",
          "[tensor][random]") {
    Generator g1(123), g2(123), g3(124);
    const Tensor a = randn({1000}, g1), b = randn({1000}, g2), c = randn({1000}, g3);
    REQUIRE(a.to_vector() == b.to_vector());
    REQUIRE(a.to_vector() != c.to_vector());
    double sum = 0, sum_sq = 0;
    for (float v : a.to_vector()) {
        sum += v;
        sum_sq += v * v;
    }
    REQUIRE(std::abs(sum / 1000) < 0.1);            // mean ~ 0 (std error ~0.03)
    REQUIRE(std::abs(sum_sq / 1000 - 1.0) < 0.15);  // variance ~ 1
    const Tensor u = rand({1000}, g1);
    for (float v : u.to_vector()) REQUIRE((v >= 0.0f && v < 1.0f));
    manual_seed(5);
    const Tensor d = randn({4});
    manual_seed(5);
    REQUIRE(randn({4}).to_vector() == d.to_vector());
    REQUIRE_THROWS_AS(g1.integer(0), ValueError);
    for (int i = 0; i < 100; ++i) {
        const int64_t k = g1.integer(7);
        REQUIRE((k >= 0 && k < 7));
    }
}

TEST_CASE("IndexTensor holds integer ids with a shape", "[tensor]") {
    const IndexTensor ids({1, 2, 3, 4, 5, 6}, {2, 3});
    REQUIRE(ids.at({1, 2}) == 6);
    REQUIRE(ids.numel() == 6);
    REQUIRE(IndexTensor({4, 5}).shape() == Shape{2});
    REQUIRE_THROWS_AS(IndexTensor({1, 2, 3}, {2, 2}), ShapeError);
    REQUIRE_THROWS_AS(ids.at({2, 0}), IndexError);
    REQUIRE(ids.to_string() == "indices([2,3], [1, 2, 3, 4, 5, 6])");
}

TEST_CASE("freed tensor buffers are recycled by size, within the cache limit",
          "[tensor][allocator]") {
    empty_buffer_cache();
    const float* first = nullptr;
    {
        Tensor t({1000});
        first = t.data();
    }
    REQUIRE(cached_buffer_bytes() == 4000);
    const Tensor again({1000});
    REQUIRE(again.data() == first);  // the same buffer, reused
    REQUIRE(cached_buffer_bytes() == 0);
    REQUIRE(reinterpret_cast<uintptr_t>(again.data()) % 64 == 0);

    const size_t limit = cache_limit_bytes();
    set_cache_limit_bytes(100);
    { Tensor big({1000}); }
    REQUIRE(cached_buffer_bytes() == 0);  // over the limit: back to the system
    set_cache_limit_bytes(limit);
}

TEST_CASE("the allocator counts the bytes tensors hold, and their peak", "[tensor][allocator]") {
    const size_t before = allocated_buffer_bytes();
    reset_peak_allocated_buffer_bytes();
    REQUIRE(peak_allocated_buffer_bytes() == before);
    {
        const Tensor a({1000}), b({500});
        REQUIRE(allocated_buffer_bytes() == before + 6000);
        const Tensor view = reshape(a, {10, 100});  // shares a's buffer: no new bytes
        REQUIRE(allocated_buffer_bytes() == before + 6000);
    }
    REQUIRE(allocated_buffer_bytes() == before);  // released, even if kept in the cache
    REQUIRE(peak_allocated_buffer_bytes() == before + 6000);
    reset_peak_allocated_buffer_bytes();
    REQUIRE(peak_allocated_buffer_bytes() == before);
}

TEST_CASE("is_sole_owner: no other handle and no other tensor on the buffer", "[tensor]") {
    Tensor t({4});
    REQUIRE(t.is_sole_owner());
    {
        const Tensor copy = t;  // a second handle on the same tensor
        REQUIRE_FALSE(t.is_sole_owner());
    }
    REQUIRE(t.is_sole_owner());
    {
        const Tensor view = reshape(t, {2, 2});  // another tensor on the same buffer
        REQUIRE_FALSE(t.is_sole_owner());
    }
    REQUIRE(t.is_sole_owner());
    REQUIRE_FALSE(Tensor().is_sole_owner());
}

// AddressSanitizer aborts on an impossible allocation instead of failing it.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ATTOGRAD_UNDER_ASAN 1
#endif
#endif
#if !defined(ATTOGRAD_UNDER_ASAN) && !defined(__SANITIZE_ADDRESS__)
TEST_CASE("an allocation that fails is a MemoryError naming the size", "[tensor]") {
    // 2^40 floats, 4 TiB: more than any machine this runs on has.
    REQUIRE_THROWS_WITH(
        ag::zeros({int64_t{1} << 40}),
        Contains("Storage: cannot allocate 1099511627776 floats (4096.000000 GiB)"));
    REQUIRE_THROWS_AS(ag::zeros({int64_t{1} << 40}), ag::MemoryError);
}
#endif
