"""Pattern-accepted ensembles (``survsim ensemble build``): the acceptance scheme recovers a
known posterior, the command writes, reports and resumes, refuses bad input before writing,
and gives the same draws in one process and on two workers."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from cli_run import survsim
from sim.core.errors import InputError
from sim.experiments.ensemble import (Prior, assumption_prior, draw_seeds, drawable, draws_table, prepare,
                                      rejection_abc, summarise)
from sim.experiments.ensemble_patterns import DEFAULT_PATTERNS, PATTERNS, evaluate_draw, find_row
from sim.experiments.sweep_spec import Axis

TRIALS, OBSERVED = 20, 6  # the toy model's data: 6 successes in 20 trials


def binomial_count(point: dict, seeds: list[int]) -> dict:
    """Toy model: a count of successes in TRIALS trials at rate p; the pattern is the observed count."""
    k = int(np.random.default_rng(seeds[0]).binomial(TRIALS, point["p"]))
    return {"count": {"value": float(k), "passed": k == OBSERVED}}


def test_rejection_abc_recovers_the_beta_posterior_of_a_binomial_rate():
    """Flat prior on p, exact matching on the observed count: the accepted p are a sample of
    Beta(k + 1, n - k + 1), and the acceptance rate is the marginal likelihood 1 / (n + 1).
    Run through the same design, acceptance and summary code as the command."""
    draws = 20_000
    prior = Prior((Axis("p", low=0.0, high=1.0),), (0.5,))
    table = rejection_abc(prior, binomial_count, ["count"], draws, seed=11)
    summary = summarise(table, prior, ["count"])
    post = stats.beta(OBSERVED + 1, TRIALS - OBSERVED + 1)
    accepted = table.loc[table.accepted, "p"].to_numpy()
    n = len(accepted)
    rate = 1 / (TRIALS + 1)
    assert summary["accepted"] == n
    assert abs(summary["acceptance_rate"] - rate) < 4 * math.sqrt(rate * (1 - rate) / draws)
    assert abs(accepted.mean() - post.mean()) < 4 * post.std() / math.sqrt(n)
    got = summary["parameters"]["p"]["accepted"]
    for key, q in (("q10", 0.1), ("q50", 0.5), ("q90", 0.9)):
        se = math.sqrt(q * (1 - q) / n) / post.pdf(post.ppf(q))  # Monte Carlo error of a sample quantile
        assert abs(got[key] - post.ppf(q)) < 4 * se, key
    assert stats.kstest(accepted, post.cdf).pvalue > 1e-3
    assert summary["pass_rates"] == {"count": pytest.approx(n / draws)}


def test_seeds_and_design_are_fixed_by_the_seed():
    prior = assumption_prior(["enforcement.review_catch", "network.local_ties"])
    assert prior.points(5, 3) == prior.points(5, 3) and prior.points(5, 3) != prior.points(5, 4)
    assert all(isinstance(p["network.local_ties"], int) for p in prior.points(5, 3))
    assert draw_seeds(1, 7, 3) == draw_seeds(1, 7, 3) and draw_seeds(1, 7, 3) != draw_seeds(1, 8, 3)


def test_default_patterns_leave_out_exactly_the_declared_misses():
    # The checks survsim calibrate shows as misses at the shipped defaults (this release).
    assert set(PATTERNS) - set(DEFAULT_PATTERNS) == {"arrests_hispanic", "arrests_asian", "arrests_native",
                                                     "nypd_match_share"}
    assert all(PATTERNS[k].excluded for k in set(PATTERNS) - set(DEFAULT_PATTERNS))
    known = drawable()
    assert "run.days" not in known and "city.n_residents" not in known and "enforcement.review_catch" in known


def test_every_independent_check_row_is_one_pattern():
    """Each pattern finds its own row among the rows calibrate shows (a renamed row would
    otherwise vanish from ensembles); the patterns are the validate patterns."""
    from sim.experiments.targets import independent_checks
    from sim.recognition import recognition_targets
    from sim.recognition.targets import TargetCheck

    shares = {"arrests_hispanic": 0.2, "arrests_asian": 0.01, "arrests_native": 0.02, "clearance_property": 0.17,
              "clearance_violent": 0.45}
    nypd = TargetCheck.of("share of face searches where review picked a candidate (baseline, 2018)", "", 0.264,
                          0.5, (0.264, 0.6))
    rows = independent_checks(shares) + [nypd] + [r for r in recognition_targets() if r.evidence == "check"]
    found = [find_row(rows, p) for p in PATTERNS.values() if p.kind == "check"]
    assert len({id(r) for r in found}) == len(rows)


def test_a_draw_is_judged_by_the_validate_and_calibrate_functions():
    """At the shipped defaults on a tiny city: every chosen key gets a value and a verdict."""
    from sim.policy.scenario import load

    base = load("baseline").params.model_dump(mode="json")
    keys = ("arrests_hispanic", "clearance_violent", "adoption", "fear_gap", "disparity", "clearance", "aws_rerun")
    res = evaluate_draw({}, [1], baseline=base, national={}, keys=keys, residents=500)
    assert set(res) == set(keys)
    assert all(isinstance(r["passed"], bool) and isinstance(r["value"], float) for r in res.values())
    assert res["aws_rerun"]["passed"]  # analytic: passes at the defaults, as in survsim calibrate
    bad = evaluate_draw({"enforcement.review_catch": 2.0}, [1], baseline=base, national={}, keys=keys,
                        residents=500)
    assert set(bad) == {"_invalid"} and "review_catch" in bad["_invalid"]


VARY = "enforcement.violent_clearance,enforcement.review_catch,recognition.genuine_sd"
TINY = ["--draws", "2", "--residents", "500", "--replicates", "1", "--patterns", "clearance_violent,aws_rerun",
        "--vary", VARY, "--no-charts"]


def test_build_writes_reports_and_resumes(tmp_path):
    out = tmp_path / "ens"
    first = survsim("ensemble", "build", *TINY, "--out", str(out))
    assert first.returncode == 0, first.stderr
    assert "acceptance rate" in first.stdout and "2 evaluated now" in first.stdout
    for name in ("draws.csv", "accepted.csv", "manifest.json", "ensemble.html"):
        assert (out / name).is_file(), name
    draws = pd.read_csv(out / "draws.csv")
    assert list(draws.draw) == [0, 1] and {"clearance_violent_passed", "aws_rerun_passed"} <= set(draws.columns)
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "ensemble" and m["draws"] == 2 and 0 <= m["acceptance_rate"] <= 1
    assert set(m["pass_rates"]) == {"clearance_violent", "aws_rerun"} and m["git_commit"] is not None
    assert set(m["parameters"]) == set(VARY.split(","))
    assert m["parameters"]["enforcement.violent_clearance"]["prior"] == [0.35, 0.55]
    assert set(m["excluded_from_default"]) == set(PATTERNS) - set(DEFAULT_PATTERNS)
    assert set(m["at_defaults"]) == {"clearance_violent", "aws_rerun"}  # the defaults judged at the same size
    assert m["at_defaults"]["aws_rerun"]["passed"] and (out / "draws" / "reference.json").is_file()
    assert len(pd.read_csv(out / "accepted.csv")) == m["accepted"]
    before = (out / "draws.csv").read_text()

    (out / "draws" / "d000001.json").unlink()  # as if interrupted after the first draw
    again = survsim("ensemble", "build", *TINY, "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "1 evaluated now" in again.stdout and (out / "draws.csv").read_text() == before

    changed = survsim("ensemble", "build", *TINY[:-1], "--seed", "2", "--no-charts", "--out", str(out))
    assert changed.returncode == 2 and "another spec" in changed.stderr and "seed 1 -> 2" in changed.stderr
    assert (out / "draws.csv").read_text() == before


@pytest.mark.parametrize("args, flag", [
    (["--patterns", "nope"], "--patterns 'nope'"),
    (["--vary", "run.days"], "--vary 'run.days'"),
    (["--vary", "enforcement.review_cach"], "did you mean 'enforcement.review_catch'"),
    (["--draws", "0"], "--draws"),
    (["--residents", "10"], "--residents"),
    (["--scheduler", "not an address"], "--scheduler"),
])
def test_bad_flags_exit_2_and_write_nothing(tmp_path, args, flag):
    out = tmp_path / "ens"
    r = survsim("ensemble", "build", *args, "--out", str(out))
    assert r.returncode == 2, r.stderr
    assert flag in r.stderr and "Traceback" not in r.stderr
    assert not out.exists()


def test_a_folder_survsim_did_not_write_is_refused(tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    r = survsim("ensemble", "build", *TINY, "--out", str(tmp_path))
    assert r.returncode == 2 and "--out" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
    with pytest.raises(InputError, match="--patterns"):
        prepare(patterns=["adoption,"] + ["bogus"], out=tmp_path / "x")


def test_serial_and_two_workers_give_the_same_draws(tmp_path):
    serial, pooled = tmp_path / "one", tmp_path / "two"
    assert survsim("ensemble", "build", *TINY, "--out", str(serial)).returncode == 0
    r = survsim("ensemble", "build", *TINY, "--workers", "2", "--out", str(pooled))
    assert r.returncode == 0, r.stderr
    assert (serial / "draws.csv").read_text() == (pooled / "draws.csv").read_text()
    assert (serial / "accepted.csv").read_text() == (pooled / "accepted.csv").read_text()


def test_help_lists_the_command():
    top, sub = survsim("--help"), survsim("ensemble", "build", "--help")
    assert top.returncode == 0 and "ensemble" in top.stdout
    assert sub.returncode == 0 and "--patterns" in sub.stdout and "--vary" in sub.stdout


def test_readme_count_of_drawn_assumptions_comes_from_the_tree():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"({len(drawable())} today;" in text, "README's count of drawable assumptions is stale"


def test_a_draw_failing_an_analytic_check_is_rejected_without_a_run(monkeypatch):
    """Stage 1: the closed-form recognition checks are judged first; a draw failing one is
    not simulated (its simulated patterns are marked skipped), and it is rejected exactly as
    full evaluation rejects it."""
    import sim.experiments.ensemble_patterns as ep
    from sim.policy.scenario import load

    base = load("baseline").params.model_dump(mode="json")
    keys = ("aws_rerun", "vendor_rank1_miss", "clearance_violent", "fear_gap")
    # a genuine-score spread far above its fit: vendor_2018 misses its mate at rank 1 far too often
    point = {"recognition.genuine_sd": 3.0}
    full = ep.evaluate_draw(point, [1], baseline=base, national={}, keys=keys, residents=500, staged=False)
    assert not full["vendor_rank1_miss"]["passed"]

    def no_run(*a, **k):
        raise AssertionError("a draw rejected at stage 1 must not be simulated")

    monkeypatch.setattr(ep, "run_baseline", no_run)
    staged = ep.evaluate_draw(point, [1], baseline=base, national={}, keys=keys, residents=500)
    assert staged["vendor_rank1_miss"] == full["vendor_rank1_miss"] and staged["aws_rerun"] == full["aws_rerun"]
    assert staged["clearance_violent"]["skipped"] and not staged["clearance_violent"]["passed"]
    prior = assumption_prior(["recognition.genuine_sd"])
    rows = [{"draw": 0, "point": point, "result": staged}, {"draw": 1, "point": point, "result": full}]
    table = draws_table(prior, keys, rows)
    assert list(table.accepted) == [False, False]
    assert table.status[0] == "rejected at stage 1" and np.isnan(table.clearance_violent_passed[0])


def test_default_acceptance_leaves_out_what_the_defaults_fail_at_the_build_size(tmp_path):
    """Without --patterns, a pattern the shipped defaults fail at the build's own size cannot
    tell worlds apart there: it is recorded but not used for acceptance, and the manifest and
    the output say so. With --patterns, the chosen set is used as given."""
    out = tmp_path / "ens"
    r = survsim("ensemble", "build", "--draws", "2", "--residents", "500", "--replicates", "1", "--vary", VARY,
                "--no-charts", "--out", str(out))
    assert r.returncode == 0, r.stderr
    m = json.loads((out / "manifest.json").read_text())
    failing = [k for k in DEFAULT_PATTERNS if not m["at_defaults"][k]["passed"]]
    assert failing and m["left_out_at_this_size"] == failing  # 500 residents: disparity has no events, at least
    assert m["accept"] == [k for k in DEFAULT_PATTERNS if k not in failing]
    assert "left out of acceptance at 500 residents" in r.stdout and "not used for acceptance" in r.stdout
    draws = pd.read_csv(out / "draws.csv")
    ok = draws[draws.status == "ok"]
    expect = ok[[f"{k}_passed" for k in m["accept"]]].astype(bool).all(axis=1)
    assert list(ok.accepted) == list(expect)
