"""Small things users see, without a browser: the Calibration page's words, the rolling
view of rare events, the educator's loop switches, the What-if's search mode."""

from __future__ import annotations

from dash.development.base_component import Component

from dashboard.callbacks import calibration


def text(node) -> str:
    """Every string a Dash component tree shows, joined."""
    if node is None:
        return ""
    if isinstance(node, (str, int, float)):
        return str(node)
    if isinstance(node, (list, tuple)):
        return " ".join(text(n) for n in node)
    if isinstance(node, Component):
        return text(getattr(node, "children", None))
    return ""


ROW = {"source": "NIST", "published": 2.0, "model": 2.1, "low": 1.5, "high": 2.5, "passed": True}


def test_calibration_names_groups_in_words_and_promises_no_time():
    rows = [{**ROW, "target": "FMR ratio vs white men at NIST point: black_f"},
            {**ROW, "target": "FNMR at NIST point: hispanic_m"},
            {**ROW, "target": "Black share of arrests over the baseline run (2017-2021)"}]
    status, table, stop = calibration.view({"status": "ready", "rows": rows})
    shown = text(table)
    assert "Black women" in shown and "Hispanic men" in shown and stop
    assert "black_f" not in shown and "hispanic_m" not in shown
    assert "Black share of arrests" in shown, "names without codes are unchanged"
    assert status == "3 of 3 targets within tolerance."
    status, table, stop = calibration.view({"status": "running", "started": 0.0})
    words = text(status)
    assert table is None and not stop
    assert "about 20 s" not in words and "runs the shipped baseline" in words and "Running for" in words
