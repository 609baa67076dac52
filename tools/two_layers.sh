#!/usr/bin/env bash
# The two layers of competence for some partners (docs/attribution.md): for each, its
# baseline, "EU layer only" and "EU and Member States" runs, their comparison, and the
# Shapley split of the EU-and-Member-States package between the EU layer (its eu_*
# blocks as one player) and the Member States' blocks (the other).
# Usage: tools/two_layers.sh BUILD_DIR OUT_DIR PARTNER...   (e.g. moldova georgia morocco)
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
out=$2
shift 2
mkdir -p "$out"
for partner in "$@"; do
  start=$(date +%s)
  for kind in baseline eu_layer eu_and_member_states; do
    "$build/migflow" run "scenarios/$partner/$kind.yaml" --out "$out/${partner}_$kind.h5" 2> /dev/null
  done
  "$build/migflow" compare "$out/${partner}_baseline.h5" "$out/${partner}_eu_layer.h5" \
    "$out/${partner}_eu_and_member_states.h5" --markdown "$out/${partner}_two_layers.md" \
    --csv "$out/${partner}_two_layers.csv" > /dev/null
  eu=$(grep -o 'id: eu_[a-z_]*' "scenarios/$partner/eu_layer.yaml" | cut -d' ' -f2 | paste -sd+)
  # The Member States' blocks: those of eu_and_member_states.yaml's own policies list.
  ms=$(grep -o 'id: member_state_[a-z_]*' "scenarios/$partner/eu_and_member_states.yaml" | cut -d' ' -f2 | paste -sd+)
  "$build/migflow" attribute "scenarios/$partner/eu_and_member_states.yaml" \
    --blocks "eu_layer=$eu,member_states=$ms" --markdown "$out/${partner}_two_layers_attribution.md" \
    --csv "$out/${partner}_two_layers_attribution.csv" > /dev/null 2>&1
  echo "$partner: $(( $(date +%s) - start )) s"
done
