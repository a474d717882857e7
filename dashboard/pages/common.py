"""Layout pieces shared by pages: the shell, sidebar sections, the results panel
(progress, charts with export buttons, headline table, share and export)."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from dashboard import ids, urlstate
from dashboard.charts import HEIGHTS, KINDS
from dashboard.livefigures import placeholder
from sim.core.groups import GROUP_KEYS, label as group_label
from sim.core.metrics import METRICS
from sim.output.results import version

NAV = (("/compare", "Compare scenarios"), ("/whatif", "What-if"), ("/educator", "Educator mode"),
       ("/analyses", "Analyses"), ("/calibration", "Calibration"))
CHART_NAMES = {"timeseries": "Over time", "difference": "Change vs baseline", "disparity": "By group",
               "funnel": "Face-recognition funnel"}


def shell(session_id: str) -> html.Div:
    """The frame of every page: header with navigation, the URL, the session id."""
    return html.Div([
        dcc.Location(id=ids.URL, refresh=False),
        dcc.Store(id=ids.SESSION, storage_type="session", data=session_id),
        dcc.Store(id=ids.VIEWPORT),
        html.Header([
            html.A("survsim", href="/compare", className="brand", title="Agent-based simulator of doorbell "
                   "cameras, police partnerships and face recognition"),
            html.Button("Menu", className="menu-toggle", n_clicks=0, **{"aria-expanded": "false",
                                                                         "aria-controls": ids.NAV}),
            html.Nav([dcc.Link(name, href=path, className="nav-link", id=f"nav-{path.strip('/')}")
                      for path, name in NAV], id=ids.NAV),
            html.Span(f"survsim {version()}", className="version"),
        ], className="top"),
        html.Div(id=ids.URL_MESSAGES, role="status"),
        html.Div(id=ids.PAGE, className="page"),
    ], className="app")


def messages(msgs: list[str], title: str = "Some settings were not used:") -> Any:
    """A visible notice listing settings that were ignored (or nothing)."""
    if not msgs:
        return None
    return html.Div([html.Strong(title + " "),
                     html.Ul([html.Li(m) for m in msgs])], className="notice", role="alert")


def settings_toggle() -> html.Button:
    """'Show settings': on narrow screens the sidebar's controls are folded away above the
    charts until this is tapped (dashboard/assets/ui.js); hidden on wide screens."""
    return html.Button("Show settings", className="button settings-toggle", n_clicks=0,
                       **{"aria-expanded": "false"})


def section(title: str, *children: Any, hint: str = "", keep: bool = False) -> html.Section:
    """A titled group of controls (``keep``: stays shown when a narrow screen folds the settings)."""
    return html.Section([html.H3(title), *([html.P(hint, className="hint")] if hint else []), *children],
                        className="control-section keep" if keep else "control-section")


def field(label: str, control: Any, hint: str = "", html_for: str | None = None) -> html.Div:
    return html.Div([html.Label(label, htmlFor=html_for, className="field-label"), control,
                     *([html.Div(hint, className="hint")] if hint else [])], className="field")


def switch(cid: str, label: str, on: bool) -> dcc.Checklist:
    """A one-box checklist used as an on/off switch (value [] or ["on"])."""
    return dcc.Checklist(id=cid, options=[{"label": label, "value": "on"}], value=["on"] if on else [],
                         className="switch", inputClassName="switch-input", labelClassName="switch-label")


def number(cid: str, value: int, lo: int, hi: int, step: int = 1) -> dcc.Input:
    return dcc.Input(id=cid, type="number", value=value, min=lo, max=hi, step=step, debounce=True,
                     className="number-input", required=True)


def metric_options() -> list[dict[str, str]]:
    return [{"label": m.label, "value": m.name} for m in METRICS]


def group_options() -> list[dict[str, str]]:
    return [{"label": "All residents", "value": ""}] + [{"label": group_label(k), "value": k} for k in GROUP_KEYS]


def chart_controls(page: str, view: Any) -> html.Section:
    """Metric, group and how flows are shown: chart choices (no new runs)."""
    return section(
        "Chart",
        field("Metric", dcc.Dropdown(id=ids.control(page, "metric"), options=metric_options(), value=view.metric,
                                     clearable=False, maxHeight=320), html_for=ids.control(page, "metric")),
        field("Group", dcc.Dropdown(id=ids.control(page, "group"), options=group_options(), value=view.group,
                                    clearable=False), hint="Counts by group where the metric has them.",
              html_for=ids.control(page, "group")),
        field("Daily counts shown as", dcc.RadioItems(
            id=ids.control(page, "flow"), value=view.flow, className="radio",
            options=[{"label": "running total", "value": "cumulative"},
                     {"label": "rolling sums", "value": "rolling"}]),
              hint="Rolling sums cover 30 days, or up to 12 months for rare events (a window that holds "
                   "about 10 of them), so the line is a count, not a row of 0s and 1s."),
    )


def size_controls(page: str, view: Any) -> html.Section:
    return section(
        "Run size",
        html.Div([
            field("Residents", number(ids.control(page, "residents"), view.residents, 1000, 200_000, 1000)),
            field("Days", number(ids.control(page, "days"), view.days, 30, urlstate.MAX_DAYS)),
            field("Replicates", number(ids.control(page, "replicates"), view.replicates, 1, 20)),
            field("Seed", number(ids.control(page, "seed"), view.seed, 0, 2**31 - 1)),
        ], className="grid2"),
        hint="Replicate r of every scenario runs on the same seed, so differences are paired. "
             "Runs are cached: a view seen before draws at once.",
    )


def results_panel(rid: ids.ResultIds, intro: Any = None) -> html.Div:
    """Progress, the headline, charts (each with PNG/SVG/CSV export), the headline table,
    share and export. While a new view computes, the panel gets the class ``stale``: drawn
    results are dimmed and each card says "not current"."""
    stale = html.Span("not current", className="stale-mark", title="These results are for the previous settings; "
                      "the new ones are being computed.")
    cards = []
    for kind in KINDS:
        cards.append(html.Div([
            html.Div([html.H2([CHART_NAMES[kind], stale], className="card-title"),
                      html.Div([html.Span("Download:", className="hint"),
                                *[html.Button(fmt.upper(), id=rid.export(kind, fmt), className="small-button",
                                              title=EXPORT_TITLES[fmt]) for fmt in ("png", "svg", "csv")]],
                               className="card-tools")],
                     className="card-head"),
            dcc.Graph(id=rid.graph(kind), figure=placeholder("Waiting for results...", HEIGHTS[kind] - 200),
                      config=graph_config(kind), className="graph"),
        ], className="card"))
        if kind == "difference":
            cards.append(html.Div([html.Div(html.H2(["Headline numbers", stale], className="card-title"),
                                            className="card-head"),
                                   html.P("Median over replicates [10th, 90th percentile]; below it, the paired "
                                          "difference from the baseline (same seeds). Levels are at the last day; "
                                          "flows are totals over the run.", className="hint"),
                                   html.Div(id=rid.table, className="table-wrap")], className="card"))
    return html.Div([
        dcc.Store(id=rid.job), dcc.Store(id=rid.drawn), dcc.Download(id=rid.download),
        dcc.Interval(id=rid.poll, interval=400, disabled=True),
        html.Div(id=rid.messages),
        html.Div([html.Progress(id=rid.progress, max=1, value=0, className="progress"),
                  html.Span("", id=rid.status, className="status", role="status"),
                  html.Span("", id=rid.export_status, className="export-status", role="status")],
                 className="progress-row"),
        *([intro] if intro is not None else []),
        html.Div([html.Div([html.H2(["Headline", stale], className="card-title"),
                            html.Span(id=rid.headline_for, className="hint")], className="card-head"),
                  html.Div(id=rid.headline, className="headline-cards")], className="card headline-card-wrap"),
        html.Div(id=rid.scenarios_info, className="scenario-info"),
        *cards,
        share_panel(rid),
    ], id=rid.results, className="results")


EXPORT_TITLES = {"png": "PNG image (2x) with a caption naming scenarios, settings, seeds and version",
                 "svg": "SVG vector image with the same caption",
                 "csv": "The numbers this chart draws, with the same description in its first lines"}


def share_panel(rid: ids.ResultIds) -> html.Div:
    return html.Div([
        html.Div(html.H2("Share and export", className="card-title"), className="card-head"),
        html.Div([
            html.Div([html.H3("Link to this view"),
                      html.P("The address holds every setting above; pasting it reproduces this view.",
                             className="hint"),
                      html.Div([dcc.Input(id=rid.link, type="text", readOnly=True, className="link-input", value=""),
                                dcc.Clipboard(target_id=rid.link, title="Copy the link", className="copy")],
                               className="link-row")], className="share-block"),
            html.Div([html.H3("Data (CSV)"),
                      html.Button("Headline numbers, every metric and group", id=rid.csv_summary, className="button"),
                      html.Button("This chart's metric per replicate and day", id=rid.csv_series, className="button"),
                      ], className="share-block"),
        ], className="share-grid"),
        html.H3("Reproduce in Python"),
        html.Div([dcc.Clipboard(target_id=rid.code, title="Copy the code", className="copy copy-code"),
                  html.Pre(id=rid.code, className="code")], className="code-wrap"),
    ], className="card share")


def graph_config(kind: str) -> dict[str, Any]:
    """Modebar: PNG of the figure as drawn (with its caption); no plotly logo."""
    return {"displaylogo": False, "responsive": True,
            "modeBarButtonsToRemove": ["lasso2d", "select2d", "autoScale2d"],
            "toImageButtonOptions": {"format": "png", "filename": f"survsim_{kind}", "scale": 2,
                                     "width": 1100, "height": HEIGHTS[kind]}}


READY = "Results ready."
DRAWING = "Drawing the charts..."


def progress_text(job: Any) -> tuple[float, str]:
    """(fraction, words) for the progress row. A finished job says "Drawing the charts...":
    "Results ready." is written only once every card is drawn (callbacks.results.settle).
    The count never passes its total and the time left is never negative; a job with
    nothing to run (everything cached) says so instead of "0 of 0"."""
    if job is None:
        return 0.0, ""
    if job.status == "error":
        return 0.0, f"Could not run: {job.error}"
    if job.status in ("cancelled", "replaced"):
        return 0.0, "Replaced by a newer request."
    if job.status == "done":
        return 1.0, DRAWING
    if job.total <= 0:
        return 0.0, "Loading cached results..."
    done = max(0, min(job.done, job.total))
    frac = min(done / job.total, 0.99)
    eta = job.eta()
    left = f", about {max(0.0, eta):.0f} s left" if eta is not None and done < job.total else ""
    return frac, f"Running {done:,} of {job.total:,} replicate-days ({100 * frac:.0f}%{left})."
