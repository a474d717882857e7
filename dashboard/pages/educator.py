"""Educator mode: a small city run live; loops switched mid-run; things to notice and try
(after NetLogo's "Rebellion" Info tab)."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.urlstate import as_dict
from dashboard.educator import LOOPS
from dashboard.livefigures import placeholder
from dashboard.pages.common import field, section
from dashboard.urlstate import EducatorView

PATH = "/educator"
TITLE = "Educator mode"

# loop: (name, how it works, what to notice, what to try)
LOOP_TEXT = {
    "fear": ("Fear loop",
             "Cameras capture offences; captures and the offences they get reported become crime posts in the app; "
             "posts raise fear; fearful residents buy cameras.",
             "Mean fear creeps up as cameras spread, fastest in the darker (better covered) cells.",
             "Play to about day 200, then switch the fear loop off: posts fall back to what police would have "
             "recorded without cameras. Does fear level off? Does camera growth slow?"),
    "credit": ("Credit loop",
               "Each app install earns the partnered police department credits; credits become free cameras, "
               "which bring more installs.",
               "Once a department partners (the map's caption says which), free cameras appear and installs speed up.",
               "Reset, play until both departments have partnered, then switch the credit loop off. Compare the "
               "camera chart by day 365 with a run (same seed) that keeps it on."),
    "gallery": ("Gallery loop",
                "Every arrest adds a mugshot to the gallery that face searches run against; a bigger gallery "
                "returns more false candidates, so more innocent people are stopped.",
                "Wrongful stops (orange crosses) are rare in a city this small: each one is an innocent person "
                "matched from the gallery.",
                "Switch the gallery loop off early and play a year: the gallery stops growing. Compare wrongful "
                "stops with a run where it stays on (same seed)."),
    "attention": ("Attention loop",
                  "Patrols go where incidents are recorded; cameras get more incidents recorded where they are "
                  "dense, so patrols follow the cameras.",
                  "Switch the map to 'Patrol attention': stops (dots) cluster in the most patrolled cells, many of "
                  "them Group B's neighbourhoods.",
                  "Switch the attention loop off: attention stays at its starting level. Do stops by group keep "
                  "drifting apart?"),
}


def layout(view: EducatorView) -> html.Div:
    sidebar = html.Aside([
        html.H1(TITLE),
        html.P("One small city (about 3,000 residents, two groups), one day per step. Switch a feedback loop off "
               "while it runs and watch what changes.", className="lead"),
        html.Div("Day 0", id=ids.EDU_DAY, className="day-counter", role="status"),
        html.Div([
            html.Button("Play", id=ids.EDU_PLAY, className="button primary", n_clicks=0),
            html.Button("Step 1 day", id=ids.EDU_STEP, className="button", n_clicks=0),
            html.Button("Reset", id=ids.EDU_RESET, className="button", n_clicks=0),
        ], className="button-row"),
        field("Days per tick while playing", dcc.Slider(id=ids.EDU_SPEED, min=1, max=30, step=1, value=view.speed,
                                                        marks={1: "1", 10: "10", 20: "20", 30: "30"})),
        section("Feedback loops", dcc.Checklist(
            id=ids.EDU_LOOPS, options=[{"label": LOOP_TEXT[k][0], "value": k} for k in LOOPS], value=list(LOOPS),
            className="loops", labelClassName="switch-label"),
            hint="Unticked loops are cut from the next day on."),
        section("Map shows", dcc.RadioItems(
            id=ids.EDU_LAYER, value=view.layer, className="radio stacked",
            options=[{"label": "Camera coverage", "value": "coverage"},
                     {"label": "Patrol attention", "value": "attention"},
                     {"label": "Share of residents in Group B", "value": "group_b"}])),
        section("City", field("Seed", dcc.Input(id=ids.EDU_SEED, type="number", value=view.seed, min=0,
                                                max=2**31 - 1, step=1, debounce=True, className="number-input")),
                hint="A new seed builds a new city (and resets)."),
        html.Div(id=ids.EDU_LOG, className="hint log"),
    ], className="sidebar")
    prompts = html.Div([
        html.Div([html.H3(name), html.P(how), html.P([html.Strong("Notice: "), notice]),
                  html.P([html.Strong("Try: "), tryit])], className="prompt")
        for name, how, notice, tryit in LOOP_TEXT.values()
    ], className="prompts")
    return html.Div([
        dcc.Store(id=ids.EDU_STATE, data=as_dict(view)),
        dcc.Interval(id=ids.EDU_TIMER, interval=700, disabled=True),
        sidebar,
        html.Main([
            html.Div(id=ids.EDU_MESSAGES),
            html.Div([
                html.Div(dcc.Graph(id=ids.EDU_MAP, figure=placeholder("Building the city..."),
                                   config={"displaylogo": False, "responsive": True}, className="graph map"),
                         className="card map-card"),
                html.Div([html.H2("Things to notice, things to try", className="card-title"), prompts],
                         className="card prompts-card"),
            ], className="edu-top"),
            html.Div(dcc.Graph(id=ids.EDU_CHARTS, figure=placeholder("..."), className="graph charts",
                               config={"displaylogo": False, "responsive": True}), className="card"),
        ], className="main"),
    ], className="columns")
