"""Nothing lost (issue 13, items 1, 2, 8, 9 and the leftovers): survsim writes, replaces and
deletes only folders it wrote; names are never paths; caches and sweep runs are verified when
read and rebuilt with a warning; temporary leftovers of killed runs are cleaned."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

from sim.core.errors import InputError
from sim.experiments import cache as cache_mod
from sim.experiments.compare import cache_key, compare
from sim.output.folders import MARKER, DataWarning, clean_leftovers
from sim.output.results import atomic_folder
from sim.policy.scenario import load
from cli_run import survsim

TINY = ("--days", "5", "--residents", "200", "--replicates", "1")


def dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


# ---- item 1: a folder with someone else's manifest.json ------------------------------------

def test_foreign_folder_with_manifest_is_not_deleted(tmp_path):
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "manifest.json").write_text("{}")
    (app / "index.html").write_text("x")
    r = survsim("run", "baseline", *TINY, "--out", str(app))
    assert r.returncode == 2, r.stdout + r.stderr
    assert "--out" in r.stderr and str(app) in r.stderr and MARKER in r.stderr and "Traceback" not in r.stderr
    assert sorted(p.name for p in app.iterdir()) == ["index.html", "manifest.json", "src"]
    assert not list(tmp_path.glob(".app*")), "nothing written beside it either"


def test_atomic_folder_never_replaces_an_unmarked_folder(tmp_path):
    foreign = tmp_path / "f"
    foreign.mkdir()
    (foreign / "manifest.json").write_text("{}")
    with pytest.raises(InputError, match="not a survsim results folder"):
        with atomic_folder(foreign):
            pass
    assert (foreign / "manifest.json").read_text() == "{}"


def test_survsim_folder_is_marked_and_replaced_but_not_by_another_kind(tmp_path):
    out = tmp_path / "r"
    for _ in range(2):
        with atomic_folder(out) as tmp:
            (tmp / "a.txt").write_text("1")
    assert json.loads((out / MARKER).read_text())["kind"] == "results"
    with pytest.raises(InputError, match="holds a survsim results, not cache"):
        with atomic_folder(out, kind="cache", flag="--cache"):
            pass
    (tmp_path / "empty").mkdir()
    with atomic_folder(tmp_path / "empty") as tmp:  # an empty folder the user made is fine
        (tmp / "a.txt").write_text("1")
    assert (tmp_path / "empty" / "a.txt").is_file()


@pytest.mark.parametrize("command", [
    ("compare", "baseline", "warrant_required", "--no-charts"),
    ("frontier", "baseline", "--vary", "warrant", "--replicates", "2"),
    ("decompose", "baseline", "--replicates", "2"),
    ("validate", "--replicates", "1"),
])
def test_every_out_flag_refuses_a_foreign_folder(tmp_path, command):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep")
    extra = () if command[0] == "validate" else ("--days", "5", "--residents", "200")
    r = survsim(*command, *extra, "--out", str(out))
    assert r.returncode == 2 and "--out" in r.stderr and "Traceback" not in r.stderr, r.stderr
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_cache_flag_refuses_a_foreign_folder(tmp_path):
    cache = tmp_path / "c"
    cache.mkdir()
    (cache / "thesis.tex").write_text("keep")
    r = survsim("compare", "baseline", "warrant_required", "--no-charts", *TINY, "--out", str(tmp_path / "o"),
                "--cache", str(cache))
    assert r.returncode == 2 and "--cache" in r.stderr and str(cache) in r.stderr, r.stderr
    assert [p.name for p in cache.iterdir()] == ["thesis.tex"] and not (tmp_path / "o").exists()


def test_sweep_store_and_sensitivity_out_refuse_a_foreign_folder(tmp_path):
    for command, flag in (("sweep", "--store"), ("sensitivity", "--out")):
        folder = tmp_path / command
        folder.mkdir()
        (folder / "data.csv").write_text("1")
        spec = "threshold_review_grid" if command == "sweep" else "assumptions_sobol"
        r = survsim(command, spec, flag, str(folder))
        assert r.returncode == 2 and flag in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert [p.name for p in folder.iterdir()] == ["data.csv"]


# ---- item 2: names are identifiers, never paths --------------------------------------------

@pytest.mark.parametrize("name", ["", ".", "..", "/abs/x", "../../x", "a/b", "a\\\\b", ".cache", "x" * 101])
def test_scenario_name_must_be_an_identifier(tmp_path, name):
    f = tmp_path / "s.toml"
    f.write_text(f'name = "{name}"\nextends = "baseline"\n')
    work = tmp_path / "work"
    work.mkdir()
    r = survsim("run", str(f), *TINY, cwd=work)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "field 'name'" in r.stderr and "Traceback" not in r.stderr
    assert list(work.iterdir()) == [], "nothing written"


def test_nul_in_scenario_name_is_refused(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "a\\u0000b"\nextends = "baseline"\n')
    with pytest.raises(InputError, match="field 'name'"):
        load(f)


def test_valid_name_goes_under_results(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('name = "my-run_2.v1"\nextends = "baseline"\n')
    r = survsim("run", str(f), *TINY, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "results" / "my-run_2.v1" / MARKER).is_file()


@pytest.mark.parametrize("name", ["..", ".", "", "a/b"])
def test_sweep_spec_name_must_be_an_identifier(tmp_path, name):
    from sim.experiments.sweep_spec import read_spec

    spec = tmp_path / "s.toml"
    spec.write_text(f'name = "{name}"\nscenario = "baseline"\n[parameters]\n"recognition.threshold" = [0.8]\n'
                    '[outputs]\ncameras = "final"\n')
    with pytest.raises(InputError, match="field 'name'"):
        read_spec(spec)


# ---- writability checked before the run ----------------------------------------------------

@pytest.mark.parametrize("flag", ["--out", "--cache"])
def test_unwritable_out_or_cache_fails_before_running(tmp_path, monkeypatch, flag):
    from typer.testing import CliRunner

    import sim.experiments.compare as cmp
    from sim.cli import app

    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("a file, not a folder")
    ran = []
    monkeypatch.setattr(cmp, "run_cached", lambda *a, **k: ran.append(1))
    args = ["compare", "baseline", "warrant_required", "--no-charts", *TINY]
    args += [flag, str(tmp_path / "file" / "sub")] + (["--out", "o"] if flag == "--cache" else [])
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2 and not ran, r.output
    assert flag in r.output and "is a file" in r.output


# ---- items 8-9: caches ---------------------------------------------------------------------

def _entry(cache: Path) -> Path:
    (entry,) = [p for p in cache.iterdir() if p.is_dir()]
    return entry


def _damage_truncate(e: Path) -> None:
    data = (e / "timeseries.parquet").read_bytes()
    (e / "timeseries.parquet").write_bytes(data[: len(data) // 2])


def _damage_fewer_rows(e: Path) -> None:
    ts = pd.read_parquet(e / "timeseries.parquet")
    ts[ts.replicate == 0].to_parquet(e / "timeseries.parquet", index=False)


def _damage_values(e: Path) -> None:
    m = json.loads((e / "manifest.json").read_text())
    m["scenario"]["params"]["recognition"]["threshold"] = 0.5
    (e / "manifest.json").write_text(json.dumps(m))


def _damage_seeds(e: Path) -> None:
    m = json.loads((e / "manifest.json").read_text())
    m["replicate_seeds"] = m["replicate_seeds"][:1]
    m["replicates"] = 1
    (e / "manifest.json").write_text(json.dumps(m))


DAMAGE = {
    "truncated parquet": _damage_truncate,
    "empty parquet": lambda e: (e / "timeseries.parquet").write_bytes(b""),
    "missing parquet": lambda e: (e / "timeseries.parquet").unlink(),
    "bad manifest": lambda e: (e / "manifest.json").write_text("{not json"),
    "missing manifest": lambda e: (e / "manifest.json").unlink(),
    "fewer rows": _damage_fewer_rows,
    "altered values": _damage_values,
    "fewer replicates": _damage_seeds,
}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache") / "c"
    comp = compare(["baseline"], replicates=2, seed=3, days=5, residents=200, cache=cache)
    return cache, comp.results["baseline"].timeseries


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_damaged_cache_entry_is_rebuilt_with_a_warning(tmp_path, fresh, damage):
    cache = tmp_path / "c"
    shutil.copytree(fresh[0], cache)
    DAMAGE[damage](_entry(cache))
    with pytest.warns(DataWarning, match="running it again"):
        comp = compare(["baseline"], replicates=2, seed=3, days=5, residents=200, cache=cache)
    pd.testing.assert_frame_equal(comp.results["baseline"].timeseries, fresh[1])
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # rebuilt: reused silently next time
        compare(["baseline"], replicates=2, seed=3, days=5, residents=200, cache=cache)


def test_damaged_cache_entry_via_cli_warns_without_traceback(tmp_path, fresh):
    cache = tmp_path / "c"
    shutil.copytree(fresh[0], cache)
    _damage_truncate(_entry(cache))
    r = survsim("compare", "baseline", "--no-charts", "--replicates", "2", "--seed", "3", "--days", "5",
                "--residents", "200", "--cache", str(cache), "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert "warning:" in r.stderr and "running it again" in r.stderr and "Traceback" not in r.stderr


def test_cache_key_changes_with_the_model_code(monkeypatch):
    sc = load("baseline")
    before = cache_key(sc, 1, 2)
    assert cache_mod.code_fingerprint() == cache_mod.code_fingerprint()
    monkeypatch.setattr("sim.experiments.compare.code_fingerprint", lambda: "changed")
    assert cache_key(sc, 1, 2) != before


def test_code_fingerprint_covers_the_model_not_the_output_layer(tmp_path, monkeypatch):
    sim_copy = tmp_path / "sim"
    shutil.copytree(cache_mod.SIM, sim_copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache_mod, "SIM", sim_copy)

    def fingerprint() -> str:
        cache_mod.code_fingerprint.cache_clear()
        return cache_mod.code_fingerprint()

    try:
        base = fingerprint()
        (sim_copy / "output" / "figures.py").write_text("# charts only\n", encoding="utf-8")
        (sim_copy / "cli.py").write_text("# the command line\n")
        assert fingerprint() == base, "writing files and the CLI cannot change results"
        with open(sim_copy / "mechanisms" / "adoption.py", "a") as f:
            f.write("\n# a model change\n")
        assert fingerprint() != base, "a model change must change the key"
    finally:
        cache_mod.code_fingerprint.cache_clear()


# ---- leftovers and sweep runs --------------------------------------------------------------

def test_leftovers_of_dead_runs_are_cleaned_but_not_a_live_runs(tmp_path):
    dead, old = dead_pid(), time.time() - 3600
    gone = tmp_path / f".out.tmp-{dead}-0123abcd"
    legacy = tmp_path / ".out.tmp-89abcdef"
    live = tmp_path / f".out.tmp-{os.getppid()}-fedc0123"
    other = tmp_path / f".notes.tmp-{dead}-0123abcd"
    for p in (gone, legacy, live, other):
        p.mkdir()
        os.utime(p, (old, old))
    with atomic_folder(tmp_path / "out") as tmp:
        (tmp / "x").write_text("1")
    assert not gone.exists() and not legacy.exists()
    assert live.exists(), "a running process's temporary is never touched"
    assert other.exists(), "only this folder's leftovers"


def test_index_tmp_leftovers_in_sweep_store_are_cleaned(tmp_path):
    from tests.test_sweep import write
    from sim.experiments.sweep import run_sweep

    spec, store = write(tmp_path), tmp_path / "store"
    run_sweep(spec, store)
    dead = dead_pid()
    (store / f".index.parquet.tmp-{dead}-0123abcd").write_bytes(b"half")
    (store / "runs" / f".p00000-r000.tmp-{dead}-0123abcd").mkdir()
    (store / "runs" / ".tmp-p00000-r000-0123abcd").mkdir()  # the name before pids
    os.utime(store / "runs" / ".tmp-p00000-r000-0123abcd", (0, 0))
    run_sweep(spec, store)
    assert not list(store.glob(".*.tmp-*")) and not list((store / "runs").glob(".*tmp-*"))


def test_sweep_with_a_truncated_run_file_recovers(tmp_path):
    from tests.test_sweep import write
    from sim.experiments.sweep import load_index, run_sweep

    spec, store = write(tmp_path), tmp_path / "store"
    run_sweep(spec, store)
    reference = load_index(store)
    bad = store / "runs" / "p00001-r000" / "outputs.parquet"
    bad.write_bytes(bad.read_bytes()[:40])
    with pytest.warns(DataWarning, match="p00001-r000"):
        rep = run_sweep(spec, store)
    assert rep.ran == 1
    pd.testing.assert_frame_equal(load_index(store), reference)


def test_clean_leftovers_ignores_unrelated_files(tmp_path):
    (tmp_path / "notes.tmp-1-0123abcd").write_text("not hidden: not ours")
    (tmp_path / ".bashrc").write_text("x")
    assert clean_leftovers(tmp_path) == []
