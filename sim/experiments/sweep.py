"""Parameter sweeps: many runs of one scenario over a declared set of parameter values.

A sweep spec is a TOML file::

    name = "threshold_sweep"
    scenario = "baseline"               # shipped name, or a path (relative to this file)
    design = "grid"                     # or "lhs" (Latin hypercube) with samples = N
    replicates = 4                      # seeds spawned from `seed`, the same at every point
    seed = 1
    [overrides]                         # fixed for every run
    "run.days" = 730
    [parameters]                        # swept: a list of values, or a range
    "recognition.threshold" = [0.8, 0.9, 0.99]
    "enforcement.review_catch" = { low = 0.2, high = 0.8, levels = 3 }
    "enforcement.usable_face" = "assumption"   # the range the parameter tree declares
    [outputs]                           # what to keep of each run
    cameras = "final"                   # metric = statistic: "final", "total" or "mean"
    fear_gap = { metric = "fear_mean", statistic = "final", difference = ["black", "white"] }

An output in table form takes ``metric``, ``statistic``, and optionally ``day`` (the
statistic over days 1..day, or the value on that day), ``group`` (a group key such as
``black_f`` or a race such as ``black``), ``per_capita`` (counts per 1,000 residents of the
population or group), and ``ratio`` or ``difference`` of two groups (counts compared per
1,000 residents; means compared as they are).

Every run is one (point, replicate). Runs go to a *sweep store*, a folder::

    spec.toml  sweep.json  plan.parquet     the spec, its hash, every planned run
    runs/p00003-r001/outputs.parquet         tidy: output, metric, statistic, group, value
    runs/p00003-r001/run.json                point, replicate, seed, values, time, host
    index.parquet                            one row per finished run, outputs wide

A run folder appears by renaming a finished temporary folder, so it is complete or absent.
Starting the sweep again runs only the runs with no folder; a store made from another
spec (or a scenario that changed since) is refused.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import itertools
import json
import os
import re
import shutil
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.experiments.distributed import executor
from sim.core.errors import InputError
from sim.core.metrics import BY_NAME, METRICS
from sim.params import Params
from sim.core.paramtree import Leaf, leaves
from sim.output.results import git_commit, version
from sim.experiments.runner import run_replicate
from sim.policy.scenario import Scenario, find, load, merge, read_toml, validate
from sim.core.streams import replicate_seeds

COMMON_KEYS = ("name", "description", "scenario", "samples", "levels", "replicates", "seed",
               "overrides", "parameters", "outputs")
KEYS = {"sweep": (*COMMON_KEYS, "design"), "sensitivity": (*COMMON_KEYS, "method")}
DESIGNS = ("grid", "lhs")
STATISTICS = ("final", "total", "mean")
OUTPUT_KEYS = ("metric", "statistic", "day", "group", "per_capita", "ratio", "difference")
OUT_COLUMNS = ["output", "metric", "statistic", "group", "value"]
RUN_COLUMNS = ["point", "replicate", "seed"]
METRIC_INDEX = {m.name: i for i, m in enumerate(METRICS)}


# ---- the spec ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Axis:
    """One swept parameter: explicit ``values``, or a ``low``-``high`` range."""

    path: str
    values: tuple | None = None
    low: float | None = None
    high: float | None = None
    levels: int | None = None
    integer: bool = False

    def grid(self) -> list:
        if self.values is not None:
            return list(self.values)
        return [self.cast(v) for v in np.linspace(self.low, self.high, self.levels)]

    def scale(self, u: np.ndarray) -> list:
        """Map uniform [0, 1) draws onto the axis (ranges linearly, lists by position)."""
        if self.values is not None:
            return [self.values[min(int(x * len(self.values)), len(self.values) - 1)] for x in u]
        return [self.cast(self.low + x * (self.high - self.low)) for x in u]

    def cast(self, v: float) -> Any:
        return int(round(float(v))) if self.integer else float(v)


@dataclass(frozen=True)
class Output:
    """One number kept from each run (see the module docstring for the fields)."""

    name: str
    metric: str
    statistic: str
    day: int | None = None
    groups: tuple[str, ...] = ()   # () population; (g,) one group; (a, b) compared
    compare: str = ""              # "", "ratio" or "difference"
    per_capita: bool = False


@dataclass(frozen=True)
class Spec:
    path: Path
    kind: str                      # "sweep" or "sensitivity"
    name: str
    description: str
    scenario: Path
    base: Scenario                 # the scenario with the fixed overrides
    overrides: dict[str, Any]
    axes: tuple[Axis, ...]
    design: str                    # grid / lhs; for sensitivity, the method
    samples: int | None
    levels: int | None
    replicates: int
    seed: int
    outputs: tuple[Output, ...]
    raw: dict[str, Any]


def read_spec(path: str | Path, kind: str = "sweep") -> Spec:
    """Read and validate a sweep (or sensitivity) spec; every problem is one InputError
    naming the file, the field, the value and what is allowed."""
    path = Path(path)
    raw = read_toml(path, f"{kind} spec")
    where = str(path)
    _known(raw, KEYS[kind], where, "top-level key")
    for key in ("parameters", "outputs"):
        if not raw.get(key):
            raise InputError(f"{where}: needs a non-empty [{key}] table")
    for key in ("parameters", "outputs", "overrides"):
        if not isinstance(raw.get(key, {}), dict):
            raise InputError(f"{where}: field {key!r} must be a table ([{key}])")
    name = _get(raw, "name", str, where, path.stem)
    if not re.fullmatch(r"[\w.-]+", name):
        raise InputError(f"{where}: field 'name' = {name!r}: use letters, digits, '_', '-' and '.' (it names a folder)")
    try:
        scenario = find(_get(raw, "scenario", str, where, "baseline"), relative_to=path)
    except InputError as e:
        raise InputError(f"{where}: field {e}") from None
    replicates = _get(raw, "replicates", int, where, 1, lo=1)
    seed = _get(raw, "seed", int, where, 0, lo=0)
    samples = _get(raw, "samples", int, where, None, lo=1)
    levels = _get(raw, "levels", int, where, None, lo=2)
    if kind == "sweep":
        design = _get(raw, "design", str, where, "grid")
        if design not in DESIGNS:
            raise InputError(f"{where}: field 'design' = {design!r}: allowed: {', '.join(DESIGNS)}")
        if design == "lhs" and samples is None:
            raise InputError(f"{where}: design = 'lhs' needs 'samples' (the number of points)")
    else:
        design = _get(raw, "method", str, where, "sobol")
        if design not in ("sobol", "morris"):
            raise InputError(f"{where}: field 'method' = {design!r}: allowed: sobol, morris")
    overrides = dict(raw.get("overrides", {}))
    base = scenario_with(scenario, overrides, f"{where}: [overrides]")
    both = [k for k in raw["parameters"] if k in overrides]
    if both:
        raise InputError(f"{where}: {both[0]!r} is both in [overrides] and in [parameters]; keep one")
    axes = tuple(_axis(p, v, scenario, overrides, levels, design, where) for p, v in raw["parameters"].items())
    outputs = tuple(_output(n, v, base, where) for n, v in raw["outputs"].items())
    clash = [o.name for o in outputs if o.name in RUN_COLUMNS or o.name in {a.path for a in axes}]
    if clash:
        raise InputError(f"{where}: [outputs] {clash[0]!r}: the name is taken by a run column or a parameter")
    return Spec(path, kind, name, _get(raw, "description", str, where, ""), scenario, base, overrides, axes,
                design, samples, levels, replicates, seed, outputs, raw)


def _known(table: dict, allowed: Sequence[str], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            raise InputError(f"{where}: unknown {what} {key!r}.{did} Allowed: {', '.join(allowed)}")


def _get(raw: dict, key: str, typ: type, where: str, default: Any, lo: int | None = None) -> Any:
    if key not in raw:
        return default
    v = raw[key]
    if not isinstance(v, typ) or isinstance(v, bool) or (lo is not None and v < lo):
        need = "a string" if typ is str else f"an integer >= {lo}"
        raise InputError(f"{where}: field {key!r} = {v!r}: must be {need}")
    return v


_LEAVES: dict[str, Leaf] = {leaf.path: leaf for leaf in leaves(Params())}


def _axis(path: str, v: Any, scenario: Path, overrides: dict, levels: int | None, design: str,
          where: str) -> Axis:
    at = f"{where}: [parameters] {path!r}"
    leaf = _LEAVES.get(path)
    if leaf is None:
        hint = difflib.get_close_matches(path, list(_LEAVES), n=1)
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        raise InputError(f"{at}: no such parameter.{did} See `survsim params` for the parameter tree")
    if isinstance(leaf.value, (dict, list, dt.date)):
        raise InputError(f"{at}: a {type(leaf.value).__name__}-valued parameter cannot be swept; "
                         "sweep numbers, switches or names")
    integer = isinstance(leaf.value, int) and not isinstance(leaf.value, bool)
    if v == "assumption":
        if leaf.assumption is None:
            raise InputError(f"{at} = 'assumption': this parameter declares no assumption range "
                             f"(its value comes from {leaf.source!r}); give {{ low = ..., high = ... }}")
        v = {"low": leaf.assumption[0], "high": leaf.assumption[1]}
    if isinstance(v, list):
        if not v:
            raise InputError(f"{at} = []: give at least one value")
        if len({json.dumps(x, default=str) for x in v}) < len(v):
            raise InputError(f"{at} = {v!r}: values must be distinct")
        axis = Axis(path, values=tuple(v), integer=integer)
        checks = list(v)
    elif isinstance(v, dict):
        _known(v, ("low", "high", "levels"), at, "key")
        low, high = v.get("low"), v.get("high")
        for k, x in (("low", low), ("high", high)):
            if not isinstance(x, (int, float)) or isinstance(x, bool):
                raise InputError(f"{at}: {k} = {x!r}: must be a number")
        if not low < high:
            raise InputError(f"{at}: low = {low!r}, high = {high!r}: low must be below high")
        if not isinstance(leaf.value, (int, float)) or isinstance(leaf.value, bool):
            raise InputError(f"{at}: a range needs a numeric parameter; give a list of values")
        n = v.get("levels", levels)
        if design == "grid" and n is None:
            raise InputError(f"{at}: a range in a grid needs 'levels' (here or at the top of the spec), "
                             "or give a list of values")
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n < 2):
            raise InputError(f"{at}: levels = {n!r}: must be an integer >= 2")
        axis = Axis(path, low=float(low), high=float(high), levels=n, integer=integer)
        checks = [low, high]
    else:
        raise InputError(f"{at} = {v!r}: give a list of values, {{ low = ..., high = ... }} or \"assumption\"")
    if design in ("sobol", "morris") and axis.values is not None:
        raise InputError(f"{at}: sensitivity analysis needs a range {{ low = ..., high = ... }}, not a list")
    for x in checks:  # the scenario loader's own validation: bounds, types, validators
        scenario_with(scenario, {**overrides, path: axis.cast(x) if axis.values is None else x}, at)
    return axis


def scenario_with(scenario: Path, overrides: dict[str, Any], where: str) -> Scenario:
    """The scenario with dotted-path overrides, validated by the parameter tree; a problem
    is an InputError starting with ``where``."""
    params = load(scenario).params.model_dump(mode="json")
    for dotted, value in overrides.items():
        nested: Any = value
        for part in reversed(dotted.split(".")):
            nested = {part: nested}
        params = merge(params, nested)
    validate(params, where)
    return load(scenario, overrides)


def _output(name: str, v: Any, base: Scenario, where: str) -> Output:
    at = f"{where}: [outputs] {name!r}"
    if isinstance(v, str):
        v = {"metric": name, "statistic": v}
    if not isinstance(v, dict):
        raise InputError(f"{at} = {v!r}: give a statistic ({', '.join(STATISTICS)}) or a table "
                         f"with {', '.join(OUTPUT_KEYS)}")
    _known(v, OUTPUT_KEYS, at, "key")
    metric, stat = v.get("metric"), v.get("statistic")
    if metric not in BY_NAME:
        hint = difflib.get_close_matches(str(metric), list(BY_NAME), n=1)
        did = f" Did you mean {hint[0]!r}?" if hint else ""
        raise InputError(f"{at}: metric {metric!r} is not in the catalogue.{did} Metrics: {', '.join(BY_NAME)}")
    m = BY_NAME[metric]
    if stat not in STATISTICS:
        raise InputError(f"{at}: statistic {stat!r}: allowed: {', '.join(STATISTICS)}")
    if stat == "total" and not m.flow:
        raise InputError(f"{at}: statistic 'total' sums a flow (counts per day); {metric} is a level "
                         f"({m.unit}): use 'final' or 'mean'")
    day = v.get("day")
    days = base.params.run.days
    if day is not None and (not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= days):
        raise InputError(f"{at}: day = {day!r}: must be an integer from 1 to run.days ({days})")
    per_capita = v.get("per_capita", False)
    if not isinstance(per_capita, bool):
        raise InputError(f"{at}: per_capita = {per_capita!r}: must be true or false")
    if per_capita and _intensive(metric):
        raise InputError(f"{at}: per_capita applies to counts; {metric} ({m.unit}) is not a count")
    chosen = [k for k in ("group", "ratio", "difference") if k in v]
    if len(chosen) > 1:
        raise InputError(f"{at}: give one of 'group', 'ratio', 'difference', not {' and '.join(chosen)}")
    groups: tuple[str, ...] = ()
    compare = ""
    if chosen:
        sel = v[chosen[0]]
        groups = (sel,) if chosen[0] == "group" else tuple(sel) if isinstance(sel, list) else ()
        want = 1 if chosen[0] == "group" else 2
        if len(groups) != want or not all(isinstance(g, str) for g in groups):
            shape = "a group name" if want == 1 else "a list of two group names"
            raise InputError(f"{at}: {chosen[0]} = {sel!r}: must be {shape}")
        if not m.per_group:
            raise InputError(f"{at}: {metric} has no per-group rows; per-group metrics: "
                             f"{', '.join(x.name for x in METRICS if x.per_group)}")
        keys = base.params.group_keys
        for g in groups:
            if not _members(g, keys):
                races = sorted({k.rsplit('_', 1)[0] for k in keys})
                raise InputError(f"{at}: group {g!r} is not a group; groups: {', '.join(keys)}; "
                                 f"races: {', '.join(races)}")
        compare = "" if chosen[0] == "group" else chosen[0]
    return Output(name, metric, stat, day, groups, compare, per_capita)


# ---- outputs of one run -------------------------------------------------------------------

def _intensive(metric: str) -> bool:
    """Means and ratios average over groups by population share; counts add up."""
    return BY_NAME[metric].intensive


def _members(sel: str, keys: Sequence[str]) -> list[int]:
    return [i for i, k in enumerate(keys) if k == sel or k.startswith(sel + "_")]


def reduce(total: np.ndarray, by_group: np.ndarray, outputs: Sequence[Output], keys: Sequence[str],
           shares: np.ndarray, residents: int) -> list[tuple]:
    """One run's outputs as tidy rows (output, metric, statistic, group, value).

    ``group`` is "" for the output's own value; a population output of a per-group metric
    also gets one row per group.
    """
    rows = []
    for o in outputs:
        i, day = METRIC_INDEX[o.metric], o.day if o.day is not None else total.shape[0] - 1
        pop, per_group = _statistic(total[:, i], o.statistic, day), _statistic(by_group[:, i, :], o.statistic, day)

        def of(sel: str, rate: bool) -> float:
            return _of_groups(per_group, _members(sel, keys), shares, residents, _intensive(o.metric), rate)

        with np.errstate(divide="ignore", invalid="ignore"):  # a ratio over zero is inf or NaN, kept as such
            if o.compare == "ratio":
                value = float(np.divide(of(o.groups[0], True), of(o.groups[1], True)))
            elif o.compare == "difference":
                value = of(o.groups[0], True) - of(o.groups[1], True)
            elif o.groups:
                value = of(o.groups[0], o.per_capita)
            else:
                value = float(pop) * (1000 / residents if o.per_capita else 1.0)
        rows.append((o.name, o.metric, o.statistic, "", value))
        if not o.groups and BY_NAME[o.metric].per_group:
            rows += [(o.name, o.metric, o.statistic, k, _of_groups(per_group, [g], shares, residents, False,
                                                                   o.per_capita))
                     for g, k in enumerate(keys)]
    return rows


def _statistic(x: np.ndarray, statistic: str, day: int) -> np.ndarray:
    """The value on ``day`` (final), or the sum or mean over days 1..day (day 0 is the start)."""
    if statistic == "final":
        return x[day]
    return x[1:day + 1].sum(0) if statistic == "total" else x[1:day + 1].mean(0)


def _of_groups(per_group: np.ndarray, idx: list[int], shares: np.ndarray, residents: int, intensive: bool,
               rate: bool) -> float:
    """Several groups as one: means weighted by population share; counts added, or per
    1,000 residents of those groups (``rate``)."""
    w = shares[idx]
    if intensive:
        return float(per_group[idx] @ w / w.sum())
    n = float(per_group[idx].sum())
    return n / (residents * w.sum()) * 1000 if rate else n


def run_task(params: dict[str, Any], seed: int, policies: tuple[dict, ...], outputs: tuple[Output, ...]) -> dict:
    """Run one replicate and keep its outputs: plain data in, plain data out (for workers)."""
    t0 = time.perf_counter()
    out = run_replicate(params, seed, None, policies)
    p = Params.model_validate(params)
    shares = np.array([p.groups.shares[k] for k in p.group_keys])
    rows = reduce(out.total, out.by_group, outputs, p.group_keys, shares, p.city.n_residents)
    return {"rows": rows, "seconds": time.perf_counter() - t0, "host": socket.gethostname(), "pid": os.getpid()}


# ---- the plan -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Run:
    point: int
    replicate: int
    seed: int

    @property
    def id(self) -> str:
        return f"p{self.point:05d}-r{self.replicate:03d}"


@dataclass
class Plan:
    """Every run of a sweep, fixed by the spec: points (swept values) x replicate seeds."""

    spec: Spec
    points: list[dict[str, Any]]
    params: list[dict[str, Any]]   # validated parameters of each point, as plain data
    seeds: list[int]
    key: str                       # hash of what determines the runs

    @property
    def runs(self) -> list[Run]:
        return [Run(p, r, s) for p in range(len(self.points)) for r, s in enumerate(self.seeds)]

    def table(self) -> pd.DataFrame:
        """One row per run: point, replicate, seed, swept values."""
        return pd.DataFrame([{"point": r.point, "replicate": r.replicate, "seed": r.seed, **self.points[r.point]}
                             for r in self.runs], columns=[*RUN_COLUMNS, *(a.path for a in self.spec.axes)])


def plan(spec: Spec, points: list[dict[str, Any]] | None = None, extra_key: dict | None = None) -> Plan:
    """The deterministic list of runs. ``points`` replaces the spec's design (sensitivity
    analysis passes its own sample); ``extra_key`` adds what else determines them."""
    if points is None:
        points = design_points(spec)
    params = []
    for i, values in enumerate(points):
        sc = scenario_with(spec.scenario, {**spec.overrides, **values}, f"{spec.path}: point {i} ({_show(values)})")
        days = sc.params.run.days
        late = [o.name for o in spec.outputs if o.day is not None and o.day > days]
        if late:
            raise InputError(f"{spec.path}: [outputs] {late[0]!r}: day is beyond run.days = {days} at point {i}")
        params.append(sc.params.model_dump(mode="json"))
    raw = {k: v for k, v in spec.raw.items() if k != "description"}
    key = _hash({"kind": spec.kind, "spec": raw, "extra": extra_key or {}, "policies": list(spec.base.policies),
                 "params": params[0] if params else None, "points": points})
    return Plan(spec, points, params, replicate_seeds(spec.seed, spec.replicates), key)


def design_points(spec: Spec) -> list[dict[str, Any]]:
    """Grid: every combination, in the order declared. LHS: ``samples`` Latin-hypercube
    points drawn with the spec's seed."""
    if spec.design == "grid":
        names = [a.path for a in spec.axes]
        return [dict(zip(names, combo)) for combo in itertools.product(*(a.grid() for a in spec.axes))]
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(spec.axes), rng=np.random.default_rng(spec.seed)).random(spec.samples)
    cols = [a.scale(u[:, j]) for j, a in enumerate(spec.axes)]
    return [{a.path: cols[j][i] for j, a in enumerate(spec.axes)} for i in range(spec.samples)]


def _show(values: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]


# ---- the store ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SweepReport:
    """What a call did: counts for printing."""

    name: str
    store: Path
    total: int       # runs in the plan
    skipped: int     # already stored before this call
    ran: int         # run and stored by this call
    seconds: float
    where: str = ""

    @property
    def missing(self) -> int:
        return self.total - self.skipped - self.ran

    def __str__(self) -> str:
        at = f" {self.where}" if self.where else ""
        return (f"sweep {self.name!r}: {self.ran} runs done now{at}, {self.skipped} already stored, "
                f"{self.missing} missing, {self.total} in all ({self.seconds:.1f} s) -> {self.store / 'index.parquet'}")


def open_store(p: Plan, store: Path) -> set[str]:
    """Create the store or check it belongs to this plan; return the ids of stored runs."""
    meta = store / "sweep.json"
    if not check_store(p, store):
        store.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p.spec.path, store / "spec.toml")
        atomic_write(store / "plan.parquet", lambda f: p.table().to_parquet(f, index=False))
        info = {"name": p.spec.name, "kind": p.spec.kind, "key": p.key, "spec": p.spec.raw,
                "runs": len(p.runs), "points": len(p.points), "replicate_seeds": p.seeds,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "survsim_version": version(), "git_commit": git_commit()}
        atomic_write(meta, lambda f: f.write_text(json.dumps(info, indent=2, default=str)))
    runs = store / "runs"
    runs.mkdir(exist_ok=True)
    for tmp in runs.glob(".tmp-*"):  # left by a killed sweep: never renamed, so never counted
        shutil.rmtree(tmp, ignore_errors=True)
    return stored(store)


def check_store(p: Plan, store: Path) -> bool:
    """True if ``store`` is this plan's store, False if it is new; InputError otherwise."""
    meta = store / "sweep.json"
    if store.exists() and not meta.is_file() and any(store.iterdir()):
        raise InputError(f"--store {store}: exists and is not a sweep store (no sweep.json); "
                         "choose a new folder or remove it")
    if not meta.is_file():
        return False
    with open(meta) as f:
        old = json.load(f)
    if old.get("key") != p.key:
        raise InputError(f"sweep store {store}: was made by a different spec ({_changed(old.get('spec', {}), p)}); "
                         f"its runs would not match. Use another folder, or delete {store} to start over")
    return True


def _changed(old_raw: dict, p: Plan) -> str:
    a, b = _flat(old_raw), _flat(p.spec.raw)
    diff = sorted(k for k in a.keys() | b.keys() if k != "description" and a.get(k) != b.get(k))
    if diff:
        return "changed: " + ", ".join(f"{k} {a.get(k, '(absent)')!r} -> {b.get(k, '(absent)')!r}" for k in diff[:3])
    return f"same spec text, but scenario {p.spec.scenario.name} or the sample now gives other parameters"


def _flat(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = json.dumps(v, default=str)
    return out


def atomic_write(path: Path, write: Callable[[Path], Any]) -> None:
    """Write a file through a temporary name renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def store_run(store: Path, p: Plan, run: Run, result: dict) -> bool:
    """Write one finished run as runs/<id>/ via a temporary folder renamed into place;
    False if it was already there (nothing is written twice)."""
    final = store / "runs" / run.id
    if final.exists():
        return False
    tmp = store / "runs" / f".tmp-{run.id}-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        pd.DataFrame(result["rows"], columns=OUT_COLUMNS).to_parquet(tmp / "outputs.parquet", index=False)
        meta = {"point": run.point, "replicate": run.replicate, "seed": run.seed, "values": p.points[run.point],
                "seconds": result["seconds"], "host": result["host"], "pid": result["pid"],
                "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "survsim_version": version()}
        (tmp / "run.json").write_text(json.dumps(meta, indent=2, default=str))
        try:
            os.replace(tmp, final)
        except OSError:
            if final.exists():   # stored meanwhile by another sweep process
                return False
            raise
        return True
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def build_index(store: Path, p: Plan) -> pd.DataFrame:
    """index.parquet from the run folders: point, replicate, seed, swept values, outputs."""
    rows = []
    for run in p.runs:
        folder = store / "runs" / run.id
        if not (folder / "run.json").is_file():
            continue
        out = pd.read_parquet(folder / "outputs.parquet")
        head = out[out.group == ""].set_index("output")["value"]
        rows.append({"point": run.point, "replicate": run.replicate, "seed": run.seed, **p.points[run.point],
                     **{o.name: head.get(o.name, np.nan) for o in p.spec.outputs}})
    cols = [*RUN_COLUMNS, *(a.path for a in p.spec.axes), *(o.name for o in p.spec.outputs)]
    index = pd.DataFrame(rows, columns=cols)
    atomic_write(store / "index.parquet", lambda f: index.to_parquet(f, index=False))
    return index


def execute(p: Plan, store: str | Path, workers: int = 1, scheduler: str | None = None,
            progress: Callable[[int], None] | None = None) -> SweepReport:
    """Run what the store lacks of plan ``p`` and rebuild its index."""
    store = Path(store)
    t0 = time.perf_counter()
    if not scheduler and (not isinstance(workers, int) or workers < 1):
        raise InputError(f"--workers = {workers!r}: must be an integer >= 1")
    done = open_store(p, store)
    todo = [r for r in p.runs if r.id not in done]
    ran = 0
    where = ""
    if todo:
        spec = p.spec
        with executor(workers, scheduler) as pool:
            where = pool.where
            queue = iter(todo)
            running: dict[Future, Run] = {}
            try:
                while True:
                    # keep every slot busy plus a few queued, so an interrupt loses little
                    for run in itertools.islice(queue, max(0, pool.queue - len(running))):
                        running[pool.submit(run_task, p.params[run.point], run.seed, spec.base.policies,
                                            spec.outputs)] = run
                    if not running:
                        break
                    finished, _ = wait(running, return_when=FIRST_COMPLETED)
                    failed = None
                    for fut in sorted(finished, key=lambda f: running[f].id):
                        run = running.pop(fut)
                        if fut.exception() is not None:
                            failed = failed or (run, fut.exception())
                            continue
                        ran += store_run(store, p, run, fut.result())
                        if progress is not None:
                            progress(1)
                    if failed is not None:  # finished runs are kept; the failing one is named
                        run, e = failed
                        e.add_note(f"in sweep run {run.id}: seed {run.seed}, {_show(p.points[run.point])}")
                        raise e
            finally:
                build_index(store, p)
    else:
        build_index(store, p)
    return SweepReport(p.spec.name, store, len(p.runs), len(done), ran, time.perf_counter() - t0, where)


def run_sweep(spec_path: str | Path, store: str | Path | None = None, workers: int = 1,
              scheduler: str | None = None, progress: Callable[[int], None] | None = None) -> SweepReport:
    """Run a sweep spec into a store, running only the runs not stored yet.

    Args:
        spec_path: the sweep's TOML file.
        store: the store folder (default ``results/sweeps/<name>``).
        workers: local processes (1: in this process); ignored with ``scheduler``.
        scheduler: a Dask scheduler address, e.g. ``tcp://10.0.0.5:8786``.
        progress: called with 1 each time a run is stored (see :func:`status` for the count).

    Example:
        >>> rep = run_sweep("scenarios/sweeps/threshold_review_grid.toml", "results/sweeps/t")  # doctest: +SKIP
        >>> print(rep)                                                                        # doctest: +SKIP
        sweep 'threshold_review_grid': 48 runs done now, 0 already stored, 0 missing, 48 in all ...
    """
    p = plan(read_spec(spec_path))
    return execute(p, default_store(p.spec) if store is None else Path(store), workers, scheduler, progress)


def status(spec_path: str | Path, store: str | Path | None = None) -> SweepReport:
    """Counts of stored and missing runs, without running anything or writing."""
    p = plan(read_spec(spec_path))
    return count(p, default_store(p.spec) if store is None else Path(store))


def count(p: Plan, store: Path) -> SweepReport:
    """How much of plan ``p`` is in ``store`` (InputError if the store is another plan's)."""
    done = stored(store) if check_store(p, store) else set()
    return SweepReport(p.spec.name, store, len(p.runs), len({r.id for r in p.runs} & done), 0, 0.0)


def stored(store: Path) -> set[str]:
    """Ids of the finished runs in a store."""
    runs = store / "runs"
    return {d.name for d in runs.iterdir() if (d / "run.json").is_file()} if runs.is_dir() else set()


def default_store(spec: Spec) -> Path:
    return Path("results") / "sweeps" / spec.name


def load_index(store: str | Path) -> pd.DataFrame:
    """A store's index (one row per finished run)."""
    path = Path(store) / "index.parquet"
    if not path.is_file():
        raise InputError(f"{store}: no index.parquet; is this a sweep store?")
    return pd.read_parquet(path)
