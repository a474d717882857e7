"""A city from a table: one row per neighbourhood (e.g. a census tract), read from CSV.

Columns: ``id``, ``x``, ``y`` (position in neighbourhood widths, ~miles: the unit of
``offenders.journey_decay`` and ``network.long_tie_radius``), ``households``, one column
of residents per group key (every group of the scenario), and optionally ``crime_index``
(relative crime, normalised to a population-weighted mean of 1) and ``jurisdiction``
(department label). Bad tables are refused with one message naming the row and column.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.errors import InputError

REQUIRED = ("id", "x", "y", "households")
OPTIONAL = ("crime_index", "jurisdiction")


@dataclass
class NeighbourhoodTable:
    ids: list[str]
    xy: np.ndarray            # (m, 2)
    households: np.ndarray    # (m,)
    residents: np.ndarray     # (m, G) residents by group, in the scenario's group order
    crime_index: np.ndarray | None
    jurisdiction: np.ndarray | None  # (m,) department index 0..k-1


def resolve(name: str, scenario_dir: Path) -> Path:
    """A table path as given (absolute or relative to the working directory), else among
    the shipped scenarios."""
    p = Path(name)
    if p.is_file():
        return p
    if (scenario_dir / name).is_file():
        return scenario_dir / name
    raise InputError(f"city.neighbourhoods = {name!r}: no such file (looked in the working directory and "
                     f"{scenario_dir})")


def _number(row: dict, col: str, line: int, field: str) -> float:
    try:
        v = float(row[col])
    except (TypeError, ValueError):
        raise InputError(f"{field}: row {line}, column {col!r} = {row[col]!r} is not a number") from None
    if not np.isfinite(v):
        raise InputError(f"{field}: row {line}, column {col!r} = {row[col]!r} must be finite")
    return v


def read(path: Path, keys: tuple[str, ...]) -> NeighbourhoodTable:
    """Read and check a neighbourhood table for groups ``keys``."""
    field = f"city.neighbourhoods ({path.name})"
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        cols = [c.strip() for c in (reader.fieldnames or [])]
        rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
    missing = [c for c in (*REQUIRED, *keys) if c not in cols]
    if missing:
        raise InputError(f"{field}: missing column(s) {missing}; a table needs {list(REQUIRED)}, one column of "
                         f"residents per group {list(keys)}, and may have {list(OPTIONAL)}")
    unknown = [c for c in cols if c not in (*REQUIRED, *OPTIONAL, *keys)]
    if unknown:
        raise InputError(f"{field}: unknown column(s) {unknown}; group keys are {list(keys)}, other columns "
                         f"{list(REQUIRED + OPTIONAL)}")
    if not rows:
        raise InputError(f"{field}: the table has no rows")
    ids = [r["id"] for r in rows]
    dup = sorted(i for i, n in Counter(ids).items() if n > 1)  # one pass: tables may hold thousands of tracts
    if dup:
        raise InputError(f"{field}: duplicate id(s) {dup[:5]}")
    xy = np.array([[_number(r, "x", i + 2, field), _number(r, "y", i + 2, field)] for i, r in enumerate(rows)])
    counts = np.array([[_number(r, c, i + 2, field) for c in ("households", *keys)] for i, r in enumerate(rows)])
    bad = np.argwhere((counts < 0) | (counts != np.round(counts)))
    if len(bad):
        i, j = bad[0]
        col = ("households", *keys)[j]
        raise InputError(f"{field}: row {i + 2}, column {col!r} = {rows[i][col]!r} must be a whole number >= 0")
    households, residents = counts[:, 0].astype(np.int64), counts[:, 1:].astype(np.int64)
    people = residents.sum(axis=1)
    wrong = np.flatnonzero((households > people) | ((people > 0) & (households == 0)))
    if len(wrong):
        i = int(wrong[0])
        raise InputError(f"{field}: row {i + 2} (id {ids[i]!r}) has {households[i]} households for {people[i]} "
                         "residents; households must be at least 1 where people live and at most the residents")
    if people.sum() < 50:
        raise InputError(f"{field}: {people.sum()} residents in all; a city needs at least 50")
    crime = None
    if "crime_index" in cols:
        crime = np.array([_number(r, "crime_index", i + 2, field) for i, r in enumerate(rows)])
        if (crime < 0).any() or crime @ people <= 0:
            raise InputError(f"{field}: crime_index must be >= 0 with some crime where people live")
        crime = crime / (crime @ people / people.sum())
    dept = None
    if "jurisdiction" in cols:
        labels = [r["jurisdiction"] for r in rows]
        names = list(dict.fromkeys(labels))
        dept = np.array([names.index(x) for x in labels], dtype=np.int32)
    return NeighbourhoodTable(ids, xy, households, residents, crime, dept)


def households_and_groups(t: NeighbourhoodTable, group_cat: np.ndarray,
                          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Residents (sorted by neighbourhood, then race category) and the table's households.

    Each neighbourhood's residents are split into its households, sizes as even as the
    counts allow (the remainder to random households); residents are ordered by category
    so households are mostly of one category. Returns (group per resident, household size
    per household, neighbourhood per household)."""
    order = np.lexsort((np.arange(len(group_cat)), group_cat))  # groups by category
    groups, sizes, hh_nbh = [], [], []
    for j in range(len(t.ids)):
        g = np.repeat(order, t.residents[j, order])
        n, h = len(g), int(t.households[j])
        if n == 0:
            continue
        size = np.full(h, n // h)
        size[rng.choice(h, size=n - size.sum(), replace=False)] += 1
        groups.append(g)
        sizes.append(size)
        hh_nbh.append(np.full(h, j, np.int32))
    return (np.concatenate(groups).astype(np.int8), np.concatenate(sizes).astype(np.int64),
            np.concatenate(hh_nbh))
