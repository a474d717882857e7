"""The policing component: the enforcement path's state and its daily step.

It owns what only the police change: the recognition score model in use, the mugshot
gallery, patrol attention and presence (:mod:`sim.mechanisms.patrols`), and the day's
enforcement counts. Each day the model
calls :meth:`Policing.investigate` (face searches, review, stops, arrests, clearances,
emotion screening) and then :meth:`Policing.patrol` (discretionary stops where presence is;
attention and presence updated; the gallery's wider catchment). Kernels are in :mod:`sim.mechanisms.enforcement`; this class
holds the state between days and writes residents' tallies in the shared population arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.groups import GROUP_KEYS
from sim.core.offences import OFFENCES
from sim.core.streams import stream
from sim.mechanisms import crime, enforcement, offenders, patrols
from sim.mechanisms.outsiders import Outsiders
from sim.mechanisms.enforcement import licence_gallery, probe_quality, searching_share
from sim.recognition.algorithms import preset

if TYPE_CHECKING:  # annotations only: the model hands itself in
    from sim.mechanisms.footage import Requests


class Policing:
    """Enforcement state of one run; ``m`` is the model whose population, city and law it reads."""

    def __init__(self, m, seed: int):
        self.m = m
        p, c = m.p, m.city
        G = len(m.group_keys)
        self.rng_leads = stream(seed, "leads")
        self.rng_patrol = stream(seed, "patrol")
        self.rng_emotion = stream(seed, "emotion")
        self.rng_gallery = stream(seed, "gallery")
        self.rng_fr = stream(seed, "fr_units")        # which searchable cases an FR-using unit takes
        self.rng_review = stream(seed, "review")      # reviewer's race, candidates' scores
        self.rng_validity = stream(seed, "emotion_validity")
        self.scores = enforcement.score_model(m.group_keys, p, m.group_size / len(c.group))
        self.emotion_rate = enforcement.emotion_rates(m.group_keys, p.model_copy(
            update={"emotion": p.emotion.model_copy(update={"enabled": True})}))  # used where the law runs it
        self.gallery = enforcement.initial_gallery(c.group, m.group_keys, p, self.rng_gallery,
                                                   stream(seed, "gallery_neutral"))
        self.by_group = np.argsort(c.group, kind="stable")
        self.group_start = np.searchsorted(c.group[self.by_group], np.arange(G + 1))
        self.counts = enforcement.DayCounts(G)
        self._wrongful_new: list[np.ndarray] = []  # residents stopped since the trust loop last looked
        self._other_new: list[np.ndarray] = []
        self.clearance = crime.clearance(p.crime, p.enforcement)  # conventional, by offence type
        # Attention: recorded incidents per resident the department acts on; it starts at
        # the expected rate (reported and recorded, plus discovered at mean presence).
        rec = p.crime.recording * m.reporting[:, None] + (1 - m.reporting[:, None]) * m.discovery0
        self.attention = (m.crime_rates * rec).sum(axis=0) / np.maximum(m.population, 1)
        if p.neutral.attention:  # the same attention and presence per resident everywhere
            self.attention = np.full(c.n_neighbourhoods, self.attention @ m.population / m.population.sum())
        self._allocate()
        if p.offenders.history and not p.neutral.gallery:
            self.gallery = self._history_gallery(stream(seed, "history"))
        self.searched_by_kind = np.zeros(len(OFFENCES), np.int64)
        self.cleared_by_kind = np.zeros(len(OFFENCES), np.int64)
        self._law_algorithm = self._algorithm_rules()
        self.fr_share = searching_share(p.enforcement, m.dept_uses_fr)  # by city department
        keys = [GROUP_KEYS[i] for i in enforcement.proxy_index(m.group_keys, p)]
        self.probe_white = np.array([k.startswith("white_") for k in keys])
        self.licensed, self.licence_photos, self.licence_resident = licence_gallery(c.group, G, p, stream(seed, "licence"))
        # Offenders and passers-by from outside the city, recorded as resident offenders of their group are.
        self.outsiders = Outsiders(p.offenders.outsider_share, c.group, m.offend_w, G, p.enforcement.licence_share,
                                   stream(seed, "outsiders"))
        self.outsiders.enrol(np.flatnonzero(self.gallery.enrolled))

    def _allocate(self) -> None:
        """The department rule: patrol presence from attention and preference, and what it discovers."""
        m = self.m
        self.presence = patrols.presence(self.attention, m.over_policed_share, m.population, m.p)
        self.discovery = patrols.discovery(self.presence, m.p)

    def _history_gallery(self, rng: np.random.Generator) -> enforcement.Gallery:
        """The starting gallery from the run's own arrest process: residents enrolled by their
        expected arrests (their offences cleared, stops where they live); outside photos in
        the make-up those arrests imply."""
        m = self.m
        p, c = m.p, m.city
        rec = p.crime.recording * m.reporting[:, None] + (1 - m.reporting[:, None]) * m.discovery0
        per_w = 365 * ((m.crime_rates * rec).sum(axis=1) * self.clearance).sum() / max(m.offend_w.sum(), 1e-300)
        # Residents commit all but the outsiders' share; outsiders' clearances have the same make-up.
        own = (1 - p.offenders.outsider_share) * per_w
        stop = 365 * p.patrol.stops_per_1k / 1000 * p.patrol.hit_rate * self.presence[c.nbh]
        enrolled = offenders.history(m.offend_w, own, stop, p.gallery.resident_share, rng)
        G = len(m.group_keys)
        resident = np.bincount(c.group[enrolled], minlength=G).astype(np.int64)
        make_up = np.bincount(c.group, weights=per_w * m.offend_w + stop, minlength=G)
        catchment = p.gallery.catchment_ratio * len(c.group)  # people policed like the city, outside it
        outside = np.round(make_up / max(make_up.sum(), 1e-300) * p.gallery.photos_per_catchment_person
                           * catchment).astype(np.int64)
        return enforcement.Gallery(resident + outside, resident.copy(), enrolled, resident.copy(),
                                   enforcement.photo_limit(p, len(c.group)))

    def clear_chance(self, kind: np.ndarray, footage: np.ndarray) -> np.ndarray:
        """Chance conventional investigation clears a recorded offence of each ``kind``; higher
        where owners' footage of it was obtained (``footage``, bool). Patrol presence plays no part."""
        uplift = 1 + self.m.p.enforcement.footage_clearance_uplift * footage
        return np.minimum(self.clearance[kind] * uplift, 1.0)

    def new_day(self) -> None:
        self.counts = enforcement.DayCounts(len(self.m.group_keys))

    def count_stops(self, rows: np.ndarray, wrongful: np.ndarray | bool) -> None:
        """Residents ``rows`` are stopped (a row once per stop); ``wrongful`` marks the wrongful
        stops. Counted per resident, and listed until the trust loop reads the list."""
        if isinstance(wrongful, (bool, np.bool_)):
            bad, other = (rows, rows[:0]) if wrongful else (rows[:0], rows)
        else:
            bad, other = rows[wrongful], rows[~wrongful]
        np.add.at(self.m.pop.stops, rows, 1)
        np.add.at(self.m.pop.wrongful, bad, 1)
        self._wrongful_new.append(bad)
        self._other_new.append(other)

    def new_stops(self) -> tuple[np.ndarray, np.ndarray]:
        """(wrongfully stopped, otherwise stopped) residents since the last call, a row once
        per stop; the list starts again."""
        cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0, np.int64)  # noqa: E731
        out = cat(self._wrongful_new), cat(self._other_new)
        self._wrongful_new, self._other_new = [], []
        return out

    def follow_law(self) -> None:
        """Re-derive the score model when the law changed the algorithm in use (an
        equalised algorithm, or a bias audit's FMR cap)."""
        law = self.m.law
        if self._algorithm_rules() == self._law_algorithm:
            return
        self._law_algorithm = self._algorithm_rules()
        rp = preset(self.m.p.recognition)  # the algorithm in use, which the law then changes
        if law.equalised:
            rp = enforcement.equalised(rp)
        if law.fmr_cap is not None:
            rp = enforcement.audited(rp, law.fmr_cap, float(law.threshold.max()))
        self.scores = enforcement.score_model(self.m.group_keys, self.m.p, self.m.group_size / len(self.m.city.group),
                                              rp=rp)

    def _algorithm_rules(self) -> tuple:
        law = self.m.law  # the audit is set at the highest threshold in force
        return law.equalised, law.fmr_cap, float(law.threshold.max()) if law.fmr_cap is not None else None

    def count_footage(self, out: Requests) -> None:
        """Footage handed over on an in-app request (no warrant), by the owner's group."""
        if out.warranted == 0 and out.granted:
            self.counts.footage_obtained_without_warrant += np.bincount(
                self.m.head_group[out.granted_households], minlength=len(self.m.group_keys))

    # --- the day's enforcement -------------------------------------------------------
    def investigate(self, footage: np.ndarray, u: np.ndarray, granted_households: list[np.ndarray]) -> None:
        """Conventional clearance, then face searches of footage and other images, review,
        stops and arrests; then emotion screening of obtained footage.

        Args:
            footage: (O,) bool, today's offences with footage handed over.
            u: (6, O) uniforms per offence: face usable, review, stop, arrest, clearance,
                other image source.
            granted_households: households whose footage went through emotion analysis.
        """
        m = self.m
        p, e, off, law = m.p, m.p.enforcement, m.today, m.law
        group, out = off.group, off.outsider  # offender's group; an outsider (not a resident row)
        dept = m.city.dept[off.nbh]
        cleared = off.recorded & (u[4] < self.clear_chance(off.kind, footage))  # conventional
        conventional = cleared.copy()
        # Faces to search: footage owners handed over, the vendor's own doorbell matching
        # (if switched on, for partnered departments), and images from other sources.
        vendor_fr = law.doorbell_fr & m.partnered[dept]
        uses_fr = self.rng_fr.random(len(off)) < self.fr_share[dept]
        doorbell = (footage & uses_fr | vendor_fr) & off.captured & (u[0] < e.usable_face)
        other = off.recorded & (u[5] < e.other_probes) & uses_fr
        # Searches only where lawful, and only for offences serious enough under the rules.
        probe = np.flatnonzero((doorbell | other) & law.fr_allowed[dept] & (off.kind >= law.fr_min_seriousness[dept]))
        self.searched_by_kind = np.bincount(off.kind[probe], minlength=len(OFFENCES))
        quality = probe_quality(doorbell[probe], u[5, probe] / max(e.other_probes, 1e-12), e)
        # One batch per arrest rule and gallery; thresholds, caps and review vary per probe.
        # (a code per department: 2 x match-alone arrest + licence search; np.unique over rows is slow)
        batches = (2 * law.match_alone_arrest.astype(np.int64) + law.licence_search)[dept[probe]]
        # Reviewer's race: white, or else (a simplification) the probe's own race.
        white_reviewer = self.rng_review.random(len(probe)) < e.reviewer_white_share
        other_race = white_reviewer & ~self.probe_white[group[probe]]
        for rule in np.unique(batches):
            at = batches == rule
            batch = probe[at]
            offender, outside = off.offender[batch], out[batch]
            match_alone, licence = bool(rule // 2), bool(rule % 2)
            thr, k = law.search_rules(dept[batch])
            rules = enforcement.SearchRules(thr, k, law.review[dept[batch]], quality[at], other_race[at])
            enrolled = self.gallery.enrolled[offender] | (licence & self.licensed[offender])  # outsiders: row -1
            if outside.any():  # an outsider can be truly matched only through their own (drawn) photos
                enrolled[outside] = self.outsiders.enrolled(group[batch[outside]], off.outsider_u[:, batch[outside]],
                                                            licence)
            photos = self.gallery.photos + (self.licence_photos if licence else 0)
            true_stopped, false_stopped = enforcement.run_searches(
                group[batch], enrolled, photos, rules, self.scores, p, u[1:3, batch], self.rng_leads,
                self.rng_review, self.counts)
            self.counts.stops += np.bincount(group[batch[true_stopped]], minlength=len(m.group_keys))
            self.count_stops(offender[true_stopped & ~outside], False)
            cleared[batch[true_stopped & (u[3, batch] < e.arrest_offender)]] = True
            p_arrest = e.arrest_innocent * (1.0 if match_alone else e.corroboration_factor)
            self.stop_innocents(false_stopped.sum(axis=0), p_arrest, licence)
        G = len(m.group_keys)
        self.counts.clearances += np.bincount(group[cleared], minlength=G)
        self.counts.fr_clearances += np.bincount(group[cleared & ~conventional], minlength=G)
        self.cleared_by_kind = np.bincount(off.kind[cleared], minlength=len(OFFENCES))
        # Outsiders arrested count by group and add outside photos; no resident's state changes.
        out_cleared = cleared & out
        outsiders = np.bincount(group[out_cleared], minlength=G) if out_cleared.any() else np.zeros(0, np.int64)
        self.arrest(off.offender[cleared & ~out], outsiders)
        if granted_households:
            self.screen_emotions(np.concatenate(granted_households))

    def stop_innocents(self, by_group: np.ndarray, p_arrest: float, licence: bool = False) -> None:
        """Stop innocent people from the gallery (by group); some are arrested on the match.
        With ``licence``, a candidate may come from the licence/ID photos: anyone with one."""
        m = self.m
        G = len(m.group_keys)
        who = np.repeat(np.arange(G), by_group)
        if len(who) == 0:
            return
        rng = self.rng_leads
        resident = rng.random(len(who)) < self.gallery.resident_photos[who] / np.maximum(self.gallery.photos[who], 1)
        rows = enforcement.pick_enrolled(who[resident], self.by_group, self.group_start, self.gallery.enrolled, rng)
        if licence:  # which photo matched: licence/ID or booking, in proportion to their numbers
            lic = self.licence_photos[who]
            from_licence = self.rng_review.random(len(who)) < lic / np.maximum(lic + self.gallery.photos[who], 1)
            lic_resident = from_licence & (self.rng_review.random(len(who)) < self.licence_resident[who] / np.maximum(lic, 1))
            lic_rows = enforcement.pick_enrolled(who[lic_resident], self.by_group, self.group_start, self.licensed,
                                                 self.rng_review)
            full = np.full(len(who), -1)
            full[resident] = rows
            full[from_licence] = -1
            full[lic_resident] = lic_rows
            resident = full >= 0
            rows = full[resident]
        arrested = rng.random(len(who)) < p_arrest
        self.counts.stops += by_group
        self.counts.wrongful_stops += by_group
        self.counts.wrongful_arrests += np.bincount(who[arrested], minlength=G)
        res_rows = np.full(len(who), -1)
        res_rows[resident] = rows
        known = res_rows >= 0
        self.count_stops(res_rows[known], True)
        self.arrest(res_rows[arrested & known], np.bincount(who[arrested & ~known], minlength=G))

    def arrest(self, residents: np.ndarray, outsiders_by_group: np.ndarray) -> None:
        """Arrest residents (rows) and outsiders (counts by group); each gets a booking photo."""
        m = self.m
        G = len(m.group_keys)
        g = m.city.group[residents]
        self.counts.arrests += np.bincount(g, minlength=G)
        if len(outsiders_by_group):
            self.counts.arrests += outsiders_by_group
        np.add.at(m.pop.arrests, residents, 1)
        if m.p.loops.gallery:  # the gallery loop: every arrest adds a photo
            new = self.gallery.add(residents, g, outsiders_by_group if len(outsiders_by_group) else None)
            self.outsiders.enrol(new)  # outsider offenders are recorded as resident offenders of their group

    def screen_emotions(self, households: np.ndarray) -> None:
        """Emotion analysis of passers-by in obtained footage; flags may become stops."""
        m = self.m
        c, rng, e = m.city, self.rng_emotion, m.p.enforcement
        nbh = np.repeat(c.hh_nbh[households], e.passersby)
        if len(nbh) == 0:
            return
        # Passers-by come from nearby neighbourhoods as offenders do (journey decay), by residents;
        # a share are outsiders (the city's make-up), drawn after the stream's own draws.
        faces = c.random_resident(m.passing.home(nbh, rng.random(len(nbh))), rng.random(len(nbh)))
        u_flag = rng.random(len(faces))
        out, out_group = self.outsiders.passers(len(faces), rng)
        group = np.where(out, out_group, c.group[faces])
        flagged = np.flatnonzero(u_flag < self.emotion_rate[group])
        G = len(m.group_keys)
        self.counts.emotion_flags += np.bincount(group[flagged], minlength=G)
        # Where the law turns flags into stops (a resident's home department; an outsider's, the
        # footage's). A flag reads the emotion right with chance `validity` (Barrett et al. 2019:
        # ~30%); best case for the vendor, a right reading is grounds for the stop, so only stops
        # on wrong readings count as wrongful. An outsider's stop counts by group, in no resident's state.
        where = np.where(out[flagged], nbh[flagged], c.nbh[faces[flagged]])
        stopped = flagged[m.law.emotion_stops[c.dept[where]]]
        is_wrong = self.rng_validity.random(len(stopped)) >= m.p.emotion.validity
        self.counts.stops += np.bincount(group[stopped], minlength=G)
        self.counts.wrongful_stops += np.bincount(group[stopped[is_wrong]], minlength=G)
        resident = ~out[stopped]
        self.count_stops(faces[stopped[resident]], is_wrong[resident])

    def patrol(self) -> None:
        """Discretionary stops where presence is; a share end in (rightful) arrests. Then the
        department updates attention from today's recorded incidents (discovered ones
        included) and reallocates presence."""
        m = self.m
        c, p, rng = m.city, m.p.patrol, self.rng_patrol
        per_nbh = patrols.stops(self.presence, m.population, m.p, rng)
        who = c.random_resident(np.repeat(np.arange(len(per_nbh)), per_nbh), rng.random(int(per_nbh.sum())))
        hit = rng.random(len(who)) < p.hit_rate
        self.counts.stops += np.bincount(c.group[who], minlength=len(m.group_keys))
        self.count_stops(who, False)
        self.arrest(who[hit], np.zeros(0, np.int64))
        recorded = np.bincount(m.today.nbh[m.today.recorded], minlength=len(per_nbh))
        self.attention = enforcement.attention_update(self.attention, recorded / np.maximum(m.population, 1), m.p)
        if m.p.loops.attention and not m.p.neutral.attention:
            self._allocate()
        if m.p.loops.gallery:  # the catchment's arrests, in the make-up of today's city arrests
            none = np.zeros(0, np.int64)
            self.gallery.add(none, none, self.rng_gallery.poisson(m.p.gallery.catchment_ratio * self.counts.arrests))
