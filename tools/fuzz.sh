#!/usr/bin/env bash
# Builds the libFuzzer targets (clang-16, libFuzzer, ASan, UBSan) in build-fuzz/ and runs
# each for a bounded time, one after the other:
#   fuzz_scenario    the scenario loader     seeds fuzz/corpus, dictionary fuzz/scenario.dict
#   fuzz_run         validation + 3 steps    seeds fuzz/corpus_run and fuzz/corpus
#   fuzz_checkpoint  the checkpoint reader   seeds fuzz/checkpoint/corpus
#   fuzz_run_file    compare and report on structurally edited run files (no seeds)
# Usage: tools/fuzz.sh [SECONDS]   (default 60, for each target)
#   MIGFLOW_FUZZ_RUNS=N  instead: a fixed number of inputs from seed 1 (deterministic, for
#                        CI): N for fuzz_scenario, N/4 for fuzz_run and fuzz_checkpoint,
#                        N/20 for fuzz_run_file.
#   MIGFLOW_FUZZ_KEEP_GOING=1  keep fuzzing after a finding (fork mode), to collect several.
#   MIGFLOW_WERROR=ON  compiler warnings are errors (CI).
# Exits non-zero when the fuzzer found a crash, timeout, out-of-memory or leak; the input
# is in build-fuzz/findings/, named after its target (reproduce: build-fuzz/fuzz/<target>
# FILE; keep it in tests/data/fuzz_regressions/). Each target's log is there too. New
# interesting inputs accumulate in build-fuzz/corpus/<target>/.
# clang-16 rather than Debian 12's default clang-14: the loader captures structured
# bindings in lambdas (C++20), which clang supports from version 16.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-60}

bash "$root/tools/setup.sh" clang-16 libclang-rt-16-dev

t0=$(date +%s)
CC=clang-16 CXX=clang++-16 cmake -S "$root" -B "$root/build-fuzz" -DMIGFLOW_FUZZ=ON -DMIGFLOW_BUILD_TESTS=OFF -DMIGFLOW_BUILD_PYTHON=OFF \
  -DMIGFLOW_BUILD_BENCH=OFF -DMIGFLOW_BUILD_EXAMPLES=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "-DMIGFLOW_WERROR=${MIGFLOW_WERROR:-OFF}" >/dev/null
cmake --build "$root/build-fuzz" --target fuzz_scenario fuzz_run fuzz_checkpoint fuzz_run_file -j2
t1=$(date +%s)

for s in llvm-symbolizer-16 llvm-symbolizer llvm-symbolizer-14; do
  if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH; ASAN_SYMBOLIZER_PATH=$(command -v "$s"); break; fi
done
export ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

# The first folder receives new inputs; the seeds are only read.
# CI sets MIGFLOW_FUZZ_RUNS: a fixed number of inputs from a fixed seed and a fresh
# corpus is the same work on every machine, so a CI result does not depend on its speed.
# $1: target, $2: runs (with MIGFLOW_FUZZ_RUNS), then libFuzzer's options and seed folders.
fuzz() {
  local target=$1 runs=$2
  shift 2
  local limit=(-max_total_time="$secs")
  [ -n "${MIGFLOW_FUZZ_RUNS:-}" ] && limit=(-runs="$runs" -seed=1)
  local start rc
  start=$(date +%s)
  mkdir -p "$work/$target"
  "$root/build-fuzz/fuzz/$target" "${mode[@]}" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/$target-" -print_final_stats=1 "$@" >"$findings/$target.log" 2>&1 && rc=0 || rc=$?
  grep -E '^stat::number_of_executed_units|^Done|^INFO: -max_total_time|ERROR|FINDING' "$findings/$target.log" || true
  echo "fuzz: $target: $(($(date +%s) - start)) s, exit $rc, corpus $(find "$work/$target" -type f | wc -l) inputs"
  [ "$rc" -eq 0 ] || status=$rc
}

work=$root/build-fuzz/corpus findings=$root/build-fuzz/findings
mkdir -p "$work" "$findings"
rm -f "$findings"/*crash-* "$findings"/*timeout-* "$findings"/*oom-* "$findings"/*leak-* "$findings"/*slow-unit-*
mode=()
[ "${MIGFLOW_FUZZ_KEEP_GOING:-0}" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
status=0

# fuzz_checkpoint's seeds are real checkpoints of this version: each must be accepted
# (a stale seed would leave the fuzzer only the fingerprint check to explore).
if ! MIGFLOW_FUZZ_EXPECT_ACCEPT=1 "$root/build-fuzz/fuzz/fuzz_checkpoint" "$root"/fuzz/checkpoint/corpus/* \
  >"$findings/seeds.log" 2>&1; then
  grep -E 'FINDING|ERROR' "$findings/seeds.log" >&2 || cat "$findings/seeds.log" >&2
  echo "fuzz: the seed checkpoints are refused: make them again with fuzz/checkpoint/make_seeds.sh" >&2
  exit 1
fi

# Run counts for CI (MIGFLOW_FUZZ_RUNS=N): fuzz_scenario N, fuzz_run and fuzz_checkpoint
# N/4 each, fuzz_run_file N/20 (each input copies a run file, edits it with HDF5, and
# compares and reports it: about 26 inputs a second here, 2,000 in 77 s). Measured on the 2-core CI machine (2026-12-02, under nice beside a calibration
# job) with N = 40000: fuzz_scenario 91 s, fuzz_run 27 s (it runs 3 steps per input),
# fuzz_checkpoint 11 s; with the larger build (42 sources instead of 22) the two new
# targets add about 3 minutes to CI (docs/reliability.md).
n=${MIGFLOW_FUZZ_RUNS:-0}
fuzz fuzz_scenario "$n" -max_len=8192 -dict="$root/fuzz/scenario.dict" "$work/fuzz_scenario" "$root/fuzz/corpus"
fuzz fuzz_run $((n / 4)) -max_len=8192 -dict="$root/fuzz/scenario.dict" "$work/fuzz_run" "$root/fuzz/corpus_run" \
  "$root/fuzz/corpus"
fuzz fuzz_checkpoint $((n / 4)) -max_len=16384 -dict="$root/fuzz/checkpoint/checkpoint.dict" "$work/fuzz_checkpoint" \
  "$root/fuzz/checkpoint/corpus"
fuzz fuzz_run_file $((n / 20)) -max_len=512 "$work/fuzz_run_file"
t2=$(date +%s)

found=$(find "$findings" -maxdepth 1 -type f \( -name '*crash-*' -o -name '*timeout-*' -o -name '*oom-*' -o -name '*leak-*' \) | sort)
echo "fuzz: build $((t1 - t0)) s, fuzzing $((t2 - t1)) s"
if [ -n "$found" ]; then
  echo "fuzz: FINDINGS (reproduce with build-fuzz/fuzz/<target> FILE; the name starts with the target):"
  echo "$found"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "fuzz: a fuzzer exited with status $status without saving an input (its log: build-fuzz/findings/)" >&2
  exit "$status"
fi
echo "fuzz: no findings"
