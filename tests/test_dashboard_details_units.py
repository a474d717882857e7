"""Small things users see, without a browser: the Calibration page's words, the rolling
view of rare events, the educator's loop switches, the What-if's search mode."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
from dash.development.base_component import Component

from dashboard import charts, rolling, urlstate
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
    assert status.startswith("3 of 3 fitted targets within tolerance; 0 of 0 independent checks pass")
    missed = {**ROW, "target": "Asian share of arrests over the baseline run [check]", "passed": False,
              "evidence": "check"}
    status, table, _ = calibration.view({"status": "ready", "rows": rows + [missed]})
    assert "3 of 3 fitted targets" in status and "0 of 1 independent checks pass" in status
    assert "\u2717 miss" in text(table) and "\u2717 fail" not in text(table), "a missed check is not a failed fit"
    status, table, stop = calibration.view({"status": "running", "started": 0.0})
    words = text(status)
    assert table is None and not stop
    assert "about 20 s" not in words and "runs the shipped baseline" in words
    assert "Working for" in words and "so far" in words


def daily_counts(rate: float, days: int = 730, replicates: int = 4, scenarios=("baseline", "reform")):
    """A tidy frame of Poisson daily counts (the shape of a run's time series)."""
    rng = np.random.default_rng(3)
    rows = [{"scenario": sc, "replicate": r, "seed": 100 + r, "day": d, "metric": "wrongful_stops", "group": "",
             "value": 0.0 if d == 0 else float(rng.poisson(rate))}
            for sc in scenarios for r in range(replicates) for d in range(days + 1)]
    return pd.DataFrame(rows)


META = {"baseline": "baseline", "replicates": 4, "seed": 1, "replicate_seeds": [100, 101, 102, 103],
        "version": "0.1.0", "scenarios": [{"name": "baseline"}, {"name": "reform"}]}


def test_rolling_sums_of_rare_events_use_a_window_that_holds_them():
    """Wrongful stops a few times a year: the rolling view sums over 12 months (not a 0/1
    barcode of 30-day sums) and the chart says so; common events keep 30 days."""
    fig = rolling.rolling_figure(daily_counts(0.03), "wrongful_stops", META)
    assert fig.layout.meta["window_days"] == 365
    assert "12 months" in fig.layout.yaxis.title.text and "12 months" in fig.layout.title.subtitle.text
    words = " ".join(a.text for a in fig.layout.annotations if a.name == "caption").replace("<br>", " ")
    assert "count over the previous 12 months (365 days)" in words and "mostly 0s and 1s" in words
    median = next(t for t in fig.data if t.meta["role"] == "median" and t.meta["scenario"] == "baseline")
    shown = pd.Series(median.y).dropna()
    assert len(shown) > 300 and shown.min() >= 3, "each point is a count worth reading, not 0 or 1"
    common = rolling.rolling_figure(daily_counts(2.0), "wrongful_stops", META)
    assert common.layout.meta["window_days"] == 30 and "30 days" in common.layout.yaxis.title.text
    short = rolling.rolling_figure(daily_counts(0.03, days=90), "wrongful_stops", META)
    assert short.layout.meta["window_days"] == 30, "a window never takes more than half a short run"


def test_the_rolling_choice_on_a_results_page_draws_the_fitted_window():
    bundle = types.SimpleNamespace(meta=META, frame=lambda *m: daily_counts(0.03), scenarios=["baseline", "reform"])
    view = urlstate.CompareView(flow="rolling", metric="wrongful_stops")
    fig = charts._figure(bundle, view, "timeseries")
    assert fig.layout.meta["window_days"] == 365


def test_every_loop_of_the_model_gets_a_switch_with_words(monkeypatch):
    """The switches come from the model's Loops parameters: today's four with their plain
    words, and a loop the model gains (loops.trust) at once, worded from its description."""
    from dashboard import educator
    from dashboard.pages import educator as page
    from sim.core.paramtree import param
    from sim.params.root import Loops

    def switch_labels():
        tree = page.layout(urlstate.EducatorView())
        found = []

        def walk(node):
            if getattr(node, "id", None) == "educator-loops":
                found.extend(node.options)
            for child in (node.children if isinstance(getattr(node, "children", None), list)
                          else [getattr(node, "children", None)]):
                if isinstance(child, Component):
                    walk(child)
        walk(tree)
        return {o["value"]: o["label"] for o in found}, text(tree)

    labels, _ = switch_labels()
    assert labels == {"fear": "Fear loop", "credit": "Free-camera loop", "gallery": "Gallery loop",
                      "attention": "Attention loop", "trust": "Trust loop"}
    assert list(labels) == list(Loops.model_fields)

    class LoopsWithRumour(Loops):  # a loop the model might gain, with no words written for it yet
        rumour: bool = param(True, unit="bool", doc="rumour loop: app posts spread fear faster than crime does")

    monkeypatch.setattr(educator, "Loops", LoopsWithRumour)
    labels, shown = switch_labels()
    assert labels["rumour"] == "Rumour loop" and len(labels) == 6
    assert "App posts spread fear faster than crime does." in shown


def test_search_mode_is_a_whatif_setting_in_the_url_the_model_and_the_captions(tmp_path):
    from dashboard import whatif
    from dashboard.callbacks.results import control_values, fields
    from dashboard.data import Data, new_session

    view, msgs = urlstate.decode("whatif", "?search=top_k&days=60&residents=1000&replicates=2&start=30")
    assert view.search == "top_k" and msgs == []
    assert "search=top_k" in urlstate.encode(view)
    assert urlstate.decode("whatif", "?search=top5")[1] == ["search = 'top5': not one of the choices; "
                                                            "using 'threshold'."]
    assert urlstate.WhatIfView().search == "threshold", "the model's default: all candidates above the threshold"
    assert urlstate.SEARCH_MODES == {"threshold": "all candidates above the threshold",
                                     "top_k": "the top 5 candidates",
                                     "top_k_threshold": "the top 5 candidates above the threshold"}
    assert control_values("whatif", view)[fields("whatif").index("search")] == "top_k"
    base, what_if = whatif.build(view)
    assert what_if.params.enforcement.mode == "top_k" and base.params.enforcement.mode == "threshold"
    assert "'enforcement.search_mode': 'top_k'" in __import__("dashboard.snippets").snippets.whatif_code(view)
    data = Data(tmp_path, workers=1)
    try:
        sid = new_session()
        job = data.jobs.wait(sid, data.request(sid, "whatif", view), timeout=300)
        assert job.status == "done", job.error
        fig = charts.figure(job.result, view, "timeseries")
        caption = " ".join(a.text for a in fig.layout.annotations if a.name == "caption").replace("<br>", " ")
        assert "searches return the top 5 candidates" in caption
        csv = charts.figure_csv(fig, job.result, view)
        assert "searches return the top 5 candidates" in "\n".join(x for x in csv.splitlines() if x.startswith("#"))
        assert "searches return the top 5 candidates" in charts.summary_csv(job.result, view)
    finally:
        data.close()
