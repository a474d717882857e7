"""The sweep store: the plan of runs (points x replicate seeds, hashed), and the folder
that keeps each finished run atomically, with an index rebuilt from them."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.errors import InputError
from sim.output.results import DataWarning, check_folder, clean_leftovers, git_commit, marker_kind, version, write_marker
from sim.core.streams import replicate_seeds
from sim.experiments.sweep_spec import RUN_COLUMNS, OUT_COLUMNS, Axis, Spec, scenario_with


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
    return lhs_points(spec.axes, spec.samples, spec.seed)


def lhs_points(axes: Sequence[Axis], n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` Latin-hypercube points over ``axes`` drawn with ``seed`` (sweeps and ensembles)."""
    from scipy.stats import qmc

    u = qmc.LatinHypercube(d=len(axes), rng=np.random.default_rng(seed)).random(n)
    cols = [a.scale(u[:, j]) for j, a in enumerate(axes)]
    return [{a.path: cols[j][i] for j, a in enumerate(axes)} for i in range(n)]


def _show(values: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items())


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:20]


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


def open_store(p: Plan, store: Path, flag: str = "--store") -> set[str]:
    """Create the store or check it belongs to this plan; return the ids of stored runs
    that read back whole (a damaged run is removed with a warning, so it runs again)."""
    meta = store / "sweep.json"
    if not check_store(p, store, flag):
        store.mkdir(parents=True, exist_ok=True)
        write_marker(store, "sweep store")
        shutil.copyfile(p.spec.path, store / "spec.toml")
        atomic_write(store / "plan.parquet", lambda f: p.table().to_parquet(f, index=False))
        info = {"name": p.spec.name, "kind": p.spec.kind, "key": p.key, "spec": p.spec.raw,
                "runs": len(p.runs), "points": len(p.points), "replicate_seeds": p.seeds,
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "survsim_version": version(), "git_commit": git_commit()}
        atomic_write(meta, lambda f: f.write_text(json.dumps(info, indent=2, default=str)))
    elif marker_kind(store) is None:  # made before stores had the marker; its key proved it ours
        write_marker(store, "sweep store")
    runs = store / "runs"
    runs.mkdir(exist_ok=True)
    # left by a killed sweep (never renamed, so never counted); a running sweep's are kept
    clean_leftovers(runs)
    clean_leftovers(store)
    for run_id in sorted(stored(store)):
        problem = damaged(runs / run_id)
        if problem:
            warnings.warn(f"sweep run {run_id} in {store} is damaged ({problem}); running it again",
                          DataWarning, stacklevel=2)
            shutil.rmtree(runs / run_id, ignore_errors=True)
    return stored(store)


def damaged(folder: Path) -> str:
    """Why a stored run folder cannot be read back ("" if it can)."""
    try:
        meta = json.loads((folder / "run.json").read_text())
        if not isinstance(meta, dict) or "seed" not in meta:
            return "run.json lacks its fields"
    except (OSError, ValueError) as e:
        return f"run.json unreadable: {type(e).__name__}"
    try:
        out = pd.read_parquet(folder / "outputs.parquet")
    except Exception as e:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        return f"outputs.parquet unreadable: {type(e).__name__}"
    if list(out.columns) != OUT_COLUMNS or out.empty:
        return "outputs.parquet has other columns or no rows"
    return ""


def check_store(p: Plan, store: Path, flag: str = "--store") -> bool:
    """True if ``store`` is this plan's store, False if it is new; InputError otherwise
    (another plan's store, a folder survsim did not make, or one that cannot be written)."""
    meta = store / "sweep.json"
    if not (meta.is_file() and marker_kind(store) is None):  # legacy stores: sweep.json and key
        check_folder(store, flag, "sweep store")
    if not meta.is_file():
        return False
    try:
        old = json.loads(meta.read_text())
        if not isinstance(old, dict):
            raise ValueError("not an object")
    except (OSError, ValueError) as e:
        raise InputError(f"{flag} {store}: sweep.json is unreadable ({e}); use another folder, or delete "
                         f"{store} to start over") from None
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
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
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
    tmp = store / "runs" / f".{run.id}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
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
        try:
            out = pd.read_parquet(folder / "outputs.parquet")
        except Exception:  # noqa: BLE001 - damaged meanwhile: left out, run again next time
            warnings.warn(f"sweep run {run.id} in {store}: outputs.parquet unreadable; left out of the index "
                          "(run the sweep again to redo it)", DataWarning, stacklevel=2)
            continue
        head = out[out.group == ""].set_index("output")["value"]
        rows.append({"point": run.point, "replicate": run.replicate, "seed": run.seed, **p.points[run.point],
                     **{o.name: head.get(o.name, np.nan) for o in p.spec.outputs}})
    cols = [*RUN_COLUMNS, *(a.path for a in p.spec.axes), *(o.name for o in p.spec.outputs)]
    index = pd.DataFrame(rows, columns=cols)
    atomic_write(store / "index.parquet", lambda f: index.to_parquet(f, index=False))
    return index


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
