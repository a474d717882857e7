"""The house's plan: sim/ laid out by role, layers that import only downwards, no import
circles, no oversized files, sources inside the repository."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Lowest first: a module may import its own layer and the layers before it, never after.
LAYERS = ["core", "recognition", "params", "world", "mechanisms", "agents", "policy", "model", "output",
          "experiments", "cli"]
TOP_LEVEL = {"__init__.py", "model.py", "cli.py"}
MAX_LINES = 450


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Modules of sim/ and dashboard/ that ``path`` imports (any import, typing-only too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    base = module_name(path).split(".")
    if path.name != "__init__.py":
        base = base[:-1]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            mod = node.module or ""
            if node.level:
                mod = ".".join(base[: len(base) - node.level + 1] + ([mod] if mod else []))
            out.add(mod)
            out |= {f"{mod}.{a.name}" for a in node.names}  # `from sim.mechanisms import crime`
    return out


def graph() -> dict[str, set[str]]:
    files = [p for d in ("sim", "dashboard") for p in (ROOT / d).rglob("*.py")]
    mods = {module_name(p): p for p in files}
    g = {}
    for name, path in mods.items():
        deps = {d for d in imports(path) if d in mods and d != name}
        g[name] = deps
    return g


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def layer(mod: str) -> int | None:
    parts = mod.split(".")
    if parts[0] != "sim" or len(parts) < 2:
        return None
    return LAYERS.index(parts[1]) if parts[1] in LAYERS else None


def test_no_import_circles_in_sim_or_dashboard():
    assert cycles(graph()) == [], "import circles (each list is one circle's modules)"


def test_cycle_finder_finds_a_circle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_layers_import_only_downwards():
    bad = []
    for mod, deps in graph().items():
        here = layer(mod)
        if here is None:
            continue
        bad += [f"{mod} -> {d}" for d in deps if (layer(d) or 0) > here]
    assert bad == [], "a layer imports a layer above it (order: " + " < ".join(LAYERS) + ")"


def test_sim_top_level_holds_only_the_model_the_cli_and_the_facade():
    assert {p.name for p in (ROOT / "sim").glob("*.py")} == TOP_LEVEL
    for p in (ROOT / "sim").iterdir():
        if p.is_dir() and p.name != "__pycache__":
            assert p.name in LAYERS, f"sim/{p.name}/ is not a declared layer"


@pytest.mark.parametrize("folder", ["sim", "dashboard"])
def test_no_file_over_the_size_limit(folder):
    big = {str(p.relative_to(ROOT)): n for p in (ROOT / folder).rglob("*.py")
           if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert big == {}, f"files over {MAX_LINES} lines: split them by job"


def test_nothing_points_outside_the_repository():
    found = []
    for p in [ROOT / "README.md", *(ROOT / "docs").rglob("*"), *(ROOT / "sim").rglob("*.py"),
              *(ROOT / "dashboard").rglob("*.py"), *(ROOT / "scenarios").rglob("*.toml")]:
        if p.is_file() and "shared/" in p.read_text(encoding="utf-8"):
            found.append(str(p.relative_to(ROOT)))
    assert found == [], "these files cite ../shared, which a clone does not have: cite docs/sources.md"


def test_mesa_4_ready_no_deprecated_mesa_api():
    """Mesa 3.5 warns about APIs Mesa 4 removes (``seed=``, ``batch_run``, ``model.steps``,
    ``mesa.space``, ``PropertyLayer``): a short run must raise none of them."""
    import warnings

    from sim.model import SurveillanceModel
    from sim.policy.scenario import load

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = SurveillanceModel(load("educator").params, seed=1)
        m.run(5)
        assert m.resident(0).fear >= 0
        m.city_departments.do("step")
    mesa_warnings = [f"{w.category.__name__}: {w.message}" for w in caught
                     if issubclass(w.category, (DeprecationWarning, FutureWarning, PendingDeprecationWarning))
                     and ("/mesa/" in w.filename.replace("\\", "/") or "mesa" in str(w.message).lower())]
    assert mesa_warnings == [], "Mesa deprecations (removed in Mesa 4)"


def test_no_deprecated_mesa_names_in_the_code():
    banned = ("batch_run", "mesa.space", "PropertyLayer", "model.steps", "self.steps", "Model(seed")
    hits = [f"{p.relative_to(ROOT)}: {b}" for p in (ROOT / "sim").rglob("*.py")
            for b in banned if b in p.read_text(encoding="utf-8")]
    assert hits == [], "APIs Mesa 4 removes"


def test_readme_counts_of_sourced_and_assumed_numbers_come_from_the_tree():
    import re

    from sim.output.docs import provenance_counts

    _, numbers, sourced = provenance_counts()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    quoted = re.findall(r"\((\d+) of (\d+) numbers\)", text)
    assert quoted, "README should say how many numbers are assumptions, e.g. '(78 of 108 numbers)'"
    assert all((int(a), int(n)) == (numbers - sourced, numbers) for a, n in quoted), \
        f"README is stale: the tree has {numbers - sourced} assumptions of {numbers} numbers"


def test_packaged_list_matches_the_package_folders():
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for d in ("sim", "dashboard") for p in (ROOT / d).rglob("__init__.py")}
    assert listed - {"sim.scenarios", "sim.scenarios.sweeps"} == found, "pyproject's packages list is out of date"


def test_shipped_scenarios_and_sweep_specs_are_found_from_any_folder(tmp_path, monkeypatch):
    from sim.experiments.sweep_spec import read_spec
    from sim.policy.scenario import load

    monkeypatch.chdir(tmp_path)
    assert load("baseline").name == "baseline"
    assert read_spec("threshold_review_grid").name == "threshold_review_grid"
    assert read_spec("assumptions_sobol", kind="sensitivity").path.is_file()
