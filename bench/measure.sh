#!/usr/bin/env bash
# The measurements behind bench/README.md, in one run (compare variants as ratios:
# the machine is shared and noisy). Usage: bench/measure.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "## Google Benchmark: the step, all four policies (bench/all_policies.yaml), median of 3"
"$build/bench/migflow_bench" --benchmark_filter='run_phase/step/' --benchmark_min_time=1 \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null | grep median
echo "## Phases at 1e7 agents"
"$build/bench/migflow_bench" --benchmark_filter='run_phase/(update|decide|resolve_apply|record)/agents:10000000/' \
  --benchmark_min_time=1 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true 2>/dev/null | grep median

echo "## migflow bench (default scenario scaled to 1e7 agents, 2 threads)"
"$build/migflow" bench --agents 10000000 --threads 2

echo "## Policies: none vs all four, 1e7 agents, 120 steps, alternating, 3 rounds"
printf 'extends: %s\npolicies: []\n' "$PWD/bench/all_policies.yaml" > "$tmp/none.yaml"
for round in 1 2 3; do
  for s in "$tmp/none.yaml" bench/all_policies.yaml; do
    printf '%s ' "$(basename "$s")"
    "$build/migflow" bench "$s" --agents 10000000 --steps 120 --no-comparison | grep agent_steps_per_s
  done
done

echo "## Nodes: a 5-node world vs the 57-node world, 1e6 agents, 120 steps"
for s in tests/data/small.yaml scenarios/moldova/baseline.yaml; do
  printf '%s ' "$s"
  "$build/migflow" bench "$s" --agents 1000000 --steps 120 --no-comparison | grep agent_steps_per_s
done

echo "## Steps: 48 vs 192 steps, 1e6 agents"
for t in 48 192; do
  printf 'steps %s ' "$t"
  "$build/migflow" bench --agents 1000000 --steps "$t" --no-comparison | grep -E 'agent_steps_per_s'
done
