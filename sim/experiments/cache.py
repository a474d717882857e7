"""The cache of finished runs (``results/.cache/<key>/``), shared by ``survsim compare``
and the dashboard: what goes into the key, and the checks an entry passes before reuse.

An entry is a results folder (:meth:`sim.output.results.Results.save`). Before one is
reused, :func:`read_cached` checks that its manifest parses, its table reads, and that
its rows, replicate seeds and resolved parameters are exactly those of the request; an
entry failing any check raises :class:`CacheError` and the caller runs it again. The key
includes :func:`code_fingerprint`, so a change to the model's code never reuses old runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd

from sim.core.metrics import METRICS
from sim.core.streams import replicate_seeds
from sim.output.results import COLUMNS, MARKER, Results, check_folder, marker_kind
from sim.policy.scenario import Scenario

SIM = Path(__file__).resolve().parents[1]
# What cannot change a run's numbers: writing files and charts, the command line, docs.
NOT_MODEL = ("output", "cli.py", "docs")


class CacheError(Exception):
    """A cache entry that cannot be reused (the message says why)."""


@functools.cache
def code_fingerprint() -> str:
    """Hash of the model's source: every ``.py`` and data file under ``sim/`` except those
    that only write or show results (:data:`NOT_MODEL`). Computed once per process."""
    h = hashlib.sha256()
    for f in sorted(SIM.rglob("*")):
        rel = f.relative_to(SIM)
        if (not f.is_file() or rel.parts[0] in NOT_MODEL or "__pycache__" in rel.parts
                or f.suffix not in (".py", ".toml", ".json", ".csv")):
            continue
        h.update(rel.as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def expected_rows(sc: Scenario, replicates: int) -> int:
    """Rows of the tidy table of ``replicates`` runs of ``sc``."""
    groups = len(sc.params.group_keys)
    per_day = sum(1 + (groups if m.per_group else 0) for m in METRICS)
    return replicates * (sc.params.run.days + 1) * per_day


def read_cached(folder: Path, sc: Scenario, seed: int, replicates: int) -> Results:
    """The entry's results named after ``sc``, after checking it is exactly this request;
    CacheError says what is wrong otherwise."""
    if marker_kind(folder) != "results":
        raise CacheError(f"no {MARKER} marker: not written whole by survsim")
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError) as e:
        raise CacheError(f"manifest.json unreadable: {e}") from None
    if not isinstance(manifest, dict):
        raise CacheError("manifest.json is not an object")
    seeds = replicate_seeds(seed, replicates)
    if manifest.get("replicates") != replicates or manifest.get("replicate_seeds") != seeds:
        raise CacheError(f"holds replicates {manifest.get('replicate_seeds')}, not {seeds}")
    stored = manifest.get("scenario") if isinstance(manifest.get("scenario"), dict) else {}
    want = json.loads(json.dumps(sc.params.model_dump(mode="json"), default=str))
    if stored.get("params") != want or stored.get("policies") != json.loads(json.dumps(list(sc.policies), default=str)):
        raise CacheError("its resolved parameters or policies differ from this scenario's")
    try:
        ts = pd.read_parquet(folder / "timeseries.parquet")
    except Exception as e:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise CacheError(f"timeseries.parquet unreadable: {type(e).__name__}") from None
    if list(ts.columns) != COLUMNS or len(ts) != expected_rows(sc, replicates):
        raise CacheError(f"timeseries.parquet has {len(ts):,} rows, expected {expected_rows(sc, replicates):,}")
    if sorted({int(x) for x in ts.seed.unique()}) != sorted(seeds):
        raise CacheError("timeseries.parquet's seeds differ from the manifest's")
    ts["scenario"] = pd.Categorical([sc.name] * len(ts))
    for col in ("metric", "group"):
        ts[col] = ts[col].astype("category")
    return Results(sc, seed, seeds, ts)


def discard_entry(folder: Path) -> None:
    """Remove an unusable entry, if survsim wrote it (never a folder without the marker)."""
    if marker_kind(folder) == "results" or (folder.is_dir() and not any(folder.iterdir())):
        shutil.rmtree(folder, ignore_errors=True)


def check_cache(cache: Path, flag: str = "--cache") -> None:
    """Refuse, before any run, a cache folder survsim did not make or cannot write."""
    check_folder(cache, flag, "cache")


def prepare_cache(cache: Path) -> None:
    """Check the cache folder before an entry is written into it (it has no marker of its
    own; it may hold only survsim entries)."""
    check_cache(cache)
