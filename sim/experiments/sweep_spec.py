"""Sweep specs: reading a TOML spec into axes (swept parameters), overrides and outputs,
and reducing a run's recorded metrics to those outputs."""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.core.errors import InputError
from sim.core.metrics import BY_NAME, METRICS
from sim.params import Params
from sim.core.paramtree import Leaf, leaves
from sim.policy.scenario import SWEEP_DIR, Scenario, check_name, find, load, merge, read_toml, shipped, validate


COMMON_KEYS = ("name", "description", "scenario", "samples", "levels", "replicates", "seed",
               "overrides", "parameters", "outputs")


KEYS = {"sweep": (*COMMON_KEYS, "design"), "sensitivity": (*COMMON_KEYS, "method")}


DESIGNS = ("grid", "lhs")


STATISTICS = ("final", "total", "mean")


OUTPUT_KEYS = ("metric", "statistic", "day", "group", "per_capita", "ratio", "difference", "reform")


OUT_COLUMNS = ["output", "metric", "statistic", "group", "value"]


RUN_COLUMNS = ["point", "replicate", "seed"]


# Upper bounds that keep a spec from asking for more than a machine can plan: every point
# is validated and listed before any run (a few ms each), every run kept on disk.
MAX_REPLICATES = 10_000
MAX_SAMPLES = 100_000
MAX_POINTS = 50_000
MAX_RUNS = 200_000

METRIC_INDEX = {m.name: i for i, m in enumerate(METRICS)}
_LEAVES: dict[str, Leaf] = {leaf.path: leaf for leaf in leaves(Params())}


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
    reform: str = ""               # sensitivity: (this scenario's run) - (the spec's scenario's run), paired


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
    naming the file, the field, the value and what is allowed. ``path`` is a file, or the
    name of a shipped spec (``assumptions_sobol``, found in the package from any folder)."""
    path = Path(path)
    shipped = SWEEP_DIR / f"{path.name}.toml"
    if not path.is_file() and path.suffix != ".toml" and shipped.is_file():
        path = shipped
    raw = read_toml(path, f"{kind} spec")
    where = str(path)
    _known(raw, KEYS[kind], where, "top-level key")
    for key in ("parameters", "outputs"):
        if not raw.get(key):
            raise InputError(f"{where}: needs a non-empty [{key}] table")
    for key in ("parameters", "outputs", "overrides"):
        if not isinstance(raw.get(key, {}), dict):
            raise InputError(f"{where}: field {key!r} must be a table ([{key}])")
    name = check_name(_get(raw, "name", str, where, path.stem), where,
                      "name" if "name" in raw else "name (from the file name)")
    scenario_name = _get(raw, "scenario", str, where, "baseline")
    try:
        scenario = find(scenario_name, relative_to=path)
    except InputError as e:
        raise InputError(f"{where}: field {e}") from None
    replicates = _get(raw, "replicates", int, where, 1, lo=1, hi=MAX_REPLICATES)
    seed = _get(raw, "seed", int, where, 0, lo=0, hi=2**63 - 1)
    samples = _get(raw, "samples", int, where, None, lo=1, hi=MAX_SAMPLES)
    levels = _get(raw, "levels", int, where, None, lo=2, hi=MAX_POINTS)
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
    outputs = tuple(_output(n, v, base, where, kind) for n, v in raw["outputs"].items())
    _check_reforms(outputs, scenario, overrides, axes, where)
    clash = [o.name for o in outputs if o.name in RUN_COLUMNS or o.name in {a.path for a in axes}]
    if clash:
        raise InputError(f"{where}: [outputs] {clash[0]!r}: the name is taken by a run column or a parameter")
    _check_size(where, kind, design, axes, samples, replicates)
    return Spec(path, kind, name, _get(raw, "description", str, where, ""), scenario, base, overrides, axes,
                design, samples, levels, replicates, seed, outputs, raw)


def _known(table: dict, allowed: Sequence[str], where: str, what: str) -> None:
    for key in table:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            raise InputError(f"{where}: unknown {what} {key!r}.{did} Allowed: {', '.join(allowed)}")


def _check_size(where: str, kind: str, design: str, axes: Sequence[Axis], samples: int | None,
                replicates: int) -> None:
    """Refuse a spec whose plan exceeds :data:`MAX_POINTS` points or :data:`MAX_RUNS` runs
    before anything is built (a grid's size is a product; Sobol' needs N(D+2) points)."""
    d = len(axes)
    if kind == "sweep":
        points = samples if design == "lhs" else int(np.prod([len(a.grid()) if a.values is not None else a.levels
                                                               for a in axes], dtype=object))
        how = "samples" if design == "lhs" else "the grid (product of levels and lists)"
    elif design == "sobol":
        points, how = (samples or 0) * (d + 2), f"samples x (parameters + 2) = {samples} x {d + 2}"
    else:
        points, how = (samples or 0) * (d + 1), f"samples x (parameters + 1) = {samples} x {d + 1}"
    if points > MAX_POINTS:
        raise InputError(f"{where}: {how} gives {points:,} points; allowed: at most {MAX_POINTS:,}")
    if points * replicates > MAX_RUNS:
        raise InputError(f"{where}: {points:,} points x {replicates:,} replicates = {points * replicates:,} runs; "
                         f"allowed: at most {MAX_RUNS:,}")


def _get(raw: dict, key: str, typ: type, where: str, default: Any, lo: int | None = None,
         hi: int | None = None) -> Any:
    if key not in raw:
        return default
    v = raw[key]
    if (not isinstance(v, typ) or isinstance(v, bool) or (lo is not None and v < lo)
            or (hi is not None and v > hi) or (typ is str and "\0" in v)):
        need = ("a string without NUL" if typ is str else f"an integer from {lo:,} to {hi:,}" if hi is not None
                else f"an integer >= {lo}")
        raise InputError(f"{where}: field {key!r} = {v!r}: must be {need}")
    return v


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
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or not 2 <= n <= MAX_POINTS):
            raise InputError(f"{at}: levels = {n!r}: must be an integer from 2 to {MAX_POINTS:,}")
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


def _output(name: str, v: Any, base: Scenario, where: str, kind: str = "sweep") -> Output:
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
    reform = v.get("reform", "")
    if "reform" in v:
        if kind != "sensitivity":
            raise InputError(f"{at}: reform = {reform!r}: reform differences are for sensitivity specs "
                             "(`survsim sensitivity`); a sweep keeps levels")
        if not isinstance(reform, str) or not reform or "\0" in reform or Path(reform).suffix:
            raise InputError(f"{at}: reform = {reform!r}: must be the name of a shipped scenario; "
                             f"allowed: {', '.join(s.stem for s in shipped())}")
        try:
            find(reform)
        except InputError:
            raise InputError(f"{at}: reform = {reform!r}: no such shipped scenario; "
                             f"allowed: {', '.join(s.stem for s in shipped())}") from None
    return Output(name, metric, stat, day, groups, compare, per_capita, reform)


def _check_reforms(outputs: Sequence[Output], scenario: Path, overrides: dict, axes: Sequence[Axis],
                   where: str) -> None:
    """A reform must differ from the spec's scenario, and not by a swept parameter (the
    point's value would silently undo the reform)."""
    base = _flat_params(load(scenario).params.model_dump(mode="json"))
    first = {}
    for o in outputs:
        first.setdefault(o.reform, o.name)
    for name in (r for r in first if r):
        at = f"{where}: [outputs] {first[name]!r}: reform = {name!r}"
        sc = load(find(name))
        if find(name).resolve() == scenario.resolve():
            raise InputError(f"{at}: is the spec's own scenario ({scenario.stem}); the difference would be zero")
        mine = _flat_params(sc.params.model_dump(mode="json"))
        swept = sorted(k for k in (a.path for a in axes) if mine.get(k) != base.get(k))
        if swept:
            raise InputError(f"{at}: the reform sets {swept[0]!r}, which [parameters] sweeps; "
                             "sweep another parameter or use a reform that only adds policies")
        scenario_with(find(name), overrides, at)


def _flat_params(d: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and v:
            out.update(_flat_params(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


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
