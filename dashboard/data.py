"""Data access for the dashboard: runs, cached comparisons, sessions and calibration.

Callbacks ask this module for what a view needs and get either results or a background
job to poll. Runs go through :class:`dashboard.runs.Runner` (a warm process pool, results
cached by content as :mod:`sim.experiments.compare` does); jobs belong to a browser session
(:mod:`dashboard.jobs`), as do educator models (:mod:`dashboard.educator`), so concurrent
sessions never see each other's runs or live cities.

Example:
    >>> data = Data(Path("results"))                                     # doctest: +SKIP
    >>> jid = data.request(sid, "compare", view)                         # doctest: +SKIP
    >>> data.bundle(sid, jid).summary()                                  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dashboard import precomputed, runs, whatif, worker
from dashboard.budget import ASSEMBLY_FACTOR, Flight, Limits, keep_trimming, result_bytes, trim
from dashboard.compact import Runs
from dashboard.educator import SESSION_ID, Sessions
from dashboard.jobs import Job, Jobs
from dashboard.urlstate import CompareView, View, WhatIfView
from sim.experiments.compare import KEY_ASSUMPTIONS, cache_key
from sim.experiments.events import summarise
from sim.core.errors import InputError
from sim.core.metrics import METRICS
from sim.output import drivers
from sim.output.results import git_commit, version
from sim.policy.scenario import Scenario, load

log = logging.getLogger("survsim.dashboard")
BUNDLES = 4   # comparisons kept ready for charts (each holds its summary; runs live in the runner's memory)


def new_session() -> str:
    """A fresh browser-session id (random, unguessable)."""
    return uuid.uuid4().hex


def valid_session(sid: Any) -> bool:
    return isinstance(sid, str) and bool(SESSION_ID.match(sid))


@dataclass
class Bundle:
    """A comparison ready for charts: its meta and summary, and the tidy rows of any metric,
    built on demand from the runs (:class:`dashboard.compact.Runs`) that the runner keeps
    within the memory budget. The bundle holds no run itself, so a finished job never pins
    memory; a run the budget dropped is read back from the disk cache."""

    baseline: str
    items: list[tuple[Scenario, int, int]]
    runner: runs.Runner
    meta: dict[str, Any]
    last_day: int                  # common horizon of the runs
    _summary: pd.DataFrame | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def of(cls, items: list[tuple[Scenario, int, int]], results: list[Runs], runner: runs.Runner) -> Bundle:
        """A bundle of freshly run ``results`` (one per item) with its summary computed now
        (in the job, not in a chart's callback)."""
        last = min(r.last_day for r in results)
        b = cls(items[0][0].name, items, runner, _meta(results), last)
        b._summary = b._compute_summary(results)
        return b

    @property
    def cmp(self) -> Bundle:
        """The bundle itself (callers read ``bundle.cmp.baseline``, as of a Comparison)."""
        return self

    @property
    def scenarios(self) -> list[str]:
        return [sc.name for sc, _, _ in self.items]

    def runs(self) -> list[Runs]:
        """The runs, from the runner's memory or its disk cache."""
        out = []
        for sc, reps, seed in self.items:
            res = self.runner.cached(sc, reps, seed)
            if res is None:
                raise InputError("these results were dropped from memory to stay within the server's memory "
                                 "budget and there is no disk cache; change a control to run them again")
            out.append(res)
        return out

    def frame(self, *metrics: str) -> pd.DataFrame:
        """The tidy rows of the given metrics, every scenario, over the common horizon."""
        results = self.runs() if metrics else []
        parts = [r.frame(m, self.last_day) for m in metrics for r in results]
        if not parts:
            return pd.DataFrame()
        out = pd.concat(parts, ignore_index=True)
        out["scenario"] = pd.Categorical(out["scenario"].astype(str), categories=self.scenarios)  # as sim.compare
        return out

    def summary(self) -> pd.DataFrame:
        with self._lock:
            if self._summary is None:
                self._summary = self._compute_summary(self.runs())
            return self._summary

    def _compute_summary(self, results: list[Runs]) -> pd.DataFrame:
        """``Comparison.summary()`` (the CLI's table: bands, intervals, verdicts, events) from
        the arrays: each replicate's run total (flows) or last level (stocks) per scenario,
        metric and group, summarised by :func:`sim.experiments.events.summarise`."""
        last, index, rows = self.last_day, [], []
        for r in results:
            for m in METRICS:
                v = r.per_replicate(m.name, last)  # (replicates, 1 + groups)
                for k, group in enumerate(("", *r.groups) if m.per_group else ("",)):
                    index.append((r.scenario.name, m.name, group))
                    rows.append(v[:, k])
        wide = pd.DataFrame(np.array(rows), index=pd.MultiIndex.from_tuples(index, names=["scenario", "metric", "group"]))
        return summarise(wide, last, results[0].scenario.name, {r.scenario.name: r.scenario.params for r in results})


@functools.lru_cache(maxsize=1)
def _commit() -> str | None:
    return git_commit()


def _meta(results: list[Runs]) -> dict[str, Any]:
    """Comparison.meta() (baseline first) without a git call per chart."""
    base = results[0]
    return {
        "scenarios": [{"name": s.name, "description": s.description, "policies": [p["type"] for p in s.policies]}
                      for s in (r.scenario for r in results)],
        "baseline": base.scenario.name, "replicates": len(base.seeds), "seed": base.seed, "replicate_seeds": base.seeds,
        "version": version(), "git_commit": _commit(), "assumptions": list(KEY_ASSUMPTIONS),
        "drivers": drivers.by_metric(base.scenario.params),  # per-metric footers: sim.output.drivers
        "start_date": str(base.scenario.params.run.start_date), "residents": base.scenario.params.city.n_residents,
    }


@functools.lru_cache(maxsize=128)
def _sized(name: str, days: int, residents: int) -> Scenario:
    """A shipped scenario at a size, loaded once (every callback asks for the view's runs)."""
    return load(name, {"run.days": days, "city.n_residents": residents})


class Data:
    """Everything the callbacks read: one instance per app."""

    def __init__(self, results_dir: Path | None, workers: int = 2, limits: Limits | None = None):
        self.results_dir = Path(results_dir) if results_dir is not None else None
        cache = self.results_dir / ".cache" if self.results_dir is not None else None
        self.limits = limits if limits is not None else Limits()
        self.runner = runs.Runner(cache, workers=workers, keep_bytes=self.limits.kept_bytes)
        self.flight = Flight(self.limits.flight_bytes)
        keep_trimming()
        self.jobs = Jobs()
        self.educators = Sessions()
        self._bundles: OrderedDict[tuple, Bundle] = OrderedDict()
        self._lock = threading.Lock()
        self._calibration: dict[str, Any] = {"status": "idle"}
        self.first_view = threading.Event()  # set once the shipped first view is loaded and drawn

    # --- scenarios of a view ----------------------------------------------------------------
    @staticmethod
    def scenarios(page: str, view: View) -> list[Scenario]:
        """Baseline first, then the others, loaded with the view's size."""
        if page == "whatif":
            assert isinstance(view, WhatIfView)
            return list(whatif.build(view))
        assert isinstance(view, CompareView)
        return [_sized(name, view.days, view.residents) for name in dict.fromkeys([view.baseline, *view.scenarios])]

    @staticmethod
    def _runs(page: str, view: View) -> list[tuple[Scenario, int, int]]:
        return [(sc, view.replicates, view.seed) for sc in Data.scenarios(page, view)]

    def key(self, page: str, view: View) -> tuple:
        """What a view's results depend on (not chart choices such as the metric)."""
        return (page, view.seed, view.replicates,
                *((sc.name, cache_key(sc, view.seed, view.replicates)) for sc in self.scenarios(page, view)))

    def job_key(self, page: str, view: View) -> tuple:
        """:meth:`key`, marked "precomputed" when the shipped default comparison serves the
        view because its runs are not in the cache yet (a first visit)."""
        key = self.key(page, view)
        if page == "compare" and precomputed.serves(view) and not self.ready(page, view):
            return ("precomputed", *key)
        return key

    def ready(self, page: str, view: View) -> bool:
        """All runs of the view are cached (charts can be drawn at once)."""
        return all(self.runner.is_cached(*r) for r in self._runs(page, view))

    # --- jobs -----------------------------------------------------------------------------
    def request(self, sid: str, page: str, view: View) -> str:
        """A job (of this session) that gives the view's :class:`Bundle`; reused if the
        session already asked for the same runs."""
        if not valid_session(sid):
            raise InputError("this browser session has no valid id; reload the page")
        items = self._runs(page, view)
        key = self.job_key(page, view)
        if key[0] == "precomputed":  # shipped with the package: nothing runs, nothing to limit
            return self.jobs.submit(sid, repr(key), lambda progress: self._shipped(key), total=0, group=page)
        self.limits.check(items)
        return self.jobs.submit(sid, repr(key), lambda progress: self._bundle(key, items, progress),
                                total=runs.work([r for r in items if not self.runner.is_cached(*r)]), group=page,
                                owner_limit=self.limits.session_jobs, total_limit=self.limits.server_jobs)

    def job(self, sid: str, job_id: Any) -> Job | None:
        return self.jobs.get(sid, job_id) if valid_session(sid) else None

    def bundle(self, sid: str, job_id: Any) -> Bundle | None:
        """The finished job's results, or None (not finished, failed, or not this session's)."""
        job = self.job(sid, job_id)
        return job.result if job is not None and job.status == "done" else None

    def matches(self, sid: str, job_id: Any, page: str, view: View) -> bool:
        """The job computed the runs this view needs (not those of an earlier view)."""
        job = self.job(sid, job_id)
        return job is not None and job.key == repr(self.job_key(page, view))

    def _shipped(self, key: tuple) -> precomputed.ShippedBundle:
        """The shipped default comparison as a bundle (its summary covers every metric)."""
        with self._lock:
            if key in self._bundles:
                return self._bundles[key]
        b = precomputed.bundle()
        with self._lock:
            self._bundles[key] = b
        return b

    def _bundle(self, key: tuple, items: list, progress: Callable[[int], None]) -> Bundle:
        with self._lock:
            if key in self._bundles:
                self._bundles.move_to_end(key)
                return self._bundles[key]
        need = ASSEMBLY_FACTOR * sum(result_bytes(sc, reps) for sc, reps, seed in items
                                     if not self.runner.is_cached(sc, reps, seed))
        try:
            with self.flight.reserve(need, still_wanted=lambda: progress(0)):
                results = self.runner.run(items, progress)
                b = Bundle.of(items, results, self.runner)
                del results
        finally:
            trim()  # the workers' arrays and the summaries' tidy rows are freed: give the memory back
        with self._lock:
            self._bundles[key] = b
            while len(self._bundles) > BUNDLES:
                self._bundles.popitem(last=False)
        return b

    def warm(self) -> None:
        """Start the worker processes and run the default what-if's baseline in the background."""
        futures = self.runner.warm()

        def baseline() -> None:
            try:
                for f in futures:
                    f.result()
                base, _ = whatif.build(WhatIfView())
                self.runner.run([(base, WhatIfView().replicates, WhatIfView().seed)], priority=runs.BACKGROUND)
            except Exception:  # warm-up is optional; a stopping server ends it quietly
                if not self.runner.closed:
                    log.exception("warm-up failed")

        threading.Thread(target=baseline, name="survsim-warm", daemon=True).start()

    # --- calibration ----------------------------------------------------------------------
    def calibration(self, compute: Callable[[], list] | None = None) -> dict[str, Any]:
        """``{"status": "ready", "rows": [...]}`` once computed (kept in memory and on disk,
        keyed by version and commit); starts the computation on the first call."""
        with self._lock:
            state = dict(self._calibration)
            if state["status"] in ("ready", "running"):
                return state
            path = self._calibration_file()
            if path is not None and path.is_file():
                try:
                    rows = json.loads(path.read_text())["rows"]
                    self._calibration = {"status": "ready", "rows": rows}
                    return dict(self._calibration)
                except (OSError, ValueError, KeyError):
                    pass
            self._calibration = {"status": "running", "started": time.monotonic()}
            state = dict(self._calibration)  # what this call started (the thread may finish before we return)
        threading.Thread(target=self._calibrate, args=(compute,), daemon=True, name="survsim-calibrate").start()
        return state

    def _calibration_file(self) -> Path | None:
        if self.results_dir is None:
            return None
        tag = f"{version()}-{(_commit() or 'unknown')[:12]}"
        return self.results_dir / ".cache" / f"calibration-{tag}.json"

    def _calibrate(self, compute: Callable[[], list] | None) -> None:
        try:
            if compute is None:  # in a worker process: ~20 s of model runs off the server's threads
                rows = self.runner.call(worker.calibration).result()
            else:
                rows = [{"target": t.name, "source": t.source, "published": float(t.target),
                         "model": float(t.model), "low": float(t.tolerance[0]), "high": float(t.tolerance[1]),
                         "passed": bool(t.passed)} for t in compute()]
            path = self._calibration_file()
            if path is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    tmp = path.with_suffix(".tmp")
                    tmp.write_text(json.dumps({"version": version(), "git_commit": _commit(), "rows": rows}, indent=1))
                    tmp.replace(path)
                except OSError:
                    pass
            state = {"status": "ready", "rows": rows}
        except Exception as e:  # shown on the page in one line
            state = {"status": "error", "error": f"{type(e).__name__}: {e}"}
        with self._lock:
            self._calibration = state

    def close(self) -> None:
        """Stop jobs and worker processes (the server is stopping)."""
        self.jobs.close()
        self.runner.close()
