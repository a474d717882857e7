"""Calibration: every target the model reproduces, with source, tolerance and result."""

from __future__ import annotations

from dash import dcc, html

from dashboard import ids

PATH = "/calibration"
TITLE = "Calibration"


def layout(view: object = None) -> html.Div:
    return html.Div([
        html.Main([
            html.H1("Calibration targets"),
            html.P("Published figures the model is fitted to or checked against, and what the model gives. "
                   "Adoption and partnership targets are means over four seeds of the shipped baseline and "
                   "national presets; recognition targets are analytic. Tolerances are ours, chosen from how "
                   "precise each published figure is.", className="lead"),
            dcc.Interval(id=ids.CALIBRATION_POLL, interval=1000, disabled=False),
            html.Div(id=ids.CALIBRATION_STATUS, role="status", className="status"),
            html.Div(id=ids.CALIBRATION_TABLE, className="table-wrap"),
        ], className="main wide"),
    ], className="columns single")
