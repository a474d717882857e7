"""The dashboard's limits (issue 13, items 10-13): bounded memory, no framing or foreign
hosts, one Chromium at a time, no worker outliving the server.

The live-server tests start ``survsim dashboard`` in a subprocess (tests/dash_http.py) and
drive it over Dash's callback endpoint as browsers do; runs are tiny.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from dash_http import FINISHED, Server, drive, wait_idle
from dashboard import exports, urlstate, whatif
from dashboard.app import create_app
from dashboard.budget import Flight, Limits, Memory, result_bytes
from dashboard.compact import Runs
from dashboard.data import Bundle, Data, new_session
from dashboard.jobs import Jobs
from dashboard.security import allowed_hosts
from dashboard.urlstate import WhatIfView
from dashboard.worker import WATCHDOG
from sim.core.errors import InputError
from sim.experiments.compare import Comparison
from sim.experiments.runner import run_replicate
from sim.output.results import Results, load_results
import sim

TINY = WhatIfView(residents=1000, days=30, replicates=2)


# --- item 11: other sites cannot frame or drive it ---------------------------------------

@pytest.fixture(scope="module")
def client(tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("dash_sec"), host="127.0.0.1", allow_hosts=["survsim.example.org"])
    yield app.server.test_client()
    app.server.extensions["survsim"].close()


@pytest.mark.parametrize("path", ["/", "/whatif?residents=60000&days=3650", "/_dash-layout", "/no-such-page"])
def test_every_response_forbids_framing(client, path):
    r = client.get(path, headers={"Host": "127.0.0.1:8050"})
    assert r.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


@pytest.mark.parametrize("host", ["localhost:8050", "127.0.0.1", "[::1]:8050", "survsim.example.org"])
def test_own_host_names_are_served(client, host):
    assert client.get("/", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize("host", ["evil.example", "attacker.example:8050", "127.0.0.1.evil.example", "[::2]"])
def test_foreign_host_is_refused(client, host):
    """DNS rebinding: another site's name resolving to 127.0.0.1 arrives with that name."""
    r = client.get("/whatif", headers={"Host": host})
    assert r.status_code == 403 and b"--allow-host" in r.data
    assert r.headers["X-Frame-Options"] == "DENY"


def test_cross_origin_callback_is_refused(client):
    r = client.post("/_dash-update-component", json={}, headers={"Host": "127.0.0.1:8050",
                                                                  "Origin": "https://evil.example"})
    assert r.status_code == 403
    r = client.post("/_dash-update-component", json={}, headers={"Host": "127.0.0.1:8050", "Origin": "null"})
    assert r.status_code == 403


def test_allowed_hosts():
    assert allowed_hosts("0.0.0.0") == {"localhost", "127.0.0.1", "::1"}  # a wildcard names no host
    assert "10.1.2.3" in allowed_hosts("10.1.2.3")
    assert "survsim.example.org" in allowed_hosts("127.0.0.1", ["Survsim.Example.org:8050"])


# --- item 10: memory a URL can pin --------------------------------------------------------

def test_request_limits_refuse_the_issue_url_server_side(tmp_path):
    """/whatif?residents=1000&days=3650&replicates=20 reached 8.5 GB: now refused before any run."""
    data = Data(None, workers=1)
    try:
        big, _ = urlstate.decode("whatif", "?residents=1000&days=3650&replicates=20")
        with pytest.raises(InputError, match=r"MB of results.*allowed: up to \d+ MB.*Lower days or replicates"):
            data.request(new_session(), "whatif", big)
        huge, _ = urlstate.decode("whatif", "?residents=200000&days=3650&replicates=5")
        with pytest.raises(InputError, match="resident-days"):
            data.request(new_session(), "whatif", huge)
        assert data.jobs._jobs == {}  # nothing started
        # the default what-if and the compare page's default (with any seed: only seed 1 is
        # shipped precomputed) are allowed
        Limits().check(list(zip(whatif.build(WhatIfView()), (10, 10), (1, 1))))
        Limits().check(Data._runs("compare", urlstate.CompareView(seed=7)))
    finally:
        data.close()


def test_a_bigger_budget_allows_bigger_runs():
    base, sc = whatif.build(WhatIfView(residents=1000, days=3650, replicates=20))
    items = [(base, 20, 1), (sc, 20, 1)]
    with pytest.raises(InputError):
        Limits(budget_mb=1536).check(items)
    Limits(budget_mb=8192).check(items)
    with pytest.raises(InputError, match="memory-budget"):
        Limits(budget_mb=100)


def test_session_and_server_job_limits():
    jobs, gate = Jobs(), threading.Event()
    a, b = "a" * 32, "b" * 32
    slow = lambda progress: gate.wait(30)  # noqa: E731
    jobs.submit(a, "k1", slow, 1, group="compare", owner_limit=2)
    jobs.submit(a, "k2", slow, 1, group="whatif", owner_limit=2)
    with pytest.raises(InputError, match="allowed: 2 at once"):
        jobs.submit(a, "k3", slow, 1, group="calibration", owner_limit=2)
    jobs.submit(a, "k4", slow, 1, group="whatif", owner_limit=2)  # replaces k2: allowed
    with pytest.raises(InputError, match="server is busy"):
        jobs.submit(b, "k5", slow, 1, group="whatif", owner_limit=2, total_limit=2)
    gate.set()
    jobs.close()


def test_memory_is_an_lru_by_bytes():
    class Blob:
        def __init__(self, n):
            self.nbytes = n

    mem = Memory(100)
    for k in "abc":
        mem.put(k, Blob(40))
    assert "a" not in mem and "b" in mem and "c" in mem and mem.nbytes == 80
    mem.get("b")
    mem.put("d", Blob(40))
    assert "c" not in mem and "b" in mem
    mem.put("e", Blob(500))  # the newest is kept even if larger
    assert len(mem) == 1 and "e" in mem


def test_flight_waits_and_gives_up_when_cancelled():
    flight = Flight(100)
    with flight.reserve(80):
        def cancelled():
            raise RuntimeError("cancelled")
        with pytest.raises(RuntimeError):
            with flight.reserve(50, still_wanted=cancelled):
                pass
    assert flight.used == 0


def test_runs_keep_arrays_and_reproduce_the_tidy_table(tmp_path):
    """The compact runs give the same rows, summary and cache files as sim's Results."""
    sc = sim.load("baseline", {"run.days": 20, "city.n_residents": 1000})
    outs = [run_replicate(sc.params.model_dump(mode="json"), s) for s in (5, 6)]
    res, runs = Results.from_outputs(sc, 1, outs), Runs.from_outputs(sc, 1, outs)
    pd.testing.assert_frame_equal(runs.timeseries, res.timeseries)
    ts = res.timeseries
    pd.testing.assert_frame_equal(runs.frame("wrongful_stops"), ts[ts.metric == "wrongful_stops"].reset_index(drop=True))
    pd.testing.assert_frame_equal(runs.summary(), res.summary(), check_exact=False, rtol=1e-12)
    assert runs.nbytes == result_bytes(sc, 2) < ts.memory_usage(deep=True).sum() / 4
    res.save(tmp_path / "cli")
    runs.save(tmp_path / "dash")
    pd.testing.assert_frame_equal(load_results(tmp_path / "cli")[1], load_results(tmp_path / "dash")[1])
    back = Runs.load(tmp_path / "cli", sc)
    np.testing.assert_array_equal(back.total, runs.total)
    np.testing.assert_array_equal(back.by_group, runs.by_group)
    cut = tmp_path / "cut"
    (cut).mkdir()
    (cut / "manifest.json").write_text((tmp_path / "cli" / "manifest.json").read_text())
    res.timeseries.iloc[:-5].to_parquet(cut / "timeseries.parquet")
    with pytest.raises(ValueError, match="rows"):
        Runs.load(cut, sc)


def test_bundle_summary_is_the_comparison_summary():
    """The bundle's summary from arrays equals sim's Comparison.summary over tidy tables."""
    base, sc = whatif.build(WhatIfView(residents=1000, days=25, replicates=3, warrant=True, start=5, threshold=0.7))
    results = []
    for s_ in (base, sc):
        outs = [run_replicate(s_.params.model_dump(mode="json"), seed, policies=s_.policies) for seed in (1, 2, 3)]
        results.append((Results.from_outputs(s_, 1, outs), Runs.from_outputs(s_, 1, outs)))

    class Cached:  # the runner's part the bundle uses
        def cached(self, sc, reps, seed):
            return {r.scenario.name: r for _, r in results}[sc.name]

    bundle = Bundle.of([(base, 3, 1), (sc, 3, 1)], [r for _, r in results], Cached())
    theirs = Comparison("baseline", {r.scenario.name: r for r, _ in results}).summary()
    pd.testing.assert_frame_equal(bundle.summary(), theirs, check_exact=False, rtol=1e-12)
    ts = Comparison("baseline", {r.scenario.name: r for r, _ in results}).timeseries
    ours = bundle.frame("wrongful_stops")
    pd.testing.assert_frame_equal(ours, ts[ts.metric == "wrongful_stops"].reset_index(drop=True),
                                  check_categorical=False)


def test_results_dropped_from_memory_come_back_from_disk(tmp_path):
    data = Data(tmp_path, workers=1, limits=Limits())
    data.runner._memory.capacity = 1  # keep only the newest run
    try:
        sid = new_session()
        job = data.jobs.wait(sid, data.request(sid, "whatif", TINY), timeout=300)
        assert job.status == "done", job.error
        before = job.result.frame("cameras")
        other = data.jobs.wait(sid, data.request(sid, "compare", urlstate.decode(
            "compare", "?residents=1000&days=30&replicates=2&scenarios=warrant_required")[0]), timeout=300)
        assert other.status == "done" and len(data.runner._memory) == 1
        for _ in range(100):  # the disk cache is written in the background
            if not data.runner._saving:
                break
            time.sleep(0.1)
        pd.testing.assert_frame_equal(job.result.frame("cameras"), before)
    finally:
        data.close()


def test_twenty_concurrent_sessions_stay_within_budget(tmp_path):
    """20 browser sessions each run a small what-if at once over HTTP: the server and its
    workers stay under the memory budget, and memory returns near idle afterwards."""
    budget = Limits().budget_mb
    server = Server(tmp_path, "--memory-budget", str(budget))
    try:
        wait_idle(server, tmp_path)
        idle = server.rss_mb()
        out = drive(server, sessions=20, residents=1000, days=40, replicates=2)
        time.sleep(3)
        after = server.rss_mb()
        print(f"\n20 sessions: idle {idle:.0f} MB, peak {out['peak_mb']:.0f} MB, after {after:.0f} MB, "
              f"{out['seconds']:.0f} s; budget {budget} MB")
        # an HTTP client draws no charts: a finished job waits at "Drawing the charts..." (issue 18's
        # "Results ready." comes only after the browser has drawn every card)
        assert len(out["statuses"]) == 20 and all(s in FINISHED for s in out["statuses"]), out["statuses"]
        assert out["peak_mb"] < budget
        assert after < idle + 150, f"memory not released: idle {idle:.0f} MB, after {after:.0f} MB"
    finally:
        server.stop()


# --- item 12: one Chromium at a time ----------------------------------------------------------

def test_concurrent_exports_are_serialised(monkeypatch, tmp_path):
    running, peak, lock = [0], [0], threading.Lock()

    def fake_export(fig, stem):  # stands in for kaleido + Chromium: records how many run at once
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.1)
        paths = [stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".svg")]
        for p in paths:
            p.write_bytes(b"x")
        with lock:
            running[0] -= 1
        return paths

    monkeypatch.setattr(exports, "export", fake_export)
    results, errors = [], []

    def one(wait):
        try:
            results.append(exports.image(None, "png", wait=wait))
        except exports.ExportBusy as e:
            errors.append(str(e))

    threads = [threading.Thread(target=one, args=(30,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1 and results == [b"x"] * 8 and errors == []
    threads = [threading.Thread(target=one, args=(0.05,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 1 and errors and all("try again" in e for e in errors)
    assert issubclass(exports.ExportBusy, InputError)  # shown on the page as a notice, not an error


# --- item 13: no worker outlives the server ---------------------------------------------------

def _started_workers(server: Server) -> list[psutil.Process]:
    """The server's child processes once its two workers are initialised (their watchdog
    thread runs; they are then busy with the warm-up runs)."""
    def watched(p: psutil.Process) -> bool:
        return any(t.read_text().strip() == WATCHDOG for t in Path(f"/proc/{p.pid}/task").glob("*/comm"))

    end = time.monotonic() + 180
    while time.monotonic() < end:
        workers = server.workers()
        try:
            if len(workers) >= 2 and all(watched(p) for p in workers):
                return server.children()
        except (OSError, psutil.NoSuchProcess):
            pass
        time.sleep(0.3)
    raise AssertionError("workers did not start")


def _gone(procs: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        alive = [p for p in procs if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.2)
    return alive


def test_no_worker_survives_sigkill_of_the_server(tmp_path):
    server = Server(tmp_path)
    kids = _started_workers(server)  # workers and multiprocessing's resource tracker
    os.kill(server.proc.pid, signal.SIGKILL)
    server.proc.wait(timeout=30)
    alive = _gone(kids, 10)
    for p in alive:
        p.kill()
    assert not alive, f"still running 10 s after SIGKILL: {[' '.join(p.cmdline())[:80] for p in alive]}"


def test_sigterm_stops_cleanly(tmp_path):
    server = Server(tmp_path)
    kids = _started_workers(server)
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=60) == 0
    err = server.log.read_text()
    assert "Traceback" not in err, err[-2000:]
    assert not _gone(kids, 10)
