"""Pattern-accepted parameter ensembles (``survsim ensemble build``): rejection ABC over the
declared assumption ranges.

A *draw* is one parameter set: every varied assumption gets a value from a Latin hypercube
over its declared ``assumption=(low, high)`` range (uniform prior; integers rounded). Each
draw runs the baseline at a stated small city size with its own replicate seeds, and is
*accepted* iff every chosen pattern passes with the tolerance band or rule it already
declares in ``survsim calibrate`` / ``survsim validate`` (:mod:`sim.experiments.ensemble_patterns`).
The accepted draws are a sample from the approximate posterior "prior restricted to the
worlds that reproduce the patterns".

The acceptance code is generic: :func:`rejection_abc` takes any ``evaluate(point, seeds)``
returning ``{pattern: {"value", "passed"}}``, which is how it is checked on a toy model
with a known posterior (a binomial rate with a flat prior: Beta).

Everything is a pure function of the spec and its seed: the design from the seed, each
draw's replicate seeds from ``SeedSequence(seed, spawn_key=(draw,))``; results are the same
in this process, on local workers or on Dask. Finished draws are stored one file each, so
an interrupted build resumes; a folder made by another spec is refused.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.core.paramtree import leaves
from sim.experiments.distributed import check_address, executor
from sim.experiments.ensemble_patterns import DEFAULT_PATTERNS, PATTERNS, evaluate_draw
from sim.experiments.sweep_spec import Axis
from sim.experiments.sweep_store import atomic_write, lhs_points
from sim.output.ensemble_chart import ranges_chart
from sim.output.folders import check_folder, clean_leftovers, marker_kind, write_marker
from sim.output.results import git_commit, version
from sim.policy.scenario import load
from sim.core.streams import replicate_seeds

# Sizes and horizons are settings of a run, not behavioural assumptions: never drawn.
SETTINGS = ("run.days", "city.n_residents", "city.grid_side", "city.n_jurisdictions", "departments.n_outside")
QUANTILES = {"min": 0.0, "q10": 0.1, "q50": 0.5, "q90": 0.9, "max": 1.0}
REFERENCE = 2**31  # spawn key of the shipped defaults' own replicate seeds (draws are numbered below it)


# ---- the prior ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Prior:
    """Independent uniform priors over ranges (an integer parameter's draws are rounded)."""

    axes: tuple[Axis, ...]
    defaults: tuple[float, ...] = ()

    @property
    def names(self) -> list[str]:
        return [a.path for a in self.axes]

    def points(self, n: int, seed: int) -> list[dict[str, float]]:
        """``n`` Latin-hypercube points drawn with ``seed`` (as ``survsim sweep`` draws lhs designs)."""
        return lhs_points(self.axes, n, seed)


def drawable() -> dict[str, tuple[float, float, bool, float]]:
    """Every parameter a draw may vary: a single number with a declared assumption range,
    not a setting; {path: (low, high, integer, default)}. Per-group dicts keep their values."""
    base = load("baseline").params
    return {leaf.path: (float(leaf.assumption[0]), float(leaf.assumption[1]), isinstance(leaf.value, int),
                        float(leaf.value))
            for leaf in leaves(base) if leaf.assumption and leaf.path not in SETTINGS
            and isinstance(leaf.value, (int, float)) and not isinstance(leaf.value, bool)
            and leaf.assumption[0] < leaf.assumption[1]}


def assumption_prior(vary: Sequence[str] | None = None) -> Prior:
    """The prior over ``vary`` (default: every drawable assumption, in tree order)."""
    known = drawable()
    names = list(dict.fromkeys(vary)) if vary else list(known)
    for name in names:
        if name not in known:
            hint = difflib.get_close_matches(name, list(known), n=1)
            raise InputError(f"--vary {name!r}: not a drawable assumption" + (f" (did you mean {hint[0]!r}?)" if hint
                             else "") + f"; allowed: one of the {len(known)} single-number parameters with an "
                             "assumption range (see `survsim params`), sizes and horizons excluded")
    return Prior(tuple(Axis(n, low=known[n][0], high=known[n][1], integer=known[n][2]) for n in names),
                 tuple(known[n][3] for n in names))


def draw_seeds(seed: int, draw: int, replicates: int) -> list[int]:
    """The replicate seeds of one draw: independent across draws, fixed by (seed, draw)."""
    return replicate_seeds(seed, replicates, key=(draw,))


# ---- rejection ABC ------------------------------------------------------------------------
def rejection_abc(prior: Prior, evaluate: Callable[[dict, list[int]], dict], patterns: Sequence[str], draws: int,
                  seed: int, replicates: int = 1, *, store: Path | None = None, workers: int = 1,
                  scheduler: str | None = None, progress: Callable[[int], None] | None = None,
                  accept: Sequence[str] | None = None) -> pd.DataFrame:
    """Draw ``draws`` points from ``prior``, evaluate each (``evaluate(point, seeds)`` ->
    ``{pattern: {"value", "passed"}}`` or ``{"_invalid": reason}``), and accept a draw iff
    every pattern in ``accept`` (default: ``patterns``) passed. With ``store``, each finished draw is kept as
    ``store/d<draw>.json`` and draws already there are not run again. Returns
    :func:`draws_table`."""
    points = prior.points(draws, seed)
    results = _stored(store, draws) if store is not None else {}
    todo = [i for i in range(draws) if i not in results]
    if todo:
        with executor(workers, scheduler) as pool:
            queue, running = iter(todo), {}
            while True:
                for i in list(_take(queue, max(0, pool.queue - len(running)))):
                    running[pool.submit(_timed, evaluate, points[i], draw_seeds(seed, i, replicates))] = i
                if not running:
                    break
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda f: running[f]):
                    i = running.pop(fut)
                    res = {"draw": i, "point": points[i], "seeds": draw_seeds(seed, i, replicates), **fut.result()}
                    results[i] = res
                    if store is not None:
                        atomic_write(store / f"d{i:06d}.json", lambda f, r=res: f.write_text(json.dumps(r)))
                    if progress is not None:
                        progress(1)
    return draws_table(prior, patterns, [results[i] for i in range(draws)], accept)


def _take(it, n: int):
    for _ in range(n):
        try:
            yield next(it)
        except StopIteration:
            return


def _timed(evaluate: Callable, point: dict, seeds: list[int]) -> dict:
    t0 = time.perf_counter()
    out = evaluate(point, seeds)
    return {"result": out, "seconds": round(time.perf_counter() - t0, 2)}


def _stored(store: Path, draws: int) -> dict[int, dict]:
    out = {}
    for i in range(draws):
        path = store / f"d{i:06d}.json"
        try:
            out[i] = json.loads(path.read_text())
        except (OSError, ValueError):
            continue  # absent, or damaged by a kill mid-write: run again
    return out


def draws_table(prior: Prior, patterns: Sequence[str], results: list[dict],
                accept: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per draw: draw, status ("ok", "invalid: ...", or "rejected at stage 1" for a
    draw that failed an analytic check and was not simulated), accepted (every pattern in
    ``accept``, default ``patterns``, passed), the drawn values, then each pattern's value
    and ``<pattern>_passed`` (NaN where the pattern was not evaluated)."""
    accept = list(patterns if accept is None else accept)
    rows = []
    for r in results:
        res = r["result"]
        bad = res.get("_invalid")
        skipped = bad is None and any(res[k].get("skipped") for k in patterns)
        row = {"draw": r["draw"], "status": f"invalid: {bad}" if bad else "rejected at stage 1" if skipped else "ok",
               "accepted": bad is None and all(res[k]["passed"] for k in accept), **r["point"]}
        for k in patterns:
            row[k] = np.nan if bad else res[k]["value"]
            row[f"{k}_passed"] = np.nan if bad or res[k].get("skipped") else float(res[k]["passed"])
        rows.append(row)
    cols = ["draw", "status", "accepted", *prior.names, *(c for k in patterns for c in (k, f"{k}_passed"))]
    return pd.DataFrame(rows, columns=cols)


def summarise(table: pd.DataFrame, prior: Prior, patterns: Sequence[str]) -> dict[str, Any]:
    """Acceptance rate, each pattern's pass rate, and each parameter's prior and accepted
    range (min, 10%, 50%, 90%, max of the accepted draws; None when none was accepted)."""
    n, acc = len(table), table[table.accepted]
    params = {}
    for a, default in zip(prior.axes, prior.defaults or [None] * len(prior.axes)):
        vals = acc[a.path].to_numpy(float)
        params[a.path] = {"prior": [a.low, a.high], "default": default,
                          "accepted": {k: float(np.quantile(vals, q)) for k, q in QUANTILES.items()} if len(vals)
                          else None}
    return {"draws": n, "accepted": len(acc), "acceptance_rate": len(acc) / n if n else float("nan"),
            "invalid": int(table.status.str.startswith("invalid").sum()),
            "unsimulated": int((table.status == "rejected at stage 1").sum()),
            "pass_rates": {k: float(table[f"{k}_passed"].mean()) for k in patterns},  # over the draws judged on it
            "judged": {k: int(table[f"{k}_passed"].notna().sum()) for k in patterns}, "parameters": params}


# ---- the command --------------------------------------------------------------------------
@dataclass
class Build:
    """A validated ``survsim ensemble build`` request (nothing written yet)."""

    draws: int
    patterns: tuple[str, ...]
    residents: int
    replicates: int
    seed: int
    prior: Prior
    out: Path
    workers: int = 1
    scheduler: str | None = None
    chosen: bool = True  # --patterns given; else the defaults, less those the defaults fail at this size
    baseline: dict = field(default_factory=dict, repr=False)
    national: dict = field(default_factory=dict, repr=False)

    @property
    def spec(self) -> dict[str, Any]:
        return {"draws": self.draws, "patterns": list(self.patterns), "residents": self.residents,
                "replicates": self.replicates, "seed": self.seed, "design": "lhs",
                "vary": {a.path: [a.low, a.high] for a in self.prior.axes}}

    @property
    def key(self) -> str:
        data = {"spec": self.spec, "baseline": self.baseline, "national": self.national}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]

    @property
    def store(self) -> Path:
        return self.out / "draws"

    def missing(self) -> int:
        return self.draws - len(_stored(self.store, self.draws)) if self.store.is_dir() else self.draws


def prepare(draws: int = 400, patterns: Sequence[str] | None = None, residents: int = 5_000, replicates: int = 2,
            seed: int = 1, vary: Sequence[str] | None = None, out: str | Path = Path("results/ensemble"),
            workers: int = 1, scheduler: str | None = None) -> Build:
    """Check every input and the ``--out`` folder; InputError (exit 2) before anything is written."""
    for flag, v, lo, hi in (("--draws", draws, 1, 100_000), ("--residents", residents, 500, 1_000_000),
                            ("--replicates", replicates, 1, 100), ("--seed", seed, 0, 2**63 - 1),
                            ("--workers", workers, 1, 256)):
        if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
            raise InputError(f"{flag} = {v!r}: allowed: an integer from {lo:,} to {hi:,}")
    keys = tuple(dict.fromkeys(k.strip() for p in (patterns or DEFAULT_PATTERNS) for k in p.split(",") if k.strip()))
    for k in keys or ("",):
        if k not in PATTERNS:
            hint = difflib.get_close_matches(k, list(PATTERNS), n=1)
            raise InputError(f"--patterns {k!r}: not a pattern" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                             + f"; allowed: {', '.join(PATTERNS)}")
    prior = assumption_prior(vary)
    if scheduler:
        check_address(scheduler)
    out = Path(out)
    check_folder(out, "--out", "ensemble")
    b = Build(draws, keys, residents, replicates, seed, prior, out, workers, scheduler, bool(patterns),
              load("baseline").params.model_dump(mode="json"), load("national").params.model_dump(mode="json"))
    old = _read_spec(out)
    if old is not None and old.get("key") != b.key:
        was, now = old.get("spec", {}), b.spec
        diff = [k for k in now if was.get(k) != now[k]]
        what = (", ".join(f"{k} {_short(was.get(k))} -> {_short(now[k])}" for k in diff[:3]) if diff
                else "same flags, but the baseline or national scenario changed")
        raise InputError(f"--out {out}: holds an ensemble built with another spec ({what}); its draws would not "
                         f"match. Give another --out, or delete {out} to start over")
    return b


def _short(v: Any) -> str:
    s = json.dumps(v, default=str)
    return s if len(s) <= 60 else s[:57] + "..."


def _read_spec(out: Path) -> dict | None:
    try:
        data = json.loads((out / "ensemble.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else {}


@dataclass
class Report:
    out: Path
    summary: dict[str, Any]
    patterns: tuple[str, ...]
    ran: int
    seconds: float
    files: list[Path]
    notes: list[str]

    def lines(self) -> list[str]:
        s = self.summary
        lines = [f"ensemble: {s['accepted']} of {s['draws']} draws accepted (acceptance rate "
                 f"{s['acceptance_rate']:.1%}); {self.ran} evaluated now in {self.seconds:.1f} s"
                 + (f"; {s['invalid']} draws invalid (broke a rule of the parameter tree)" if s["invalid"] else "")
                 + (f"; {s['unsimulated']} rejected by the analytic checks without a run" if s.get("unsimulated")
                    else ""),
                 "pass rate per pattern over the draws judged on it (the lowest does most of the rejecting), and the "
                 "verdict at the shipped defaults at the same size:"]
        ref, accept = s.get("at_defaults", {}), s.get("accept", self.patterns)
        at = {k: "" if "_invalid" in ref or k not in ref else "pass" if ref[k]["passed"] else "FAIL" for k in self.patterns}
        lines += [f"  {k:<20} {s['pass_rates'][k]:6.1%} of {s['judged'][k]:<5} {at[k]:<4}  {PATTERNS[k].label}"
                  + ("" if k in accept else "  (not used for acceptance at this size)") for k in self.patterns]
        lines += [f"note: {n}" for n in self.notes]
        lines.append(f"Results: {self.out} (" + ", ".join(f.name for f in self.files) + ")")
        return lines


def build(b: Build, progress: Callable[[int], None] | None = None, images: bool = True) -> Report:
    """Run what ``b.out`` lacks, then write draws.csv, accepted.csv, manifest.json and the chart."""
    t0 = time.monotonic()
    b.out.mkdir(parents=True, exist_ok=True)
    if marker_kind(b.out) is None:
        write_marker(b.out, "ensemble")
    clean_leftovers(b.out)
    b.store.mkdir(exist_ok=True)
    clean_leftovers(b.store)
    if _read_spec(b.out) is None:
        atomic_write(b.out / "ensemble.json", lambda f: f.write_text(json.dumps(
            {"key": b.key, "spec": b.spec, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
            indent=2)))
    missing = b.missing()
    evaluate = functools.partial(evaluate_draw, baseline=b.baseline, national=b.national, keys=b.patterns,
                                 residents=b.residents)
    ref = _reference(b, functools.partial(evaluate, staged=False))
    failing = [k for k in b.patterns if "_invalid" not in ref and not ref[k]["passed"]]
    accept = [k for k in b.patterns if b.chosen or k not in failing]
    table = rejection_abc(b.prior, evaluate, b.patterns, b.draws, b.seed, b.replicates, store=b.store,
                          workers=b.workers, scheduler=b.scheduler, progress=progress, accept=accept)
    summary = summarise(table, b.prior, b.patterns)
    summary["at_defaults"], summary["accept"] = ref, accept
    summary["left_out_at_this_size"] = [k for k in b.patterns if k not in accept]
    notes = [] if summary["accepted"] else ["no draw was accepted: the chart shows the priors only; see the pass "
                                            "rates for the pattern that rejects, or choose --patterns"]
    if failing and b.chosen:
        notes.insert(0, f"at {b.residents:,} residents x {b.replicates} replicate(s) the shipped defaults themselves "
                        f"fail {', '.join(failing)}: at this size those patterns reject for the city size or chance, "
                        "not only for the parameters; raise --residents or --replicates, or leave them out with "
                        "--patterns")
    elif failing:
        notes.insert(0, f"left out of acceptance at {b.residents:,} residents x {b.replicates} replicate(s): "
                        f"{', '.join(failing)} (the shipped defaults fail them at this size, so they cannot tell "
                        "worlds apart here; their values are still recorded); raise --residents or --replicates to "
                        "use them")
    files = _write(b, table, summary, time.monotonic() - t0, notes, images)
    return Report(b.out, summary, b.patterns, missing, time.monotonic() - t0, files, notes)


def _reference(b: Build, evaluate: Callable) -> dict:
    """The chosen patterns at the shipped defaults, at the ensemble's size and replicates
    (own seeds), stored beside the draws: does the size alone make a pattern fail?"""
    path = b.store / "reference.json"
    try:
        return json.loads(path.read_text())["result"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    res = _timed(evaluate, {}, draw_seeds(b.seed, REFERENCE, b.replicates))
    atomic_write(path, lambda f: f.write_text(json.dumps(res)))
    return res["result"]


def _write(b: Build, table: pd.DataFrame, summary: dict, seconds: float, notes: list[str], images: bool) -> list[Path]:
    files = [b.out / "draws.csv", b.out / "accepted.csv", b.out / "manifest.json", b.out / "ensemble.html"]
    atomic_write(files[0], lambda f: table.to_csv(f, index=False))
    acc = table[table.accepted][["draw", *b.prior.names, *b.patterns]]
    atomic_write(files[1], lambda f: acc.to_csv(f, index=False))
    base = load("baseline").params
    manifest = {
        "kind": "ensemble", "method": "rejection ABC: accept a draw iff every chosen pattern passes its declared band",
        "spec": b.spec, "key": b.key, "scenario": "baseline (partnerships: national preset)",
        "days": base.run.days, "start_date": str(base.run.start_date),
        "prior": "independent uniform over each varied assumption's declared range (Latin hypercube; integers "
                 "rounded); parameters not varied, fitted parameters and per-group dicts keep their values",
        "patterns": {k: {"kind": PATTERNS[k].kind, "label": PATTERNS[k].label, "rule": PATTERNS[k].rule}
                     for k in b.patterns},
        "default_patterns": list(DEFAULT_PATTERNS),
        "excluded_from_default": {k: p.excluded for k, p in PATTERNS.items() if p.excluded},
        **{k: summary[k] for k in ("draws", "accepted", "acceptance_rate", "invalid", "unsimulated", "pass_rates",
                                   "judged", "accept", "left_out_at_this_size")},
        "staging": "the analytic recognition checks are judged first; a draw failing one is rejected without a run "
                   "(the accepted set is the one full evaluation gives; simulated patterns' pass rates are over the "
                   "draws that reached them)",
        "at_defaults": summary["at_defaults"], "parameters": summary["parameters"],
        "notes": notes, "seconds": round(seconds, 1), "survsim_version": version(), "git_commit": git_commit(),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    atomic_write(files[2], lambda f: f.write_text(json.dumps(manifest, indent=2, default=str)))
    fig = ranges_chart(summary["parameters"], f"{summary['accepted']} of {summary['draws']} draws accepted "
                       f"({summary['acceptance_rate']:.0%}); patterns: {', '.join(summary['accept'])}")
    atomic_write(files[3], lambda f: fig.write_html(f, include_plotlyjs=True, full_html=True))
    if images:
        try:
            from sim.output.report import export

            files += export(fig, b.out / "ensemble")
        except Exception as e:  # noqa: BLE001 - images are optional: say why and carry on
            notes.append(f"no PNG chart: {type(e).__name__}: {e}")
    return files
