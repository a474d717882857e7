"""Search regimes, review as a decision on the list, licence galleries, emotion validity."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.errors import InputError
from sim.mechanisms.review import review
from sim.model import SurveillanceModel
from sim.params import Enforcement
from sim.policy.law import Law
from sim.policy.policies import CandidateCap, FederalFRRegulation, NoLicenceSearch
from sim.recognition import ScoreModel, SearchResult
from tests.conftest import small

START = 300
BUSY = {"enforcement.fr_departments": 1.0, "enforcement.other_probes": 0.3}


def after_start(params, seed, policies=(), metrics=("fr_false_candidates", "wrongful_stops")):
    m = SurveillanceModel(params, seed=seed, policies=policies)
    m.run()
    r = m.recorder
    return {k: r.get(k)[START + 1:].sum() for k in metrics} | {
        f"{k}_before": r.get(k)[1:START].sum() for k in metrics}


@pytest.mark.parametrize("mode", ["top_k", "top_k_threshold"])
def test_regulation_cuts_false_candidates_and_wrongful_stops_in_top_k_modes(mode):
    p = small(days=700, residents=6000, **BUSY, **{"enforcement.search_mode": mode,
                                                  "enforcement.department_thresholds": [0.5] * 4})
    reg = [FederalFRRegulation(type="federal_fr_regulation", start=START)]
    fc, ws = [], []
    for seed in (1, 2, 3):
        base, reform = after_start(p, seed), after_start(p, seed, reg)
        assert base["fr_false_candidates_before"] == reform["fr_false_candidates_before"], "paired before the start"
        fc.append((base["fr_false_candidates"], reform["fr_false_candidates"]))
        ws.append((base["wrongful_stops"], reform["wrongful_stops"]))
    fc, ws = np.array(fc), np.array(ws)
    assert (fc[:, 1] < fc[:, 0]).all() and fc[:, 0].min() > 20, fc
    assert ws[:, 1].sum() < ws[:, 0].sum(), ws


def test_law_rules_floor_binds_top_k_and_cap_binds_every_mode():
    p = small(**{"enforcement.department_modes": ["threshold", "top_k", "top_k_threshold", "top_k"],
                 "enforcement.department_top_k": [5, 5, 3, 50]})
    law = Law.from_params(p, 4)
    thr, k = law.search_rules(np.arange(4))
    assert np.isnan(thr[1]) and thr[0] == thr[2] == 0.8 and list(k) == [0, 5, 3, 50]
    FederalFRRegulation(type="federal_fr_regulation").apply(law, np.arange(4))
    CandidateCap(type="candidate_cap", max_candidates=2).apply(law, np.array([0, 3]))
    thr, k = law.search_rules(np.arange(4))
    assert (thr == 0.99).all(), "the regulation's floor applies in top-k mode too"
    assert list(k) == [2, 5, 3, 2], "a cap limits threshold searches and long lists alike"
    with pytest.raises(InputError, match="department_modes.*one value per city department"):
        Law.from_params(small(**{"enforcement.department_modes": ["top_k"]}), 4)


def test_review_acceptance_rises_with_score_and_some_searches_end_with_no_match():
    model = ScoreModel.from_params()
    e = Enforcement()
    P, G = 20_000, model.gen_mean.size
    fbg = np.zeros((P, G), np.int64)
    fbg[:, 1] = 1  # one false candidate each, white men, no true subject on the list
    g = np.ones(P, np.intp)
    rng = np.random.default_rng(0)

    def accepted(floor_similarity, other_race=False):
        floor = np.full(P, np.log(floor_similarity / (1 - floor_similarity)))
        res = SearchResult(fbg, np.zeros(P, bool), np.full(P, -np.inf), floor)
        d = review(res, g, np.full(P, other_race), np.zeros(P), model, e, rng.random(P), rng)
        assert not d.true_picked.any()
        return (d.false_group >= 0).mean()

    low, high = accepted(0.5), accepted(0.99)
    assert high > low + 0.1, (low, high)
    assert 0 < low < 1 and high < 1, "some searches end with no match"
    assert accepted(0.8, other_race=True) > accepted(0.8) + 0.03, "other-race effect"
    # A true subject scoring far above a lookalike is picked far more often than the lookalike.
    res = SearchResult(fbg, np.ones(P, bool), np.full(P, 6.0), np.full(P, 1.4))
    d = review(res, g, np.zeros(P, bool), np.zeros(P), model, e, rng.random(P), rng)
    assert d.true_picked.mean() > 3 * (d.false_group >= 0).mean()
    assert not (d.true_picked & (d.false_group >= 0)).any(), "one candidate or none"


def test_no_match_metric_counts_searches_without_a_pick():
    m = SurveillanceModel(small(days=500, residents=5000, **BUSY), seed=2)
    m.run()
    r = m.recorder
    searches, none, some = (r.get(k).sum() for k in ("fr_searches", "fr_no_match", "fr_possible_matches"))
    assert searches > 20 and none > 0 and some > 0
    assert none + some == searches


def test_licence_gallery_makes_residents_without_arrests_candidates():
    # Every candidate is stopped (no review, stop_per_lead 1), so who was on the lists shows in
    # residents' wrongful stops: ~30 residents without a booking photo, not the 0-2 that review
    # lets through, which any change to the random sequence could turn to 0.
    p = small(days=700, residents=5000, **{**BUSY, "enforcement.licence_search": True, "gallery.catchment_ratio": 2.0,
                                                  "recognition.threshold": 0.6, "enforcement.other_probes": 1.0,
                                                  "enforcement.review": False, "enforcement.stop_per_lead": 1.0})
    on = SurveillanceModel(p, seed=4)
    booked = on.gallery.enrolled.copy()
    on.run()
    off = SurveillanceModel(p, seed=4, policies=[NoLicenceSearch(type="no_licence_search", start=0)])
    off.run()
    fc_on, fc_off = (m.recorder.get("fr_false_candidates").sum() for m in (on, off))
    assert fc_on > 1.5 * fc_off, (fc_on, fc_off)  # licence photos about double the gallery
    assert ((on.pop.wrongful > 0) & ~booked).sum() >= 10, "licence photos put people with no booking photo on lists"
    assert off.pop.wrongful.sum() >= 10 and not ((off.pop.wrongful > 0) & ~booked).any()


def test_expected_share_of_departments_has_no_design_draw():
    p = small(days=300, residents=3000, **{"enforcement.fr_departments": 0.5, "enforcement.other_probes": 0.3})
    shares = {tuple(SurveillanceModel(p, seed=s).policing.fr_share) for s in range(5)}
    assert shares == {(0.5,) * 4}, "every seed: every department searches half its cases"
    drawn = {tuple(SurveillanceModel(small(**{"enforcement.fr_assignment": "drawn"}), seed=s).policing.fr_share)
             for s in range(8)}
    assert len(drawn) > 1, "the old rule draws which departments search, per seed"
    listed = SurveillanceModel(small(**{"enforcement.fr_assignment": "listed", "enforcement.fr_department_list": [1]}),
                               seed=1).policing.fr_share
    assert list(listed) == [0, 1, 0, 0]


def test_emotion_stops_are_wrongful_only_in_proportion_to_invalid_flags():
    heavy = {"emotion.enabled": True, "enforcement.emotion_stops": True, "enforcement.passersby": 30,
             "emotion.base_rate": 0.1, **BUSY}

    def totals(validity):
        m = SurveillanceModel(small(days=900, residents=8000, **heavy, **{"emotion.validity": validity}), seed=3)
        m.run()
        return m.recorder.get("emotion_flags").sum(), m.recorder.get("wrongful_stops").sum()

    flags, ws_claim = totals(1.0)
    _, ws_low = totals(0.3)
    assert flags > 30
    assert ws_low > ws_claim + 0.5 * flags, "at validity 0.3 most flag stops are wrongful; at 1 none are"
