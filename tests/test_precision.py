"""Answers with signal: intervals, events behind every ratio, precision-driven replication, plans.

Model runs are small (2,000 residents, 200 days): the policies and parameters below act from
day 0 so their effects show in that time.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.core.errors import InputError
from sim.core.intervals import MIN_EVENTS, NO_DIFFERENCE, precise_enough, ratio_interval, t_interval
from sim.experiments.plan import plan
from sim.output.headline import fix_command, rate_ratio_chart
from cli_run import survsim

SMALL = dict(days=200, residents=2000, cache=None)


def _scenario(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(f'name = "{name}"\ndescription = "{name}"\nextends = "baseline"\n\n{body}\n')
    return str(path)


@pytest.fixture
def more_patrols(tmp_path) -> str:
    """Five times the patrol stops: a large effect on stops from day 0."""
    return _scenario(tmp_path, "more_patrols", "[params.patrol]\nstops_per_1k = 0.5")


@pytest.fixture
def after_the_run(tmp_path) -> str:
    """A warrant requirement that starts after the run ends: exactly no effect."""
    return _scenario(tmp_path, "after_the_run", '[[policies]]\ntype = "warrant_requirement"\nstart = 3000')


# --- intervals ----------------------------------------------------------------------------

def test_t_interval_matches_the_textbook_formula():
    x = np.array([3.0, 5.0, 4.0, 8.0])
    iv = t_interval(x)
    half = 3.182446305284263 * x.std(ddof=1) / 2  # t(0.975, 3) * s / sqrt(4)
    assert iv.estimate == 5.0 and iv.low == pytest.approx(5 - half) and iv.high == pytest.approx(5 + half)
    assert not iv.excludes(5.0) and iv.excludes(0.0)


def test_rate_ratio_pools_events_and_covers_the_truth():
    """Groups of 1,000 and 4,000 with the same per-capita rate: the pooled ratio is near 1
    and its interval covers 1 in about 95% of repeated experiments; the median of
    per-replicate ratios with few events is not what is reported."""
    rng = np.random.default_rng(7)
    covered = 0
    for _ in range(400):
        a, b = rng.poisson(5.0, 10), rng.poisson(20.0, 10)  # 5 events per 1,000 in both groups
        iv = ratio_interval(a, b, scale=4000 / 1000)
        covered += iv.low <= 1.0 <= iv.high
    assert 0.9 <= covered / 400 <= 0.99
    a, b = np.array([0, 9, 3]), np.array([1, 2, 3])
    assert ratio_interval(a, b).estimate == pytest.approx(12 / 6), "ratio of pooled counts, not of replicates"


def test_relative_precision_criterion():
    assert precise_enough(t_interval(np.array([100.0, 102, 98, 101, 99])), 0.05)
    assert not precise_enough(t_interval(np.array([0.0, 0, 0, 0])), 0.25), "zero is never relatively precise"


# --- events in the summary and the chart --------------------------------------------------

def test_summary_reports_events_rates_and_ratios_only_with_enough_events(more_patrols):
    c = sim.compare([more_patrols], replicates=3, seed=2, **SMALL)
    s = c.summary()
    ts = c.timeseries
    stops = s[(s.scenario == "more_patrols") & (s.metric == "stops")].set_index("group")
    raw = ts[(ts.scenario == "more_patrols") & (ts.metric == "stops") & (ts.group == "black_m")]["value"].sum()
    assert stops.loc["black_m", "events"] == raw, "events = run totals summed over replicates"
    years = 200 / 365.25
    size = 2000 * sim.Params().groups.shares["black_m"] / sum(sim.Params().groups.shares.values())
    assert stops.loc["black_m", "rate_per_100k_year"] == pytest.approx(1e5 * raw / (size * 3 * years))
    for g, r in stops.drop(index="").iterrows():
        enough = min(r.events, stops.loc["white_m", "events"]) >= MIN_EVENTS
        assert pd.notna(r.ratio) == enough, f"{g}: a ratio is shown exactly when both groups have enough events"
        if not enough:
            assert "too few events" in r.ratio_note
    assert stops.loc["white_m", "ratio"] == pytest.approx(1.0)
    d = s[(s.scenario == "more_patrols") & (s.metric == "stops") & (s.group == "")].iloc[0]
    assert d.diff_low > 0 and d.verdict == "increase"


def test_chart_without_enough_events_says_so_and_gives_the_command(after_the_run):
    c = sim.compare([after_the_run], replicates=2, seed=1, **SMALL)
    fig = rate_ratio_chart(c.summary(), c.meta())  # wrongful stops: none in so small a city
    assert all(np.isnan(np.asarray(bar.y, float)).all() for bar in fig.data), "no ratio drawn on too few events"
    text = fig.layout.title.text + " ".join(a.text for a in fig.layout.annotations)
    assert "too few events: run a larger city or more replicates" in text
    assert "survsim compare --residents" in text
    assert fix_command({"residents": 20_000, "replicates": 8}, 10) == "survsim compare --residents 60000 --replicates 8"


# --- precision-driven replication ---------------------------------------------------------

def test_precision_stops_early_on_a_large_effect(more_patrols):
    c = sim.compare([more_patrols], precision=0.25, max_replicates=8, batch=2, metrics=["stops"], **SMALL)
    st = c.stopping
    assert st["stopped"] == "precision reached" and st["replicates"] < 8
    assert [t["status"] for t in st["targets"]] == ["converged"]
    assert len(c.results["more_patrols"].seeds) == st["replicates"]
    fixed = sim.compare([more_patrols], replicates=st["replicates"], **SMALL)
    pd.testing.assert_frame_equal(c.summary(), fixed.summary())  # same seeds as a fixed-size run: nothing re-drawn


def test_precision_runs_to_the_maximum_on_a_null_effect(after_the_run, tmp_path):
    out = tmp_path / "cmp"
    r = survsim("compare", after_the_run, "--residents", "2000", "--days", "200", "--precision", "0.25",
                "--max-replicates", "4", "--metric", "stops", "--workers", "1", "--no-charts", "--out", str(out),
                "--cache", str(tmp_path / "cache"))
    assert r.returncode == 0, r.stderr
    assert NO_DIFFERENCE in r.stdout
    st = json.loads((out / "manifest.json").read_text())["stopping"]
    assert st["stopped"] == "maximum replicates reached" and st["replicates"] == 4
    assert st["targets"][0]["status"] == NO_DIFFERENCE and st["targets"][0]["estimate"] == 0.0
    assert "Law (2015)" in st["rule"] and [b["replicates"] for b in st["batches"]] == [4]


def test_precision_rejects_a_nonsense_target():
    with pytest.raises(InputError, match="fear_mean"):
        sim.compare(["warrant_required"], precision=0.25, metrics=["fear_mean"], **SMALL)


# --- plan ---------------------------------------------------------------------------------

def test_plan_on_the_baseline_gives_a_size_and_replicates_that_meet_the_precision():
    """Two-stage plan (docs/ODD.md 7.16): stage 1 starts at 2,000 residents, where Black men have
    about 5 stops a replicate over 200 days, so it grows the city until the rarer group has 30 a
    replicate and plans the replicates from the spread there. The plan promises the goal with
    probability about 0.8 or more, not always: this is one fixed seed (seed 1: 20,000 residents x
    14 replicates, relative half-width 0.26 against 0.33)."""
    p = plan(["baseline"], ["stops"], ["black_m", "white_m"], precision=0.5, pilot_residents=2000, days=200)
    assert [s.residents for s in p.stages][0] == 2000 and p.residents > 2000, "a city too small is grown"
    assert p.enough_events and p.stages[-1].events_per_replicate >= 30
    assert p.pilot_replicates == 8 and p.replicates >= 8 and p.expected_seconds > 0
    assert "--residents" in p.command() and "--days 200" in p.command()
    c = sim.compare([], precision=0.5, max_replicates=p.replicates, batch=p.replicates, metrics=["stops"],
                    groups=["black_m", "white_m"], days=200, residents=p.residents, cache=None)
    assert c.stopping["replicates"] == p.replicates, "one batch: exactly the planned run"
    assert {t["kind"] for t in c.stopping["targets"]} == {"ratio"}, "two groups: the question is their ratio"
    (t,) = c.stopping["targets"]
    assert t["relative_halfwidth"] <= 0.5 / 1.5, t
    assert c.stopping["stopped"] == "precision reached", c.stopping["targets"]


def test_plan_replicates_follow_the_two_stage_rule():
    """n is the smallest n >= n0 with t(n-1) s0 sqrt(F(0.8; n-1, n0-1)) / sqrt(n) <= h; a spread
    known from more stage-1 replicates needs fewer; a goal that cannot be met is not planned."""
    from scipy import stats

    from sim.experiments.plan import replicates_for

    n = replicates_for(1.0, 0.4, 8)
    half = lambda k: stats.t.ppf(0.975, k - 1) * np.sqrt(stats.f.ppf(0.8, k - 1, 7)) / np.sqrt(k)
    assert half(n) <= 0.4 < half(n - 1)
    assert replicates_for(1.0, 0.4, 16) < n, "a better-known spread needs a smaller margin"
    assert replicates_for(1.0, 0.4, 8) > (1.96 / 0.4) ** 2, "more than the known-variance formula"
    assert replicates_for(0.1, 10.0, 8) == 8 and replicates_for(1.0, float("nan"), 8) is None


def test_plan_refuses_a_pilot_too_small_to_estimate_a_spread():
    with pytest.raises(InputError, match="at least 8"):
        plan(["baseline"], ["stops"], ["black_m", "white_m"], pilot_replicates=4, pilot_residents=2000, days=50)
