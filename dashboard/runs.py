"""Running scenarios for the dashboard: a warm pool of worker processes and a cache.

``sim.run`` starts a new process pool per call; a dashboard runs many small jobs, and a
worker's first replicate is about twice as slow as later ones (imports, lazy caches), so
the dashboard keeps one pool of ``workers`` processes alive and warm. Replicates are
queued by priority (a user's run before background warm-up), at most ``workers`` in the
pool at once, so a click never waits behind a long background queue.

Results are cached by content with the same key and folder layout as
:func:`sim.experiments.compare.run_cached` (``<cache>/<cache_key>/``), so the CLI and the dashboard
reuse each other's runs; the most recent ones are also kept in memory.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing as mp
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import worker
from sim.experiments.compare import cache_key
from sim.output.results import Results, load_results
from sim.policy.scenario import Scenario, load
from sim.core.streams import replicate_seeds

SLOTS = 256                    # concurrent runs with day-by-day progress
POLL = 0.2                     # seconds between progress reads
INTERACTIVE, BACKGROUND = 0, 1  # queue priorities


class Abandoned(RuntimeError):
    """A run stopped before it finished (its job was cancelled)."""


class Runner:
    """Replicates of scenarios in a persistent pool of worker processes, cached by content.

    Example:
        >>> runner = Runner(Path("results/.cache"), workers=2)            # doctest: +SKIP
        >>> [res] = runner.run([(sim.load("baseline"), 4, 1)], progress=print)  # doctest: +SKIP
    """

    def __init__(self, cache_dir: Path | None, workers: int = 2, keep_rows: int = 40_000_000):
        self.cache_dir = cache_dir
        self.workers = workers
        self.keep_rows = keep_rows
        self._ctx = mp.get_context("spawn")  # clean workers, as sim.experiments.runner does
        self._counters = self._ctx.Array("q", SLOTS)
        self._free_slots = list(range(SLOTS))
        self._lock = threading.RLock()
        self._memory: OrderedDict[str, Results] = OrderedDict()
        self._inflight: dict[str, Future] = {}
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = itertools.count()
        self._room = threading.Semaphore(workers)
        self._ex: ProcessPoolExecutor | None = None
        self._dispatcher: threading.Thread | None = None
        self._closed = False

    # --- cache ----------------------------------------------------------------------------
    def cached(self, sc: Scenario, replicates: int, seed: int) -> Results | None:
        """Results from memory or the disk cache, named after ``sc``; None if not run yet."""
        key = cache_key(sc, seed, replicates)
        with self._lock:
            res = self._memory.get(key)
            if res is not None:
                self._memory.move_to_end(key)
        if res is None and self.cache_dir is not None and (self.cache_dir / key / "manifest.json").is_file():
            try:
                manifest, ts = load_results(self.cache_dir / key)
            except (OSError, ValueError):
                return None  # unreadable cache entry: run again
            for col in ("scenario", "metric", "group"):
                ts[col] = ts[col].astype("category")
            res = Results(sc, seed, list(manifest["replicate_seeds"]), ts)
            self._remember(key, res)
        return None if res is None else _named(res, sc)

    def is_cached(self, sc: Scenario, replicates: int, seed: int) -> bool:
        key = cache_key(sc, seed, replicates)
        with self._lock:
            if key in self._memory:
                return True
        return self.cache_dir is not None and (self.cache_dir / key / "manifest.json").is_file()

    def _remember(self, key: str, res: Results) -> None:
        with self._lock:
            self._memory[key] = res
            self._memory.move_to_end(key)
            while len(self._memory) > 1 and sum(len(r.timeseries) for r in self._memory.values()) > self.keep_rows:
                self._memory.popitem(last=False)

    # --- running --------------------------------------------------------------------------
    def run(self, items: Sequence[tuple[Scenario, int, int]], progress: Callable[[int], None] | None = None,
            priority: int = INTERACTIVE, save: bool = True) -> list[Results]:
        """Results for each (scenario, replicates, seed), running what is not cached; all
        replicates of all items are queued at once. ``progress`` gets the replicate-days
        done so far (of :func:`work`). A run of the same content already in progress (for
        another page or session) is waited for, not repeated. Blocks until done."""
        slot = self._take_slot()
        mine: dict[str, tuple[Scenario, int, int, list[Future]]] = {}
        waiting: dict[str, tuple[Future, int]] = {}
        try:
            for sc, reps, seed in items:
                key = cache_key(sc, seed, reps)
                if key in mine or key in waiting or self.is_cached(sc, reps, seed):
                    continue
                with self._lock:
                    other = self._inflight.get(key)
                    if other is None:
                        self._inflight[key] = Future()
                if other is not None:
                    waiting[key] = (other, reps * sc.params.run.days)
                    continue
                params = sc.params.model_dump(mode="json")
                futures = [self._submit(priority, worker.replicate, params, s, sc.policies, slot)
                           for s in replicate_seeds(seed, reps)]
                mine[key] = (sc, reps, seed, futures)
            pending = [f for *_, fs in mine.values() for f in fs] + [f for f, _ in waiting.values()]
            while pending:
                done, _ = wait(pending, timeout=POLL)
                pending = [f for f in pending if f not in done]
                if progress is not None:
                    progress(self._count(slot) + sum(n for f, n in waiting.values() if f.done()))
            for f, _ in waiting.values():
                if f.exception() is not None and not isinstance(f.exception(), Abandoned):
                    raise f.exception()
            for key, (sc, reps, seed, futures) in mine.items():
                try:
                    res = Results.from_outputs(sc, seed, [f.result() for f in futures])
                except BaseException as e:
                    self._finish(key, error=e)
                    raise
                self._remember(key, res)
                self._finish(key, result=True)
                if save and self.cache_dir is not None:
                    _save_later(res, self.cache_dir / key)
            again = [(sc, reps, seed) for sc, reps, seed in items
                     if cache_key(sc, seed, reps) in waiting and not self.is_cached(sc, reps, seed)]
            if again:  # the run we waited for was abandoned (or failed): run it here
                self.run(again, None, priority, save)
        finally:
            for *_, futures in mine.values():
                for f in futures:
                    f.cancel()  # queued replicates of an abandoned run never start
            for key in mine:
                self._finish(key, error=Abandoned(key))
            self._give_slot_after(slot, [f for *_, fs in mine.values() for f in fs])
        out = []
        for sc, reps, seed in items:
            res = self.cached(sc, reps, seed)
            if res is None:
                raise RuntimeError(f"results of {sc.name} missing after the run")
            out.append(res)
        return out

    def call(self, fn: Callable, *args: Any, priority: int = INTERACTIVE) -> Future:
        """Run a picklable module-level function in a worker process."""
        return self._submit(priority, fn, *args)

    def warm(self, params: dict[str, Any] | None = None) -> list[Future]:
        """Start the workers and give each a tiny run, at background priority."""
        if params is None:
            params = load("baseline", {"run.days": 5, "city.n_residents": 1000}).params.model_dump(mode="json")
        return [self._submit(BACKGROUND, worker.warm, params) for _ in range(self.workers)]

    def close(self) -> None:
        """Stop the dispatcher and the worker processes."""
        with self._lock:
            self._closed = True
            ex, self._ex = self._ex, None
        if self._dispatcher is not None:
            self._queue.put((-1, -1, None, None, ()))
        if ex is not None:
            ex.shutdown(wait=False, cancel_futures=True)

    # --- internals ------------------------------------------------------------------------
    def _submit(self, priority: int, fn: Callable, *args: Any) -> Future:
        fut: Future = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the runner is closed")
            if self._dispatcher is None:
                self._dispatcher = threading.Thread(target=self._dispatch, name="survsim-dispatch", daemon=True)
                self._dispatcher.start()
                atexit.register(self.close)
        self._queue.put((priority, next(self._seq), fut, fn, args))
        return fut

    def _dispatch(self) -> None:
        while True:
            _, _, fut, fn, args = self._queue.get()
            if fn is None:
                return
            self._room.acquire()
            if not fut.set_running_or_notify_cancel():
                self._room.release()
                continue
            try:
                pf = self._executor().submit(fn, *args)
            except (BrokenProcessPool, RuntimeError) as e:
                self._room.release()
                fut.set_exception(e)
                continue
            pf.add_done_callback(lambda pf, fut=fut: self._relay(pf, fut))

    def _relay(self, pf: Future, fut: Future) -> None:
        self._room.release()
        exc = pf.exception()
        if isinstance(exc, BrokenProcessPool):
            with self._lock:  # a worker died (e.g. out of memory): start a fresh pool next time
                self._ex = None
        if exc is not None:
            fut.set_exception(exc)
        else:
            fut.set_result(pf.result())

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._ex is None:
                self._ex = ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=worker.init,
                                               initargs=(self._counters,))
            return self._ex

    def _finish(self, key: str, result: Any = None, error: BaseException | None = None) -> None:
        with self._lock:
            fut = self._inflight.pop(key, None)
        if fut is not None and not fut.done():
            fut.set_exception(error) if error is not None else fut.set_result(result)

    def _take_slot(self) -> int:
        with self._lock:
            if not self._free_slots:
                return -1
            slot = self._free_slots.pop()
        with self._counters.get_lock():
            self._counters[slot] = 0
        return slot

    def _give_slot(self, slot: int) -> None:
        if slot >= 0:
            with self._lock:
                self._free_slots.append(slot)

    def _give_slot_after(self, slot: int, futures: list[Future]) -> None:
        """Free the slot once its replicates have stopped: a replicate already running when
        its job was cancelled keeps adding days to the slot's counter, and a job reusing the
        slot earlier would count them as its own (seen as "7,720 of 7,300")."""
        running = [f for f in futures if not f.done()]
        if not running:
            self._give_slot(slot)
            return
        left = [len(running)]
        lock = threading.Lock()

        def one_done(_: Future) -> None:
            with lock:
                left[0] -= 1
                last = left[0] == 0
            if last:
                self._give_slot(slot)

        for f in running:
            f.add_done_callback(one_done)

    def _count(self, slot: int) -> int:
        return int(self._counters[slot]) if slot >= 0 else 0


def work(items: Sequence[tuple[Scenario, int, int]]) -> int:
    """Replicate-days of a list of runs (the progress bar's total)."""
    return sum(reps * sc.params.run.days for sc, reps, _ in items)


def _named(res: Results, sc: Scenario) -> Results:
    """The same numbers under the requesting scenario's name (content-identical runs)."""
    ts = res.timeseries
    if not (len(ts) and ts["scenario"].cat.categories.tolist() == [sc.name]):
        ts = ts.assign(scenario=pd.Categorical.from_codes([0] * len(ts), categories=[sc.name]))
    return Results(sc, res.seed, res.seeds, ts)


_SAVER = threading.Lock()


def _save_later(res: Results, folder: Path) -> None:
    """Write a run to the disk cache in a background thread (the page need not wait)."""
    def save() -> None:
        with _SAVER:
            if not (folder / "manifest.json").is_file():
                try:
                    res.save(folder)
                except OSError:
                    pass  # a full disk loses the cache entry, not the run
    threading.Thread(target=save, name="survsim-save", daemon=True).start()
