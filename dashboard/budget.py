"""The dashboard's memory budget: what one request may ask for, and what is kept.

One number, ``budget_mb`` (``survsim dashboard --memory-budget``; default 1536 MB), is
the target for the whole server: the server process plus its worker processes. Measured
(tests/dash_http.py, two workers): ~840 MB once warm (server ~320 MB, each worker ~250 MB;
a worker reaches ~350 MB while it runs 200,000 residents). Of the budget,
:data:`KEPT_SHARE` holds finished runs (an LRU by bytes, :class:`Memory`) and
:data:`FLIGHT_SHARE` the runs being assembled (:class:`Flight`). One request costs more
than its runs while it is served (assembly, cache write, the page's charts built from tidy
rows), so a request may produce at most :data:`REQUEST_SHARE` of the budget in runs (92 MB
at the default: the default comparison, 78 MB, must fit whatever its seed). A request over
that, or whose work exceeds ``max_resident_days``, is refused with a message saying what to
lower. Freed memory is handed back to the system every :data:`TRIM_SECONDS` (:func:`trim`).

Measured over HTTP (tests/dash_http.py): 20 concurrent small what-ifs peak at ~940 MB; the
largest ten-year what-if accepted (1,000 residents, 6 replicates, 90 MB of runs) peaks at
1,372 MB. An earlier measurement of 2.67 GB (5 replicates), taken with an older server and
test client, did not recur; why it differed was not established.

A run keeps ``replicates x (days + 1) x values_per_day`` float64 numbers
(:mod:`dashboard.compact`); assembling it briefly holds the workers' arrays too, hence
:data:`ASSEMBLY_FACTOR`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sim.core.errors import InputError

MB = 1 << 20
KEPT_SHARE = 0.15      # of the budget: finished runs kept for charts
FLIGHT_SHARE = 0.18    # of the budget: runs being assembled from the workers' arrays
REQUEST_SHARE = 0.06   # of the budget: the runs one request may produce (serving costs several times that)
ASSEMBLY_FACTOR = 2    # the workers' arrays and the assembled run exist together for a moment
TRIM_SECONDS = 5.0     # how often freed heap memory is returned to the system
BYTES_PER_VALUE = 8    # float64, as the model records them


@dataclass(frozen=True)
class Limits:
    """What the server accepts (enforced in :meth:`dashboard.data.Data.request`)."""

    budget_mb: int = 1536                  # server + workers RSS target (2 cores / 24 GB machine)
    max_resident_days: float = 4e9         # residents x days x replicates x scenarios per request (~2 CPU-min)
    session_jobs: int = 2                  # runs one browser tab may have going at once
    server_jobs: int = 32                  # runs going or queued on the whole server

    def __post_init__(self) -> None:
        if self.budget_mb < 256:
            raise InputError(f"--memory-budget {self.budget_mb}: too small; allowed: 256 MB or more")

    @property
    def kept_bytes(self) -> int:
        return int(self.budget_mb * MB * KEPT_SHARE)

    @property
    def flight_bytes(self) -> int:
        return int(self.budget_mb * MB * FLIGHT_SHARE)

    @property
    def request_bytes(self) -> int:
        """The largest run set one request may produce."""
        return min(int(self.budget_mb * MB * REQUEST_SHARE), self.flight_bytes // ASSEMBLY_FACTOR)

    def check(self, items: Sequence[tuple[Any, int, int]]) -> None:
        """Refuse a request (list of (scenario, replicates, seed)) that is too large, saying
        what it costs and what to lower."""
        work = sum(float(sc.params.city.n_residents) * sc.params.run.days * reps for sc, reps, _ in items)
        if work > self.max_resident_days:
            raise InputError(
                f"this run is too large for this server: {work:.3g} resident-days "
                f"(residents x days x replicates x {len(items)} scenarios); allowed: up to "
                f"{self.max_resident_days:.3g}. Lower residents, days or replicates.")
        need = sum(result_bytes(sc, reps) for sc, reps, _ in items)
        if need > self.request_bytes:
            raise InputError(
                f"this run would keep {need / MB:.0f} MB of results (days x replicates x {len(items)} "
                f"scenarios); allowed: up to {self.request_bytes / MB:.0f} MB with --memory-budget "
                f"{self.budget_mb}. Lower days or replicates.")


def result_bytes(sc: Any, replicates: int) -> int:
    """Bytes of one scenario's runs as the dashboard keeps them (:class:`dashboard.compact.Runs`)."""
    from dashboard.compact import values_per_day

    return replicates * (sc.params.run.days + 1) * values_per_day(len(sc.params.group_keys)) * BYTES_PER_VALUE


class Memory:
    """An LRU of objects with an ``nbytes``, bounded by their total size. The newest entry
    is always kept (a request larger than the budget is refused before it runs)."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def __contains__(self, key: str) -> bool:
        with self._lock:
            return key in self._items

    def put(self, key: str, item: Any) -> None:
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            evicted = False
            while len(self._items) > 1 and self.nbytes > self.capacity:
                self._items.popitem(last=False)
                evicted = True
        if evicted:
            trim()

    @property
    def nbytes(self) -> int:
        return sum(int(item.nbytes) for item in self._items.values())

    def __len__(self) -> int:
        return len(self._items)


class Flight:
    """Bytes reserved by runs being assembled; a reservation waits until it fits."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self.used = 0
        self._cond = threading.Condition()

    @contextmanager
    def reserve(self, n: int, still_wanted: Callable[[], None] = lambda: None) -> Iterator[None]:
        """Hold ``n`` bytes (at most the capacity) while the block runs; ``still_wanted`` is
        called while waiting and may raise to give up (a cancelled job)."""
        n = min(n, self.capacity)
        with self._cond:
            while self.used + n > self.capacity:
                still_wanted()
                self._cond.wait(0.5)
            self.used += n
        try:
            yield
        finally:
            with self._cond:
                self.used -= n
                self._cond.notify_all()


_libc: Any = None
_trimmer: threading.Thread | None = None


def keep_trimming(interval: float = TRIM_SECONDS) -> None:
    """Call :func:`trim` every ``interval`` seconds in a daemon thread (once per process):
    chart callbacks free large tidy frames that glibc would otherwise keep."""
    global _trimmer
    if _trimmer is not None:
        return

    def loop() -> None:
        while True:
            time.sleep(interval)
            trim()

    _trimmer = threading.Thread(target=loop, name="survsim-trim", daemon=True)
    _trimmer.start()


def trim() -> None:
    """Give freed heap memory back to the system (glibc otherwise keeps freed small blocks
    for reuse, so RSS stays at its peak). No-op off glibc."""
    global _libc
    if _libc is None:
        try:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _libc.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _libc = False
    if _libc:
        _libc.malloc_trim(0)
