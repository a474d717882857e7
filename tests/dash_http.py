"""Drive a live ``survsim dashboard`` over HTTP as browsers do (Dash's callback endpoint),
and measure its memory (the server process plus its worker processes).

Used by tests/test_dashboard_limits.py; also a measurement script:

    PYTHONPATH=. python tests/dash_http.py --sessions 32 --residents 1000 --days 60 --replicates 2
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
FINISHED = ("Results ready.", "Drawing the charts...")  # dashboard.pages.common.READY / DRAWING


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``survsim dashboard`` in a subprocess on a free port of 127.0.0.1."""

    def __init__(self, results: Path, *args: str, code_root: Path = ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONPATH": str(code_root)}
        self.log = results / "server.log"   # a file, not a pipe: nobody reads the request log while it runs
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "dashboard", "--port", str(self.port),
                                          "--results", str(results), *args],
                                         env=env, stdout=log, stderr=subprocess.STDOUT, cwd=results)
        self.ps = psutil.Process(self.proc.pid)
        end = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(self.url + "/_dash-layout", timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.proc.poll() is not None or time.monotonic() > end:
                    raise RuntimeError(f"dashboard did not start: {self.log.read_text()[-2000:]}") from None
                time.sleep(0.3)
        self.deps = json.loads(urllib.request.urlopen(self.url + "/_dash-dependencies", timeout=30).read())

    def children(self) -> list[psutil.Process]:
        try:
            return self.ps.children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def workers(self) -> list[psutil.Process]:
        out = []
        for p in self.children():
            try:
                if "spawn_main" in " ".join(p.cmdline()):
                    out.append(p)
            except psutil.NoSuchProcess:
                pass
        return out

    def rss_mb(self) -> float:
        """Resident memory of the server and all its child processes, in MB."""
        total = 0
        for p in [self.ps, *self.children()]:
            try:
                total += p.memory_info().rss
            except psutil.NoSuchProcess:
                pass
        return total / 2**20

    def callback(self, output_contains: str, values: dict[str, Any], changed: str) -> dict[str, Any]:
        """Call the callback whose output names ``output_contains``; ``values`` maps
        'id.property' of its inputs and states to values. Returns {id: {prop: value}}."""
        dep = next(d for d in self.deps if output_contains in d["output"])

        def fill(items: list[dict]) -> list[dict]:
            return [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in items]

        outputs: list[dict] | dict = [{"id": o.split(".")[0], "property": o.split(".")[1]}
                                      for o in dep["output"].strip(".").split("...")]
        if not dep["output"].startswith(".."):  # a single output is sent as one object, not a list
            outputs = outputs[0]
        body = {"output": dep["output"], "outputs": outputs, "inputs": fill(dep["inputs"]),
                "state": fill(dep["state"]), "changedPropIds": [changed]}
        req = urllib.request.Request(self.url + "/_dash-update-component", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            raw = r.read()
        return json.loads(raw)["response"] if raw else {}

    def whatif(self, state: dict[str, Any], timeout: float = 300) -> str:
        """Run a what-if view in a fresh session as the page does (start, poll, draw); the
        final status text. A finished job says "Drawing the charts..." until a browser has
        drawn every card (an HTTP client draws only one), so that status ends the poll."""
        sid = uuid.uuid4().hex
        values = {"whatif-state.data": state, "session.data": sid, "whatif-drawn.data": None}
        end = time.monotonic() + timeout
        while True:
            out = self.callback("whatif-job.data", values, "whatif-state.data")
            status = out.get("whatif-status", {}).get("children", "")
            if status in FINISHED or status.startswith("Could not run") or time.monotonic() > end:
                break
            time.sleep(0.5)
        if status in FINISHED:
            jid = out["whatif-job"]["data"]
            self.callback("whatif-graph-disparity.figure", {**values, "whatif-drawn.data": jid}, "whatif-drawn.data")
        return status

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def wait_idle(server: Server, results: Path, timeout: float = 300) -> None:
    """Until the warm-up run (the default what-if's baseline) is in the disk cache."""
    end = time.monotonic() + timeout
    while not any((results / ".cache").glob("*/manifest.json")) and time.monotonic() < end:
        time.sleep(0.5)
    time.sleep(2)


def drive(server: Server, sessions: int, residents: int, days: int, replicates: int,
          timeout: float = 300) -> dict[str, Any]:
    """``sessions`` concurrent what-if sessions (distinct seeds); RSS sampled throughout."""
    from dashboard import urlstate
    from dashboard.urlstate import WhatIfView

    peak, stop = [0.0], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], server.rss_mb())
            time.sleep(0.1)

    statuses: list[str] = []

    def one(i: int) -> None:
        view = WhatIfView(residents=residents, days=days, replicates=replicates, seed=1000 + i, warrant=True)
        try:
            statuses.append(server.whatif(urlstate.as_dict(view), timeout))
        except Exception as e:  # a failed session is a status the test sees, not a lost thread
            statuses.append(f"client error: {e!r}")

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t0 = time.monotonic()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.monotonic() - t0
    stop.set()
    sampler.join()
    return {"peak_mb": peak[0], "statuses": statuses, "seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--residents", type=int, default=1000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--replicates", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=1, help="repeat the sessions this many times")
    ap.add_argument("--timeout", type=float, default=300, help="seconds a session may take")
    ap.add_argument("--code", type=Path, default=ROOT, help="source tree to serve (e.g. an older checkout)")
    ap.add_argument("server_args", nargs="*")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="survsim-dash-") as tmp:
        server = Server(Path(tmp), *a.server_args, code_root=a.code)
        try:
            wait_idle(server, Path(tmp))
            idle = server.rss_mb()
            print(f"idle: {idle:.0f} MB")
            for r in range(a.rounds):
                out = drive(server, a.sessions, a.residents, a.days, a.replicates, a.timeout)
                time.sleep(3)
                done = sum(s in FINISHED for s in out["statuses"])
                print(f"round {r + 1}: {a.sessions} sessions ({done} done, {a.sessions - done} not: "
                      f"{sorted(set(s for s in out['statuses'] if s not in FINISHED))}) in {out['seconds']:.0f} s; "
                      f"peak {out['peak_mb']:.0f} MB; after {server.rss_mb():.0f} MB")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
