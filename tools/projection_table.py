#!/usr/bin/python3
"""Each partner's projections 2025-2035 (docs/scenarios.md, "Projections from today"):
the policies as they stand, and what each package changes, as a markdown table.

Usage: tools/projection_table.py [BUILD_DIR] [--replicates R] [--out DIR]
Runs `migflow run scenarios/<partner>/projection_{baseline,security_heavy,mobility_heavy}.yaml`
and `migflow compare` on the three, and reads the comparison's CSV: means over the
replicates with their 95% intervals (parameter draws, chance and, on observed levels,
the model discrepancy), differences paired by replicate.
"""
import argparse
import csv
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PARTNERS = {"cape_verde": "CPV", "moldova": "MDA", "georgia": "GEO", "armenia": "ARM", "azerbaijan": "AZE",
            "morocco": "MAR", "tunisia": "TUN", "jordan": "JOR", "belarus": "BLR"}
KINDS = ("baseline", "security_heavy", "mobility_heavy")


def rows_of(path):
    """{(indicator, scenario index): row} of a comparison CSV (totals, not per state)."""
    out, titles = {}, []
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            if r["member_state"]:
                continue
            if r["scenario"] not in titles:
                titles.append(r["scenario"])
            out[(r["indicator"], titles.index(r["scenario"]))] = r
    return out


def thousands(x):
    return f"{float(x) / 1000:,.1f}"


def level(r):
    return f"{thousands(r['mean'])} [{thousands(r['low'])}, {thousands(r['high'])}]"


def diff(r):
    return f"{thousands(r['diff_vs_first'])} [{thousands(r['diff_low'])}, {thousands(r['diff_high'])}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--replicates", type=int, default=40)
    ap.add_argument("--out", default="out/projections")
    args = ap.parse_args()
    migflow = Path(args.build).resolve() / "migflow"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("| partner | abroad in the EU end of 2035, regular + irregular (thousands) | legal arrivals 2025-2035 "
          "| security-heavy minus baseline: returns executed | mobility-heavy minus baseline: legal arrivals "
          "| mobility-heavy minus baseline: irregular stock end of 2035 |")
    print("|---|---|---|---|---|---|")
    for folder, iso3 in PARTNERS.items():
        runs = []
        for kind in KINDS:
            path = out / f"{folder}_{kind}.h5"
            subprocess.run([str(migflow), "run", str(REPO / "scenarios" / folder / f"projection_{kind}.yaml"),
                            "--replicates", str(args.replicates), "--out", str(path)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            runs.append(str(path))
        table = out / f"{folder}_comparison.csv"
        subprocess.run([str(migflow), "compare", *runs, "--csv", str(table)], check=True, stdout=subprocess.DEVNULL)
        r = rows_of(table)
        regular, irregular = r[("stock_regular_end", 0)], r[("stock_irregular_end", 0)]
        abroad = float(regular["mean"]) + float(irregular["mean"])
        print(f"| {iso3} | {abroad / 1000:,.1f} | {level(r[('arrivals_legal', 0)])} | "
              f"{diff(r[('returns_executed', 1)])} | {diff(r[('arrivals_legal', 2)])} | "
              f"{diff(r[('stock_irregular_end', 2)])} |")


if __name__ == "__main__":
    main()
