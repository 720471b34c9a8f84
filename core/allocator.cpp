// core/allocator.cpp — a size-keyed cache of freed tensor buffers.
#include "core/allocator.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace ag {

namespace {

constexpr std::align_val_t kAlignment{64};  // a cache line; the widest SIMD register

struct BufferCache {
    std::mutex mutex;
    std::unordered_map<size_t, std::vector<void*>> free_by_size;
    size_t cached_bytes = 0;
    size_t limit_bytes = initial_limit();

    static size_t initial_limit() {
        const char* text = std::getenv("ATTOGRAD_CACHE_MB");
        if (text != nullptr) {
            char* end = nullptr;
            const unsigned long long megabytes = std::strtoull(text, &end, 10);
            if (end != text && *end == '\0') return static_cast<size_t>(megabytes) << 20;
        }
        return size_t{1} << 30;
    }

    // Frees cached buffers until at most `target` bytes remain. Caller holds the mutex.
    void shrink_to(size_t target) {
        for (auto it = free_by_size.begin(); it != free_by_size.end() && cached_bytes > target;) {
            while (!it->second.empty() && cached_bytes > target) {
                ::operator delete(it->second.back(), kAlignment);
                it->second.pop_back();
                cached_bytes -= it->first;
            }
            it = it->second.empty() ? free_by_size.erase(it) : std::next(it);
        }
    }
};

// Never destroyed: a tensor with static storage duration may release its buffer after every
// other static object is gone, so the cache must outlive them all. (Its buffers stay reachable
// through this pointer, so leak checkers do not count them as leaks.)
BufferCache& cache() {
    static BufferCache* instance = new BufferCache;
    return *instance;
}

std::atomic<size_t> g_allocated_bytes{0};
std::atomic<size_t> g_peak_allocated_bytes{0};

void count_allocation(size_t bytes) {
    const size_t now = g_allocated_bytes.fetch_add(bytes, std::memory_order_relaxed) + bytes;
    size_t peak = g_peak_allocated_bytes.load(std::memory_order_relaxed);
    while (now > peak &&
           !g_peak_allocated_bytes.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
}

// Whether freed buffers may be cached at all (set_cache_limit_bytes(0) turns caching off).
std::atomic<bool> g_caching{BufferCache::initial_limit() > 0};

// Puts a freed buffer in the shared cache, or back to the system when the cache is full.
void release_to_shared(void* buffer, size_t bytes) {
    BufferCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (c.cached_bytes + bytes <= c.limit_bytes) {
        c.free_by_size[bytes].push_back(buffer);
        c.cached_bytes += bytes;
        return;
    }
    ::operator delete(buffer, kAlignment);
}

// Small buffers — the scalars and short rows that autograd-heavy code makes by the thousand —
// are first cached per thread: no lock and no hash lookup, just a stack of free buffers per
// size class of 64 bytes. (At 1 KiB and above, the shared cache's cost is small beside the
// work done on the buffer.) Sizes up to kSmallBytes are rounded up to their class, so a buffer
// freed into a class fits every request of that class.
constexpr size_t kSmallBytes = 1024;
constexpr size_t kSmallClasses = kSmallBytes / 64;
constexpr size_t kBytesPerClass = 64 * 1024;  // per thread: at most 64 KiB of each class

size_t rounded(size_t bytes) { return bytes <= kSmallBytes ? (bytes + 63) / 64 * 64 : bytes; }

// Set when this thread's ThreadCache is gone (thread exit): later frees take the shared path.
thread_local bool t_thread_cache_destroyed = false;

struct ThreadCache {
    std::vector<void*> free[kSmallClasses];  // free[c]: buffers of (c + 1) * 64 bytes

    // bytes: a multiple of 64 in (0, kSmallBytes].
    std::vector<void*>& of_size(size_t bytes) { return free[bytes / 64 - 1]; }

    ~ThreadCache() {  // hand the buffers to the shared cache (or the system)
        t_thread_cache_destroyed = true;
        for (size_t c = 0; c < kSmallClasses; ++c) {
            for (void* buffer : free[c]) release_to_shared(buffer, (c + 1) * 64);
        }
    }
};

thread_local ThreadCache t_thread_cache;

}  // namespace

void* allocate_buffer(size_t bytes) {
    bytes = rounded(bytes);
    void* buffer = nullptr;
    if (bytes > 0 && bytes <= kSmallBytes && !t_thread_cache_destroyed) {
        std::vector<void*>& free = t_thread_cache.of_size(bytes);
        if (!free.empty()) {
            buffer = free.back();
            free.pop_back();
        }
    }
    if (buffer == nullptr) {
        BufferCache& c = cache();
        std::lock_guard<std::mutex> lock(c.mutex);
        auto it = c.free_by_size.find(bytes);
        if (it != c.free_by_size.end() && !it->second.empty()) {
            buffer = it->second.back();
            it->second.pop_back();
            c.cached_bytes -= bytes;
        }
    }
    if (buffer == nullptr) buffer = ::operator new(bytes == 0 ? 1 : bytes, kAlignment);
    count_allocation(bytes);
    return buffer;
}

void release_buffer(void* buffer, size_t bytes) {
    if (buffer == nullptr) return;
    bytes = rounded(bytes);
    g_allocated_bytes.fetch_sub(bytes, std::memory_order_relaxed);
    if (bytes > 0 && bytes <= kSmallBytes && !t_thread_cache_destroyed &&
        g_caching.load(std::memory_order_relaxed)) {
        std::vector<void*>& free = t_thread_cache.of_size(bytes);
        if (free.size() * bytes < kBytesPerClass) {
            free.push_back(buffer);
            return;
        }
    }
    release_to_shared(buffer, bytes);
}

void empty_buffer_cache() {
    if (!t_thread_cache_destroyed) {  // this thread's small buffers first
        for (std::vector<void*>& free : t_thread_cache.free) {
            for (void* buffer : free) ::operator delete(buffer, kAlignment);
            free.clear();
        }
    }
    BufferCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.shrink_to(0);
}

size_t cached_buffer_bytes() {
    BufferCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    return c.cached_bytes;
}

size_t cache_limit_bytes() {
    BufferCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    return c.limit_bytes;
}

void set_cache_limit_bytes(size_t bytes) {
    BufferCache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.limit_bytes = bytes;
    g_caching.store(bytes > 0, std::memory_order_relaxed);
    c.shrink_to(bytes);
}

size_t allocated_buffer_bytes() { return g_allocated_bytes.load(std::memory_order_relaxed); }

size_t peak_allocated_buffer_bytes() {
    return g_peak_allocated_bytes.load(std::memory_order_relaxed);
}

void reset_peak_allocated_buffer_bytes() {
    g_peak_allocated_bytes.store(g_allocated_bytes.load(std::memory_order_relaxed),
                                 std::memory_order_relaxed);
}

}  // namespace ag
