"""A city from a table: one row per neighbourhood (e.g. a census tract), read from CSV or
GeoJSON (:mod:`sim.world.geojson`: polygons or points, positions in miles).

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
from sim.world import geojson

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
    areas: list[str] | None = None   # jurisdiction label by department index (first appearance)


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


def _number(row: dict, col: str, where: str, field: str, word: str = "column") -> float:
    v = row[col]
    try:
        if isinstance(v, bool):  # JSON true/false are not counts
            raise TypeError
        v = float(v)
    except (TypeError, ValueError):
        raise InputError(f"{field}: {where}, {word} {col!r} = {row[col]!r} is not a number") from None
    if not np.isfinite(v):
        raise InputError(f"{field}: {where}, {word} {col!r} = {row[col]!r} must be finite")
    return v


def _csv_rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        cols = [c.strip() for c in (reader.fieldnames or [])]
        rows = [{k.strip(): (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
    return cols, rows


def read(path: Path, keys: tuple[str, ...]) -> NeighbourhoodTable:
    """Read and check a neighbourhood table for groups ``keys``: CSV, or GeoJSON (``.geojson``
    or ``.json``, :mod:`sim.world.geojson`) whose features become rows checked the same way."""
    field = f"city.neighbourhoods ({path.name})"
    if path.suffix.lower() in (".geojson", ".json"):
        cols, rows, names = geojson.rows(path, field)
        # Properties beyond the columns are ignored (census files carry many), except ones
        # shaped like a group key: residents of a group the scenario lacks would be lost.
        unknown = [c for c in cols if c.endswith(("_f", "_m")) and c not in keys]
        return _check(field, cols, rows, keys, unknown, names, names, "property")
    cols, rows = _csv_rows(path)
    unknown = [c for c in cols if c not in (*REQUIRED, *OPTIONAL, *keys)]
    return _check(field, cols, rows, keys, unknown, [f"row {i + 2}" for i in range(len(rows))],
                  [f"row {i + 2} (id {r['id']!r})" for i, r in enumerate(rows)] if "id" in cols else [], "column")


def _check(field: str, cols: list[str], rows: list[dict], keys: tuple[str, ...], unknown: list[str],
           names: list[str], named: list[str], word: str) -> NeighbourhoodTable:
    """The checks every table passes, whatever its format: ``names[i]`` and ``named[i]`` (with
    the id) say where row i came from, ``word`` what a column is called ('column', 'property')."""
    missing = [c for c in (*REQUIRED, *keys) if c not in cols]
    if missing:
        need = [c for c in REQUIRED if word == "column" or c not in ("x", "y")]  # GeoJSON: the geometry
        raise InputError(f"{field}: missing {word}(s) {missing}; a table needs {need}, one {word} of "
                         f"residents per group {list(keys)}, and may have {list(OPTIONAL)}")
    if unknown:
        raise InputError(f"{field}: unknown {word}(s) {unknown}; group keys are {list(keys)}, other {word}s "
                         f"{list(REQUIRED + OPTIONAL)}")
    if not rows:
        raise InputError(f"{field}: the table has no rows")
    needed = [c for c in (*REQUIRED, *keys, *OPTIONAL) if c in cols]
    for i, r in enumerate(rows):  # a GeoJSON feature may lack a property others have
        lack = [c for c in needed if c not in r]
        if lack:
            raise InputError(f"{field}: {names[i]} lacks {word}(s) {lack}; every row needs {needed}")
    ids = [r["id"] for r in rows]
    dup = sorted(i for i, n in Counter(ids).items() if n > 1)  # one pass: tables may hold thousands of tracts
    if dup:
        raise InputError(f"{field}: duplicate id(s) {dup[:5]}")
    xy = np.array([[_number(r, "x", names[i], field, word), _number(r, "y", names[i], field, word)]
                   for i, r in enumerate(rows)])
    counts = np.array([[_number(r, c, names[i], field, word) for c in ("households", *keys)]
                       for i, r in enumerate(rows)])
    bad = np.argwhere((counts < 0) | (counts != np.round(counts)))
    if len(bad):
        i, j = bad[0]
        col = ("households", *keys)[j]
        raise InputError(f"{field}: {names[i]}, {word} {col!r} = {rows[i][col]!r} must be a whole number >= 0")
    households, residents = counts[:, 0].astype(np.int64), counts[:, 1:].astype(np.int64)
    people = residents.sum(axis=1)
    wrong = np.flatnonzero((households > people) | ((people > 0) & (households == 0)))
    if len(wrong):
        i = int(wrong[0])
        raise InputError(f"{field}: {named[i]} has {households[i]} households for {people[i]} "
                         "residents; households must be at least 1 where people live and at most the residents")
    if people.sum() < 50:
        raise InputError(f"{field}: {people.sum()} residents in all; a city needs at least 50")
    crime = None
    if "crime_index" in cols:
        crime = np.array([_number(r, "crime_index", names[i], field, word) for i, r in enumerate(rows)])
        if (crime < 0).any() or crime @ people <= 0:
            raise InputError(f"{field}: crime_index must be >= 0 with some crime where people live")
        crime = crime / (crime @ people / people.sum())
    dept, areas = None, None
    if "jurisdiction" in cols:
        labels = [r["jurisdiction"] for r in rows]
        i = next((i for i, x in enumerate(labels) if not isinstance(x, str)), None)
        if i is not None:
            raise InputError(f"{field}: {names[i]}, {word} 'jurisdiction' = {labels[i]!r} must be a label "
                             "(text or a whole number)")
        areas = list(dict.fromkeys(labels))
        index = {a: k for k, a in enumerate(areas)}
        dept = np.array([index[x] for x in labels], dtype=np.int32)
    return NeighbourhoodTable(ids, xy, households, residents, crime, dept, areas)


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
