# attograd's front door: thin targets over the CMake presets in CMakePresets.json.
# Each target first installs what is missing (scripts/install-deps.sh), then configures,
# builds and runs. `make help` lists them.

SHELL := /bin/bash
JOBS ?= $(shell nproc 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 60
CMAKE_ARGS ?=
DEPS := scripts/install-deps.sh
PYTHON ?= /usr/bin/python3

.PHONY: help demo gpt test test-fresh test-asan test-aarch64 bench bench-compare bench-compare-fresh results docs fuzz build clean format

help:
	@echo "make demo       build and train the reverse demo, then draw what it learned"
	@echo "make gpt        build and train a GPT on the fortunes, then write text from it"
	@echo "make test       build and run the whole test suite (CTest + Catch2)"
	@echo "make test-fresh the two commands above on fresh Debian 12 and 13 roots (root; debootstrap)"
	@echo "make test-asan  the test suite under AddressSanitizer + UBSan (clang)"
	@echo "make test-aarch64  the GEMM and thread-pool tests cross-compiled for ARM (NEON), run under qemu"
	@echo "make bench      build and run the benchmarks (Google Benchmark)"
	@echo "make bench-compare  attograd and PyTorch on the same training step, side by side"
	@echo "make bench-compare-fresh  the same inside a fresh Debian 13 root (PyTorch 2.6; root)"
	@echo "make results    measure the matmul ladder into docs/results/gemm_ladder.csv, which the docs draw"
	@echo "make docs       build the tutorial site and API reference into build/docs/html"
	@echo "make fuzz       run each libFuzzer target for FUZZ_SECONDS (default 60) from its corpus"
	@echo "make build      configure and build the release preset"
	@echo "make format     clang-format every C++ source"
	@echo "make clean      remove build/"

build:
	@$(DEPS) build
	cmake --preset release $(CMAKE_ARGS)
	cmake --build --preset release --parallel $(JOBS)

demo:
	@$(DEPS) build
	cmake --preset release $(CMAKE_ARGS)
	cmake --build --preset release --parallel $(JOBS) --target reverse
	./build/release/demos/reverse --out out/reverse
	@echo
	@echo "Open out/reverse/attention_cross.svg in a browser: each heatmap shows, for every output"
	@echo "token (row), how much one attention head looked at each source token (column)."

gpt:
	@$(DEPS) gpt
	cmake --preset release $(CMAKE_ARGS)
	cmake --build --preset release --parallel $(JOBS) --target gpt
	./build/release/demos/gpt --out out/gpt
	./build/release/demos/gpt --generate --out out/gpt --prompt "The computer"

test:
	@$(DEPS) test
	cmake --preset release $(CMAKE_ARGS)
	cmake --build --preset release --parallel $(JOBS)
	ctest --preset release --parallel $(JOBS)

# The README's two commands on fresh Debian 12 and 13 roots (scripts/test-fresh.sh says more).
test-fresh:
	scripts/test-fresh.sh

test-asan:
	@$(DEPS) asan
	cmake --preset asan $(CMAKE_ARGS)
	cmake --build --preset asan --parallel $(JOBS)
	ctest --preset asan --parallel $(JOBS)

# The NEON micro-kernel proven, not just written: the GEMM and thread-pool tests cross-compiled
# for aarch64 (statically, so qemu-user needs no ARM libraries) and run under emulation.
AARCH64_SOURCES := core/parallel.cpp core/kernels/gemm_reference.cpp core/kernels/gemm_packing.cpp \
  core/kernels/microkernel_scalar.cpp core/kernels/microkernel_avx2.cpp \
  core/kernels/microkernel_avx512.cpp \
  core/kernels/microkernel_neon.cpp core/kernels/gemm_ladder.cpp core/kernels/gemm.cpp \
  core/kernels/gemm_blocking.cpp \
  tests/test_main.cpp tests/test_gemm.cpp tests/test_parallel.cpp
test-aarch64:
	@$(DEPS) aarch64
	@test -e /usr/include/catch2/catch.hpp || { echo "test-aarch64 compiles Catch2 v2's single" \
	  "header for ARM (Debian 12's catch2); this machine has Catch2 v3"; exit 1; }
	mkdir -p build/aarch64
	aarch64-linux-gnu-g++ -std=c++20 -O2 -Wall -Wextra -Wpedantic -static -pthread -I. \
	  -idirafter /usr/include $(AARCH64_SOURCES) -o build/aarch64/test_gemm
	qemu-aarch64 build/aarch64/test_gemm

bench:
	@$(DEPS) bench
	cmake --preset release $(CMAKE_ARGS)
	cmake --build --preset release --parallel $(JOBS) --target bench_autograd bench_gemm bench_train bench_attention \
	  bench_tokenizer bench_decoding
	./build/release/bench/bench_autograd
	./build/release/bench/bench_gemm
	./build/release/bench/bench_train
	./build/release/bench/bench_attention
	./build/release/bench/bench_tokenizer
	./build/release/bench/bench_decoding

# attograd and PyTorch side by side (bench/compare_pytorch.py says more). PYTHON is any python3
# with torch (Debian's is installed when it is the default); COMPARE_ARGS are the script's
# flags, such as --backend avx2. bench-compare-fresh runs it inside a fresh Debian 13 root.
bench-compare:
	@$(DEPS) $(if $(filter /usr/bin/python3,$(PYTHON)),compare,bench)
	cmake --preset release $(CMAKE_ARGS)
	cmake --build --preset release --parallel $(JOBS) --target bench_train
	$(PYTHON) bench/compare_pytorch.py --build build/release --python $(PYTHON) $(COMPARE_ARGS)

bench-compare-fresh:
	scripts/bench-compare-fresh.sh $(COMPARE_ARGS)

# Measured figures the docs draw but never measure: run on an idle machine, commit the file.
results:
	@$(DEPS) bench
	cmake --preset release $(CMAKE_ARGS)
	cmake --build --preset release --parallel $(JOBS) --target bench_gemm
	python3 bench/gemm_ladder_results.py --bench build/release/bench/bench_gemm \
	  --out docs/results/gemm_ladder.csv

docs:
	@$(DEPS) docs
	cmake --preset release $(CMAKE_ARGS)
	cmake --build --preset release --parallel $(JOBS) --target docs
	@echo "Open build/docs/html/index.html in a browser (it works offline)."

fuzz:
	@$(DEPS) asan
	cmake --preset fuzz $(CMAKE_ARGS)
	cmake --build --preset fuzz --parallel $(JOBS) --target fuzz_checkpoint
	@for target in checkpoint; do \
	  scratch=$$(mktemp -d); \
	  echo "fuzzing $$target for $(FUZZ_SECONDS) s"; \
	  ./build/fuzz/fuzz/fuzz_$$target -max_total_time=$(FUZZ_SECONDS) -timeout=10 \
	    -print_final_stats=1 -artifact_prefix=build/fuzz/crash-$$target- \
	    $$scratch fuzz/corpus/$$target 2>&1 | grep -E "^(stat::number_of_executed_units|stat::new_units_added|==|SUMMARY|Done)" ; \
	  status=$${PIPESTATUS[0]}; rm -rf $$scratch; \
	  if [ $$status -ne 0 ]; then echo "fuzz_$$target found a crash: see build/fuzz/crash-$$target-*"; exit 1; fi; \
	done

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf build
