"""Compare: shipped scenarios against a baseline, paired by seed (PolicyEngine-style)."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.urlstate import as_dict
from dashboard.pages.common import chart_controls, field, results_panel, section, size_controls
from dashboard.urlstate import MAX_SCENARIOS, CompareView, scenario_names

PATH = "/compare"
TITLE = "Compare scenarios"


def layout(view: CompareView) -> html.Div:
    names = [{"label": n.replace("_", " "), "value": n} for n in scenario_names()]
    sidebar = html.Aside([
        html.H1(TITLE),
        html.P("Each reform is run on the same seeds as the baseline; charts show medians with "
               "10-90% bands over replicates.", className="lead"),
        section(
            "Scenarios",
            field("Baseline", dcc.Dropdown(id=ids.control("compare", "baseline"), options=names, value=view.baseline,
                                           clearable=False), html_for=ids.control("compare", "baseline")),
            field(f"Compared with it (up to {MAX_SCENARIOS})",
                  dcc.Dropdown(id=ids.control("compare", "scenarios"), options=names, value=list(view.scenarios),
                               multi=True, placeholder="Pick scenarios...", maxHeight=320),
                  html_for=ids.control("compare", "scenarios")),
        ),
        chart_controls("compare", view),
        size_controls("compare", view),
    ], className="sidebar")
    return html.Div([
        dcc.Store(id=ids.COMPARE.state, data=as_dict(view)),
        sidebar,
        html.Main(results_panel(ids.COMPARE), className="main"),
    ], className="columns")
