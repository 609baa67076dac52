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
# The Python package, where Debian's python3 looks under this prefix (lib/python3.X/dist-packages
# for a prefix other than /usr and ~/.local, which a PYTHONPATH names here), finds the same data.
# (Only in builds that have the package: the sanitizer builds leave it out.)
if ls "$build"/python/migflow/_core*.so > /dev/null 2>&1; then
package=$(echo "$work"/prefix/lib/python3.*/dist-packages)
[ -f "$package/migflow/__init__.py" ] || { echo "FAIL: Python package not installed under $work/prefix/lib" >&2; exit 1; }
env -u MIGFLOW_DATA_DIR PYTHONPATH="$package" /usr/bin/python3 -c "
import migflow
ds = migflow.run('default', replicates=2, threads=2, progress=False)
assert 'Moldova' in ds.attrs['title'] and ds.sizes['replicate'] == 2, ds
" || { echo "FAIL: the installed Python package did not run the bundled default scenario" >&2; exit 1; }
fi
echo "installed migflow (and its Python package) ran the bundled default scenario from $PWD"
