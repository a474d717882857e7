"""One-to-many search of probe faces against a gallery counted by group, vectorised.

No individual gallery member is simulated: given a probe of group p, the number of gallery
members of group c whose impostor score clears a level u is ``Binomial(n_c, FMR[p, c](u))``
(comparisons are independent given the probe). This is exact for threshold searches and
costs one (P, G) binomial draw, whatever the gallery size.

Investigative top-k searches use the same fact at the genuine score: draw the true
subject's score ``s``; the impostors outscoring it number ``Binomial(n_c, FMR[p, c](s))``,
so the true subject is on the list iff fewer than k impostors beat it (exact conditional
on ``s``). Which groups fill the remaining slots is approximated by extreme-value
reasoning: the top few impostors lie near the level ``u`` where the expected number above
is k, so each slot is from group c with probability ``n_c FMR[p, c](u) / sum``.

Approximation common to both modes: impostor scores of one probe are independent; real
probes share a quality, which correlates their scores and makes false matches clump.

Example:
    >>> rng = np.random.default_rng(0)
    >>> r = search(np.array([0, 2]), np.array([False, True]), np.full(10, 2_500), 0.8, rng)
    >>> r.false_by_group.shape, r.found.shape
    ((2, 10), (2,))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.core.groups import GROUP_KEYS
from sim.recognition.scores import ScoreModel, default_model

_LOGIT_SPAN = (-40.0, 40.0)  # bisection bracket for score levels (logit similarity)
_BISECT_STEPS = 60  # halvings of the bracket: far below any score's meaningful precision


@dataclass(frozen=True)
class SearchResult:
    """Outcome of a batch of searches.

    Attributes:
        false_by_group: (P, G) false candidates returned, by candidate group.
        found: (P,) whether the true subject was returned (False when not enrolled).
        genuine: (P,) the true subject's logit score (-inf when not enrolled).
        floor: (P,) logit level every false candidate on the list is known to clear (the
            threshold, or the top-k level of a capped list): what the reviewer's scores
            are drawn above (:mod:`sim.mechanisms.review`).
    """

    false_by_group: np.ndarray
    found: np.ndarray
    genuine: np.ndarray | None = None
    floor: np.ndarray | None = None

    @property
    def n_false(self) -> np.ndarray:
        """(P,) false candidates per probe."""
        return self.false_by_group.sum(axis=1)

    @property
    def any_false(self) -> np.ndarray:
        """(P,) whether the probe got at least one false candidate."""
        return self.n_false > 0


def top_level(model: ScoreModel, n: np.ndarray, k: int) -> np.ndarray:
    """Logit score level above which k impostors are expected, per probe group.

    Args:
        model: score model.
        n: (G,) impostors in the gallery by group.
        k: number of top impostors.

    Returns:
        (G,) level u_p solving ``sum_c n_c FMR[p, c](u_p) = k`` (bisection, vectorised).
    """
    lo, hi = np.full(len(n), _LOGIT_SPAN[0]), np.full(len(n), _LOGIT_SPAN[1])
    for _ in range(_BISECT_STEPS):
        mid = (lo + hi) / 2
        above = special.ndtr((model.imp_mean - mid[:, None]) / model.imp_sd) @ n
        lo, hi = np.where(above > k, mid, lo), np.where(above > k, hi, mid)
    return (lo + hi) / 2


def _per_probe(threshold, top_k, P: int) -> tuple[np.ndarray, np.ndarray]:
    """(P,) logit thresholds (-inf: none) and (P,) caps (0: none), checked."""
    thr = np.full(P, np.nan) if threshold is None else np.broadcast_to(np.asarray(threshold, float), (P,))
    k = np.zeros(P, np.int64) if top_k is None else np.broadcast_to(np.asarray(top_k, np.int64), (P,))
    if threshold is None and top_k is None:
        raise ValueError("give a threshold, a top_k, or both")
    given = ~np.isnan(thr)
    if ((thr[given] < 0) | (thr[given] > 1)).any():
        raise ValueError(f"threshold must be in [0, 1], got {thr[given][(thr[given] < 0) | (thr[given] > 1)][0]}")
    if top_k is not None and np.ndim(top_k) == 0 and top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    if (k < 0).any() or (~given & (k == 0)).any():
        raise ValueError("each probe needs a threshold, a top_k >= 1, or both")
    with np.errstate(divide="ignore"):
        return np.where(given, special.logit(np.where(given, thr, 0.5)), -np.inf), k


def search(probe_groups: np.ndarray, probe_enrolled: np.ndarray, gallery_counts: np.ndarray,
           threshold: float | np.ndarray | None, rng: np.random.Generator,
           top_k: int | np.ndarray | None = None, model: ScoreModel | None = None,
           imp_rise: np.ndarray | float = 0.0, gen_drop: np.ndarray | float = 0.0) -> SearchResult:
    """Search each probe against the gallery.

    Modes: threshold only (every candidate scoring >= threshold); top-k only (the k best
    scores, always k candidates if the gallery has them); both (the k best among those
    scoring >= threshold, as in "up to 5 candidates above 50%"). Mode, threshold and k may
    differ per probe (arrays): a batch mixes departments with different rules.

    Args:
        probe_groups: (P,) group index of each probe (order of ``GROUP_KEYS``).
        probe_enrolled: (P,) whether the probe's true subject is in the gallery.
        gallery_counts: (G,) gallery members by group (enrolled subjects included).
        threshold: similarity threshold in [0, 1], None for pure top-k, or (P,) with NaN for none.
        rng: random generator (one stream for this decision).
        top_k: candidate-list length, None for threshold only, or (P,) with 0 for no cap.
        model: score model (stored defaults when None).
        imp_rise, gen_drop: probe-quality shifts (scalar or (P,)) of the impostor and
            genuine logit means (:mod:`sim.recognition.algorithms`).

    Returns:
        :class:`SearchResult` with false candidates by group and true-subject hits.
    """
    model = model or default_model()
    g = np.asarray(probe_groups, dtype=np.intp)
    enrolled = np.asarray(probe_enrolled, dtype=bool)
    counts = np.asarray(gallery_counts, dtype=np.int64)
    if enrolled.shape != g.shape:
        raise ValueError(f"probe_enrolled {enrolled.shape} must match probe_groups {g.shape}")
    P, G = g.size, counts.size
    t, k = _per_probe(threshold, top_k, P)
    d = np.broadcast_to(np.asarray(imp_rise, float), (P,))
    # Impostors: the gallery minus the probe's own photo when enrolled.
    n = np.broadcast_to(counts, (P, G)).copy()
    n[enrolled, g[enrolled]] -= 1
    np.maximum(n, 0, out=n)
    # Genuine logit score, drawn for every probe so the stream does not depend on enrolment.
    s = model.gen_mean[g] - gen_drop + model.gen_sd * rng.standard_normal(P)
    s[~enrolled] = -np.inf
    f_t = model.fmr_rows(g, t - d)  # a raised impostor mean is a lowered threshold
    if not k.any():
        return SearchResult(rng.binomial(n, f_t), enrolled & (s >= t), s, t.copy())

    # Impostors beating the genuine score (or the threshold, if the genuine is below it).
    hi = np.maximum(s, t)
    f_hi = model.fmr_rows(g, hi - d)
    n_hi = rng.binomial(n, f_hi)
    # Impostors between threshold and genuine score, conditional on not beating it.
    gap = np.where((s >= t)[:, None], f_t - f_hi, 0.0)
    p_gap = np.divide(gap, 1 - f_hi, out=np.zeros_like(gap), where=f_hi < 1)
    above = n_hi + rng.binomial(n - n_hi, np.clip(p_gap, 0.0, 1.0))
    cap = np.where(k > 0, k, np.iinfo(np.int64).max // 2)
    found = enrolled & (s >= t) & (n_hi.sum(axis=1) < cap)
    slots = cap - found
    floor = t.copy()
    # Rows with more candidates above the threshold than slots: take the top ones by group.
    capped = np.flatnonzero(above.sum(axis=1) > slots)
    if len(capped):
        above[capped], floor[capped] = fill_top(model, counts, g[capped], k[capped], t[capped], d[capped],
                                                slots[capped], rng)
    return SearchResult(above, found, s, floor)


def fill_top(model: ScoreModel, counts: np.ndarray, g: np.ndarray, k: np.ndarray, t: np.ndarray, d: np.ndarray,
             slots: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The groups of the best-scoring false candidates of lists cut at ``k`` (per row).

    The top few impostors lie near the level u where k are expected above (never below the
    row's logit threshold ``t``, -inf for none; ``d`` its probe-quality rise), so each of a
    row's ``slots`` goes to group c with chance proportional to ``n_c FMR[g, c](u)``.

    Returns:
        (false candidates by group (R, G), the level u (R,): what a reviewer's scores clear).
    """
    u = np.empty(len(g))
    for kk in np.unique(k):
        rows = k == kk
        u[rows] = top_level(model, counts.astype(float), int(kk))[g[rows]] + d[rows]
    u = np.maximum(u, t)
    w = special.ndtr((model.imp_mean[g] + d[:, None] - u[:, None]) / model.imp_sd) * counts
    w[w.sum(axis=1) == 0] = counts  # tails that underflow everywhere: fall back on the gallery make-up
    w /= w.sum(axis=1, keepdims=True)
    return rng.multinomial(slots, w), u


def search_test(probes: Mapping[str, int], gallery: Mapping[str, int], threshold: float,
                rng: np.random.Generator | int | None, model: ScoreModel | None = None,
                algorithm: str | None = None, quality: str = "booking") -> dict[str, int]:
    """Re-run a test like the ACLU's: probes not in the gallery, searched at a threshold.

    Args:
        probes: group key -> number of probes (none of them enrolled).
        gallery: group key -> number of gallery photos.
        threshold: similarity threshold in [0, 1].
        rng: random generator or seed.
        model: score model (stored defaults when None; overrides ``algorithm``).
        algorithm: preset name (``sim.recognition.params.ALGORITHMS``); vendor_2018 when None.
        quality: probe image source (``sim.recognition.params.QUALITIES``); booking-photo
            quality (the ACLU's Congress portraits) by default.

    Returns:
        Group key (each key of ``probes``) -> probes with at least one false candidate.

    Example:
        >>> congress = {"white_m": 359, "white_f": 70, "black_m": 30, "black_f": 20}
        >>> out = search_test(congress, {"white_m": 9_000, "black_m": 5_000}, 0.8, 0)
        >>> sorted(out) == sorted(congress)
        True
        >>> sorted(search_test(congress, {"white_m": 9_000}, 0.8, 0, algorithm="nist_leading",
        ...                    quality="doorbell")) == sorted(congress)
        True
    """
    from sim.recognition.algorithms import quality_index, quality_shifts
    from sim.recognition.params import ALGORITHMS, RecognitionParams

    unknown = (set(probes) | set(gallery)) - set(GROUP_KEYS)
    if unknown:
        raise ValueError(f"unknown group keys {sorted(unknown)}; known: {GROUP_KEYS}")
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm = {algorithm!r} is not a preset; allowed: {', '.join(ALGORITHMS)}")
    params = RecognitionParams(algorithm=algorithm or "vendor_2018")
    if model is None and algorithm is not None:
        model = ScoreModel.from_params(params)
    rise, drop = (x[quality_index(quality)] for x in quality_shifts(params))
    idx = {k: i for i, k in enumerate(GROUP_KEYS)}
    n_probe = np.array([probes.get(k, 0) for k in GROUP_KEYS])
    counts = np.array([gallery.get(k, 0) for k in GROUP_KEYS])
    g = np.repeat(np.arange(len(GROUP_KEYS)), n_probe)
    res = search(g, np.zeros(g.size, dtype=bool), counts, threshold,
                 np.random.default_rng(rng), model=model, imp_rise=rise, gen_drop=drop)
    hits = np.bincount(g, weights=res.any_false, minlength=len(GROUP_KEYS))
    return {k: int(hits[idx[k]]) for k in probes}
