"""The city: a grid of neighbourhoods, households placed with tunable segregation, and
police jurisdictions.

Residents are stored sorted by neighbourhood and household, so each neighbourhood's
residents (and households) are one contiguous slice: per-neighbourhood draws become
``rng.integers(start, end)`` and counts become ``np.bincount``, with no index lists.
"""

from __future__ import annotations

from dataclasses import dataclass

from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from sim.core.groups import category, category_names, index_dtype
from sim.params import Params
from sim.world import segregation, table


@dataclass
class City:
    # neighbourhoods (m)
    xy: np.ndarray            # (m, 2) grid position
    dept: np.ndarray          # (m,) jurisdiction (department index)
    crime_index: np.ndarray   # (m,) baseline crime multiplier, mean 1
    res_start: np.ndarray     # (m,) first resident row; residents of j are res_start[j]:res_start[j+1]
    hh_start: np.ndarray      # (m,) first household row
    radius: sp.csr_array      # (m, m) app alert radius: a neighbourhood and those next to it
    # households (h)
    hh_nbh: np.ndarray
    hh_head: np.ndarray       # resident row of the household's decision maker
    hh_size: np.ndarray       # members; a household's rows are hh_head : hh_head + hh_size
    # residents (n)
    group: np.ndarray         # index into the group keys (int8 up to 127 groups, wider beyond)
    category: np.ndarray      # race category (groups without the sex suffix), same dtype
    nbh: np.ndarray
    household: np.ndarray
    dissimilarity: float      # realised Black-white dissimilarity (see _headline_dissimilarity)

    @property
    def n_neighbourhoods(self) -> int:
        return len(self.xy)

    def population(self) -> np.ndarray:
        return np.diff(np.append(self.res_start, len(self.nbh)))

    def households(self) -> np.ndarray:
        return np.diff(np.append(self.hh_start, len(self.hh_nbh)))

    def random_resident(self, nbh: np.ndarray, u: np.ndarray) -> np.ndarray:
        """A resident of each neighbourhood in ``nbh``, picked by uniforms ``u`` in [0, 1)."""
        start = self.res_start[nbh]
        end = np.append(self.res_start[1:], len(self.nbh))[nbh]
        return start + (u * (end - start)).astype(np.int64)

    def members(self, households: np.ndarray) -> np.ndarray:
        """Resident rows of the given households (members are contiguous rows)."""
        size = self.hh_size[households]
        first = np.repeat(self.hh_head[households] - np.cumsum(size) + size, size)
        return first + np.arange(size.sum())


def categories(keys: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
    """Segregation categories: a group key without its ``_f``/``_m`` suffix."""
    names = category_names(keys)
    return names, np.array([names.index(category(k)) for k in keys], dtype=index_dtype(len(keys)))


def dissimilarity(nbh: np.ndarray, minority: np.ndarray, m: int) -> float:
    """Duncan dissimilarity index between minority and majority over neighbourhoods."""
    a = np.bincount(nbh[minority], minlength=m)
    b = np.bincount(nbh[~minority], minlength=m)
    if a.sum() == 0 or b.sum() == 0:
        return 0.0
    return float(0.5 * np.abs(a / a.sum() - b / b.sum()).sum())


def targets(p: Params, cat_names: list[str], minority: list[int]) -> tuple[tuple[float, ...], tuple[float | None, ...]]:
    """Each minority category's target dissimilarity and isolation (None: not targeted)."""
    c = p.city
    d = tuple(float(c.group_dissimilarity.get(cat_names[g], c.dissimilarity)) for g in minority)
    iso = tuple(c.isolation.get(cat_names[g]) for g in minority)
    return d, iso


def build_city(p: Params, rng: np.random.Generator) -> City:
    """Build neighbourhoods, households and residents for parameters ``p``: from the table
    ``city.neighbourhoods`` names, or a grid segregated to the targets."""
    if p.city.neighbourhoods:
        return _from_table(p, rng)
    side, n = p.city.grid_side, p.city.n_residents
    m = side * side
    keys = p.group_keys
    shares = np.array([p.groups.shares[k] for k in keys])
    cat_names, group_cat = categories(keys)
    cat_share = np.bincount(group_cat, weights=shares, minlength=len(cat_names))

    # Households: sizes 1 + Poisson(mean - 1), trimmed to exactly n residents.
    sizes = 1 + rng.poisson(p.city.household_size - 1, size=n)
    ends = np.cumsum(sizes)
    h = int(np.searchsorted(ends, n) + 1)
    sizes = sizes[:h]
    sizes[-1] -= ends[h - 1] - n
    hh_cat = rng.choice(len(cat_names), size=h, p=cat_share)

    # Segregation per category: the largest is the majority; each other category gets the
    # neighbourhood make-up fitted to its own dissimilarity and isolation targets.
    majority = int(np.argmax(cat_share))
    order_cats = [majority] + [g for g in range(len(cat_names)) if g != majority]
    column = np.argsort(order_cats)  # category -> column of the make-up
    d_t, iso_t = targets(p, cat_names, order_cats[1:])
    made = segregation.fit(tuple(float(x) for x in cat_share[order_cats]), side, d_t, iso_t)
    hh_nbh = segregation.place(column[hh_cat], sizes, made.composition)
    yy, xx = np.divmod(np.arange(m), side)

    # Sort households by neighbourhood so each neighbourhood is a contiguous slice.
    order = np.argsort(hh_nbh, kind="stable")
    hh_nbh, hh_cat, sizes = hh_nbh[order], hh_cat[order], sizes[order]
    household = np.repeat(np.arange(h, dtype=np.int32), sizes)
    nbh = hh_nbh[household]
    category = hh_cat[household].astype(group_cat.dtype)
    # Each member's group: drawn among the groups of the household's category by share.
    group = np.empty(n, dtype=group_cat.dtype)
    u = rng.random(n)
    for c in range(len(cat_names)):
        members = np.flatnonzero(category == c)
        gs = np.flatnonzero(group_cat == c)
        cum = np.cumsum(shares[gs]) / shares[gs].sum()
        group[members] = gs[np.minimum(np.searchsorted(cum, u[members]), len(gs) - 1)]
    hh_head = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)

    # Jurisdictions: Voronoi cells around randomly chosen centre neighbourhoods.
    xy = np.column_stack([xx, yy]).astype(float)
    n_dept = min(p.city.n_jurisdictions, m)
    centres = xy[rng.choice(m, size=n_dept, replace=False)]
    dept = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(-1), axis=1).astype(np.int32)

    sigma = p.city.crime_index_sigma
    crime_index = rng.lognormal(-sigma**2 / 2, sigma, size=m)

    grid = nx.grid_2d_graph(side, side)  # neighbourhood adjacency: the app's alert radius
    radius = nx.to_scipy_sparse_array(grid, nodelist=[(i % side, i // side) for i in range(m)], format="csr")
    radius = (radius + sp.eye_array(m, format="csr")).tocsr()

    return City(
        xy=xy, dept=dept, crime_index=crime_index,
        res_start=np.searchsorted(nbh, np.arange(m)), hh_start=np.searchsorted(hh_nbh, np.arange(m)),
        radius=radius, hh_nbh=hh_nbh, hh_head=hh_head, hh_size=sizes, group=group, category=category,
        nbh=nbh, household=household,
        dissimilarity=_headline_dissimilarity(nbh, category, cat_names, majority, m),
    )


def _from_table(p: Params, rng: np.random.Generator) -> City:
    """A city whose neighbourhoods, households and residents by group are a table's."""
    here = Path(__file__).resolve()
    shipped = next((d for d in (here.parents[1] / "scenarios", here.parents[2] / "scenarios") if d.is_dir()),
                   here.parents[2] / "scenarios")
    t = table.read(table.resolve(p.city.neighbourhoods, shipped), p.group_keys)
    cat_names, group_cat = categories(p.group_keys)
    group, sizes, hh_nbh = table.households_and_groups(t, group_cat, rng)
    m, h = len(t.ids), len(sizes)
    household = np.repeat(np.arange(h, dtype=np.int32), sizes)
    nbh = hh_nbh[household]
    category = group_cat[group].astype(np.int8)
    hh_head = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    if t.jurisdiction is not None:
        dept = t.jurisdiction
    else:  # Voronoi cells around randomly chosen centre neighbourhoods, as on the grid
        centres = t.xy[rng.choice(m, size=min(p.city.n_jurisdictions, m), replace=False)]
        dept = np.argmin(((t.xy[:, None, :] - centres[None]) ** 2).sum(-1), axis=1).astype(np.int32)
    sigma = p.city.crime_index_sigma
    crime_index = t.crime_index if t.crime_index is not None else rng.lognormal(-sigma**2 / 2, sigma, size=m)
    # Alert radius: a neighbourhood and its four nearest (as a grid cell and its neighbours).
    k = min(5, m)
    _, near = cKDTree(t.xy).query(t.xy, k=k)
    near = near.reshape(m, k)
    radius = sp.csr_array((np.ones(m * k), (np.repeat(np.arange(m), k), near.ravel())), shape=(m, m))
    radius = ((radius + radius.T) > 0).astype(float).tocsr()
    counts = np.bincount(category, minlength=len(cat_names))
    return City(
        xy=t.xy.astype(float), dept=dept.astype(np.int32), crime_index=crime_index,
        res_start=np.searchsorted(nbh, np.arange(m)), hh_start=np.searchsorted(hh_nbh, np.arange(m)),
        radius=radius, hh_nbh=hh_nbh, hh_head=hh_head, hh_size=sizes, group=group, category=category,
        nbh=nbh, household=household,
        dissimilarity=_headline_dissimilarity(nbh, category, cat_names, int(np.argmax(counts)), m),
    )


def _headline_dissimilarity(nbh: np.ndarray, category: np.ndarray, cat_names: list[str], majority: int,
                            m: int) -> float:
    """Realised dissimilarity of the category ``city.dissimilarity`` targets: Black, or the
    largest minority category where there is no Black category."""
    counts = np.bincount(category, minlength=len(cat_names))
    counts[majority] = -1
    g = cat_names.index("black") if "black" in cat_names else int(np.argmax(counts))
    if g == majority:
        return 0.0
    return dissimilarity(nbh[(category == g) | (category == majority)], category[(category == g) | (category == majority)] == g, m)


def segregation_report(city: City, p: Params) -> dict:
    """Per minority category: target and achieved dissimilarity from the majority and
    isolation, the share of its residents living where it is the majority, and counts."""
    cat_names, _ = categories(p.group_keys)
    m = city.n_neighbourhoods
    counts = np.zeros((m, len(cat_names)))
    np.add.at(counts, (city.nbh, city.category), 1.0)
    majority = int(np.argmax(counts.sum(axis=0)))
    minority = [g for g in range(len(cat_names)) if g != majority]
    d_t, iso_t = targets(p, cat_names, minority)
    if p.city.neighbourhoods:  # a table's city: its segregation is the table's, no targets
        d_t, iso_t = (None,) * len(minority), (None,) * len(minority)
    groups = {}
    for g, d, iso in zip(minority, d_t, iso_t):
        s = segregation.indices(counts, g, majority)
        groups[cat_names[g]] = {
            "residents": int(counts[:, g].sum()),
            "dissimilarity": round(s.dissimilarity, 4), "dissimilarity_target": d,
            "isolation": round(s.isolation, 4), "isolation_target": iso,
            "share_where_majority": round(s.majority_share, 4), "majority_neighbourhoods": s.majority_nbhs,
        }
    own = counts[:, majority] / np.maximum(counts.sum(axis=1), 1)
    return {
        "neighbourhoods": m, "residents": len(city.nbh), "households": len(city.hh_nbh),
        "majority": cat_names[majority], "table": p.city.neighbourhoods or None,
        "residents_by_neighbourhood": {g: counts[:, k].astype(int).tolist() for k, g in enumerate(cat_names)},
        "majority_isolation": round(float((counts[:, majority] / counts[:, majority].sum()) @ own), 4),
        "groups": groups,
    }
