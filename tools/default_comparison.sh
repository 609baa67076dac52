#!/usr/bin/env bash
# The main job: the default scenario (Moldova as agreed, scenarios/default.yaml)
# against the security-heavy and the mobility-heavy partnership packages, each with
# its replicates; then the comparison table, the figures and the HTML report.
# Usage: tools/default_comparison.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=${2:-out/default}
mkdir -p "$out"
start=$(date +%s)
"$build/migflow" run scenarios/default.yaml --out "$out/baseline.h5"
"$build/migflow" run scenarios/moldova/security_heavy.yaml --out "$out/security_heavy.h5"
"$build/migflow" run scenarios/moldova/mobility_heavy.yaml --out "$out/mobility_heavy.h5"
runs=("$out/baseline.h5" "$out/security_heavy.h5" "$out/mobility_heavy.h5")
"$build/migflow" compare "${runs[@]}" --by-member-state --csv "$out/comparison.csv" --markdown "$out/comparison.md" \
  > /dev/null
"$build/migflow" compare "${runs[@]}"
/usr/bin/python3 tools/plot_compare.py "${runs[@]}" --labels baseline,security_heavy,mobility_heavy --out "$out/figures"
"$build/migflow" report "${runs[@]}" --out "$out/report.html"
echo
echo "Results in $out/: baseline.h5 security_heavy.h5 mobility_heavy.h5 (HDF5/netCDF-4),"
echo "comparison.md and comparison.csv (with per-Member-State rows), figures/*.png, and report.html"
echo "(one self-contained page: table, figures, settings that differ, provenance) ($(( $(date +%s) - start )) s)."
