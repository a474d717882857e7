"""Segregation per group: each minority category reaches its own dissimilarity and
isolation targets at the three presets; hypersegregation forms majority-Black areas."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sim
from cli_run import survsim
from sim.experiments.fitting import with_values
from sim.output.cli_tables import city_report

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("scenario", ["segregation_mild", "baseline", "segregation_hyper"])
def test_presets_reach_every_groups_targets(scenario):
    # 100k residents: at 20k only ~260 American Indian residents share 100 neighbourhoods,
    # and whole households make their dissimilarity read high (small-number bias).
    p = with_values(sim.load(scenario).params, **{"city.n_residents": 100_000})
    rep = city_report(p, seed=1)
    for g, r in rep["groups"].items():
        assert abs(r["dissimilarity"] - r["dissimilarity_target"]) <= 0.05, (scenario, g, r)
        if r["isolation_target"] is not None:
            assert abs(r["isolation"] - r["isolation_target"]) <= 0.05, (scenario, g, r)


def test_hypersegregation_puts_most_black_residents_in_majority_black_areas():
    hyper = city_report(sim.load("segregation_hyper").params, seed=1)["groups"]["black"]
    mild = city_report(sim.load("segregation_mild").params, seed=1)["groups"]["black"]
    assert hyper["share_where_majority"] > 0.5 and hyper["majority_neighbourhoods"] >= 5
    assert mild["share_where_majority"] < hyper["share_where_majority"]


def test_groups_segregate_separately():
    # Raising Black segregation leaves Hispanic segregation at its own target.
    base = city_report(sim.load("baseline").params, seed=2)["groups"]
    hyper = city_report(sim.load("segregation_hyper").params, seed=2)["groups"]
    assert hyper["black"]["isolation"] - base["black"]["isolation"] > 0.15
    assert abs(hyper["hispanic"]["dissimilarity"] - base["hispanic"]["dissimilarity"]) < 0.02


def test_city_command_json_reports_targets_beside_values():
    out = survsim("city", "segregation_hyper", "--json", cwd=ROOT, check=True).stdout
    rep = json.loads(out)
    assert rep["scenario"] == "segregation_hyper" and rep["residents"] == 20_000
    black = rep["groups"]["black"]
    assert black["dissimilarity_target"] == 0.711 and black["isolation_target"] == 0.642
    assert abs(black["isolation"] - 0.642) <= 0.05


def test_bad_isolation_is_refused_naming_the_field(tmp_path):
    f = tmp_path / "bad.toml"
    f.write_text('extends = "baseline"\n[params.city]\nisolation = { black = 1.5 }\n')
    r = survsim("city", str(f), cwd=ROOT)
    assert r.returncode == 2 and "isolation" in r.stderr and "1.5" in r.stderr
