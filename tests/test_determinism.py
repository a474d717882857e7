"""Every run is a pure function of its scenario and seed."""

from __future__ import annotations

import pandas as pd

import sim


def _run(**kw):
    return sim.run("baseline", replicates=2, seed=11, days=520, residents=1500, **kw)


def test_same_seed_same_results_serial_and_parallel():
    a, b, par = _run(), _run(), _run(workers=2)
    pd.testing.assert_frame_equal(a.timeseries, b.timeseries)
    pd.testing.assert_frame_equal(a.timeseries, par.timeseries)
    assert a.seeds == par.seeds


def test_different_seeds_differ_and_replicates_differ():
    a = _run()
    b = sim.run("baseline", replicates=2, seed=12, days=520, residents=1500)
    assert not a.timeseries["value"].equals(b.timeseries["value"])
    s0, s1 = (a.series("crimes_actual")[r] for r in (0, 1))
    assert not s0.equals(s1)


def test_saved_parquet_identical_across_reruns(tmp_path):
    p1 = _run().save(tmp_path / "a")
    p2 = _run(workers=2).save(tmp_path / "b")
    pd.testing.assert_frame_equal(pd.read_parquet(p1 / "timeseries.parquet"),
                                  pd.read_parquet(p2 / "timeseries.parquet"))


def test_compare_runs_every_scenario_on_one_pool_and_matches_serial(monkeypatch):
    """Workers start once per command (each costs a fresh interpreter importing survsim),
    and sharing them changes no result."""
    from sim.experiments import distributed

    started = []
    real = distributed.local_pool
    monkeypatch.setattr(distributed, "local_pool", lambda n: started.append(n) or real(n))
    kw = dict(replicates=2, seed=11, days=520, residents=1500, cache=None)
    par = sim.compare(["warrant_required", "no_credit_program"], workers=2, **kw)
    assert started == [2], f"pools started: {started}"
    ser = sim.compare(["warrant_required", "no_credit_program"], workers=1, **kw)
    assert started == [2]
    for name in par.results:
        pd.testing.assert_frame_equal(par.results[name].timeseries, ser.results[name].timeseries)
