"""The command line's process: signals, warnings and the dashboard's port, so that an
interrupted or misdirected command ends with one message and a conventional exit code.

SIGINT (Ctrl-C) and SIGTERM raise :class:`Interrupted` in the main thread wherever it is:
temporary folders are removed on the way out (:func:`sim.output.results.atomic_folder`),
worker processes are ended (:func:`sim.experiments.distributed.stop_pool`), and the
entry point exits with 128 + the signal number (130, 143) instead of printing a traceback.
"""

from __future__ import annotations

import signal
import socket
import time
import warnings
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from sim.core.errors import InputError


class DelayedProgress:
    """A progress bar that appears only once a run has taken longer than ``delay`` s."""

    def __init__(self, total: int, label: str, delay: float = 1.0, console: Console | None = None):
        self.total, self.label, self.delay = total, label, delay
        self.console = console or Console(stderr=True)
        self.t0 = time.monotonic()
        self.done = 0
        self.bar: Progress | None = None

    def __call__(self, n: int) -> None:
        self.done += n
        if self.bar is None and time.monotonic() - self.t0 > self.delay and self.console.is_terminal:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                                TimeRemainingColumn(), console=self.console, transient=True)
            self.task = self.bar.add_task(self.label, total=self.total, completed=self.done)
            self.bar.start()
        elif self.bar is not None:
            self.bar.update(self.task, completed=self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()

    def __enter__(self) -> DelayedProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Interrupted(BaseException):
    """SIGINT or SIGTERM; a BaseException so that no ``except Exception`` swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.code = 128 + signum


def _on_signal(signum: int, frame: object) -> None:
    for s in (signal.SIGINT, signal.SIGTERM):  # a second Ctrl-C must not interrupt the cleanup
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


def install_handlers(show: Callable[[str], None]) -> None:
    """Turn SIGINT/SIGTERM into :class:`Interrupted` and show warnings (such as a cache entry
    being rebuilt) as one line through ``show`` instead of Python's file:line format."""
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, _on_signal)
    warnings.showwarning = lambda message, *args, **kwargs: show(str(message))


def check_port(host: str, port: int) -> None:
    """Refuse a port that is taken or a host that is not this machine's, before starting."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as e:
        raise InputError(f"--host {host!r}: not an address of this machine ({e}); e.g. 127.0.0.1") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            s.bind(addr)
        except OSError as e:
            raise InputError(f"--port {port}: cannot listen on {host}:{port} ({e.strerror}); another program "
                             "(perhaps another dashboard) uses it: give another --port") from None
