#!/usr/bin/env bash
# Builds migflow under sanitizers and runs the tests:
#   build-asan: AddressSanitizer + UndefinedBehaviorSanitizer (and LeakSanitizer), whole ctest suite;
#   build-tsan: ThreadSanitizer, the tests that run the engine on several threads.
# Debian's libtbb is not instrumented, so TSan cannot see the synchronisation inside it
# (task spawn, wait) and reports hundreds of false races, also at migflow frames, that no
# suppression of TBB frames alone can remove. So the TSan build links a TSan-instrumented
# oneTBB built from Debian's own source package of the installed version (fetched with
# apt-get source through a private sources list; the system's apt setup is untouched),
# cached in build-tsan-tbb/. No TSan suppressions are needed then.
# Usage: tools/sanitize.sh [asan|tsan|all]   (default all). Exits non-zero on any report.
#   MIGFLOW_WERROR=ON  compiler warnings are errors (CI).
# Only what the tests run is built (migflow, migflow_tests and the example it depends on;
# no benchmarks), at -O1 -g.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
what=${1:-all}
case "$what" in asan|tsan|all) ;; *) echo "usage: $0 [asan|tsan|all]" >&2; exit 2 ;; esac

# Tests run under TSan: everything that runs the engine (TBB parallel loops), the
# policy registry's thread-count checks and the CLI (which runs the real binary).
tsan_tests=${MIGFLOW_TSAN_TESTS:-'Engine|Registry|Expectation|Cli|checkpoint'}
# Skipped under both sanitizers: Cli.Sigterm* sends SIGTERM after 1.5 s of wall time and
# expects a step to have ended by then; with the sanitizers' slowdown the signal can land
# before the first step (a timing assumption, not a memory or threading error).
# Calibrate.SelfCheck* runs 20 calibrations to test the posterior's coverage: a
# statistical test of minutes; its code runs under the sanitizers in Calibrate.Same*.
# app.long_commands_resume signals long commands in mid-run (minutes when slowed down);
# the same stops and resumes run untimed in LongCommands.* and Bundled.*.
exclude=${MIGFLOW_SANITIZE_EXCLUDE:-'Sigterm|Sigint|SelfCheck|long_commands_resume'}

common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g"
        -DMIGFLOW_BUILD_BENCH=OFF -DMIGFLOW_BUILD_PYTHON=OFF -DMIGFLOW_BUILD_TESTS=ON "-DMIGFLOW_WERROR=${MIGFLOW_WERROR:-OFF}")

stamp() { date +%s; }
build() {  # build <dir> <sanitizers>
  cmake -S "$root" -B "$root/$1" "${common[@]}" "-DMIGFLOW_SANITIZE=$2" >/dev/null
  cmake --build "$root/$1" --target migflow_tests migflow -j2
}

# A TSan-instrumented libtbb of the installed version, in build-tsan-tbb/install.
tsan_tbb() {
  local dir=$root/build-tsan-tbb
  [ -f "$dir/install/lib/cmake/TBB/TBBConfig.cmake" ] && return 0
  local pkg ver
  pkg=$(dpkg-query -W -f='${source:Package}' libtbb-dev)
  ver=$(dpkg-query -W -f='${source:Version}' libtbb-dev)
  rm -rf "$dir" && mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache" "$dir/dl"
  # The machine's own package sources, as source-package sources, in a private apt
  # configuration (the system's stays untouched).
  mkdir -p "$dir/apt/parts"
  : >"$dir/apt/src.list"
  [ -f /etc/apt/sources.list ] && sed -n 's/^deb /deb-src /p' /etc/apt/sources.list >>"$dir/apt/src.list"
  for f in /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && sed -n 's/^deb /deb-src /p' "$f" >>"$dir/apt/src.list"; done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && sed 's/^Types:.*/Types: deb-src/' "$f" >"$dir/apt/parts/$(basename "$f")"
  done
  local o=(-o "Dir::Etc::SourceList=$dir/apt/src.list" -o "Dir::Etc::SourceParts=$dir/apt/parts"
           -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache" -o Debug::NoLocking=1)
  apt-get "${o[@]}" update -qq
  (cd "$dir/dl" && apt-get "${o[@]}" source -qq --download-only "$pkg=$ver" && dpkg-source -x --no-check ./*.dsc src >/dev/null)
  cmake -S "$dir/dl/src" -B "$dir/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
        -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBB_STRICT=OFF -DTBBMALLOC_BUILD=OFF \
        "-DCMAKE_INSTALL_PREFIX=$dir/install" >/dev/null
  cmake --build "$dir/build" -j2 >/dev/null
  cmake --install "$dir/build" >/dev/null
}

status=0
if [ "$what" != tsan ]; then
  t0=$(stamp)
  # Reports from the test discovery step at build time use the same options.
  export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
  export ASAN_OPTIONS=detect_leaks=1:check_initialization_order=1:detect_stack_use_after_return=1:abort_on_error=0
  build build-asan address,undefined
  t1=$(stamp)
  ctest --test-dir "$root/build-asan" --output-on-failure -j2 -E "$exclude" || status=1
  t2=$(stamp)
  echo "sanitize: asan+ubsan build $((t1 - t0)) s, tests $((t2 - t1)) s, $([ $status -eq 0 ] && echo clean || echo FAILED)"
  unset UBSAN_OPTIONS ASAN_OPTIONS
fi
if [ "$what" != asan ]; then
  tstatus=0
  t0=$(stamp)
  export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
  tsan_tbb
  common+=("-DTBB_DIR=$root/build-tsan-tbb/install/lib/cmake/TBB")
  build build-tsan thread
  t1=$(stamp)
  ctest --test-dir "$root/build-tsan" --output-on-failure -j2 -R "$tsan_tests" -E "$exclude" || tstatus=1
  t2=$(stamp)
  echo "sanitize: tsan build $((t1 - t0)) s, tests ($tsan_tests) $((t2 - t1)) s, $([ $tstatus -eq 0 ] && echo clean || echo FAILED)"
  [ $tstatus -eq 0 ] || status=1
fi
exit $status
