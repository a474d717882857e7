"""A neighbourhood table from GeoJSON (RFC 7946): one Feature per neighbourhood.

Each feature's ``properties`` carry the table's columns (``id``, ``households``, residents per
group key, optional ``crime_index`` and ``jurisdiction``); its ``geometry`` (Polygon or
MultiPolygon, holes subtracted, or a Point) gives the position: the area-weighted centroid
(shoelace formula) in longitude/latitude, projected to miles by a local equirectangular
projection about the collection's mean latitude (x = lon cos(lat0) 69.17, y = lat 69.17,
shifted so the minimum is 0). At city scale (tens of miles) the projection's distance
error is well under 1%. The rows are then checked by :mod:`sim.world.table` like a CSV's.

The standard library's ``json`` reads the file and numpy computes the centroids, so no
GeoJSON library is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from sim.core.errors import InputError

MILES_PER_DEGREE = 69.17  # one degree of latitude (and of longitude at the equator), in miles
GEOMETRIES = ("Polygon", "MultiPolygon", "Point")
# Geographic coordinate systems named by pre-RFC 7946 files that are WGS84 longitude/latitude
# (NAD83, EPSG 4269, differs from WGS84 by about a metre).
GEOGRAPHIC = ("CRS84", "CRS83", "EPSG::4326", "EPSG:4326", "EPSG::4269", "EPSG:4269")


def ring_area_centroid(ring: np.ndarray) -> tuple[float, np.ndarray]:
    """Unsigned area and centroid of one linear ring (n, 2), closed or not (shoelace)."""
    o = ring[0]
    p = ring - o                          # about the first vertex: no cancellation at lon -87
    q = np.roll(p, -1, axis=0)
    cross = p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]
    a = cross.sum() / 2
    if a == 0:
        return 0.0, o.astype(float)
    c = ((p + q) * cross[:, None]).sum(axis=0) / (6 * a)
    return abs(float(a)), o + c


def polygon_area_centroid(rings: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """Area and centroid of a polygon: its outer ring minus its holes (the other rings)."""
    parts = [ring_area_centroid(r) for r in rings]
    area = parts[0][0] - sum(a for a, _ in parts[1:])
    if area <= 0:
        return 0.0, rings[0][0].astype(float)
    moment = parts[0][0] * parts[0][1] - sum((a * c for a, c in parts[1:]), np.zeros(2))
    return float(area), moment / area


def _ring(coords, where: str) -> np.ndarray:
    try:
        r = np.array(coords)
    except ValueError:
        r = np.array([], dtype=object)
    if r.ndim != 2 or r.shape[0] < 3 or r.shape[1] < 2 or r.dtype.kind not in "iuf":
        raise InputError(f"{where}: coordinates {_short(coords)} are not a ring of numeric [longitude, latitude] "
                         "positions; allowed: a list of at least 4 positions, each a list of 2 numbers")
    r = r[:, :2].astype(float)
    if not np.isfinite(r).all():
        raise InputError(f"{where}: coordinates must be finite numbers")
    return r


def _short(v) -> str:
    s = json.dumps(v)
    return s if len(s) <= 60 else s[:57] + "..."


def centroid(geometry, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(centroid in lon/lat, every position) of a Polygon, MultiPolygon or Point."""
    if not isinstance(geometry, dict):
        raise InputError(f"{where} is {_short(geometry)}; allowed: a Polygon, MultiPolygon or Point")
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind not in GEOMETRIES:
        raise InputError(f"{where} type {kind!r} is not supported; allowed: {', '.join(GEOMETRIES)}")
    if kind == "Point":
        p = np.array(coords) if isinstance(coords, list) else np.array([])
        if p.ndim != 1 or len(p) < 2 or p.dtype.kind not in "iuf" or not np.isfinite(p).all():
            raise InputError(f"{where}: Point coordinates {_short(coords)} are not a position; allowed: "
                             "[longitude, latitude], two numbers")
        return p[:2].astype(float), p[None, :2].astype(float)
    if not isinstance(coords, list) or not coords:
        raise InputError(f"{where}: {kind} has no coordinates ({_short(coords)}); allowed: "
                         + ("a list of rings" if kind == "Polygon" else "a list of polygons, each a list of rings"))
    polygons = [coords] if kind == "Polygon" else coords
    total, moment, points = 0.0, np.zeros(2), []
    for k, poly in enumerate(polygons):
        here = where if kind == "Polygon" else f"{where}, polygon {k}"
        if not isinstance(poly, list) or not poly:
            raise InputError(f"{here}: a polygon needs a list of rings (outer ring first); got {_short(poly)}")
        rings = [_ring(r, here) for r in poly]
        a, c = polygon_area_centroid(rings)
        total, moment = total + a, moment + a * c
        points.extend(rings)
    pts = np.concatenate(points)
    if total <= 0 or total < 1e-12 * max(float(np.ptp(pts, axis=0).max()) ** 2, 1e-300):
        raise InputError(f"{where}: {kind} has zero area (degenerate: its holes cover it or its points are in a "
                         "line); allowed: polygons enclosing some area")
    return moment / total, pts


def _check_crs(doc: dict, field: str) -> None:
    crs = doc.get("crs")
    if crs is None:
        return
    name = str((crs.get("properties") or {}).get("name", "")) if isinstance(crs, dict) else str(crs)
    if not any(name.upper().endswith(g) for g in GEOGRAPHIC):
        raise InputError(f"{field}: crs {name!r} is not longitude/latitude on WGS84; allowed: no crs member "
                         "(RFC 7946: WGS84 longitude/latitude) or urn:ogc:def:crs:OGC:1.3:CRS84 / EPSG:4326; "
                         "reproject the file (e.g. ogr2ogr -t_srs EPSG:4326)")


def rows(path: Path, field: str) -> tuple[list[str], list[dict], list[str]]:
    """(columns, one row-dict per feature with ``x``/``y`` in miles, a name per feature)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{field}: not readable as JSON ({e}); allowed: a GeoJSON FeatureCollection") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection" or not isinstance(doc.get("features"), list):
        got = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise InputError(f"{field}: type {got!r} is not a FeatureCollection with a list of features; allowed: "
                         "a GeoJSON FeatureCollection, one Feature per neighbourhood")
    _check_crs(doc, field)
    if not doc["features"]:
        raise InputError(f"{field}: the FeatureCollection has no features; allowed: one Feature per neighbourhood")
    out, names, centres = [], [], []
    for i, feat in enumerate(doc["features"]):
        props = feat.get("properties") if isinstance(feat, dict) else None
        if not isinstance(props, dict) or (isinstance(feat, dict) and feat.get("type") != "Feature"):
            raise InputError(f"{field}: features[{i}] is not a Feature with properties; allowed: "
                             '{"type": "Feature", "properties": {"id": ..., "households": ..., ...}, "geometry": ...}')
        row = {k: v for k, v in props.items() if k not in ("x", "y")}  # the geometry is the position
        if "id" not in row and feat.get("id") is not None:
            row["id"] = feat["id"]                                   # RFC 7946's feature id member
        if "id" in row:
            if not isinstance(row["id"], (str, int)) or isinstance(row["id"], bool):
                raise InputError(f"{field}: features[{i}], property 'id' = {_short(row['id'])} must be a string "
                                 "or whole number")
            row["id"] = str(row["id"]).strip()
        if isinstance(row.get("jurisdiction"), (str, int)):
            row["jurisdiction"] = str(row["jurisdiction"]).strip()
        name = f"features[{i}]" + (f" (id {row['id']!r})" if "id" in row else "")
        c, pts = centroid(feat.get("geometry"), f"{field}: {name}, geometry")
        bad = (np.abs(pts[:, 0]) > 180) | (np.abs(pts[:, 1]) > 90)
        if bad.any():
            lon, lat = pts[np.argmax(bad)]
            raise InputError(f"{field}: {name}, geometry: position [{lon:g}, {lat:g}] is outside longitude -180..180 "
                             "/ latitude -90..90; GeoJSON (RFC 7946) is WGS84 degrees, so a file in projected "
                             "units must be reprojected (e.g. ogr2ogr -t_srs EPSG:4326)")
        out.append(row)
        names.append(name)
        centres.append(c)
    lonlat = np.array(centres)  # at least one feature (checked above)
    lat0 = np.radians(lonlat[:, 1].mean())
    xy = lonlat * MILES_PER_DEGREE * np.array([np.cos(lat0), 1.0])
    xy -= xy.min(axis=0)
    for row, (x, y) in zip(out, xy):
        row["x"], row["y"] = float(x), float(y)
    cols = list(dict.fromkeys(k for r in out for k in r))
    return cols, out, names
