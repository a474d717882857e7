"""Dashboard without a browser: the URL state, the data layer, the live educator model
and the plain functions behind each callback. Runs are tiny (1,000 residents, 40 days)."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import plotly.graph_objects as go
import pytest

from dashboard import charts, livefigures, snippets, urlstate, whatif
from dashboard.callbacks import calibration as calibration_cb
from dashboard.callbacks import educator as educator_cb
from dashboard.callbacks import results as results_cb
from dashboard.callbacks import routing
from dashboard.data import Data, new_session
from dashboard.educator import EducatorSession, Sessions
from dashboard.jobs import Jobs
from dashboard.urlstate import CompareView, EducatorView, WhatIfView
from sim.experiments.compare import HEADLINE, cache_key
from sim.core.metrics import BY_NAME
from sim.core.errors import InputError

TINY = "days=40&residents=1000&replicates=2"


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    d = Data(tmp_path_factory.mktemp("dash_results"), workers=2)
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
    return view, job


# --- the URL ----------------------------------------------------------------------------

@pytest.mark.parametrize("view", [
    CompareView(baseline="warrant_required", scenarios=("baseline", "combined_reform"), metric="cameras",
                group="black_f", flow="rolling", seed=7, replicates=3, days=400, residents=5000),
    CompareView(scenarios=()),
    WhatIfView(warrant=True, fr_law="regulation", threshold=0.93, review=False, credit=False, consent=True,
               emotion=True, start=100, residents=3000, days=300, replicates=5, seed=42, metric="fr_searches",
               group="white_m"),
    EducatorView(seed=9, speed=12, layer="attention"),
    EducatorView(seed=9, speed=12, layer="group_b", city="city_from_table"),
])
def test_url_round_trip(view):
    page = {CompareView: "compare", WhatIfView: "whatif", EducatorView: "educator"}[type(view)]
    back, msgs = urlstate.decode(page, urlstate.encode(view))
    assert msgs == [], msgs
    assert back == view
    assert urlstate.from_store(page, urlstate.as_dict(view)) == view


def test_url_malformed_values_fall_back_with_a_message():
    view, msgs = urlstate.decode("compare", "?seed=abc&days=5&metric=nope&scenarios=warrant_required,bogus"
                                            "&foo=1&replicates=1e3&residents=-5&group=martians")
    default = CompareView()
    assert (view.seed, view.days, view.metric, view.scenarios, view.replicates, view.residents, view.group) == (
        default.seed, default.days, default.metric, default.scenarios, default.replicates, default.residents, "")
    text = " ".join(msgs)
    for key in ("seed", "days", "metric", "scenarios", "replicates", "residents", "group", "'foo'"):
        assert key in text, f"no message about {key}: {msgs}"


@pytest.mark.parametrize("search", [
    "%%%", "?=&=&", "?a=1&a=2", "?" + "x" * 10_000, "?threshold=nan", "?threshold=inf", "?threshold=1e309",
    "?seed=1e9", "?seed=99999999999999999999", "?scenarios=" + ",".join(["baseline"] * 50), "?metric=__import__('os')",
    "?fr_law=%00", "?warrant=maybe", "?days=\u0663\u0660", "?start=99999&days=100", "?group=", "?scenarios=",
])
def test_url_garbage_never_raises(search):
    for page in ("compare", "whatif", "educator"):
        view, msgs = urlstate.decode(page, search)
        assert isinstance(view, urlstate.VIEWS[page])
        assert all(isinstance(m, str) and len(m) < 400 for m in msgs)


def test_url_cross_field_rules():
    view, msgs = urlstate.decode("compare", "?baseline=warrant_required&scenarios=warrant_required,baseline")
    assert view.scenarios == ("baseline",) and msgs == []
    view, msgs = urlstate.decode("compare", "?metric=coverage_mean&group=black_m")
    assert view.group == "" and "no per-group rows" in msgs[0]
    view, msgs = urlstate.decode("whatif", "?start=500&days=100")
    assert view.start == 50 and "never apply" in msgs[0]
    view, msgs = urlstate.decode("whatif", "?warrant=on&review=false&consent=yes")
    assert (view.warrant, view.review, view.consent) == (True, False, True) and msgs == []


# --- what-if scenarios and "reproduce in Python" -----------------------------------------

def test_whatif_builds_validated_scenarios():
    view = WhatIfView(warrant=True, fr_law="moratorium", credit=False, consent=True, emotion=True, start=20,
                      threshold=0.9, review=False, days=60, residents=2000)
    base, sc = whatif.build(view)
    assert [p["type"] for p in sc.policies] == ["warrant_requirement", "federal_fr_moratorium", "no_credit_program",
                                              "informed_consent", "emotion_screening"]
    assert all(p["start"] == 20 and p["legal_reference"] for p in sc.policies)
    assert sc.params.recognition.threshold == 0.9 and sc.params.enforcement.review is False
    assert base.params.recognition.threshold == 0.8 and base.policies == ()
    assert base.params.run.days == sc.params.run.days == 60
    assert base.params.city.n_residents == sc.params.city.n_residents == 2000
    # nothing changed: the what-if is the baseline's content (same cache entry)
    same_base, same = whatif.build(WhatIfView(days=60, residents=2000))
    assert cache_key(same, 1, 2) == cache_key(same_base, 1, 2)


def test_snippets_are_python():
    compile(snippets.compare_code(CompareView()), "<compare>", "exec")
    compile(snippets.whatif_code(WhatIfView(warrant=True, fr_law="regulation")), "<whatif>", "exec")


def test_whatif_snippet_reproduces_the_dashboard(data, sid, tmp_path, monkeypatch):
    search = f"?{TINY}&warrant=1&credit=0&start=10&threshold=0.7"
    view, job = run_view(data, sid, "whatif", search)
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(snippets.whatif_code(view).replace(".show()", ""), scope)
    theirs = scope["cmp"].summary().set_index(["scenario", "metric", "group"])
    ours = job.result.summary().set_index(["scenario", "metric", "group"])
    np.testing.assert_allclose(theirs.loc[ours.index, "median"], ours["median"], equal_nan=True)
    np.testing.assert_allclose(theirs.loc[ours.index, "diff_median"], ours["diff_median"], equal_nan=True)


def test_compare_snippet_reproduces_the_dashboard(data, sid, tmp_path, monkeypatch):
    view, job = run_view(data, sid, "compare", f"?{TINY}&scenarios=no_credit_program&metric=cameras")
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(snippets.compare_code(view).replace(".show()", ""), scope)
    theirs = scope["summary"].set_index(["scenario", "metric", "group"])
    ours = job.result.summary().set_index(["scenario", "metric", "group"])
    np.testing.assert_allclose(theirs.loc[ours.index, "median"], ours["median"], equal_nan=True)


# --- data layer, jobs, runner ------------------------------------------------------------

def test_compare_job_progress_cache_and_charts(data, sid):
    search = f"?{TINY}&seed=5&scenarios=warrant_required,federal_fr_moratorium&metric=wrongful_stops"
    view, job = run_view(data, sid, "compare", search)
    assert job.done == job.total == 3 * 2 * 40
    assert data.ready("compare", view)
    assert data.matches(sid, job.id, "compare", view)
    assert not data.matches(sid, job.id, "compare", dataclasses.replace(view, seed=99))
    b = job.result
    assert b.scenarios == ["baseline", "warrant_required", "federal_fr_moratorium"]
    for kind in charts.KINDS:
        fig = charts.figure(b, view, kind)
        assert isinstance(fig, go.Figure) and fig.layout.height
        assert any(a.name == "caption" for a in fig.layout.annotations), f"{kind}: no caption in the footer"
    table = charts.headline(b)
    assert list(table.columns[3:]) == b.scenarios and list(table.metric) == [BY_NAME[m].label for m in HEADLINE]
    assert table.loc[0, "warrant_required"][2].startswith(("+", "0", "-"))  # paired difference present
    assert table.loc[0, "baseline"][2] == ""
    csv = charts.series_csv(b, "cameras", "").splitlines()
    assert csv[0] == "scenario,replicate,seed,day,metric,group,value" and len(csv) == 1 + 3 * 2 * 41
    # the same request again is the same job; runs are on disk in sim.experiments.compare's layout
    assert data.request(sid, "compare", view) == job.id
    base = data.scenarios("compare", view)[0]
    manifest = data.runner.cache_dir / cache_key(base, view.seed, view.replicates) / "manifest.json"
    for _ in range(100):  # written in the background after the job ends
        if manifest.exists():
            break
        time.sleep(0.1)
    assert manifest.exists(), "runs are not in the disk cache"


def test_sessions_do_not_see_each_others_jobs(data, sid):
    view, job = run_view(data, sid, "compare", f"?{TINY}&scenarios=warrant_required")
    other = new_session()
    assert data.job(other, job.id) is None and data.bundle(other, job.id) is None
    assert data.job("not-a-session", job.id) is None
    with pytest.raises(InputError):
        data.request("../../etc", "compare", view)


def test_jobs_cancel_and_errors():
    jobs = Jobs()
    owner = "a" * 32
    started = []

    def slow(progress):
        started.append(1)
        for i in range(200):
            progress(i)
            time.sleep(0.01)
        return "finished"

    first = jobs.submit(owner, "k1", slow, total=200, group="page")
    newer = jobs.submit(owner, "k2", lambda p: 1, total=1, group="page")
    assert jobs.wait(owner, first).status == "cancelled"
    assert jobs.wait(owner, newer).result == 1
    bad = jobs.submit(owner, "k3", lambda p: (_ for _ in ()).throw(InputError("bad value")), total=1)
    job = jobs.wait(owner, bad)
    assert job.status == "error" and job.error == "bad value"
    assert jobs.get("b" * 32, newer) is None


def test_runner_reuses_content_identical_runs(data):
    view = WhatIfView(days=40, residents=1000, replicates=2)
    base, same = whatif.build(view)
    [r1] = data.runner.run([(base, 2, 1)])
    [r2] = data.runner.run([(same, 2, 1)])
    assert set(r2.timeseries["scenario"].unique()) == {"what_if"}
    assert r1.seeds == r2.seeds
    np.testing.assert_array_equal(r1.timeseries["value"].to_numpy(), r2.timeseries["value"].to_numpy())


# --- educator ----------------------------------------------------------------------------

def test_educator_steps_and_loops_act_mid_run():
    a, b = EducatorSession(seed=3), EducatorSession(seed=3)
    a.step(40)
    b.step(40)
    np.testing.assert_array_equal(a.model.pop.fear, b.model.pop.fear)  # same seed, same city
    assert a.set_loops({"fear": False, "credit": False, "gallery": True, "attention": True}) == [
        "fear off (day 40)", "credit off (day 40)"]
    assert a.model.p.loops.fear is False and a.model.p.loops.credit is False and b.model.p.loops.fear is True
    a.step(120)
    b.step(120)
    assert a.model.day == b.model.day == 160
    assert a.model.pop.fear.mean() < b.model.pop.fear.mean(), "cutting the fear loop should lower fear"
    assert a.switches == [(40, "fear", False), (40, "credit", False)]
    snap = a.snapshot("attention")
    assert snap["day"] == 160 and len(snap["total"]) == 161 and snap["layer"] == "attention"
    assert len(snap["stop_xy"]) == len(snap["stop_day"]) == len(snap["stop_wrongful"])
    assert snap["stop_day"].min(initial=160) > 160 - 30
    a.reset()
    assert a.model.day == 0 and a.loops() == dict.fromkeys(a.loops(), True) and a.switches == []


def test_educator_sessions_are_separate_and_bounded():
    sessions = Sessions(max_sessions=2)
    one, two = new_session(), new_session()
    s1, s2 = sessions.get(one), sessions.get(two)
    s1.step(5)
    assert s2.model.day == 0 and sessions.get(one) is s1
    sessions.get(new_session())
    assert len(sessions) == 2
    with pytest.raises(ValueError):
        sessions.get("x")


def test_educator_act_pause_wins_over_a_late_tick():
    s = EducatorSession(seed=1)
    educator_cb.act(s, "educator-play", 5, ["fear"], 1)
    assert s.playing
    educator_cb.act(s, "educator-timer", 5, ["fear"], 1)
    assert s.model.day == 5
    educator_cb.act(s, "educator-play", 5, ["fear"], 1)   # pause
    educator_cb.act(s, "educator-timer", 5, ["fear"], 1)  # a tick sent before the pause arrives
    assert not s.playing and s.model.day == 5
    educator_cb.act(s, "educator-step", 5, ["fear"], 1)
    assert s.model.day == 6
    log = educator_cb.act(s, "educator-loops", 5, ["fear", "gallery"], 1)
    assert log == ["credit off (day 6)", "attention off (day 6)", "trust off (day 6)"]
    educator_cb.act(s, "educator-seed", 5, [], "not a number")  # bad seed: default city, no error
    assert s.seed == 1 and s.model.day == 0
    day, city, charts_fig, _ = educator_cb.render(s, "group_b")
    assert day.startswith("Day 0") and isinstance(city, go.Figure) and isinstance(charts_fig, go.Figure)


def test_live_figures():
    s = EducatorSession(seed=2)
    s.step(60)
    s.set_loops({"attention": False})
    s.step(5)
    fig = livefigures.city_map(s.snapshot())
    assert "day 65" in fig.layout.title.text
    assert fig.data[0].type == "heatmap" and fig.layout.height == livefigures.MAP_HEIGHT
    charts_fig = livefigures.running_charts(s.snapshot())
    assert any(sh.x0 == 60 for sh in charts_fig.layout.shapes), "loop switch not marked"


def test_table_city_map_draws_one_circle_per_table_row():
    """A city read from a table is drawn at the table's positions: one marker per row, in
    row order, the row's id in the hover text, coloured on the grid map's fixed scale by
    the same layer values, and worded as a table (no grid squares)."""
    import csv

    from sim.policy.scenario import SCENARIO_DIR

    with open(SCENARIO_DIR / "example_tracts.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    s = EducatorSession(seed=1, city="city_from_table")
    s.step(40)
    for layer in ("coverage", "attention", "group_b"):
        snap = s.snapshot(layer)
        fig = livefigures.city_map(snap)
        (nbh,) = [t for t in fig.data if isinstance(t.meta, dict) and t.meta.get("role") == "neighbourhoods"]
        assert nbh.type == "scatter" and len(nbh.x) == len(rows) == 16
        np.testing.assert_array_equal(nbh.x, [float(r["x"]) for r in rows])
        np.testing.assert_array_equal(nbh.y, [float(r["y"]) for r in rows])
        assert list(nbh.text) == [r["id"] for r in rows] and "%{text}" in nbh.hovertemplate
        assert (nbh.marker.cmin, nbh.marker.cmax) == livefigures.RANGES[layer]
        assert nbh.marker.colorscale == go.scatter.Marker(colorscale=livefigures.SCALES[layer]).colorscale
        np.testing.assert_allclose(nbh.marker.color, snap["values"])
        residents = [sum(int(r[k]) for k in r if k.endswith(("_f", "_m"))) for r in rows]
        assert np.argmax(nbh.marker.size) == np.argmax(residents)  # area by residents
        words = " ".join([fig.layout.title.text, fig.layout.title.subtitle.text,
                          *(a.text for a in fig.layout.annotations)])
        assert "16 neighbourhoods from example_tracts.csv" in words and "Squares" not in words
        assert "grid" not in words.lower()
        assert "police area: north" in words and "police area: south" in words
    black = [(int(r["black_f"]) + int(r["black_m"])) / sum(int(r[k]) for k in r if k.endswith(("_f", "_m")))
             for r in rows]
    np.testing.assert_allclose(s.snapshot("group_b")["values"], black)  # the third layer is the table's make-up
    assert fig.layout.title.subtitle.text.startswith("Share of residents who are Black")
    names = {t.name for t in fig.data}
    assert {"White", "Black", "Hispanic", "Asian", "American Indian", "wrongful stop"} <= names  # stops by group
    assert "Stop of Group A (earlier)" not in names
    assert fig.layout.height > livefigures.MAP_HEIGHT  # room for the five groups' legend on a narrow card
    charts_fig = livefigures.running_charts(s.snapshot())
    assert {t.name for t in charts_fig.data} >= {"White", "Black", "Hispanic", "Asian", "American Indian"}


def test_educator_city_choice():
    """The educator page offers the grid preset and the shipped table city; choosing the
    table city resets the session on it; an unknown city falls back with a message."""
    assert urlstate.educator_cities()[0] == "educator" and "city_from_table" in urlstate.educator_cities()
    view, msgs = urlstate.decode("educator", "?city=city_from_table&seed=3")
    assert view.city == "city_from_table" and msgs == []
    view, msgs = urlstate.decode("educator", "?city=../../etc/passwd")
    assert view.city == "educator" and "city" in msgs[0]
    s = EducatorSession(seed=1)
    s.step(3)
    educator_cb.act(s, "educator-city", 3, [], 1, "city_from_table")
    assert s.city == "city_from_table" and s.model.day == 0 and s.model.city.n_neighbourhoods == 16
    educator_cb.act(s, "educator-reset", 3, [], 1)                  # Reset keeps the city
    assert s.city == "city_from_table"
    educator_cb.act(s, None, 3, [], 1, "educator")                  # a link to the grid city
    assert s.city == "educator" and s.snapshot()["table"] is None
    assert livefigures.city_map(s.snapshot()).data[0].type == "heatmap"


def test_compare_says_a_table_city_is_another_city():
    """Picking the table city on the compare page is allowed, with a notice that its size is
    the table's (Residents does not apply) and its counts are of another city."""
    assert "city_from_table" in urlstate.scenario_names()
    view, msgs = urlstate.decode("compare", "?scenarios=city_from_table,warrant_required&residents=1000")
    assert view.scenarios == ("city_from_table", "warrant_required")
    assert len(msgs) == 1 and "example_tracts.csv (7,007 residents in 16 neighbourhoods)" in msgs[0]
    assert "Residents (1,000) does not apply" in msgs[0]
    assert urlstate.decode("compare", "?scenarios=warrant_required")[1] == []


# --- callbacks' functions ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/compare", "/whatif", "/educator", "/calibration"])
def test_routing_renders_every_page(path):
    page, notice, nav = routing.render(path, "")
    assert page is not None and notice is None
    assert sum("active" in c for c in nav) == 1


def test_routing_unknown_page_and_bad_query():
    page, notice, nav = routing.render("/nowhere", "")
    assert "No such page" in str(page.to_plotly_json()) and all("active" not in c for c in nav)
    _, notice, _ = routing.render("/whatif", "?threshold=7&bogus=1")
    text = str(notice.to_plotly_json())
    assert "threshold" in text and "bogus" in text


def test_controls_fall_back_with_messages():
    names = results_cb.fields("whatif")
    values = results_cb.control_values("whatif", WhatIfView())
    values[names.index("days")] = None          # an emptied number box
    values[names.index("threshold")] = 3.0      # out of range (only a crafted request can send this)
    view, msgs = results_cb.from_controls("whatif", values)
    assert view == WhatIfView() and len(msgs) == 2
    assert results_cb.from_controls("whatif", results_cb.control_values("whatif", WhatIfView(warrant=True)))[0] \
        == WhatIfView(warrant=True)


def test_share_link_and_code():
    view = CompareView(metric="cameras", scenarios=("warrant_required",))
    link, code = results_cb.share("compare", view, "http://127.0.0.1:8050/compare?old=1")
    assert link == "http://127.0.0.1:8050/compare" + urlstate.encode(view)
    assert "compare(" in code and "'cameras'" in code


def test_calibration_computed_once_and_cached(tmp_path):
    from sim.recognition import TargetCheck

    calls = []

    def compute():
        calls.append(1)
        time.sleep(0.5)  # a real computation takes ~20 s: the second call must find it still running
        return [TargetCheck("t", "s", 1.0, 1.1, (0.5, 2.0), True), TargetCheck("u", "s", 1.0, 9.0, (0.5, 2.0), False)]

    d = Data(tmp_path)
    assert d.calibration(compute)["status"] == "running"
    text, table, stop = calibration_cb.view(d.calibration(compute))
    assert not stop and table is None
    for _ in range(100):
        if d.calibration(compute)["status"] == "ready":
            break
        time.sleep(0.05)
    fresh = Data(tmp_path)  # a new server reads the file: no second computation
    text, table, stop = calibration_cb.view(fresh.calibration(compute))
    assert stop and text.startswith("1 of 2") and "fail" in str(table.to_plotly_json())
    assert calls == [1]
    d.close()
    fresh.close()


def test_create_app_is_safe_by_default(tmp_path):
    import inspect

    from dashboard.app import create_app, main

    app = create_app(tmp_path)
    sig = inspect.signature(main).parameters
    assert sig["host"].default == "127.0.0.1" and sig["debug"].default is False
    layout = app.layout()
    assert layout.children[1].storage_type == "session" and len(layout.children[1].data) == 32
    assert app.layout().children[1].data != layout.children[1].data  # a new session per page load
    app.server.extensions["survsim"].close()


def test_chart_export_png_and_svg(data, sid):
    from dashboard import exports

    view, job = run_view(data, sid, "compare", f"?{TINY}&scenarios=warrant_required")
    fig = charts.figure(job.result, view, "timeseries")
    png, svg = exports.image(fig, "png"), exports.image(fig, "svg")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg[:500] and b"survsim" in svg  # the caption (version) is in the image
    assert exports.filename("compare", "timeseries", "cameras", ext="png") == "survsim_compare_timeseries_cameras.png"
