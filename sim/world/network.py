"""The residents' social network: homophilous, mostly local ties plus a few long ties.

Ties are drawn as arrays (a million residents in about a second) and frozen as a
scipy.sparse matrix, because the daily step needs sparse products, not graph objects.
:func:`to_networkx` gives the same network as a networkx graph for analysis (degree,
assortativity, components) at sizes where a graph object is affordable.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree

from sim.world.city import City
from sim.world.rowsample import RowSampler
from sim.params import Network


def build_network(city: City, p: Network, rng: np.random.Generator) -> sp.csr_array:
    """Symmetric 0/1 adjacency (CSR, float32) of the residents' network.

    Each resident makes ``local_ties`` ties in their own neighbourhood, each with someone
    of their own race category with probability ``homophily`` (otherwise anyone there),
    and ``long_ties`` ties with anyone living within ``long_tie_radius`` grid cells
    (anyone in the city once the radius spans the grid). Household members are all tied.
    """
    n = len(city.nbh)
    m = city.n_neighbourhoods
    n_cat = int(city.category.max()) + 1
    # Blocks of residents sharing (neighbourhood, category), for homophilous draws.
    block = city.nbh.astype(np.int64) * n_cat + city.category
    by_block = np.argsort(block, kind="stable")
    block_start = np.searchsorted(block[by_block], np.arange(m * n_cat + 1))

    k = p.local_ties
    src = np.repeat(np.arange(n), k)
    same = rng.random(src.size) < p.homophily
    u = rng.random(src.size)
    dst = city.random_resident(city.nbh[src], u)  # anyone in the neighbourhood
    # Same category in the neighbourhood.
    b = block[src[same]]
    blo, bhi = block_start[b], block_start[b + 1]
    dst[same] = by_block[blo + (u[same] * (bhi - blo)).astype(np.int64)]

    long_src = np.repeat(np.arange(n), p.long_ties)
    long_dst = long_tie_ends(city, long_src, p.long_tie_radius, rng)

    # Household members: tie each member to the household head (heads tie the household).
    members = np.flatnonzero(np.arange(n) != city.hh_head[city.household])
    hh_src, hh_dst = members, city.hh_head[city.household[members]]

    s = np.concatenate([src, long_src, hh_src])
    d = np.concatenate([dst, long_dst, hh_dst])
    keep = s != d
    s, d = s[keep], d[keep]
    a = sp.coo_array((np.ones(s.size, np.float32), (s, d)), shape=(n, n)).tocsr()
    a = (a + a.T).tocsr()
    a.data[:] = 1.0  # duplicates summed: back to 0/1
    if a.nnz < 2**31:  # int32 indices: ~10% faster products, half the index memory
        a = sp.csr_array((a.data, a.indices.astype(np.int32), a.indptr.astype(np.int32)), shape=a.shape)
    return a


def long_tie_ends(city: City, src: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Other end of each long tie from residents ``src``: a random resident among those
    living in neighbourhoods whose centres are within ``radius`` grid cells of the
    resident's own (own included). A radius at or beyond the grid's diagonal means anyone
    in the city (one uniform draw per tie).

    Besides being closer to how ties thin out with distance, a bounded reach keeps the
    daily contact product reading a narrow window of the residents (stored by
    neighbourhood, row by row of the grid): at a million residents city-wide ties miss the
    cache and make the whole day ~1.5x slower."""
    n = len(city.nbh)
    side = int(round(np.sqrt(len(city.xy))))
    grid = np.column_stack([np.arange(len(city.xy)) % side, np.arange(len(city.xy)) // side])
    if len(city.xy) != side * side or not np.array_equal(city.xy, grid):
        return _ends_by_distance(city, src, radius, rng)  # a city from a table: any positions
    xy = city.xy.astype(np.int64)
    if radius >= np.hypot(side - 1, side - 1):
        return rng.integers(0, n, size=src.size)
    r = int(radius)
    pop = city.population()
    accept = pop / pop.max()  # neighbourhoods drawn in proportion to residents (empty ones never)
    x0, y0 = xy[city.nbh[src]].T
    nbh = np.empty(src.size, np.int64)
    todo = np.arange(src.size)
    while todo.size:  # rejection: a cell of the square, kept if in the disc, on the grid, by population
        ox, oy = rng.integers(-r, r + 1, size=(2, todo.size))
        x, y = x0[todo] + ox, y0[todo] + oy
        ok = (ox * ox + oy * oy <= radius * radius) & (x >= 0) & (x < side) & (y >= 0) & (y < side)
        cell = np.where(ok, y * side + x, 0)  # neighbourhood j sits at (j % side, j // side)
        ok &= rng.random(todo.size) < accept[cell]
        nbh[todo[ok]] = cell[ok]
        todo = todo[~ok]
    return city.random_resident(nbh, rng.random(src.size))


def _ends_by_distance(city: City, src: np.ndarray, radius: float, rng: np.random.Generator) -> np.ndarray:
    """:func:`long_tie_ends` for neighbourhoods at any positions (a city from a table, in
    neighbourhood widths, negative or fractional): a neighbourhood within ``radius`` of the
    resident's own (own included), in proportion to residents, then a resident of it."""
    pop = city.population().astype(float)
    near = cKDTree(city.xy).query_ball_point(city.xy, r=radius)
    indptr = np.concatenate(([0], np.cumsum([len(x) for x in near])))
    indices = np.concatenate([np.sort(x) for x in near]).astype(np.int64)
    ends = RowSampler(sp.csr_array((pop[indices], indices, indptr), shape=(len(near), len(near))))
    return city.random_resident(ends.draw(city.nbh[src], rng.random(src.size)), rng.random(src.size))


def row_normalise(a: sp.csr_array) -> sp.csr_array:
    """Matrix whose product with a vector gives each resident's mean over contacts."""
    deg = np.asarray(a.sum(axis=1), dtype=float).ravel()
    inv = np.divide(1.0, deg, out=np.zeros_like(deg), where=deg > 0).astype(np.float32)
    w = a.astype(np.float32)
    w.data *= np.repeat(inv, np.diff(w.indptr))
    return w


class SortedContacts:
    """The network as a compiled row loop reads it fastest (:class:`sim.mechanisms.fear.FearUpdate`).

    Rows are sorted by degree within each neighbourhood. A row loop mispredicts its exit
    branch whenever a row's length differs from the previous one's, which with random
    degrees costs about as much as the arithmetic; with rows of one length in a run, and the
    neighbourhood still the outer key, the columns a run reads stay close together. Only
    the pattern is kept, in unsigned 32-bit indices: a tie weighs 1/degree, looked up in
    ``inv_degree`` (float32, as :func:`row_normalise` has it), so the loop reads half the
    bytes of a weighted matrix and needs no negative-index checks.
    """

    def __init__(self, a: sp.csr_array, nbh: np.ndarray, n_neighbourhoods: int):
        if a.nnz >= 2**32 or not np.all(a.data == 1) or np.any(np.diff(nbh) < 0):
            raise ValueError("SortedContacts needs a 0/1 matrix under 2**32 ties over residents sorted by "
                             "neighbourhood")
        order = np.lexsort((np.diff(a.indptr), nbh))
        s = a[order]  # rows permuted; each row's columns keep their order
        self.indptr = s.indptr.astype(np.uint32)
        self.indices = s.indices.astype(np.uint32)
        d = np.arange(np.diff(s.indptr).max(initial=0) + 1, dtype=float)
        self.inv_degree = np.divide(1.0, d, out=np.zeros_like(d), where=d > 0).astype(np.float32)  # by degree
        self.resident = order.astype(np.uint32)  # resident in each sorted row
        # Rows of neighbourhood k are nbh_start[k]:nbh_start[k + 1] (neighbourhood is the outer key).
        self.nbh_start = np.concatenate(([0], np.cumsum(np.bincount(nbh, minlength=n_neighbourhoods)))).astype(
            np.uint32)


def neighbours(a: sp.csr_array, rows: np.ndarray) -> np.ndarray:
    """Column indices of the given rows, concatenated (what ``a[rows].indices`` gives,
    without scipy's ~40 us of indexing overhead per call)."""
    start, end = a.indptr[rows], a.indptr[np.asarray(rows) + 1]
    size = end - start
    return a.indices[np.repeat(start - np.cumsum(size) + size, size) + np.arange(size.sum())]


def to_networkx(a: sp.csr_array, group: np.ndarray | None = None) -> nx.Graph:
    """The network as a networkx graph, with each node's group as attribute ``group``."""
    g = nx.from_scipy_sparse_array(a)
    if group is not None:
        nx.set_node_attributes(g, dict(enumerate(group.tolist())), "group")
    return g
