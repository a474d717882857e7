"""Nothing runaway (issue 13, exit codes and item 13): every malformed input is one message
and exit 2, never a traceback; interrupted commands exit 130/143 and end their workers;
workers end even when their parent is SIGKILLed."""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.core.paramtree import leaves
from sim.params import Params
from cli_run import SURVSIM, survsim

psutil = pytest.importorskip("psutil")
linux = pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads worker state from /proc")

TINY = ["--days", "5", "--residents", "200"]
SPEC = ('name = "s"\n{extra}\n[parameters]\n"recognition.threshold" = {values}\n'
        '[outputs]\ncameras = "final"\n')


def invoke(args: list[str], cwd: Path):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(app, args)
    finally:
        os.chdir(old)


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def case_files(d: Path) -> dict[str, list[str]]:
    """The malformed inputs of the issue (paths under ``d``): name -> command line."""
    def f(name: str, text: str | bytes) -> str:
        p = d / name
        p.write_bytes(text) if isinstance(text, bytes) else p.write_text(text)
        return str(p)

    chain = d / "chain"
    chain.mkdir()
    (chain / "c0.toml").write_text('extends = "baseline"\n')
    for i in range(1, 1500):
        (chain / f"c{i}.toml").write_text(f'extends = "c{i - 1}.toml"\n')
    (d / "afile").write_text("x")
    return {
        "non-UTF-8 file": ["run", f("latin1.toml", 'name = "caf\xe9"\n'.encode("latin-1")), *TINY],
        "deeply nested array": ["run", f("deep.toml", "x = " + "[" * 5000 + "]" * 5000 + "\n"), *TINY],
        "deeply nested table": ["run", f("deept.toml", 'extends = "baseline"\n[params.groups]\nshares = '
                                         + "{a=" * 400 + "1" + "}" * 400 + "\n"), *TINY],
        "long extends chain": ["run", str(chain / "c1499.toml"), *TINY],
        "NUL in scenario name": ["run", f("nul.toml", 'name = "a\\u0000b"\nextends = "baseline"\n'), *TINY],
        "NUL in extends": ["run", f("nule.toml", 'extends = "base\\u0000line"\n'), *TINY],
        "NUL in sweep name": ["sweep", f("nuls.toml", SPEC.format(extra="", values="[0.8]").replace(
            'name = "s"', 'name = "a\\u0000b"'))],
        "policy type is a list": ["run", f("pol.toml", 'extends = "baseline"\n[[policies]]\ntype = []\n'), *TINY],
        "unwritable --out": ["run", "baseline", *TINY, "--out", str(d / "afile" / "out")],
        "unwritable --cache": ["compare", "baseline", "warrant_required", *TINY, "--no-charts",
                               "--out", str(d / "o"), "--cache", str(d / "afile" / "c")],
        "bad --scheduler": ["sweep", f("sched.toml", SPEC.format(extra="", values="[0.8]")),
                            "--scheduler", "tcp://", "--store", str(d / "st")],
        "unknown --scheduler scheme": ["frontier", "baseline", *TINY, "--scheduler", "foo://bar:1",
                                       "--out", str(d / "fr")],
        "huge sweep samples": ["sweep", f("samples.toml", SPEC.format(
            extra='design = "lhs"\nsamples = 100000000', values="{low = 0.5, high = 0.9}"))],
        "huge sweep replicates": ["sweep", f("reps.toml", SPEC.format(extra="replicates = 100000000",
                                                                      values="[0.8]"))],
        "huge grid": ["sweep", f("grid.toml", SPEC.format(extra="levels = 1000", values="{low = 0.5, high = 0.9}")
                                 .replace("[outputs]", '"enforcement.review_catch" = { low = 0.2, high = 0.8 }\n'
                                                       "[outputs]"))],
        "huge levels": ["sweep", f("levels.toml", SPEC.format(extra="levels = 100000000",
                                                              values="{low = 0.5, high = 0.9}"))],
        "huge sensitivity samples": ["sensitivity", f("sens.toml", SPEC.format(
            extra="samples = 1073741824", values="{low = 0.5, high = 0.9}"))],
        "empty file": ["run", f("empty.toml", ""), *TINY],
        "comments-only file": ["run", f("comments.toml", "# nothing\n\n   # here\n"), *TINY],
        "scenario name is a path": ["run", f("path.toml", 'name = "../../x"\nextends = "baseline"\n'), *TINY],
        "sweep name is ..": ["sweep", f("dots.toml", SPEC.format(extra="", values="[0.8]").replace(
            'name = "s"', 'name = ".."'))],
    }


EXPECTED = {
    "non-UTF-8 file": "not UTF-8", "deeply nested array": "nested too deeply",
    "deeply nested table": "nested too deeply", "long extends chain": "at most 32",
    "NUL in scenario name": "field 'name'", "NUL in extends": "NUL", "NUL in sweep name": "NUL",
    "policy type is a list": "field 'type' = []", "unwritable --out": "--out",
    "unwritable --cache": "--cache", "bad --scheduler": "--scheduler",
    "unknown --scheduler scheme": "unknown address scheme", "huge sweep samples": "from 1 to 100,000", "huge levels": "from 2 to 50,000",
    "huge sweep replicates": "from 1 to 10,000", "huge grid": "at most 50,000",
    "huge sensitivity samples": "from 1 to 100,000", "empty file": "has no content",
    "comments-only file": "has no content", "scenario name is a path": "field 'name'",
    "sweep name is ..": "field 'name'",
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    d = tmp_path_factory.mktemp("malformed")
    return d, case_files(d)


@pytest.mark.parametrize("case", sorted(EXPECTED))
def test_malformed_input_is_one_message_and_exit_2(cases, case):
    d, all_cases = cases
    work = Path(tempfile.mkdtemp(dir=d))
    before = listing(d)
    r = invoke(all_cases[case], work)
    assert r.exit_code == 2, f"{case}: {r.output}\n{r.exception!r}"
    assert r.exception is None or isinstance(r.exception, SystemExit), repr(r.exception)
    assert "Traceback" not in r.output and r.output.count("error:") == 1
    assert EXPECTED[case] in r.output, r.output
    assert listing(d) == before, "nothing written"


def test_malformed_input_through_the_entry_point_has_no_traceback(cases):
    d, all_cases = cases
    r = survsim(*all_cases["deeply nested array"])
    assert r.returncode == 2 and "Traceback" not in r.stderr and "nested too deeply" in r.stderr


def test_dashboard_port_in_use_is_exit_2():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = survsim("dashboard", "--port", str(port))
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"--port {port}" in r.stderr and "Traceback" not in r.stderr


# ---- the fuzz test: scenario files and flags -----------------------------------------------

SCALARS = [leaf for leaf in leaves(Params()) if not isinstance(leaf.value, (dict, list))]
BAD_VALUES = st.one_of(st.sampled_from([-1, 0, 1e12, math.inf, -math.inf, math.nan, "", "x", [], {}]),
                       st.text(max_size=5), st.lists(st.integers(), max_size=2))


@st.composite
def scenario_text(draw) -> str:
    lines = []
    if draw(st.booleans()):
        name = draw(st.one_of(st.sampled_from(["ok", "", ".", "..", "a/b", "/abs", "a\\u0000b", "x" * 120]),
                              st.text(max_size=8)))
        lines.append(f"name = {_toml_str(name)}")
    base = draw(st.sampled_from(["baseline", "baseline", "warrant_required", "nosuch", ""]))
    lines.append(f"extends = {_toml_str(base)}")
    if draw(st.booleans()):
        lines.append(draw(st.sampled_from(["nme = 1", "params = 3", "policies = 1", "[[policies]]\ntype = []",
                                           "[[policies]]\ntype = \"warrant_required\"", "description = 5"])))
    for leaf in draw(st.lists(st.sampled_from(SCALARS), max_size=3, unique_by=lambda x: x.path)):
        value = leaf.value if draw(st.booleans()) else draw(BAD_VALUES)
        branch, key = leaf.path.rsplit(".", 1)
        lines.append(f"[params.{branch}]\n{key} = {_toml_value(value)}")
    return "\n".join(lines) + "\n"


def _toml_str(s: str) -> str:
    return '"' + "".join(c if c.isalnum() or c in " ./_-" else f"\\u{ord(c):04x}" for c in s) + '"'


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and not math.isfinite(v):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return _toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{}"
    return _toml_str(str(v))


FLAGS = st.fixed_dictionaries({  # valid values weighted up, so that runs happen too
    "--days": st.sampled_from(["5", "5", "5", "0", "-1", "abc", "3651"]),
    "--residents": st.sampled_from(["200", "200", "10", "x"]),
    "--replicates": st.sampled_from(["1", "1", "0"]),
    "--out": st.sampled_from(["new", "foreign", "file", "empty", "marked", "file/sub"]),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=scenario_text(), flags=FLAGS)
def test_fuzz_scenarios_and_flags_exit_0_or_2_never_a_traceback(text, flags):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "s.toml").write_text(text)
        (root / "foreign").mkdir()
        (root / "foreign" / "manifest.json").write_text("{}")
        (root / "file").write_text("x")
        (root / "empty").mkdir()
        (root / "marked").mkdir()
        (root / "marked" / ".survsim").write_text('{"survsim": "0", "kind": "results"}')
        args = ["run", "s.toml"]
        for flag, value in flags.items():
            args += [flag, value]
        before = listing(root)
        r = invoke(args, root)
        assert r.exception is None or isinstance(r.exception, SystemExit), f"{text}\n{args}\n{r.exception!r}"
        assert r.exit_code in (0, 2), f"{text}\n{args}\n{r.output}"
        assert "Traceback" not in r.output
        assert (root / "foreign" / "manifest.json").read_text() == "{}"
        if r.exit_code == 2:
            assert listing(root) == before, f"written on exit 2: {text}\n{args}"
        else:
            assert (root / flags["--out"] / ".survsim").is_file() and (root / flags["--out"] / "summary.csv").is_file()
            event("ran")


# ---- interruptions and orphans -------------------------------------------------------------

LONG = ["--days", "3650", "--residents", "20000", "--replicates", "4", "--workers", "2"]
COMMANDS = {
    "run": ["run", "baseline", *LONG],
    "compare": ["compare", "baseline", "warrant_required", *LONG, "--no-charts"],
    "frontier": ["frontier", "baseline", "--vary", "warrant", *LONG],
    "decompose": ["decompose", "baseline", *LONG],
}


def initialised(pid: int) -> bool:
    """A worker has run its initializer (it ignores SIGINT from then on; Linux /proc)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            mask = next(int(line.split()[1], 16) for line in f if line.startswith("SigIgn:"))
    except (OSError, StopIteration):
        return False
    return bool(mask & (1 << (signal.SIGINT - 1)))


def start(args: list[str], tmp: Path) -> tuple[subprocess.Popen, list]:
    """Start a survsim command in its own session; return it and its child processes once
    two workers are running (past their initializer: importing takes long on a busy machine)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([*SURVSIM, *args], cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        workers = [k for k in parent.children(recursive=True) if "spawn_main" in " ".join(k.cmdline())]
        if len(workers) >= 2 and all(initialised(w.pid) for w in workers):
            return proc, parent.children(recursive=True)
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    proc.kill()
    pytest.fail("workers did not start")


def gone(procs: list, within: float) -> list:
    _, alive = psutil.wait_procs(procs, timeout=within)
    for p in alive:
        p.kill()
    return alive


@linux
@pytest.mark.parametrize("command,sig", [("run", signal.SIGINT), ("run", signal.SIGTERM),
                                         ("compare", signal.SIGTERM), ("frontier", signal.SIGINT),
                                         ("decompose", signal.SIGTERM)])
def test_interrupt_exits_cleanly_and_ends_workers(tmp_path, command, sig):
    proc, kids = start([*COMMANDS[command], "--out", str(tmp_path / "out")], tmp_path)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole process group
    else:
        proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, stderr
    assert "Traceback" not in stderr, stderr
    assert not gone(kids, 10), "worker processes outlived the command"
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".out*")), "nothing half-written"


@linux
@pytest.mark.parametrize("command", ["sweep", "sensitivity"])
def test_interrupted_sweep_or_sensitivity_exits_143_and_ends_workers(tmp_path, command):
    spec = tmp_path / "s.toml"
    head = 'name = "s"\nreplicates = 4\n' + ('samples = 2\n' if command == "sensitivity" else "")
    axis = "{ low = 0.8, high = 0.95 }" if command == "sensitivity" else "[0.8, 0.9]"
    spec.write_text(head + '[overrides]\n"run.days" = 3650\n"city.n_residents" = 20000\n'
                    f'[parameters]\n"recognition.threshold" = {axis}\n[outputs]\ncameras = "final"\n')
    where = "--store" if command == "sweep" else "--out"
    proc, kids = start([command, str(spec), "--workers", "2", where, str(tmp_path / "st")], tmp_path)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143 and "Traceback" not in stderr and "resume" in stderr, stderr
    assert not gone(kids, 10)


@linux
def test_workers_end_within_10s_of_sigkill_of_the_parent(tmp_path):
    proc, kids = start([*COMMANDS["run"], "--out", str(tmp_path / "out")], tmp_path)
    proc.kill()
    proc.wait()
    alive = gone(kids, 10)
    assert not alive, f"{len(alive)} processes (workers or resource tracker) survived SIGKILL of their parent"
