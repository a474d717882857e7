"""Every number is sourced or declared as an assumption; presets load and validate."""

from __future__ import annotations

import pytest

import sim
from sim.core.errors import InputError
from sim.core.paramtree import is_number, leaves
from sim.policy.scenario import shipped


def test_every_parameter_has_unit_and_provenance():
    missing = [leaf.path for leaf in leaves(sim.Params())
               if not leaf.unit or not leaf.doc or (is_number(leaf.value) and not (leaf.source or leaf.assumption))]
    assert missing == [], f"parameters without unit/doc/source-or-assumption: {missing}"


def test_defaults_inside_declared_ranges_or_bounds():
    for leaf in leaves(sim.Params()):
        if isinstance(leaf.value, (int, float)) and not isinstance(leaf.value, bool):
            if leaf.ge is not None:
                assert leaf.value >= leaf.ge, leaf.path
            if leaf.le is not None:
                assert leaf.value <= leaf.le, leaf.path


@pytest.mark.parametrize("path", shipped(), ids=lambda p: p.stem)
def test_every_shipped_scenario_loads_and_runs(path):
    sc = sim.load(path)
    assert sc.name and sc.description
    res = sim.run(sc, days=40, residents=400)
    assert res.timeseries.value.notna().any()


def test_educator_preset_has_two_groups():
    sc = sim.load("educator")
    assert sc.params.group_keys == ("group_a", "group_b")


def test_group_keys_default_to_census():
    assert sim.Params().group_keys == ("white_f", "white_m", "black_f", "black_m", "hispanic_f",
                                       "hispanic_m", "asian_f", "asian_m", "native_f", "native_m")
    shares = sim.Params().groups.shares
    assert abs(shares["black_f"] + shares["black_m"] - 0.134 / 0.994) < 0.002


def test_override_names_the_flag():
    with pytest.raises(InputError, match="--days = 0"):
        sim.load("baseline", {"run.days": 0})


def test_a_named_choice_lists_its_names_when_refused():
    with pytest.raises(InputError, match=r"allowed: one of 'threshold', 'top_k', 'top_k_threshold'"):
        sim.load("baseline", {"enforcement.search_mode": "top10"})
