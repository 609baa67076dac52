#!/usr/bin/python3
"""Compare several migflow runs in PNG figures.

Usage:
    /usr/bin/python3 tools/plot_compare.py RUN.h5 RUN.h5 [...] --out DIR [--labels a,b,c]

Each RUN.h5 is the HDF5/netCDF-4 file written by `migflow run`. For every
quantity the line is the mean over a run's replicates and the shaded band (or
error bar) spans the 2.5-97.5 percentiles across replicates. The figures and a
short DIR/figures.md describing them are written to DIR.

Needs only Debian 12 packages: python3-xarray, python3-h5netcdf, python3-numpy,
python3-matplotlib, python3-pandas.
"""

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import xarray as xr  # noqa: E402

DPI = 150
BAND = (0.025, 0.975)  # quantiles spanned by the band / error bars
TITLE_SEPARATOR = " - "

# Variables the figures use, with the dimensions they select on or keep; every other
# dimension a variable has in the file (its layout is declared once, in migflow's
# sim/core_series.cpp, and the file carries it) is summed over by name.
REQUIRED = {
    "stocks": ("replicate", "time", "node", "status"),
    "arrivals": ("replicate", "time", "destination", "channel"),
    "border_interceptions": ("replicate", "time"),
    "return_orders": ("replicate", "time"),
    "returns_executed": ("replicate", "time"),
    "transit_wait": ("replicate", "time", "node"),
    "remittances": ("replicate", "time"),
}
REQUIRED_LABELS = {
    "status": ("in_transit", "regular", "irregular"),
    "channel": ("legal", "irregular"),
}


class InputError(Exception):
    """A run file cannot be used; the message says why."""


@dataclass
class Run:
    label: str
    path: Path
    ds: xr.Dataset
    color: str

    @property
    def replicates(self):
        return self.ds.sizes["replicate"]

    @property
    def step_months(self):
        return int(self.ds.attrs.get("step_months", 1))

    def destinations(self, in_eu):
        """Destination labels that are also nodes, in the EU or outside it
        (`destination_in_eu`; files without it have Member States only)."""
        nodes = set(self.ds["node"].values.tolist())
        labels = self.ds["destination"].values.tolist()
        if "destination_in_eu" in self.ds.variables:
            flags = self.ds["destination_in_eu"].values.tolist()
        else:
            flags = [1] * len(labels)
        return [d for d, f in zip(labels, flags) if d in nodes and bool(f) == in_eu]

    @property
    def member_states(self):
        return self.destinations(True)


# --------------------------------------------------------------------------- input


def open_run(path):
    """Open one run file and check that it has everything the figures use."""
    try:
        ds = xr.open_dataset(path, engine="h5netcdf")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file")
    except Exception as err:  # h5py/h5netcdf raise a variety of types
        raise InputError(f"{path}: cannot open as HDF5/netCDF-4 ({err})")
    for name, dims in REQUIRED.items():
        if name not in ds.variables:
            raise InputError(f"{path}: variable '{name}' is missing")
        missing = [d for d in dims if d not in ds[name].dims]
        if missing:
            raise InputError(
                f"{path}: variable '{name}' has dims {ds[name].dims}, without {', '.join(missing)}"
            )
    for coord, labels in REQUIRED_LABELS.items():
        present = set(ds[coord].values.tolist())
        missing = [label for label in labels if label not in present]
        if missing:
            raise InputError(f"{path}: coordinate '{coord}' lacks {', '.join(missing)}")
    if not np.issubdtype(ds["time"].dtype, np.datetime64):
        raise InputError(f"{path}: time coordinate is not decoded to datetimes")
    return ds


def default_labels(datasets, paths):
    """Scenario titles, minus a prefix such as 'Moldova - ' shared by all of them.

    Returns (labels, prefix); prefix is '' when nothing was stripped.
    """
    titles = [str(ds.attrs.get("title", "")).strip() for ds in datasets]
    labels = [t if t else p.stem for t, p in zip(titles, paths)]
    prefix = ""
    heads = {t.split(TITLE_SEPARATOR, 1)[0] for t in titles if TITLE_SEPARATOR in t}
    if len(titles) > 1 and all(TITLE_SEPARATOR in t for t in titles) and len(heads) == 1:
        prefix = heads.pop()
        labels = [t.split(TITLE_SEPARATOR, 1)[1] for t in titles]
    if len(set(labels)) < len(labels):  # same title twice: tell them apart by file
        labels = [f"{label} ({p.stem})" for label, p in zip(labels, paths)]
    return labels, prefix


# --------------------------------------------------------------------- reductions


def annual_totals(da, step_months=1):
    """Sum `da` over everything but replicate and time, then over calendar years.

    Returns a (replicate, year) DataArray. Years the run covers only partly are
    dropped, since their totals are not comparable with full years.
    """
    other = [d for d in da.dims if d not in ("replicate", "time")]
    series = da.sum(other)
    totals = series.groupby("time.year").sum("time")
    months = series["time"].groupby("time.year").count() * step_months
    return totals.sel(year=months["year"][months >= 12])


def persons_abroad(run, status):
    """End-of-month persons with `status` in the Member States, (replicate, time)."""
    return run.ds["stocks"].sel(status=status, node=run.member_states).sum("node")


def only(da, dim, labels):
    """`da` with the cells outside `labels` on `dim` set to 0 (an empty list gives zeros;
    selecting no labels from a lazily read file fails in Debian 12's xarray)."""
    return da.where(da[dim].isin(labels), 0.0)


def residents_outside_eu(run):
    """End-of-month residents (every status but visitors and those in transit) of the
    destinations outside the EU, (replicate, time); zero when the world has none."""
    nodes = run.destinations(False)
    statuses = [s for s in ("regular", "irregular", "asylum_seeker", "exploited") if s in run.ds["status"].values.tolist()]
    return only(run.ds["stocks"].sel(status=statuses), "node", nodes).sum(["node", "status"])


def annual_transit_wait(run):
    """Persons-weighted mean months waited in transit, per (replicate, year).

    Weights are the in-transit stocks at each node and month, so a year's value
    is the average wait of a person-month spent in transit that year.
    """
    weights = run.ds["stocks"].sel(status="in_transit")
    wait = run.ds["transit_wait"]
    weighted = annual_totals(wait * weights, run.step_months)
    persons = annual_totals(weights, run.step_months)
    return weighted / persons.where(persons > 0)


# ------------------------------------------------------------------------ drawing


def draw_runs(ax, runs, series, scale=1.0, markers=True):
    """Draw mean line and 95%-of-replicates band of `series(run)` for each run.

    `series` maps a Run to a (replicate, x) DataArray; x is `year` or `time`.
    """
    for run in runs:
        da = series(run) / scale
        xdim = next(d for d in da.dims if d != "replicate")
        x = da[xdim].values
        low, high = da.quantile(BAND, dim="replicate").values
        ax.fill_between(x, low, high, color=run.color, alpha=0.2, linewidth=0)
        ax.plot(
            x,
            da.mean("replicate").values,
            color=run.color,
            marker="o" if markers else None,
            markersize=4,
            linewidth=1.8,
            label=run.label,
        )
    ax.grid(True, alpha=0.3)
    ax.set_ylim(bottom=0)


def style_year_axis(ax):
    ax.set_xlabel("calendar year")
    ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))


def replicate_note(runs, what="line: mean of"):
    counts = sorted({run.replicates for run in runs})
    n = str(counts[0]) if len(counts) == 1 else "/".join(str(r.replicates) for r in runs)
    return f"{what} {n} replicates; band: 95% of replicates (2.5-97.5 percentile)"


def finish(fig, runs, title, caption, path, bars=False):
    """Title, caption and a shared scenario legend around the panels; save.

    The panels are laid out first, inside a frame that leaves fixed room (in
    inches) for the title and caption above and the legend below.
    """
    height = fig.get_figheight()
    caption_lines = caption.count("\n") + 1
    top_room = 0.62 + 0.16 * caption_lines
    fig.tight_layout(rect=(0, 0.45 / height, 1, 1 - top_room / height))
    fig.suptitle(title, y=1 - 0.1 / height, va="top", fontsize=13, fontweight="bold")
    fig.text(0.5, 1 - 0.42 / height, caption, ha="center", va="top", fontsize=9,
             color="0.3")
    if bars:
        handles = [matplotlib.patches.Patch(color=r.color) for r in runs]
    else:
        handles = [plt.Line2D([], [], color=r.color, linewidth=2.5) for r in runs]
    fig.legend(handles, [r.label for r in runs], loc="lower center",
               ncol=min(len(runs), 4), frameon=False, fontsize=10,
               bbox_to_anchor=(0.5, 0.02 / height))
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


# ------------------------------------------------------------------------ figures


def fig_arrivals(runs, out, context):
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    panels = [(f"{c.capitalize()} arrivals in Member States",
               lambda r, c=c: only(r.ds["arrivals"].sel(channel=c), "destination", r.member_states))
              for c in ("legal", "irregular")]
    # Where the EU's policies do not reach: every channel into the destinations outside it.
    panels.append(("Arrivals outside the EU (all channels)",
                   lambda r: only(r.ds["arrivals"], "destination", r.destinations(False))))
    for ax, (title, selected) in zip(axes, panels):
        draw_runs(ax, runs, lambda r, f=selected: annual_totals(f(r), r.step_months), scale=1e3)
        ax.set_title(title)
        ax.set_ylabel("arrivals per year (thousand persons)")
        style_year_axis(ax)
    return finish(fig, runs, f"Arrivals{context}",
                  "all origins, calendar-year totals; " + replicate_note(runs), out / "arrivals.png")


def fig_stocks_abroad(runs, out, context):
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.8))
    panels = (
        ("regular", "Regular residents in Member States",
         lambda r: persons_abroad(r, "regular")),
        ("irregular", "Irregular residents in Member States",
         lambda r: persons_abroad(r, "irregular")),
        ("outside_eu", "Residents outside the EU",
         residents_outside_eu),
        ("in_transit", "Stranded in transit (all nodes)",
         lambda r: r.ds["stocks"].sel(status="in_transit").sum("node")),
    )
    for ax, (_, title, series) in zip(axes, panels):
        draw_runs(ax, runs, series, scale=1e3, markers=False)
        ax.set_title(title)
        ax.set_ylabel("persons (thousand)")
        ax.set_xlabel("date (end of month)")
        ax.xaxis.set_major_locator(matplotlib.dates.YearLocator(2))
        ax.xaxis.set_major_formatter(matplotlib.dates.DateFormatter("%Y"))
    return finish(fig, runs, f"Persons abroad by status{context}",
                  "stocks at the end of each month; " + replicate_note(runs),
                  out / "stocks_abroad.png")


def fig_returns(runs, out, context):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    for ax, (name, title) in zip(axes, (("returns_executed", "Returns executed"),
                                        ("return_orders", "Return orders issued"))):
        draw_runs(ax, runs, lambda r, v=name: annual_totals(r.ds[v], r.step_months),
                  scale=1e3)
        ax.set_title(title)
        ax.set_ylabel("persons per year (thousand)")
        style_year_axis(ax)
    return finish(fig, runs, f"Returns from Member States{context}",
                  "all origins and Member States, calendar-year totals; "
                  + replicate_note(runs), out / "returns.png")


def fig_remittances(runs, out, context):
    fig, ax = plt.subplots(figsize=(8, 5))
    draw_runs(ax, runs, lambda r: annual_totals(r.ds["remittances"], r.step_months),
              scale=1e6)
    ax.set_title("Remittances received")
    ax.set_ylabel("million PPP dollars per year")
    style_year_axis(ax)
    return finish(fig, runs, f"Remittances{context}",
                  "all origins and Member States, calendar-year totals;\n"
                  + replicate_note(runs), out / "remittances.png")


def fig_interceptions(runs, out, context):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.8))
    draw_runs(axes[0], runs, lambda r: annual_totals(r.ds["border_interceptions"],
                                                    r.step_months), scale=1e3)
    axes[0].set_title("Border interceptions (all edges)")
    axes[0].set_ylabel("persons intercepted per year (thousand)")
    draw_runs(axes[1], runs, annual_transit_wait)
    axes[1].set_title("Mean time waited in transit")
    axes[1].set_ylabel("months (weighted by persons in transit)")
    for ax in axes:
        style_year_axis(ax)
    return finish(fig, runs, f"Border enforcement and transit{context}",
                  "calendar-year totals / persons-weighted yearly means; "
                  + replicate_note(runs), out / "interceptions.png")


def fig_arrivals_by_member_state(runs, out, context):
    states = runs[0].ds["destination"].values.tolist()
    for run in runs[1:]:
        states += [s for s in run.ds["destination"].values.tolist() if s not in states]
    totals = {}
    for run in runs:
        arrivals = run.ds["arrivals"]
        per_state = arrivals.sum([d for d in arrivals.dims if d not in ("replicate", "destination")])
        totals[run.label] = per_state.reindex(destination=states, fill_value=0.0) / 1e3
    outside = set()
    for run in runs:
        outside.update(run.destinations(False))
    # Largest Member State (by the first run's mean) at the top.
    order = np.argsort(totals[runs[0].label].mean("replicate").values)
    states = [states[i] for i in order]

    height = 0.82
    bar = height / len(runs)
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.32 * len(states) * max(1, len(runs) / 2)))
    y = np.arange(len(states))
    for k, run in enumerate(runs):
        da = totals[run.label].sel(destination=states)
        mean = da.mean("replicate").values
        low, high = da.quantile(BAND, dim="replicate").values
        ax.barh(y + (len(runs) - 1 - k - (len(runs) - 1) / 2) * bar, mean, height=bar,
                color=run.color, xerr=np.vstack([mean - low, high - mean]),
                error_kw={"elinewidth": 1, "capsize": 2, "ecolor": "0.2"},
                label=run.label)
    ax.set_yticks(y, [f"{d} (outside the EU)" if d in outside else d for d in states])
    ax.set_ylim(-0.6, len(states) - 0.4)
    ax.set_xlabel("arrivals, whole period (thousand persons, every channel)")
    ax.set_ylabel("destination")
    ax.grid(True, axis="x", alpha=0.3)
    first = str(runs[0].ds["time"].values[0])[:7]
    last = str(runs[0].ds["time"].values[-1])[:7]
    return finish(fig, runs, f"Arrivals by destination{context}",
                  f"{first} to {last}, all origins; bar: mean of replicates; "
                  "error bar: 95% of replicates (2.5-97.5 percentile)",
                  out / "arrivals_by_member_state.png", bars=True)


FIGURES = (
    (fig_arrivals, "Legal and irregular arrivals in EU Member States, and arrivals in the "
                   "destinations outside the EU, per calendar year."),
    (fig_stocks_abroad, "Persons living regularly and irregularly in Member States, residents "
                        "of the destinations outside the EU, and persons stranded in transit, "
                        "at the end of each month."),
    (fig_returns, "Returns executed and return orders issued per calendar year."),
    (fig_remittances, "Remittances received per calendar year, million PPP dollars."),
    (fig_interceptions, "Border interceptions per calendar year (all edges) and the "
                        "persons-weighted mean months waited in transit."),
    (fig_arrivals_by_member_state, "Total arrivals (every channel) per destination, those outside the EU marked, "
                                   "over the whole period, one bar per scenario."),
)


def write_index(out, runs, written):
    lines = ["# Scenario comparison figures", "", "Runs compared:", ""]
    lines += [f"- **{r.label}**: `{r.path}` ({r.replicates} replicates)" for r in runs]
    lines += ["", "Lines and bars are means over replicates; shaded bands and error bars "
              "span the 2.5-97.5 percentiles across replicates.", "", "Figures:", ""]
    lines += [f"- `{path.name}`: {text}" for path, text in written]
    path = out / "figures.md"
    path.write_text("\n".join(lines) + "\n")
    return path


# --------------------------------------------------------------------------- main


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Make PNG figures comparing migflow runs (HDF5/netCDF-4 files).")
    parser.add_argument("runs", nargs="+", type=Path, metavar="RUN.h5")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR",
                        help="directory for the PNG files and figures.md")
    parser.add_argument("--labels", help="comma-separated scenario names, one per run "
                        "(default: each file's title attribute, else its file name)")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        datasets = [open_run(path) for path in args.runs]
    except InputError as err:
        print(f"plot_compare: error: {err}", file=sys.stderr)
        return 1
    labels, prefix = default_labels(datasets, args.runs)
    if args.labels is not None:
        labels = [label.strip() for label in args.labels.split(",")]
        if len(labels) != len(args.runs):
            print(f"plot_compare: error: --labels gives {len(labels)} names for "
                  f"{len(args.runs)} runs", file=sys.stderr)
            return 1
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    runs = [Run(label, path, ds, colors[i % len(colors)])
            for i, (label, path, ds) in enumerate(zip(labels, args.runs, datasets))]
    context = f": {prefix}" if prefix else ""

    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for figure, text in FIGURES:
        path = figure(runs, args.out, context)
        written.append((path, text))
        print(path)
    print(write_index(args.out, runs, written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
