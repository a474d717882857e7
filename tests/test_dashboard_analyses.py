"""The Analyses page without a browser: finding the folders the command line wrote,
skipping bad ones in one line, and what is shown for each (chart, numbers, facts, the
command that reproduces it). A small real frontier, a synthetic decomposition and a
synthetic sensitivity result, so the module takes a few seconds."""

from __future__ import annotations

import json
import shlex
import shutil
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest
import typer
from analysis_folders import BOOST, small_frontier, synthetic_decomposition

from dashboard import analyses, urlstate
from dashboard.callbacks import analyses as analyses_cb
from dashboard.callbacks import routing
from sim.experiments.analysis_output import write_decomposition, write_frontier
from sim.cli import app as cli_app

SOBOL = pd.DataFrame({"output": ["stop_disparity"] * 2,
                      "parameter": ["enforcement.review_catch", "patrol.stops_per_1k"],
                      "S1": [0.6, 0.2], "S1_conf": [0.1, 0.05], "ST": [0.7, 0.3], "ST_conf": [0.1, 0.06]})


def write_sensitivity(folder: Path, method: str = "sobol") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    SOBOL.to_csv(folder / f"{method}_indices.csv", index=False)
    spec = {"scenario": "baseline", "overrides": {"run.days": 1095, "city.n_residents": 10000},
            "outputs": {"stop_disparity": {"metric": "stops", "statistic": "total", "ratio": ["black", "white"]}}}
    (folder / f"{method}_manifest.json").write_text(json.dumps({
        "name": folder.name, "method": method, "spec_path": "scenarios/sweeps/assumptions_sobol.toml",
        "spec": spec, "samples": 32, "replicates": 2, "seed": 7, "runs": 448, "notes": [],
        "created": "2025-01-02T03:04:05+00:00", "survsim_version": "0.1.0", "git_commit": "abc1234"}))


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("results")
    (f, sc), (d, dsc) = small_frontier(), synthetic_decomposition()
    write_frontier(f, sc, 1, root / "frontier" / "baseline-threshold", images=False, extra=BOOST)
    write_decomposition(d, dsc, 1, root / "decompose" / "baseline-black_m-white_m", images=False)
    write_sensitivity(root / "sensitivity" / "assumptions_sobol")
    # a folder being written (sim.output.results.atomic_folder): neither listed nor reported
    shutil.copytree(root / "frontier" / "baseline-threshold", root / "frontier" / ".baseline-threshold.tmp-1a2b")
    # bad folders: each must be skipped with one line
    (root / "frontier" / "broken-json").mkdir()
    (root / "frontier" / "broken-json" / "manifest.json").write_text('{"analysis": "frontier"')
    (root / "frontier" / "unfinished").mkdir()
    bad_csv = root / "decompose" / "bad-csv"
    bad_csv.mkdir()
    (bad_csv / "manifest.json").write_text(json.dumps({"analysis": "decomposition", "groups": ["a", "b"]}))
    (bad_csv / "decomposition.csv").write_text("nothing,useful\n1,2\n")
    (root / "sensitivity" / "no-csv").mkdir()
    (root / "sensitivity" / "no-csv" / "morris_manifest.json").write_text("{}")
    return root


def test_scan_finds_every_kind_and_skips_bad_folders_in_one_line(results):
    entries, skipped = analyses.scan(results)
    assert sorted((a.kind, a.key) for a in entries) == [
        ("decomposition", "decompose/baseline-black_m-white_m"), ("frontier", "frontier/baseline-threshold"),
        ("sensitivity", "sensitivity/assumptions_sobol/sobol")]
    assert len(skipped) == 4, skipped
    for name in ("broken-json", "unfinished", "bad-csv", "no-csv"):
        line = next(s for s in skipped if name in s)
        assert line.startswith("Skipped ") and "\n" not in line and len(line) <= analyses.MAX_MESSAGE
    assert "no manifest.json" in next(s for s in skipped if "unfinished" in s)
    assert analyses.scan(results / "nowhere") == ([], []) and analyses.scan(None) == ([], [])
    labels = {a.kind: a.label for a in entries}
    assert labels["frontier"].startswith("Frontier: threshold in baseline (2 replicates, 3,000 residents")
    assert labels["decomposition"].startswith("Decomposition: Black men vs White men in baseline")
    assert labels["sensitivity"].startswith("Sensitivity (Sobol): assumptions_sobol (32 samples x 2 replicates")


def test_keys_are_only_looked_up_never_opened(results):
    entries, _ = analyses.scan(results)
    for key in ("../../etc/passwd", "/etc", "frontier", None, 3, ["frontier/baseline-threshold"]):
        assert analyses.lookup(entries, key) is None
    view, msgs = urlstate.decode("analyses", "?show=../../etc/passwd")
    assert view.show == "" and "show" in msgs[0]
    view, msgs = urlstate.decode("analyses", "?show=frontier/baseline-threshold")
    assert view.show == "frontier/baseline-threshold" and msgs == []
    assert urlstate.decode("analyses", urlstate.encode(view))[0] == view
    for search in ("%%%", "?show=" + "x" * 500, "?show=a%00b", "?show=a b"):
        assert isinstance(urlstate.decode("analyses", search)[0], urlstate.AnalysesView)


@pytest.mark.parametrize("kind", ["frontier", "decomposition", "sensitivity"])
def test_each_analysis_shows_chart_numbers_facts_and_command(results, kind):
    entries, _ = analyses.scan(results)
    a = next(e for e in entries if e.kind == kind)
    fig = analyses.figure(a)
    assert isinstance(fig, go.Figure) and len(fig.data) >= 2 and not fig.layout.width
    head, rows, note = analyses.table(a)
    assert all(len(r) == len(head) for r in rows) and note
    facts = dict(analyses.facts(a))
    assert facts["Kind"] == analyses.KINDS[kind] and facts["Created"] and facts["survsim"].startswith("0.")
    cmd = analyses.command(a).splitlines()[0]
    if kind == "frontier":
        assert [r[0] for r in rows] == ["0.8", "0.99"] and head[1] == "Clearances gained"
        assert rows[0][1].count("[") == 1, "mean [band]"
        assert (facts["Scenario"], facts["Replicates"], facts["Residents"], facts["Days"][:3]) == (
            "baseline", "2", "3,000", "200")
        assert cmd.startswith("survsim frontier baseline --vary threshold --values 0.8,0.99 --replicates 2 --seed 1 "
                              "--residents 3000 --days 200 --out ")
        assert "other_probes" in analyses.command(a), "overrides the CLI cannot set are named"
    elif kind == "decomposition":
        assert len(rows) == 11 and rows[0][0].startswith("Disparity, all four factors neutral")
        assert rows[1][1].startswith("+"), "contributions are signed"
        assert cmd.startswith("survsim decompose baseline --groups black_m white_m --replicates 3 --seed 1 "
                              "--residents 5000 --days 300 --out ")
    else:
        assert head == ["Output", "Parameter", "S1", "S1_conf", "ST", "ST_conf"] and len(rows) == 2
        assert (facts["Residents"], facts["Days"], facts["Samples"]) == ("10,000", "1,095", "32")
        assert cmd.startswith("survsim sensitivity assumptions_sobol --method sobol --out ")
        assert "stops" in fig.layout.annotations[0].text.lower(), "panel titled from the spec's outputs"
    assert_cli_accepts(cmd)


def assert_cli_accepts(cmd: str) -> None:
    """Every option of a shown command is an option of that ``survsim`` command."""
    args = shlex.split(cmd)
    assert args[0] == "survsim"
    command = typer.main.get_command(cli_app).commands[args[1]]
    known = {o for p in command.params for o in getattr(p, "opts", [])}
    used = {a for a in args[2:] if a.startswith("--")}
    assert used <= known, f"`survsim {args[1]}` has no option(s) {used - known}"


def test_listing_the_empty_state_and_a_missing_analysis(results, tmp_path):
    out = analyses_cb.listing(results, "frontier/gone")
    assert out["value"] == out["options"][0]["value"] and "frontier/gone" in out["notes"][0]
    assert out["empty"] is None and out["content_style"] == {} and "4 folder(s)" in str(out["skipped"])
    out = analyses_cb.listing(results, "decompose/baseline-black_m-white_m")
    assert out["value"] == "decompose/baseline-black_m-white_m" and out["notes"] == []
    empty = analyses_cb.listing(tmp_path, "")
    assert empty["options"] == [] and empty["value"] is None and empty["content_style"] == {"display": "none"}
    text = str(empty["empty"].to_plotly_json())
    for cmd in ("survsim frontier baseline --vary threshold", "survsim decompose baseline --groups black_m white_m",
                "survsim sensitivity assumptions_sobol"):
        assert cmd in text
    assert f"--out {tmp_path}/frontier/" in text, "commands write where this dashboard reads"
    for _, cmd in analyses.make_commands(tmp_path):
        assert_cli_accepts(cmd)
    assert "without a results folder" in analyses_cb.listing(None, "")["where"]


def test_show_draws_the_chosen_analysis_or_a_message(results):
    out = analyses_cb.show(results, "frontier/baseline-threshold")
    assert out["title"].startswith("Frontier: threshold") and out["figure"].layout.height == 700
    assert out["command"].startswith("survsim frontier") and out["table"] is not None
    assert out["config"]["toImageButtonOptions"]["filename"] == "survsim_frontier_baseline-threshold"
    missing = analyses_cb.show(results, "frontier/gone")
    assert missing["title"] == "" and "Pick an analysis" in missing["figure"].layout.annotations[0].text


def test_routing_renders_the_analyses_page():
    page, notice, nav = routing.render("/analyses", "?show=frontier/x")
    assert page is not None and notice is None
    assert [c for c in nav if "active" in c] == ["nav-link active"]
    _, notice, _ = routing.render("/analyses", "?show=../../x")
    assert "show" in str(notice.to_plotly_json())


def parsed_sensitivity(cmd: str, monkeypatch) -> dict:
    """The spec and folder ``survsim`` takes from a shown sensitivity command, parsed by the
    real command line (nothing runs: the work is replaced by a recorder)."""
    import sim.cli
    from sim.experiments import sensitivity as sens
    from typer.testing import CliRunner

    seen: dict = {}
    monkeypatch.setattr(sens, "status", lambda spec, out, method: seen.update(spec=spec, out=out, method=method))
    monkeypatch.setattr(sim.cli, "_resumable", lambda status, label, work: status())
    args = shlex.split(cmd)
    assert args[:2] == ["survsim", "sensitivity"]
    result = CliRunner().invoke(cli_app, args[1:])
    assert result.exit_code == 0, result.output
    return seen


def test_shown_sensitivity_commands_work_from_the_folder_the_page_names(results, tmp_path, monkeypatch):
    """The page says: run this "in the folder that holds the results folder". From there (not
    the repository), the spec the command names is found and it writes where the page reads."""
    from sim.experiments.sweep_spec import read_spec

    monkeypatch.chdir(results.parent)
    a = next(e for e in analyses.scan(results)[0] if e.kind == "sensitivity")
    seen = parsed_sensitivity(analyses.command(a), monkeypatch)
    assert read_spec(seen["spec"], kind="sensitivity").name == "assumptions_sobol"
    assert Path(seen["out"]).resolve() == a.folder.resolve() and seen["method"] == "sobol"
    for where in (results, tmp_path / "elsewhere" / "results"):  # the default folder and another one
        cmd = dict((c.split()[1], c) for _, c in analyses.make_commands(where))["sensitivity"]
        seen = parsed_sensitivity(cmd, monkeypatch)
        assert read_spec(seen["spec"], kind="sensitivity").name == "assumptions_sobol"
        if seen["out"] is not None:
            assert Path(seen["out"]).resolve().is_relative_to(where.resolve())
