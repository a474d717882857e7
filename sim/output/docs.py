"""Documentation generated from the code, and checks that the written docs match it.

``docs/parameters.md`` is generated from the parameter tree (:mod:`sim.params`), so it
cannot drift from the code: ``python -m sim.output.docs`` rewrites it and a test fails when the
committed file differs. ``docs/ODD.md`` is written by hand; the helpers here let tests
check that its schedule is the model's and that every parameter it names exists.

Example:
    >>> schedule_from_model()[:2]
    ['commit_crime', 'spread_fear']
    >>> sorted(parameters_named_in("fear rises with `fear.post_weight`; see `sim.mechanisms.fear`"))
    ['fear.post_weight']
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from sim.params import Params
from sim.core.paramtree import Leaf, is_number, leaves

DOCS = Path(__file__).resolve().parents[2] / "docs"
PARAMETERS_MD = DOCS / "parameters.md"
ODD_MD = DOCS / "ODD.md"

# A numbered list item naming a method: "1. ``commit_crime``: ..." (reST) or "1. `commit_crime`" (Markdown).
_ITEM = re.compile(r"^\s*(\d+)\.\s+`{1,2}([A-Za-z_]\w*)`{1,2}")
# A backticked dotted lowercase name: `fear.post_weight`, `recognition.calibration.nist_fmr`.
_DOTTED = re.compile(r"`([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)+)`")
# Backticked dotted names that are code, not parameters (modules and objects).
CODE_PREFIXES = ("sim", "np", "numpy", "scipy", "mesa", "nx", "networkx", "pd", "plotly", "self", "model")
SCHEDULE_HEADING = "Process overview and scheduling"


def _numbered(lines: list[str]) -> list[str]:
    """Method names of the first run of numbered items (1, 2, 3, ...) in ``lines``."""
    out: list[str] = []
    for line in lines:
        m = _ITEM.match(line)
        if m and int(m.group(1)) == len(out) + 1:
            out.append(m.group(2))
        elif m and out:
            break  # a second list starts: the schedule ended
    return out


def schedule_from_model() -> list[str]:
    """The day's methods, in order, from the numbered list in the model's docstring."""
    from sim.model import SurveillanceModel

    return _numbered((SurveillanceModel.__doc__ or "").splitlines())


def schedule_from_odd(text: str) -> list[str]:
    """The day's methods, in order, from the ODD's "Process overview and scheduling"
    section (its first numbered list whose items start with a backticked name)."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if line.lstrip().startswith("#") and SCHEDULE_HEADING.lower() in line.lower()), None)
    if start is None:
        return []
    level = len(lines[start]) - len(lines[start].lstrip("#"))
    end = next((j for j in range(start + 1, len(lines))
                if lines[j].startswith("#") and len(lines[j]) - len(lines[j].lstrip("#")) <= level), len(lines))
    return _numbered(lines[start + 1:end])


def parameters_named_in(text: str) -> set[str]:
    """Dotted names in backticks that look like parameter paths (``fear.decay``).

    Names starting with a code prefix (``sim.``, ``np.``, ...) and file names are skipped.
    """
    out = set()
    for name in _DOTTED.findall(text):
        first = name.split(".", 1)[0]
        if first in CODE_PREFIXES or name.endswith((".py", ".toml", ".md", ".csv", ".html", ".json")):
            continue
        out.add(name)
    return out


def parameter_paths() -> set[str]:
    """Every leaf path of the parameter tree, and every branch (``fear``, ``recognition.calibration``)."""
    paths = set()
    for leaf in leaves(Params()):
        parts = leaf.path.split(".")
        paths.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    return paths


# --- docs/parameters.md -------------------------------------------------------------------
def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (int, str)):
        return str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k}: {_fmt(x)}" for k, x in v.items()) + "}" if v else "{} (none)"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def bounds(leaf: Leaf) -> str:
    """Hard validity bounds a scenario must respect (what ``sim.load`` enforces)."""
    if leaf.ge is not None and leaf.le is not None:
        return f"{_fmt(leaf.ge)} to {_fmt(leaf.le)}"
    if leaf.ge is not None:
        return f">= {_fmt(leaf.ge)}"
    if leaf.le is not None:
        return f"<= {_fmt(leaf.le)}"
    return ""


def provenance(leaf: Leaf) -> str:
    """Source, or the declared assumption range, or what kind of setting it is."""
    if leaf.source:
        return f"source: {leaf.source}"
    if leaf.assumption:
        lo, hi = leaf.assumption
        return f"assumption ({_fmt(lo)}-{_fmt(hi)})"
    if isinstance(leaf.value, bool):
        return "switch"
    return "setting"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def provenance_counts() -> tuple[int, int, int]:
    """(parameters, numbers among them, numbers with a published source): the figures the
    README and docs/parameters.md quote, counted from the tree."""
    all_leaves = list(leaves(Params()))
    numbers = [leaf for leaf in all_leaves if is_number(leaf.value)]
    return len(all_leaves), len(numbers), sum(bool(leaf.source) for leaf in numbers)


def parameters_markdown() -> str:
    """``docs/parameters.md``: every parameter of the tree with default, unit, bounds,
    source or assumption range, and description; one table per branch."""
    rows: dict[str, list[Leaf]] = {}
    for leaf in leaves(Params()):
        rows.setdefault(leaf.path.split(".", 1)[0], []).append(leaf)
    n, n_num, n_src = provenance_counts()
    out = [
        "# Parameters",
        "",
        "<!-- Generated by `python -m sim.output.docs` from sim/params/: do not edit by hand. -->",
        "",
        f"Every value the model uses: {n} parameters, {n_num} of them numbers; {n_src} numbers "
        f"have a published source (a row of `docs/sources.md`, or a fit to one) and "
        f"the other {n_num - n_src} are assumptions with a declared plausible range.",
        "",
        "- **default** is the value in `sim.params.Params()`. Shipped scenarios override a few "
        "(`scenarios/baseline.toml` runs 1,826 days with 20,000 residents); `survsim params "
        "SCENARIO` shows the values a scenario resolves to.",
        "- **bounds** are hard limits: a scenario file or override outside them is rejected with "
        "an error naming the field. They are wider than the plausible range.",
        "- **source / assumption**: a citation (`source:`), or `assumption (low-high)`, the range "
        "we consider plausible and which sensitivity analyses should cover; `switch` and `setting` "
        "are choices (policies, presets), not estimates.",
        "- Change any value in a scenario file under `[params.<branch>]` (e.g. `[params.fear]` "
        "with `decay = 0.05`), see `docs/guide_advocate.md`.",
        "",
    ]
    for branch, branch_leaves in rows.items():
        out += [f"## `{branch}`", "",
                "| parameter | default | unit | bounds | source / assumption | description |",
                "|---|---|---|---|---|---|"]
        for leaf in branch_leaves:
            out.append("| " + " | ".join(_cell(x) for x in (
                f"`{leaf.path}`", _fmt(leaf.value), leaf.unit, bounds(leaf), provenance(leaf), leaf.doc)) + " |")
        out.append("")
    return "\n".join(out)


def parameter_rows(text: str) -> dict[str, dict[str, str]]:
    """Parse the tables of ``docs/parameters.md`` back: path -> column -> cell text."""
    out = {}
    header: list[str] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            header = [] if not line.strip() else header
            continue
        cells = [c.strip().replace("\\|", "|") for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
        if cells and cells[0] == "parameter":
            header = cells
        elif header and not set(cells[0]) <= {"-"}:
            out[cells[0].strip("`")] = dict(zip(header, cells))
    return out


def write_parameters(path: Path = PARAMETERS_MD) -> Path:
    """Regenerate ``docs/parameters.md``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(parameters_markdown(), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write_parameters()}")
