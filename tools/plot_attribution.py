#!/usr/bin/python3
"""Draw the Shapley attribution written by `migflow attribute --csv FILE` as one PNG.

Usage:
    /usr/bin/python3 tools/plot_attribution.py VALUES.csv [VALUES.csv ...] --out FIGURE.png
        [--indicators arrivals_legal,stock_irregular_end,...] [--title TEXT]

One row of panels per file (a package), one panel per indicator: for each policy block
a bar of its Shapley value (its share of the package's effect, in the indicator's
unit) with the 95% interval over replicates as an error bar, a diamond at the block's
effect alone (switched on by itself), and, in grey, the package's effect (every block
on minus none), which the bars add up to. A diamond away from its bar is an
interaction with the other blocks.

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
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402

COLUMNS = [
    "indicator", "unit", "block", "value", "low", "high", "share", "share_low", "share_high",
    "alone", "alone_low", "alone_high", "sampling_error", "replicates", "method",
]
# The headline indicators in persons that the partnership comparisons turn on.
DEFAULT_INDICATORS = "arrivals_legal,stock_irregular_end,returns_executed,abroad_outside_eu_end"


def read_values(path):
    """({indicator: {block: (value, low, high, alone)}}, {indicator: unit}), in file order."""
    table, units = defaultdict(dict), {}
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != COLUMNS:
            sys.exit(f"{path}: line 1: expected the columns {','.join(COLUMNS)} (migflow attribute --csv)")
        for line, row in enumerate(reader, start=2):
            try:
                values = tuple(float(row[k]) for k in ("value", "low", "high", "alone"))
            except (TypeError, ValueError):
                sys.exit(f"{path}: line {line}: value, low, high and alone must be numbers")
            table[row["indicator"]][row["block"]] = values
            units[row["indicator"]] = row["unit"]
    if not table:
        sys.exit(f"{path}: no values")
    return table, units


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("csv", nargs="+")
    parser.add_argument("--out", required=True, help="PNG file to write")
    parser.add_argument("--indicators", default=DEFAULT_INDICATORS, help=f"comma-separated (default {DEFAULT_INDICATORS})")
    parser.add_argument("--labels", default="", help="comma-separated row labels, one per file (default: file names)")
    parser.add_argument("--title", default="", help="figure title")
    args = parser.parse_args()
    indicators = [i for i in args.indicators.split(",") if i]
    labels = args.labels.split(",") if args.labels else [Path(p).stem for p in args.csv]
    if len(labels) != len(args.csv):
        sys.exit(f"--labels: {len(labels)} labels for {len(args.csv)} files")
    files = [read_values(p) for p in args.csv]
    for path, (table, _) in zip(args.csv, files):
        missing = [i for i in indicators if i not in table]
        if missing:
            sys.exit(f"{path}: no indicator {', '.join(missing)} (it has: {', '.join(table)})")

    rows = max(len(t[indicators[0]]) for t, _ in files)
    fig, axes = plt.subplots(
        len(files), len(indicators), figsize=(3.6 * len(indicators) + 1.8, (0.45 * rows + 1.4) * len(files)),
        squeeze=False,
    )
    for r, ((table, units), label) in enumerate(zip(files, labels)):
        for ax, indicator in zip(axes[r], indicators):
            blocks = [b for b in table[indicator] if b != "package"] + ["package"]
            est = np.array([table[indicator][b] for b in blocks])
            y = np.arange(len(blocks))[::-1]
            err = np.vstack([np.clip(est[:, 0] - est[:, 1], 0, None), np.clip(est[:, 2] - est[:, 0], 0, None)])
            colours = ["#4477aa"] * (len(blocks) - 1) + ["#999999"]
            ax.barh(y, est[:, 0], height=0.6, color=colours, xerr=err, capsize=2)
            alone = est[:-1, 3]
            ax.scatter(alone, y[:-1], marker="D", s=22, facecolors="none", edgecolors="#cc6677", zorder=3,
                       label="effect alone")
            ax.axvline(0, color="black", linewidth=0.6)
            ax.set_yticks(y, blocks, fontsize=8)
            ax.set_title(f"{indicator}" if r == 0 else "", fontsize=9)
            ax.set_xlabel(f"Shapley value ({units[indicator]})", fontsize=8)
            ax.tick_params(axis="x", labelsize=7)
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(4))
        axes[r][0].set_ylabel(label, fontsize=9)
    axes[0][0].legend(fontsize=7, loc="lower left")
    if args.title:
        fig.suptitle(args.title, fontsize=10)
    fig.tight_layout()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(args.out, dpi=120)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
