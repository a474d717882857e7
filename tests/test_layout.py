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
