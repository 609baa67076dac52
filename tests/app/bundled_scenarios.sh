#!/usr/bin/env bash
# Every bundled scenario loads and validates (scenarios/<partner>/*.yaml but the
# fragments other files extend: calibrations and projection policies; default.yaml,
# all_partners/), and the generated files are what
# tools/build_partnership_scenarios.py writes from scenarios/data/ (no hand edits).
# Usage: bundled_scenarios.sh MIGFLOW REPO
set -euo pipefail
migflow=$1
repo=$2
cd "$repo"
/usr/bin/python3 tools/build_partnership_scenarios.py --check > /dev/null
count=0
for f in scenarios/default.yaml scenarios/*/*.yaml; do
  case "$f" in
    scenarios/packages/* | scenarios/worlds/* | scenarios/data/* | */calibration.yaml | */projection_calibration.yaml | \
      */projection_policies.yaml) continue ;;
  esac
  "$migflow" validate "$f" > /dev/null
  count=$((count + 1))
done
# Nine partners with five scenarios each and four projection scenarios (history, baseline and
# the two packages), plus default and the two all_partners.
[ "$count" -ge 84 ] || { echo "only $count bundled scenarios validated" >&2; exit 1; }
echo "$count bundled scenarios valid"
