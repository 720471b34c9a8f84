#!/usr/bin/env python3
"""attograd against PyTorch on the same Transformer training step, side by side.

For each configuration of bench/bench_train.cpp (small, base) and each thread count (1 and all
cores), measures target tokens per second of one training step (forward, cross-entropy,
backward, Adam) and of inference, and the peak resident memory of training, for both
frameworks, each case in a fresh process, and prints one table with the ratios. Each case runs
BENCH_REPEATS times (default 2) on each side, in turn (PyTorch at each of its two settings,
below), and each side's fastest run counts: on a shared or virtual machine a run can be slowed
by others, and taking turns spreads a slow spell over both sides.

PyTorch runs torch.nn.Transformer (post-norm, dropout 0, batch_first) with embeddings, the
sinusoidal positions and an output projection, as attograd's Transformer. It is measured at its
better setting for each thread count: its default and OMP_WAIT_POLICY=passive. Debian's PyTorch
does its matrix products in OpenBLAS, whose own thread pool ignores torch.set_num_threads, so the
child process also sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS: without them "1 thread" used
both cores here (process CPU time twice the wall time). Each row prints the cores each framework
really used (CPU time over wall time) so the thread counts can be checked.

    make bench-compare                     (or: python3 bench/compare_pytorch.py BUILD_DIR)
    BENCH_SECONDS=5 BENCH_REPEATS=2 make bench-compare     (the defaults)
"""
import json
import math
import os
import resource
import subprocess
import sys
import time

CONFIGS = {
    "small": dict(d_model=128, heads=4, layers=2, d_ff=512, vocab=32, batch=64, length=32),
    "base": dict(d_model=512, heads=8, layers=2, d_ff=2048, vocab=32, batch=32, length=64),
}


def torch_case(config_name, mode, threads, seconds):
    """Runs in a child process: prints tokens/s and peak RSS (MiB) as JSON."""
    import torch
    from torch import nn

    c = CONFIGS[config_name]
    torch.set_num_threads(threads)
    torch.manual_seed(1)

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            d = c["d_model"]
            self.source_embedding = nn.Embedding(c["vocab"], d)
            self.target_embedding = nn.Embedding(c["vocab"], d)
            position = torch.arange(c["length"]).unsqueeze(1)
            frequency = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
            table = torch.zeros(c["length"], d)
            table[:, 0::2] = torch.sin(position * frequency)
            table[:, 1::2] = torch.cos(position * frequency)
            self.register_buffer("positions", table)
            self.transformer = nn.Transformer(d, c["heads"], c["layers"], c["layers"], c["d_ff"],
                                              dropout=0.0, batch_first=True)
            self.output = nn.Linear(d, c["vocab"])
            self.register_buffer("causal", torch.triu(
                torch.full((c["length"], c["length"]), float("-inf")), diagonal=1))

        def forward(self, source, target):
            scale = math.sqrt(c["d_model"])
            src = self.source_embedding(source) * scale + self.positions
            tgt = self.target_embedding(target) * scale + self.positions
            return self.output(self.transformer(src, tgt, tgt_mask=self.causal))

    model = Model()
    source = torch.randint(0, c["vocab"], (c["batch"], c["length"]))
    target_in = torch.randint(0, c["vocab"], (c["batch"], c["length"]))
    target_out = torch.randint(0, c["vocab"], (c["batch"], c["length"]))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
    loss_fn = nn.CrossEntropyLoss()

    def step():
        if mode == "train":
            optimizer.zero_grad()
            loss = loss_fn(model(source, target_in).reshape(-1, c["vocab"]),
                           target_out.reshape(-1))
            loss.backward()
            optimizer.step()
        else:
            with torch.no_grad():
                model(source, target_in)

    if mode == "infer":
        model.eval()
    for _ in range(2):  # warm up
        step()
    iterations, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds or iterations < 3:
        step()
        iterations += 1
    elapsed = time.perf_counter() - start
    cores_used = (time.process_time() - cpu_start) / elapsed
    tokens = c["batch"] * c["length"] * iterations
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"tokens_per_second": tokens / elapsed, "peak_rss_mb": peak,
                      "cores_used": cores_used}))


def run_torch(config_name, mode, threads, wait_policy, seconds):
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["OMP_NUM_THREADS"] = str(threads)
    if wait_policy:
        env["OMP_WAIT_POLICY"] = wait_policy
    output = subprocess.run(
        ["/usr/bin/python3", __file__, "--child", config_name, mode, str(threads), str(seconds)],
        env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_attograd(build_dir, config_name, mode, threads, seconds):
    name = f"{mode}/{config_name}/threads:{threads}"
    output = subprocess.run(
        [os.path.join(build_dir, "bench", "bench_train"), f"--benchmark_filter=^{name}(/process_time)?$",
         f"--benchmark_min_time={seconds}", "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    result = json.loads(output)["benchmarks"][0]
    # Google Benchmark's cpu_time is the process's CPU time per iteration (all threads).
    return {"tokens_per_second": result["tokens_per_second"], "peak_rss_mb": result["peak_rss_mb"],
            "cores_used": result["cpu_time"] / result["real_time"]}


def best_of(runs):
    """The fastest run's figures, with the largest peak memory of all the runs."""
    best = dict(max(runs, key=lambda r: r["tokens_per_second"]))
    best["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return best


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        torch_case(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
        return
    build_dir = sys.argv[1] if len(sys.argv) > 1 else "build/release"
    seconds = float(os.environ.get("BENCH_SECONDS", "5"))
    repeats = max(1, int(os.environ.get("BENCH_REPEATS", "2")))
    all_threads = os.cpu_count() or 1
    thread_counts = [1] if all_threads == 1 else [1, all_threads]
    rows = []
    for config_name in CONFIGS:
        for mode in ("train", "infer"):
            for threads in thread_counts:
                # `repeats` runs a side (PyTorch: at each of its two settings), taken in turn
                # so that a slow spell of the machine hits both; each side's fastest run
                # counts. Memory: the largest peak of any run.
                ours_runs, torch_runs = [], []
                for _ in range(repeats):
                    ours_runs.append(run_attograd(build_dir, config_name, mode, threads, seconds))
                    for policy in (None, "passive"):
                        torch_runs.append(run_torch(config_name, mode, threads, policy, seconds))
                rows.append((f"{mode}/{config_name}/threads:{threads}", best_of(ours_runs),
                             best_of(torch_runs)))
                print(f"  measured {rows[-1][0]}", file=sys.stderr, flush=True)
    print(f"{'case':<26} {'attograd tok/s':>15} {'pytorch tok/s':>14} {'ratio':>7} "
          f"{'attograd MiB':>13} {'pytorch MiB':>12} {'ratio':>7} {'cores used':>11}")
    for name, ours, theirs in rows:
        print(f"{name:<26} {ours['tokens_per_second']:>15.0f} "
              f"{theirs['tokens_per_second']:>14.0f} "
              f"{ours['tokens_per_second'] / theirs['tokens_per_second']:>6.2f}x "
              f"{ours['peak_rss_mb']:>13.0f} {theirs['peak_rss_mb']:>12.0f} "
              f"{ours['peak_rss_mb'] / theirs['peak_rss_mb']:>6.2f}x "
              f"{ours['cores_used']:>5.1f} / {theirs['cores_used']:<4.1f}")


if __name__ == "__main__":
    main()
