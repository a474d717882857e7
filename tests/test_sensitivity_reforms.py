"""Sensitivity on reform differences, and chart footers that name what decides a metric."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.core.errors import InputError
from sim.core.paramtree import leaves
from sim.experiments import sensitivity as sens
from sim.experiments.compare import KEY_ASSUMPTIONS, key_assumptions
from sim.experiments.sweep import read_spec
from sim.output import drivers
from sim.output.style import caption
from sim.params import Params
from sim.policy.scenario import load

SPEC = """\
name = "tiny_reforms"
scenario = "baseline"
method = "morris"
samples = 2
replicates = 2
seed = 5
[overrides]
"run.days" = 800
"city.n_residents" = 1000
"enforcement.other_probes" = 0.5
[parameters]
"requests.property_request" = "assumption"
"enforcement.review_catch" = "assumption"
[outputs]
requests_warrant = { metric = "footage_requests_warrantless", statistic = "total", reform = "warrant_required" }
granted_warrant = { metric = "footage_granted", statistic = "total", reform = "warrant_required" }
searches_moratorium = { metric = "fr_searches", statistic = "total", reform = "federal_fr_moratorium" }
fr_searches = "total"
"""
HERE = Path(__file__).resolve().parents[1]


def _total(res, metric: str) -> np.ndarray:
    """Each replicate's total of a flow over days 1..end (population row)."""
    ts = res.timeseries
    d = ts[(ts.metric == metric) & (ts.group == "") & (ts.day >= 1)]
    return d.groupby("replicate")["value"].sum().sort_index().to_numpy(float)


def test_reform_output_is_the_paired_difference_of_hand_runs(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    rep = sens.sensitivity(spec, out, images=False)
    assert rep.runs.total == 6 * 2 and [r.total for r in rep.reform_runs] == [12, 12], \
        "each scenario runs once per point and seed, however many outputs use it"
    job = sens._Job.make(spec, out, None)
    X = sens.sample(job.problem, "morris", 2, 5)
    got = sens.outputs(job, len(X))
    overrides = {"run.days": 800, "city.n_residents": 1000, "enforcement.other_probes": 0.5}
    moved = 0
    for i, row in enumerate(X):
        point = {**overrides, "requests.property_request": float(row[0]), "enforcement.review_catch": float(row[1])}
        base = sim.run(load("baseline", point), replicates=2, seed=5)
        warrant = sim.run(load("warrant_required", point), replicates=2, seed=5)
        moratorium = sim.run(load("federal_fr_moratorium", point), replicates=2, seed=5)
        want = {"requests_warrant": (_total(warrant, "footage_requests_warrantless")
                                     - _total(base, "footage_requests_warrantless")).mean(),
                "granted_warrant": (_total(warrant, "footage_granted") - _total(base, "footage_granted")).mean(),
                "searches_moratorium": (_total(moratorium, "fr_searches") - _total(base, "fr_searches")).mean(),
                "fr_searches": _total(base, "fr_searches").mean()}
        for name, value in want.items():
            assert got[name][i] == pytest.approx(value), (name, i)
        moved += want["requests_warrant"] != 0
    assert moved, "the warrant requirement changed warrantless requests at some point (else the test is void)"


@pytest.mark.parametrize("bad, expected", [
    ("no_such_law", r"reform = 'no_such_law': no such shipped scenario; allowed: .*warrant_required"),
    ("baseline", r"reform = 'baseline': is the spec's own scenario"),
])
def test_bad_reform_is_refused_naming_the_field(tmp_path, bad, expected):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace('reform = "warrant_required"', f'reform = "{bad}"', 1))
    with pytest.raises(InputError, match=expected):
        read_spec(spec, kind="sensitivity")
    r = CliRunner().invoke(app, ["sensitivity", str(spec), "--out", str(tmp_path / "out")])
    assert r.exit_code == 2, r.output
    assert "requests_warrant" in r.output and bad in r.output
    assert not (tmp_path / "out").exists(), "nothing is written for a bad spec"


def test_reform_outputs_are_for_sensitivity_specs_only(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace('method = "morris"', 'design = "lhs"'))
    with pytest.raises(InputError, match="reform differences are for sensitivity specs"):
        read_spec(spec, kind="sweep")


SHIPPED = {"spec": "demo", "method": "morris", "index": "mu_star", "samples": 6, "replicates": 1, "residents": 8000,
           "days": 1461, "date": "2026-11-30", "parameters": ["coverage.kappa", "trust.stop_loss",
                                                             "enforcement.review_catch", "offenders.journey_decay"],
           "outputs": {
               "ws_regulation": {"metric": "wrongful_stops", "reform": "federal_fr_regulated", "ranking": [
                   {"parameter": "enforcement.review_catch", "index": 4.0, "conf": 1.0},
                   {"parameter": "coverage.kappa", "index": 1.0, "conf": 1.0},
                   {"parameter": "trust.stop_loss", "index": 0.0, "conf": 0.0}]},
               "ws": {"metric": "wrongful_stops", "reform": "", "ranking": [
                   {"parameter": "offenders.journey_decay", "index": 30.0, "conf": 1.0},
                   {"parameter": "coverage.kappa", "index": 3.0, "conf": 1.0}]},
               "cameras": {"metric": "cameras", "reform": "", "ranking": [
                   {"parameter": "coverage.kappa", "index": 9.0, "conf": 1.0}]}}}


def test_footer_of_a_metric_names_its_shipped_top_assumptions(tmp_path):
    p = load("baseline", {"enforcement.review_catch": 0.3}).params
    path = tmp_path / "drivers.json"
    path.write_text(json.dumps(SHIPPED))
    shipped = drivers.load(path)
    # mean shares of each output's largest index: review_catch (1 + 0) / 2, journey_decay (0 + 1) / 2,
    # kappa (0.25 + 0.1) / 2; stop_loss has no effect and is not named
    assert drivers.ranking("wrongful_stops", shipped) == ["enforcement.review_catch", "offenders.journey_decay",
                                                          "coverage.kappa"]
    lines = drivers.lines(p, "wrongful_stops", shipped)
    assert lines[0] == "enforcement.review_catch = 0.3 (assumption 0.2-0.8)", "the value used, and the range"
    assert "demo (6 trajectories, 8,000 residents, 1,461 days, 1 replicate; 2026-11-30)" in lines[-1]
    meta = {"baseline": "baseline", "drivers": drivers.by_metric(p, shipped), "assumptions": ["fixed"]}
    foot = caption(meta, ["baseline"], metric="wrongful_stops", width=10_000)
    assert "What decides this most: enforcement.review_catch = 0.3" in foot and "fixed" not in foot
    assert "No shipped sensitivity ranking for this metric; assumptions: fixed" in caption(
        meta, ["baseline"], metric="fear_mean", width=10_000)
    # the ranking follows the file: journey_decay falls below kappa in the level output
    changed = json.loads(json.dumps(SHIPPED))
    changed["outputs"]["ws"]["ranking"][0]["index"] = 0.5
    path.write_text(json.dumps(changed))
    drivers.load.cache_clear()
    # mean shares now: kappa (0.25 + 1) / 2, review_catch 1 / 2, journey_decay (1 / 6) / 2
    assert drivers.ranking("wrongful_stops", drivers.load(path)) == ["coverage.kappa", "enforcement.review_catch",
                                                                     "offenders.journey_decay"]
    foot = caption({**meta, "drivers": drivers.by_metric(p, drivers.load(path))}, ["baseline"],
                   metric="wrongful_stops", width=10_000)
    assert "What decides this most: coverage.kappa = 5 (assumption 2-10); enforcement.review_catch" in foot


def test_key_assumptions_keeps_its_general_form_and_takes_a_metric():
    assert key_assumptions(Params()) == list(KEY_ASSUMPTIONS)
    shipped = drivers.load()
    assert shipped is not None, "survsim ships drivers.json"
    top = drivers.ranking("wrongful_stops")
    assert top and key_assumptions(Params(), "wrongful_stops")[:len(top)] == drivers.lines(
        Params(), "wrongful_stops")[:len(top)]
    assert key_assumptions(Params(), "no_such_metric")[0].startswith("no shipped sensitivity ranking")


def test_shipped_spec_lists_existing_parameters_with_declared_ranges_and_the_file_matches_it():
    spec = read_spec("reforms_morris", kind="sensitivity")
    declared = {leaf.path: leaf.assumption for leaf in leaves(Params())}
    assert len(spec.axes) >= 15
    for a in spec.axes:
        assert declared.get(a.path) is not None, a.path
        assert (a.low, a.high) == tuple(float(x) for x in declared[a.path]), a.path
    assert {o.reform for o in spec.outputs} >= {"federal_fr_moratorium", "federal_fr_regulated"}
    shipped = drivers.load()
    assert shipped["spec"] == spec.name and shipped["method"] == spec.design
    assert shipped["parameters"] == [a.path for a in spec.axes]
    assert list(shipped["outputs"]) == [o.name for o in spec.outputs]
    assert shipped["samples"] == spec.samples and shipped["residents"] == spec.base.params.city.n_residents
    for o in spec.outputs:
        ranked = shipped["outputs"][o.name]["ranking"]
        assert shipped["outputs"][o.name]["metric"] == o.metric and shipped["outputs"][o.name]["reform"] == o.reform
        assert [r["index"] for r in ranked] == sorted((r["index"] for r in ranked), reverse=True)


def test_ship_writes_the_same_file_from_the_same_folder(tmp_path):
    """Regeneration is deterministic; a folder without a finished run is refused."""
    out = tmp_path / "out"
    spec = tmp_path / "s.toml"
    spec.write_text(SPEC.replace('"run.days" = 800', '"run.days" = 60').replace("replicates = 2", "replicates = 1"))
    sens.sensitivity(spec, out, images=False)
    a, b = drivers.ship(out, tmp_path / "a.json"), drivers.ship(out, tmp_path / "b.json")
    assert a.read_bytes() == b.read_bytes()
    assert drivers.main([str(tmp_path / "empty"), "--to", str(tmp_path / "c.json")]) == 2
    assert not (tmp_path / "c.json").exists()


def test_compare_charts_footer_names_the_shipped_drivers_of_their_metric():
    from sim.experiments.compare import compare
    from sim.output import figures

    c = compare(["federal_fr_regulated"], replicates=1, days=30, residents=300, cache=None)
    meta = c.meta()
    p = c.results["baseline"].scenario.params
    assert meta["drivers"] == drivers.by_metric(p) and "wrongful_stops" in meta["drivers"]
    for metric in ("wrongful_stops", "clearances"):
        for fig in (figures.timeseries(c.timeseries, metric, meta), figures.difference(c.timeseries, metric, meta)):
            foot = " ".join(a.text for a in fig.layout.annotations if a.name == "caption").replace("<br>", " ")
            top = drivers.ranking(metric)[0]
            assert "What decides this most: " + top in foot, foot
            assert drivers.source(drivers.load()).split(" (")[0] in foot
    foot = figures.timeseries(c.timeseries, "gallery_share", meta).layout.annotations
    assert any("No shipped sensitivity ranking" in a.text for a in foot if a.name == "caption")
    from sim.output.report import _header

    head = _header(meta)
    assert "What decides each result most" in head and drivers.lines(p, "clearances")[0] in head
