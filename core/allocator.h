/** \file
core/allocator.h — where tensor buffers come from, and why they are recycled.

\verbatim
A training step allocates the same buffers, of the same sizes, every step: activations,
gradients, temporaries. Freed large blocks go back to the operating system, and the next
step gets them back as fresh pages that the kernel must fault in and zero, which costs as
much as a whole elementwise op. So freed buffers are kept in a cache keyed by their exact
size, and the next request of that size reuses one. The cache holds at most
cache_limit_bytes() (default 1 GiB, or the ATTOGRAD_CACHE_MB environment variable in MiB);
beyond that, freed buffers go back to the system. Small buffers (up to 1 KiB, rounded up to
64 bytes) are first kept per thread, up to 64 KiB of each size, so that the scalars and short
rows of autograd-heavy code never wait for the shared cache's lock.
\endverbatim
*/
#pragma once

#include <cstddef>
#include <cstdint>

namespace ag {

/// A 64-byte-aligned buffer of at least `bytes` bytes, reused from the cache when one of the
/// same size is free. Contents are unspecified. Thread-safe. Throws std::bad_alloc.
void* allocate_buffer(size_t bytes);
/// Returns a buffer from allocate_buffer(bytes) (with the same `bytes`) to the cache, or to the
/// system if the cache is full. Thread-safe.
void release_buffer(void* buffer, size_t bytes);
/// Frees every cached buffer back to the system (the shared cache and the calling thread's).
void empty_buffer_cache();
/// Bytes currently held in the shared cache (free, waiting for reuse); the per-thread caches
/// of small buffers (at most 1 MiB a thread) are not counted.
size_t cached_buffer_bytes();
/// Bytes of the buffers handed out by allocate_buffer and not yet released: the memory tensors
/// hold now (the cache and the allocator's own bookkeeping not counted).
size_t allocated_buffer_bytes();
/// The highest allocated_buffer_bytes() since the start or the last
/// reset_peak_allocated_buffer_bytes(): what a computation needed at most, measured.
size_t peak_allocated_buffer_bytes();
/// Starts a new peak at the current allocated_buffer_bytes().
void reset_peak_allocated_buffer_bytes();
/// The most bytes the cache may hold; setting 0 turns caching off. Thread-safe.
size_t cache_limit_bytes();
/// Sets cache_limit_bytes(), releasing cached buffers beyond it.
void set_cache_limit_bytes(size_t bytes);

}  // namespace ag
