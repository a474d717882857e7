"""A city from a GeoJSON table: polygon centroids are exact, the shipped example builds the
same city as the CSV, and bad files exit 2 naming the file, the feature and the field."""

from __future__ import annotations

import copy
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
from sim.world.city import build_city
from sim.world.geojson import MILES_PER_DEGREE, centroid

ROOT = Path(__file__).resolve().parents[1]
GEOJSON = ROOT / "scenarios" / "example_tracts.geojson"


def _poly(*rings):
    return {"type": "Polygon", "coordinates": [list(map(list, r)) for r in rings]}


SQUARE = [(0, 0), (2, 0), (2, 2), (0, 2), (0, 0)]
# L: the 2x2 square at the origin with its top-right unit square cut away (area 3).
L_SHAPE = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2), (0, 0)]
HOLE = [(0.5, 0.5), (0.5, 1.5), (1.5, 1.5), (1.5, 0.5), (0.5, 0.5)]  # clockwise, area 1


@pytest.mark.parametrize("geometry, expected", [
    (_poly(SQUARE), (1, 1)),
    (_poly(SQUARE[::-1]), (1, 1)),                          # winding order does not matter
    (_poly(L_SHAPE), (5 / 6, 5 / 6)),                       # (3 squares' centres averaged)
    (_poly(SQUARE, [(1, 1), (1, 2), (2, 2), (2, 1), (1, 1)]), (5 / 6, 5 / 6)),  # L as a square with a hole
    (_poly(SQUARE, HOLE), (1, 1)),                          # a centred hole leaves the centroid
    (_poly(SQUARE, [(0, 0), (0, 1), (1, 1), (1, 0), (0, 0)]), (7 / 6, 7 / 6)),
    ({"type": "MultiPolygon", "coordinates": [[SQUARE], [[(4, 0), (5, 0), (5, 1), (4, 1), (4, 0)]]]},
     ((4 * 1 + 1 * 4.5) / 5, (4 * 1 + 1 * 0.5) / 5)),    # area-weighted: 4 at (1, 1), 1 at (4.5, 0.5)
    ({"type": "Point", "coordinates": [3.5, -2.0]}, (3.5, -2.0)),
])
def test_centroid_of_known_geometries_is_exact(geometry, expected):
    c, _ = centroid(json.loads(json.dumps(geometry)), "here")
    np.testing.assert_allclose(c, expected, rtol=0, atol=1e-12)
    # Far from the origin (a city at lon -87.63, lat 41.88, in 1e-3 degree tracts) it stays exact.
    if geometry["type"] != "Point":
        moved = json.loads(json.dumps(geometry), parse_float=float)
        shift = lambda p: [-87.63 + 1e-3 * p[0], 41.88 + 1e-3 * p[1]]  # noqa: E731
        if moved["type"] == "Polygon":
            moved["coordinates"] = [[shift(p) for p in r] for r in moved["coordinates"]]
        else:
            moved["coordinates"] = [[[shift(p) for p in r] for r in poly] for poly in moved["coordinates"]]
        c2, _ = centroid(moved, "here")
        np.testing.assert_allclose(c2, shift(expected), rtol=0, atol=1e-12)


def _city(name: str):
    p = with_values(sim.load("city_from_table").params, **{"city.neighbourhoods": name})
    return p, build_city(p, stream(1, "city"))


def test_geojson_example_builds_the_same_city_as_the_csv():
    p, a = _city("example_tracts.csv")
    _, b = _city("example_tracts.geojson")
    G = len(p.group_keys)
    assert a.n_neighbourhoods == b.n_neighbourhoods == 16
    np.testing.assert_array_equal(a.households(), b.households())
    by = [np.zeros((16, G), int) for _ in (a, b)]
    for c, t in zip((a, b), by):
        np.add.at(t, (c.nbh, c.group), 1)
    np.testing.assert_array_equal(by[0], by[1])
    np.testing.assert_array_equal(a.dept, b.dept)
    np.testing.assert_allclose(a.crime_index, b.crime_index)
    # Positions: the squares are 1 mile apart; the projection and 6-decimal coordinates
    # (~0.1 m) leave them within a thousandth of a mile of the CSV's grid.
    np.testing.assert_allclose(b.xy, a.xy, rtol=0, atol=1e-3)

    from dashboard.educator import city_table
    geo = city_table(with_values(p, **{"city.neighbourhoods": "example_tracts.geojson"}))
    assert geo.name == "example_tracts.geojson" and geo.areas == ["north", "south"]
    assert geo.ids == [f"T{i:02d}" for i in range(16)]


def test_projection_is_miles_about_the_mean_latitude(tmp_path):
    """Two points a degree of longitude apart at 60 N are half as far apart (cos 60) as a
    degree of latitude; the minimum position is 0."""
    fc = _fc([_feature("A", {"type": "Point", "coordinates": [10.0, 59.5]}),
              _feature("B", {"type": "Point", "coordinates": [11.0, 60.5]})])
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(fc))
    p = with_values(sim.load("city_from_table").params, **{"city.neighbourhoods": str(path)})
    from sim.world import table
    t = table.read(path, p.group_keys)
    np.testing.assert_allclose(t.xy, [[0, 0], [0.5 * MILES_PER_DEGREE, MILES_PER_DEGREE]], atol=1e-9)


def _feature(i, geometry, **props):
    base = {"id": i, "households": 30, "white_f": 20, "white_m": 20, "black_f": 10, "black_m": 10,
            "hispanic_f": 2, "hispanic_m": 2, "asian_f": 1, "asian_m": 1, "native_f": 0, "native_m": 0}
    return {"type": "Feature", "properties": {**base, **props}, "geometry": geometry}


def _fc(features):
    return {"type": "FeatureCollection", "features": features}


def test_a_scenario_on_the_geojson_table_runs_and_the_city_report_counts_it(tmp_path):
    f = tmp_path / "geo.toml"
    f.write_text('extends = "baseline"\n[params.city]\nneighbourhoods = "example_tracts.geojson"\n')
    sc = sim.load(f)
    m = SurveillanceModel(with_values(sc.params, **{"run.days": 3}), seed=1)
    m.run()
    assert m.city.n_neighbourhoods == 16 and m.recorder.get("cameras")[-1] > 0
    features = json.loads(GEOJSON.read_text())["features"]
    rep = json.loads(survsim("city", str(f), "--json", cwd=tmp_path, check=True).stdout)
    keys = sc.params.group_keys
    assert rep["neighbourhoods"] == 16 and rep["table"] == "example_tracts.geojson"
    assert rep["residents"] == sum(ft["properties"][k] for ft in features for k in keys)
    assert rep["households"] == sum(ft["properties"]["households"] for ft in features)
    assert rep["residents_by_neighbourhood"]["black"] == [
        ft["properties"]["black_f"] + ft["properties"]["black_m"] for ft in features]


def _edit(doc, how):
    doc = copy.deepcopy(doc)
    how(doc)
    return doc


def _set(path, value):
    def how(doc):
        *head, last = path
        node = doc
        for k in head:
            node = node[k]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
    return how


_DELETE = object()
RING = [[-87.6, 41.8], [-87.59, 41.8], [-87.59, 41.81], [-87.6, 41.81], [-87.6, 41.8]]
F3 = ("features", 3)


BAD = [
    (_set(("type",), "Feature"), ["'Feature'", "not a FeatureCollection"]),
    (_set(("features",), []), ["has no features"]),
    (_set((*F3, "properties"), None), ["features[3]", "not a Feature with properties"]),
    (_set((*F3, "geometry"), {"type": "LineString", "coordinates": RING}),
     ["features[3] (id 'T03')", "geometry type 'LineString'", "Polygon, MultiPolygon, Point"]),
    (_set((*F3, "geometry"), None), ["features[3] (id 'T03')", "geometry is null"]),
    (_set((*F3, "geometry", "coordinates"), [[[-87.6, 41.8], [-87.59, 41.8], [-87.58, 41.8], [-87.6, 41.8]]]),
     ["features[3] (id 'T03')", "zero area"]),
    (_set((*F3, "geometry", "coordinates"), [RING, RING]), ["features[3] (id 'T03')", "zero area"]),
    (_set((*F3, "geometry", "coordinates", 0, 1), ["-87.59", 41.8]),
     ["features[3] (id 'T03')", "not a ring of numeric"]),
    (_set((*F3, "geometry", "coordinates"), [[[350000.0, 4600000.0], [351000.0, 4600000.0],
                                              [351000.0, 4601000.0], [350000.0, 4600000.0]]]),
     ["features[3] (id 'T03')", "[350000, 4.6e+06]", "outside longitude -180..180", "reproject"]),
    (_set(("crs",), {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::26916"}}),
     ["crs 'urn:ogc:def:crs:EPSG::26916'", "WGS84"]),
    (_set((*F3, "properties", "black_m"), _DELETE), ["features[3] (id 'T03')", "lacks property", "black_m"]),
    (_set((*F3, "properties", "white_f"), -4), ["features[3] (id 'T03')", "property 'white_f' = -4", ">= 0"]),
    (_set((*F3, "properties", "households"), "many"), ["features[3] (id 'T03')", "'households' = 'many'",
                                                       "not a number"]),
    (_set((*F3, "properties", "households"), 5000), ["features[3] (id 'T03')", "at most the residents"]),
    (_set((*F3, "properties", "martian_f"), 3), ["unknown property", "martian_f"]),
    (_set((*F3, "properties", "id"), "T00"), ["duplicate id", "T00"]),
]


@pytest.mark.parametrize("how, words", BAD)
def test_bad_geojson_is_refused_naming_the_feature_and_field(tmp_path, how, words):
    """In process (the CLI path is the test below): an InputError, which every command turns
    into exit 2 with its message."""
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(_edit(json.loads(GEOJSON.read_text()), how)))
    p = with_values(sim.load("baseline").params, **{"city.neighbourhoods": str(path)})
    with pytest.raises(InputError) as e:
        build_city(p, stream(1, "city"))
    err = " ".join(str(e.value).split())
    for w in ("city.neighbourhoods (bad.geojson)", *words):
        assert w in err, (w, err)


def test_bad_geojson_exits_2_from_the_cli(tmp_path):
    how, words = BAD[0]
    path = tmp_path / "bad.geojson"
    path.write_text(json.dumps(_edit(json.loads(GEOJSON.read_text()), how)))
    f = tmp_path / "s.toml"
    f.write_text(f'extends = "baseline"\n[params.city]\nneighbourhoods = "{path}"\n')
    r = survsim("city", str(f), "--json", cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    err = " ".join(r.stderr.split())
    for w in ("city.neighbourhoods (bad.geojson)", *words):
        assert w in err, (w, err)
    assert not r.stdout.strip(), "nothing half-written"


def test_unreadable_json_is_refused(tmp_path):
    path = tmp_path / "t.json"
    path.write_text("{not json")
    p = with_values(sim.load("baseline").params, **{"city.neighbourhoods": str(path)})
    with pytest.raises(InputError, match=r"city.neighbourhoods \(t.json\): not readable as JSON"):
        build_city(p, stream(1, "city"))


def test_extra_properties_are_ignored_and_a_feature_id_member_is_an_id(tmp_path):
    doc = json.loads(GEOJSON.read_text())
    for ft in doc["features"]:
        ft["properties"].update(NAME="Census Tract", ALAND=123456, x=99, y=-99)  # x, y: the geometry wins
        ft["id"] = ft["properties"].pop("id")
    path = tmp_path / "t.geojson"
    path.write_text(json.dumps(doc))
    _, a = _city("example_tracts.geojson")
    _, b = _city(str(path))
    np.testing.assert_array_equal(a.xy, b.xy)
    np.testing.assert_array_equal(a.households(), b.households())
