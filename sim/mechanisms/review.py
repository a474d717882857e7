"""Human review as a decision on the candidate list: pick one candidate, or none.

The reviewer sees the ranked list a search returned and picks at most one candidate, or
declares "no match". The choice is a multinomial logit over the list and the no-match
option (weight 1):

* a false candidate scoring ``x`` (logit similarity) has weight
  ``odds(1 - review_catch) * exp(lambda * (x - x_ref)) * ORE``;
* the true subject, if on the list with score ``s``, ``odds(review_true_pass) *
  exp(lambda * (s - x_ref))``;

with ``x_ref = logit(review_reference)`` and ``lambda = review_score_weight``. So a lone
candidate scoring the reference is accepted with the declared chances, a high-scoring
false candidate is more likely accepted than a low one, several candidates compete (a
lookalike outscoring the true subject can win), and ``ORE = other_race_factor`` when the
reviewer's race differs from the probe's (more false identifications of other-race faces).

Scores are not simulated per gallery member: a false candidate's score is drawn from its
group's impostor distribution above the level the search says it cleared (the threshold,
or the top-k level of a capped list); the true subject's score is the search's draw.

Example:
    >>> odds(0.5), round(odds(0.8), 3)
    (1.0, 4.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.params.policing import Enforcement
from sim.recognition import ScoreModel, SearchResult

_MAX_EXP = 50.0  # exp() argument cap: a weight of e^50 already decides any choice


def odds(p: float) -> float:
    """p / (1 - p), finite at the edges."""
    p = min(max(p, 1e-9), 1 - 1e-9)
    return p / (1 - p)


@dataclass(frozen=True)
class Decision:
    """What the reviewer did with each search's list."""

    true_picked: np.ndarray   # (P,) the true subject was picked
    false_group: np.ndarray   # (P,) group of the picked false candidate, -1 when none was


def false_scores(res: SearchResult, probe_groups: np.ndarray, imp_rise: np.ndarray, model: ScoreModel,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each false candidate's search, group and logit score (probe-major order)."""
    P, G = res.false_by_group.shape
    per_probe = res.false_by_group.sum(axis=1)
    search = np.repeat(np.arange(P), per_probe)
    group = np.repeat(np.tile(np.arange(G), P), res.false_by_group.ravel())
    mean = model.imp_mean[probe_groups[search], group] + imp_rise[search]
    # Upper tail above the floor: P(X > x) = U * P(X > floor).
    tail = special.ndtr((mean - res.floor[search]) / model.imp_sd)
    q = np.maximum(rng.random(len(search)) * tail, 1e-300)
    return search, group, mean - model.imp_sd * special.ndtri(q)


def review(res: SearchResult, probe_groups: np.ndarray, other_race: np.ndarray, imp_rise: np.ndarray,
           model: ScoreModel, e: Enforcement, u: np.ndarray, rng: np.random.Generator) -> Decision:
    """The reviewer's pick for each search.

    Args:
        res: the searches (with genuine scores and floors).
        probe_groups: (P,) group index of each probe.
        other_race: (P,) the reviewer's race differs from the probe's.
        imp_rise: (P,) probe-quality rise of impostor means (for candidates' scores).
        u: (P,) uniforms for the choice.
        rng: stream for candidates' scores.
    """
    P = len(probe_groups)
    search, group, x = false_scores(res, probe_groups, imp_rise, model, rng)
    ref, lam = float(special.logit(e.review_reference)), e.review_score_weight
    w_false = odds(1 - e.review_catch) * np.exp(np.minimum(lam * (x - ref), _MAX_EXP))
    w_false *= np.where(other_race[search], e.other_race_factor, 1.0)
    s = np.where(res.found, res.genuine, ref)
    w_true = np.where(res.found, odds(e.review_true_pass) * np.exp(np.minimum(lam * (s - ref), _MAX_EXP)), 0.0)
    # Entries per search: [true subject, false candidates...]; choice by inverse CDF within the search.
    n = 1 + np.bincount(search, minlength=P)
    start = np.concatenate([[0], np.cumsum(n)[:-1]])
    w = np.zeros(n.sum())
    w[start] = w_true
    w[np.arange(len(search)) + search + 1] = w_false  # false candidate j sits after search[j] + 1 true slots
    cum = np.cumsum(w)
    base = np.where(start > 0, cum[start - 1], 0.0)
    total = cum[start + n - 1] - base
    target = u * (1.0 + total) - 1.0  # below 0: "no match" (weight 1)
    picked = target >= 0
    idx = np.searchsorted(cum, base + np.maximum(target, 0.0), side="right")
    idx = np.minimum(idx, start + n - 1)  # rounding at the list's end
    true_picked = picked & (idx == start)
    false_group = np.full(P, -1)
    chosen = picked & ~true_picked
    # Entry j > start of search p is false candidate (j - start - 1) of that search.
    first_false = np.concatenate([[0], np.cumsum(n - 1)[:-1]])
    false_group[chosen] = group[first_false[chosen] + idx[chosen] - start[chosen] - 1]
    return Decision(true_picked, false_group)
