"""What-if: build a scenario from law and practice controls, compare it with the baseline."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids
from dashboard.urlstate import as_dict
from dashboard.pages.common import settings_toggle, chart_controls, field, number, results_panel, section, size_controls, switch
from dashboard.urlstate import FR_LAWS, MAX_DAYS, SEARCH_MODES, WhatIfView

PATH = "/whatif"
TITLE = "What-if"


def c(name: str) -> str:
    return ids.control("whatif", name)


def threshold_field(value: float) -> html.Div:
    """The threshold slider. Its value is written in the label (kept current while dragging by
    a clientside callback, dashboard.callbacks.whatif), not in a floating box over the label."""
    return html.Div([
        html.Label(["Similarity threshold of face searches: ",
                    html.Output(f"{value:.2f}", id=c("threshold-value"), className="slider-value")],
                   htmlFor=c("threshold"), className="field-label"),
        html.Div(dcc.Slider(id=c("threshold"), min=0.5, max=0.99, step=0.01, value=value, updatemode="mouseup",
                            marks={0.5: "0.50", 0.8: "0.80 vendor default", 0.99: "0.99"},
                            tooltip={"always_visible": False, "placement": "bottom"},
                            allow_direct_input=False), className="slider-pad"),
    ], className="field")


def layout(view: WhatIfView) -> html.Div:
    sidebar = html.Aside([
        html.H1(TITLE),
        html.P("Set the law and police practice, press Apply, and compare with the status quo on the same "
               "seeds (runs seen before draw at once).", className="lead"),
        settings_toggle(),
        section(
            "Laws",
            field("In force from day", number(c("start"), view.start, 0, MAX_DAYS),
                  hint="Day 0 is 1 Jan 2017; the app launches on day 485 and police partnerships start on day 455.",
                  html_for=c("start")),
            switch(c("warrant"), "Warrant required for footage", view.warrant),
            field("Face recognition", dcc.RadioItems(
                id=c("fr_law"), value=view.fr_law, className="radio stacked",
                options=[{"label": text, "value": key} for key, text in FR_LAWS.items()])),
            switch(c("credit"), "Credit programme (free cameras per app install)", view.credit),
            switch(c("consent"), "Informed consent for footage requests", view.consent),
            switch(c("emotion"), "Emotion screening (flags become stops)", view.emotion),
        ),
        section(
            "Police practice (from day 0)",
            field("Search returns", dcc.RadioItems(
                id=c("search"), value=view.search, className="radio stacked",
                options=[{"label": text, "value": key} for key, text in SEARCH_MODES.items()]),
                hint=f"A search for {SEARCH_MODES['top_k']} ignores the threshold: it always returns that many "
                     "people, however little they look like the suspect."),
            threshold_field(view.threshold),
            switch(c("review"), "Human review of candidates", view.review),
        ),
        size_controls("whatif", view),
        html.Div([html.Button("Apply", id=ids.WHATIF.apply, className="button primary", n_clicks=0, disabled=True,
                              title="Run the what-if with these settings (and put them in the address)"),
                  html.Div("Settings applied.", id=ids.WHATIF.pending, className="hint", role="status")],
                 className="apply-row keep"),
        chart_controls("whatif", view),
    ], className="sidebar")
    return html.Div([
        dcc.Store(id=ids.WHATIF.state, data=as_dict(view)),
        sidebar,
        html.Main(results_panel(ids.WHATIF), className="main"),
    ], className="columns")
