"""Sweeps: spec validation, deterministic plans, the store, and resuming after interruption."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.core.errors import InputError
from sim.experiments.sweep import METRIC_INDEX, Output, design_points, load_index, plan, read_spec, reduce, run_sweep, status

SPEC = """\
name = "tiny"
scenario = "baseline"
design = "grid"
replicates = 2
seed = 3
[overrides]
"run.days" = 40
"city.n_residents" = 200
"city.grid_side" = 3
[parameters]
"recognition.threshold" = [0.8, 0.99]
"enforcement.review_catch" = { low = 0.2, high = 0.8, levels = 3 }
[outputs]
cameras = "final"
stops = { metric = "stops", statistic = "total", per_capita = true }
fear_gap = { metric = "fear_mean", statistic = "final", difference = ["black", "white"] }
"""
N_RUNS = 2 * 3 * 2


def write(tmp: Path, text: str = SPEC, name: str = "spec.toml") -> Path:
    path = tmp / name
    path.write_text(text)
    return path


def stored(store: Path) -> list[str]:
    return sorted(d.name for d in (store / "runs").iterdir() if not d.name.startswith("."))


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> pd.DataFrame:
    """The index of one uninterrupted sweep, to compare resumed sweeps against."""
    tmp = tmp_path_factory.mktemp("ref")
    run_sweep(write(tmp), tmp / "store")
    return load_index(tmp / "store")


# ---- validation ---------------------------------------------------------------------------

BAD = [
    (("replicates = 2", "replicate = 2"), ["unknown top-level key 'replicate'", "Did you mean 'replicates'"]),
    (('"recognition.threshold"', '"recognition.treshold"'), ["no such parameter", "'recognition.threshold'"]),
    (("[0.8, 0.99]", "[0.8, 1.5]"), ["'recognition.threshold'", "= 1.5", "allowed: a number from 0 to 1"]),
    (("[0.8, 0.99]", "[0.8, 0.8]"), ["must be distinct"]),
    ((", levels = 3", ""), ["needs 'levels'"]),
    (("low = 0.2, high = 0.8", "low = 0.8, high = 0.2"), ["low must be below high"]),
    (('"run.days" = 40', '"run.days" = 0'), ["[overrides]", "'params.run.days' = 0", "from 1 to 7305"]),
    (('scenario = "baseline"', 'scenario = "baselin"'), ["no such file or shipped scenario", "'baseline'"]),
    (('design = "grid"', 'design = "lhs"'), ["needs 'samples'"]),
    (('"recognition.threshold"', '"run.days"'), ["'run.days' is both in [overrides] and in [parameters]"]),
    (('name = "tiny"', 'name = "../tiny"'), ["'name' = '../tiny'", "names a folder"]),
    (('design = "grid"', 'design = "random"'), ["'design' = 'random'", "grid, lhs"]),
    (('cameras = "final"', 'camera = "final"'), ["metric 'camera'", "Did you mean 'cameras'"]),
    (('cameras = "final"', 'cameras = "median"'), ["statistic 'median'", "final, total, mean"]),
    (('cameras = "final"', 'cameras = "total"'), ["'total' sums a flow", "use 'final' or 'mean'"]),
    (('difference = ["black", "white"]', 'difference = ["black", "martian"]'), ["'martian' is not a group"]),
    (('per_capita = true', 'per_capita = true, day = 41'), ["day = 41", "from 1 to run.days (40)"]),
    (('"recognition.threshold" = [0.8, 0.99]', '"recognition.threshold" = "assumption"'),
     ["declares no assumption range"]),
]


@pytest.mark.parametrize("edit,expected", BAD, ids=[e[1][0][:40] for e in BAD])
def test_bad_specs_name_file_field_and_what_is_allowed(tmp_path, edit, expected):
    old, new = edit
    assert old in SPEC
    path = write(tmp_path, SPEC.replace(old, new, 1))
    with pytest.raises(InputError) as e:
        read_spec(path)
    msg = str(e.value)
    assert msg.startswith(str(path)), f"message should name the spec file: {msg}"
    for part in expected:
        assert part in msg, f"expected {part!r} in: {msg}"


# ---- planning and outputs -----------------------------------------------------------------

def test_grid_plan_is_every_combination_in_declared_order(tmp_path):
    p = plan(read_spec(write(tmp_path)))
    assert len(p.points) == 6 and len(p.runs) == N_RUNS
    assert p.points[0] == {"recognition.threshold": 0.8, "enforcement.review_catch": 0.2}
    assert p.points[1]["enforcement.review_catch"] == pytest.approx(0.5)
    assert p.points[5] == {"recognition.threshold": 0.99, "enforcement.review_catch": 0.8}
    assert p.seeds == plan(read_spec(write(tmp_path))).seeds, "seeds must follow from the spec alone"
    assert p.params[5]["recognition"]["threshold"] == 0.99 and p.params[5]["run"]["days"] == 40


def test_lhs_fills_every_stratum_once_and_is_reproducible(tmp_path):
    text = SPEC.replace('design = "grid"', 'design = "lhs"\nsamples = 10').replace(
        '"recognition.threshold" = [0.8, 0.99]', '"network.local_ties" = { low = 2, high = 8 }')
    spec = read_spec(write(tmp_path, text))
    pts = design_points(spec)
    assert pts == design_points(spec)
    catch = np.array([p["enforcement.review_catch"] for p in pts])
    assert sorted(np.floor((catch - 0.2) / 0.6 * 10).astype(int)) == list(range(10)), "one point per stratum"
    assert all(isinstance(p["network.local_ties"], int) and 2 <= p["network.local_ties"] <= 8 for p in pts)


def test_reduce_statistics_and_group_comparisons():
    days, keys = 4, ("a_f", "a_m", "b_f")
    shares = np.array([0.25, 0.25, 0.5])
    total = np.zeros((days + 1, len(METRIC_INDEX)))
    by_group = np.zeros((days + 1, len(METRIC_INDEX), 3))
    stops, fear = METRIC_INDEX["stops"], METRIC_INDEX["fear_mean"]
    by_group[1:, stops] = [[1, 1, 3]] * days            # 4, 4 and 12 stops over the run
    total[1:, stops] = 5
    by_group[:, fear] = np.linspace(0, 1, days + 1)[:, None] * np.array([0.2, 0.4, 0.9])
    outs = (Output("s", "stops", "total"), Output("s_pc", "stops", "total", per_capita=True),
            Output("s2", "stops", "total", day=2),
            Output("ratio", "stops", "total", groups=("b", "a"), compare="ratio"),
            Output("gap", "fear_mean", "final", groups=("b", "a"), compare="difference"),
            Output("fear_a", "fear_mean", "final", groups=("a",)))
    rows = {r[0]: r[4] for r in reduce(total, by_group, outs, keys, shares, 1000) if r[3] == ""}
    assert rows["s"] == 20 and rows["s_pc"] == 20 and rows["s2"] == 10, "total over days 1..day; per 1,000"
    assert rows["ratio"] == pytest.approx((12 / 500) / (8 / 500)), "per-capita ratio: 12 stops/500 b vs 8/500 a"
    assert rows["gap"] == pytest.approx(0.9 - 0.3), "fear of a race is the share-weighted mean of its groups"
    assert rows["fear_a"] == pytest.approx(0.3)


# ---- the store ----------------------------------------------------------------------------

def test_grid_sweep_writes_the_store(tmp_path, reference):
    store = tmp_path / "store"
    rep = run_sweep(write(tmp_path), store)
    assert (rep.total, rep.ran, rep.skipped, rep.missing) == (N_RUNS, N_RUNS, 0, 0)
    for f in ("spec.toml", "sweep.json", "plan.parquet", "index.parquet"):
        assert (store / f).is_file(), f
    assert len(stored(store)) == N_RUNS
    run = store / "runs" / "p00003-r001"
    meta = json.loads((run / "run.json").read_text())
    assert (meta["point"], meta["replicate"]) == (3, 1)
    out = pd.read_parquet(run / "outputs.parquet")
    assert list(out.columns) == ["output", "metric", "statistic", "group", "value"]
    assert set(out.output) == {"cameras", "stops", "fear_gap"}
    index = load_index(store)
    assert list(index.columns) == ["point", "replicate", "seed", "recognition.threshold",
                                   "enforcement.review_catch", "cameras", "stops", "fear_gap"]
    assert index.cameras.notna().all() and (index.cameras > 0).all()
    pd.testing.assert_frame_equal(index, reference)
    again = run_sweep(write(tmp_path), store)
    assert (again.ran, again.skipped) == (0, N_RUNS), "a finished sweep runs nothing"
    assert str(again).startswith("sweep 'tiny': 0 runs done now")


def test_interrupted_sweep_resumes_only_missing_runs(tmp_path, reference):
    store, calls = tmp_path / "store", []

    def interrupt(n: int) -> None:
        calls.append(n)
        if len(calls) == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_sweep(write(tmp_path), store, progress=interrupt)
    assert len(stored(store)) == 5 and len(load_index(store)) == 5, "the index covers the runs finished"
    assert status(write(tmp_path), store).skipped == 5
    rep = run_sweep(write(tmp_path), store)
    assert (rep.skipped, rep.ran) == (5, N_RUNS - 5)
    assert len(stored(store)) == N_RUNS
    pd.testing.assert_frame_equal(load_index(store), reference)


def test_killed_sweep_process_resumes_without_loss_or_duplicates(tmp_path, reference):
    """SIGKILL a sweep in another process mid-way (no clean-up runs), then resume."""
    spec, store = write(tmp_path), tmp_path / "store"
    code = ("import time, sys; from sim.experiments.sweep import run_sweep; "
            "run_sweep(sys.argv[1], sys.argv[2], progress=lambda n: time.sleep(0.25))")
    proc = subprocess.Popen([sys.executable, "-c", code, str(spec), str(store)])
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if (store / "runs").is_dir() and len(stored(store)) >= 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the sweep finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    before = len(stored(store))
    assert 3 <= before < N_RUNS
    rep = run_sweep(spec, store)
    assert (rep.skipped, rep.ran) == (before, N_RUNS - before)
    assert len(stored(store)) == N_RUNS and not list((store / "runs").glob(".tmp-*"))
    index = load_index(store)
    assert not index.duplicated(["point", "replicate"]).any()
    pd.testing.assert_frame_equal(index, reference)


def test_store_of_another_spec_is_refused(tmp_path):
    store = tmp_path / "store"
    text = SPEC.replace("replicates = 2", "replicates = 1")
    run_sweep(write(tmp_path, text), store)
    changed = write(tmp_path, text.replace("[0.8, 0.99]", "[0.8, 0.9]"))
    with pytest.raises(InputError, match=r"different spec .*parameters\.recognition\.threshold"):
        run_sweep(changed, store)
    with pytest.raises(InputError, match="different spec"):
        status(changed, store)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="not a sweep store"):
        run_sweep(write(tmp_path, text), tmp_path / "other")


def test_a_failing_run_is_named_and_the_others_are_kept(tmp_path, monkeypatch, reference):
    import sim.experiments.sweep

    real = sim.experiments.sweep.run_task

    def flaky(params, seed, policies, outputs):
        if params["recognition"]["threshold"] == 0.99:
            raise ValueError("model broke")
        return real(params, seed, policies, outputs)

    monkeypatch.setattr(sim.experiments.sweep, "run_task", flaky)
    store = tmp_path / "store"
    with pytest.raises(ValueError, match="model broke") as e:
        run_sweep(write(tmp_path), store)
    assert any("in sweep run p00003-r000" in n and "recognition.threshold=0.99" in n for n in e.value.__notes__)
    assert len(stored(store)) == 6, "the runs finished before the failure stay stored"
    monkeypatch.setattr(sim.experiments.sweep, "run_task", real)
    assert run_sweep(write(tmp_path), store).ran == N_RUNS - 6
    pd.testing.assert_frame_equal(load_index(store), reference)
