#!/usr/bin/python3
"""Each partner's calibrated baseline against the data: stocks abroad in mid-2020 (UN DESA)
and irregular border crossings 2009-2020 (Frontex detections), as a markdown table.

Usage: tools/partner_table.py [BUILD_DIR] [--replicates R] [--out DIR]
Runs `migflow run scenarios/<partner>/baseline.yaml` for the nine partners and reads the
files with h5py. The model's detections are its irregular crossings into a destination
over the external border plus its interceptions there, as `migflow calibrate` counts them.
"""
import argparse
import csv
import subprocess
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parent.parent
PARTNERS = {"cape_verde": "CPV", "moldova": "MDA", "georgia": "GEO", "armenia": "ARM", "azerbaijan": "AZE",
            "morocco": "MAR", "tunisia": "TUN", "jordan": "JOR", "belarus": "BLR"}


def labels(f, name):
    return [v.decode() for v in f[name][:]]


def summarise(path, iso3):
    with h5py.File(path, "r") as f:
        dates, status, dests = labels(f, "date"), labels(f, "status"), labels(f, "destination")
        nodes, origins, edges = labels(f, "node"), labels(f, "origin"), labels(f, "edge")
        o = origins.index(iso3)
        july = dates.index("2020-07")
        abroad = [nodes.index(d) for d in dests]
        stocks = f["stocks_by_origin"][:, july, o, :, :]  # (replicate, node, status)
        held = [status.index("regular"), status.index("irregular")]
        abroad_2020 = stocks[:, abroad][:, :, held].sum(axis=(1, 2)).mean()
        steps = [i for i, d in enumerate(dates) if "2009-01" <= d <= "2020-12"]
        # Inward edges of the external border: from outside the destinations into one.
        inward = [i for i, e in enumerate(edges) if e.split("->")[1] in dests and e.split("->")[0] not in dests]
        irregular = labels(f, "channel").index("irregular")
        # flows and interceptions are summed over origins; a partner's world has one origin.
        assert len(origins) == 1, "one origin per partner scenario"
        crossed = f["flows"][:, steps][:, :, inward, irregular].sum(axis=(1, 2))
        caught = f["border_interceptions"][:, steps][:, :, inward].sum(axis=(1, 2))
        arrivals = f["arrivals"][:, steps, o, :, irregular].sum(axis=(1, 2))
        return abroad_2020, (crossed + caught).mean(), arrivals.mean(), len(f["replicate"][:])


def observed(iso3, dests):
    with open(REPO / "scenarios/data/diaspora.csv") as fh:
        stock = sum(float(r["persons"]) for r in csv.DictReader(fh)
                    if r["origin"] == iso3 and r["year"] == "2020" and r["destination"] in dests)
    with open(REPO / "scenarios/data/frontex_detections.csv") as fh:
        detected = sum(float(r["detections"]) for r in csv.DictReader(fh)
                       if r["origin"] == iso3 and 2009 <= int(r["year"]) <= 2020)
    return stock, detected


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("build", nargs="?", default="build")
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument("--out", default="out/partners")
    args = parser.parse_args()
    out = REPO / args.out
    out.mkdir(parents=True, exist_ok=True)
    print(f"| partner | abroad mid-2020, model (mean of {args.replicates}) | UN DESA 2020 | "
          "border detections 2009-2020, model | Frontex detections 2009-2020 | irregular arrivals 2009-2020, model |")
    print("|---|---|---|---|---|---|")
    for partner, iso3 in PARTNERS.items():
        path = out / f"{partner}.h5"
        subprocess.run([str(Path(args.build) / "migflow"), "run", str(REPO / f"scenarios/{partner}/baseline.yaml"),
                        "--replicates", str(args.replicates), "--out", str(path)], check=True,
                       stderr=subprocess.DEVNULL)
        abroad, detections, arrivals, _ = summarise(path, iso3)
        with h5py.File(path, "r") as f:
            dests = set(labels(f, "destination"))
        stock, detected = observed(iso3, dests)
        print(f"| {iso3} | {abroad:,.0f} | {stock:,.0f} | {detections:,.0f} | {detected:,.0f} | {arrivals:,.0f} |")


if __name__ == "__main__":
    main()
