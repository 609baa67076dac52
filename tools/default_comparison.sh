#!/usr/bin/env bash
# The main job: the default scenario (Moldova as agreed, scenarios/default.yaml)
# against the security-heavy and the mobility-heavy partnership packages, each with
# its replicates; then the comparison table, the figures and the HTML report. Then,
# briefly, the two layers of competence: the EU layer alone against the EU and the
# Member States together, and how much of the latter each layer buys (Shapley values,
# `migflow attribute` with each layer's blocks as one player). Between the two, the
# same three forward: Moldova 2025-2035 from the 2024 data.
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

# Forward: Moldova from the 2024 data, 2025-2035, under the policies as they stand and
# under each package from 2025 (docs/scenarios.md, "Projections").
projections=("$out/projection_baseline.h5" "$out/projection_security_heavy.h5" "$out/projection_mobility_heavy.h5")
for kind in baseline security_heavy mobility_heavy; do
  "$build/migflow" run "scenarios/moldova/projection_$kind.yaml" --out "$out/projection_$kind.h5" 2> /dev/null
done
"$build/migflow" compare "${projections[@]}" --csv "$out/projection_comparison.csv" \
  --markdown "$out/projection_comparison.md" > /dev/null
"$build/migflow" report "${projections[@]}" --out "$out/projection_report.html"
echo
echo "Forward, Moldova 2025-2035 from the 2024 data (renewing population, WPP 2024; GDP on SSP2): each package"
echo "minus the policies as they stand, totals over 2025-2035 (all rows in $out/projection_comparison.md):"
grep -E "^\| (indicator|---|arrivals_legal|arrivals_irregular|stock_irregular_end|returns_executed|remittances) " \
  "$out/projection_comparison.md" | cut -d'|' -f2,3,7,8 | sed 's/$/|/'

# The two layers (tools/two_layers.sh writes moldova_two_layers*.md and .csv).
bash tools/two_layers.sh "$build" "$out" moldova > /dev/null
echo
echo "The two layers of competence (Moldova): EU layer only, and EU and Member States, minus the baseline;"
echo "then each layer's Shapley share of the EU-and-Member-States package (all in $out/moldova_two_layers*.md):"
grep -E "^\| (indicator|---|arrivals_legal|arrivals_irregular|stock_irregular_end|returns_executed|abroad_outside_eu_end) " "$out/moldova_two_layers.md" | cut -d'|' -f2,3,7,8 | sed 's/$/|/'
# The attribution table's rows of those indicators (a block's rows leave the indicator cell empty).
awk -F'|' '/^\| indicator/ || /^\|---/ {print; next} /^\|/ {if ($2 !~ /^ *$/) keep = ($2 ~ /^ (arrivals_legal|stock_irregular_end|returns_executed|abroad_outside_eu_end) /); if (keep) print}' \
  "$out/moldova_two_layers_attribution.md"
echo
echo "Results in $out/: baseline.h5 security_heavy.h5 mobility_heavy.h5 projection_*.h5 moldova_*.h5 (HDF5/netCDF-4),"
echo "comparison.md and comparison.csv (with per-Member-State rows), projection_comparison.md/.csv,"
echo "moldova_two_layers*.md/.csv, figures/*.png, report.html and projection_report.html"
echo "(one self-contained page: table, figures, settings that differ, provenance) ($(( $(date +%s) - start )) s)."
