"""Compare and What-if pages: controls -> view (and URL) -> background runs -> charts."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

import threading

import dash
import plotly.graph_objects as go
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dashboard import charts, exports, ids, narrow, snippets, urlstate
from dashboard.data import Bundle, Data
from dashboard.pages.common import READY, messages, progress_text
from sim.output.style import scenario_label
from sim.core.errors import InputError


def fields(page: str) -> list[str]:
    return [f.name for f in dataclasses.fields(urlstate.VIEWS[page])]


def from_controls(page: str, values: list[Any]) -> tuple[urlstate.View, list[str]]:
    """The view the controls describe; an emptied or out-of-range box falls back with a message."""
    raw = {k: ("" if v is None else v) for k, v in zip(fields(page), values)}
    return urlstate.validate(page, raw)


def control_values(page: str, view: urlstate.View) -> list[Any]:
    """What each control shows for a view (switches are lists, scenarios a list)."""
    out = []
    for k in fields(page):
        v = getattr(view, k)
        out.append((["on"] if v else []) if isinstance(v, bool) else list(v) if isinstance(v, tuple) else v)
    return out


def scenario_info(bundle: Bundle) -> html.Details:
    items = [html.Li([html.Strong(scenario_label(s["name"])
                                  + (" (the baseline)" if s["name"] == bundle.meta["baseline"] else "")),
                      f": {s['description']} ", html.Span(f"[{s['name']}]", className="hint")])
             for s in bundle.meta["scenarios"]]
    m = bundle.meta
    return html.Details([html.Summary(f"{len(items)} scenarios, {m['replicates']} replicates each, "
                                      f"{m['residents']:,} residents, days 0-{bundle.last_day}; "
                                      "what each scenario does"), html.Ul(items)])


def headline_table(bundle: Bundle, group: str = "") -> html.Table:
    df = charts.headline(bundle, group)
    scen = bundle.scenarios
    head = html.Thead(html.Tr([html.Th("Metric", className="l")] + [
        html.Th(scenario_label(s) + (" (baseline)" if s == bundle.cmp.baseline else ""), title=s) for s in scen]))
    body = []
    for _, row in df.iterrows():
        cells = [html.Td([row["metric"], html.Div(f"{row['unit']}, {row['statistic']}", className="unit")],
                         className="l")]
        for s in scen:
            level, band, diff, diff_band = row[s]
            parts = [html.Div(level, className="level"), html.Div(band, className="band")]
            if diff:
                parts += [html.Div(f"\u0394 {diff}", className="diff"), html.Div(diff_band, className="band")]
            cells.append(html.Td(parts))
        body.append(html.Tr(cells))
    return html.Table([head, html.Tbody(body)], className="table headline")


def share(page: str, view: urlstate.View, href: str | None) -> tuple[str, str]:
    """(link to the view, Python code reproducing it)."""
    parts = urlsplit(href or "")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
    link = f"{origin}/{page}{urlstate.encode(view)}"
    code = snippets.compare_code(view) if page == "compare" else snippets.whatif_code(view)
    return link, code


CHANGED = "Changed: press Apply to run these settings."
APPLIED = "Applied: the page's address now holds these settings, so the link reproduces this view."
# Fields of the What-if view that define its runs: changed controls wait for "Apply".
CHART_FIELDS = ("metric", "group", "flow")


def headline_cards(bundle: Bundle) -> tuple[list[Any], str]:
    """(four cards, which comparison they describe) from :func:`dashboard.charts.headline_numbers`."""
    nums = charts.headline_numbers(bundle)
    if nums is None:
        return [html.P("Pick a scenario to compare with the baseline.", className="hint")], ""
    cards = [html.Div([html.Div(n["what"], className="what"), html.Div(n["change"], className="big"),
                       html.Div(f"10-90%: {n['band']}", className="band"), html.Div(n["of"], className="of")],
                      className="headline-card") for n in nums["cards"]]
    return cards, nums["about"]


def warm_first_view(data: Data) -> None:
    """Load the shipped default comparison and draw its charts once, in the background, so
    the first visitor of / gets them at once (charts.figure keeps them)."""
    view = urlstate.CompareView()
    try:
        key = data.job_key("compare", view)
        if key[0] != "precomputed":
            return
        bundle = data._shipped(key)
        for kind in charts.KINDS:
            charts.figure(bundle, view, kind)
        charts.headline_numbers(bundle)
    except Exception:  # noqa: BLE001 - a warm-up failing only means the first visit is slower
        pass
    finally:
        data.first_view.set()


def shown(fig: go.Figure, kind: str, width: Any) -> go.Figure:
    """The chart as drawn in this browser: laid out for a phone on a narrow screen."""
    return narrow.for_phone(fig, kind) if narrow.is_phone(width) else fig


def register(app: dash.Dash, data: Data, page: str) -> None:
    if page == "compare":
        threading.Thread(target=warm_first_view, args=(data,), name="survsim-first-view", daemon=True).start()
    rid = ids.COMPARE if page == "compare" else ids.WHATIF
    names = fields(page)
    controls = [ids.control(page, k) for k in names]
    # What-if: only chart choices apply at once; settings that need runs wait for Apply
    deferred = [c for k, c in zip(names, controls) if page == "whatif" and k not in CHART_FIELDS]
    live = [c for c in controls if c not in deferred]

    @app.callback(Output(rid.state, "data"), Output(ids.URL, "search", allow_duplicate=True),
                  Output(rid.messages, "children"), *[Output(c, "value") for c in controls],
                  *[Input(c, "value") for c in live], *([Input(rid.apply, "n_clicks")] if deferred else []),
                  *[State(c, "value") for c in deferred], prevent_initial_call=True)
    def update_view(*args):
        by_id = dict(zip(live + deferred, args[:len(live)] + args[len(live) + bool(deferred):]))
        view, msgs = from_controls(page, [by_id[c] for c in controls])
        return urlstate.as_dict(view), urlstate.encode(view), messages(msgs), *control_values(page, view)

    if page == "compare":
        @app.callback(Output(ids.control(page, "scenarios"), "options"), Input(ids.control(page, "baseline"), "value"))
        def compared_options(baseline):
            """The reforms to compare: every shipped scenario but the baseline itself (so
            "Select All" never picks the baseline and then drops it)."""
            return urlstate.scenario_options([n for n in urlstate.scenario_names() if n != baseline])

    if deferred:
        @app.callback(Output(rid.apply, "disabled"), Output(rid.pending, "children"),
                      *[Input(c, "value") for c in deferred], Input(rid.state, "data"), State(rid.apply, "n_clicks"))
        def pending(*args):
            state, applied = urlstate.from_store(page, args[-2]), bool(args[-1])
            by_id = dict(zip(deferred, args[:-2]))
            wanted, _ = from_controls(page, [by_id.get(c, getattr(state, k)) for k, c in zip(names, controls)])
            changed = any(getattr(wanted, k) != getattr(state, k) for k in names if k not in CHART_FIELDS)
            if changed:
                return False, CHANGED
            return True, (APPLIED if applied else "Settings applied.")

    @app.callback(Output(rid.job, "data"), Output(rid.poll, "disabled"), Output(rid.progress, "value"),
                  Output(rid.status, "children"), Output(rid.drawn, "data"), Output(rid.results, "className"),
                  Input(rid.state, "data"), State(ids.SESSION, "data"), State(rid.drawn, "data"))
    def start(state, sid, drawn):
        view = urlstate.from_store(page, state)
        try:
            jid = data.request(sid, page, view)
        except InputError as e:
            return None, True, 0, f"Could not run: {e}", no_update, "results"
        job = data.job(sid, jid)
        if job is not None and job.status == "running" and job.total == 0:  # cached: ready in a moment
            try:
                job = data.jobs.wait(sid, jid, timeout=2)
            except TimeoutError:
                pass
        frac, text = progress_text(job)
        done = job is not None and job.status == "done"
        stale = not done and drawn is not None  # something is drawn, and it is not this view
        return jid, done, frac, text, (jid if done and jid != drawn else no_update), ("results stale" if stale
                                                                                     else "results")

    @app.callback(Output(rid.progress, "value", allow_duplicate=True),
                  Output(rid.status, "children", allow_duplicate=True),
                  Output(rid.poll, "disabled", allow_duplicate=True),
                  Output(rid.drawn, "data", allow_duplicate=True),
                  Input(rid.poll, "n_intervals"), State(rid.job, "data"), State(ids.SESSION, "data"),
                  prevent_initial_call=True)
    def poll(_, jid, sid):
        job = data.job(sid, jid)
        if job is not None and job.status in ("cancelled", "replaced"):
            # A poll of the job a newer Apply replaced, answered after the newer job started:
            # it must not stop the polling or overwrite the status that job now owns.
            return no_update, no_update, no_update, no_update
        frac, text = progress_text(job)
        running = job is not None and job.status == "running"
        return frac, text, not running, (jid if job is not None and job.status == "done" else no_update)

    def draw_chart(kind: str) -> None:
        """One callback per chart that follows the metric: each is sent as soon as it is drawn."""
        @app.callback(Output(rid.graph(kind), "figure"),
                      Input(rid.drawn, "data"), Input(rid.state, "data"), State(ids.SESSION, "data"),
                      State(ids.VIEWPORT, "data"))
        def draw(jid, state, sid, width):
            view = urlstate.from_store(page, state)
            bundle = data.bundle(sid, jid)
            if bundle is None or not data.matches(sid, jid, page, view):
                return no_update
            return shown(charts.figure(bundle, view, kind), kind, width)

    for kind in ("timeseries", "difference", "disparity"):
        draw_chart(kind)

    @app.callback(Output(rid.headline, "children"), Output(rid.headline_for, "children"),
                  Input(rid.drawn, "data"), State(ids.SESSION, "data"))
    def draw_headline(jid, sid):
        bundle = data.bundle(sid, jid)
        return headline_cards(bundle) if bundle is not None else (no_update, no_update)

    @app.callback(Output(rid.graph("funnel"), "figure"),
                  Output(rid.table, "children"), Output(rid.scenarios_info, "children"),
                  Input(rid.drawn, "data"), State(rid.state, "data"), State(ids.SESSION, "data"),
                  State(ids.VIEWPORT, "data"))
    def draw_run(jid, state, sid, width):
        view = urlstate.from_store(page, state)
        bundle = data.bundle(sid, jid)
        if bundle is None:
            return (no_update,) * 3
        return (shown(charts.figure(bundle, view, "funnel"), "funnel", width), headline_table(bundle),
                scenario_info(bundle))

    @app.callback(Output(rid.status, "children", allow_duplicate=True),
                  Output(rid.results, "className", allow_duplicate=True),
                  *[Input(rid.graph(k), "figure") for k in charts.KINDS], Input(rid.table, "children"),
                  Input(rid.headline, "children"),
                  State(rid.drawn, "data"), State(rid.job, "data"), State(rid.state, "data"),
                  State(ids.SESSION, "data"), prevent_initial_call=True)
    def settle(*args):
        """'Results ready.' once every card shows the current view (Dash runs this after
        all the drawing callbacks that feed it)."""
        drawn, jid, state, sid = args[-4:]
        view = urlstate.from_store(page, state)
        job = data.job(sid, jid)
        if drawn is None or drawn != jid or job is None or job.status != "done" \
                or not data.matches(sid, drawn, page, view):
            return no_update, no_update
        return READY, "results"

    @app.callback(Output(rid.link, "value"), Output(rid.code, "children"),
                  Input(rid.state, "data"), State(ids.URL, "href"))
    def share_view(state, href):
        return share(page, urlstate.from_store(page, state), href)

    @app.callback(Output(rid.download, "data"),
                  Input({"type": ids.EXPORT, "page": page, "chart": ALL, "fmt": ALL}, "n_clicks"),
                  Input(rid.csv_summary, "n_clicks"), Input(rid.csv_series, "n_clicks"),
                  State(rid.state, "data"), State(rid.drawn, "data"), State(ids.SESSION, "data"),
                  running=[(Output(rid.export_status, "children"),
                            [html.Span(className="busy"), " Preparing the download..."], "")],
                  prevent_initial_call=True)
    def download(_, __, ___, state, jid, sid):
        trig = ctx.triggered_id
        bundle = data.bundle(sid, jid)
        if trig is None or bundle is None or not ctx.triggered[0].get("value"):
            return no_update
        view = urlstate.from_store(page, state)
        if trig == rid.csv_summary:
            return dcc.send_string(charts.summary_csv(bundle, view), exports.filename(page, "summary", ext="csv"))
        if trig == rid.csv_series:
            return dcc.send_string(charts.series_csv(bundle, view.metric, view.group),
                                   exports.filename(page, view.metric, view.group, ext="csv"))
        fig = go.Figure(charts.figure(bundle, view, trig["chart"]))  # a copy: the drawn one is reused
        name = exports.filename(page, trig["chart"], view.metric if trig["chart"] in ("timeseries", "difference",
                                                                                       "disparity") else "",
                                ext=trig["fmt"])
        if trig["fmt"] == "csv":
            return dcc.send_string(charts.figure_csv(fig, bundle, view), name)
        return dcc.send_bytes(exports.image(fig, trig["fmt"]), name)
