#!/usr/bin/env bash
# A backtest at another fit cut-off (docs/validation.md): every partner's baseline is
# calibrated to data up to CUTOFF only (UN DESA 2024 revision, Eurostat and Frontex),
# then run as shipped past it and scored on the years after, up to TEST_YEAR: the
# stocks of TEST_YEAR (2024 revision) and the flows in between, beside persistence and
# trend. Run once, when the work it tests is done, and reported as it comes out.
# Usage: tools/backtest_cutoff.sh BUILD_DIR CUTOFF TEST_YEAR OUT_DIR [partner ...]
#   MIGFLOW_PARTICLES=N  SMC particles (default 64)
#   MIGFLOW_DEMOGRAPHY=renewing  calibrate and run the baselines with a renewing population
#                        (docs/model.md, "Population"), as the projections run
#   MIGFLOW_RESTART=1    also restart each from the last stocks up to CUTOFF, as a projection
#                        starts from the latest data
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
cutoff=$2
test_year=$3
out=$(mkdir -p "$4" && cd "$4" && pwd)
shift 4
partners=("$@")
[ ${#partners[@]} -gt 0 ] || partners=(cape_verde moldova georgia armenia azerbaijan morocco tunisia jordan belarus)
particles=${MIGFLOW_PARTICLES:-64}
demography=${MIGFLOW_DEMOGRAPHY:-closed}
scenarios=()
for p in "${partners[@]}"; do
  calibration="$out/${p}_calibration.yaml"
  if [ ! -s "$calibration" ]; then
    "$build/migflow" calibrate "$repo/scenarios/$p/baseline.yaml" --set "demography.mode=$demography" \
      --fit-cutoff "$cutoff" --revision 2024 \
      --particles "$particles" --write "$calibration.tmp" > "$out/${p}_calibration.md"
    mv "$calibration.tmp" "$calibration"
  fi
  # The shipped baseline with this calibration in place of the bundled one.
  sed -e "s|extends: \[../worlds/mobility_partnerships.yaml, calibration.yaml\]|extends: [$repo/scenarios/worlds/mobility_partnerships.yaml, $calibration]|" \
    "$repo/scenarios/$p/baseline.yaml" > "$out/${p}_baseline.yaml"
  printf 'demography: {mode: %s}\n' "$demography" >> "$out/${p}_baseline.yaml"
  scenarios+=("$out/${p}_baseline.yaml")
done
restart=(--no-restart)
[ "${MIGFLOW_RESTART:-0}" = 1 ] && restart=()
"$build/migflow" backtest "${scenarios[@]}" --fit-cutoff "$cutoff" --test-year "$test_year" --revision 2024 \
  "${restart[@]}" --no-2024 --markdown "$out/validation_$cutoff.md" --csv "$out/validation_$cutoff.csv"
