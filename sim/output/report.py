"""Files from figures: PNG and SVG exports, and a self-contained HTML report.

Static images are rendered by kaleido 1.x, which drives a Chromium-based browser through
choreographer. survsim never lets either download a browser: it passes the browser's path
explicitly (``BROWSER_PATH`` if set, else the Debian package's ``/usr/bin/chromium``, else
``chromium`` on PATH) and fails with a message naming the package when there is none.
choreographer starts Chromium headless with ``--no-sandbox`` unless asked otherwise, which
is what running as root needs. MathJax is switched off (kaleido would fetch it from a CDN)
and plotly.js comes from the installed plotly package, so exports work offline.
"""

from __future__ import annotations

import html
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sim.core.metrics import BY_NAME
from sim.output import figures, headline

DEBIAN_CHROMIUM = Path("/usr/bin/chromium")
WIDTH, HEIGHT, SCALE = 1100, 650, 2


class BrowserNotFoundError(RuntimeError):
    """No Chromium-based browser to render static images with."""


def browser_path() -> Path:
    """The browser kaleido should drive: ``$BROWSER_PATH``, ``/usr/bin/chromium`` or
    ``chromium`` on PATH.

    Example:
        >>> browser_path()            # doctest: +SKIP
        PosixPath('/usr/bin/chromium')
    """
    env = os.environ.get("BROWSER_PATH")
    candidates = [Path(env)] if env else []
    candidates.append(DEBIAN_CHROMIUM)
    candidates += [Path(p) for p in map(shutil.which, ("chromium", "chromium-browser")) if p]
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    raise BrowserNotFoundError(
        "PNG/SVG export needs Chromium and none was found"
        + (f" (BROWSER_PATH={env!r} is not an executable file)" if env else "")
        + ". Install the Debian package: apt-get install -y chromium (gives /usr/bin/chromium), "
        "or set BROWSER_PATH to a Chromium or Chrome executable.")


def export(fig: go.Figure, path_stem: Path, width: int = WIDTH, height: int = HEIGHT) -> list[Path]:
    """Write ``<path_stem>.png`` (scale 2) and ``<path_stem>.svg``; return both paths. A
    figure that fixes its own size (``layout.width``/``height``, e.g. a two-row funnel) keeps it.

    Example:
        >>> export(figures.funnel(ts, meta), Path("out/funnel_enforcement"))   # doctest: +SKIP
        [PosixPath('out/funnel_enforcement.png'), PosixPath('out/funnel_enforcement.svg')]
    """
    return _write_images([(fig, Path(path_stem))], width, height)


def _write_images(items: Sequence[tuple[go.Figure, Path]], width: int = WIDTH, height: int = HEIGHT) -> list[Path]:
    """PNG and SVG of every figure, rendered in one browser session."""
    try:
        import kaleido  # imported here: only exports need it (and a browser)
    except ImportError as e:
        raise RuntimeError("PNG/SVG export needs the kaleido package (>= 1.0): pip install 'kaleido>=1'") from e

    specs: list[dict[str, Any]] = []
    paths: list[Path] = []
    for fig, stem in items:
        stem.parent.mkdir(parents=True, exist_ok=True)
        for fmt, scale in (("png", SCALE), ("svg", 1)):
            path = stem.with_name(f"{stem.name}.{fmt}")
            size = {"width": fig.layout.width or width, "height": fig.layout.height or height}
            specs.append({"fig": fig, "path": path, "opts": {"format": fmt, "scale": scale, **size}})
            paths.append(path)
    kopts = {"path": str(browser_path()), "mathjax": False}  # no MathJax: kaleido would fetch it from a CDN
    kaleido.write_fig_from_object_sync(specs, kopts=kopts, cancel_on_error=True)
    missing = [p for p in paths if not p.is_file() or p.stat().st_size == 0]
    if missing:
        raise RuntimeError(f"kaleido did not write {', '.join(map(str, missing))}")
    return paths


ADVOCATE_CHARTS = ("disparity_wrongful_stops", "funnel_enforcement", "difference_wrongful_stops",
                   "difference_footage_obtained_without_warrant")  # exported as files by default


def report_figures(ts: pd.DataFrame, meta: dict[str, Any], metrics: Sequence[str],
                   summary: pd.DataFrame | None = None) -> list[tuple[str, go.Figure]]:
    """The report's figures with their file stems (``<kind>_<metric>``), in order. With a
    summary that has event counts, the disparity chart is drawn from pooled events
    (:func:`sim.output.headline.rate_ratio_chart`)."""
    by_metric = dict(tuple(ts.groupby("metric", observed=True, sort=False)))  # one pass; each chart reads its rows

    def rows(*names: str) -> pd.DataFrame:
        parts = [by_metric[n] for n in names if n in by_metric]
        return pd.concat(parts) if parts else ts.iloc[:0]

    out: list[tuple[str, go.Figure]] = []
    several = ts["scenario"].nunique() > 1
    for metric in metrics:
        out.append((f"timeseries_{metric}", figures.timeseries(rows(metric), metric, meta)))
        if several:
            out.append((f"difference_{metric}", figures.difference(rows(metric), metric, meta)))
    if headline.has_events(summary):
        out.append(("disparity_wrongful_stops", headline.rate_ratio_chart(summary, meta)))
    else:
        out.append(("disparity_wrongful_stops", figures.disparity(rows("wrongful_stops", "disparity_wrongful_stops"),
                                                                  meta)))
    out.append(("funnel_enforcement", figures.funnel(rows(*figures.FUNNEL_METRICS), meta)))
    return out


def write_report(ts: pd.DataFrame, meta: dict[str, Any], out_dir: Path, metrics: list[str],
                 summary: pd.DataFrame | None = None, images: bool = True,
                 export: Sequence[str] | None = None, sections: Sequence[str] = ()) -> Path:
    """Write ``out_dir/report.html`` (plotly.js inline: opens offline) with a header on
    provenance and assumptions, the headline numbers with their intervals and events (when
    the summary has them), time series and differences of ``metrics``, disparity and
    funnel charts, and the summary table; with ``images``, charts also as
    ``out_dir/charts/<kind>_<metric>.png`` and ``.svg``: those whose stem is in ``export``
    (default: every chart; Chromium renders about one chart per 1-3 s). ``sections`` (HTML)
    follow the headline numbers. Returns the report's path.

    Example:
        >>> write_report(ts, meta, Path("results/report"), ["cameras", "wrongful_stops"],
        ...              summary=res.summary(), export=ADVOCATE_CHARTS)       # doctest: +SKIP
        PosixPath('results/report/report.html')
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    figs = report_figures(ts, meta, metrics, summary)
    files = [(fig, out_dir / "charts" / stem) for stem, fig in figs if export is None or stem in export]
    if images and files:
        _write_images(files)
    contents = "".join(f'<li><a href="#{stem}">{_plain(fig.layout.title.text)}</a></li>' for stem, fig in figs)
    parts = [_header(meta)]
    if headline.has_events(summary):
        parts.append(headline.headline_html(summary, meta))
    parts.extend(sections)
    parts.append(f"<h2>Charts</h2><ol>{contents}</ol>")
    for stem, fig in figs:
        div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=stem, default_width="100%",
                          default_height=f"{HEIGHT}px", config={"displaylogo": False, "responsive": True})
        parts.append(f'<section class="figure">{div}</section>')
    if summary is not None:
        parts.append("<h2>Summary table</h2>" + _table(summary))
    title = "survsim report: " + ", ".join(s["name"] for s in meta.get("scenarios", []))
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{CSS}</style>\n<script>{get_plotlyjs()}</script></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
    path = out_dir / "report.html"
    tmp = path.with_name(".report.html.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(path)
    return path


CSS = ("body{font-family:'Liberation Sans',Arial,Helvetica,sans-serif;max-width:1150px;margin:2em auto;"
       "color:#222;line-height:1.45} h1{font-size:1.7em} h2{font-size:1.3em;margin-top:1.6em}"
       " table{border-collapse:collapse;font-size:.9em} td,th{border-bottom:1px solid #ddd;padding:.25em .6em;"
       "text-align:right} td:first-child,th:first-child,td.l,th.l{text-align:left} .figure{margin:1.5em 0}"
       " .meta td{text-align:left}")


def _header(meta: dict[str, Any]) -> str:
    e = html.escape
    scen = "".join(f"<li><b>{e(s['name'])}</b>{' (baseline)' if s['name'] == meta.get('baseline') else ''}: "
                   f"{e(s.get('description', ''))}</li>" for s in meta.get("scenarios", []))
    seeds = ", ".join(str(s) for s in meta.get("replicate_seeds", []))
    rows = [("Replicates per scenario", meta.get("replicates")), ("Run seed", meta.get("seed")),
            ("Replicate seeds", seeds), ("survsim version", meta.get("version")),
            ("Git commit", meta.get("git_commit") or "unknown")]
    table = "".join(f"<tr><th class='l'>{e(k)}</th><td>{e(str(v))}</td></tr>" for k, v in rows)
    assumptions = "".join(f"<li>{e(a)}</li>" for a in meta.get("assumptions", []))
    decides = "".join(f"<li><b>{e(BY_NAME[m].label if m in BY_NAME else m)}</b>: {e('; '.join(a))}</li>"
                      for m, a in (meta.get("drivers") or {}).items())
    return ("<h1>survsim report</h1><h2>Scenarios</h2><ul>" + scen + "</ul>"
            f"<table class='meta'>{table}</table>"
            + (f"<h2>Key assumptions</h2><ul>{assumptions}</ul>" if assumptions else "")
            + (f"<h2>What decides each result most</h2><p>Per metric, the assumptions with the largest sensitivity "
               f"indices in the last shipped sensitivity run (each chart's footer names those of its metric), "
               f"with the values used here:</p><ul>{decides}</ul>" if decides else "")
            + "<p>Lines and bars are medians over replicates; bands and error bars the 10th-90th percentiles. "
              "Replicate r of every scenario runs on the same seed, so differences are paired.</p>")


def _plain(title: str) -> str:
    """A figure title as one line of HTML (titles are wrapped with <br> and already escaped)."""
    return title.replace("<br>", " ")


def _table(summary: pd.DataFrame) -> str:
    fmt = {c: (lambda v: f"{v:,.4g}") for c in summary.columns if pd.api.types.is_float_dtype(summary[c])}
    return summary.to_html(index=False, na_rep="", formatters=fmt, border=0, escape=True)
