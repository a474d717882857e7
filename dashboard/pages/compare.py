"""Compare: shipped scenarios against a baseline, paired by seed (PolicyEngine-style)."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.urlstate import as_dict
from dashboard.pages.common import settings_toggle, chart_controls, field, results_panel, section, size_controls
from dashboard.urlstate import MAX_SCENARIOS, CompareView, scenario_names, scenario_options

PATH = "/compare"
TITLE = "Compare scenarios"


def intro() -> html.Div:
    """What the tool is, what a scenario and a band are, and what to try first (first visit)."""
    return html.Div([
        html.H2("What happens when a city fills with doorbell cameras?"),
        html.P("survsim simulates a city whose residents buy doorbell cameras, police who ask for the footage, and "
               "face searches that sometimes pick the wrong person. The numbers come from the simulation, not "
               "from police records."),
        html.Ul([
            html.Li([html.Strong("A scenario"), " is a set of laws and police practices. Each reform runs on the "
                     "same simulated cities as the status quo, so a difference comes from the reform, not luck."]),
            html.Li([html.Strong("Lines and bands: "), "the line is the middle of several runs; the band holds "
                     "the middle 80% of them (how much chance alone moves a result)."]),
            html.Li([html.Strong("Try first: "), "read the headline below, then pick another metric under "
                     "\u201cChart\u201d, or open What-if to set your own laws."]),
        ]),
    ], className="intro")


def layout(view: CompareView) -> html.Div:
    names = scenario_options(scenario_names())
    sidebar = html.Aside([
        html.H1(TITLE),
        html.P("Each reform is run on the same seeds as the baseline; charts show medians with "
               "10-90% bands over replicates.", className="lead"),
        settings_toggle(),
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
        html.Main(results_panel(ids.COMPARE, intro()), className="main"),
    ], className="columns")
