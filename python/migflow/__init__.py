"""migflow from Python: load scenarios, run them, compare, report, calibrate, backtest.

    import migflow
    ds = migflow.run("default", replicates=4)        # an xarray.Dataset, no file written
    ds.stocks.sel(status="irregular").sum("node").mean("replicate").plot()

A run's Dataset has the names, coordinates and attributes of the file `migflow run`
writes (it is that file, built in memory); `out=` also writes it. Bad input raises
migflow.InputError (a ValueError) whose message is the command line's
"file:line:col: field 'x': ..." and whose attributes hold file, line, column and field.
"""

import errno
import io
import os

import numpy as np

from . import _core
from ._data_dir import DATA_DIR as _DATA_DIR
from ._progress import Progress

__version__ = _core.version
InputError = _core.InputError
Scenario = _core.Scenario

__all__ = ["load", "run", "compare", "report", "schema", "calibrate", "backtest", "open_run",
           "InputError", "Scenario", "bundled_scenario"]

if os.path.isdir(os.path.join(_DATA_DIR, "scenarios")):
    _core.set_data_dir(_DATA_DIR)


def bundled_scenario(name):
    """The path of a scenario file, or of a bundled scenario by name ("default",
    "moldova/security_heavy"); raises FileNotFoundError when there is neither."""
    found = _core.find_scenario(os.fspath(name))
    if not found:
        raise FileNotFoundError(f"no scenario file or bundled scenario '{name}'")
    return found


def _yaml(data):
    # JSON is YAML; the loader reads it like any scenario file.
    import json
    return json.dumps(data, indent=1, default=str)


def load(source, overrides=None, **fields):
    """A validated scenario.

    source: a YAML file, a bundled scenario's name, a dict laid out like a scenario file
    (its `extends:` may name bundled scenarios), or a Scenario. overrides (a dict) and
    keyword fields are merged on top as a file extending the source would be: maps key
    by key, lists of nodes, edges, origins and policies item by item, None removes.
    """
    over = dict(overrides or {})
    over.update(fields)
    if isinstance(source, Scenario):
        if not over:
            return source
        source = {"extends": source.file} if os.path.isfile(source.file) else _yaml_dict(source)
    if isinstance(source, dict):
        doc = dict(source)
        if "extends" in doc:
            bases = doc["extends"] if isinstance(doc["extends"], list) else [doc["extends"]]
            doc["extends"] = [os.path.abspath(bundled_scenario(b)) for b in bases]
        return _core.load("", _yaml(doc), "<dict>", _yaml(over) if over else "")
    return _core.load(bundled_scenario(source), "", "", _yaml(over) if over else "")


def _yaml_dict(scenario):
    import yaml
    return yaml.safe_load(scenario.yaml)


def open_run(source, group=None):
    """A run file (a path, or the bytes of one) as an xarray.Dataset, loaded into memory;
    `group="policies/<id>"` opens a policy block's series."""
    import xarray as xr
    handle = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else os.fspath(source)
    with xr.open_dataset(handle, engine="h5netcdf", group=group) as ds:
        return ds.load()


def run(scenario="default", replicates=None, seed=None, threads=0, progress=None, out=None, **fields):
    """Runs a scenario's replicates and returns them as an xarray.Dataset.

    scenario: anything load() takes; keyword fields override the scenario's.
    replicates, seed: override the scenario's; threads: 0 for all cores.
    progress: None shows a bar in a notebook or on a terminal, False nothing, or a
    function called with (steps done, steps in all). out: also write the file there
    (a path it cannot write to raises OSError before the run, as `migflow run` exits 3).
    Ctrl-C (or a notebook's interrupt) stops the run at the end of a step.
    """
    sc = load(scenario, **fields)
    if out:
        _check_writable(out)
    bar = None
    if callable(progress):
        report = progress
    elif progress is False:
        report = None
    else:
        bar = Progress(f"running {sc.title}")
        report = bar.update
    try:
        image = _core.run(sc, replicates, seed, int(threads), report, os.fspath(out) if out else "")
    finally:
        if bar is not None:
            bar.close()
    return open_run(image)


def _check_writable(out):
    """Refuses an output path before the run, as `migflow run` does (exit code 3,
    output/run_file_writer.cpp's check_writable), rather than after simulating: a
    directory or other non-regular file, a missing folder, a folder it cannot write to."""
    path = os.fspath(out)

    def refuse(error, reason):
        raise error(f"cannot write output file '{path}': {reason}")

    if os.path.isdir(path):
        refuse(IsADirectoryError, os.strerror(errno.EISDIR))
    if os.path.exists(path) and not os.path.isfile(path):
        refuse(OSError, "exists and is not a regular file (a device or FIFO): it would be replaced")
    # Creating a file next to the target tests that the folder exists and is writable,
    # as the temporary file that the output is written to will need.
    probe = f"{path}.probe-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
        os.unlink(probe)
    except OSError as e:
        refuse(type(e), e.strerror)


def _as_run(source):
    """A run for the C++ analyses: a path as it is, a Dataset as its arrays."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    ds = source
    series, labels = {}, {}
    for name, da in ds.data_vars.items():
        if da.dims[:2] != ("replicate", "time"):
            continue
        series[name] = (list(da.dims), np.ascontiguousarray(da.values, dtype=np.float64))
        for dim in da.dims[2:]:
            labels[dim] = [str(v) for v in ds[dim].values]
    draws = ds["parameter_draw"].values.astype(int).tolist() if "parameter_draw" in ds else []
    in_eu = ds["destination_in_eu"].values.astype(int).tolist() if "destination_in_eu" in ds else []
    attrs = {k: str(v) for k, v in ds.attrs.items()}
    source = ds.encoding.get("source")
    return {
        "path": source if isinstance(source, str) else "(in memory)",
        "title": attrs.get("title", ""),
        "scenario_file": attrs.get("scenario_file", ""),
        "dates": [str(d) for d in ds["date"].values],
        "replicate_seeds": [int(s) for s in ds["replicate_seed"].values],
        "labels": labels,
        "attributes": attrs,
        "destination_in_eu": in_eu,
        "parameter_draws": draws,
        "series": series,
    }


def compare(*runs, by_member_state=False, markdown=False):
    """The comparison `migflow compare` prints, of two or more runs (Datasets from run()
    or open_run(), or file paths; the first is the reference), as a pandas DataFrame in
    the long format of its CSV (mean, low, high, diff_vs_first, ...); with markdown=True
    the table as text instead."""
    import pandas as pd
    csv, table = _core.compare_csv([_as_run(r) for r in runs], by_member_state)
    return table if markdown else pd.read_csv(io.StringIO(csv), keep_default_na=False, na_values=["nan"])


def report(*runs, out=None):
    """The HTML page `migflow report` writes, of two or more runs (Datasets or paths).
    Returns the HTML text; with out=, also writes it there."""
    html = _core.report([_as_run(r) for r in runs])
    if out:
        with open(out, "w", encoding="utf-8") as f:
            f.write(html)
    return html


def schema():
    """The JSON Schema of scenario files (`migflow schema`), as a dict."""
    import json
    return json.loads(_core.schema())


def calibrate(scenario, particles=256, agents=0, replicates=1, seed=None, revision="2020", data=None,
              threads=0, write=None, progress=None):
    """Samples the posterior of a one-partner scenario's parameters (`migflow calibrate`).

    Returns a dict: `posterior` (pandas DataFrame, one row per particle), `medians`, and
    `yaml`, the fragment a partner's scenarios extend (written to `write=` if given).
    """
    import pandas as pd
    sc = load(scenario)
    bar = None
    if progress is None:
        bar = Progress(f"calibrating {sc.title}")
        progress = lambda stage, temperature, evaluations: bar.update(round(temperature * 1000), 1000)  # noqa: E731
    try:
        r = _core.calibrate(sc, data or "", revision, particles, agents, replicates, seed, threads,
                            progress if callable(progress) else None)
    finally:
        if bar is not None:
            bar.close()
    if write:
        with open(write, "w", encoding="utf-8") as f:
            f.write(r["yaml"])
    return {"posterior": pd.DataFrame(r["particles"], columns=r["names"]),
            "medians": dict(zip(r["names"], r["medians"])), "yaml": r["yaml"], "seconds": r["seconds"]}


def backtest(scenarios=None, replicates=40, agents=0, restart=True, revision2024=True, data=None, threads=0):
    """The baselines run past 2015 and scored on held-out data (`migflow backtest`): a
    dict with `forecasts` (pandas DataFrame, one row per forecast) and `markdown` (the
    report). `restart`: also the forecasts restarted from the 2015 stocks."""
    import pandas as pd
    paths = [bundled_scenario(s) for s in (scenarios or [])]
    markdown, csv = _core.backtest(paths, data or "", replicates, agents, restart, revision2024, threads)
    return {"forecasts": pd.read_csv(io.StringIO(csv)), "markdown": markdown}

