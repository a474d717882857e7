"""Benefit-harm frontier: levers move benefits and harms the way their mechanisms say."""

from __future__ import annotations

import numpy as np
import pytest

from sim.core.errors import InputError
from sim.experiments.frontier import LEVERS, NO_FR, frontier

BUSY = {"enforcement.other_probes": 0.5, "enforcement.fr_departments": 1.0}


def rows(f, quantity, group="all"):
    t = f.table()
    return t[(t.quantity == quantity) & (t.group == group)].set_index("value")


@pytest.fixture(scope="module")
def threshold():
    return frontier("baseline", "threshold", [0.5, 0.99], replicates=3, seed=2, residents=15_000, days=600,
                    workers=2, extra=BUSY)


def test_strict_threshold_causes_fewer_wrongful_stops(threshold):
    harm = rows(threshold, "wrongful_stops_caused")
    assert harm.loc[0.99, "mean"] < harm.loc[0.5, "mean"]
    assert harm.loc[0.5, "low"] > 0, "a loose threshold causes wrongful stops"


def test_benefit_and_harm_are_differences_to_the_paired_no_fr_run(threshold):
    f = threshold
    per = f.per_replicate()
    n = f.runs[NO_FR][0].group_size.sum()
    for r in range(len(f.seeds)):
        t, base = f.runs[0.5][r], f.runs[NO_FR][r]
        assert t.seed == base.seed, "paired: the same seed with and without face recognition"
        want = (t.total["clearances"] - base.total["clearances"]) / n / f.years * 1e5
        got = per.query("value == 0.5 and replicate == @r and quantity == 'clearances_gained'").rate.item()
        assert got == pytest.approx(want)
    # No face recognition: no searches, no wrongful stops from matches (emotion stops are off).
    assert all(b.total["fr_searches"] == 0 and b.total["wrongful_stops"] == 0 for b in f.runs[NO_FR])


def test_per_group_harm_rates_are_per_resident_of_the_group(threshold):
    f = threshold
    t, base = f.runs[0.5][0], f.runs[NO_FR][0]
    g = f.groups.index("black_f")
    want = (t.by_group["wrongful_stops"][g] - base.by_group["wrongful_stops"][g]) / base.group_size[g] / f.years * 1e5
    got = f.per_replicate().query("value == 0.5 and replicate == 0 and quantity == 'wrongful_stops_caused' "
                                  "and group == 'black_f'").rate.item()
    assert got == pytest.approx(want)


def test_seriousness_limit_trades_searches_for_fewer_harms():
    f = frontier("baseline", "seriousness", replicates=2, seed=3, residents=10_000, days=500, workers=2, extra=BUSY)
    searches = rows(f, "fr_searches")["mean"]
    assert list(searches.index) == ["petty_theft", "vehicle_theft", "burglary", "violent"]
    assert np.all(np.diff(searches.to_numpy()) < 0), "each stricter limit searches fewer offences"
    harm = rows(f, "wrongful_stops_caused")["mean"]
    assert harm["violent"] < harm["petty_theft"]
    assert f.lever.show("violent") == "violent crime or worse" and f.lever.show("petty_theft") == "any offence"


def test_warrant_lever_reduces_footage_searched():
    f = frontier("baseline", "warrant", replicates=2, seed=4, residents=10_000, days=600, workers=2,
                 extra={"enforcement.fr_departments": 1.0, "enforcement.other_probes": 0.0,
                        "enforcement.usable_face": 1.0})
    searches = rows(f, "fr_searches")["mean"]
    assert searches[True] < searches[False]


def test_bad_lever_and_values_are_named():
    with pytest.raises(InputError, match="--vary = 'tresh' is not a lever; allowed: threshold, review"):
        frontier("baseline", "tresh", replicates=2, days=5, residents=300)
    with pytest.raises(InputError, match="'burglery' is not an offence type; allowed: petty_theft"):
        LEVERS["seriousness"].parse("burglery")
    with pytest.raises(InputError, match="1.5 is out of range; allowed: 0 to 1"):
        LEVERS["threshold"].parse("1.5")
    with pytest.raises(InputError, match="repeats a value"):
        frontier("baseline", "threshold", [0.9, 0.9], replicates=2, days=5, residents=300)


@pytest.mark.parametrize("lever, values", [("algorithm", ("vendor_2018", "nist_median", "nist_leading")),
                                           ("search_mode", ("threshold", "top_k", "top_k_threshold"))])
def test_algorithm_and_search_mode_are_levers(lever, values):
    f = frontier("baseline", lever, replicates=2, seed=5, residents=4000, days=400, workers=1, extra=BUSY)
    searches = rows(f, "fr_searches")
    assert list(searches.index) == list(values)
    assert (searches["mean"] > 0).all()
    with pytest.raises(InputError, match="allowed: " + ", ".join(values)):
        LEVERS[lever].parse("bogus")
    if lever == "search_mode":  # top-k fills every list: more wrongful stops than threshold searches at 0.8
        harm = rows(f, "wrongful_stops_caused")["mean"]
        assert harm["top_k"] > harm["threshold"]
