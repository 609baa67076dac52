#!/usr/bin/env python3
"""Policy events as natural experiments (docs/validation.md, "Policy events").

For each dated change in the bundled timeline with data around it (visa-free travel
for Moldova 2014-04 and Georgia 2017-03; EU readmission agreements entering into force
for Armenia 2014-01, Azerbaijan 2014-09, Cape Verde 2014-12 and Belarus 2020-07), the
partner's baseline is calibrated with data up to the year before the event only
(`migflow calibrate --fit-cutoff`), then run with and without the event: the model's
predicted effect is ln(with / without) of the observable series over the three years
after it. Beside it, the observed change as a difference in differences: ln(after /
before) of the partner's series less the median of the same over partners without a
change of that kind in those years, with the controls' range as its uncertainty.

Usage: tools/natural_experiments.py BUILD_DIR [--particles N] [--replicates R]
       [--work DIR] [--markdown FILE] [--only PARTNER ...]
"""
import argparse
import csv
import math
import re
import statistics
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "scenarios" / "data"
FOLDER = {"CPV": "cape_verde", "MDA": "moldova", "GEO": "georgia", "ARM": "armenia", "AZE": "azerbaijan",
          "MAR": "morocco", "TUN": "tunisia", "JOR": "jordan", "BLR": "belarus"}

# (partner, kind, date, series, controls): controls have no change of that kind in the
# six years around the event (scenarios/data/visa_regimes.csv, readmission.csv).
EVENTS = [
    ("MDA", "visa liberalisation", "2014-04", "asylum", ["MAR", "TUN", "JOR", "BLR"]),
    ("GEO", "visa liberalisation", "2017-03", "asylum", ["MAR", "TUN", "JOR", "BLR"]),
    ("ARM", "readmission agreement", "2014-01", "returns", ["MAR", "TUN", "JOR", "BLR", "MDA"]),
    ("AZE", "readmission agreement", "2014-09", "returns", ["MAR", "TUN", "JOR", "BLR", "MDA"]),
    ("CPV", "readmission agreement", "2014-12", "returns", ["MAR", "TUN", "JOR", "BLR", "MDA"]),
    ("BLR", "readmission agreement", "2020-07", "returns", ["MAR", "TUN", "JOR", "MDA", "GEO", "ARM", "AZE", "CPV"]),
]
SERIES_NAMES = {"asylum": "first-time asylum applicants (Eurostat)",
                "returns": "returns following an order (Eurostat; 2012-2016 all destinations, later to third "
                           "countries)"}


def windows(date):
    """(before years, after years): three calendar years each; the event's own year
    counts as after when it took effect by June."""
    year, month = int(date[:4]), int(date[5:7])
    first = year if month <= 6 else year + 1
    return list(range(first - 3, first)), list(range(first, first + 3))


def read_rows(name):
    with open(DATA / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def observed_series(kind):
    """{(origin, year): value}, summed over the Member States."""
    out = {}
    if kind == "asylum":
        for r in read_rows("asylum_applications.csv"):
            key = (r["origin"], int(r["year"]))
            out[key] = out.get(key, 0) + float(r["applicants"])
        return out
    total, third = {}, {}
    for r in read_rows("enforcement.csv"):
        key = (r["origin"], int(r["year"]))
        if r["returned_total"]:
            total[key] = total.get(key, 0) + float(r["returned_total"])
        if r["returned_to_third_country"]:
            third[key] = third.get(key, 0) + float(r["returned_to_third_country"])
    # Before 2014 only all destinations; from 2017 only third countries. Where both are
    # published the ratio of the two splices them (the year's own where possible).
    for key in set(total) | set(third):
        out[key] = total.get(key, third.get(key))
    return out, total, third


def log_change(values, origin, before, after):
    """None unless at least two years on each side have data (Eurostat's returns by
    citizenship start in 2012, so a 2014 event has two years before it)."""
    b = [values[(origin, y)] for y in before if (origin, y) in values]
    a = [values[(origin, y)] for y in after if (origin, y) in values]
    if len(b) < 2 or len(a) < 2 or sum(b) <= 0 or sum(a) <= 0:
        return None
    return math.log(sum(a) / len(a)) - math.log(sum(b) / len(b))


def returns_values(before, after):
    """One return series per event window: all destinations when at least two years on
    each side have it, else to third countries."""
    _, total, third = observed_series("returns")
    def covered(values, years):
        return sum(any((o, y) in values for o in FOLDER) for y in years) >= 2
    if covered(total, before) and covered(total, after):
        return total, "all destinations"
    return third, "to third countries"


def run(cmd):
    print("+", " ".join(str(c) for c in cmd), file=sys.stderr)
    subprocess.run([str(c) for c in cmd], check=True)


def model_total(path, series, years):
    """Per replicate, the series summed over the Member States and the given years."""
    with h5py.File(path, "r") as f:
        dates = [d.decode() if isinstance(d, bytes) else str(d) for d in f["date"][:]]
        in_eu = f["destination_in_eu"][:].astype(bool)
        name = "asylum_applications" if series == "asylum" else "returns_executed"
        v = f[name][:]  # replicate, time, origin, destination
        steps = [i for i, d in enumerate(dates) if int(d[:4]) in years]
        return v[:, steps][:, :, :, in_eu].sum(axis=(1, 2, 3))


def scenario_text(partner, calibration, end_year, without=None):
    text = (REPO / "scenarios" / FOLDER[partner] / "baseline.yaml").read_text()
    world = REPO / "scenarios" / "worlds" / "mobility_partnerships.yaml"
    text = text.replace("extends: [../worlds/mobility_partnerships.yaml, calibration.yaml]",
                        f"extends: [{world}, {calibration}]")
    text += f"calendar: {{end: {end_year}-12}}\n"
    return text


def without_event(partner, kind, date, with_path):
    """A scenario without the event: the baseline's block with its other entries."""
    text = (REPO / "scenarios" / FOLDER[partner] / "baseline.yaml").read_text()
    lines = [f"extends: {with_path}", "policies:"]
    if kind == "visa liberalisation":
        block = re.search(r"  - id: visa_regimes_in_force\n(?:    .*\n)+", text).group(0)
        kept = [l for l in block.splitlines() if "liberalisation" not in l or "kind" not in l]
        lines += kept
    else:  # the partner's own agreement never enters into force
        block = re.search(r"  - id: readmission_as_agreed\n(?:    .*\n)+", text).group(0)
        lines += [re.sub(r"in_force: [0-9-]+", "in_force: 2199-12", l) if f"partner: {partner}," in l else l
                  for l in block.splitlines()]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--particles", type=int, default=64)
    ap.add_argument("--replicates", type=int, default=40)
    ap.add_argument("--work", default=str(REPO / "out" / "experiments"))
    ap.add_argument("--markdown", default=None)
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    migflow = Path(args.build).resolve() / "migflow"
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    rows = []
    for partner, kind, date, series, controls in EVENTS:
        if args.only and partner not in args.only:
            continue
        before, after = windows(date)
        cutoff = int(date[:4]) - 1
        tag = f"{FOLDER[partner]}_{cutoff}"
        calibration = work / f"{tag}.yaml"
        if not calibration.exists():
            run([migflow, "calibrate", REPO / "scenarios" / FOLDER[partner] / "baseline.yaml", "--fit-cutoff", cutoff,
                 "--particles", args.particles, "--write", calibration])
        with_path, without_path = work / f"{tag}_with.yaml", work / f"{tag}_without.yaml"
        with_path.write_text(scenario_text(partner, calibration, max(after[-1], 2020)))
        without_path.write_text(without_event(partner, kind, date, with_path))
        results = {}
        for name, path in (("with", with_path), ("without", without_path)):
            out = work / f"{tag}_{name}.h5"
            run([migflow, "run", path, "--replicates", args.replicates, "--out", out])
            results[name] = model_total(out, series, after)
        ratio = np.log(np.maximum(results["with"], 1) / np.maximum(results["without"], 1))
        predicted = float(np.median(ratio))
        lo, hi = float(np.quantile(ratio, 0.05)), float(np.quantile(ratio, 0.95))
        if series == "asylum":
            values, label = observed_series("asylum"), "first-time applicants"
        else:
            values, label = returns_values(before, after)
        treated = log_change(values, partner, before, after)
        changes = [c for c in (log_change(values, c, before, after) for c in controls) if c is not None]
        observed = None if treated is None or not changes else treated - statistics.median(changes)
        spread = (treated - max(changes), treated - min(changes)) if observed is not None else None
        rows.append(dict(partner=partner, kind=kind, date=date, series=f"{series} ({label})", before=before,
                         after=after, treated=treated, controls=len(changes), observed=observed, spread=spread,
                         predicted=predicted, lo=lo, hi=hi, cutoff=cutoff))
    md = markdown(rows, args)
    print(md)
    if args.markdown:
        Path(args.markdown).write_text(md)


def fmt(x):
    return "n/a" if x is None else f"{x:+.2f}"


def markdown(rows, args):
    out = ["| event | series | years before / after | fit cut-off | observed change | controls | observed DiD "
           "[controls' range] | predicted effect [90%] | ratio of the two |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        agree = "n/a"
        if r["observed"] is not None:
            agree = f"x{math.exp(r['predicted'] - r['observed']):.2f}"
        spread = "n/a" if r["spread"] is None else f"[{r['spread'][0]:+.2f}, {r['spread'][1]:+.2f}]"
        out.append(f"| {r['partner']} {r['kind']} {r['date']} | {r['series']} | {r['before'][0]}-{r['before'][-1]} / "
                   f"{r['after'][0]}-{r['after'][-1]} | {r['cutoff']} | {fmt(r['treated'])} | {r['controls']} | "
                   f"{fmt(r['observed'])} {spread} | {fmt(r['predicted'])} [{r['lo']:+.2f}, {r['hi']:+.2f}] | {agree} |")
    out.append("")
    out.append(f"Changes are ln(mean of the years after / mean of the years before). Observed DiD: the partner's "
               f"change less the median change of partners without such an event in those years (its controls); "
               f"the range is against the controls' largest and smallest change. Predicted effect: ln(with / "
               f"without the event) of the same series summed over the years after, from the baseline calibrated "
               f"to data up to the year before the event ({args.particles} particles), {args.replicates} replicates "
               f"(median and 90% over replicates, which draw the calibration's posterior). Ratio of the two: "
               f"exp(predicted - observed DiD); within a factor of 2 is 0.5 to 2.")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
