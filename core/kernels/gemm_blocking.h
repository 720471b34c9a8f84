/** \file
core/kernels/gemm_blocking.h — how big the cache blocks of the five loops are, derived from
the caches of the CPU the program runs on.

\verbatim
The five loops (gemm_microkernel.h) keep three blocks in three caches: a KC x NR micro-panel
of packed B in L1, while MR x KC micro-panels of A stream past it; an MC x KC block of
packed A in L2; a KC x NC block of packed B in L3. Low, Igual, Smith and Quintana-Orti
("Analytical Modeling Is Enough for High-Performance BLIS", ACM TOMS 43(2), 2016) derive
the three sizes from each cache's size, associativity W and line size, instead of searching
for them by measurement:

  KC  in a W1-way L1 of N1 sets of C1-byte lines, A's micro-panel may take
      C_A = floor((W1 - 1) / (1 + NR / MR)) ways, B's (NR / MR times larger) the rest but
      one, which stays free for C and the streaming loads:
          KC = C_A * N1 * C1 / (MR * 4 bytes)
  MC  in L2, B's micro-panel takes ceil(KC * NR * 4 / (N2 * C2)) ways, one stays free, and
      A's block takes the other C_A2 ways:  MC = C_A2 * N2 * C2 / (KC * 4 bytes)
  NC  in L3 the same, with A's block in the ways B's block leaves: NC = C_B3 * N3 * C3 /
      (KC * 4 bytes), at most kMaxNc (a larger block of B saves nothing measurable)

MC and NC are rounded down to multiples of MR and NR, and KC to a multiple of 8 (the width
of the transposing pack). The cache sizes come from Linux's sysfs, else from the C library
(sysconf, which asks CPUID on x86), else the defaults below.

Measured, the model does not yet hold: on the two CPUs gemm was measured on (Zen 4 and
Zen 5, docs/benchmark_notes.md, "Choosing MC and KC"), its MC (the A block filling most of L2) was
slower than MC = 96 everywhere, up to a third with A transposed, and its KC on Zen 4's
smaller L1 lost to KC = 512. So gemm runs on kMeasuredBlocks, which were best or within
noise of best on both, and the model is there to be tried (ATTOGRAD_GEMM_BLOCKS=model)
until a refinement of it (one that counts the stream of the packing source through L2,
for instance) measures as well.
\endverbatim
*/
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ag::kernels {

/// One cache level: its size, associativity (ways) and line size, in bytes. `bytes` is 0 when
/// the level is absent or unknown.
struct CacheLevel {
    int64_t bytes = 0;        ///< the size (0: absent or unknown)
    int64_t ways = 0;         ///< associativity (0: unknown, counted as 8)
    int64_t line_bytes = 64;  ///< the line size
    /// Sets: bytes / (ways * line_bytes), at least 1.
    int64_t sets() const;
};

/// The data caches one core sees, and where the figures came from.
struct CpuCaches {
    ///@{
    /// The level-1 data cache, L2 and L3 (bytes = 0 where absent or unknown).
    CacheLevel l1d, l2, l3;
    ///@}
    std::string source;  ///< "sysfs", "sysconf", "default", or "given" (made by hand)
};

/// The caches of the CPU this runs on, read once: Linux sysfs
/// (/sys/devices/system/cpu/cpu0/cache), else sysconf's _SC_LEVEL*_CACHE_* (glibc), else the
/// defaults: a 32 KiB 8-way L1d, a 512 KiB 8-way L2 and an 8 MiB 16-way L3, 64-byte lines.
/// A level the OS reports without its ways counts as 8-way. Throws nothing.
const CpuCaches& cpu_caches();

/// Cache block sizes of the five loops, in floats.
struct GemmBlocks {
    int64_t mc = 0;  ///< rows of the packed block of op(A) (L2)
    int64_t kc = 0;  ///< depth of both packed blocks (L1, with NR)
    int64_t nc = 0;  ///< columns of the packed block of op(B) (L3)
    /// Equal when all three sizes are.
    friend bool operator==(const GemmBlocks&, const GemmBlocks&) = default;
};

/// The blocks gemm uses by default, for every tile: best or within noise of best on Zen 4
/// and Zen 5 (docs/benchmark_notes.md).
inline constexpr GemmBlocks kMeasuredBlocks{.mc = 96, .kc = 512, .nc = 4096};

/// The largest NC the model gives: past a few thousand columns, packing B in larger blocks
/// saves nothing measurable and costs memory.
inline constexpr int64_t kMaxNc = 4096;

/// The blocks for an MR x NR micro-kernel on `caches`, by the model in the description of
/// core/kernels/gemm_blocking.h. Always at least {MR, 8, NR}, whatever the caches (a tiny or
/// unknown cache gives small, working blocks). Throws ag::ValueError unless mr and nr are positive.
GemmBlocks analytical_gemm_blocks(const CpuCaches& caches, int64_t mr, int64_t nr);

/// The blocks gemm uses for an MR x NR micro-kernel: set_gemm_blocks' if set, else what the
/// environment variable ATTOGRAD_GEMM_BLOCKS says (read once): "MC,KC,NC", or "model" for
/// analytical_gemm_blocks(cpu_caches(), mr, nr); else kMeasuredBlocks. Throws
/// ag::ValueError naming the variable if it is set to anything else.
GemmBlocks gemm_blocks(int64_t mr, int64_t nr);

/// Makes gemm use `blocks` for every micro-kernel (tests, benchmarks), or with std::nullopt
/// go back to gemm_blocks' default. Results stay correct for any blocks; only speed changes.
/// Throws ag::ValueError unless every size is positive.
void set_gemm_blocks(std::optional<GemmBlocks> blocks);

}  // namespace ag::kernels
