"""`migflow schema` against the loader: every bundled scenario validates, and on a set
of bad (and good) variations of the small test world the schema and the loader agree."""

import copy
import json
import os
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

import migflow

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SCHEMA = json.loads(subprocess.run([os.environ["MIGFLOW_BINARY"], "schema"], capture_output=True, text=True,
                                   check=True).stdout)
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def as_json(doc):
    """YAML as an editor's language server sees it: keys are text (years too)."""
    return json.loads(json.dumps(doc, default=str))


def schema_errors(doc):
    return [e.message for e in VALIDATOR.iter_errors(as_json(doc))]


def test_the_schema_is_valid_draft7_and_the_same_from_python():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert migflow.schema() == SCHEMA


SCENARIOS = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml")) + sorted(DATA.glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_bundled_scenario_validates(path):
    assert schema_errors(yaml.safe_load(path.read_text())) == []


SMALL = yaml.safe_load((DATA / "small.yaml").read_text())
SMALL["short_stays_csv"] = str(DATA / SMALL["short_stays_csv"])  # a dict has no folder to resolve it from
POLICIES = yaml.safe_load((DATA / "all_policies.yaml").read_text())["policies"]


def variant(change):
    doc = copy.deepcopy(SMALL)
    change(doc)
    return doc


def set_in(path, value):
    def change(doc):
        *parents, last = path
        for key in parents:
            doc = doc[key]
        doc[last] = value
    return change


def with_policy(block):
    return lambda doc: doc.__setitem__("policies", [block])


BAD = {
    "unknown top-level field": set_in(["replicate"], 3),
    "replicates below 1": set_in(["replicates"], 0),
    "negative seed": set_in(["seed"], -1),
    "month 13": set_in(["calendar", "start"], "2010-13"),
    "step_months 13": set_in(["calendar", "step_months"], 13),
    "no nodes": lambda doc: doc.pop("nodes"),
    "unknown role": lambda doc: doc["nodes"][0].__setitem__("role", "capital"),
    "unemployment above 1": lambda doc: doc["nodes"][1].__setitem__("unemployment", 1.5),
    "bad year key": lambda doc: doc["nodes"][0].__setitem__("gdp_pc", {"20x0": 9000}),
    "unknown edge mode": lambda doc: doc["edges"][0].__setitem__("mode", "teleport"),
    "hazard above 1": lambda doc: doc["edges"][0].__setitem__("hazard", 2),
    "model parameter out of range": set_in(["model", "emigration_rate"], 5),
    "unknown model parameter": set_in(["model", "emigration_rat"], 0.1),
    "global parameter set per origin": lambda doc: doc["population"][0].__setitem__("model", {"permit_months": 12}),
    "skill share above 1": lambda doc: doc["population"][0]["skills"].__setitem__("low", 2),
    "unknown policy module": with_policy({"name": "no_such_module"}),
    "execution above 1": with_policy({"name": "readmission", "agreements": [{"partner": "MDA", "execution": 1.5}]}),
    "unknown readmission field": with_policy({"name": "readmission", "agreemnts": []}),
    "regime without kind": with_policy({"name": "visa_regime", "regimes": [{"partner": "MDA", "from": "2011-06"}]}),
    "bad quota year": with_policy({"name": "labour_market_openness",
                                   "quotas": [{"partner": "MDA", "per_year": {"20x0": 5}}]}),
    "unknown skill": with_policy({"name": "labour_market_openness",
                                  "quotas": [{"partner": "MDA", "per_year": 5, "skills": ["genius"]}]}),
    "years_to_target above 100": with_policy({"name": "remittances", "years_to_target": 500}),
    "capacity below 0": with_policy({"name": "border_capacity",
                                     "crossings": [{"edges": ["MDA->ROU"], "capacity_per_month": -5}]}),
    "policy from not a month": with_policy({"name": "remittances", "from": "June 2010"}),
}

GOOD = {
    "as it is": lambda doc: None,
    "every policy module": lambda doc: doc.__setitem__("policies", POLICIES),
    "a quota by year": with_policy({"name": "labour_market_openness",
                                    "quotas": [{"partner": "MDA", "per_year": {2010: 5, 2012: 50}}]}),
    "a visa regime": with_policy({"name": "visa_regime", "regimes": [{"partner": "MDA", "kind": "facilitation",
                                                                     "from": "2011-06"}]}),
    "a removed field": set_in(["title"], None),
    "parameters point": set_in(["parameters"], "point"),
}


def loader_accepts(doc):
    try:
        migflow.load(doc)
        return True
    except migflow.InputError:
        return False


@pytest.mark.parametrize("name", BAD)
def test_schema_and_loader_reject(name):
    doc = variant(BAD[name])
    assert not loader_accepts(doc), "the loader accepts it"
    assert schema_errors(doc), "the schema accepts it"


@pytest.mark.parametrize("name", GOOD)
def test_schema_and_loader_accept(name):
    doc = variant(GOOD[name])
    assert loader_accepts(doc), "the loader rejects it"
    assert schema_errors(doc) == []
