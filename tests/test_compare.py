"""survsim compare end to end: paired summary, cache reuse, report and charts on disk."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sim.experiments.compare import cache_key, compare
from sim.policy.scenario import load
from cli_run import survsim

ARGS = ["--replicates", "2", "--days", "800", "--residents", "2000"]


def test_compare_writes_summary_report_and_charts(tmp_path):
    out, cache = tmp_path / "cmp", tmp_path / "cache"
    r = survsim("compare", "baseline", "warrant_required", *ARGS, "--out", str(out), "--cache", str(cache))
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout
    s = pd.read_csv(out / "summary.csv")
    assert {"scenario", "metric", "group", "median", "p10", "p90", "diff_median", "diff_p10", "diff_p90"} <= set(s.columns)
    w = s[(s.scenario == "warrant_required") & (s.metric == "footage_requests_warrantless") & s.group.isna()]
    assert len(w) == 1 and w.diff_median.iloc[0] < 0, "warrants must cut warrantless requests"
    b = s[s.scenario == "baseline"]
    assert b.diff_median.isna().all(), "the baseline has no difference from itself"
    html = (out / "report.html").read_text()
    assert "warrant_required" in html and "<script" in html
    if shutil.which("chromium"):
        pngs = list((out / "charts").glob("*.png"))
        assert pngs and all(p.stat().st_size > 5000 for p in pngs)
        assert list((out / "charts").glob("*.svg"))
    assert len(list(cache.iterdir())) == 2


def test_cache_is_reused_and_results_identical(tmp_path):
    cache = tmp_path / "cache"
    a = compare(["warrant_required"], replicates=2, seed=3, days=600, residents=1500, cache=cache)
    stamp = {p.name: (p / "manifest.json").stat().st_mtime_ns for p in cache.iterdir()}
    b = compare(["warrant_required"], replicates=2, seed=3, days=600, residents=1500, cache=cache)
    assert {p.name: (p / "manifest.json").stat().st_mtime_ns for p in cache.iterdir()} == stamp, "re-ran instead of reusing"
    pd.testing.assert_frame_equal(a.summary(), b.summary())
    fresh = compare(["warrant_required"], replicates=2, seed=3, days=600, residents=1500, cache=None)
    pd.testing.assert_frame_equal(a.summary(), fresh.summary())


def test_cache_key_depends_on_content_not_name():
    base = load("baseline", {"run.days": 500})
    late = load("warrant_required", {"run.days": 500})
    assert cache_key(base, 1, 2) != cache_key(late, 1, 2), "a policy is part of the content"
    assert cache_key(base, 1, 2) != cache_key(base, 2, 2)
    assert cache_key(base, 1, 2) == cache_key(load("baseline", {"run.days": 500}), 1, 2)


@pytest.mark.parametrize("args", [["nosuch"], ["baseline", "--replicates", "0"], ["baseline", "--residents", "1"]])
def test_compare_bad_input_exit_2(tmp_path, args):
    out = tmp_path / "cmp"
    r = survsim("compare", *args, "--out", str(out), "--cache", str(tmp_path / "c"))
    assert r.returncode == 2, r.stdout + r.stderr
    assert not out.exists()
