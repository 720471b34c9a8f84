#!/usr/bin/env python3
"""Measures the matmul ladder of docs/matmul.md and records it as a results file the docs draw.

Runs bench_gemm on one thread for every step of the ladder (reference, loop_reordered, blocked,
packed, simd: core/kernels/gemm_ladder.h) and for gemm itself on each SIMD backend this CPU has
(attograd_avx2, attograd_avx512, attograd_neon), at the square sizes 64 to 1024, the cases taken
in random order (--benchmark_enable_random_interleaving), and writes the median GFLOP/s of each
to a CSV file. Its header lines, starting with '#', record what a figure needs to name: the CPU,
the backends, the command, the date and the commit. The docs build never measures: it reads
this file (docs/examples/matmul_figures.cpp).

    make results                     (writes docs/results/gemm_ladder.csv)
    python3 bench/gemm_ladder_results.py --bench build/release/bench/bench_gemm --out FILE
"""
import argparse
import datetime
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile

STEPS = ["reference", "loop_reordered", "blocked", "packed", "simd"]
BACKENDS = ["attograd_avx2", "attograd_avx512", "attograd_neon"]
SIZES = [64, 128, 256, 512, 1024]


def cpu_name():
    """The CPU's model name, family and model as Linux reports them (a virtual machine may
    show only "AMD EPYC": the family tells Zen 4, 25, from Zen 5, 26), or as macOS does."""
    try:
        fields = {}
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if not line.strip():
                    break  # the first processor is enough
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.strip()
        name = fields.get("model name") or fields.get("cpu model")
        if name:
            if "cpu family" in fields:
                name += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
            flags = fields.get("flags", "").split()
            isa = [f for f in ("avx2", "fma", "avx512f") if f in flags]
            return name + (", " + " ".join(isa) if isa else "")
    except OSError:
        pass
    try:
        return subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], check=True,
                              capture_output=True, text=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown"


def commit():
    """The current commit, with '+changes' when the work tree differs from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], check=True,
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               check=True, capture_output=True, text=True).stdout.strip()
        return head + ("+changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bench", default="build/release/bench/bench_gemm")
    parser.add_argument("--out", default="docs/results/gemm_ladder.csv")
    parser.add_argument("--repetitions", type=int, default=9)
    args = parser.parse_args()

    names = "|".join(STEPS + BACKENDS)
    sizes = "|".join(f"{s}/{s}/{s}" for s in SIZES)
    command = [args.bench, f"--benchmark_filter=^gemm/({names})/({sizes})/threads:1$",
               f"--benchmark_repetitions={args.repetitions}",
               "--benchmark_enable_random_interleaving=true",
               "--benchmark_report_aggregates_only=true", "--benchmark_format=json"]
    print("running:", shlex.join(command), file=sys.stderr)
    report = json.loads(subprocess.run(command, check=True, capture_output=True,
                                       text=True).stdout)

    rows = []
    for run in report["benchmarks"]:
        if run.get("aggregate_name") != "median":
            continue
        _, implementation, m, k, n, _ = run["run_name"].split("/")
        rows.append((implementation, int(m), int(k), int(n), run["GFLOP/s"]))
    if not rows:
        sys.exit("gemm_ladder_results: bench_gemm reported no ladder cases")
    order = {name: i for i, name in enumerate(STEPS + BACKENDS)}
    rows.sort(key=lambda row: (order[row[0]], row[1]))

    context = report.get("context", {})
    lines = [
        "# The matmul ladder of docs/matmul.md: GFLOP/s of each step, and of gemm on each",
        f"# SIMD backend, one thread, median of {args.repetitions} repetitions taken in random order.",
        f"# cpu: {cpu_name()}, {context.get('num_cpus', '?')} cores, "
        f"{context.get('cpu_caches', 'caches unknown')}",
        f"# default backend: {context.get('gemm_backend', '?')}; "
        f"blocks (AVX2 tile): {context.get('gemm_blocks_avx2_6x16', '?')}",
        f"# command: {shlex.join(command)}",
        f"# date: {datetime.date.today().isoformat()}; commit: {commit()}; "
        f"written by bench/gemm_ladder_results.py (make results)",
        "implementation,m,k,n,gflops",
    ]
    lines += [f"{impl},{m},{k},{n},{gflops:.1f}" for impl, m, k, n, gflops in rows]
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    # A new file beside the old one, renamed over it: never written through a link, never half.
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(args.out) or ".",
                                             prefix=".gemm_ladder.")
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.chmod(temporary, 0o644)
    os.replace(temporary, args.out)
    print(f"wrote {args.out}: {len(rows)} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
