#!/usr/bin/env python3
"""attograd against PyTorch on the same Transformer training step, side by side.

For each configuration of bench/bench_train.cpp (the Transformer's small and base, and demos/gpt's
GPT) and each thread count (1 and all cores), measures target tokens per second of one training step (forward, cross-entropy,
backward, Adam) and of inference, and the peak resident memory of training, for both
frameworks, each case in a fresh process, and prints one table with the ratios. The two sides
take turns, --repeats times each (PyTorch at each of its two settings, below), so a slow spell
of a shared machine hits both, and the table gives each side's median.

PyTorch runs torch.nn.Transformer (post-norm, dropout 0, batch_first) with embeddings, the
sinusoidal positions and an output projection, as attograd's Transformer, and for gpt a
decoder-only model of torch.nn.TransformerEncoderLayer (pre-norm, GELU, causal mask) with
learned positions and the output tied to the embedding, with AdamW, as nn::GPT. It is measured at its
better setting for each case: its default and OMP_WAIT_POLICY=passive. Debian's PyTorch does
its matrix products in OpenBLAS, whose own thread pool ignores torch.set_num_threads, so the
child process also sets OPENBLAS_NUM_THREADS and OMP_NUM_THREADS: without them "1 thread" used
both cores (process CPU time twice the wall time). Each row prints the cores each framework
really used (CPU time over wall time) so the thread counts can be checked.

--backend runs attograd's GEMM on one backend (ATTOGRAD_GEMM_BACKEND) and holds PyTorch to the
same instruction set: ATEN_CPU_CAPABILITY for its own kernels and OPENBLAS_CORETYPE for
OpenBLAS's (avx2: avx2 and Haswell; avx512: avx512 and SkylakeX), unless the environment sets
them already. The header prints what really ran: attograd's backend as bench_train reports it,
PyTorch's "CPU capability usage" and the core OpenBLAS chose (openblas_get_corename).

    make bench-compare                                     (or: python3 bench/compare_pytorch.py)
    make bench-compare COMPARE_ARGS="--backend avx2 --repeats 5"
    python3 bench/compare_pytorch.py --python /path/to/python3 --build build/release
    make bench-compare-fresh        (PyTorch 2.6 and GCC 14, inside a fresh Debian 13 root)
"""
import argparse
import json
import math
import os
import re
import resource
import statistics
import subprocess
import sys
import time

CONFIGS = {
    "small": dict(d_model=128, heads=4, layers=2, d_ff=512, vocab=32, batch=64, length=32),
    "base": dict(d_model=512, heads=8, layers=2, d_ff=2048, vocab=32, batch=32, length=64),
    # demos/gpt's model (nn::GPTConfig's defaults): decoder-only, bytes, context 128.
    "gpt": dict(d_model=128, heads=4, layers=4, d_ff=512, vocab=258, batch=32, length=128),
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

    class GPT(nn.Module):
        """nanoGPT's model from torch.nn parts: pre-norm GELU blocks, learned positions, a
        final LayerNorm and the output layer tied to the token embedding, as nn::GPT."""

        def __init__(self):
            super().__init__()
            d = c["d_model"]
            self.token_embedding = nn.Embedding(c["vocab"], d)
            self.position_embedding = nn.Embedding(c["length"], d)
            layer = nn.TransformerEncoderLayer(d, c["heads"], c["d_ff"], dropout=0.0,
                                               activation="gelu", batch_first=True,
                                               norm_first=True)
            self.blocks = nn.TransformerEncoder(layer, c["layers"])
            self.norm = nn.LayerNorm(d)
            self.register_buffer("causal", torch.triu(
                torch.full((c["length"], c["length"]), float("-inf")), diagonal=1))

        def forward(self, ids):
            x = self.token_embedding(ids) + self.position_embedding.weight[: ids.shape[1]]
            h = self.norm(self.blocks(x, mask=self.causal))
            return h @ self.token_embedding.weight.t()

    if config_name == "gpt":
        model = GPT()
        ids = torch.randint(0, c["vocab"], (c["batch"], c["length"]))
        targets = torch.randint(0, c["vocab"], (c["batch"], c["length"]))
        optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)

        def step():
            if mode == "train":
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(ids).reshape(-1, c["vocab"]),
                                                   targets.reshape(-1))
                loss.backward()
                optimizer.step()
            else:
                with torch.no_grad():
                    model(ids)
        return measure(step, mode, model, c, seconds)

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

    return measure(step, mode, model, c, seconds)


def measure(step, mode, model, c, seconds):
    """Times `step` for at least `seconds` after two warm-up steps; prints the figures as JSON."""
    import torch
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
                      "cores_used": cores_used, "torch": torch.__version__,
                      "capability": torch_capability(torch), "blas": blas_in_use()}))


def torch_capability(torch):
    """The instruction set ATen's own kernels dispatched to, as PyTorch reports it."""
    found = re.search(r"CPU capability usage: (\S+)", torch.__config__.show())
    return found.group(1) if found else "unknown"


def blas_in_use():
    """The BLAS library this process loaded and, for OpenBLAS, the core it chose."""
    import ctypes
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.split("/")[-1]})
    for path in paths:
        library = ctypes.CDLL(path)
        if hasattr(library, "openblas_get_corename"):
            library.openblas_get_corename.restype = ctypes.c_char_p
            library.openblas_get_config.restype = ctypes.c_char_p
            version = library.openblas_get_config().decode().split()[1]
            return f"OpenBLAS {version}, core {library.openblas_get_corename().decode()}"
    return ", ".join(os.path.basename(p) for p in paths) or "none loaded"


# What --backend holds PyTorch to: ATEN_CPU_CAPABILITY and OPENBLAS_CORETYPE.
TORCH_HOLD = {"avx2": ("avx2", "Haswell"), "avx512": ("avx512", "SkylakeX")}


def run_torch(args, config_name, mode, threads, wait_policy):
    env = dict(os.environ)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["OMP_NUM_THREADS"] = str(threads)
    if args.backend in TORCH_HOLD:
        capability, core = TORCH_HOLD[args.backend]
        env.setdefault("ATEN_CPU_CAPABILITY", capability)
        env.setdefault("OPENBLAS_CORETYPE", core)
    if wait_policy:
        env["OMP_WAIT_POLICY"] = wait_policy
    output = subprocess.run(
        [args.python, os.path.abspath(__file__), "--child", config_name, mode, str(threads),
         str(args.seconds)], env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_attograd(args, config_name, mode, threads):
    env = dict(os.environ)
    if args.backend:
        env["ATTOGRAD_GEMM_BACKEND"] = args.backend
    name = f"{mode}/{config_name}/threads:{threads}"
    output = subprocess.run(
        [os.path.join(args.build, "bench", "bench_train"),
         f"--benchmark_filter=^{name}(/process_time)?$", f"--benchmark_min_time={args.seconds}",
         "--benchmark_format=json"], env=env, check=True, capture_output=True, text=True).stdout
    report = json.loads(output)
    result = report["benchmarks"][0]
    # Google Benchmark's cpu_time is the process's CPU time per iteration (all threads).
    return {"tokens_per_second": result["tokens_per_second"], "peak_rss_mb": result["peak_rss_mb"],
            "cores_used": result["cpu_time"] / result["real_time"],
            "backend": report["context"].get("gemm_backend", "unknown")}


def median_of(runs):
    """The median run's figures (by speed), with the largest peak memory of all the runs."""
    ordered = sorted(runs, key=lambda r: r["tokens_per_second"])
    middle = dict(ordered[(len(ordered) - 1) // 2])
    middle["tokens_per_second"] = statistics.median(r["tokens_per_second"] for r in runs)
    middle["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
    return middle


def cpu_name():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build_dir", nargs="?", help="the build folder (as --build)")
    parser.add_argument("--build", default="build/release", help="folder with bench/bench_train")
    parser.add_argument("--python", default=sys.executable, help="a python3 that has torch")
    parser.add_argument("--backend", choices=["avx2", "avx512", "neon", "scalar"],
                        help="attograd's GEMM backend, and PyTorch held to its instruction set")
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", 5)),
                        help="the least time of each run (default 5, or BENCH_SECONDS)")
    parser.add_argument("--repeats", type=int, default=int(os.environ.get("BENCH_REPEATS", 3)),
                        help="runs per side and case, taken in turn (default 3, or BENCH_REPEATS)")
    parser.add_argument("--configs", default="small,base,gpt",
                        help="comma-separated (small,base,gpt)")
    parser.add_argument("--modes", default="train,infer", help="comma-separated (train,infer)")
    parser.add_argument("--threads", help="comma-separated thread counts (default 1 and all)")
    args = parser.parse_args()
    args.build = args.build_dir or args.build
    args.repeats = max(1, args.repeats)
    for name in args.configs.split(","):
        if name not in CONFIGS:
            parser.error(f"--configs: unknown configuration '{name}' (small, base, gpt)")
    all_threads = os.cpu_count() or 1
    args.thread_counts = ([int(t) for t in args.threads.split(",")] if args.threads
                          else sorted({1, all_threads}))
    if subprocess.run([args.python, "-c", "import torch"], capture_output=True).returncode != 0:
        parser.error(f"{args.python} cannot import torch: install python3-torch, or give --python")
    if not os.access(os.path.join(args.build, "bench", "bench_train"), os.X_OK):
        parser.error(f"no {args.build}/bench/bench_train: build it first (make bench-compare does)")
    return args


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        torch_case(sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
        return
    args = parse_arguments()
    rows = []
    for config_name in args.configs.split(","):
        for mode in args.modes.split(","):
            if config_name == "gpt" and mode == "infer":
                continue  # bench_train times the GPT's training step only
            for threads in args.thread_counts:
                ours_runs, torch_runs = [], {None: [], "passive": []}
                for _ in range(args.repeats):  # in turn, so a slow spell hits both sides
                    ours_runs.append(run_attograd(args, config_name, mode, threads))
                    for policy in torch_runs:
                        torch_runs[policy].append(run_torch(args, config_name, mode, threads, policy))
                theirs = max((median_of(runs) for runs in torch_runs.values()),
                             key=lambda r: r["tokens_per_second"])
                rows.append((f"{mode}/{config_name}/threads:{threads}", median_of(ours_runs), theirs))
                print(f"  measured {rows[-1][0]}", file=sys.stderr, flush=True)
    ours, theirs = rows[0][1], rows[0][2]
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores")
    print(f"attograd: GEMM backend {ours['backend']} ({os.path.abspath(args.build)})")
    print(f"PyTorch {theirs['torch']} ({args.python}): CPU capability {theirs['capability']}, "
          f"{theirs['blas']}")
    print(f"median of {args.repeats} runs a side of at least {args.seconds:g} s, taken in turn; "
          "PyTorch at the better of its default and OMP_WAIT_POLICY=passive")
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
