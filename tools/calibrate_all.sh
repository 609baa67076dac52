#!/usr/bin/env bash
# Calibrates every partner's baseline (scenarios/<partner>/baseline.yaml) by tempered SMC
# against the data up to the fit cut-off (docs/calibration.md) and rewrites
# scenarios/<partner>/calibration.yaml with the posterior sample. Each partner's tables
# (posterior per parameter, posterior predictive check per fitted value) go to
# out/calibration/<partner>.md; a summary line per partner to stdout.
# Usage: tools/calibrate_all.sh [BUILD_DIR] [partner ...]
#   MIGFLOW_PARTICLES=N  SMC particles (default: the command's, 256)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
shift || true
partners=("$@")
[ ${#partners[@]} -gt 0 ] || partners=(cape_verde moldova georgia armenia azerbaijan morocco tunisia jordan belarus)
particles=()
[ -n "${MIGFLOW_PARTICLES:-}" ] && particles=(--particles "$MIGFLOW_PARTICLES")
mkdir -p out/calibration
echo "| partner | fitted values | inside their 90% posterior predictive interval | SMC |"
echo "|---|---|---|---|"
for p in "${partners[@]}"; do
  "$build/migflow" calibrate "scenarios/$p/baseline.yaml" "${particles[@]}" --write "out/calibration/$p.yaml" \
    > "out/calibration/$p.md"
  # The baseline extends the file being replaced: write it only once the run succeeded.
  mv "out/calibration/$p.yaml" "scenarios/$p/calibration.yaml"
  fitted=$(sed -nE 's/^fitted: (.*)/\1/p' "out/calibration/$p.md")
  inside=$(sed -nE 's/^inside_90_percent: (.*)/\1/p' "out/calibration/$p.md")
  smc=$(sed -nE 's/^smc: (.*)/\1/p' "out/calibration/$p.md")
  echo "| $p | $fitted | $inside | $smc |"
done
