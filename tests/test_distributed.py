"""Runs give the same numbers in this process, in local processes and on a Dask cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments import distributed
from sim.core.errors import InputError
from sim.experiments.sweep import load_index, run_sweep

SPEC = """\
name = "tiny_lhs"
scenario = "baseline"
design = "lhs"
samples = 5
replicates = 2
seed = 11
[overrides]
"run.days" = 60
"city.n_residents" = 300
"city.grid_side" = 3
[parameters]
"adoption.initial_cameras" = "assumption"
"enforcement.review_catch" = { low = 0.2, high = 0.8 }
[outputs]
cameras = "final"
stops = "total"
fear_gap = { metric = "fear_mean", statistic = "final", difference = ["black", "white"] }
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "lhs.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture(scope="module")
def serial(spec, tmp_path_factory) -> pd.DataFrame:
    store = tmp_path_factory.mktemp("serial") / "store"
    run_sweep(spec, store, workers=1)
    return load_index(store)


def test_local_processes_match_a_serial_sweep(spec, serial, tmp_path):
    rep = run_sweep(spec, tmp_path / "store", workers=2)
    assert rep.ran == 10 and rep.where == "on 2 local processes"
    pd.testing.assert_frame_equal(load_index(tmp_path / "store"), serial)


def test_dask_cluster_matches_a_serial_sweep(spec, serial, tmp_path):
    distributed_ = pytest.importorskip("distributed")
    with distributed_.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=None) as cluster:
        rep = run_sweep(spec, tmp_path / "store", scheduler=cluster.scheduler_address)
        assert rep.ran == 10 and "Dask cluster" in rep.where and "2 worker threads" in rep.where
        pids = {json.loads(p.read_text())["pid"] for p in (tmp_path / "store" / "runs").glob("*/run.json")}
        assert len(pids) == 2, "both workers should have run something"
    pd.testing.assert_frame_equal(load_index(tmp_path / "store"), serial)


def test_unreachable_scheduler_is_an_input_error(spec, tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(distributed, "CONNECT_TIMEOUT", 1)
    with pytest.raises(InputError, match=r"--scheduler tcp://127.0.0.1:9: cannot connect"):
        run_sweep(spec, tmp_path / "store", scheduler="tcp://127.0.0.1:9")


def test_bad_worker_count_is_an_input_error(spec, tmp_path):
    with pytest.raises(InputError, match=r"--workers = 0: must be an integer >= 1"):
        run_sweep(spec, tmp_path / "store", workers=0)
