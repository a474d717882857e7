"""Files to download: chart images (PNG, SVG) rendered by :func:`sim.output.report.export`, and
CSV tables. The figure's footer already carries scenarios, seeds, version and assumptions."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import plotly.graph_objects as go

from sim.output.report import export

FORMATS = ("png", "svg")


def image(fig: go.Figure, fmt: str) -> bytes:
    """The figure as PNG (2x) or SVG bytes, rendered by the system Chromium."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: use png or svg")
    with tempfile.TemporaryDirectory(prefix="survsim-export-") as tmp:
        paths = export(fig, Path(tmp) / "chart")
        return next(p for p in paths if p.suffix == f".{fmt}").read_bytes()


def filename(*parts: str, ext: str) -> str:
    """'survsim_compare_timeseries_cameras.png' (only safe characters)."""
    stem = "_".join(re.sub(r"[^A-Za-z0-9-]+", "-", p).strip("-") for p in ("survsim", *parts) if p)
    return f"{stem}.{ext}"
