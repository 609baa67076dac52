#!/usr/bin/env bash
# Calibrates every partner's baseline (scenarios/<partner>/baseline.yaml) to the UN DESA
# stocks of 2010 and 2015 and the Frontex detections of 2009-2015, backtests on the 2020
# stocks and the 2016-2020 detections, and rewrites scenarios/<partner>/calibration.yaml.
# The per-target tables go to out/calibration/<partner>.md and the summary to stdout.
# Usage: tools/calibrate_all.sh [BUILD_DIR] [partner ...]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
partners=("$@")
[ ${#partners[@]} -gt 0 ] || partners=(cape_verde moldova georgia armenia azerbaijan morocco tunisia jordan belarus)
mkdir -p out/calibration
echo "| partner | stocks: fit RMSE ln (before) | fit RMSE ln (after) | backtest RMSE ln 2020 | detections 2009-2015: observed, model (ln error before) | detections 2016-2020: observed, model | irregular_propensity | evaluations | stock targets (fit, backtest, below resolution) |"
echo "|---|---|---|---|---|---|---|---|---|"
for p in "${partners[@]}"; do
  "$build/migflow" calibrate "scenarios/$p/baseline.yaml" --write "scenarios/$p/calibration.yaml" > "out/calibration/$p.md"
  fit=$(grep '^fit_rmse_ln' "out/calibration/$p.md")
  back=$(grep '^backtest_rmse_ln' "out/calibration/$p.md" | awk '{print $2}')
  det() { grep "^| [A-Z]* | $1 |" "out/calibration/$p.md" | awk -F'|' '{gsub(/^ +| +$/, "", $4); gsub(/^ +| +$/, "", $5); print $4 ", " $5}'; }
  det_before=$(grep '^detection_error_ln' "out/calibration/$p.md" | sed -E 's/.*before: ([0-9.]+).*/\1/')
  propensity=$(grep '^irregular_propensity' "out/calibration/$p.md" | awk '{print $2}')
  echo "| $p | $(echo "$fit" | sed -E 's/.*before: ([0-9.]+), ([0-9]+) evaluations.*/\1/') | $(echo "$fit" | awk '{print $2}') | $back | $(det 2009-2015) ($det_before) | $(det 2016-2020) | $propensity | $(echo "$fit" | sed -E 's/.*, ([0-9]+) evaluations.*/\1/') | $(grep '^targets' "out/calibration/$p.md" | sed -E 's/targets: ([0-9]+) fitted, ([0-9]+) backtested, ([0-9]+) below.*/\1, \2, \3/') |"
done
