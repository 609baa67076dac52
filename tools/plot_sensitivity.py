#!/usr/bin/python3
"""Draw the Sobol indices written by `migflow sensitivity --csv FILE` as one PNG.

Usage:
    /usr/bin/python3 tools/plot_sensitivity.py INDICES.csv --out FIGURE.png [--title TEXT]

One panel per indicator: for each parameter a bar of its first-order index (the share
of the indicator's variance it explains alone) and one of its total-order index (alone
and in interaction with the others), each with its bootstrap interval as an error bar.
Parameters are sorted by total-order index, largest on top. Indices are shares of
variance, so the axis runs from 0 to 1; estimates may fall slightly below 0 or above 1
by sampling error and are drawn as estimated.

Needs only Debian 12 packages: python3-matplotlib, python3-numpy.
"""

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

COLUMNS = ["indicator", "parameter", "order", "index", "low", "high"]


def read_indices(path):
    """{indicator: {parameter: {order: (index, low, high)}}}, in file order."""
    table = defaultdict(dict)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            sys.exit(f"{path}: line 1: expected the columns {','.join(COLUMNS)} (migflow sensitivity --csv)")
        for line, row in enumerate(reader, start=2):
            try:
                values = tuple(float(row[k]) for k in ("index", "low", "high"))
            except (TypeError, ValueError):
                sys.exit(f"{path}: line {line}: index, low and high must be numbers")
            if row["order"] not in ("first", "total"):
                sys.exit(f"{path}: line {line}: order must be first or total, not {row['order']!r}")
            table[row["indicator"]].setdefault(row["parameter"], {})[row["order"]] = values
    if not table:
        sys.exit(f"{path}: no indices")
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv")
    parser.add_argument("--out", required=True, help="PNG file to write")
    parser.add_argument("--title", default="", help="figure title")
    args = parser.parse_args()
    table = read_indices(args.csv)

    indicators = list(table)
    rows = max(len(p) for p in table.values())
    fig, axes = plt.subplots(
        1, len(indicators), figsize=(4.2 * len(indicators) + 1.5, 0.42 * rows + 1.6), squeeze=False, sharey=False
    )
    for ax, indicator in zip(axes[0], indicators):
        params = table[indicator]
        names = sorted(params, key=lambda p: params[p].get("total", (0, 0, 0))[0])
        y = np.arange(len(names))
        for offset, order, colour in ((0.2, "first", "#4477aa"), (-0.2, "total", "#cc6677")):
            est = np.array([params[n].get(order, (np.nan,) * 3) for n in names])
            err = np.vstack([np.clip(est[:, 0] - est[:, 1], 0, None), np.clip(est[:, 2] - est[:, 0], 0, None)])
            ax.barh(y + offset, est[:, 0], height=0.38, color=colour, label=f"{order} order", xerr=err, capsize=2)
        ax.set_yticks(y, names, fontsize=8)
        ax.set_xlim(min(0, ax.get_xlim()[0]), max(1, ax.get_xlim()[1]))
        ax.axvline(0, color="black", linewidth=0.6)
        ax.set_title(indicator, fontsize=9)
        ax.set_xlabel("Sobol index (share of variance)")
    axes[0][0].legend(fontsize=8, loc="lower right")
    if args.title:
        fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
