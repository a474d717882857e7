"""Policies act from their start day, only where they act, in the expected direction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.errors import InputError
from sim.policy.scenario import load

SEEDS = 3
START = 730  # the shipped reforms start on 1 Jan 2019
SMALL = {"run.days": 1100, "city.n_residents": 4000, "city.grid_side": 6}
HEAVY = {"run.days": 1300, "city.n_residents": 20_000, "enforcement.fr_departments": 1.0,
         "enforcement.other_probes": 0.2}


def runs(name: str, over: dict = SMALL, replicates: int = SEEDS) -> sim.Results:
    return sim.run(load(name, over), replicates=replicates, seed=7)


def after(res: sim.Results, metric: str, group: str = "") -> pd.DataFrame:
    s = res.series(metric, group)
    return s[s.index > START]


@pytest.fixture(scope="module")
def baseline():
    return runs("baseline")


def test_identical_to_baseline_before_start(baseline):
    reform = runs("warrant_required")
    b, r = baseline.timeseries, reform.timeseries
    before_b = b[b.day < START].reset_index(drop=True)
    before_r = r[r.day < START].reset_index(drop=True)
    pd.testing.assert_series_equal(before_b.value, before_r.value)
    assert not b[b.day > START].value.reset_index(drop=True).equals(r[r.day > START].value.reset_index(drop=True))


def test_policy_after_the_run_gives_the_baseline():
    short = {**SMALL, "run.days": 500}
    base = sim.run(load("baseline", short), replicates=2, seed=3).timeseries
    late = sim.run(load("combined_reform", short), replicates=2, seed=3).timeseries
    pd.testing.assert_series_equal(base.value, late.value)


def test_warrant_required_ends_warrantless_requests(baseline):
    reform = runs("warrant_required")
    assert (after(reform, "footage_requests_warrantless") == 0).all().all()
    assert after(reform, "footage_requests_warranted").sum().min() > 0
    assert (after(baseline, "footage_requests_warrantless").sum() > 0).all()


def test_moratorium_stops_face_searches(baseline):
    reform = runs("federal_fr_moratorium")
    assert (after(reform, "fr_searches") == 0).all().all()
    assert (after(baseline, "fr_searches").sum() > 0).all()
    before = reform.series("fr_searches")
    assert before[before.index < START].sum().sum() > 0, "searches before the moratorium"


def test_no_credit_program_stops_free_cameras(baseline):
    reform = runs("no_credit_program")
    free = reform.series("free_cameras")
    np.testing.assert_array_equal(free.loc[START + 1:].max(), free.loc[START])
    assert (baseline.series("free_cameras").iloc[-1] > free.iloc[-1]).all()


def test_informed_consent_lowers_grant_rate(baseline):
    reform = runs("informed_consent")

    def rate(res):
        granted = after(res, "footage_granted").sum()
        asked = after(res, "footage_requests_warrantless").sum() + after(res, "footage_requests_warranted").sum()
        return granted / asked

    assert (rate(reform) < rate(baseline)).all(), (rate(reform), rate(baseline))


@pytest.fixture(scope="module")
def heavy_pair():
    return runs("baseline", HEAVY, 4), runs("federal_fr_regulated", HEAVY, 4)


def test_baseline_wrongful_stop_disparity_above_one(heavy_pair):
    """Black residents are wrongfully stopped more often per head than white men, on events
    pooled over replicates (the median of per-replicate ratios rests on ~4 stops of Black
    women each and flips either way: issue 19's rule is to pool events and count them)."""
    base, _ = heavy_pair
    stops = {g: base.series("wrongful_stops", g).to_numpy().sum() for g in ("black_f", "black_m", "white_m")}
    model = sim.SurveillanceModel(load("baseline", HEAVY).params, seed=0)  # group sizes (~equal in every replicate)
    size = dict(zip(model.group_keys, model.group_size.tolist()))
    black = (stops["black_f"] + stops["black_m"]) / (size["black_f"] + size["black_m"])
    assert stops["black_f"] + stops["black_m"] >= 30, stops  # enough events for the ratio (MIN_EVENTS)
    # NIST: Black women ~8x, Black men up to ~7x white men's FMR; Black people 28.4% of arrests.
    assert black / (stops["white_m"] / size["white_m"]) > 1, (stops, size)


def test_regulation_lowers_wrongful_arrests_and_stops(heavy_pair):
    base, reg = heavy_pair
    for metric in ("wrongful_stops", "wrongful_arrests", "fr_false_candidates"):
        diff = after(reg, metric).sum() - after(base, metric).sum()  # paired by replicate
        assert diff.median() < 0, (metric, diff.to_dict())


def test_doorbell_face_recognition_adds_searches(baseline):
    reform = runs("doorbell_face_recognition")
    assert (after(reform, "fr_searches").sum() > after(baseline, "fr_searches").sum()).all()


def test_emotion_screening_then_ban():
    screen, ban = runs("emotion_screening"), runs("emotion_ban")
    assert (after(screen, "emotion_flags").sum() > 0).all()
    flags = ban.series("emotion_flags")
    assert (flags[flags.index >= 1095] == 0).all().all(), "no emotion labels after the ban (day 1095)"


def test_equalised_algorithm_removes_disparity_in_false_candidates():
    base, eq = runs("baseline", HEAVY, 2), runs("equalised_algorithm", HEAVY, 2)
    assert after(eq, "fr_false_candidates").sum().sum() < after(base, "fr_false_candidates").sum().sum()


@pytest.mark.parametrize("text,expected", [
    ('[[policies]]\ntype = "warrant_requirment"\n', "Did you mean 'warrant_requirement'"),
    ('[[policies]]\ntype = "warrant_requirement"\nstrat = 5\n', "Did you mean 'start'"),
    ('[[policies]]\ntype = "warrant_requirement"\nscope = [0, 9]\n', r"names departments \[9\]"),
    ('[[policies]]\ntype = "federal_fr_regulation"\nthreshold = 1.5\n', "'threshold' = 1.5"),
    ('[[policies]]\nstart = 5\n', "needs a 'type'"),
])
def test_bad_policy_entries_are_refused(tmp_path, text, expected):
    f = tmp_path / "p.toml"
    f.write_text('extends = "baseline"\n' + text)
    with pytest.raises(InputError, match=expected) as e:
        load(f)
    assert str(f) in str(e.value)


def test_scope_limits_a_policy_to_some_departments():
    f_over = {**SMALL}
    sc = load("warrant_required", f_over)
    from dataclasses import replace

    part = replace(sc, policies=({**sc.policies[0], "scope": [0]},))
    res = sim.run(part, replicates=2, seed=7)
    assert after(res, "footage_requests_warranted").sum().sum() > 0
    assert after(res, "footage_requests_warrantless").sum().sum() > 0, "other departments still ask without warrants"
