"""``survsim compare ... --ensemble DIR``: every scenario on each accepted world with paired
seeds; parameter-inclusive bands never narrower than the replicate-only ones; the robustness
table's arithmetic on known numbers; serial == two workers; bad input refused with exit 2
before anything is written."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cli_run import survsim
from sim.core.errors import InputError
from sim.core.intervals import t_interval
from sim.core.metrics import BETTER
from sim.experiments.robustness import ROBUSTNESS_COLUMNS, in_world, inclusive_band, read_worlds, robustness, wilson
from sim.policy.scenario import load

VARY = "enforcement.fr_departments,enforcement.review_catch,enforcement.stop_per_lead"
MORATORIUM = """name = "mora"
description = "moratorium from day 30 (so that it acts within a short test run)"
extends = "baseline"

[[policies]]
type = "federal_fr_moratorium"
start = 30
"""
SIZE = ["--replicates", "2", "--days", "250", "--residents", "1000", "--no-charts"]


@pytest.fixture(scope="module")
def ens(tmp_path_factory):
    """A tiny ensemble from the real command: an analytic pattern only, so every draw is accepted."""
    root = tmp_path_factory.mktemp("ens")
    r = survsim("ensemble", "build", "--draws", "3", "--residents", "500", "--replicates", "1", "--patterns",
                "aws_rerun", "--vary", VARY, "--no-charts", "--out", str(root / "ens"))
    assert r.returncode == 0, r.stderr
    (root / "mora.toml").write_text(MORATORIUM)
    return root


@pytest.fixture(scope="module")
def run(ens):
    out = ens / "cmp"
    r = survsim("compare", "baseline", str(ens / "mora.toml"), "--ensemble", str(ens / "ens"), *SIZE, "--workers", "1",
                "--cache", str(ens / "cache1"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out, r


def test_cli_writes_robustness_bands_and_manifest(ens, run):
    out, r = run
    for name in ("summary.csv", "robustness.csv", "worlds.csv", "manifest.json", "robustness.html",
                 "ensemble_bands.html"):
        assert (out / name).is_file(), name
    rob = pd.read_csv(out / "robustness.csv")
    assert list(rob.columns) == list(ROBUSTNESS_COLUMNS)
    assert set(rob.metric) == set(BETTER) and set(zip(rob["first"], rob["second"])) == {("baseline", "mora")}
    assert rob.worlds.eq(3).all() and rob.share_first_better.between(0, 1).all()
    assert (rob.share_low <= rob.share_first_better).all() and (rob.share_first_better <= rob.share_high).all()
    assert (rob.first_better + rob.second_better + rob.ties == rob.worlds).all()
    assert rob.undetermined.between(0, 3).all()
    assert rob.note.str.contains("fewer than 8 worlds").all()  # too few worlds to name deciding parameters
    m = json.loads((out / "manifest.json").read_text())
    assert m["ensemble"]["worlds"] == 3 and m["ensemble"]["parameters"] == VARY.split(",")
    assert set(m["ensemble"]["covers"]) == {"replicate_only", "parameter_inclusive", "robustness"}
    worlds = pd.read_csv(out / "worlds.csv")
    assert len(worlds) == 3 * 2 and set(VARY.split(",")) <= set(worlds.columns)
    assert "Robustness" in r.stdout and "parameter-inclusive" in r.stdout
    assert "Across the ensemble" not in (out / "summary.csv").read_text()


def test_parameter_inclusive_bands_are_at_least_as_wide(run):
    out, _ = run
    s = pd.read_csv(out / "summary.csv", keep_default_na=False, na_values=[""])
    rows = s[s.ens_mean.notna()]
    assert len(rows) > 0 and set(rows.scenario) == {"mora"}
    assert (rows.ens_high - rows.ens_low >= rows.diff_high - rows.diff_low - 1e-9).all()
    assert (rows.ens_low <= rows.diff_low + 1e-9).all() and (rows.ens_high >= rows.diff_high - 1e-9).all()
    moving = rows[rows.world_max > rows.world_min]  # the worlds differ: the test can fail
    assert len(moving) > 0
    assert (moving.ens_high - moving.ens_low > moving.diff_high - moving.diff_low).any()


def test_serial_and_two_workers_agree(ens, run):
    out, _ = run
    two = ens / "cmp2"
    r = survsim("compare", "baseline", str(ens / "mora.toml"), "--ensemble", str(ens / "ens"), *SIZE, "--workers", "2",
                "--cache", str(ens / "cache2"), "--out", str(two))
    assert r.returncode == 0, r.stderr
    for name in ("robustness.csv", "summary.csv", "worlds.csv"):
        assert (out / name).read_text() == (two / name).read_text(), name


def _bad_ensembles(ens):
    """Folders --ensemble must refuse, each with a phrase of its message."""
    good = ens / "ens"
    cases = {}
    empty = ens / "bad_empty"
    shutil.copytree(good, empty, dirs_exist_ok=True)
    (empty / "accepted.csv").write_text((good / "accepted.csv").read_text().splitlines()[0] + "\n")
    cases["empty"] = (empty, "no accepted draws")
    gone = ens / "bad_gone"
    shutil.copytree(good, gone, dirs_exist_ok=True)
    m = json.loads((good / "manifest.json").read_text())
    m["spec"]["vary"]["enforcement.no_such_thing"] = [0, 1]
    (gone / "manifest.json").write_text(json.dumps(m))
    acc = pd.read_csv(good / "accepted.csv").assign(**{"enforcement.no_such_thing": 0.5})
    acc.to_csv(gone / "accepted.csv", index=False)
    cases["gone"] = (gone, "'enforcement.no_such_thing' is no longer a drawable assumption")
    wide = ens / "bad_range"
    shutil.copytree(good, wide, dirs_exist_ok=True)
    pd.read_csv(good / "accepted.csv").assign(**{"enforcement.review_catch": 5.0}).to_csv(wide / "accepted.csv",
                                                                                           index=False)
    cases["range"] = (wide, "enforcement.review_catch = 5.0 is outside its declared range")
    plain = ens / "bad_plain"
    plain.mkdir(exist_ok=True)
    (plain / "accepted.csv").write_text("draw\n0\n")
    cases["plain"] = (plain, "not an ensemble")
    cases["results"] = (ens / "cmp", "is a survsim results folder")
    return cases


@pytest.mark.parametrize("case", ["empty", "gone", "range", "plain", "results"])
def test_unusable_ensembles_exit_2_and_write_nothing(ens, run, case):
    folder, phrase = _bad_ensembles(ens)[case]
    out = ens / f"never_{case}"
    r = survsim("compare", "baseline", "--ensemble", str(folder), *SIZE, "--out", str(out),
                "--cache", str(ens / "cache_bad"))
    assert r.returncode == 2, r.stderr
    assert "--ensemble" in r.stderr and phrase in r.stderr.replace("\n", " ") and "Traceback" not in r.stderr
    assert not out.exists() and not (ens / "cache_bad").exists()


@pytest.mark.parametrize("args, phrase", [
    (["--worlds", "0"], "--worlds = 0"),
    (["--worlds", "4"], "from 1 to 3"),
    (["--replicates", "1"], "at least 2"),
    (["--precision", "0.25"], "not with --ensemble"),
])
def test_bad_flags_with_ensemble_exit_2(ens, args, phrase):
    out = ens / "never_flags"
    size = [a for a in SIZE if a not in ("--replicates", "2")] if "--replicates" in args else SIZE
    r = survsim("compare", "baseline", "--ensemble", str(ens / "ens"), *size, *args, "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert phrase in r.stderr and not out.exists()


def test_worlds_needs_ensemble(tmp_path):
    r = survsim("compare", "baseline", "--worlds", "2", *SIZE, "--out", str(tmp_path / "x"))
    assert r.returncode == 2 and "only with --ensemble" in r.stderr and not (tmp_path / "x").exists()


def test_read_worlds_takes_the_first_n(ens):
    w = read_worlds(ens / "ens", 2)
    assert w.draws == [0, 1] and w.accepted == 3 and w.paths == VARY.split(",")
    with pytest.raises(InputError, match="--worlds"):
        read_worlds(ens / "ens", 7)


def test_a_scenario_keeps_a_varied_parameter_it_sets_itself(tmp_path):
    (tmp_path / "own.toml").write_text('name = "own"\ndescription = "x"\nextends = "baseline"\n\n'
                                       "[params.enforcement]\nreview_catch = 0.3\n")
    sc = load(str(tmp_path / "own.toml"))
    world, kept = in_world(sc, {"enforcement.review_catch": 0.7, "enforcement.usable_face": 0.6},
                           load("baseline").params)
    assert kept == ["enforcement.review_catch"]
    assert world.params.enforcement.review_catch == 0.3 and world.params.enforcement.usable_face == 0.6


# ---- the arithmetic on known numbers --------------------------------------------------------------
def _totals(diff: np.ndarray) -> pd.DataFrame:
    """Tidy totals of scenarios a and b whose paired difference a - b is ``diff`` (worlds x replicates)."""
    rows = []
    for w, reps in enumerate(diff):
        for r, d in enumerate(reps):
            rows += [{"world": w, "scenario": "a", "metric": "wrongful_stops", "replicate": r, "value": 100 + d},
                     {"world": w, "scenario": "b", "metric": "wrongful_stops", "replicate": r, "value": 100.0}]
    return pd.DataFrame(rows)


def test_robustness_share_band_and_deciding_parameter():
    x = np.arange(10.0)
    y = np.array([3, 7, 1, 9, 5, 0, 8, 2, 6, 4.0])  # unrelated to the margin
    assert stats.spearmanr(y, x).pvalue > 0.05
    diff = (x - 4.5)[:, None] + np.array([-0.1, 0.0, 0.1])  # a - b: a has fewer stops in worlds 0-4
    diff[9] = [-1.0, 1.0, 0.5]                              # world 9: a has more on average, but not surely
    values = pd.DataFrame({"x": x, "y": y})
    t = robustness(_totals(diff), ["a", "b"], values).iloc[0]
    assert (t["first"], t["second"], t.metric, t.better) == ("a", "b", "wrongful_stops", "lower")
    assert (t.first_better, t.second_better, t.ties, t.undetermined, t.worlds) == (5, 5, 0, 1, 10)
    assert t.share_first_better == 0.5
    assert (t.share_low, t.share_high) == pytest.approx((0.2366, 0.7634), abs=1e-4)  # Wilson, 5 of 10
    assert t.deciding == "x (-0.88)" and t.note == ""  # higher x: a loses (rho from ranks by hand: 1 - 6 x 310 / 990)
    same = robustness(_totals(np.zeros((10, 3))), ["a", "b"], values).iloc[0]  # identical in every world
    assert (same.ties, same.undetermined, same.share_first_better) == (10, 10, 0.5)
    assert same.deciding == "" and "same in every world" in same.note
    few = robustness(_totals(diff[:5]), ["a", "b"], values.iloc[:5]).iloc[0]
    assert few.deciding == "" and "fewer than 8" in few.note and few.share_first_better == 1.0


def test_wilson_interval_known_values():
    assert wilson(0, 3) == pytest.approx((0.0, 0.5615), abs=1e-4)
    assert wilson(10, 10)[1] == 1.0 and wilson(10, 10)[0] == pytest.approx(0.7225, abs=1e-4)
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_inclusive_band_reduces_to_the_t_interval_and_grows_with_worlds():
    reps = np.array([1.0, 3.0, 2.0, 6.0])
    same = inclusive_band(np.tile(reps, (5, 1)), (math.nan, math.nan))  # five identical worlds
    iv = t_interval(reps)
    assert (same["ens_low"], same["ens_high"]) == pytest.approx((iv.low, iv.high))
    assert same["between_sd"] == 0 and not same["widened"]
    spread = inclusive_band(np.tile(reps, (5, 1)) + np.arange(5.0)[:, None], (math.nan, math.nan))
    assert spread["ens_high"] - spread["ens_low"] > iv.high - iv.low
    assert spread["ens_mean"] == pytest.approx(reps.mean() + 2) and (spread["world_min"], spread["world_max"]) == (3, 7)
    # worlds quieter than the defaults: the band is widened to contain the replicate-only interval
    quiet = inclusive_band(np.tile([2.0, 2.1], (4, 1)), (-10.0, 14.0))
    assert quiet["widened"] and (quiet["ens_low"], quiet["ens_high"]) == (-10.0, 14.0)


def test_dashboard_analyses_page_shows_the_robustness_table(ens, run):
    import plotly.graph_objects as go
    import shlex
    import typer

    from dashboard import analyses
    from sim.cli import app

    out, _ = run
    root = ens / "results"
    root.mkdir(exist_ok=True)
    shutil.copytree(out, root / "reforms", dirs_exist_ok=True)
    entries, skipped = analyses.scan(root)
    a = next(e for e in entries if e.kind == "robustness")
    assert a.key == "reforms" and a.label.startswith("Robustness: baseline vs mora (3 worlds x 2 replicates")
    fig = analyses.figure(a)
    assert isinstance(fig, go.Figure) and not fig.layout.width
    assert "Wilson" in next(n.text for n in fig.layout.annotations if n.name == "caption")
    head, rows, note = analyses.table(a)
    assert len(rows) == len(pd.read_csv(out / "robustness.csv")) and all(len(r) == len(head) for r in rows)
    assert "Wilson" in note and dict(analyses.facts(a))["Worlds"] == "3 of 3 accepted"
    args = shlex.split(analyses.command(a))
    known = {o for p in typer.main.get_command(app).commands["compare"].params for o in getattr(p, "opts", [])}
    assert args[:2] == ["survsim", "compare"] and {x for x in args if x.startswith("--")} <= known
    assert "--ensemble" in args and args[args.index("--worlds") + 1] == "3"
    from dashboard.callbacks.analyses import show

    page = show(root, "reforms")  # what the Analyses page puts on screen for this folder
    assert page["title"] == a.label and page["table"] is not None and "--ensemble" in page["command"]
