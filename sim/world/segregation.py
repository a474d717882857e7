"""Residential segregation per group: neighbourhood make-up fitted to each group's target
dissimilarity (vs the majority) and isolation, then households placed to match it.

Each minority category g concentrates around its own anchor cell of the grid: its weight in
neighbourhood j is ``exp(strength_g * exp(-(d_gj / width_g)^2))`` relative to the majority's
1, where ``d_gj`` is j's distance from the anchor. Sinkhorn scaling turns the weights into a
make-up with equal neighbourhood populations and each category's city-wide share. Two
numbers per group (strength: how much more of the group lives near its anchor; width: over
how many neighbourhoods) are fitted by least squares to its two targets, dissimilarity
weighted first: a group's dissimilarity is matched and its isolation as nearly as that
allows. The fit depends only on shares, grid and targets, so it is cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy.optimize import least_squares

_D_WEIGHT = 10.0  # dissimilarity first, isolation as close as it allows
_MAX_STRENGTH = 12.0


@dataclass(frozen=True)
class GroupSegregation:
    """Segregation of one category from the majority (from resident counts)."""

    dissimilarity: float
    isolation: float
    majority_share: float    # share of the group living where it is the majority
    majority_nbhs: int       # neighbourhoods where the group is the majority


def indices(counts: np.ndarray, g: int, ref: int) -> GroupSegregation:
    """Dissimilarity of category ``g`` vs ``ref``, g's isolation, and where g is the majority.

    Args:
        counts: (m, K) residents of each category in each neighbourhood.
    """
    total = counts.sum(axis=1)
    a, b = counts[:, g], counts[:, ref]
    if a.sum() == 0:
        return GroupSegregation(0.0, 0.0, 0.0, 0)
    d = 0.5 * float(np.abs(a / a.sum() - b / max(b.sum(), 1e-300)).sum())
    share = a / np.maximum(total, 1e-300)
    iso = float((a / a.sum()) @ share)
    majority = share > 0.5
    return GroupSegregation(d, iso, float(a[majority].sum() / a.sum()), int(majority.sum()))


def anchors(side: int, k: int) -> np.ndarray:
    """Anchor cells of ``k`` minority categories: the grid's corners, then its edge midpoints
    and centre (distinct where the grid allows), largest category first."""
    s = side - 1
    spots = [(0, 0), (s, s), (s, 0), (0, s), (s / 2, 0), (s / 2, s), (0, s / 2), (s, s / 2), (s / 2, s / 2)]
    return np.array([spots[i % len(spots)] for i in range(k)], dtype=float)


def make_up(strength: np.ndarray, width: np.ndarray, dist: np.ndarray, shares: np.ndarray,
            iters: int = 300, col: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(m, K) share of each neighbourhood's residents in each category (column 0 the
    majority; rows sum to 1: equal populations; column means equal ``shares``), and the
    column scaling (a warm start for the next call)."""
    m = dist.shape[0]
    w = np.ones((m, len(shares)))
    w[:, 1:] = np.exp(strength[None, :] * np.exp(-(dist / width[None, :]) ** 2))
    col = shares.copy() if col is None else col
    for _ in range(iters):  # Sinkhorn: rows to 1/m, columns to the shares
        row = (1 / m) / (w @ col)
        col = shares / (row @ w)
    return row[:, None] * w * col[None, :] * m, col


@dataclass(frozen=True)
class Fit:
    composition: np.ndarray  # (m, K) share of each neighbourhood's residents by category
    strength: np.ndarray
    width: np.ndarray


@lru_cache(maxsize=64)
def fit(shares: tuple[float, ...], side: int, dissimilarity: tuple[float, ...],
        isolation: tuple[float | None, ...]) -> Fit:
    """Fit each minority category's (strength, width) to its targets.

    Args:
        shares: city-wide share of each category, majority first.
        dissimilarity, isolation: targets of the minority categories (isolation None: not
            targeted; the width then stays at half the grid).
    """
    sh = np.asarray(shares, float)
    k = len(sh) - 1
    yy, xx = np.divmod(np.arange(side * side), side)
    xy = np.column_stack([xx, yy]).astype(float)
    dist = np.hypot(*(xy[:, None, :] - anchors(side, k)[None]).transpose(2, 0, 1))
    if k == 0:
        return Fit(np.ones((side * side, 1)), np.zeros(0), np.zeros(0))
    has_iso = np.array([i is not None for i in isolation])
    iso_t = np.array([0.0 if i is None else i for i in isolation])
    d_t = np.asarray(dissimilarity, float)
    half = max(side / 2, 0.5)
    free = np.flatnonzero(has_iso)  # groups whose width is fitted
    warm = {"col": sh.copy()}

    def unpack(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        width = np.full(k, half)
        width[free] = np.exp(x[k:])
        return x[:k], width

    def residuals(x: np.ndarray) -> np.ndarray:
        c, warm["col"] = make_up(*unpack(x), dist, sh, iters=25, col=warm["col"])
        out = []
        for g in range(1, k + 1):
            s = indices(c, g, 0)
            out.append(_D_WEIGHT * (s.dissimilarity - d_t[g - 1]))
            if has_iso[g - 1]:
                out.append(s.isolation - iso_t[g - 1])
        return np.array(out)

    x0 = np.concatenate([np.full(k, 2.0), np.full(len(free), np.log(half))])
    lo = np.concatenate([np.zeros(k), np.full(len(free), np.log(0.3))])
    hi = np.concatenate([np.full(k, _MAX_STRENGTH), np.full(len(free), np.log(2.0 * side))])
    res = least_squares(residuals, x0, bounds=(lo, hi), diff_step=1e-3, xtol=1e-5, ftol=1e-7, max_nfev=200)
    strength, width = unpack(res.x)
    composition, _ = make_up(strength, width, dist, sh)
    return Fit(composition, strength, width)


def place(hh_cat: np.ndarray, sizes: np.ndarray, composition: np.ndarray) -> np.ndarray:
    """Neighbourhood of each household: each category's households (in their random order)
    fill neighbourhoods in proportion to the category's column of ``composition``."""
    nbh = np.empty(len(hh_cat), np.int32)
    m = composition.shape[0]
    for k in range(composition.shape[1]):
        rows = np.flatnonzero(hh_cat == k)
        if len(rows) == 0:
            continue
        target = np.cumsum(composition[:, k])
        target /= target[-1]
        cum = np.cumsum(sizes[rows])
        mid = (cum - sizes[rows] / 2) / cum[-1]
        nbh[rows] = np.minimum(np.searchsorted(target, mid), m - 1)
    return nbh
