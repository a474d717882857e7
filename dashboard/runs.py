"""Running scenarios for the dashboard: a warm pool of worker processes and a cache.

``sim.run`` starts a new process pool per call; a dashboard runs many small jobs, and a
worker's first replicate is about twice as slow as later ones (imports, lazy caches), so
the dashboard keeps one pool of ``workers`` processes alive and warm. Replicates are
queued by priority (a user's run before background warm-up), at most ``workers`` in the
pool at once, so a click never waits behind a long background queue.

Results are cached by content with the same key and folder layout as
:func:`sim.experiments.compare.run_cached` (``<cache>/<cache_key>/``), so the CLI and the dashboard
reuse each other's runs; the most recent ones are also kept in memory as arrays
(:class:`dashboard.compact.Runs`), up to ``keep_bytes`` (:class:`dashboard.budget.Memory`).

Workers die with the server (:func:`dashboard.worker.die_with`), are replaced after
:data:`TASKS_PER_WORKER` replicates (so no worker keeps a large run's heap for ever), and
are stopped by :meth:`Runner.close`.
"""

from __future__ import annotations

import atexit
import itertools
import multiprocessing as mp
import os
import queue
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from dashboard import worker
from dashboard.budget import Memory
from dashboard.compact import Runs
from sim.experiments.compare import cache_key
from sim.policy.scenario import Scenario, load
from sim.core.streams import replicate_seeds

SLOTS = 256                    # concurrent runs with day-by-day progress
POLL = 0.2                     # seconds between progress reads
INTERACTIVE, BACKGROUND = 0, 1  # queue priorities
TASKS_PER_WORKER = 50          # replicates before a worker process is replaced
SAVE_WAIT = 30                 # seconds close() waits for each cache write in progress


class Abandoned(RuntimeError):
    """A run stopped before it finished (its job was cancelled)."""


class Runner:
    """Replicates of scenarios in a persistent pool of worker processes, cached by content.

    Example:
        >>> runner = Runner(Path("results/.cache"), workers=2)            # doctest: +SKIP
        >>> [res] = runner.run([(sim.load("baseline"), 4, 1)], progress=print)  # doctest: +SKIP
    """

    def __init__(self, cache_dir: Path | None, workers: int = 2, keep_bytes: int = 300 << 20):
        self.cache_dir = cache_dir
        self.workers = workers
        self._ctx = mp.get_context("spawn")  # clean workers, as sim.experiments.runner does
        self._counters = self._ctx.Array("q", SLOTS)
        self._free_slots = list(range(SLOTS))
        self._lock = threading.RLock()
        self._memory = Memory(keep_bytes)
        self._saving: dict[str, Runs] = {}   # written to the disk cache in the background
        self._savers: list[threading.Thread] = []
        self._inflight: dict[str, Future] = {}
        self._queue: queue.PriorityQueue = queue.PriorityQueue()
        self._seq = itertools.count()
        self._room = threading.Semaphore(workers)
        self._ex: ProcessPoolExecutor | None = None
        self._dispatcher: threading.Thread | None = None
        self._closed = False

    # --- cache ----------------------------------------------------------------------------
    def cached(self, sc: Scenario, replicates: int, seed: int) -> Runs | None:
        """Runs from memory or the disk cache, named after ``sc``; None if not run yet."""
        key = cache_key(sc, seed, replicates)
        res = self._memory.get(key)
        if res is None:
            with self._lock:
                res = self._saving.get(key)
        if res is None and self.cache_dir is not None and (self.cache_dir / key / "manifest.json").is_file():
            try:
                res = Runs.load(self.cache_dir / key, sc)
            except (OSError, ValueError, KeyError):
                return None  # unreadable cache entry: run again
            if len(res.seeds) != replicates:
                return None
            self._memory.put(key, res)
        return None if res is None else res.renamed(sc)

    def is_cached(self, sc: Scenario, replicates: int, seed: int) -> bool:
        key = cache_key(sc, seed, replicates)
        if key in self._memory:
            return True
        with self._lock:
            if key in self._saving:
                return True
        return self.cache_dir is not None and (self.cache_dir / key / "manifest.json").is_file()

    # --- running --------------------------------------------------------------------------
    def run(self, items: Sequence[tuple[Scenario, int, int]], progress: Callable[[int], None] | None = None,
            priority: int = INTERACTIVE, save: bool = True) -> list[Runs]:
        """Results for each (scenario, replicates, seed), running what is not cached; all
        replicates of all items are queued at once. ``progress`` gets the replicate-days
        done so far (of :func:`work`). A run of the same content already in progress (for
        another page or session) is waited for, not repeated. Blocks until done."""
        slot = self._take_slot()
        mine: dict[str, tuple[Scenario, int, int, list[Future]]] = {}
        waiting: dict[str, tuple[Future, int]] = {}
        fresh: dict[str, Runs] = {}   # held here too: memory may drop a run before we return it
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
                del done
                if progress is not None:
                    progress(self._count(slot) + sum(n for f, n in waiting.values() if f.done()))
            for f, _ in waiting.values():
                if f.exception() is not None and not isinstance(f.exception(), Abandoned):
                    raise f.exception()
            for key, (sc, reps, seed, futures) in mine.items():
                try:
                    res = Runs.from_outputs(sc, seed, [f.result() for f in futures])
                except BaseException as e:
                    self._finish(key, error=e)
                    raise
                futures.clear()  # drop the workers' arrays now that they are assembled (halves the peak)
                if save and self.cache_dir is not None:
                    self._save_later(key, res)
                self._memory.put(key, res)
                fresh[key] = res
                self._finish(key, result=True)
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
            mine_res = fresh.get(cache_key(sc, seed, reps))
            res = mine_res.renamed(sc) if mine_res is not None else self.cached(sc, reps, seed)
            if res is None:
                raise RuntimeError(f"results of {sc.name} missing after the run")
            out.append(res)
        return out

    def _save_later(self, key: str, res: Runs) -> None:
        """Write a run to the disk cache in a background thread (the page need not wait);
        until then :meth:`cached` finds it here even if memory dropped it."""
        folder = self.cache_dir / key

        def save() -> None:
            try:
                with _SAVER:
                    if not (folder / "manifest.json").is_file():
                        res.save(folder)
            except OSError:
                pass  # a full disk loses the cache entry, not the run
            finally:
                with self._lock:
                    self._saving.pop(key, None)

        with self._lock:
            self._saving[key] = res
        thread = threading.Thread(target=save, name="survsim-save", daemon=True)
        self._savers = [t for t in self._savers if t.is_alive()] + [thread]
        thread.start()

    def call(self, fn: Callable, *args: Any, priority: int = INTERACTIVE) -> Future:
        """Run a picklable module-level function in a worker process."""
        return self._submit(priority, fn, *args)

    def warm(self, params: dict[str, Any] | None = None) -> list[Future]:
        """Start the workers and give each a tiny run, at background priority."""
        if params is None:
            params = load("baseline", {"run.days": 5, "city.n_residents": 1000}).params.model_dump(mode="json")
        return [self._submit(BACKGROUND, worker.warm, params) for _ in range(self.workers)]

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Stop the dispatcher and the worker processes (running replicates are abandoned)."""
        with self._lock:
            self._closed = True
            ex, self._ex = self._ex, None
        while True:  # replicates not yet handed to a worker fail now, so no job waits for them
            try:
                _, _, fut, fn, _ = self._queue.get_nowait()
            except queue.Empty:
                break
            if fn is not None and fut.set_running_or_notify_cancel():
                fut.set_exception(RuntimeError("the dashboard is stopping"))
        if self._dispatcher is not None:
            self._queue.put((-1, -1, None, None, ()))
        if ex is not None:
            procs = list((getattr(ex, "_processes", None) or {}).values())
            ex.shutdown(wait=False, cancel_futures=True)
            for p in procs:  # shutdown() waits for running replicates; a stopping server does not
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(5)
        for thread in self._savers:  # finish cache entries being written (a stopped write leaves only a temp folder)
            thread.join(SAVE_WAIT)

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
            if self._closed:
                raise RuntimeError("the dashboard is stopping")
            if self._ex is None:
                self._ex = ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=worker.init,
                                               initargs=(self._counters, os.getpid()),
                                               max_tasks_per_child=TASKS_PER_WORKER)
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


_SAVER = threading.Lock()   # one cache write at a time (each holds one replicate's tidy rows)
