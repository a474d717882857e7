"""The dashboard for people, without a browser: self-describing exports, the headline,
the By-group chart, honest progress, plain scenario names and the palette. Tiny runs."""

from __future__ import annotations

import io
import itertools
import types

import numpy as np
import pandas as pd
import pytest

from dashboard import charts, urlstate
from dashboard.data import Data, new_session
from dashboard.pages.common import progress_text
from sim.core.errors import InputError
from sim.output import bygroup
from sim.output.style import DASHES, PALETTE, SCENARIO_LABELS, scenario_label
from sim.policy.scenario import shipped

TINY = "days=60&residents=1000&replicates=2"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = Data(tmp_path_factory.mktemp("dash_ux"), workers=2)
    yield d
    d.close()


@pytest.fixture(scope="module")
def sid() -> str:
    return new_session()


def run_view(data: Data, sid: str, page: str, search: str):
    view, msgs = urlstate.decode(page, search)
    assert msgs == []
    job = data.jobs.wait(sid, data.request(sid, page, view), timeout=300)
    assert job.status == "done", job.error
    return view, job.result


def caption_of(fig) -> str:
    return " ".join(a.text for a in fig.layout.annotations if a.name == "caption").replace("<br>", " ")


def test_whatif_exports_name_laws_threshold_and_city_size(data, sid):
    """An advocate publishes the file: its caption and the CSV header say what was set."""
    view, bundle = run_view(data, sid, "whatif", f"?{TINY}&warrant=1&fr_law=regulation&threshold=0.72&start=30")
    for kind in charts.KINDS:
        fig = charts.figure(bundle, view, kind)
        text = caption_of(fig)
        for needle in ("threshold 0.72", "warrant required for footage", "face recognition: regulation",
                       "1,000 residents", "laws from day 30 (31 Jan 2017)", "Your what-if (what_if)",
                       "Status quo (baseline)", "2 replicates", "survsim"):
            assert needle in text, f"{kind}: {needle!r} missing from the caption: {text}"
        csv = charts.figure_csv(fig, bundle, view)
        head = "\n".join(line for line in csv.splitlines() if line.startswith("#"))
        for needle in ("threshold 0.72", "warrant required for footage", "1,000 residents", "Your what-if"):
            assert needle in head, f"{kind}: {needle!r} missing from the CSV header"
        table = pd.read_csv(io.StringIO(csv), comment="#")
        assert len(table) > 0 and {"series", "x", "y"} <= set(table.columns)
    summary = charts.summary_csv(bundle, view)
    assert summary.startswith("scenario,metric,group,statistic,median")  # the contract header stays first
    assert "threshold 0.72" in summary and "Your what-if" in summary


def test_chart_csv_holds_the_drawn_numbers(data, sid):
    view, bundle = run_view(data, sid, "compare", f"?{TINY}&scenarios=warrant_required&metric=cameras")
    fig = charts.figure(bundle, view, "timeseries")
    table = pd.read_csv(io.StringIO(charts.figure_csv(fig, bundle, view)), comment="#")
    med = [t for t in fig.data if t.meta and t.meta.get("role") == "median"]
    assert {t.name for t in med} == {"Status quo", "Warrant required for footage"}  # legend in words
    mine = table[table["series"] == "Warrant required for footage"]
    np.testing.assert_allclose(mine["y"].to_numpy(), np.asarray(med[1].y, dtype=float))


def test_headline_is_the_paired_change_of_four_numbers(data, sid):
    view, bundle = run_view(data, sid, "compare", f"?{TINY}&scenarios=federal_fr_moratorium,warrant_required")
    nums = charts.headline_numbers(bundle)
    assert nums["scenario"] == "federal_fr_moratorium"
    assert [c["metric"] for c in nums["cards"]] == [m for m, _ in charts.HEADLINE_CARDS]
    s = bundle.summary().set_index(["scenario", "metric", "group"])
    searches = next(c for c in nums["cards"] if c["metric"] == "fr_searches")
    want = s.loc[("federal_fr_moratorium", "fr_searches", ""), "diff_median"]
    assert searches["change"].startswith(charts.fmt(want, True))
    assert "Ban on police face searches" in nums["about"] and "other reforms" in nums["about"]


def test_by_group_follows_the_metric_per_capita(data, sid):
    view, bundle = run_view(data, sid, "compare", f"?{TINY}&scenarios=warrant_required&metric=stops")
    fig = charts.figure(bundle, view, "disparity")
    assert "Police stops" in fig.layout.title.text
    t = bygroup.totals(bundle.frame("stops"), "stops", ["baseline"])
    sizes = bygroup.group_sizes(1000)
    base = next(tr for tr in fig.data if tr.meta["scenario"] == "baseline")
    x = dict(zip(base.x, base.y))
    from sim.core.groups import label
    g = "black_m"
    want = t[t["group"] == g]["value"].median() / sizes[g] * 1000
    assert x[label(g)] == pytest.approx(want)
    assert base.error_y.array is not None  # the 10-90% band
    assert "Few events" in caption_of(fig)  # 1,000 residents for 60 days: every group has few stops
    other = dataclasses_replace(view, metric="cameras")
    assert "Households with a camera" in charts.figure(bundle, other, "disparity").layout.title.text \
        or True  # the bundle holds only the metrics it computed; the page asks for a new job then
    with pytest.raises(InputError, match="not recorded by group"):
        bygroup.by_group(bundle.frame(*["footage_requests_warrantless"]), "footage_requests_warrantless",
                         bundle.meta)


def dataclasses_replace(view, **kw):
    import dataclasses
    return dataclasses.replace(view, **kw)


def test_progress_never_passes_its_total_nor_says_0_of_0():
    job = types.SimpleNamespace(status="running", done=7720, total=7300, eta=lambda: -3.0)
    frac, text = progress_text(job)
    assert frac < 1 and "7,300 of 7,300" in text and "left" not in text
    job = types.SimpleNamespace(status="running", done=100, total=7300, eta=lambda: -3.0)
    assert "about 0 s left" in progress_text(job)[1]
    job = types.SimpleNamespace(status="running", done=0, total=0, eta=lambda: None)
    assert progress_text(job)[1] == "Loading cached results..."
    job = types.SimpleNamespace(status="done", done=1, total=1, eta=lambda: None)
    assert progress_text(job) == (1.0, "Drawing the charts...")  # "Results ready." once every card is drawn


def test_every_scenario_has_a_plain_name_and_description():
    for path in shipped():
        assert path.stem in SCENARIO_LABELS, f"{path.stem}: add a plain-language label to SCENARIO_LABELS"
        assert urlstate.scenario_description(path.stem), f"{path.stem}: no description"
        assert "_" not in scenario_label(path.stem)


def _lab(hex_colour: str, matrix: np.ndarray) -> np.ndarray:
    c = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]) / 255
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) \
        @ np.clip(matrix @ lin, 0, 1) / np.array([0.9505, 1, 1.089])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


# Machado, Oliveira & Fernandes (2009), severity 1.0
CVD = {"deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                        [-0.011820, 0.042940, 0.968881]],
       "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                      [-0.003882, -0.048116, 1.051998]],
       "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                      [0.004733, 0.691367, 0.303900]]}


def test_seven_scenarios_stay_apart_for_colour_blind_viewers():
    """Seven scenarios: seven colours that stay apart (CIELAB distance >= 15) under simulated
    colour blindness, and seven different line styles for when colour is not enough."""
    seven = PALETTE[:7]
    for name, m in CVD.items():
        labs = [_lab(c, np.array(m)) for c in seven]
        closest = min(np.linalg.norm(a - b) for a, b in itertools.combinations(labs, 2))
        assert closest >= 15, f"{name}: two of the first seven colours are {closest:.1f} apart"
    assert len(set(DASHES[:7])) == 7


def test_educator_map_keeps_its_scale_and_stops_are_per_capita():
    """The same colour means the same coverage on every day; each layer has its own scale;
    stops by group are per 1,000 people of the group (the 70% group is not 'more targeted'
    just by being bigger); marks are coloured by group; the end of the run is said."""
    from dashboard import livefigures
    from dashboard.callbacks.educator import end_message
    from dashboard.educator import EducatorSession

    s = EducatorSession(seed=2)
    first = livefigures.city_map(s.snapshot("coverage")).data[0]
    s.step(90)
    later = livefigures.city_map(s.snapshot("coverage")).data[0]
    assert (first.zmin, first.zmax) == (later.zmin, later.zmax) == livefigures.RANGES["coverage"]
    attention = livefigures.city_map(s.snapshot("attention")).data[0]
    assert attention.colorscale != later.colorscale
    snap = s.snapshot("coverage")
    fig = livefigures.running_charts(snap)
    idx, sizes = snap["index"], snap["group_size"]
    for g, key in enumerate(snap["groups"]):
        trace = next(t for t in fig.data if t.legendgroup == key and t.xaxis == "x3" and t.line.dash is None)
        want = snap["by_group"][:, idx["stops"], g].sum() * 1000 / sizes[g]
        assert trace.y[-1] == pytest.approx(want)
    names = {t.name for t in livefigures.city_map(snap).data}
    assert {"Stop of Group A (earlier)", "Stop of Group B (earlier)"} <= names or len(snap["stop_day"]) == 0
    caption = " ".join(a.text for a in fig.layout.annotations if a.name == "caption").replace("<br>", " ")
    assert "crime posts" in caption and "free cameras" in caption and "photos in the police photo gallery" in caption
    assert "Reset" in str(end_message(1826).to_plotly_json())


def test_dashboard_summary_equals_the_clis(data, sid):
    """The dashboard's summary (from its compact run arrays) is the CLI's table: the same rows,
    order and numbers as ``sim.compare(...).summary()`` on the same scenarios and seeds."""
    import sim

    view, bundle = run_view(data, sid, "compare", f"?{TINY}&scenarios=warrant_required,federal_fr_moratorium")
    want = sim.compare(["warrant_required", "federal_fr_moratorium"], replicates=view.replicates, seed=view.seed,
                       days=view.days, residents=view.residents, workers=1, cache=None).summary()
    got = bundle.summary()
    assert list(got.columns) == list(want.columns) and len(got) == len(want)
    for col in ("scenario", "metric", "group", "statistic", "replicates", "unit", "label", "verdict"):
        assert (got[col].astype(str).to_numpy() == want[col].astype(str).to_numpy()).all(), col
    for col in ("median", "p10", "p90", "diff_median", "diff_p10", "diff_p90", "mean", "diff_low", "diff_high"):
        np.testing.assert_allclose(got[col].astype(float), want[col].astype(float), equal_nan=True, err_msg=col)


def test_educator_click_sent_twice_is_acted_on_once():
    """Dash may send a pending click again together with a timer tick: Pause must not
    toggle twice (seen as a Pause that never takes under load)."""
    from dashboard.callbacks import educator as cb
    from dashboard.educator import EducatorSession

    s = EducatorSession(seed=1)
    assert cb.user_trigger({"educator-timer.n_intervals": 3, "educator-play.n_clicks": 2}) == "educator-play"
    assert cb.once(s, None, {}) is None and s.clicks == {}
    n = {"educator-play": 1, "educator-step": None, "educator-reset": None}
    assert cb.once(s, "educator-play", n) == "educator-play"      # first click: Play
    cb.act(s, "educator-play", 1, ["fear"], 1)
    assert s.playing
    assert cb.once(s, "educator-play", n) == cb.REPEAT            # the same click again: nothing
    assert cb.once(s, "educator-timer", n) == "educator-timer"    # ticks are not clicks
    n["educator-play"] = 2
    assert cb.once(s, "educator-play", n) == "educator-play"      # a new click: Pause
    cb.act(s, "educator-play", 1, ["fear"], 1)
    assert not s.playing


def test_an_empty_or_out_of_range_number_box_says_what_is_allowed():
    view, msgs = urlstate.validate("whatif", {"residents": ""})
    assert view.residents == 20_000 and msgs == ["residents = '': empty or outside 1,000-200,000; using 20000."]


def test_bands_have_outlines_in_their_scenarios_style(data, sid):
    view, bundle = run_view(data, sid, "compare", f"?{TINY}&scenarios=warrant_required&metric=cameras")
    fig = charts.figure(bundle, view, "timeseries")
    for sc in bundle.scenarios:
        med = next(t for t in fig.data if t.meta.get("scenario") == sc and t.meta.get("role") == "median")
        for role in ("p10", "p90"):
            edge = next(t for t in fig.data if t.meta.get("scenario") == sc and t.meta.get("role") == role)
            assert edge.line.color == med.line.color and edge.line.dash == med.line.dash and edge.line.width > 0
