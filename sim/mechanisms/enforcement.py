"""From footage to arrests: face searches, human review, stops, arrests, and the gallery.

The path of one offence with footage:

    usable face? -> search the gallery (if lawful, at the department's threshold)
    -> true candidate found (1 - FNMR, if enrolled) and false candidates (per-group FMR)
    -> human review drops some false candidates -> police stop some surviving leads
    -> a stopped offender is arrested (clearance); a stopped innocent sometimes is too.

Every arrest, rightful or wrongful, adds a booking photo to the gallery (the gallery loop);
more photos of a group mean more false candidates from that group. Patrol stops follow
recorded incidents (the attention loop), so camera-dense places draw more stops.
Counts are kept per group in :class:`DayCounts`; residents keep their own tallies.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, fields

import numpy as np

from sim.core.errors import InputError
from sim.mechanisms.emotion import flag_rate
from sim.recognition.params import QUALITIES
from sim.core.groups import GROUP_KEYS
from sim.params import Params
from scipy import special, stats

from sim.mechanisms.review import review
from sim.recognition import RecognitionParams, ScoreModel, SearchResult, search
from sim.recognition.algorithms import quality_shifts
from sim.recognition.search import fill_top


def proxy_index(keys: tuple[str, ...], p: Params) -> np.ndarray:
    """Census-group index whose error rates each model group uses."""
    return np.array([GROUP_KEYS.index(p.enforcement.score_proxy.get(k, k)) for k in keys])


def score_model(keys: tuple[str, ...], p: Params, shares: np.ndarray | None = None,
                rp: RecognitionParams | None = None) -> ScoreModel:
    """The recognition score model re-indexed to the model's groups (neutral when
    ``p.neutral.algorithm``: then ``shares``, the population shares of the groups, weight it).
    ``rp``: means already resolved from the preset (and changed by the law); else the preset's."""
    full = ScoreModel.from_params(p.recognition) if rp is None else ScoreModel.from_params(rp, use_preset=False)
    i = proxy_index(keys, p)
    model = ScoreModel(full.imp_mean[np.ix_(i, i)], full.imp_sd, full.gen_mean[i], full.gen_sd)
    if p.neutral.algorithm:
        w = np.full(len(keys), 1 / len(keys)) if shares is None else np.asarray(shares, float)
        model = neutral_scores(model, w, p.recognition.threshold)
    return model


def neutral_scores(model: ScoreModel, shares: np.ndarray, threshold: float) -> ScoreModel:
    """The same algorithm with no group differences: every probe/candidate pair gets the
    false match rate at ``threshold`` averaged over pairs drawn from ``shares`` (so the
    number of false candidates stays about the same), every group the mean genuine score."""
    w = shares / shares.sum()
    fmr = float(w @ model.fmr(threshold) @ w)
    t = float(special.logit(threshold))
    mean = t - model.imp_sd * stats.norm.isf(fmr) if fmr > 0 else float(model.imp_mean.min())
    G = len(w)
    return ScoreModel(np.full((G, G), mean), model.imp_sd, np.full(G, float(w @ model.gen_mean)), model.gen_sd)


def emotion_rates(keys: tuple[str, ...], p: Params) -> np.ndarray:
    return flag_rate(p.emotion)[proxy_index(keys, p)]


@dataclass
class DayCounts:
    """Today's enforcement counts by group of the person concerned."""

    n: int
    fr_searches: np.ndarray = field(init=False)         # by probe (offender) group
    fr_true_candidates: np.ndarray = field(init=False)
    fr_false_candidates: np.ndarray = field(init=False)  # by candidate group
    fr_no_match: np.ndarray = field(init=False)          # searches ending with no candidate picked, by probe group
    fr_possible_matches: np.ndarray = field(init=False)  # searches where a candidate was picked, by probe group
    stops: np.ndarray = field(init=False)
    arrests: np.ndarray = field(init=False)
    wrongful_stops: np.ndarray = field(init=False)
    wrongful_arrests: np.ndarray = field(init=False)
    clearances: np.ndarray = field(init=False)           # by offender group
    fr_clearances: np.ndarray = field(init=False)        # cleared only thanks to a face-search lead
    footage_obtained_without_warrant: np.ndarray = field(init=False)  # owners' footage, by owner's group
    emotion_flags: np.ndarray = field(init=False)
    table: np.ndarray = field(init=False, repr=False)  # (counts, n): every count above is a row view of it

    def __post_init__(self) -> None:
        # One array for all counts, so the day's record is one block copy, not one per count.
        self.table = np.zeros((len(self.names()), self.n), np.int64)
        for name, row in zip(self.names(), self.table):
            setattr(self, name, row)

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return _count_names(cls)


@functools.cache
def _count_names(cls) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls) if f.name not in ("n", "table"))


@dataclass
class Gallery:
    """The searched mugshot gallery: photos by group; which residents are in it."""

    photos: np.ndarray          # (G,) photos, residents and outsiders
    resident_photos: np.ndarray  # (G,) photos of city residents
    enrolled: np.ndarray        # (n,) bool, resident has a photo
    enrolled_by_group: np.ndarray  # (G,) residents with a photo (people, not photos)
    limit: float = np.inf         # most photos kept (gallery.max_photos_per_person x people in the catchment)
    neutral: tuple | None = None  # (group of each resident, population shares, rng) under ``neutral.gallery``

    def add(self, residents: np.ndarray, groups: np.ndarray, outsiders_by_group: np.ndarray | None = None
            ) -> np.ndarray:
        """Booking photos for arrested residents (rows) and outsiders (counts by group);
        past ``limit``, older photos are purged (see :meth:`purge`). Returns the residents
        enrolled for the first time (each once).

        Under ``neutral.gallery`` (``self.neutral`` set) the same number of photos is added in
        the population's make-up: each resident's photo enrols a resident drawn at random from
        the whole city, outsiders' photos are spread over groups by population share (on the
        gallery's own neutral stream, so the run's other streams stay paired)."""
        G = len(self.photos)
        new = residents[:0]
        if self.neutral is not None:
            group_of, shares, rng = self.neutral
            if len(residents):
                residents = rng.integers(0, len(group_of), len(residents))
                groups = group_of[residents]
            if outsiders_by_group is not None:
                outsiders_by_group = rng.multinomial(int(np.sum(outsiders_by_group)), shares)
        if len(residents):
            fresh = ~self.enrolled[residents]  # first photo of these people (count each once)
            new, first = np.unique(residents[fresh], return_index=True)
            self.enrolled_by_group += np.bincount(groups[fresh][first], minlength=G)
            self.enrolled[residents] = True
            add = np.bincount(groups, minlength=G)
            self.photos += add
            self.resident_photos += add
        if outsiders_by_group is not None:
            self.photos += outsiders_by_group
        self.purge()
        return new

    def purge(self) -> None:
        """Runaway guard: keep at most ``limit`` photos, removing older ones across groups in
        proportion (the make-up is kept; enrolled people stay enrolled). Deterministic, and a
        no-op below the limit, so runs that never reach it are unchanged."""
        total = int(self.photos.sum())
        if total <= self.limit:
            return
        keep = self.limit / total
        self.photos = np.floor(self.photos * keep).astype(np.int64)
        self.resident_photos = np.minimum(np.floor(self.resident_photos * keep).astype(np.int64), self.photos)


def photo_limit(p: Params, n: int) -> float:
    """Most photos the gallery keeps: ``gallery.max_photos_per_person`` per person of the
    catchment and the city (the runaway guard of :meth:`Gallery.purge`)."""
    return p.gallery.max_photos_per_person * (p.gallery.catchment_ratio * n + n)


def initial_gallery(group: np.ndarray, keys: tuple[str, ...], p: Params, rng: np.random.Generator,
                    neutral_rng: np.random.Generator | None = None) -> Gallery:
    """Residents with a booking photo: overall ``gallery.resident_share``, by group in
    proportion to the arrest make-up (FBI CIUS 2019, via the recognition inputs); outside
    photos with the same make-up. With ``neutral.gallery`` both follow the population, and so
    do the photos later arrests add (``neutral_rng`` draws them; see :meth:`Gallery.add`)."""
    G = len(keys)
    pop = np.bincount(group, minlength=G) / len(group)
    make_up = (pop.copy() if p.neutral.gallery else
               np.array([p.recognition.calibration.gallery_shares[GROUP_KEYS[i]] for i in proxy_index(keys, p)]))
    factor = np.divide(make_up, pop, out=np.zeros(G), where=pop > 0)
    chance = factor / max(factor @ pop, 1e-12) * p.gallery.resident_share
    enrolled = rng.random(len(group)) < np.clip(chance, 0, 1)[group]
    resident = np.bincount(group[enrolled], minlength=G)
    catchment = p.gallery.catchment_ratio * len(group)  # people policed like the city, outside it
    outside = np.round(make_up / make_up.sum() * p.gallery.photos_per_catchment_person * catchment).astype(np.int64)
    neutral = (group, pop, neutral_rng) if p.neutral.gallery and neutral_rng is not None else None
    return Gallery(resident + outside, resident.astype(np.int64), enrolled, resident.astype(np.int64),
                   photo_limit(p, len(group)), neutral)


def pick_enrolled(group_of_pick: np.ndarray, by_group: np.ndarray, group_start: np.ndarray,
                  enrolled: np.ndarray, rng: np.random.Generator, tries: int = 16) -> np.ndarray:
    """A random enrolled resident of each requested group (-1 where none was found)."""
    if len(group_of_pick) == 0:
        return np.empty(0, np.int64)
    lo, hi = group_start[group_of_pick], group_start[group_of_pick + 1]
    cand = by_group[np.minimum(lo[:, None] + (rng.random((len(lo), tries)) * (hi - lo)[:, None]).astype(np.int64),
                               np.maximum(hi - 1, 0)[:, None])]
    ok = enrolled[cand] & (hi > lo)[:, None]
    first = ok.argmax(axis=1)
    return np.where(ok.any(axis=1), cand[np.arange(len(lo)), first], -1)


@dataclass
class Leads:
    """Outcome of today's searches for the offences searched."""

    offence: np.ndarray          # offence index of each probe
    true_stopped: np.ndarray     # (P,) the offender was stopped
    false_stopped: np.ndarray    # (P, G) innocent candidates stopped, by group


def run_searches(probe_group: np.ndarray, enrolled: np.ndarray, gallery: np.ndarray, rules: SearchRules,
                 model: ScoreModel, p: Params, u: np.ndarray, rng: np.random.Generator,
                 rng_review: np.random.Generator, counts: DayCounts) -> tuple[np.ndarray, np.ndarray]:
    """Search, review and stop for each probe.

    Args:
        rules: per-probe threshold, cap, review, probe quality and reviewer race.
        u: (2, P) uniforms per search: the reviewer's choice, the stop.
        rng: stream of the search and of unreviewed stops; rng_review: candidates' scores.

    Returns:
        (true candidate stopped (P,), false candidates stopped (P, G)).
    """
    e = p.enforcement
    G = len(gallery)
    rise, drop = (x[rules.quality] for x in quality_shifts(p.recognition))
    res = search(probe_group, enrolled, gallery, rules.threshold, rng, top_k=rules.top_k, model=model,
                 imp_rise=rise, gen_drop=drop)
    res = cap_candidates(res, probe_group, gallery, p.recognition.max_candidates, rules.threshold, rise, model, rng)
    counts.fr_searches += np.bincount(probe_group, minlength=G)
    counts.fr_true_candidates += np.bincount(probe_group[res.found], minlength=G)
    counts.fr_false_candidates += res.false_by_group.sum(axis=0)
    stop = u[1] < e.stop_per_lead
    # Unreviewed lists: every candidate is a lead, stopped with the same chance.
    false_stopped = rng.binomial(np.where(rules.review[:, None], 0, res.false_by_group), e.stop_per_lead)
    true_stopped = res.found & stop & ~rules.review
    matched = ~rules.review & (res.found | res.any_false)
    if rules.review.any():
        r = np.flatnonzero(rules.review)
        sub = SearchResult(res.false_by_group[r], res.found[r], res.genuine[r], res.floor[r])
        d = review(sub, probe_group[r], rules.other_race[r], rise[r], model, e, u[0, r], rng_review)
        true_stopped[r] = d.true_picked & stop[r]
        picked = (d.false_group >= 0) & stop[r]
        false_stopped[r[picked], d.false_group[picked]] += 1
        matched[r] = d.true_picked | (d.false_group >= 0)
    counts.fr_possible_matches += np.bincount(probe_group[matched], minlength=G)
    counts.fr_no_match += np.bincount(probe_group[~matched], minlength=G)
    return true_stopped, false_stopped


def cap_candidates(res: SearchResult, probe_group: np.ndarray, gallery: np.ndarray, cap: int,
                   threshold: np.ndarray, rise: np.ndarray, model: ScoreModel, rng: np.random.Generator
                   ) -> SearchResult:
    """The search's lists, each at most ``cap`` long (the true candidate counts in it).

    Deployed systems return a bounded list (``recognition.max_candidates``) whatever the
    department's own rule: where more candidates clear the threshold (NaN: none), the
    best-scoring are kept, as in a top-k search (:func:`sim.recognition.search.fill_top`),
    and their review floor rises to the cap's level. Rows under the cap are returned as they
    are and draw no random numbers (a runaway guard that leaves ordinary searches' streams
    alone)."""
    slots = cap - res.found.astype(np.int64)
    over = np.flatnonzero(res.false_by_group.sum(axis=1) > slots)
    if not len(over):
        return res
    with np.errstate(divide="ignore"):
        t = np.where(np.isnan(threshold[over]), -np.inf, special.logit(threshold[over]))
    d = np.broadcast_to(np.asarray(rise, float), probe_group.shape)[over]
    false_by_group = res.false_by_group.copy()
    false_by_group[over], u = fill_top(model, gallery, probe_group[over], np.full(len(over), cap), t, d,
                                       slots[over], rng)
    floor = None if res.floor is None else res.floor.copy()
    if floor is not None:
        floor[over] = np.maximum(floor[over], u)
    return SearchResult(false_by_group, res.found, res.genuine, floor)


@dataclass(frozen=True)
class SearchRules:
    """Per-probe rules of a batch of searches."""

    threshold: np.ndarray   # (P,) similarity threshold, NaN for none
    top_k: np.ndarray       # (P,) candidate cap, 0 for none
    review: np.ndarray      # (P,) bool, a person reviews the list
    quality: np.ndarray     # (P,) probe quality index (sim.recognition.params.QUALITIES)
    other_race: np.ndarray  # (P,) bool, the reviewer's race differs from the probe's


def searching_share(e, drawn: np.ndarray) -> np.ndarray:
    """Share of each city department's searchable cases that are searched (``fr_assignment``):
    expected -> fr_departments everywhere; drawn -> 1 or 0 per the per-seed draw ``drawn``;
    listed -> 1 for the listed departments."""
    if e.fr_assignment == "expected":
        return np.full(len(drawn), e.fr_departments)
    if e.fr_assignment == "drawn":
        return drawn.astype(float)
    bad = [j for j in e.fr_department_list if not 0 <= j < len(drawn)]
    if bad:
        raise InputError(f"enforcement.fr_department_list = {e.fr_department_list}: departments {bad} do not exist; "
                         f"allowed: 0 to {len(drawn) - 1}")
    return np.isin(np.arange(len(drawn)), e.fr_department_list).astype(float)


def probe_quality(from_doorbell: np.ndarray, v: np.ndarray, e) -> np.ndarray:
    """Probe quality index per search: doorbell stills, else the other source that ``v`` (a
    uniform, reused from the draw that gave the other image) falls in, by ``other_sources``."""
    cum, index = _other_sources(tuple(e.other_sources[k] for k in OTHER_SOURCES))
    other = index[np.minimum(np.searchsorted(cum, v, side="right"), 2)]
    return np.where(from_doorbell, QUALITIES.index("doorbell"), other)


OTHER_SOURCES = ("cctv", "social", "booking")


@functools.cache
def _other_sources(shares: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative shares of the other image sources and their quality indices (per day: cached)."""
    return np.cumsum(shares), np.array([QUALITIES.index(k) for k in OTHER_SOURCES])


def licence_gallery(group: np.ndarray, G: int, p: Params, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Licence/ID photos: which residents have one (``licence_share``, every group alike),
    and photos by group, residents plus the catchment's (``gallery.catchment_ratio``)."""
    licensed = rng.random(len(group)) < p.enforcement.licence_share
    resident = np.bincount(group[licensed], minlength=G).astype(np.int64)
    outside = np.round(np.bincount(group, minlength=G) * p.gallery.catchment_ratio * p.enforcement.licence_share)
    return licensed, resident + outside.astype(np.int64), resident


def attention_update(attention: np.ndarray, recorded_per_capita: np.ndarray, p: Params) -> np.ndarray:
    """Patrol attention per capita: a moving average of recorded incidents (loop on), or
    left at its starting level (loop off, or neutral attention)."""
    if not p.loops.attention or p.neutral.attention:
        return attention
    return (1 - p.patrol.memory) * attention + p.patrol.memory * recorded_per_capita


def audited(rp: RecognitionParams, cap: float, threshold: float) -> RecognitionParams:
    """Bias audit: lower each group's impostor scores until its same-group FMR at
    ``threshold`` is at most ``cap`` times the best group's."""
    a = rp.impostor_mean
    t, sd = float(special.logit(threshold)), rp.impostor_sd
    fmr = {k: stats.norm.sf((t - v) / sd) for k, v in a.items()}
    limit = cap * min(fmr.values())
    new = {k: (t - sd * stats.norm.isf(limit) if fmr[k] > limit else v) for k, v in a.items()}
    return rp.model_copy(update={"impostor_mean": new})


def equalised(rp: RecognitionParams) -> RecognitionParams:
    """An algorithm with the best group's error rates for every group."""
    best_imp = min(rp.impostor_mean.values())
    best_gen = max(rp.genuine_mean.values())
    return rp.model_copy(update={"impostor_mean": dict.fromkeys(rp.impostor_mean, best_imp),
                                 "genuine_mean": dict.fromkeys(rp.genuine_mean, best_gen)})
