"""Analyses: the frontiers, decompositions and sensitivity analyses the command line wrote,
read from the results folder (this page runs nothing)."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.livefigures import placeholder
from dashboard.pages.common import settings_toggle, field, section
from dashboard.urlstate import AnalysesView, as_dict

PATH = "/analyses"
TITLE = "Analyses"
HEIGHT = 700


def layout(view: AnalysesView) -> html.Div:
    sidebar = html.Aside([
        html.H1(TITLE),
        html.P("Benefit-harm frontiers, disparity decompositions, sensitivity analyses and robustness across "
               "ensemble worlds (compare --ensemble) written by the command line. This page only reads them; it "
               "runs nothing.", className="lead"),
        settings_toggle(),
        section("Analysis",
                field("Show", dcc.Dropdown(id=ids.AN_SHOW, options=[], value=view.show or None, clearable=False,
                                           searchable=False, placeholder="No analyses found", maxHeight=420),
                      html_for=ids.AN_SHOW),
                html.Button("Refresh the list", id=ids.AN_REFRESH, className="button", n_clicks=0,
                            title="Look again for analysis folders (e.g. after a command finished)"),
                html.Div(id=ids.AN_FOLDER, className="hint"), keep=True),
        html.Div(id=ids.AN_SKIPPED),
        html.Div(id=ids.AN_MAKE),
    ], className="sidebar")
    content = html.Div([
        html.Div([html.Div(html.H2("", id=ids.AN_TITLE, className="card-title"), className="card-head"),
                  dcc.Graph(id=ids.AN_GRAPH, figure=placeholder("Reading the analyses...", HEIGHT - 200),
                            className="graph", config=graph_config(""))], className="card"),
        html.Div([html.Div(html.H2("Numbers", className="card-title"), className="card-head"),
                  html.P(id=ids.AN_TABLE_NOTE, className="hint"),
                  html.Div(id=ids.AN_TABLE, className="table-wrap")], className="card"),
        html.Div([html.Div(html.H2("About this analysis", className="card-title"), className="card-head"),
                  html.Dl(id=ids.AN_FACTS, className="facts"),
                  html.H3("Reproduce"),
                  html.P("Run this in a terminal, in the folder that holds the results folder:", className="hint"),
                  html.Div([dcc.Clipboard(target_id=ids.AN_COMMAND, title="Copy the command",
                                          className="copy copy-code"),
                            html.Pre(id=ids.AN_COMMAND, className="code")], className="code-wrap")],
                 className="card"),
    ], id=ids.AN_CONTENT)
    return html.Div([
        dcc.Store(id=ids.AN_STATE, data=as_dict(view)),
        sidebar,
        html.Main([html.Div(id=ids.AN_MESSAGES), html.Div(id=ids.AN_EMPTY), html.Div(id=ids.AN_NOTES), content],
                  className="main wide"),
    ], className="columns")


def graph_config(key: str) -> dict:
    """Modebar: a PNG of the chart as drawn, at the size of the CLI's export."""
    name = "survsim_" + "".join(c if c.isalnum() or c in "-_" else "_" for c in key) if key else "survsim_analysis"
    return {"displaylogo": False, "responsive": True, "modeBarButtonsToRemove": ["lasso2d", "select2d"],
            "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2, "width": 1200, "height": HEIGHT}}
