"""Calibration page: the targets table, computed once in the background."""

from __future__ import annotations

import re
import time
from typing import Any

import dash
from dash import Input, Output, html

from dashboard import ids
from dashboard.charts import fmt
from dashboard.data import Data
from sim.core.groups import GROUP_LABELS, label as group_label

GROUP_CODE = re.compile(r"\b(" + "|".join(map(re.escape, sorted(GROUP_LABELS, key=len, reverse=True))) + r")\b")
# What computing the table does (its time depends on the machine and its load, so none is promised).
COMPUTING = ("Computing the targets, once: the model runs the shipped baseline and national presets on several "
             "seeds, then the face-recognition checks. How long it takes depends on the machine and how busy it "
             "is (minutes when busy); the table appears here when it is done and is kept for later visits.")


def plain_target(name: str) -> str:
    """A target's name with group codes ('black_f') in words ('Black women')."""
    return GROUP_CODE.sub(lambda m: group_label(m.group(1)), name)


def table(rows: list[dict[str, Any]]) -> html.Table:
    head = html.Thead(html.Tr([html.Th("Target", className="l"), html.Th("Source", className="l")]
                              + [html.Th(h) for h in ("Published", "Model", "Tolerance", "Evidence", "Result")]))
    body = html.Tbody([html.Tr([
        html.Td(plain_target(r["target"]), className="l"), html.Td(r["source"], className="l source"),
        html.Td(fmt(r["published"])), html.Td(fmt(r["model"])), html.Td(f"{fmt(r['low'])} to {fmt(r['high'])}"),
        html.Td(r.get("evidence", "fitted")),
        html.Td("\u2713 pass" if r["passed"] else ("\u2717 fail" if r.get("evidence", "fitted") == "fitted"
                                                   else "\u2717 miss"), className="pass" if r["passed"] else "fail"),
    ]) for r in rows])
    return html.Table([head, body], className="table calibration")


def view(state: dict[str, Any]) -> tuple[Any, Any, bool]:
    """(status text, table, stop polling) for the calibration state."""
    if state["status"] == "ready":
        rows = state["rows"]
        fitted = [r for r in rows if r.get("evidence", "fitted") != "check"]
        checks = [r for r in rows if r.get("evidence") == "check"]
        return (f"{sum(r['passed'] for r in fitted)} of {len(fitted)} fitted targets within tolerance; "
                f"{sum(r['passed'] for r in checks)} of {len(checks)} independent checks pass (a missed check "
                f"is a finding about the model, not tuned away)."), table(rows), True
    if state["status"] == "error":
        return f"Could not compute the targets: {state['error']}", None, True
    waited = time.monotonic() - state.get("started", time.monotonic())
    return (html.Span([html.Progress(className="progress indeterminate"),
                       f" {COMPUTING} Working for {waited:.0f} s so far."]),
            None, False)


def register(app: dash.Dash, data: Data) -> None:
    @app.callback(Output(ids.CALIBRATION_STATUS, "children"), Output(ids.CALIBRATION_TABLE, "children"),
                  Output(ids.CALIBRATION_POLL, "disabled"), Input(ids.CALIBRATION_POLL, "n_intervals"))
    def poll(_):
        return view(data.calibration())
