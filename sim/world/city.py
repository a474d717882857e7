"""The city: a grid of neighbourhoods, households placed with tunable segregation, and
police jurisdictions.

Residents are stored sorted by neighbourhood and household, so each neighbourhood's
residents (and households) are one contiguous slice: per-neighbourhood draws become
``rng.integers(start, end)`` and counts become ``np.bincount``, with no index lists.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import scipy.sparse as sp

from sim.core.groups import category, category_names, index_dtype
from sim.params import Params


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
    dissimilarity: float      # realised majority-minority dissimilarity index

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


def _place(score: np.ndarray, strength: float, noise: np.ndarray, m: int) -> np.ndarray:
    """Neighbourhood of each household: sort by latent score, fill neighbourhoods along
    the city's gradient (distance from one corner) in equal shares."""
    order = np.argsort(strength * score + noise, kind="stable")
    nbh = np.empty(len(score), dtype=np.int32)
    nbh[order] = (np.arange(len(score)) * m) // len(score)
    return nbh


def _segregation_strength(minority: np.ndarray, target: float, rng: np.random.Generator, m: int) -> float:
    """Bisect the latent-score strength that gives the target dissimilarity (on a sample)."""
    k = min(len(minority), 20_000)
    mino = minority[:k]
    noise = rng.standard_normal(k)
    lo, hi = 0.0, 50.0
    for _ in range(40):
        mid = (lo + hi) / 2
        if dissimilarity(_place(mino.astype(float), mid, noise, m), mino, m) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def build_city(p: Params, rng: np.random.Generator) -> City:
    """Build neighbourhoods, households and residents for parameters ``p``."""
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

    # Segregation: the largest category is the majority; the rest share a latent offset.
    minority = hh_cat != int(np.argmax(cat_share))
    strength = _segregation_strength(minority, p.city.dissimilarity, rng, m)
    # Neighbourhoods are filled in order of distance from the grid's corner.
    yy, xx = np.divmod(np.arange(m), side)
    gradient_order = np.argsort(np.hypot(xx, yy) + 1e-9 * np.arange(m), kind="stable")
    hh_nbh = gradient_order[_place(minority.astype(float), strength, rng.standard_normal(h), m)].astype(np.int32)

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
        dissimilarity=dissimilarity(nbh, category != int(np.argmax(cat_share)), m),
    )
