"""migflow from Python: every command of the `migflow` command line, with its checks.

    import migflow
    ds = migflow.run("default", replicates=4)        # an xarray.Dataset, no file written
    ds.stocks.sel(status="irregular").sum("node").mean("replicate").plot()

Each function takes the options of its command as keywords of the same names (`migflow
run --replicates 4` is `run(..., replicates=4)`), checked by the same code: a value the
command line refuses with exit code 2 raises migflow.InputError (a ValueError) with the
same message; an output that cannot be written raises the OSError of its cause
(FileNotFoundError, IsADirectoryError, ...) before anything runs; Ctrl-C (or a
notebook's interrupt) stops the work at its next unit and raises KeyboardInterrupt
saying what a checkpoint keeps. Bad input read from a file keeps its place apart:
InputError's `file`, `line`, `column` and `field`.

A scenario is a file, a bundled scenario's name ("default", "moldova/security_heavy"),
a dict laid out like a scenario file (its `extends:` may name bundled scenarios), or a
Scenario from load(). Keyword fields that are not options of the command override the
scenario's (`run("georgia/baseline", model={"emigration_rate": 0})`), merged as a file
extending it would be; a per-origin parameter set so is that origin's value in every
replicate, in place of its calibrated value and posterior draws (docs/calibration.md).
"""

from __future__ import annotations

import io
import json
import os
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _core
from ._data_dir import DATA_DIR as _DATA_DIR
from ._progress import Progress

if TYPE_CHECKING:  # imported when used: `import migflow` stays quick
    import pandas
    import xarray

__version__: str = _core.version
InputError = _core.InputError
Scenario = _core.Scenario
# The EU's Mobility Partnerships bundled, in order of signature: (folder, origin node).
PARTNERS: List[Tuple[str, str]] = _core.partners()

PathLike = Union[str, "os.PathLike[str]"]
ScenarioLike = Union[str, "os.PathLike[str]", Mapping[str, Any], Scenario]
RunLike = Union[str, "os.PathLike[str]", "xarray.Dataset"]
# None: a bar in a notebook or on a terminal; False: nothing; or called with (done, in all).
ProgressLike = Union[None, bool, Callable[[int, int], Any]]

__all__ = ["load", "validate", "run", "open_run", "compare", "report", "schema", "calibrate", "backtest",
           "sensitivity", "attribute", "bench", "bundled_scenario", "InputError", "Scenario", "Progress",
           "PARTNERS"]

if os.path.isdir(os.path.join(_DATA_DIR, "scenarios")):
    _core.set_data_dir(_DATA_DIR)

# open_run reads a run larger than this in memory lazily (what is asked for, when asked).
_LAZY_ABOVE_BYTES = 256 << 20


def bundled_scenario(name: PathLike) -> str:
    """The path of a scenario file, or of a bundled scenario by name ("default",
    "moldova/security_heavy"); raises FileNotFoundError when there is neither."""
    found: str = _core.find_scenario(os.fspath(name))
    if not found:
        raise FileNotFoundError(f"no scenario file or bundled scenario '{os.fspath(name)}'")
    return found


def _set_items(overrides: Mapping[str, Any], prefix: str = "") -> List[str]:
    """Overrides as the KEY=VALUE items of `migflow --set`: maps key by key (so they merge
    as a file extending the scenario would), every other value as JSON, which is YAML."""
    items: List[str] = []
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and all(isinstance(k, str) and "." not in k for k in value):
            items += _set_items(value, path + ".")
        else:
            items.append(f"{path}={json.dumps(value, default=str)}")
    return items


def _scenario_request(source: ScenarioLike, overrides: Optional[Mapping[str, Any]],
                      fields: Mapping[str, Any]) -> Dict[str, Any]:
    """The scenario keywords of a request: the scenario as a file or name, or as YAML text
    (a dict), or as a Scenario was loaded; the overrides as `set` items."""
    over = dict(overrides or {})
    over.update(fields)
    if isinstance(source, Scenario):
        request = dict(getattr(source, "_request"))
    elif isinstance(source, Mapping):
        request = {"scenario_yaml": json.dumps(dict(source), indent=1, default=str), "scenario_yaml_name": "<dict>"}
    else:
        request = {"scenario": os.fspath(source)}
    request["set"] = list(request.get("set") or []) + _set_items(over)
    return request


def load(source: ScenarioLike, overrides: Optional[Mapping[str, Any]] = None, **fields: Any) -> Scenario:
    """A validated scenario, as `migflow validate` reads it.

    source: a YAML file, a bundled scenario's name, a dict laid out like a scenario file
    (its `extends:` may name bundled scenarios), or a Scenario. overrides (a dict) and
    keyword fields are merged on top as a file extending the source would be: maps key
    by key, lists of nodes, edges, origins and policies item by item, None removes; a
    per-origin model parameter set so beats the origins' posterior draws.
    """
    request = _scenario_request(source, overrides, fields)
    scenario: Scenario = _core.load(request)
    setattr(scenario, "_request", request)
    return scenario


def validate(scenario: ScenarioLike, overrides: Optional[Mapping[str, Any]] = None, **fields: Any) -> str:
    """What `migflow validate` prints of a scenario: nodes, edges, policies, agents (and
    their memory), steps, replicates and seed. Raises InputError as load() does."""
    text: str = _core.validate(_scenario_request(scenario, overrides, fields))
    return text


def _reporter(progress: ProgressLike, label: str) -> Tuple[Optional[Callable[[int, int], Any]], Optional[Progress]]:
    if callable(progress):
        return progress, None
    if progress is False:
        return None, None
    bar = Progress(label)
    return bar.update, bar


def _with_progress(progress: ProgressLike, label: str, call: Callable[[Any], Any]) -> Any:
    report, bar = _reporter(progress, label)
    try:
        return call(report)
    finally:
        if bar is not None:
            bar.close()


def _dataset(arrays: Mapping[str, Any]) -> "xarray.Dataset":
    """A run's root group from its arrays, decoded as netCDF readers decode the file."""
    import xarray as xr
    variables = {name: xr.Variable(dims, values, attrs) for name, dims, values, attrs in arrays["variables"]}
    return xr.decode_cf(xr.Dataset(variables, attrs=arrays["attrs"]))


def run(scenario: ScenarioLike = "default", *, replicates: Optional[int] = None, seed: Optional[int] = None,
        parameters: Optional[str] = None, threads: int = 0, out: Optional[PathLike] = None,
        checkpoint: Optional[PathLike] = None, checkpoint_every: Optional[int] = None,
        resume: Optional[PathLike] = None, progress: ProgressLike = None,
        overrides: Optional[Mapping[str, Any]] = None, **fields: Any) -> "xarray.Dataset":
    """Runs a scenario's replicates (`migflow run`) and returns them as an xarray.Dataset
    with the names, coordinates and attributes of the file `migflow run` writes.

    scenario: anything load() takes; overrides and keyword fields override its fields.
    replicates, seed: override the scenario's; parameters: "posterior" (each replicate
    draws its parameters) or "point" (the posterior medians); threads: 0 for all cores.
    out: also write the file there (atomically; a path it cannot write raises OSError
    before the run). checkpoint, checkpoint_every, resume: as `migflow run --checkpoint`
    (a run stopped by Ctrl-C or killed carries on with resume=checkpoint).
    progress: None shows a bar in a notebook or on a terminal, False nothing, or a
    function called with (steps done, steps in all).
    """
    request = {"replicates": replicates, "seed": seed, "parameters": parameters, "threads": threads, "out": out,
               "checkpoint": checkpoint, "checkpoint_every": checkpoint_every, "resume": resume}
    if resume is None:
        request.update(_scenario_request(scenario, overrides, fields))
    named = scenario.title if isinstance(scenario, Scenario) else "a scenario" if isinstance(scenario, Mapping) \
        else os.fspath(scenario)
    label = f"running {named if resume is None else os.fspath(resume)}"
    arrays = _with_progress(progress, label, lambda report: _core.run(request, report))
    return _dataset(arrays)


def open_run(source: Union[PathLike, bytes], group: Optional[str] = None, *,
             load: Optional[bool] = None) -> "xarray.Dataset":
    """A run file (a path, or the bytes of one) as an xarray.Dataset; group="policies/<id>"
    opens a policy block's series.

    load: True reads everything now, False reads each variable (only the part selected)
    when it is used; None (the default) reads runs above 256 MiB in memory lazily and the
    others whole. A lazy Dataset keeps the file open until closed
    (`with migflow.open_run(p) as ds:`).
    """
    import xarray as xr
    handle: Any = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else os.fspath(source)
    ds = xr.open_dataset(handle, engine="h5netcdf", group=group)
    if load is None:  # the size decoded, from the shapes: nothing is read to know it
        load = ds.nbytes <= _LAZY_ABOVE_BYTES
    if not load:
        return ds
    with ds:
        return ds.load()


def _whole_numbers(ds: "xarray.Dataset", name: str) -> Any:
    """A variable's values as Python ints (lists), or ValueError where one is not a whole
    number (a run migflow wrote holds only integers there)."""
    import numpy as np
    values = ds[name].values
    if values.dtype.kind not in "iu":
        if values.dtype.kind != "f" or not np.all(np.isfinite(values)) or np.any(values != np.floor(values)) \
                or np.any(np.abs(values) >= 2.0**63):
            raise ValueError(f"variable '{name}' holds values that are not whole numbers: not a migflow run")
        values = values.astype(np.int64)
    return values.tolist()


def _as_run(source: RunLike) -> Union[str, Dict[str, Any]]:
    """A run for the C++ analyses: a path as it is, a Dataset as its arrays."""
    import numpy as np
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    ds = source
    path = ds.encoding.get("source")
    for needed in ("date", "replicate_seed"):
        if needed not in ds.variables:
            raise ValueError(f"{path if isinstance(path, str) else 'a Dataset'}: no variable '{needed}': "
                             "not a run as migflow.run() or open_run() give it")
    series, labels = {}, {}
    for name, da in ds.data_vars.items():
        if da.dims[:2] != ("replicate", "time"):
            continue
        series[str(name)] = (list(da.dims), np.ascontiguousarray(da.values, dtype=np.float64))
        for dim in da.dims[2:]:
            labels[str(dim)] = [str(v) for v in ds[dim].values]
    draws = _whole_numbers(ds, "parameter_draw") if "parameter_draw" in ds else []
    in_eu = _whole_numbers(ds, "destination_in_eu") if "destination_in_eu" in ds else []
    # Per replicate: the origins' discrepancies flattened, as the run file reader has them.
    discrepancy = ([row.ravel().tolist() for row in ds["model_discrepancy"].values]
                   if "model_discrepancy" in ds else [])
    correlation = (ds["model_discrepancy_correlation"].values.tolist()
                   if "model_discrepancy_correlation" in ds else [])
    attrs = {str(k): str(v) for k, v in ds.attrs.items()}
    return {
        "path": path if isinstance(path, str) else "(in memory)",
        "title": attrs.get("title", ""),
        "scenario_file": attrs.get("scenario_file", ""),
        "run_status": attrs.get("run_status", "complete"),
        "dates": [str(d) for d in ds["date"].values],
        "replicate_seeds": _whole_numbers(ds, "replicate_seed"),
        "labels": labels,
        "attributes": attrs,
        "destination_in_eu": in_eu,
        "parameter_draws": draws,
        "model_discrepancy": discrepancy,
        "model_discrepancy_correlation": correlation,
        "series": series,
    }


def _table(csv: str) -> "pandas.DataFrame":
    import pandas as pd
    return pd.read_csv(io.StringIO(csv), keep_default_na=False, na_values=["nan"])


def compare(*runs: RunLike, by_member_state: bool = False, allow_partial: bool = False,
            csv: Optional[PathLike] = None,
            markdown: Union[bool, PathLike, None] = False) -> Union["pandas.DataFrame", str]:
    """The comparison `migflow compare` prints, of two or more runs (Datasets from run()
    or open_run(), or file paths; the first is the reference): a pandas DataFrame in the
    long format of its CSV (mean, low, high, diff_vs_first, ...), or with markdown=True
    the table as text. csv= and markdown=<path> also write the files, as the options do.
    Files of interrupted runs are refused unless allow_partial (then a warning)."""
    request = {"by_member_state": by_member_state, "allow_partial": allow_partial, "csv": csv,
               "markdown": None if isinstance(markdown, bool) else markdown}
    table, text = _core.compare(request, [_as_run(r) for r in runs])
    return table if markdown is True else _table(text)


def report(*runs: RunLike, out: Optional[PathLike] = None) -> str:
    """The HTML page `migflow report` writes, of two or more runs (Datasets or paths).
    Returns the HTML text; with out=, also writes it there (atomically)."""
    html: str = _core.report({"out": out}, [_as_run(r) for r in runs])
    return html


def schema() -> Dict[str, Any]:
    """The JSON Schema of scenario files (`migflow schema`), as a dict."""
    parsed: Dict[str, Any] = json.loads(_core.schema())
    return parsed


def calibrate(scenario: Optional[ScenarioLike] = None, *, data: Optional[PathLike] = None, revision: str = "2020",
              fit_cutoff: int = 2015, agents: Optional[int] = None,
              particles: int = 256, replicates: int = 1, seed: Optional[int] = None, threads: int = 0,
              write: Optional[PathLike] = None, checkpoint: Optional[PathLike] = None,
              resume: Optional[PathLike] = None, progress: ProgressLike = None,
              overrides: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, Any]:
    """Samples the posterior of a one-partner scenario's parameters (`migflow calibrate`).

    The options are the command's: data (the observation tables' folder), revision,
    fit_cutoff, agents (default: the scenario's scale), particles, replicates, seed, threads, write (the YAML fragment's file). checkpoint
    keeps the sampler's state after each stage; resume carries a stopped calibration on
    to the sample an uninterrupted one gives. progress is called with (temperature in
    thousandths, 1000).

    Returns a dict: `posterior` (pandas DataFrame, one row per particle), `medians`,
    `yaml` (the fragment a partner's scenarios extend), `markdown` (the table the command
    prints) and `seconds`.
    """
    import pandas as pd
    request = {"data": data, "revision": revision, "fit_cutoff": fit_cutoff, "agents": agents,
               "particles": particles, "replicates": replicates, "seed": seed, "threads": threads, "write": write,
               "checkpoint": checkpoint, "resume": resume}
    if resume is None:
        if scenario is None:
            raise TypeError("calibrate: give a scenario (or resume=CHECKPOINT)")
        request.update(_scenario_request(scenario, overrides, fields))
    r = _with_progress(progress, "calibrating", lambda report: _core.calibrate(request, report))
    return {"posterior": pd.DataFrame(r["particles"], columns=r["names"]),
            "medians": dict(zip(r["names"], r["medians"])), "yaml": r["yaml"], "markdown": r["markdown"],
            "seconds": r["seconds"]}


def backtest(scenarios: Optional[Sequence[PathLike]] = None, *, data: Optional[PathLike] = None,
             revision: str = "2020", fit_cutoff: int = 2015, test_year: int = 2020, replicates: int = 40,
             agents: Optional[int] = None, markdown: Optional[PathLike] = None, csv: Optional[PathLike] = None,
             restart: bool = True, revision2024: bool = True, threads: int = 0,
             checkpoint: Optional[PathLike] = None, resume: Optional[PathLike] = None,
             progress: ProgressLike = None) -> Dict[str, Any]:
    """The given partners' baselines (files or bundled names; default: the nine bundled
    ones) run past the fit cut-off and scored on held-out data beside persistence and
    trend (`migflow backtest`). restart=False skips the forecasts restarted from the
    cut-off year's stocks, revision2024=False the restart from the UN DESA 2024 revision;
    without agents each runs at its scenario's scale. Returns a dict with `forecasts` (pandas
    DataFrame, one row per forecast) and `markdown` (the report)."""
    import pandas as pd
    request = {"scenarios": None if scenarios is None else [os.fspath(s) for s in scenarios], "data": data, "revision": revision, "fit_cutoff": fit_cutoff, "test_year": test_year,
               "replicates": replicates, "agents": agents, "markdown": markdown, "csv": csv,
               "restart": restart, "revision2024": revision2024, "threads": threads, "checkpoint": checkpoint,
               "resume": resume}
    text, csv_text = _with_progress(progress, "backtesting", lambda report: _core.backtest(request, report))
    return {"forecasts": pd.read_csv(io.StringIO(csv_text)), "markdown": text}


def sensitivity(scenario: Optional[ScenarioLike] = None, indicators: Optional[Sequence[str]] = None, *,
                minus: Optional[PathLike] = None, samples: int = 64, prior: bool = False, agents: Optional[int] = None,
                seed: Optional[int] = None, markdown: Optional[PathLike] = None, csv: Optional[PathLike] = None,
                threads: int = 0, checkpoint: Optional[PathLike] = None, resume: Optional[PathLike] = None,
                progress: ProgressLike = None, overrides: Optional[Mapping[str, Any]] = None,
                **fields: Any) -> Dict[str, Any]:
    """First- and total-order Sobol indices of indicators (as compare() names them) to the
    calibrated parameters (`migflow sensitivity`); with minus=, of the difference
    scenario minus reference. prior=True varies the parameters over their priors.
    Returns a dict with `indices` (pandas DataFrame: indicator, parameter, order, index,
    low, high) and `markdown` (the table)."""
    request = {"indicators": indicators, "minus": minus, "samples": samples, "prior": prior, "agents": agents,
               "seed": seed, "markdown": markdown, "csv": csv, "threads": threads, "checkpoint": checkpoint,
               "resume": resume}
    if resume is None:
        if scenario is None or not indicators:
            raise TypeError("sensitivity: give a scenario and indicators (or resume=CHECKPOINT)")
        request.update(_scenario_request(scenario, overrides, fields))
    text, csv_text = _with_progress(progress, "sensitivity", lambda report: _core.sensitivity(request, report))
    return {"indices": _table(csv_text), "markdown": text}


def attribute(scenario: Optional[ScenarioLike] = None, *, blocks: Optional[Sequence[str]] = None,
              baseline: Optional[PathLike] = None, permutations: Optional[int] = None, seed: Optional[int] = None,
              replicates: Optional[int] = None, parameters: Optional[str] = None, agents: Optional[int] = None,
              markdown: Optional[PathLike] = None, csv: Optional[PathLike] = None, threads: int = 0,
              checkpoint: Optional[PathLike] = None, resume: Optional[PathLike] = None,
              progress: ProgressLike = None, overrides: Optional[Mapping[str, Any]] = None,
              **fields: Any) -> Dict[str, Any]:
    """Shapley values of a package's policy blocks for every headline indicator
    (`migflow attribute`): blocks (ids, or groups as "name=id1+id2"), else those not in
    baseline, else every block; permutations for a sampled estimate. Returns a dict
    with `values` (pandas DataFrame in the long format of the command's CSV) and
    `markdown` (the table)."""
    request = {"blocks": blocks, "baseline": baseline, "permutations": permutations, "seed": seed,
               "replicates": replicates, "parameters": parameters, "agents": agents, "markdown": markdown,
               "csv": csv, "threads": threads, "checkpoint": checkpoint, "resume": resume}
    if resume is None:
        if scenario is None:
            raise TypeError("attribute: give a scenario (or resume=CHECKPOINT)")
        request.update(_scenario_request(scenario, overrides, fields))
    text, csv_text = _with_progress(progress, "attributing", lambda report: _core.attribute(request, report))
    return {"values": _table(csv_text), "markdown": text}


def bench(scenario: Optional[ScenarioLike] = None, *, agents: Optional[int] = None, steps: Optional[int] = None,
          threads: int = 0, no_comparison: bool = False, engine: Optional[str] = None,
          overrides: Optional[Mapping[str, Any]] = None, **fields: Any) -> Dict[str, str]:
    """Throughput on this machine (`migflow bench`): the figures it prints, by name
    (agent_steps_per_s, peak_rss_mb, ...; default: the bundled default scenario,
    scaled to `agents`, its first `steps`)."""
    request: Dict[str, Any] = {"agents": agents, "steps": steps, "threads": threads, "no_comparison": no_comparison,
                               "engine": engine}
    if scenario is not None or overrides or fields:
        request.update(_scenario_request("" if scenario is None else scenario, overrides, fields))
    return dict(_core.bench(request))
