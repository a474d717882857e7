"""Background jobs that a page polls (dcc.Interval) for progress.

A job is a function run in a thread with a ``progress(done)`` callback; the page keeps the
job's id in a dcc.Store and asks :meth:`Jobs.get` for its state every half second. Jobs
belong to a browser session: another session asking for the id gets nothing. Finished
jobs are forgotten after a while.

Example:
    >>> jobs = Jobs()
    >>> jid = jobs.submit("a" * 32, "demo", lambda progress: 42, total=1)
    >>> jobs.wait("a" * 32, jid).result
    42
"""

from __future__ import annotations

import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sim.core.errors import InputError

KEEP_SECONDS = 3600   # finished jobs are kept this long
MAX_JOBS = 500        # and at most this many
MAX_RESULTS = 16      # results (which can be large) of only the latest finished jobs are kept


@dataclass
class Job:
    id: str
    owner: str
    key: str                       # what it computes: a second request for the same key reuses the job
    total: int
    done: int = 0
    status: str = "running"        # running | done | error | cancelled | replaced
    group: str = ""                # a newer job of the same owner and group cancels this one
    cancelled: bool = False
    result: Any = None
    error: str = ""
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def fraction(self) -> float:
        if self.status != "running":
            return 1.0
        return min(self.done / self.total, 0.99) if self.total > 0 else 0.0

    def eta(self) -> float | None:
        """Seconds left, from the pace so far (None until there is a pace)."""
        elapsed = time.monotonic() - self.started
        if self.status != "running" or self.done <= 0 or elapsed < 1:
            return None
        return elapsed * (self.total - self.done) / self.done


class Cancelled(Exception):
    """Raised in a job's progress callback once a newer job replaced it."""


class Jobs:
    """A registry of background jobs, keyed by id and owned by a session."""

    def __init__(self, threads: int = 4):
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="survsim-job")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()

    def submit(self, owner: str, key: str, fn: Callable[[Callable[[int], None]], Any], total: int,
               group: str = "", owner_limit: int | None = None, total_limit: int | None = None) -> str:
        """Start ``fn(progress)`` unless this owner already has a running or finished job
        for ``key``; return the job's id. With ``group``, the owner's other running jobs
        of that group are cancelled (their ``progress`` call raises :class:`Cancelled`).
        Raises InputError if the owner already has ``owner_limit`` jobs going (other than
        those this one replaces), or the registry ``total_limit``."""
        with self._lock:
            self._prune()
            for job in self._jobs.values():
                if job.owner == owner and job.key == key and job.status in ("running", "done"):
                    return job.id
            self._admit(owner, group, owner_limit, total_limit)
            if group:  # the owner's page asks for something else: stop or forget the old job
                for other in self._jobs.values():
                    if other.owner == owner and other.group == group and other.status == "running":
                        other.cancelled = True
                    elif other.owner == owner and other.group == group and other.status == "done":
                        other.result, other.status = None, "replaced"  # results can be large
            job = Job(uuid.uuid4().hex, owner, key, total, group=group)
            self._jobs[job.id] = job

        def progress(done: int) -> None:
            if job.cancelled:
                raise Cancelled(job.id)
            job.done = done

        def body() -> None:
            try:
                job.result = fn(progress)
                job.status = "done"
            except Cancelled:
                job.status = "cancelled"
            except InputError as e:
                job.error, job.status = str(e), "error"
            except Exception as e:  # shown to the user in one line; the traceback goes to the log
                traceback.print_exc()
                job.error, job.status = f"{type(e).__name__}: {e}", "error"
            finally:
                job.finished = time.monotonic()

        self._pool.submit(body)
        return job.id

    def _admit(self, owner: str, group: str, owner_limit: int | None, total_limit: int | None) -> None:
        """Refuse a new job beyond the limits (jobs a newer one replaces do not count)."""
        going = [j for j in self._jobs.values() if j.status == "running" and not j.cancelled]
        mine = [j for j in going if j.owner == owner and not (group and j.group == group)]
        if owner_limit is not None and len(mine) >= owner_limit:
            raise InputError(f"this page already has {len(mine)} runs going (allowed: {owner_limit} at once); "
                             "wait for one to finish")
        if total_limit is not None and len(going) >= total_limit:
            raise InputError(f"the server is busy with {len(going)} runs (allowed: {total_limit} at once); "
                             "try again in a minute")

    def close(self) -> None:
        """Cancel every running job and forget queued ones (the server is stopping)."""
        with self._lock:
            for job in self._jobs.values():
                job.cancelled = True
        self._pool.shutdown(wait=False, cancel_futures=True)

    def get(self, owner: str, job_id: Any) -> Job | None:
        """The job if it exists and belongs to ``owner``."""
        if not isinstance(job_id, str):
            return None
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.owner == owner else None

    def wait(self, owner: str, job_id: str, timeout: float = 600) -> Job:
        """Block until the job ends (for tests and scripts)."""
        end = time.monotonic() + timeout
        while True:
            job = self.get(owner, job_id)
            if job is None:
                raise KeyError(job_id)
            if job.status != "running":
                return job
            if time.monotonic() > end:
                raise TimeoutError(f"job {job_id} still running after {timeout} s")
            time.sleep(0.05)

    def _prune(self) -> None:
        now = time.monotonic()
        old = [k for k, j in self._jobs.items() if j.finished is not None and now - j.finished > KEEP_SECONDS]
        for k in old:
            del self._jobs[k]
        done = sorted((j.finished, k) for k, j in self._jobs.items() if j.status == "done" and j.finished is not None)
        for _, k in done[:-MAX_RESULTS]:
            self._jobs[k].result, self._jobs[k].status = None, "replaced"
        if len(self._jobs) > MAX_JOBS:
            done = sorted((j.finished, k) for k, j in self._jobs.items() if j.finished is not None)
            for _, k in done[: len(self._jobs) - MAX_JOBS]:
                del self._jobs[k]
