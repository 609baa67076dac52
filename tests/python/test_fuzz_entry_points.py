"""The Python entry points fuzzed: run() with mutated arguments and scenario fields, and
compare() and report() with mutated runs (as Datasets become the C++ side's dicts).

Deterministic (seeded), so CI does the same work on any machine: MIGFLOW_PY_FUZZ_CASES
cases per entry point (default 150). The documented failures are migflow.InputError
(a ValueError naming the field), TypeError and OSError; anything else escaping (a
RuntimeError, SystemError, a crash of the interpreter) is a finding, reported with the
case that made it."""

import copy
import math
import os
import random
from pathlib import Path

import numpy as np
import pytest

import migflow

DATA = Path(os.environ["MIGFLOW_TEST_DATA"])
SMALL = str(DATA / "small.yaml")
CASES = int(os.environ.get("MIGFLOW_PY_FUZZ_CASES", "150"))
EXPECTED = (ValueError, TypeError, OSError)

ODD_VALUES = [None, -1, 0, 1, 2**63, 2**64, -(2**70), 1e308, -1e-300, math.nan, math.inf, "", "x", "2010-13",
              [], [1, "a"], {}, {"a": {"b": []}}, True, 3.5]


def odd(rng):
    return copy.deepcopy(rng.choice(ODD_VALUES))


def expect_documented_failure_or_result(call, case):
    try:
        call()
    except EXPECTED:
        pass
    except Exception as e:  # noqa: BLE001 - any other escape is what this test looks for
        pytest.fail(f"{type(e).__name__} escaped for {case!r}: {e}")


def test_run_with_mutated_arguments_and_fields(tmp_path):
    rng = random.Random(20261208)
    fields = ["replicates", "seed", "parameters", "threads", "checkpoint_every"]
    scenario_fields = ["model", "calendar", "population", "demography", "nodes", "policies", "replicates_per_draw",
                       "engine", "seed", "title"]
    for _ in range(CASES):
        kwargs = {"replicates": 1, "threads": 1, "progress": False,
                  "calendar": {"start": "2010-01", "end": "2010-03"}}
        case = {}
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.5:
                key = rng.choice(fields)
                kwargs[key] = case[key] = odd(rng)
            else:
                key = rng.choice(scenario_fields)
                value = odd(rng)
                if key == "model" and rng.random() < 0.7:
                    value = {rng.choice(["emigration_rate", "return_rate", "overstay", "no_such"]): odd(rng)}
                if key == "demography" and rng.random() < 0.7:
                    value = {rng.choice(["mode", "turnover"]): odd(rng)}
                kwargs[key] = case[key] = value
        if kwargs.get("checkpoint_every") is not None:
            kwargs["checkpoint"] = tmp_path / f"ck{rng.randrange(10**9)}"
        expect_documented_failure_or_result(lambda: migflow.run(SMALL, **kwargs), case)


@pytest.fixture(scope="module")
def small_runs():
    a = migflow.run(SMALL, replicates=2, seed=3, threads=1, progress=False)
    b = migflow.run(SMALL, replicates=2, seed=4, threads=1, progress=False)
    return a, b


def mutated(ds, rng):
    """A copy of the Dataset with one to three structural edits, and what they were."""
    out = ds.copy(deep=True)
    edits = []
    for _ in range(rng.randint(1, 3)):
        names = list(out.variables)
        name = rng.choice(names)
        kind = rng.randrange(5)
        try:
            if kind == 0:
                out = out.drop_vars(name)
            elif kind == 1 and out[name].ndim > 0:
                dim = rng.choice(out[name].dims)
                n = out.sizes[dim]
                out = out.isel({dim: slice(0, rng.randrange(n + 1))})
            elif kind == 2 and out[name].dtype.kind in "fiu" and out[name].size > 0:
                values = out[name].values.astype(np.float64).copy()
                values.flat[rng.randrange(values.size)] = rng.choice([math.nan, math.inf, -1e300, 4e18])
                out[name] = (out[name].dims, values)
            elif kind == 3:
                out.attrs[rng.choice(list(out.attrs) or ["title"])] = rng.choice(["", "partial: x", "\x00", "9" * 400])
            elif kind == 4 and out[name].ndim > 0:
                out[name] = out[name].rename({out[name].dims[-1]: rng.choice(["status", "origin", "zzz"])})
        except (ValueError, KeyError):  # an edit xarray itself refuses: not migflow's input
            continue
        edits.append((kind, name))
    return out, edits


def test_compare_and_report_with_mutated_runs(small_runs):
    rng = random.Random(8122026)
    a, b = small_runs
    for _ in range(CASES):
        bad, edits = mutated(b, rng)
        expect_documented_failure_or_result(lambda: migflow.compare(a, bad), ("compare", edits))
        if rng.random() < 0.2:
            expect_documented_failure_or_result(lambda: migflow.report(a, bad), ("report", edits))
