"""Where runs execute: in this process, in local processes, or on a Dask cluster.

A run is a pure function of plain data (parameters, seed, policies, what to keep), so it
gives the same numbers wherever it executes. :func:`executor` hides the difference:

* ``workers=1``: runs execute here, one after the other (easiest to debug and interrupt);
* ``workers=N``: N local processes started with ``spawn`` (clean, as on another machine);
* ``scheduler="tcp://host:8786"``: a Dask distributed cluster. Start it with
  ``dask scheduler`` on one machine and ``dask worker tcp://host:8786`` on each machine
  that has this project installed (``pip install -e .``, same version); ``workers`` is
  then ignored and the cluster's worker threads decide how many runs execute at once.

Results come back to the calling process, which alone writes files, so workers need no
shared file system.

Example:
    >>> with executor(workers=2) as pool:                      # doctest: +SKIP
    ...     squares = list(pool.map(pow, [1, 2, 3], [2, 2, 2]))
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from typing import Any

from sim.core.errors import InputError

CONNECT_TIMEOUT = 10   # seconds to reach a scheduler
WORKER_TIMEOUT = 60    # seconds to wait for a first worker to join
ORPHAN_POLL = 0.5      # seconds between a worker's checks that its parent is alive
STOP_GRACE = 2.0       # seconds a worker gets to end after SIGTERM before SIGKILL


def worker_init(parent: int) -> None:
    """Initializer of every local worker process.

    Ctrl-C reaches the whole terminal process group: the parent handles it and ends its
    workers, so workers ignore SIGINT (no second traceback per worker). A worker also exits
    as soon as its parent is gone, even after SIGKILL of the parent (which no handler sees):
    on Linux the kernel sends SIGKILL when the parent dies (PR_SET_PDEATHSIG); everywhere a
    daemon thread notices the parent changed (the worker was re-parented) and exits.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(ORPHAN_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="survsim-orphan-watch", daemon=True).start()


def _die_with_parent() -> None:
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the watch thread does it
        pass


def local_pool(workers: int) -> ProcessPoolExecutor:
    """``workers`` clean local processes (spawn) that end with their parent."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn"),
                               initializer=worker_init, initargs=(os.getpid(),))


def stop_pool(ex: ProcessPoolExecutor) -> None:
    """Drop queued runs and end running ones now (after an interrupt or error): a run
    cannot be resumed midway, and waiting for it would keep the user waiting for minutes."""
    procs = list((getattr(ex, "_processes", None) or {}).values())
    ex.shutdown(wait=False, cancel_futures=True)
    for p in procs:
        with contextlib.suppress(OSError, ValueError):
            p.terminate()
    deadline = time.monotonic() + STOP_GRACE
    for p in procs:
        with contextlib.suppress(OSError, ValueError, AssertionError):
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(1.0)


class Pool:
    """Something to ``submit`` runs to, with ``slots`` runs executing at once; callers keep
    ``queue`` runs submitted (a few more than the slots, so none idles).

    ``submit`` returns a :class:`concurrent.futures.Future` in every case, so callers can
    use ``concurrent.futures.wait``/``as_completed`` whatever the backend.
    """

    def __init__(self, ex: Executor | None, slots: int, where: str):
        self._ex, self.slots, self.where = ex, slots, where
        self.queue = slots if ex is None else 2 * slots

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        if self._ex is not None:
            return self._ex.submit(fn, *args)
        fut: Future = Future()  # in this process: run now, hand back a finished future
        fut.set_running_or_notify_cancel()
        try:
            fut.set_result(fn(*args))
        except Exception as e:  # noqa: BLE001 - delivered through the future, like a pool would
            fut.set_exception(e)
        return fut

    def map(self, fn: Callable[..., Any], *iterables: Iterable[Any]) -> Iterator[Any]:
        futures = [self.submit(fn, *args) for args in zip(*iterables)]
        return (f.result() for f in futures)

    def cancel(self) -> None:
        """Drop queued runs (after an interrupt or error); running ones are abandoned."""
        if self._ex is not None:
            if isinstance(self._ex, ProcessPoolExecutor):
                stop_pool(self._ex)
            else:
                self._ex.shutdown(wait=False)


@contextlib.contextmanager
def executor(workers: int = 1, scheduler: str | None = None) -> Iterator[Pool]:
    """A :class:`Pool` for ``workers`` local processes or the Dask cluster at ``scheduler``.

    Raises InputError when ``workers`` < 1, the scheduler cannot be reached, no worker
    joins, or a worker cannot import this project's version of survsim.
    """
    if scheduler:
        with _dask(scheduler) as pool:
            yield pool
        return
    if not isinstance(workers, int) or workers < 1:
        raise InputError(f"--workers = {workers!r}: must be an integer >= 1")
    if workers == 1:
        yield Pool(None, 1, "in this process")
        return
    ex = local_pool(workers)
    pool = Pool(ex, workers, f"on {workers} local processes")
    try:
        yield pool
    except BaseException:
        pool.cancel()
        raise
    ex.shutdown(wait=True)


@contextlib.contextmanager
def _dask(scheduler: str) -> Iterator[Pool]:
    try:
        from distributed import Client
    except ImportError:
        raise InputError(f"--scheduler {scheduler}: needs the Dask distributed package; "
                         "pip install 'dask[distributed]'") from None
    check_address(scheduler)
    try:
        client = Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as e:
        raise InputError(f"--scheduler {scheduler}: cannot connect ({e}). Start one with `dask scheduler` "
                         "and give its address, e.g. tcp://10.0.0.5:8786") from None
    try:
        try:
            client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
        except TimeoutError:
            raise InputError(f"--scheduler {scheduler}: no worker joined within {WORKER_TIMEOUT} s; "
                             f"start workers with `dask worker {scheduler}`") from None
        check_workers(client)
        slots = sum(client.nthreads().values())
        threads = f"{slots} worker thread" + ("s" if slots != 1 else "")
        pool = Pool(client.get_executor(pure=False), slots, f"on Dask cluster {scheduler} ({threads})")
        try:
            yield pool
        except BaseException:
            pool.cancel()
            raise
    finally:
        client.close()


def check_address(scheduler: str) -> None:
    """A scheduler address that parses and (for TCP) answers, checked before a Dask client
    is made: a client that fails to connect blocks for its timeout twice and prints a
    traceback when it is collected."""
    import socket

    from distributed.comm.addressing import get_address_host_port, parse_address
    from distributed.comm.registry import get_backend

    example = "give one like tcp://10.0.0.5:8786"
    if not isinstance(scheduler, str) or "\0" in scheduler or any(c.isspace() for c in scheduler):
        raise InputError(f"--scheduler {scheduler!r}: not an address; {example}")
    try:
        scheme, _ = parse_address(scheduler)
        get_backend(scheme)
        host, port = get_address_host_port(scheduler)
    except (ValueError, TypeError) as e:
        raise InputError(f"--scheduler {scheduler}: not an address ({e}); {example}") from None
    if not host or not 1 <= int(port) <= 65535:
        raise InputError(f"--scheduler {scheduler}: needs a host and a port from 1 to 65535; {example}")
    if scheme in ("tcp", "tls"):
        try:
            socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT).close()
        except (OSError, UnicodeError) as e:
            raise InputError(f"--scheduler {scheduler}: cannot connect ({e}). Start one with `dask scheduler` "
                             f"and give its address, e.g. tcp://10.0.0.5:8786") from None


def worker_version() -> str:
    """survsim's version where this runs (called on Dask workers)."""
    from sim.output.results import version

    return version()


def check_workers(client: Any) -> None:
    """Every worker must import the same survsim version as this process."""
    from sim.output.results import version

    try:
        versions = client.run(worker_version)
    except Exception as e:  # noqa: BLE001 - any failure here means a worker lacks the project
        raise InputError(f"Dask workers cannot run survsim ({type(e).__name__}: {e}); install the project "
                         "on every worker machine (pip install -e .) before starting `dask worker`") from None
    wrong = {w: v for w, v in versions.items() if v != version()}
    if wrong:
        w, v = next(iter(wrong.items()))
        raise InputError(f"Dask worker {w} has survsim {v}, this machine {version()}; "
                         "install the same version everywhere")
