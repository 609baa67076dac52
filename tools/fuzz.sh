#!/usr/bin/env bash
# Builds the scenario-loader fuzzer fuzz/fuzz_scenario (clang-16, libFuzzer, ASan, UBSan)
# in build-fuzz/ and runs it for a bounded time over the seeds in fuzz/corpus, with the
# dictionary fuzz/scenario.dict.
# Usage: tools/fuzz.sh [SECONDS]   (default 60)
#   MIGFLOW_FUZZ_RUNS=N  instead: exactly N inputs from seed 1 (deterministic, for CI).
#   MIGFLOW_FUZZ_KEEP_GOING=1  keep fuzzing after a finding (fork mode), to collect several.
#   MIGFLOW_WERROR=ON  compiler warnings are errors (CI).
# Exits non-zero when the fuzzer found a crash, timeout, out-of-memory or leak; the input
# is in build-fuzz/findings/ (reproduce: build-fuzz/fuzz/fuzz_scenario FILE; keep it in
# tests/data/fuzz_regressions/). New interesting inputs accumulate in build-fuzz/corpus/.
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
cmake --build "$root/build-fuzz" --target fuzz_scenario -j2
t1=$(date +%s)

for s in llvm-symbolizer-16 llvm-symbolizer llvm-symbolizer-14; do
  if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH; ASAN_SYMBOLIZER_PATH=$(command -v "$s"); break; fi
done
export ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1

work=$root/build-fuzz/corpus findings=$root/build-fuzz/findings
mkdir -p "$work" "$findings"
rm -f "$findings"/crash-* "$findings"/timeout-* "$findings"/oom-* "$findings"/leak-* "$findings"/slow-unit-*
mode=()
[ "${MIGFLOW_FUZZ_KEEP_GOING:-0}" = 1 ] && mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
# The first folder receives new inputs; the seeds in fuzz/corpus are only read.
# CI sets MIGFLOW_FUZZ_RUNS: a fixed number of inputs from a fixed seed and a fresh
# corpus is the same work on every machine, so a CI result does not depend on its speed.
limit=(-max_total_time="$secs")
[ -n "${MIGFLOW_FUZZ_RUNS:-}" ] && limit=(-runs="$MIGFLOW_FUZZ_RUNS" -seed=1)
"$root/build-fuzz/fuzz/fuzz_scenario" "${mode[@]}" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 \
  -max_len=8192 -dict="$root/fuzz/scenario.dict" -artifact_prefix="$findings/" -print_final_stats=1 \
  "$work" "$root/fuzz/corpus" && rc=0 || rc=$?
t2=$(date +%s)

found=$(find "$findings" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' \) | sort)
echo "fuzz: build $((t1 - t0)) s, fuzzing $((t2 - t1)) s, corpus $(find "$work" -type f | wc -l) inputs"
if [ -n "$found" ]; then
  echo "fuzz: FINDINGS (reproduce with build-fuzz/fuzz/fuzz_scenario FILE):"
  echo "$found"
  exit 1
fi
if [ "$rc" -ne 0 ]; then
  echo "fuzz: the fuzzer exited with status $rc without saving an input" >&2
  exit "$rc"
fi
echo "fuzz: no findings"
