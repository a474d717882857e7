"""The analyses the command line wrote under the results folder, read for the Analyses page.

Four kinds, each a folder with a manifest and a CSV table:

* ``survsim frontier``: ``<results>/frontier/<name>/`` (:mod:`sim.experiments.analysis_output`);
* ``survsim decompose``: ``<results>/decompose/<name>/`` (:mod:`sim.experiments.analysis_output`);
* ``survsim sensitivity``: ``<results>/sensitivity/<name>/<method>_manifest.json`` and
  ``<method>_indices.csv`` (:mod:`sim.experiments.sensitivity`; one entry per method);
* ``survsim compare ... --ensemble DIR``: any ``<results>/<name>/`` with ``robustness.csv``
  (:mod:`sim.experiments.compare_ensemble`): how often one scenario beats another across worlds.

Nothing here runs a simulation. :func:`scan` lists what can be shown and says in one line
why a folder was skipped; an entry is picked by its key (its path under the results
folder), which is only ever looked up among the scanned entries, never opened as a path.

Example:
    >>> entries, skipped = scan(Path("results"))                     # doctest: +SKIP
    >>> fig = figure(entries[0]); rows = table(entries[0])           # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import fmt
from sim.experiments import analysis_output
from sim.output.analysis_charts import decomposition_chart, frontier_chart
from sim.experiments.decompose import FACTORS, LABELS as FACTOR_LABELS
from sim.core.groups import label as group_label
from sim.core.metrics import BY_NAME
from sim.experiments.robustness import ROBUSTNESS_COLUMNS
from sim.experiments.sensitivity import COLUMNS, METHODS, chart as sensitivity_chart
from sim.output.robustness_chart import robustness_chart
from sim.policy.scenario import SWEEP_DIR

KINDS = {"frontier": "Frontier", "decomposition": "Decomposition", "sensitivity": "Sensitivity",
         "robustness": "Robustness across ensemble worlds"}
DEFAULT_RESULTS = Path("results")          # where the CLI writes by default
MAX_MESSAGE = 240                          # characters of a skipped folder's message
EXAMPLES = (("A benefit-harm frontier (clearances vs wrongful stops and arrests, by group)",
             "survsim frontier baseline --vary threshold", "frontier"),
            ("What drives a wrongful-stop disparity (Shapley decomposition over four factors)",
             "survsim decompose baseline --groups black_m white_m", "decompose"),
            ("Which assumptions move which outputs (Sobol' or Morris)",
             "survsim sensitivity assumptions_sobol", "sensitivity"))  # a shipped spec, found from any folder
FRONTIER_COLUMNS = (("clearances_gained", "Clearances gained"), ("fr_searches", "Face searches"),
                    ("wrongful_stops_caused", "Wrongful stops caused"),
                    ("wrongful_arrests_caused", "Wrongful arrests caused"))


@dataclass
class Analysis:
    """One analysis found under the results folder, with its manifest and table."""

    kind: str                   # frontier, decomposition or sensitivity
    key: str                    # path under the results folder (+ "/<method>" for sensitivity)
    folder: Path
    meta: dict[str, Any]
    table: pd.DataFrame
    mtime: float = 0.0
    method: str = ""            # sensitivity only
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """What the dropdown shows."""
        m = self.meta
        when = _when(m.get("created"))
        if self.kind == "frontier":
            what = f"Frontier: {m.get('lever', '?')} in {m.get('scenario', '?')}"
        elif self.kind == "decomposition":
            a, b = (list(m.get("groups") or []) + ["?", "?"])[:2]
            what = f"Decomposition: {group_label(a)} vs {group_label(b)} in {m.get('scenario', '?')}"
        elif self.kind == "robustness":
            what = "Robustness: " + " vs ".join(s.get("name", "?") for s in m.get("scenarios") or [])
        else:
            what = f"Sensitivity ({'Sobol' if self.method == 'sobol' else 'Morris'}): {m.get('name', '?')}"
        size = _size(self)
        return f"{what} ({size}{', ' + when if when else ''})"


# --- finding and reading --------------------------------------------------------------------

def scan(results: Path | None) -> tuple[list[Analysis], list[str]]:
    """Every analysis under ``results`` (newest first) and one line per folder skipped."""
    if results is None or not Path(results).is_dir():
        return [], []
    root = Path(results)
    found: list[Analysis] = []
    skipped: list[str] = []
    for folder in _candidates(root):
        try:
            found.append(_read_analysis(root, folder))
        except Exception as e:  # noqa: BLE001 - a bad folder is skipped with one line, never a traceback
            skipped.append(_skip(root, folder, e))
    for manifest in sorted((root / "sensitivity").glob("[!.]*/*_manifest.json")):
        try:
            found.append(_read_sensitivity(root, manifest))
        except Exception as e:  # noqa: BLE001
            skipped.append(_skip(root, manifest, e))
    for csv in sorted(root.glob("[!.]*/robustness.csv")):
        try:
            found.append(_read_robustness(root, csv.parent))
        except Exception as e:  # noqa: BLE001
            skipped.append(_skip(root, csv.parent, e))
    found.sort(key=lambda a: a.mtime, reverse=True)
    return found, skipped


def lookup(entries: list[Analysis], key: Any) -> Analysis | None:
    """The entry with this key (a value from the browser: only compared, never opened)."""
    return next((a for a in entries if isinstance(key, str) and a.key == key), None)


def _candidates(root: Path) -> list[Path]:
    """Frontier and decomposition folders: those :func:`sim.experiments.analysis_output.find` lists, and
    any other folder there (without a readable manifest), so it is reported, not ignored."""
    listed = [p for p in analysis_output.find(root) if not p.name.startswith(".")]  # not a folder being written
    others = [p for sub in ("frontier", "decompose") if (root / sub).is_dir()
              for p in sorted((root / sub).iterdir()) if p.is_dir() and p not in listed and not p.name.startswith(".")]
    return listed + others


def _read_analysis(root: Path, folder: Path) -> Analysis:
    if not (folder / "manifest.json").is_file():
        raise ValueError("no manifest.json (an unfinished or foreign folder)")
    meta, table = analysis_output.read(folder)
    if not isinstance(meta, dict):
        raise ValueError("manifest.json is not an object")
    kind = meta["analysis"]
    need = {"frontier": ("quantity", "group", "label", "mean", "low", "high"),
            "decomposition": ("key", "mean", "low", "high")}[kind]
    missing = [c for c in need if c not in table.columns]
    if missing or table.empty:
        raise ValueError(f"{analysis_output.TABLES[kind]} is empty or lacks column(s) {', '.join(missing)}")
    return Analysis(kind, folder.relative_to(root).as_posix(), folder, meta, table,
                    (folder / "manifest.json").stat().st_mtime, notes=list(meta.get("notes") or []))


def _read_sensitivity(root: Path, manifest: Path) -> Analysis:
    method = manifest.name.removesuffix("_manifest.json")
    if method not in METHODS:
        raise ValueError(f"method {method!r} is not one of {', '.join(METHODS)}")
    meta = json.loads(manifest.read_text())
    if not isinstance(meta, dict):
        raise ValueError(f"{manifest.name} is not an object")
    csv = manifest.parent / f"{method}_indices.csv"
    if not csv.is_file():
        raise ValueError(f"no {csv.name} next to {manifest.name}")
    table = pd.read_csv(csv)
    missing = [c for c in COLUMNS[method] if c not in table.columns]
    if missing or table.empty:
        raise ValueError(f"{csv.name} is empty or lacks column(s) {', '.join(missing)}")
    folder = manifest.parent
    return Analysis("sensitivity", f"{folder.relative_to(root).as_posix()}/{method}", folder, meta, table,
                    manifest.stat().st_mtime, method=method, notes=list(meta.get("notes") or []))


def _read_robustness(root: Path, folder: Path) -> Analysis:
    meta = json.loads((folder / "manifest.json").read_text())
    if not isinstance(meta, dict) or not isinstance(meta.get("ensemble"), dict):
        raise ValueError("manifest.json has no ensemble entry (not written by compare --ensemble)")
    table = pd.read_csv(folder / "robustness.csv", keep_default_na=False, na_values=[""])
    missing = [c for c in ROBUSTNESS_COLUMNS if c not in table.columns]
    if missing or table.empty:
        raise ValueError(f"robustness.csv is empty or lacks column(s) {', '.join(missing)}")
    for col in ("deciding", "note"):  # empty cells read as NaN
        table[col] = table[col].astype(object).where(table[col].notna(), "")
    return Analysis("robustness", folder.relative_to(root).as_posix(), folder, meta, table,
                    (folder / "robustness.csv").stat().st_mtime)


def _skip(root: Path, path: Path, e: Exception) -> str:
    try:
        where = path.relative_to(root).as_posix()
    except ValueError:
        where = path.name
    text = f"Skipped {where}: {type(e).__name__}: {e}".replace("\n", " ")
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 3] + "..."


# --- what the page shows -------------------------------------------------------------------

def figure(a: Analysis) -> go.Figure:
    """The analysis's chart, drawn from its CSV table with the same functions as the CLI."""
    if a.kind == "frontier":
        return frontier_chart(a.table, a.meta)
    if a.kind == "decomposition":
        return decomposition_chart(a.table, a.meta)
    if a.kind == "robustness":
        return robustness_chart(a.table, a.meta).update_layout(width=None, autosize=True)
    fig = sensitivity_chart(a.table, a.method, labels=sensitivity_labels(a.meta), title=str(a.meta.get("name", "")))
    return fig.update_layout(width=None, autosize=True)  # follow the page's width


def table(a: Analysis) -> tuple[list[str], list[list[str]], str]:
    """(header, rows, note) of the short table of numbers under the chart."""
    band = f"{_confidence(a.meta)} CI of the mean"
    if a.kind == "frontier":
        t = a.table[a.table["group"].astype(str) == "all"]
        settings = list(dict.fromkeys(a.table["label"].astype(str)))
        head = [str(a.meta.get("lever_label") or "Setting")] + [name for _, name in FRONTIER_COLUMNS]
        rows = []
        for s in settings:
            r = t[t["label"].astype(str) == s].drop_duplicates("quantity").set_index("quantity")
            rows.append([s] + [_cell(r.loc[q]) if q in r.index else "\u2013" for q, _ in FRONTIER_COLUMNS])
        note = (f"Per 100,000 residents per year, all residents, compared with the same city without face "
                f"recognition: mean [{band}]. Per-group numbers are in frontier.csv.")
        return head, rows, note
    if a.kind == "decomposition":
        t = a.table.drop_duplicates("key").set_index("key")
        labels = {"neutral": "Disparity, all four factors neutral", **{f: f"+ {FACTOR_LABELS[f]}" for f in FACTORS},
                  "total": "= Total change (scenario minus all neutral)", "scenario": "Disparity in the scenario",
                  **{f"alone_{f}": f"Only {FACTOR_LABELS[f].lower()} real" for f in FACTORS}}
        rows = [[name, _cell(t.loc[k], signed=k in FACTORS)] for k, name in labels.items() if k in t.index]
        a_, b_ = (list(a.meta.get("groups") or []) + ["A", "B"])[:2]
        note = (f"Ratio of wrongful stops per resident, {group_label(a_)} / {group_label(b_)} (1 = parity): "
                f"mean [{band}]. Factor rows are Shapley contributions; they add up to the total.")
        return ["", "Mean [band]"], rows, note
    if a.kind == "robustness":
        rows = [[f"{r['first']} vs {r['second']}", f"{r['metric']} ({r['better']} is better)",
                 f"{r['first_better']} / {r['second_better']} / {r['ties']} / {r['undetermined']}",
                 f"{fmt(100 * _num(r['share_first_better']))}% [{fmt(100 * _num(r['share_low']))}%, "
                 f"{fmt(100 * _num(r['share_high']))}%]", str(r["deciding"] or r["note"])]
                for _, r in a.table.iterrows()]
        note = ("Worlds where the first is better / the second / ties / undetermined (the world's own 95% interval "
                "contains 0); share of worlds where the first is better (a tie counts half) with its 95% Wilson "
                "interval over worlds; parameters whose values rank-correlate with the margin (Spearman rho).")
        return ["Scenarios", "Metric", "Worlds", "Share [95%]", "Deciding parameters"], rows, note
    cols = COLUMNS[a.method][2:]
    rows = [[str(r["output"]), str(r["parameter"]), *(fmt(_num(r.get(c))) for c in cols)]
            for _, r in a.table.iterrows()]
    note = ("Sobol' indices: S1 first order, ST total order, with 95% bootstrap confidence half-widths."
            if a.method == "sobol" else "Morris: mu* mean absolute effect, sigma spread of effects (95% conf. of mu*).")
    return ["Output", "Parameter", *cols], rows, note


def facts(a: Analysis) -> list[tuple[str, str]]:
    """Manifest facts: what ran, how big, when, which version."""
    m = a.meta
    out: list[tuple[str, str]] = [("Kind", KINDS[a.kind])]
    if a.kind == "sensitivity":
        spec = m.get("spec") if isinstance(m.get("spec"), dict) else {}
        over = spec.get("overrides") if isinstance(spec.get("overrides"), dict) else {}
        out += [("Name", str(m.get("name", "?"))), ("Method", a.method),
                ("Scenario", str(spec.get("scenario", "baseline"))),
                ("Samples", str(m.get("samples", "?"))), ("Model runs", _int(m.get("runs"))),
                ("Replicates per point", str(m.get("replicates", "?"))),
                ("Residents", _int(over.get("city.n_residents")) if "city.n_residents" in over else "scenario's"),
                ("Days", _int(over.get("run.days")) if "run.days" in over else "scenario's")]
    elif a.kind == "robustness":
        ens = m["ensemble"]
        out += [("Scenarios", ", ".join(s.get("name", "?") for s in m.get("scenarios") or [])),
                ("Ensemble", str(ens.get("folder", "?"))),
                ("Worlds", f"{ens.get('worlds', '?')} of {ens.get('accepted', '?')} accepted"),
                ("Parameters varied", ", ".join(ens.get("parameters") or [])),
                ("Replicates", str(m.get("replicates", "?"))), ("Residents", _int(m.get("residents")))]
    else:
        out.append(("Scenario", str(m.get("scenario", "?"))))
        if a.kind == "frontier":
            out += [("Lever", f"{m.get('lever_label', '?')} ({m.get('lever', '?')})"),
                    ("Values", ", ".join(map(str, m.get("values") or [])))]
        else:
            a_, b_ = (list(m.get("groups") or []) + ["?", "?"])[:2]
            out.append(("Groups", f"{group_label(a_)} / {group_label(b_)} ({a_} / {b_})"))
        out += [("Replicates", str(m.get("replicates", "?"))), ("Residents", _int(m.get("residents"))),
                ("Days", _int(m.get("days")) + (f" from {m['start_date']}" if m.get("start_date") else ""))]
        if m.get("overrides"):
            out.append(("Parameter overrides", ", ".join(f"{k} = {v}" for k, v in m["overrides"].items())))
    commit = m.get("git_commit")
    out += [("Seed", str(m.get("seed", "?"))), ("Created", _when(m.get("created")) or "?"),
            ("survsim", f"{m.get('survsim_version', '?')}" + (f" (git {str(commit)[:12]})" if commit else "")),
            ("Folder", str(a.folder))]
    return out


def command(a: Analysis) -> str:
    """The command that makes this analysis again (same settings, same folder)."""
    m = a.meta
    if a.kind == "robustness":
        ens, resolved = m["ensemble"], (m.get("resolved") or [{}])[0]
        days = resolved.get("params", {}).get("run", {}).get("days") if isinstance(resolved, dict) else None
        return shlex.join(["survsim", "compare", *[s.get("name", "?") for s in m.get("scenarios") or []],
                           "--baseline", str(m.get("baseline", "baseline")), "--ensemble", str(ens.get("folder")),
                           "--worlds", str(ens.get("worlds")), "--replicates", str(m.get("replicates", "?")),
                           "--seed", str(m.get("seed", 1)), "--residents", str(m.get("residents", "?")),
                           *(["--days", str(days)] if days else []), "--out", str(a.folder.resolve())])
    if a.kind == "sensitivity":
        spec = shown_spec(m.get("spec_path"), m.get("name"))
        return shlex.join(["survsim", "sensitivity", spec, "--method", a.method, "--out", str(a.folder.resolve())])
    size = ["--replicates", str(m.get("replicates", "?")), "--seed", str(m.get("seed", 1)),
            "--residents", str(m.get("residents", "?")), "--days", str(m.get("days", "?"))]
    if a.kind == "frontier":
        args = ["survsim", "frontier", str(m.get("scenario", "baseline")), "--vary", str(m.get("lever", "threshold")),
                "--values", ",".join(str(v) for v in m.get("values") or [])]
    else:
        groups = (list(m.get("groups") or []) + ["?", "?"])[:2]
        args = ["survsim", "decompose", str(m.get("scenario", "baseline")), "--groups", *groups]
    cmd = shlex.join([*args, *size, "--out", str(a.folder.resolve())])
    if m.get("overrides"):
        sets = ", ".join(f"{k} = {v}" for k, v in m["overrides"].items())
        cmd += (f"\n# This analysis also set {sets}, which the command line cannot: add them to a scenario file "
                "(a copy of the scenario with these values) and pass its path instead of the scenario name.")
    return cmd


def make_commands(results: Path | None) -> list[tuple[str, str]]:
    """(what it makes, command) for each kind of analysis, writing under ``results``."""
    out = []
    for what, cmd, sub in EXAMPLES:
        if results is not None and Path(results).resolve() != DEFAULT_RESULTS.resolve():
            name = {"frontier": "baseline-threshold", "decompose": "baseline-black_m-white_m",
                    "sensitivity": "assumptions_sobol"}[sub]
            cmd += " " + shlex.join(["--out", str(Path(results).resolve() / sub / name)])
        out.append((what, cmd))
    return out


def sensitivity_labels(meta: dict[str, Any]) -> dict[str, str]:
    """Panel titles of a sensitivity chart from the spec's outputs in the manifest (as
    :func:`sim.experiments.sensitivity.write` labels them); an output it cannot read keeps its name."""
    spec = meta.get("spec") if isinstance(meta.get("spec"), dict) else {}
    outputs = spec.get("outputs") if isinstance(spec.get("outputs"), dict) else {}
    labels = {}
    for name, v in outputs.items():
        if isinstance(v, str):
            v = {"metric": name, "statistic": v}
        if not isinstance(v, dict) or v.get("metric") not in BY_NAME:
            continue
        compare = next((c for c in ("ratio", "difference") if c in v), "")
        groups = v.get(compare) or v.get("groups") or []
        joined = {"ratio": " ratio ", "difference": " minus "}.get(compare, " ").join(map(str, groups))
        labels[name] = (f"{name}: {BY_NAME[v['metric']].label}, {v.get('statistic', '?')}"
                        + (f" ({joined})" if joined else ""))
    return labels


# --- helpers ---------------------------------------------------------------------------------

def _cell(r: pd.Series, signed: bool = False) -> str:
    mean, low, high = (_num(r.get(c)) for c in ("mean", "low", "high"))
    return f"{fmt(mean, signed)} [{fmt(low)}, {fmt(high)}]"


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _int(v: Any) -> str:
    return f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else ("?" if v is None else str(v))


def _size(a: Analysis) -> str:
    m = a.meta
    reps = f"{m.get('replicates', '?')} replicate{'' if m.get('replicates') == 1 else 's'}"
    if a.kind == "sensitivity":
        return f"{m.get('samples', '?')} samples x {reps}"
    if a.kind == "robustness":
        return f"{m['ensemble'].get('worlds', '?')} worlds x {reps}"
    return f"{reps}, {_int(m.get('residents'))} residents"


def _when(created: Any) -> str:
    """'2025-03-01 14:05 UTC' from an ISO time ('' if unreadable)."""
    try:
        t = dt.datetime.fromisoformat(str(created))
    except ValueError:
        return ""
    return t.strftime("%Y-%m-%d %H:%M") + (" UTC" if t.utcoffset() == dt.timedelta(0) else "")


def _confidence(meta: dict[str, Any]) -> str:
    try:
        return f"{float(meta.get('confidence', 0.9)):.0%}"
    except (TypeError, ValueError):
        return "90%"


def shown_spec(spec_path: Any, name: Any) -> str:
    """The spec argument of a shown ``survsim sensitivity`` command, valid from any folder: a
    shipped spec by its name (the CLI finds it in the package), another file by its full path."""
    path = Path(str(spec_path)) if spec_path else None
    if path is not None and path.is_file():
        if path.resolve().parent == SWEEP_DIR.resolve():
            return path.stem
        return str(path.resolve())
    stem = path.stem if path is not None else str(name or "")
    if stem and (SWEEP_DIR / f"{stem}.toml").is_file():
        return stem
    return str(path) if path is not None else f"<the spec of {name}>.toml"
