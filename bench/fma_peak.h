// bench/fma_peak.h — what one core can do at most: the measured peak of fused multiply-adds.
//
// A GEMM's GFLOP/s means little until it is set against what the core can do. The peak is
// measured, not taken from a data sheet: a loop of independent FMAs on as many accumulators as
// it takes to hide the instruction's latency (latency x FMA units: 4 x 2 = 8 on current x86
// cores; 12 and 16 are used), in the vector width of a GEMM backend. bench_gemm reports it as
// fma_peak/<backend>, and bench_train divides a step's model FLOP/s by it.
#pragma once

#include "core/kernels/gemm.h"

namespace bench {

/// One core's peak of float32 fused multiply-adds in the instruction set of `backend`, in
/// GFLOP/s (an FMA counts 2), timed on the calling thread for at least `seconds`. Avx512 runs
/// 512-bit FMAs, Avx2 256-bit, Neon 128-bit; Scalar and Reference run plain C++ (x * a + b, one
/// float at a time as written; the compiler may vectorise it for the baseline instruction set).
/// Throws ag::ValueError if this CPU cannot run `backend` (see ag::kernels::available_backends).
double measured_fma_peak_gflops(ag::kernels::GemmBackend backend, double seconds = 0.2);

/// measured_fma_peak_gflops for `backend`, measured once per process and then remembered, so
/// benchmarks can ask for it in every run at no cost.
double fma_peak_gflops(ag::kernels::GemmBackend backend);

}  // namespace bench
