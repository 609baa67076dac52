#!/usr/bin/env bash
# Calibrates each partner's projections (docs/scenarios.md, "Projections"): its
# projection_history.yaml (the baseline from 2005 with projection_policies.yaml: a
# renewing population, national schemes sized by the permits up to the projection
# cut-off) fitted to every datum up to that cut-off (UN DESA 2024 revision, Eurostat,
# Frontex), written to scenarios/<partner>/projection_calibration.yaml, which
# projection_baseline.yaml extends; the calibration's report beside it (.md).
# Usage: tools/calibrate_projections.sh BUILD_DIR [partner ...]
#   MIGFLOW_PARTICLES=N  SMC particles (default 64, as the shipped calibrations)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$1" && pwd)
shift
partners=("$@")
[ ${#partners[@]} -gt 0 ] || partners=(cape_verde moldova georgia armenia azerbaijan morocco tunisia jordan belarus)
particles=${MIGFLOW_PARTICLES:-64}
# PROJECTION_CUTOFF of tools/build_partnership_scenarios.py: the history's last year.
cutoff=2023
cd "$repo"
for p in "${partners[@]}"; do
  target="scenarios/$p/projection_calibration.yaml"
  "$build/migflow" calibrate "scenarios/$p/projection_history.yaml" --fit-cutoff "$cutoff" --revision 2024 \
    --particles "$particles" --write "$target.tmp" > "scenarios/$p/projection_calibration.md"
  mv "$target.tmp" "$target"
done
