"""A city from a neighbourhood table: the shipped example round-trips through a run and
`survsim city`; bad tables are refused naming the row and column."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import sim
from cli_run import survsim
from sim.core.errors import InputError
from sim.core.streams import stream
from sim.experiments.fitting import with_values
from sim.model import SurveillanceModel
from sim.world.city import build_city, categories

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "scenarios" / "example_tracts.csv"


def _rows() -> list[dict]:
    with open(TABLE, newline="") as f:
        return list(csv.DictReader(f))


def test_example_table_round_trips_through_a_run_and_the_city_report():
    sc = sim.load("city_from_table")
    keys = sc.params.group_keys
    rows = _rows()
    m = SurveillanceModel(with_values(sc.params, **{"run.days": 5}), seed=1)
    m.run()
    c = m.city
    assert c.n_neighbourhoods == len(rows)
    np.testing.assert_array_equal(c.households(), [int(r["households"]) for r in rows])
    by_group = np.zeros((len(rows), len(keys)), int)
    np.add.at(by_group, (c.nbh, c.group), 1)
    np.testing.assert_array_equal(by_group, [[int(r[k]) for k in keys] for r in rows])
    assert set(c.dept) == {0, 1}, "two jurisdictions in the table"
    # survsim city reports the same counts, per race category and neighbourhood.
    out = survsim("city", "city_from_table", "--json", cwd=ROOT, check=True).stdout
    rep = json.loads(out)
    cats, group_cat = categories(keys)
    assert rep["residents"] == by_group.sum() and rep["neighbourhoods"] == len(rows)
    assert rep["households"] == sum(int(r["households"]) for r in rows)
    for k, name in enumerate(cats):
        expected = by_group[:, group_cat == k].sum(axis=1).tolist()
        assert rep["residents_by_neighbourhood"][name] == expected, name
    assert rep["groups"]["black"]["majority_neighbourhoods"] == 3


def _write(tmp_path: Path, edit) -> Path:
    rows = _rows()
    cols = list(rows[0])
    cols, rows = edit(cols, rows)
    path = tmp_path / "t.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    return path


def _drop(col):
    return lambda cols, rows: ([c for c in cols if c != col], [{k: v for k, v in r.items() if k != col} for r in rows])


def _set(i, col, value):
    def edit(cols, rows):
        rows[i][col] = value
        return cols, rows
    return edit


def _extra(cols, rows):
    return cols + ["martian_f"], [{**r, "martian_f": "3"} for r in rows]


@pytest.mark.parametrize("edit, words", [
    (_drop("households"), ["missing column", "households"]),
    (_drop("black_m"), ["missing column", "black_m"]),
    (_extra, ["unknown column", "martian_f"]),
    (_set(2, "white_f", "-4"), ["row 4", "white_f", "-4", ">= 0"]),
    (_set(0, "x", "east"), ["row 2", "'x'", "east", "not a number"]),
    (_set(1, "households", "900"), ["row 3", "households", "at most the residents"]),
    (_set(3, "id", "T00"), ["duplicate id", "T00"]),
])
def test_bad_tables_are_refused_with_the_field_named(tmp_path, edit, words):
    path = _write(tmp_path, edit)
    p = with_values(sim.load("baseline").params, **{"city.neighbourhoods": str(path)})
    with pytest.raises(InputError) as e:
        build_city(p, stream(1, "city"))
    for w in words:
        assert w in str(e.value), (w, str(e.value))


def test_missing_table_file_exits_2_naming_the_field(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('extends = "baseline"\n[params.city]\nneighbourhoods = "nowhere.csv"\n')
    r = survsim("city", str(f), cwd=ROOT)
    assert r.returncode == 2 and "city.neighbourhoods" in r.stderr and "nowhere.csv" in r.stderr


def test_missing_table_file_is_refused_when_the_scenario_is_loaded(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('extends = "baseline"\n[params.city]\nneighbourhoods = "missing.csv"\n')
    with pytest.raises(InputError) as e:
        sim.load(f)  # at load, before any city is built
    msg = str(e.value)
    for w in (str(f), "params.city.neighbourhoods", "'missing.csv'", "no such file", "allowed:"):
        assert w in msg, (w, msg)
    with pytest.raises(InputError, match="override: field 'params.city.neighbourhoods' = 'gone.csv'"):
        sim.load("baseline", overrides={"city.neighbourhoods": "gone.csv"})
    sim.load("city_from_table")  # a shipped table is found


@pytest.mark.parametrize("move", ["negative_fractional", "doubled", "reversed_rows"])
def test_a_table_at_any_positions_builds_and_long_ties_stay_within_reach(tmp_path, move):
    """Tract tables come in real units and any order (negative or fractional positions,
    spacing other than 1, rows not in grid order). The network's long ties must reach only
    neighbourhoods within ``network.long_tie_radius`` of home; the grid-only sampler looped
    forever on negative positions and indexed past the end on wider spacing."""
    rows = _rows()
    for r in rows:
        x, y = float(r["x"]), float(r["y"])
        if move == "negative_fractional":
            r["x"], r["y"] = str(x - 10.5), str(y - 3.25)
        elif move == "doubled":
            r["x"], r["y"] = str(2 * x), str(2 * y)
    if move == "reversed_rows":
        rows = rows[::-1]
    path = tmp_path / "tracts.csv"
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    p = with_values(sim.load("city_from_table").params, **{"city.neighbourhoods": str(path), "run.days": 5})
    m = SurveillanceModel(p, seed=2)
    m.run()
    a = m.adjacency.tocoo()
    xy = m.city.xy[m.city.nbh]
    dist = np.hypot(*(xy[a.row] - xy[a.col]).T)
    # Local and household ties stay in the neighbourhood, so every tie between neighbourhoods
    # is a long tie, within the radius in table units; and long ties do leave home.
    assert dist.max() <= p.network.long_tie_radius + 1e-9, dist.max()
    assert (dist > 0).sum() > 0.5 * len(m.city.nbh) * p.network.long_ties * (1 if move != "doubled" else 0.1)
    assert m.recorder.get("cameras")[-1] > 0
