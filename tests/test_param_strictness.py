"""Strict parameter types (issue 13, item 7): no bool or text as a number, no NaN/inf
anywhere (also inside per-group dicts), unknown group names refused with a suggestion, no
empty group key, and more groups than int8 can index."""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim
from sim.core.errors import InputError
from sim.core.groups import GROUP_KEYS
from sim.core.paramtree import leaves
from sim.model import SurveillanceModel
from sim.policy.scenario import validate

LEAVES = {leaf.path: leaf for leaf in leaves(sim.Params())}
NUMBERS = [p for p, leaf in LEAVES.items() if type(leaf.value) in (int, float)]
INTS = [p for p in NUMBERS if type(LEAVES[p].value) is int]


def _nested(ov: dict) -> dict:
    out: dict = {}
    for path, v in ov.items():
        *parents, leaf = path.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = v
    return out


def _refused(ov: dict, *fragments: str) -> str:
    """Set dotted leaves as a scenario file would; the InputError must name what is given."""
    with pytest.raises(InputError) as e:
        validate(_nested(ov), "s.toml")
    msg = str(e.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in: {msg}"
    return msg


@pytest.mark.parametrize("path", NUMBERS)
def test_true_is_not_a_number(path):
    _refused({path: True}, path.rsplit(".", 1)[-1], "True")


@pytest.mark.parametrize("path", INTS)
def test_text_and_fractions_are_not_integers(path):
    _refused({path: str(LEAVES[path].value)}, path.rsplit(".", 1)[-1])
    _refused({path: float(LEAVES[path].value) + 0.5}, path.rsplit(".", 1)[-1])


def test_integers_are_fine_floats_and_dates_may_be_iso_text():
    p = sim.load("baseline", {"adoption.beta_fear": 3, "run.start_date": "2018-01-01"}).params
    assert p.adoption.beta_fear == 3.0 and p.run.start_date.year == 2018


def _per_group(path: str, key: str, x: float) -> dict:
    return {path: {**LEAVES[path].value, key: x}}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("ov", [
    lambda x: _per_group("recognition.calibration.gallery_other_races", "white", x),
    lambda x: _per_group("recognition.impostor_mean", "black_f", x),
    lambda x: _per_group("recognition.genuine_mean", "white_m", x),
    lambda x: _per_group("emotion.group_multiplier", "black_m", x),
    lambda x: _per_group("recognition.calibration.congress_shares", "white_m", x),
    lambda x: {"groups.offending_ratio": {"black_m": x}},
], ids=["gallery_other_races", "impostor_mean", "genuine_mean", "group_multiplier", "congress_shares",
        "offending_ratio"])
def test_non_finite_refused_inside_dicts(ov, bad):
    """gallery_other_races = {white = nan, ...} gave gallery_size = -9.22e18 with exit 0."""
    o = ov(bad)
    path = next(iter(o))
    _refused(o, f"params.{path}", "finite")


@pytest.mark.parametrize("path", [p for p in NUMBERS if type(LEAVES[p].value) is float])
def test_non_finite_refused_in_every_float_leaf(path):
    for bad in (math.nan, math.inf):
        _refused({path: bad}, f"params.{path}")


def test_over_policed_names_are_checked_with_a_suggestion():
    """["Black"] used to disable over-policing silently (categories are lower case)."""
    msg = _refused({"patrol.over_policed": ["Black"]}, "patrol.over_policed", "'Black'", "Did you mean 'black'?")
    assert "[]" in msg  # says how to switch over-policing off on purpose
    assert sim.load("baseline", {"patrol.over_policed": []}).params.patrol.over_policed == []


@pytest.mark.parametrize("ov, hint", [
    ({"groups.offending_ratio": {"Black_m": 2.0}}, "black_m"),
    ({"enforcement.reference_group": "White_m"}, "white_m"),
    ({"enforcement.score_proxy": {"white_m": "blackf"}}, "black_f"),
    ({"enforcement.score_proxy": {"whte_m": "black_f"}}, "white_m"),
    ({"emotion.group_multiplier": {**{k: 1.0 for k in GROUP_KEYS if k != "asian_f"}, "Asian_f": 1.0}}, "asian_f"),
    ({"recognition.calibration.gallery_other_races": {"white": 0.7, "hispnic": 0.25, "asian": 0.02,
                                                       "native": 0.03}}, "hispanic"),
], ids=["offending_ratio", "reference_group", "proxy_value", "proxy_key", "group_multiplier", "other_races"])
def test_unknown_group_names_suggest_the_known_one(ov, hint):
    _refused(ov, f"Did you mean '{hint}'?")


def test_empty_group_key_refused():
    """"" would collide with the whole-population rows of results (group == "")."""
    _refused({"groups.shares": {"": 0.5, "white_m": 0.5}, "patrol.over_policed": []}, "params.groups.shares", "''")


def test_more_groups_than_int8_holds():
    """More than 127 groups wrapped around int8 to negative indices."""
    keys = [f"g{i}" for i in range(200)]
    sc = sim.load("baseline", {"groups.shares": dict.fromkeys(keys, 1.0),
                               "enforcement.score_proxy": dict.fromkeys(keys, "white_m"),
                               "enforcement.reference_group": "g0", "patrol.over_policed": ["g150"],
                               "city.n_residents": 2000, "city.grid_side": 4, "run.days": 30})
    m = SurveillanceModel(sc.params, seed=0)
    m.run()
    assert m.city.group.min() == 0 and m.city.group.max() == 199
    assert m.over_policed.sum() == (m.city.group == 150).sum() > 0
    assert np.isfinite(m.recorder.by_group[:, m.recorder.index["cameras"], :]).all()
