"""Files to download: chart images (PNG, SVG) rendered by :func:`sim.output.report.export`, and
CSV tables. The figure's footer already carries scenarios, seeds, version and assumptions.

Each image export starts a headless Chromium (about ten processes, ~250 MB): exports are
queued, one Chromium at a time, and a request that cannot start within
:data:`WAIT_SECONDS` is refused with :class:`ExportBusy` (the page says to try again)."""

from __future__ import annotations

import re
import tempfile
import threading
from pathlib import Path

import plotly.graph_objects as go

from sim.core.errors import InputError
from sim.output.report import export

FORMATS = ("png", "svg")
WAIT_SECONDS = 30.0              # the longest an export waits for the one before it
_CHROMIUM = threading.Semaphore(1)


class ExportBusy(InputError):
    """Other exports held the browser longer than the wait allows."""


def image(fig: go.Figure, fmt: str, wait: float = WAIT_SECONDS) -> bytes:
    """The figure as PNG (2x) or SVG bytes, rendered by the system Chromium, one export at
    a time; raises :class:`ExportBusy` if the queue does not clear within ``wait`` seconds."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: use png or svg")
    if not _CHROMIUM.acquire(timeout=wait):
        raise ExportBusy(f"other chart exports are running and this one waited {wait:.0f} s; "
                         "try again in a moment")
    try:
        with tempfile.TemporaryDirectory(prefix="survsim-export-") as tmp:
            paths = export(fig, Path(tmp) / "chart")
            return next(p for p in paths if p.suffix == f".{fmt}").read_bytes()
    finally:
        _CHROMIUM.release()


def filename(*parts: str, ext: str) -> str:
    """'survsim_compare_timeseries_cameras.png' (only safe characters)."""
    stem = "_".join(re.sub(r"[^A-Za-z0-9-]+", "-", p).strip("-") for p in ("survsim", *parts) if p)
    return f"{stem}.{ext}"
