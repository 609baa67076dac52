#!/usr/bin/env bash
# The install rule: `cmake --install` into a fresh prefix, then the installed migflow
# runs its bundled default scenario (and names other bundled scenarios) from an
# unrelated folder, with no help from the source or build tree.
# Usage: install_run.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=$1 work=$2
rm -rf "$work" && mkdir -p "$work/elsewhere"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
migflow=$work/prefix/bin/migflow
for f in share/migflow/scenarios/default.yaml share/migflow/scenarios/data/diaspora.csv \
         share/migflow/scenarios/worlds/mobility_partnerships.yaml share/migflow/tools/plot_compare.py; do
  [ -f "$work/prefix/$f" ] || { echo "FAIL: not installed: $f" >&2; exit 1; }
done
cd "$work/elsewhere"
env -u MIGFLOW_DATA_DIR "$migflow" validate moldova/security_heavy > validate.log
grep -q "valid" validate.log || { cat validate.log; echo "FAIL: bundled scenario by name" >&2; exit 1; }
env -u MIGFLOW_DATA_DIR "$migflow" run default --out run.h5 --replicates 2 --threads 2
h5dump -a /title run.h5 | grep -q "Moldova" || { echo "FAIL: run.h5 is not the default scenario's" >&2; exit 1; }
echo "installed migflow ran the bundled default scenario from $PWD"
