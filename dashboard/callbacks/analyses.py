"""Analyses page: list the analysis folders, show the one picked (chart, numbers, facts,
the command that reproduces it). Reads files only; never runs a simulation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, html, no_update

from dashboard import analyses, ids, urlstate
from dashboard.data import Data
from dashboard.livefigures import placeholder
from dashboard.pages.analyses import HEIGHT, graph_config
from dashboard.pages.common import messages, section

HIDDEN, SHOWN = {"display": "none"}, {}


def listing(results: Path | None, wanted: str) -> dict[str, Any]:
    """What the page shows around the chart: dropdown options and value, skipped folders,
    where it looked, the commands that make analyses, and the empty state."""
    entries, skipped = analyses.scan(results)
    options = [{"label": a.label, "value": a.key} for a in entries]
    value = wanted if analyses.lookup(entries, wanted) else (entries[0].key if entries else None)
    notes = []
    if wanted and value != wanted:
        notes.append(f"show = {wanted[:60]!r}: no such analysis in {results}; "
                     + ("showing the newest." if entries else "there are none yet."))
    where = (f"Read from {results} (frontier/, decompose/, sensitivity/, */robustness.csv)." if results is not None
             else "This dashboard runs without a results folder (start it with --results FOLDER).")
    make = make_section(results)
    return {"options": options, "value": value, "notes": notes, "where": where,
            "skipped": messages(skipped, title=f"{len(skipped)} folder(s) could not be read:") if skipped else None,
            "make": make if entries else None, "empty": None if entries else empty_state(results),
            "content_style": SHOWN if entries else HIDDEN}


def make_section(results: Path | None) -> html.Section:
    blocks = [html.Div([html.P(what, className="hint"), html.Pre(cmd, className="code")], className="make")
              for what, cmd in analyses.make_commands(results)]
    return section("Make a new one", *blocks, hint="Run in a terminal (they take minutes), then refresh the list.")


def empty_state(results: Path | None) -> html.Div:
    where = str(results) if results is not None else "the results folder"
    return html.Div([
        html.H2("No analyses yet", className="card-title"),
        html.P(f"There is no frontier, decomposition or sensitivity analysis under {where}. They take minutes to "
               "hours of model runs, so they are made with the command line, not here. Run one of these in a "
               "terminal, from the folder that holds the results folder, then press \u201cRefresh the list\u201d:"),
        *[html.Div([html.P(what, className="hint"), html.Pre(cmd, className="code")], className="make")
          for what, cmd in analyses.make_commands(results)],
    ], className="card empty-state", role="status")


def show(results: Path | None, key: Any) -> dict[str, Any]:
    """The chart, numbers, facts and command of one analysis (or a message)."""
    entries, _ = analyses.scan(results)
    a = analyses.lookup(entries, key)
    if a is None:
        text = "Pick an analysis." if entries else "No analyses yet."
        return {"title": "", "figure": placeholder(text, HEIGHT - 200), "table": None, "note": "", "facts": None,
                "command": "", "config": graph_config(""), "messages": None}
    notes = list(a.notes)
    try:
        fig = analyses.figure(a)
        if not fig.layout.height:
            fig.update_layout(height=HEIGHT)
    except Exception as e:  # noqa: BLE001 - a table the chart cannot draw: say so in one line
        fig = placeholder(f"Could not draw this analysis: {type(e).__name__}: {e}"[:200], HEIGHT - 200)
    try:
        head, rows, note = analyses.table(a)
        table = numbers_table(head, rows)
    except Exception as e:  # noqa: BLE001
        table, note = None, f"Could not tabulate this analysis: {type(e).__name__}: {e}"[:200]
    facts = [x for k, v in analyses.facts(a) for x in (html.Dt(k), html.Dd(v))]
    return {"title": a.label, "figure": fig, "table": table, "note": note, "facts": facts,
            "command": analyses.command(a), "config": graph_config(a.key),
            "messages": messages(notes, title="Notes written with this analysis:") if notes else None}


def numbers_table(head: list[str], rows: list[list[str]]) -> html.Table:
    return html.Table([html.Thead(html.Tr([html.Th(h, className="l" if i == 0 else "") for i, h in enumerate(head)])),
                       html.Tbody([html.Tr([html.Td(c, className="l" if i == 0 else "") for i, c in enumerate(r)])
                                   for r in rows])], className="table analyses")


def register(app: dash.Dash, data: Data) -> None:
    @app.callback(Output(ids.AN_SHOW, "options"), Output(ids.AN_SHOW, "value"),
                  Output(ids.AN_MESSAGES, "children"), Output(ids.AN_FOLDER, "children"),
                  Output(ids.AN_SKIPPED, "children"), Output(ids.AN_MAKE, "children"),
                  Output(ids.AN_EMPTY, "children"), Output(ids.AN_CONTENT, "style"),
                  Input(ids.AN_REFRESH, "n_clicks"), State(ids.AN_STATE, "data"), State(ids.AN_SHOW, "value"))
    def refresh(_, state, current):
        wanted = current or urlstate.from_store("analyses", state).show
        out = listing(data.results_dir, wanted)
        return (out["options"], out["value"], messages(out["notes"]) if out["notes"] else None, out["where"],
                out["skipped"], out["make"], out["empty"], out["content_style"])

    @app.callback(Output(ids.AN_TITLE, "children"), Output(ids.AN_GRAPH, "figure"), Output(ids.AN_GRAPH, "config"),
                  Output(ids.AN_TABLE, "children"), Output(ids.AN_TABLE_NOTE, "children"),
                  Output(ids.AN_FACTS, "children"), Output(ids.AN_COMMAND, "children"),
                  Output(ids.AN_STATE, "data"), Output(ids.URL, "search", allow_duplicate=True),
                  Output(ids.AN_NOTES, "children"), Input(ids.AN_SHOW, "value"), prevent_initial_call=True)
    def draw(key):
        view, _ = urlstate.validate("analyses", {"show": key or ""})
        out = show(data.results_dir, view.show)
        search = urlstate.encode(view) if view.show else no_update
        return (out["title"], out["figure"], out["config"], out["table"], out["note"], out["facts"], out["command"],
                urlstate.as_dict(view), search, out["messages"])
