"""The validation page: every calibration target and pattern check, written atomically, offline.

Runs at a small size: pattern checks on a 2,000-resident baseline (their verdicts are not
asserted here, since wrongful stops are too rare at that size); calibration targets run
at the shipped sizes, as ``survsim calibrate`` does, and must pass.
"""

from __future__ import annotations

import html
import json

import pytest

from sim.core.errors import InputError
from sim.recognition import recognition_targets
from sim.experiments.validation import PatternCheck, ValidationRows, render, validate

PATTERNS = ("adoption", "partnerships", "fear_gap", "disparity", "clearance")
# sim.experiments.targets.all_targets, run-based rows: fitted cameras 2017 and 2018, five partnership rows
# to 2019, Black arrest share; checks: Hispanic, Asian and American Indian arrest shares, property and
# violent clearance; the search funnel (volume fitted, NYPD possible-match share a check).
MODEL_TARGETS = 15


@pytest.fixture(scope="module")
def written(tmp_path_factory, shipped_size_rows):
    # The page of the shipped-size rows (runs once per module; validate's own runs are the
    # same function, exercised by that fixture).
    out = tmp_path_factory.mktemp("val") / "validation"
    path = validate(out, rows=shipped_size_rows)
    with open(out / "manifest.json") as f:
        data = json.load(f)
    return path, path.read_text(encoding="utf-8"), data


def test_page_is_written_with_manifest(written):
    path, page, data = written
    assert path.name == "validation.html" and path.is_file()
    assert data["kind"] == "validation"
    assert data["meta"]["replicates"] == 8 and len(data["meta"]["replicate_seeds"]) == 8
    assert data["meta"]["disparity_replicates"] == 24
    assert all(0 <= p["stability"] <= 1 for p in data["patterns"]) and "Verdict stability: " in page
    assert not any(p.name.startswith(".") for p in path.parent.parent.iterdir()), "temporary folder left behind"


def test_page_names_every_target_with_its_source(written):
    _, page, data = written
    targets = data["targets"]
    assert [t["name"] for t in targets if t["kind"] == "analytic"] == [c.name for c in recognition_targets()]
    assert sum(t["kind"] == "model" for t in targets) == MODEL_TARGETS
    for t in targets:
        assert html.escape(t["name"]) in page, f"target missing from the page: {t['name']}"
        assert html.escape(t["source"]) in page


def test_calibration_targets_pass(written):
    _, _, data = written
    # Fitted rows must pass; independent checks are shown pass or miss and never gate (a miss
    # is a finding: the Asian and American Indian arrest shares and NYPD's possible-match share
    # miss on the revised model, ODD 8).
    assert {t["evidence"] for t in data["targets"]} <= {"fitted", "check", "fitted: reproduces its input"}
    failed = [(t["name"], t["model"], t["tolerance"]) for t in data["targets"]
              if not t["passed"] and t["evidence"] != "check"]
    assert failed == [], f"fitted calibration targets outside tolerance: {failed}"
    model_level = [t for t in data["targets"] if t["kind"] == "model"]
    assert len(model_level) == MODEL_TARGETS
    partners = [t for t in model_level if "national preset" in t["name"]]
    assert all(len(t["per_seed"]) == data["meta"]["replicates"] for t in partners), "partnership targets should show each seed"


def test_page_has_every_pattern_check(written):
    _, page, data = written
    assert [p["key"] for p in data["patterns"]] == list(PATTERNS)
    for p in data["patterns"]:
        assert isinstance(p["passed"], bool)
        assert len(p["explanation"]) > 80 and p["source"]
        assert f'id="{p["key"]}"' in page
        assert html.escape(p["title"]) in page
        assert html.escape(p["source"]) in page


def test_patterns_carry_their_evidence(written):
    _, _, data = written
    v = {p["key"]: p["values"] for p in data["patterns"]}
    assert v["partnerships"]["before_programme"] == 0
    assert 0.02 < v["adoption"]["share_day0"] < 0.04
    assert v["fear_gap"]["fear_last_year"] > v["fear_gap"]["fear_first_year"], "fear should rise in the baseline"
    assert 0 < v["clearance"]["property_clearance_low"] <= v["clearance"]["property_clearance_high"] < 1


def test_can_and_cannot_section(written):
    _, page, _ = written
    assert "What this model can and cannot tell you" in page
    for phrase in ("docs/parameters.md", "randomised trial", "mugshots", "scenario tool"):
        assert phrase in page, phrase


def test_page_is_offline_with_plotly_inlined_once(written):
    _, page, _ = written
    assert page.count("plotly.js v") == 1, "plotly.js should be inlined exactly once"
    assert "<script src=" not in page, "the page must not load scripts from the network"
    assert page.count('class="plotly-graph-div"') == len(PATTERNS) + 1  # one chart per check + the targets chart


def test_validate_replaces_its_own_folder_but_nothing_else(tmp_path):
    rows = ValidationRows([], [PatternCheck("x", "X", "a source", True, "a sentence", {"v": float("nan")})],
                          {"replicates": 1, "seed": 1, "replicate_seeds": [7], "days": 10, "start_date": "2017-01-01",
                           "residents": 100, "survsim_version": "0", "git_commit": None, "created": "now",
                           "seconds": 0})
    out = tmp_path / "v"
    validate(out, rows=rows)
    validate(out, rows=rows)  # an earlier validation folder is replaced
    assert json.loads((out / "manifest.json").read_text())["patterns"][0]["values"]["v"] is None  # NaN -> null
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    with pytest.raises(InputError, match="not a survsim results folder"):
        validate(other, rows=rows)
    assert (other / "keep.txt").is_file()
    assert "What this model can and cannot tell you" in render(rows)


@pytest.fixture(scope="module")
def shipped_size_rows() -> ValidationRows:
    from sim.experiments.validation import validation_rows

    # 8 replicates: at 4 the Black women's ratio in the disparity pattern rests on ~7 wrongful
    # stops and its verdict is noise (0.71 at seed 1 with 4 seeds; 1.83 with 8; 2.18 pooled
    # over 12 other seeds, 47 stops).
    return validation_rows(replicates=8, seed=1, residents=20_000)


def test_the_shipped_size_checks_every_pattern(shipped_size_rows):
    assert [p.key for p in shipped_size_rows.patterns] == list(PATTERNS)


@pytest.mark.parametrize("key", list(PATTERNS))
def test_every_pattern_passes_at_the_shipped_size(shipped_size_rows, key):
    """The suite asserts each pattern's verdict at the shipped city size (20,000 residents):
    a failing pattern fails the tests."""
    pattern = next(p for p in shipped_size_rows.patterns if p.key == key)
    assert pattern.passed, f"pattern {key} fails at the shipped size: {pattern.values}"


def test_ensemble_default_patterns_are_exactly_those_the_defaults_pass(shipped_size_rows):
    """`survsim ensemble build` leaves out by default the checks and patterns the shipped
    defaults miss; this keeps that list honest when the model changes (it went stale once:
    the Hispanic share began to miss and property clearance to pass in the same release)."""
    from sim.experiments.ensemble_patterns import PATTERNS, find_row

    verdicts = {p.key: p.passed for p in shipped_size_rows.patterns}
    for key, pattern in PATTERNS.items():
        passed = find_row(shipped_size_rows.targets, pattern).passed if pattern.kind == "check" else verdicts[key]
        assert bool(pattern.excluded) == (not passed), (key, passed, pattern.excluded)


@pytest.mark.parametrize("key", list(PATTERNS))
def test_every_pattern_verdict_is_stable_at_the_shipped_size(shipped_size_rows, key):
    """Issue 17 item 5: each pattern runs at a size where its verdict does not hang on which
    seeds were run: at least STABLE of the bootstrap resamples of the replicates agree."""
    from sim.output.validation_page import STABLE

    pattern = next(p for p in shipped_size_rows.patterns if p.key == key)
    assert pattern.stability is not None and pattern.stability >= STABLE, (key, pattern.stability, pattern.values)


def test_verdict_stability_measures_how_much_a_verdict_hangs_on_the_seeds():
    from sim.experiments.validation import verdict_stability

    reps = list(range(8))
    assert verdict_stability(lambda r: True, reps, True, seed=1) == 1.0
    assert verdict_stability(lambda r: True, reps, False, seed=1) == 0.0
    # passes only when replicate 0 is in the resample: chance 1 - (7/8)^8 = 0.656
    share = verdict_stability(lambda r: 0 in r, reps, True, seed=1, resamples=4000)
    assert abs(share - (1 - (7 / 8) ** 8)) < 0.03
    assert share == verdict_stability(lambda r: 0 in r, reps, True, seed=1, resamples=4000)  # seeded


def test_a_deliberately_broken_pattern_fails_the_suite(shipped_size_rows):
    """A model whose fear never moves (no posts, no media, no peers) breaks the fear-gap
    pattern; put into the shipped-size rows, the suite's own verdict test fails on it, and
    the verdict is stable, so the failure is not chance."""
    import dataclasses

    from sim.experiments.fitting import with_values
    from sim.experiments.validation import fear_check, run_baseline, verdict_stability
    from sim.policy.scenario import load

    p = with_values(load("baseline").params, **{"city.n_residents": 2_000, "fear.post_weight": 0.0,
                                                  "fear.media_weight": 0.0, "fear.peer_weight": 0.0})
    runs = [run_baseline(p, s) for s in (1, 2)]
    broken = fear_check(runs, p.run.start_date)
    assert not broken.passed
    assert verdict_stability(lambda r: fear_check(r, p.run.start_date, figure=False).passed, runs, False, 1) == 1.0
    rows = dataclasses.replace(shipped_size_rows, patterns=[broken if q.key == "fear_gap" else q
                                                           for q in shipped_size_rows.patterns])
    with pytest.raises(AssertionError, match="pattern fear_gap fails at the shipped size"):
        test_every_pattern_passes_at_the_shipped_size(rows, "fear_gap")
    test_every_pattern_passes_at_the_shipped_size(rows, "adoption")  # the others still pass
