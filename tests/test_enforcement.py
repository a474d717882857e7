"""The path from footage to stops and arrests, and its feedback loops (directions over seeds)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.mechanisms import enforcement
from sim.model import SurveillanceModel
from tests.conftest import run_model, small

SEEDS = (1, 2, 3, 4)


def heavy(**dotted):
    """A city where every department searches and many offences have a face image, so
    that enforcement counts are large enough to compare groups."""
    return small(days=1000, residents=20_000, **{"city.grid_side": 10, "enforcement.fr_departments": 1.0,
                                                 "enforcement.other_probes": 0.2, **dotted})


def pooled(params, metric, seeds=SEEDS):
    """Run totals of ``metric`` by group, summed over seeds; and group sizes summed."""
    by_group, sizes, totals = 0, 0, []
    for s in seeds:
        m = run_model(params, s)
        r = m.recorder
        by_group = by_group + np.nansum(r.by_group[:, r.index[metric], :], axis=0)
        sizes = sizes + np.bincount(m.city.group, minlength=len(m.group_keys))
        totals.append(r.get(metric).sum())
    return by_group, sizes, np.array(totals)


@pytest.fixture(scope="module")
def base():
    return {name: pooled(heavy(), name) for name in ("fr_false_candidates", "wrongful_stops", "fr_searches")}


def test_higher_threshold_fewer_false_candidates(base):
    strict = pooled(heavy(**{"recognition.threshold": 0.95}), "fr_false_candidates")[2]
    loose = base["fr_false_candidates"][2]
    assert (strict < loose).all(), f"0.95: {strict} vs 0.80: {loose}"
    assert loose.min() > 50, "too few false candidates to test anything"


def test_bigger_gallery_more_false_candidates(base):
    big = pooled(heavy(**{"gallery.photos_per_catchment_person": 5.0}), "fr_false_candidates")[2]
    assert (big > 3 * base["fr_false_candidates"][2]).all()


def test_wrongful_stops_fall_on_groups_with_higher_fmr_and_gallery_share(base):
    """Per group, false candidates (hundreds per group here) show the FMR and gallery effects;
    wrongful stops (a few per sex-split group: Black women had 8-13 over these seeds, a ratio
    that swung 0.9-1.6 with unrelated changes) are compared for Black residents pooled."""
    keys = heavy().group_keys
    fc, size, _ = base["fr_false_candidates"]
    rate = dict(zip(keys, fc / size))
    # Black women: ~14x white men's FMR; Black men: high FMR ratio and 28.4% of arrests.
    assert rate["black_f"] > 1.5 * rate["white_m"], rate
    assert rate["black_m"] > 1.5 * rate["white_m"], rate
    assert rate["white_m"] > rate["white_f"], "the gallery is ~73% men: more false candidates are men"
    ws, size, _ = base["wrongful_stops"]
    w = dict(zip(keys, ws)), dict(zip(keys, size))
    black = (w[0]["black_f"] + w[0]["black_m"]) / (w[1]["black_f"] + w[1]["black_m"])
    assert w[0]["black_f"] + w[0]["black_m"] >= 20, w[0]  # events behind the pooled rate
    assert black > w[0]["white_m"] / w[1]["white_m"], w


def test_baseline_disparity_metric_above_one_for_black_groups():
    # The metric is each group's cumulative wrongful stops per resident over white men's. Black
    # women have 1-3 wrongful stops a run here, so their own ratio swings across 1 with any
    # change to the random sequence (0.4-1.4 over seeds 1-3); the direction is asserted for
    # Black residents, women and men pooled (~10 stops; pooled over seeds in the test below).
    m = run_model(heavy(), 2)
    r, keys = m.recorder, m.group_keys
    ratio = r.by_group[-1, r.index["disparity_wrongful_stops"]]
    ws = np.nansum(r.by_group[:, r.index["wrongful_stops"], :], axis=0)
    size = np.bincount(m.city.group, minlength=len(keys))
    wm = keys.index("white_m")
    assert ratio[wm] == 1.0
    assert ratio == pytest.approx(ws / size / (ws[wm] / size[wm]))
    black = [keys.index("black_f"), keys.index("black_m")]
    assert ws[black].sum() >= 8
    assert ratio[black] @ size[black] / size[black].sum() > 1, dict(zip(keys, ratio))


def test_gallery_loop_cut_slows_growth_of_disparity():
    # At the calibrated catchment (30 people per resident) the gallery grows ~4% in 1,000
    # days at this city size, within the noise of ~800 false candidates. A 10x catchment alone
    # scales the starting gallery too (still ~1% growth: the earlier version of this test, on
    # ~200 wrongful stops, passed or failed with the random sequence). A small starting gallery
    # (0.02 photos per catchment person) lets the loop's photos more than double it, so the
    # direction shows in false candidates per resident (~900 vs ~600 over four seeds): the
    # mechanism, not its calibrated size.
    loud = {"gallery.catchment_ratio": 300.0, "gallery.photos_per_catchment_person": 0.02}
    on_fc, size, _ = pooled(heavy(**loud), "fr_false_candidates")
    off_fc, _, _ = pooled(heavy(**loud, **{"loops.gallery": False}), "fr_false_candidates")

    def gap(fc):  # false candidates per capita, Black minus white
        return (fc[2] + fc[3]) / (size[2] + size[3]) - (fc[0] + fc[1]) / (size[0] + size[1])

    assert gap(on_fc) > 1.3 * gap(off_fc) > 0, (gap(on_fc), gap(off_fc))
    m = run_model(heavy(**{"loops.gallery": False}), 1)
    assert np.ptp(m.recorder.get("gallery_size")) == 0, "loop cut: the gallery must not grow"
    m = run_model(heavy(), 1)
    assert m.recorder.get("gallery_size")[-1] > m.recorder.get("gallery_size")[0]


def test_moratorium_switch_stops_searches():
    _, _, searches = pooled(heavy(**{"enforcement.fr_allowed": False}), "fr_searches", seeds=(1,))
    assert searches.sum() == 0


def test_no_arrest_on_match_alone_cuts_wrongful_arrests():
    a = pooled(heavy(), "wrongful_arrests")[2].sum()
    b = pooled(heavy(**{"enforcement.match_alone_arrest": False}), "wrongful_arrests")[2].sum()
    assert b < a


def test_review_catches_false_candidates():
    with_review = pooled(heavy(), "wrongful_stops")[2].sum()
    without = pooled(heavy(**{"enforcement.review": False}), "wrongful_stops")[2].sum()
    assert without > with_review


def test_emotion_screening_turns_flags_into_stops():
    off = pooled(heavy(**{"emotion.enabled": True}), "wrongful_stops", seeds=(1, 2))
    on = pooled(heavy(**{"emotion.enabled": True, "enforcement.emotion_stops": True}), "wrongful_stops", seeds=(1, 2))
    flags, size, _ = pooled(heavy(**{"emotion.enabled": True}), "emotion_flags", seeds=(1, 2))
    assert flags.sum() > 0
    assert on[2].sum() > off[2].sum()
    keys = heavy().group_keys
    per_capita = dict(zip(keys, flags / size))
    assert per_capita["black_m"] + per_capita["black_f"] > per_capita["white_m"] + per_capita["white_f"]
    none, _, _ = pooled(heavy(), "emotion_flags", seeds=(1,))
    assert none.sum() == 0, "emotion analysis is off by default"


def test_attention_follows_recorded_incidents():
    p_on, p_off = small(), small(**{"loops.attention": False})
    att = np.array([1.0, 1.0])
    bumped = enforcement.attention_update(att, np.array([5.0, 1.0]), p_on)
    assert bumped[0] > bumped[1]
    np.testing.assert_array_equal(enforcement.attention_update(att, np.array([5.0, 1.0]), p_off), att)
    m_on, m_off = run_model(p_on, 1), run_model(p_off, 1)
    start = SurveillanceModel(p_on, seed=1).attention
    np.testing.assert_allclose(m_off.attention, start)
    assert not np.allclose(m_on.attention, start)


def test_clearance_rate_near_fbi():
    """Property 17.2% and violent ~45% cleared by arrest: the mix lands near 20%."""
    cleared = pooled(small(days=1095, residents=20_000, **{"city.grid_side": 10}), "clearances", seeds=(1, 2))[2].sum()
    recorded = pooled(small(days=1095, residents=20_000, **{"city.grid_side": 10}), "crimes_recorded", seeds=(1, 2))[2].sum()
    assert 0.15 < cleared / recorded < 0.30, cleared / recorded
