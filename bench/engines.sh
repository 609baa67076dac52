#!/usr/bin/env bash
# The stepped and the event-driven engine side by side (bench/README.md, "Event-driven
# engine"): each measurement runs both, one after the other, so they compare as ratios
# on this shared, noisy machine. Usage: bench/engines.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# $1: label, then migflow bench's arguments; prints one line per engine.
both() {
  local label=$1
  shift
  for engine in stepped event; do
    printf '%s %s ' "$label" "$engine"
    "$build/migflow" bench "$@" --no-comparison --engine "$engine" |
      grep -E 'agent_steps_per_s|bytes_per_agent|looks_per_agent_step|peak_rss_mb|init_s|run_s' | tr '\n' ' '
    echo
  done
}

echo "## Agents: all four policies (bench/all_policies.yaml), 192 steps, 2 threads"
for n in 100000 1000000 10000000; do both "agents=$n" bench/all_policies.yaml --agents "$n" --threads 2; done

echo "## Threads: 1e7 agents"
both "threads=1" bench/all_policies.yaml --agents 10000000 --threads 1

echo "## Steps: 1e6 agents, 48 and 192 steps"
for t in 48 192; do both "steps=$t" bench/all_policies.yaml --agents 1000000 --steps "$t" --threads 2; done

echo "## Event rates: the small test world at 1e6 agents, 36 steps, emigration_rate varied"
for rate in 0.0005 0.002 0.008 0.032; do
  printf 'extends: %s\nmodel: {emigration_rate: %s}\n' "$PWD/tests/data/small.yaml" "$rate" > "$tmp/rate.yaml"
  both "emigration_rate=$rate" "$tmp/rate.yaml" --agents 1000000 --threads 2
done

echo "## The full-scale world (scenarios/all_partners/baseline.yaml, 58.8 million agents)"
both "full_world" scenarios/all_partners/baseline.yaml --threads 2
