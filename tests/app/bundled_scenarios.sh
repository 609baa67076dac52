#!/usr/bin/env bash
# Every bundled scenario loads and validates (scenarios/<partner>/*.yaml but the
# calibration files, default.yaml, all_partners/), and the generated files are what
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
    scenarios/packages/* | scenarios/worlds/* | scenarios/data/* | */calibration.yaml) continue ;;
  esac
  "$migflow" validate "$f" > /dev/null
  count=$((count + 1))
done
# Nine partners with six files each, of which five are scenarios, plus default and the two all_partners.
[ "$count" -ge 48 ] || { echo "only $count bundled scenarios validated" >&2; exit 1; }
echo "$count bundled scenarios valid"
