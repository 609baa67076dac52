"""The migflow Python package against the command line, on the small test world.

Run by CTest (tests/CMakeLists.txt) with PYTHONPATH=<build>/python, MIGFLOW_BINARY (the
command line) and MIGFLOW_TEST_DATA (tests/data)."""

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import xarray as xr
import yaml

import migflow

BINARY = os.environ["MIGFLOW_BINARY"]
DATA = Path(os.environ["MIGFLOW_TEST_DATA"])
SMALL = str(DATA / "small.yaml")


def cli(*args, check=True):
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, check=check)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "small.h5"
    cli("run", SMALL, "--out", path, "--replicates", 3, "--seed", 11, "--threads", 2)
    return path


@pytest.fixture(scope="module")
def py_run():
    return migflow.run(SMALL, replicates=3, seed=11, threads=2, progress=False)


def test_run_in_memory_is_the_file_the_command_line_writes(cli_run, py_run):
    with xr.open_dataset(cli_run, engine="h5netcdf") as from_file:
        xr.testing.assert_identical(from_file.load(), py_run)
    assert py_run.stocks.dims == ("replicate", "time", "node", "status")
    assert py_run.attrs["title"] == "small test world"
    assert py_run.sizes["replicate"] == 3


def test_out_writes_the_same_file(tmp_path, py_run):
    ds = migflow.run(SMALL, replicates=3, seed=11, progress=False, out=tmp_path / "run.h5")
    xr.testing.assert_identical(ds, py_run)
    xr.testing.assert_identical(migflow.open_run(tmp_path / "run.h5"), py_run)


def test_an_unwritable_out_fails_before_the_run(tmp_path):
    # As `migflow run` exits 3 before simulating: no step runs (the progress callback is never called).
    steps = []
    for out, error in [(tmp_path / "missing" / "run.h5", FileNotFoundError), (tmp_path, IsADirectoryError)]:
        with pytest.raises(error, match=re.escape(f"cannot write output file '{out}'")):
            migflow.run(SMALL, replicates=1, progress=lambda done, total: steps.append(done), out=out)
    assert steps == [] and list(tmp_path.iterdir()) == []
    assert cli("run", SMALL, "--out", tmp_path / "missing" / "run.h5", check=False).returncode == 3


def test_progress_reaches_the_total_and_an_exception_in_it_stops_the_run():
    seen = []
    migflow.run(SMALL, replicates=1, progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1][0] == seen[-1][1] > 0

    def interrupt(done, total):
        if done > 0:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        migflow.run(SMALL, replicates=4, progress=interrupt)


def test_runs_in_threads_of_one_process(py_run):
    """A thread pool over scenarios: each in-memory run file has its own image, and
    each result equals the same run alone."""
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=4) as pool:
        runs = list(pool.map(lambda _: migflow.run(SMALL, replicates=3, seed=11, threads=1, progress=False),
                             range(4)))
    for ds in runs:
        assert (ds["stocks"].values == py_run["stocks"].values).all()


def test_notebook_bar_is_html():
    bar = migflow.Progress("running", mode="notebook")
    assert "<progress value='0.5000'" in bar.html(5, 10)


def test_load_from_a_dict_with_overrides():
    doc = yaml.safe_load(open(SMALL))
    doc["short_stays_csv"] = str(DATA / doc["short_stays_csv"])  # a dict has no folder to resolve it from
    sc = migflow.load(doc, replicates=5, model={"emigration_rate": 0.001})
    assert (sc.replicates, sc.title, sc.file) == (5, "small test world", "<dict>")
    assert "emigration_rate: 0.001" in sc.yaml
    # A dict may extend a bundled scenario by name.
    assert migflow.load({"extends": "default", "replicates": 2}).replicates == 2


def test_errors_carry_the_command_lines_message(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(open(SMALL).read().replace("emigration_rate: 0.002", "emigration_rate: 7"))
    with pytest.raises(migflow.InputError) as err:
        migflow.load(bad)
    from_cli = cli("validate", bad, check=False)
    assert from_cli.returncode == 2
    assert from_cli.stderr.strip() == f"migflow: error: {err.value}"
    assert (err.value.file, err.value.field) == (str(bad), "model.emigration_rate")
    assert err.value.line == open(bad).read().splitlines().index("  emigration_rate: 7") + 1
    with pytest.raises(migflow.InputError) as from_run:  # every command keeps where the bad input is
        migflow.run(bad, progress=False)
    assert (str(from_run.value), from_run.value.field, from_run.value.line) == (str(err.value), err.value.field,
                                                                                err.value.line)
    with pytest.raises(migflow.InputError, match=r"<dict>:\d+:\d+: field 'nodes\[0\]\.role': unknown value 'capital'"):
        doc = yaml.safe_load(open(SMALL))
        doc["short_stays_csv"] = str(DATA / doc["short_stays_csv"])
        doc["nodes"][0]["role"] = "capital"
        migflow.load(doc)
    with pytest.raises(ValueError):  # InputError is a ValueError
        migflow.run(SMALL, progress=False, replicates=2, calendar={"step_months": 0})


def test_compare_matches_the_command_line(tmp_path, cli_run, py_run):
    other = migflow.run(SMALL, replicates=3, seed=11, progress=False, model={"emigration_rate": 0.003},
                        out=tmp_path / "other.h5")
    table = migflow.compare(py_run, other)
    csv = cli("compare", cli_run, tmp_path / "other.h5", "--csv", tmp_path / "c.csv").stdout
    import pandas as pd
    expected = pd.read_csv(tmp_path / "c.csv", keep_default_na=False, na_values=["nan"])
    numbers = ["mean", "low", "high", "diff_vs_first", "diff_low", "diff_high"]
    np.testing.assert_allclose(table[numbers].to_numpy(float), expected[numbers].to_numpy(float), rtol=1e-9)
    assert "| indicator | unit |" in csv
    assert migflow.compare(py_run, other, markdown=True).splitlines()[0] == csv.splitlines()[0]


def test_report_of_datasets(py_run):
    other = migflow.run(SMALL, replicates=3, seed=11, progress=False, model={"emigration_rate": 0.003})
    html = migflow.report(py_run, other)
    assert '<table class="comparison">' in html and "<svg" in html
    assert "model.emigration_rate" in html  # the setting that differs


def test_schema_is_json_schema():
    schema = migflow.schema()
    assert schema["$schema"].startswith("http://json-schema.org/draft-07")
    assert "nodes" in schema["definitions"]["scenario"]["properties"]


def test_calibrate_and_backtest_reachable():
    # Tiny settings: this checks the plumbing; tests/analysis holds the methods to account.
    r = migflow.calibrate("moldova/baseline", particles=16, agents=500, progress=False)
    assert r["posterior"].shape[0] == 16 and "emigration_rate" in r["medians"]
    assert r["yaml"].startswith("# Written by `migflow calibrate")
    b = migflow.backtest(["moldova/baseline"], replicates=2, agents=2000, restart=False, revision2024=False)
    assert set(b["forecasts"]["partner"]) == {"MDA"} and "| " in b["markdown"]


def test_sensitivity_csv_is_drawn_by_the_plotting_script(tmp_path):
    # The command line's CSV, from a tiny design over the priors, through
    # tools/plot_sensitivity.py: the figure exists, is a PNG and is not blank.
    table = tmp_path / "indices.csv"
    cli("sensitivity", SMALL, "--prior", "-i", "arrivals_legal", "--samples", 8, "--agents", 500, "--csv", table)
    lines = table.read_text().splitlines()
    assert lines[0] == "indicator,parameter,order,index,low,high" and len(lines) > 2
    figure = tmp_path / "sobol.png"
    script = Path(__file__).resolve().parents[2] / "tools" / "plot_sensitivity.py"
    subprocess.run(["/usr/bin/python3", str(script), str(table), "--out", str(figure)], check=True)
    from PIL import Image

    pixels = np.asarray(Image.open(figure).convert("L"))
    assert pixels.shape[0] > 100 and (pixels < 128).sum() > 1000
    bad = tmp_path / "bad.csv"
    bad.write_text("indicator,parameter,order,index,low,high\narrivals_legal,x,second,0.1,0,0.2\n")
    r = subprocess.run(["/usr/bin/python3", str(script), str(bad), "--out", str(figure)], capture_output=True, text=True)
    assert r.returncode != 0 and "line 2" in r.stderr


def test_attribution_csv_is_drawn_by_the_plotting_script(tmp_path):
    # `migflow attribute --csv` on two blocks of the small world, through
    # tools/plot_attribution.py: the figure exists, is a PNG and is not blank.
    scenario = tmp_path / "package.yaml"
    scenario.write_text(
        f"extends: {SMALL}\npolicies:\n"
        "  - {id: quota, name: labour_market_openness, quotas: [{member_state: ITA, per_year: 2000}]}\n"
        "  - {id: detect, name: readmission, detection: 0.05}\n"
    )
    table = tmp_path / "values.csv"
    cli("attribute", scenario, "--agents", 2000, "--replicates", 2, "--csv", table)
    lines = table.read_text().splitlines()
    assert lines[0].startswith("indicator,unit,block,value,low,high,share") and len(lines) > 3
    figure = tmp_path / "attribution.png"
    script = Path(__file__).resolve().parents[2] / "tools" / "plot_attribution.py"
    subprocess.run(["/usr/bin/python3", str(script), str(table), "--out", str(figure)], check=True)
    from PIL import Image

    pixels = np.asarray(Image.open(figure).convert("L"))
    assert pixels.shape[0] > 100 and (pixels < 128).sum() > 1000
    r = subprocess.run(
        ["/usr/bin/python3", str(script), str(table), "--out", str(figure), "--indicators", "nonsense"],
        capture_output=True, text=True,
    )
    assert r.returncode != 0 and "no indicator nonsense" in r.stderr


def test_compare_figures_are_drawn(tmp_path, cli_run):
    # tools/plot_compare.py on two runs of the small world (Member States only, so the
    # panels of destinations outside the EU are drawn at zero): every figure is written.
    other = tmp_path / "other.h5"
    cli("run", SMALL, "--out", other, "--replicates", 3, "--seed", 12, "--threads", 2)
    script = Path(__file__).resolve().parents[2] / "tools" / "plot_compare.py"
    out = tmp_path / "figures"
    subprocess.run(["/usr/bin/python3", str(script), str(cli_run), str(other), "--labels", "a,b", "--out", str(out)],
                   check=True, capture_output=True)
    from PIL import Image

    names = ["arrivals", "stocks_abroad", "returns", "remittances", "interceptions", "arrivals_by_member_state"]
    for name in names:
        pixels = np.asarray(Image.open(out / f"{name}.png").convert("L"))
        assert (pixels < 128).sum() > 1000, name
    assert "outside the EU" in (out / "figures.md").read_text()


# --- issue 26: every command from Python, through the session layer ------------------------

COMMANDS = ["run", "validate", "compare", "report", "bench", "calibrate", "backtest", "sensitivity", "attribute"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_the_command_line_is_a_keyword_with_its_default(command):
    # The keywords come from the same table as the options (session/requests.cpp): each
    # field is a parameter of the function, and a default given is the field's.
    import inspect
    params = inspect.signature(getattr(migflow, command)).parameters
    for field in migflow._core.fields(command):
        name = field["name"]
        if name in ("scenario", "set") and "overrides" in params or name == "runs":
            continue  # the scenario and its overrides (keyword fields), or *runs
        assert name in params, f"{command}: no keyword {name} ({field['option']})"
        default = params[name].default
        if default is None or isinstance(default, bool) and command == "compare" and name == "markdown":
            continue
        expected = field["default"]
        given = [("true" if default else "false")] if isinstance(default, bool) else [str(default)]
        assert given == expected, f"{command}: {name}={default!r}, the option's default is {expected}"


def test_a_value_the_command_line_refuses_is_refused_alike(tmp_path):
    out = tmp_path / "x.h5"
    for bad, option in [({"replicates": 0}, "--replicates"), ({"seed": -1}, "--seed"),
                        ({"parameters": "median"}, "--parameters")]:
        key, value = next(iter(bad.items()))
        with pytest.raises(migflow.InputError, match=f"{key}: '{value}' is not"):
            migflow.run(SMALL, progress=False, **bad)
        r = cli("run", SMALL, "--out", out, option, value, check=False)
        assert r.returncode == 2 and f"'{value}' is not" in r.stderr
    with pytest.raises(TypeError, match="unexpected keyword argument 'replicatess'"):
        migflow._core.run({"replicatess": 2}, None)
    assert not out.exists()


def test_an_override_of_a_calibrated_parameter_changes_the_run(tmp_path):
    # The example: the posterior draws used to win over the user's value, which
    # changed nothing. Now the override is each origin's value in every replicate, and
    # the parameter left the posterior sample, as the run's resolved scenario shows.
    base = migflow.run("georgia/baseline", replicates=2, progress=False)
    zero = migflow.run("georgia/baseline", replicates=2, progress=False, model={"emigration_rate": 0})
    # Leaving to work or irregularly (short stays, family and study have their own rates).
    leaving = dict(channel=["legal", "irregular"])
    arrivals_base = float(base.arrivals.sel(leaving).sum())
    arrivals_zero = float(zero.arrivals.sel(leaving).sum())
    assert arrivals_base > 0 and arrivals_zero < 0.5 * arrivals_base
    resolved = yaml.safe_load(zero.attrs["scenario"])["population"][0]
    assert resolved["model"]["emigration_rate"] == 0
    assert "emigration_rate" not in resolved["posterior"]["parameters"]
    # The command line's --set is the same run.
    cli("run", "georgia/baseline", "--replicates", 2, "--set", "model.emigration_rate=0", "--out", tmp_path / "z.h5")
    xr.testing.assert_identical(migflow.open_run(tmp_path / "z.h5"), zero)


def test_extends_names_bundled_scenarios_in_files_and_dicts(tmp_path):
    mine = tmp_path / "mine.yaml"
    mine.write_text("extends: georgia/mobility_heavy\ntitle: mine\n")
    assert migflow.load(mine).title == "mine"
    assert migflow.load({"extends": "georgia/mobility_heavy", "title": "mine"}).title == "mine"
    r = cli("validate", mine, check=False)
    assert r.returncode == 0 and "mine" in r.stdout, r.stderr


def test_validate_sensitivity_attribute_and_bench_match_the_command_line(tmp_path):
    assert migflow.validate(SMALL) == cli("validate", SMALL).stdout
    s = migflow.sensitivity(SMALL, ["arrivals_legal"], prior=True, samples=4, agents=500, progress=False,
                            csv=tmp_path / "py.csv")
    cli("sensitivity", SMALL, "-i", "arrivals_legal", "--prior", "--samples", 4, "--agents", 500,
        "--csv", tmp_path / "cli.csv")
    assert (tmp_path / "py.csv").read_text() == (tmp_path / "cli.csv").read_text()
    assert list(s["indices"].columns) == ["indicator", "parameter", "order", "index", "low", "high"]
    package = tmp_path / "package.yaml"
    package.write_text(f"extends: {SMALL}\npolicies:\n"
                       "  - {id: quota, name: labour_market_openness, quotas: [{member_state: ITA, per_year: 2000}]}\n"
                       "  - {id: detect, name: readmission, detection: 0.05}\n")
    a = migflow.attribute(package, agents=2000, replicates=2, progress=False)
    table = cli("attribute", package, "--agents", 2000, "--replicates", 2).stdout
    assert a["markdown"] == table and set(a["values"]["block"]) >= {"quota", "detect", "package"}
    b = migflow.bench(SMALL, steps=3, no_comparison=True)
    assert float(b["agent_steps_per_s"]) > 0 and b["steps"] == "3"


def test_ctrl_c_keeps_the_calibration_and_resume_gives_the_uninterrupted_sample(tmp_path):
    settings = dict(particles=16, agents=1500, threads=2)
    whole = migflow.calibrate("cape_verde/baseline", progress=False, **settings)

    def interrupt(done, total):
        raise KeyboardInterrupt

    checkpoint = tmp_path / "ck"
    with pytest.raises(KeyboardInterrupt, match=f"carry on with: migflow calibrate --resume {checkpoint}"):
        migflow.calibrate("cape_verde/baseline", progress=interrupt, checkpoint=checkpoint, **settings)
    resumed = migflow.calibrate(resume=checkpoint, progress=False)
    pd.testing.assert_frame_equal(resumed["posterior"], whole["posterior"], check_exact=True)
    assert not checkpoint.exists()


def test_open_run_reads_a_large_file_lazily(cli_run):
    lazy = migflow.open_run(cli_run, load=False)
    assert not lazy.stocks.variable._in_memory  # read when used, the part selected
    whole = migflow.open_run(cli_run)
    assert whole.stocks.variable._in_memory
    xr.testing.assert_identical(lazy.load(), whole)
    lazy.close()
