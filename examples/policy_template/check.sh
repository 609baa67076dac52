#!/usr/bin/env bash
# Runs the policy template's scenario and the default scenario it extends, and checks
# that the module acted (more legal arrivals in DEU and ITA, the share it set recorded)
# and that its group in the file says what made it.
# Usage: check.sh PROGRAM SCENARIO WORK_DIR
set -euo pipefail
program=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$program" run "$scenario" --out "$work/with.h5" --replicates 2 --threads 2
"$program" run "$(dirname "$scenario")/../../scenarios/default.yaml" --out "$work/without.h5" --replicates 2 --threads 2
/usr/bin/python3 - "$work/with.h5" "$work/without.h5" <<'PY'
import sys
import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as w, h5py.File(sys.argv[2], "r") as wo:
    g = w["policies/pathways"]
    assert g.attrs["module"] == b"legal_pathways", g.attrs["module"]
    assert g.attrs["legal_access"] == 0.6, g.attrs["legal_access"]
    share = g["legal_access"][:, -1]  # (replicate, partner, member_state) at the last step
    assert np.all(share == 0.6), share
    dest = [d.decode() for d in w["destination"][:]]
    cols = [dest.index("DEU"), dest.index("ITA")]
    legal = lambda f: f["arrivals"][:, :, :, cols, 0].sum()  # (replicate, time, origin, destination, channel)
    assert legal(w) > 1.2 * legal(wo), (legal(w), legal(wo))
    print("policy template: legal arrivals in DEU and ITA %.0f -> %.0f" % (legal(wo), legal(w)))
PY
