"""Compare and What-if pages: controls -> view (and URL) -> background runs -> charts."""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html, no_update

from dashboard import charts, exports, ids, snippets, urlstate
from dashboard.data import Bundle, Data
from dashboard.pages.common import messages, progress_text
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
    items = [html.Li([html.Strong(s["name"] + (" (baseline)" if s["name"] == bundle.meta["baseline"] else "")),
                      f": {s['description']}"]) for s in bundle.meta["scenarios"]]
    m = bundle.meta
    return html.Details([html.Summary(f"{len(items)} scenarios, {m['replicates']} replicates each, "
                                      f"{m['residents']:,} residents, days 0-{bundle.last_day}; "
                                      "what each scenario does"), html.Ul(items)])


def headline_table(bundle: Bundle, group: str = "") -> html.Table:
    df = charts.headline(bundle, group)
    scen = bundle.scenarios
    head = html.Thead(html.Tr([html.Th("Metric", className="l")] + [
        html.Th(s.replace("_", " ") + (" (baseline)" if s == bundle.cmp.baseline else "")) for s in scen]))
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


def register(app: dash.Dash, data: Data, page: str) -> None:
    rid = ids.COMPARE if page == "compare" else ids.WHATIF
    names = fields(page)
    controls = [ids.control(page, k) for k in names]

    @app.callback(Output(rid.state, "data"), Output(ids.URL, "search", allow_duplicate=True),
                  Output(rid.messages, "children"), *[Output(c, "value") for c in controls],
                  *[Input(c, "value") for c in controls], prevent_initial_call=True)
    def update_view(*values):
        view, msgs = from_controls(page, list(values))
        return urlstate.as_dict(view), urlstate.encode(view), messages(msgs), *control_values(page, view)

    @app.callback(Output(rid.job, "data"), Output(rid.poll, "disabled"), Output(rid.progress, "value"),
                  Output(rid.status, "children"), Output(rid.drawn, "data"),
                  Input(rid.state, "data"), State(ids.SESSION, "data"), State(rid.drawn, "data"))
    def start(state, sid, drawn):
        view = urlstate.from_store(page, state)
        try:
            jid = data.request(sid, page, view)
        except InputError as e:
            return None, True, 0, f"Could not run: {e}", no_update
        job = data.job(sid, jid)
        frac, text = progress_text(job)
        done = job is not None and job.status == "done"
        return jid, done, frac, text, (jid if done and jid != drawn else no_update)

    @app.callback(Output(rid.progress, "value", allow_duplicate=True),
                  Output(rid.status, "children", allow_duplicate=True),
                  Output(rid.poll, "disabled", allow_duplicate=True),
                  Output(rid.drawn, "data", allow_duplicate=True),
                  Input(rid.poll, "n_intervals"), State(rid.job, "data"), State(ids.SESSION, "data"),
                  prevent_initial_call=True)
    def poll(_, jid, sid):
        job = data.job(sid, jid)
        frac, text = progress_text(job)
        running = job is not None and job.status == "running"
        return frac, text, not running, (jid if job is not None and job.status == "done" else no_update)

    @app.callback(Output(rid.graph("timeseries"), "figure"), Output(rid.graph("difference"), "figure"),
                  Input(rid.drawn, "data"), Input(rid.state, "data"), State(ids.SESSION, "data"))
    def draw_metric(jid, state, sid):
        view = urlstate.from_store(page, state)
        bundle = data.bundle(sid, jid)
        if bundle is None or not data.matches(sid, jid, page, view):
            return no_update, no_update
        return charts.figure(bundle, view, "timeseries"), charts.figure(bundle, view, "difference")

    @app.callback(Output(rid.graph("disparity"), "figure"), Output(rid.graph("funnel"), "figure"),
                  Output(rid.table, "children"), Output(rid.scenarios_info, "children"),
                  Input(rid.drawn, "data"), State(rid.state, "data"), State(ids.SESSION, "data"))
    def draw_run(jid, state, sid):
        view = urlstate.from_store(page, state)
        bundle = data.bundle(sid, jid)
        if bundle is None:
            return no_update, no_update, no_update, no_update
        return (charts.figure(bundle, view, "disparity"), charts.figure(bundle, view, "funnel"),
                headline_table(bundle), scenario_info(bundle))

    @app.callback(Output(rid.link, "value"), Output(rid.code, "children"),
                  Input(rid.state, "data"), State(ids.URL, "href"))
    def share_view(state, href):
        return share(page, urlstate.from_store(page, state), href)

    @app.callback(Output(rid.download, "data"),
                  Input({"type": ids.EXPORT, "page": page, "chart": ALL, "fmt": ALL}, "n_clicks"),
                  Input(rid.csv_summary, "n_clicks"), Input(rid.csv_series, "n_clicks"),
                  State(rid.state, "data"), State(rid.drawn, "data"), State(ids.SESSION, "data"),
                  prevent_initial_call=True)
    def download(_, __, ___, state, jid, sid):
        trig = ctx.triggered_id
        bundle = data.bundle(sid, jid)
        if trig is None or bundle is None or not ctx.triggered[0].get("value"):
            return no_update
        view = urlstate.from_store(page, state)
        if trig == rid.csv_summary:
            return dcc.send_string(charts.summary_csv(bundle), exports.filename(page, "summary", ext="csv"))
        if trig == rid.csv_series:
            return dcc.send_string(charts.series_csv(bundle, view.metric, view.group),
                                   exports.filename(page, view.metric, view.group, ext="csv"))
        fig = charts.figure(bundle, view, trig["chart"])
        name = exports.filename(page, trig["chart"], view.metric if trig["chart"] in ("timeseries", "difference")
                                else "", ext=trig["fmt"])
        return dcc.send_bytes(exports.image(fig, trig["fmt"]), name)
