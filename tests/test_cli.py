"""The command line end to end: what a user types and what they get."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cli_run import survsim


def test_run_writes_manifest_timeseries_summary(tmp_path):
    out = tmp_path / "res"
    r = survsim("run", "baseline", "--replicates", "2", "--seed", "5", "--days", "500",
                "--residents", "1000", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout, "the CLI must print where its results are"
    man = json.loads((out / "manifest.json").read_text())
    assert man["scenario"]["name"] == "baseline"
    assert man["seed"] == 5 and len(man["replicate_seeds"]) == 2
    assert man["days"] == 500 and man["residents"] == 1000
    assert man["survsim_version"] and "created" in man
    names = {m["name"] for m in man["metrics"]}
    assert {"cameras", "app_users", "free_cameras", "partnered_departments", "coverage_mean", "fear_mean",
            "crimes_actual", "crimes_reported", "crimes_recorded", "footage_requests_warrantless",
            "footage_requests_warranted", "footage_granted"} <= names
    assert all(m["label"] and m["unit"] for m in man["metrics"])
    ts = pd.read_parquet(out / "timeseries.parquet")
    assert list(ts.columns) == ["scenario", "replicate", "seed", "day", "metric", "group", "value"]
    assert set(ts.replicate) == {0, 1} and ts.day.max() == 500
    assert set(ts.seed) == set(man["replicate_seeds"])
    assert (ts[ts.metric == "cameras"].group == "").any() and (ts.group == "black_f").any()
    summary = pd.read_csv(out / "summary.csv")
    assert {"metric", "median", "p10", "p90"} <= set(summary.columns)
    assert not list(tmp_path.glob(".res.tmp-*")), "temporary folder left behind"


def test_scenarios_lists_shipped():
    r = survsim("scenarios")
    assert r.returncode == 0
    for name in ("baseline", "educator", "national"):
        assert name in r.stdout


def test_params_lists_provenance():
    r = survsim("params")
    assert r.returncode == 0
    assert "crime.property_recorded" in r.stdout and "FBI CIUS 2019" in r.stdout
    assert "assumption" in r.stdout


BAD = {
    "unknown.toml": ('extends = "baseline"\n[params.city]\nn_residentz = 5\n',
                     ["params.city.n_residentz", "Did you mean", "n_residents"]),
    "type.toml": ('extends = "baseline"\n[params.city]\ndissimilarity = "high"\n',
                  ["params.city.dissimilarity", "'high'", "0.0 to 0.95"]),
    "range.toml": ('extends = "baseline"\n[params.crime]\nrecording = 1.5\n',
                   ["params.crime.recording", "1.5", "0 to 1"]),
    "top.toml": ('extend = "baseline"\n', ["extend", "Did you mean 'extends'"]),
    "cycle.toml": ('extends = "cycle.toml"\n', ["cycle"]),
    "syntax.toml": ('name = \n', ["not valid TOML"]),
}


@pytest.mark.parametrize("fname", sorted(BAD))
def test_bad_scenario_file_exit_2_nothing_written(tmp_path, fname):
    text, expected = BAD[fname]
    f = tmp_path / fname
    f.write_text(text)
    out = tmp_path / "out"
    r = survsim("run", str(f), "--days", "5", "--residents", "100", "--out", str(out))
    assert r.returncode == 2, r.stdout + r.stderr
    for piece in expected:
        assert piece in r.stderr, f"{piece!r} not in: {r.stderr}"
    assert str(f) in r.stderr or fname == "cycle.toml", "the message must name the file"
    assert not out.exists() and not list(tmp_path.glob(".out*"))
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("args,expected", [
    (["nosuch"], "no such file or shipped scenario"),
    (["/no/such/file.toml"], "no such file"),
    (["baseline", "--residents", "10"], "--residents = 10"),
    (["baseline", "--days", "0"], "--days = 0"),
    (["baseline", "--replicates", "0"], "--replicates"),
    (["baseline", "--workers", "abc"], "--workers"),
])
def test_bad_flags_exit_2(tmp_path, args, expected):
    out = tmp_path / "out"
    r = survsim("run", *args, "--out", str(out))
    assert r.returncode == 2
    assert expected in r.stderr
    assert not out.exists()


def test_refuses_to_overwrite_foreign_folder(tmp_path):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.txt").write_text("keep me")
    r = survsim("run", "baseline", "--days", "5", "--residents", "100", "--out", str(tmp_path / "mine"))
    assert r.returncode == 2 and "not a survsim results folder" in r.stderr
    assert (tmp_path / "mine" / "thesis.txt").read_text() == "keep me"


def test_interrupted_save_leaves_nothing(tmp_path, monkeypatch):
    import sim

    res = sim.run("baseline", days=3, residents=100)

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", boom)
    with pytest.raises(KeyboardInterrupt):
        res.save(tmp_path / "r")
    assert list(tmp_path.iterdir()) == []


def test_calibrate_check_passes():
    r = survsim("calibrate", "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAIL" not in r.stdout
    assert "Congress" in r.stdout and "Parks Associates" in r.stdout


@pytest.mark.parametrize("command", ["sweep", "sensitivity"])
def test_sweep_and_sensitivity_refuse_missing_spec(tmp_path, command):
    r = survsim(command, str(tmp_path / "nope.toml"))
    assert r.returncode == 2 and "nope.toml" in r.stderr and "Traceback" not in r.stderr


def test_sweep_cli_runs_then_resumes(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('name = "tiny"\nscenario = "baseline"\ndesign = "grid"\nreplicates = 1\nseed = 1\n'
                    '[overrides]\n"run.days" = 30\n"city.n_residents" = 300\n"city.grid_side" = 3\n'
                    '[parameters]\n"recognition.threshold" = [0.8, 0.9]\n[outputs]\ncameras = "final"\n')
    first = survsim("sweep", str(spec), "--store", str(tmp_path / "store"))
    assert first.returncode == 0, first.stderr
    again = survsim("sweep", str(spec), "--store", str(tmp_path / "store"))
    assert again.returncode == 0 and "2 already stored" in again.stdout, again.stdout


BUSY = ("--residents", "6000", "--days", "400", "--replicates", "2", "--workers", "2")


def test_frontier_cli_writes_table_runs_chart_and_manifest(tmp_path):
    out = tmp_path / "fr"
    r = survsim("frontier", "baseline", "--vary", "seriousness", "--values", "petty_theft,violent", *BUSY,
                "--out", str(out), "--no-charts")
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout and "any offence" in r.stdout and "violent crime or worse" in r.stdout
    man = json.loads((out / "manifest.json").read_text())
    assert man["analysis"] == "frontier" and man["lever"] == "seriousness"
    assert man["values"] == ["petty_theft", "violent"] and man["replicates"] == 2 and man["residents"] == 6000
    t = pd.read_csv(out / "frontier.csv")
    assert set(t.quantity) == {"clearances_gained", "fr_searches", "wrongful_stops_caused", "wrongful_arrests_caused"}
    assert {"all", "black_f", "white_m"} <= set(t.group)
    assert (out / "frontier.html").is_file() and (out / "frontier_runs.csv").is_file()
    assert not (out / "frontier.png").exists(), "--no-charts: no images"


def test_decompose_cli_writes_contributions(tmp_path):
    # A user's scenario file with a larger search volume, so a small city has enough events.
    busy = tmp_path / "busy.toml"
    busy.write_text('name = "busy"\nextends = "baseline"\n[params.enforcement]\nother_probes = 1.0\n'
                    'fr_departments = 1.0\nreview_catch = 0.0\n')
    out = tmp_path / "dec"
    r = survsim("decompose", str(busy), "--groups", "black_f", "white_m", "--residents", "8000", "--days", "600",
                "--replicates", "2", "--workers", "2", "--out", str(out), "--no-charts")
    assert r.returncode == 0, r.stderr
    assert "Gallery make-up" in r.stdout and "Total" in r.stdout
    t = pd.read_csv(out / "decomposition.csv").set_index("key")
    factors = ["algorithm", "gallery", "cameras", "attention"]
    assert t.loc[factors, "mean"].sum() == pytest.approx(t.loc["total", "mean"])
    runs = pd.read_csv(out / "decomposition_runs.csv")
    assert len(runs) == 16 * 2
    assert json.loads((out / "manifest.json").read_text())["groups"] == ["black_f", "white_m"]


@pytest.mark.parametrize("args, expected", [
    (("frontier", "baseline", "--vary", "tresh"), "--vary = 'tresh' is not a lever; allowed: threshold, review, warrant"),
    (("frontier", "baseline", "--vary", "threshold", "--values", "0.9,2"), "2 is out of range; allowed: 0 to 1"),
    (("frontier", "baseline", "--vary", "warrant", "--values", "maybe"), "'maybe' is not a switch; allowed: true, false"),
    (("decompose", "baseline", "--groups", "black_m", "martians"), "'martians' is not a group"),
    (("frontier", "nosuch", "--vary", "threshold"), "nosuch"),
])
def test_analysis_bad_input_exit_2_nothing_written(tmp_path, args, expected):
    # (also: messages keep their brackets; rich markup must not eat them)
    r = survsim(*args, "--out", str(tmp_path / "x"), "--replicates", "2", "--residents", "500", "--days", "5")
    assert r.returncode == 2, r.stdout + r.stderr
    assert expected in r.stderr
    assert not (tmp_path / "x").exists()


def test_plan_prints_size_replicates_time_and_the_compare_command():
    """survsim plan's contract at a small setting: 20,000 residents over 200 days already give
    both groups 30 stops a replicate, so stage 1 runs once there."""
    r = survsim("plan", "baseline", "--metric", "stops", "--groups", "black_m", "white_m", "--precision", "0.5",
                "--pilot-residents", "20000", "--days", "200", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert "Stage 1: 1 scenario(s) x 8 paired replicates at 20,000 residents" in r.stdout
    assert "20,000 residents x " in r.stdout and " replicates;" in r.stdout and "with 1 worker(s)" in r.stdout
    assert "Run it: survsim compare baseline --residents 20000 --replicates " in r.stdout
    assert "--days 200" in r.stdout and "--groups black_m white_m" in r.stdout


def test_plan_refuses_a_stage_one_too_small():
    r = survsim("plan", "baseline", "--pilot-replicates", "4")
    assert r.returncode == 2 and "--pilot-replicates" in r.stderr
