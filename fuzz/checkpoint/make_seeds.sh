#!/usr/bin/env bash
# Saves fuzz_checkpoint's seeds (fuzz/checkpoint/corpus/) with a real migflow: runs
# fuzz/checkpoint/scenario.yaml on one thread with a checkpoint after every step, stops
# it with SIGTERM (which saves one), and keeps the one that says what is wanted:
#   in_progress_step2     replicate 0 in progress after 2 steps         (mode byte '0')
#   finished_replicate0   replicate 0 finished, replicate 1 not started (mode byte '3')
# A seed file is: the mode byte, manifest.yaml, a line "#--rank--", the rank file
# (fuzz/fuzz_checkpoint.cpp). Needed after a change of the checkpoint format, of the
# scenario or of migflow's version (tools/fuzz.sh says so when the seeds are refused).
# Usage: fuzz/checkpoint/make_seeds.sh MIGFLOW_BINARY
set -euo pipefail
migflow=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cp "$here/scenario.yaml" scenario.yaml

# $1: seed name, $2: mode byte, $3: a line the manifest must hold (grep -x pattern).
save() {
  for delay in 0.02 0.025 0.03 0.032 0.034 0.036 0.038 0.04 0.045 0.05 0.06 0.08 0.1 0.15 0.2 0.3 0.4 0.6; do
    for _ in 1 2 3; do
      rm -rf ck out.h5 out.partial.h5
      "$migflow" run scenario.yaml --out out.h5 --threads 1 --checkpoint ck --checkpoint-every 1 2>/dev/null &
      local pid=$!
      sleep "$delay"
      kill -TERM $pid 2>/dev/null || true
      wait $pid || true
      if [ -e ck/manifest.yaml ] && grep -qx -- "$3" ck/manifest.yaml; then
        { printf '%s' "$2"; cat ck/manifest.yaml; printf '#--rank--\n'; cat ck/rank0.gen*.bin; } > "$here/corpus/$1"
        echo "$1: $(wc -c < "$here/corpus/$1") bytes"
        return 0
      fi
    done
  done
  echo "make_seeds: could not stop the run where $1 wants it" >&2
  return 1
}
mkdir -p "$here/corpus"
save in_progress_step2 0 "      - {replicate: 0, steps_done: 2}"
save finished_replicate0 3 "      \[\]"
