"""Offence types (rates, reporting, clearance, seriousness), the seriousness limit on face
searches, and the privacy-exposure metrics."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.mechanisms import crime
from sim.model import SurveillanceModel
from sim.core.offences import OFFENCES, PROPERTY_KINDS, VIOLENT
from sim.params import Params
from sim.policy.policies import parse
from tests.conftest import run_model, small

FBI_2019 = {"property": 2109.9, "violent": 366.7, "larceny_clearance": 0.184, "burglary_clearance": 0.141,
            "property_clearance": 0.172}


def busy(**dotted):
    """Every department searches and many offences have a face image."""
    return small(days=800, residents=8000, **{"enforcement.fr_departments": 1.0, "enforcement.other_probes": 0.3,
                                              **dotted})


def total(m: SurveillanceModel, metric: str) -> float:
    return float(m.recorder.get(metric).sum())


# --- offence types: published figures -------------------------------------------------------

def test_recorded_rates_add_up_to_fbi_totals():
    r = crime.recorded_rates(Params().crime)
    assert r[list(PROPERTY_KINDS)].sum() == pytest.approx(FBI_2019["property"])
    assert r[VIOLENT] == pytest.approx(FBI_2019["violent"])
    assert r[OFFENCES.index("petty_theft")] / FBI_2019["property"] == pytest.approx(0.734)


def test_reporting_by_type_gives_ncvs_property_total():
    p = Params().crime
    rep, rec = crime.reporting(p), crime.recorded_rates(p)
    prop = list(PROPERTY_KINDS)
    implied = rec[prop].sum() / (rec[prop] / rep[prop]).sum()  # reported share of actual property crime
    assert implied == pytest.approx(0.35)
    # NCVS order: thefts least reported, vehicle thefts most.
    assert rep[OFFENCES.index("petty_theft")] < rep[OFFENCES.index("burglary")] < rep[OFFENCES.index("vehicle_theft")]


def test_clearance_by_type_matches_fbi_and_property_total():
    p = Params()
    c, rec = crime.clearance(p.crime, p.enforcement), crime.recorded_rates(p.crime)
    assert c[OFFENCES.index("petty_theft")] == FBI_2019["larceny_clearance"]
    assert c[OFFENCES.index("burglary")] == FBI_2019["burglary_clearance"]
    prop = list(PROPERTY_KINDS)
    assert (c[prop] * rec[prop]).sum() / rec[prop].sum() == pytest.approx(FBI_2019["property_clearance"])


def test_model_records_offence_mix_and_clears_each_type_at_fbi_rates():
    # Equal investigative effort everywhere (no over-policing), so that clearance by type
    # is the FBI rate itself rather than the rate times the effort where offences fell.
    m = run_model(small(days=730, residents=60_000, **{"enforcement.fr_allowed": False, "city.grid_side": 10,
                                                       "patrol.over_policing": 0.0}), seed=4)
    rec = {k: total(m, f"recorded_{k}") for k in OFFENCES}
    cleared = {k: total(m, f"cleared_{k}") for k in OFFENCES}
    assert sum(rec.values()) == total(m, "crimes_recorded")
    assert sum(cleared.values()) == total(m, "clearances")
    prop = rec["petty_theft"] + rec["vehicle_theft"] + rec["burglary"]
    assert rec["petty_theft"] / prop == pytest.approx(0.734, abs=0.03)
    assert rec["violent"] / (prop + rec["violent"]) == pytest.approx(366.7 / (2109.9 + 366.7), abs=0.02)
    rate = {k: cleared[k] / rec[k] for k in OFFENCES}
    # Within ~3 binomial standard errors of FBI 2019 (counts: ~1,600 thefts, ~370 burglaries).
    assert rate["petty_theft"] == pytest.approx(FBI_2019["larceny_clearance"], abs=0.03)
    assert rate["burglary"] == pytest.approx(FBI_2019["burglary_clearance"], abs=0.055)
    assert rate["violent"] == pytest.approx(0.45, abs=0.08)


# --- seriousness limit ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def searched():
    """Runs with the searches allowed for any offence, and only for violent crime."""
    return {lvl: run_model(busy(**{"enforcement.fr_min_offence": lvl}), seed=5) for lvl in ("petty_theft", "violent")}


def test_serious_crime_limit_stops_searches_for_thefts_and_keeps_violent_ones(searched):
    anyone, violent_only = searched["petty_theft"], searched["violent"]
    assert total(anyone, "searched_petty_theft") > 50, "too few searches to test anything"
    for k in ("petty_theft", "vehicle_theft", "burglary"):
        assert total(violent_only, f"searched_{k}") == 0
    # Which offences are searched does not depend on search outcomes: the same violent ones.
    assert total(violent_only, "searched_violent") == total(anyone, "searched_violent") > 0
    assert total(violent_only, "fr_searches") == total(violent_only, "searched_violent")
    assert total(violent_only, "wrongful_stops") < total(anyone, "wrongful_stops")


def test_serious_crime_policy_acts_from_its_start_date():
    params = busy()
    start = 500
    pol = parse([{"type": "fr_serious_crime_only", "start": start, "min_offence": "burglary"}], "test")
    m = SurveillanceModel(params, seed=5, policies=pol)
    m.run()
    base = run_model(params, seed=5)
    before = slice(0, start)
    for k in OFFENCES:
        a, b = m.recorder.get(f"searched_{k}"), base.recorder.get(f"searched_{k}")
        assert np.array_equal(a[before], b[before]), k
    after = slice(start, None)
    assert m.recorder.get("searched_petty_theft")[after].sum() == 0
    assert m.recorder.get("searched_vehicle_theft")[after].sum() == 0
    assert base.recorder.get("searched_petty_theft")[after].sum() > 0


def test_scenario_file_with_seriousness_limit_loads_and_bad_offence_is_named():
    sc = sim.load("fr_serious_crime_only")
    assert sc.policies[0]["min_offence"] == "violent"
    with pytest.raises(sim.core.errors.InputError, match="min_offence.*'package'"):
        parse([{"type": "fr_serious_crime_only", "min_offence": "package"}], "bad.toml")


# --- privacy exposure ----------------------------------------------------------------------------

def test_person_days_on_camera_is_coverage_times_residents(searched):
    m = searched["petty_theft"]
    r = m.recorder
    n = len(m.city.group)
    per_day = r.get("person_days_on_camera")[1:]
    assert np.allclose(per_day, r.get("coverage_mean")[1:] * n)
    by_group = r.by_group[1:, r.index["person_days_on_camera"]]
    assert np.allclose(by_group.sum(axis=1), per_day)
    assert per_day[-1] > per_day[0] > 0, "more cameras, more resident-days on camera"


def test_footage_without_warrant_is_granted_in_app_footage_and_zero_under_warrants():
    m = run_model(busy(), seed=6)
    assert total(m, "footage_obtained_without_warrant") == total(m, "footage_granted") > 0
    w = run_model(busy(**{"requests.warrant_required": True}), seed=6)
    assert total(w, "footage_obtained_without_warrant") == 0
    assert total(w, "footage_granted") > 0, "footage still comes, through legal process"


def test_gallery_share_counts_people_in_the_gallery(searched):
    m = searched["petty_theft"]
    r = m.recorder
    share = dict(zip(m.group_keys, r.by_group[-1, r.index["gallery_share"]]))
    sizes = np.bincount(m.city.group, minlength=len(m.group_keys))
    enrolled = np.bincount(m.city.group[m.gallery.enrolled], minlength=len(m.group_keys))
    assert np.allclose(r.by_group[-1, r.index["gallery_share"]], enrolled / sizes)
    assert r.get("gallery_share")[-1] == pytest.approx(m.gallery.enrolled.mean())
    assert np.all(np.diff(r.get("gallery_share")) >= 0), "a photo is never removed"
    assert share["black_m"] > 1.5 * share["white_m"], "the gallery follows arrest shares (FBI 2019)"


def test_searches_per_1000_is_searches_over_residents(searched):
    m = searched["petty_theft"]
    r = m.recorder
    n = len(m.city.group)
    assert np.allclose(r.get("searches_per_1000") * n / 1000, r.get("fr_searches"))
    sizes = np.bincount(m.city.group, minlength=len(m.group_keys))
    i = r.index["searches_per_1000"]
    assert np.allclose(r.by_group[:, i] * sizes / 1000, r.by_group[:, r.index["fr_searches"]])
