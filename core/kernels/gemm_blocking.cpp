// core/kernels/gemm_blocking.cpp — reading the caches, and the model of gemm_blocking.h.
#include "core/kernels/gemm_blocking.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ag::kernels {

namespace {

constexpr int64_t kFloat = sizeof(float);
const CacheLevel kDefaultL1{.bytes = 32 << 10, .ways = 8, .line_bytes = 64};
const CacheLevel kDefaultL2{.bytes = 512 << 10, .ways = 8, .line_bytes = 64};
const CacheLevel kDefaultL3{.bytes = 8 << 20, .ways = 16, .line_bytes = 64};

int64_t ceil_div(int64_t x, int64_t y) { return (x + y - 1) / y; }

// A level as reported, made usable: unknown ways count as 8, unknown lines as 64 bytes.
CacheLevel usable(CacheLevel level) {
    if (level.ways <= 0) level.ways = 8;
    if (level.line_bytes <= 0) level.line_bytes = 64;
    return level;
}

// The text of a sysfs file, or "".
std::string read_text(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    std::getline(in, text);
    return text;
}

// "48K", "1024K", "32M" -> bytes; 0 if unreadable.
int64_t parse_size(const std::string& text) {
    char* end = nullptr;
    const long long value = std::strtoll(text.c_str(), &end, 10);
    if (end == text.c_str() || value <= 0) return 0;
    const int64_t unit = *end == 'K' ? 1024 : *end == 'M' ? 1024 * 1024 : 1;
    return static_cast<int64_t>(value) * unit;
}

// Linux: /sys/devices/system/cpu/cpu0/cache/index*/ (level, type, size, ways, line size).
bool read_sysfs(CpuCaches& caches) {
    bool found = false;
    for (int index = 0; index < 8; ++index) {
        const std::string dir =
            "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index) + "/";
        const std::string level = read_text(dir + "level"), type = read_text(dir + "type");
        if (level.empty()) continue;
        if (type != "Data" && type != "Unified") continue;
        CacheLevel cache{.bytes = parse_size(read_text(dir + "size")),
                         .ways = std::atoll(read_text(dir + "ways_of_associativity").c_str()),
                         .line_bytes = std::atoll(read_text(dir + "coherency_line_size").c_str())};
        if (cache.bytes <= 0) continue;
        (level == "1" ? caches.l1d : level == "2" ? caches.l2 : caches.l3) = cache;
        found = found || level == "1";
    }
    return found;
}

// glibc: sysconf's cache figures (from CPUID on x86).
bool read_sysconf(CpuCaches& caches) {
#if defined(_SC_LEVEL1_DCACHE_SIZE)
    const auto level = [](int size, int ways, int line) {
        return CacheLevel{.bytes = std::max<long>(0, sysconf(size)),
                          .ways = std::max<long>(0, sysconf(ways)),
                          .line_bytes = std::max<long>(0, sysconf(line))};
    };
    caches.l1d = level(_SC_LEVEL1_DCACHE_SIZE, _SC_LEVEL1_DCACHE_ASSOC, _SC_LEVEL1_DCACHE_LINESIZE);
    caches.l2 = level(_SC_LEVEL2_CACHE_SIZE, _SC_LEVEL2_CACHE_ASSOC, _SC_LEVEL2_CACHE_LINESIZE);
    caches.l3 = level(_SC_LEVEL3_CACHE_SIZE, _SC_LEVEL3_CACHE_ASSOC, _SC_LEVEL3_CACHE_LINESIZE);
    return caches.l1d.bytes > 0;
#else
    (void)caches;
    return false;
#endif
}

CpuCaches detect() {
    CpuCaches caches;
    if (read_sysfs(caches)) {
        caches.source = "sysfs";
    } else if (caches = {}; read_sysconf(caches)) {
        caches.source = "sysconf";
    } else {
        caches = {kDefaultL1, kDefaultL2, kDefaultL3, "default"};
    }
    if (caches.l2.bytes <= 0) caches.l2 = kDefaultL2;
    return caches;
}

// What ATTOGRAD_GEMM_BLOCKS asks for: "MC,KC,NC", or "model" (then {0, 0, 0}); nullopt when
// it is not set.
std::optional<GemmBlocks> blocks_from_environment() {
    const char* text = std::getenv("ATTOGRAD_GEMM_BLOCKS");
    if (text == nullptr || *text == '\0') return std::nullopt;
    if (std::string(text) == "model") return GemmBlocks{};
    GemmBlocks blocks;
    char comma1 = 0, comma2 = 0;
    std::istringstream in(text);
    in >> blocks.mc >> comma1 >> blocks.kc >> comma2 >> blocks.nc;
    if (!in || !in.eof() || comma1 != ',' || comma2 != ',' || blocks.mc <= 0 || blocks.kc <= 0 ||
        blocks.nc <= 0) {
        throw ValueError(std::string("gemm: ATTOGRAD_GEMM_BLOCKS=") + text +
                         " is neither MC,KC,NC (three positive integers, e.g. 96,512,4096) "
                         "nor model");
    }
    return blocks;
}

// set_gemm_blocks' sizes; 0 when none is set. Atomics, since every gemm call reads them.
std::atomic<int64_t> override_mc{0}, override_kc{0}, override_nc{0};

}  // namespace

int64_t CacheLevel::sets() const {
    return std::max<int64_t>(1, bytes / std::max<int64_t>(1, ways * line_bytes));
}

const CpuCaches& cpu_caches() {
    static const CpuCaches caches = detect();
    return caches;
}

//! [analytical_gemm_blocks]
GemmBlocks analytical_gemm_blocks(const CpuCaches& caches, int64_t mr, int64_t nr) {
    if (mr <= 0 || nr <= 0) {
        throw ValueError("analytical_gemm_blocks: tile " + std::to_string(mr) + " x " +
                         std::to_string(nr) + " is not positive");
    }
    // KC: A's MR x KC micro-panel takes C_A ways of L1, B's KC x NR one NR / MR times as
    // many, and one way stays free: C_A = floor((W1 - 1) / (1 + NR / MR)).
    const CacheLevel l1 = usable(caches.l1d.bytes > 0 ? caches.l1d : kDefaultL1);
    const int64_t a_ways1 = std::max<int64_t>(1, (l1.ways - 1) * mr / (mr + nr));
    const int64_t kc =
        std::max<int64_t>(8, a_ways1 * l1.sets() * l1.line_bytes / (mr * kFloat) / 8 * 8);

    // MC: in L2, B's micro-panel takes the ways it needs, one stays free, A's block the rest.
    const CacheLevel l2 = usable(caches.l2.bytes > 0 ? caches.l2 : kDefaultL2);
    const int64_t way2 = l2.sets() * l2.line_bytes;
    const int64_t a_ways2 = std::max<int64_t>(1, l2.ways - 1 - ceil_div(kc * nr * kFloat, way2));
    const int64_t mc = std::max(mr, a_ways2 * way2 / (kc * kFloat) / mr * mr);

    // NC: in L3, A's block takes the ways it needs, one stays free, B's block the rest.
    int64_t nc = kMaxNc;
    if (caches.l3.bytes > 0) {
        const CacheLevel l3 = usable(caches.l3);
        const int64_t way3 = l3.sets() * l3.line_bytes;
        const int64_t b_ways3 =
            std::max<int64_t>(1, l3.ways - 1 - ceil_div(mc * kc * kFloat, way3));
        nc = std::min(kMaxNc, b_ways3 * way3 / (kc * kFloat));
    }
    return {.mc = mc, .kc = kc, .nc = std::max(nr, nc / nr * nr)};
}
//! [analytical_gemm_blocks]

GemmBlocks gemm_blocks(int64_t mr, int64_t nr) {
    if (const int64_t mc = override_mc.load(); mc > 0) {
        return {.mc = mc, .kc = override_kc.load(), .nc = override_nc.load()};
    }
    static const std::optional<GemmBlocks> from_environment = blocks_from_environment();
    if (!from_environment) return kMeasuredBlocks;
    if (from_environment->mc == 0) return analytical_gemm_blocks(cpu_caches(), mr, nr);
    return *from_environment;
}

void set_gemm_blocks(std::optional<GemmBlocks> blocks) {
    if (blocks && (blocks->mc <= 0 || blocks->kc <= 0 || blocks->nc <= 0)) {
        throw ValueError("set_gemm_blocks: " + std::to_string(blocks->mc) + ", " +
                         std::to_string(blocks->kc) + ", " + std::to_string(blocks->nc) +
                         " are not all positive");
    }
    // mc last when setting and first when clearing: a reader that sees mc > 0 sees kc and nc.
    if (blocks) {
        override_kc.store(blocks->kc);
        override_nc.store(blocks->nc);
        override_mc.store(blocks->mc);
    } else {
        override_mc.store(0);
    }
}

}  // namespace ag::kernels
