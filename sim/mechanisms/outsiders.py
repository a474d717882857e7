"""Outsiders: people out in the city's neighbourhoods who live elsewhere (commuters, visitors).

A share ``offenders.outsider_share`` of the people about in the city live outside it. Offending
per person present is taken to be the same for residents and outsiders, so the same share
serves twice: it is the share of offences committed by outsiders, and the share of passers-by
in footage who are outsiders (7.1, 7.11 of docs/ODD.md).

* **Where.** An offence, wherever it happens, is an outsider's with chance ``share`` (so
  outsiders offend where offences happen: population x crime index); the offence itself is
  drawn as before, so outsiders take a share of the city's recorded crime, not extra crime.
* **Who.** An outsider offender's group follows the city's own offending weight by group
  (population x ``groups.offending_ratio`` x ``offenders.female_ratio`` x propensity); an
  outsider passer-by's follows the city's population: the metro taken to be like the city.
* **Record.** An outsider offender has a booking photo with the chance a resident offender of
  their group has one now (the offending-weighted enrolment of the group's residents, kept
  up to date as arrests enrol residents), and a licence photo with ``enforcement.licence_share``.
  Outsiders are not individuals: each offence is a new draw, so an outsider's arrest adds a
  photo to the gallery's outside photos but no one's state changes.

Draws: one dedicated stream (``outsiders``), four uniforms per candidate offence (before
deterrence thins them) and none when the share is 0, so offences stay paired between a
policy and its baseline and a share of 0 reproduces the model without outsiders bit for bit.
Passers-by draw on the emotion stream, after its own draws, only when the share is above 0.
"""

from __future__ import annotations

import numpy as np


class Outsiders:
    """Outsiders' share, make-up and records in one run.

    Args:
        share: ``offenders.outsider_share``.
        group: (n,) group of each resident.
        offend_w: (n,) offending weight of each resident.
        G: number of groups.
        licence_share: ``enforcement.licence_share``.
        rng: the ``outsiders`` stream (offences only).
    """

    def __init__(self, share: float, group: np.ndarray, offend_w: np.ndarray, G: int, licence_share: float,
                 rng: np.random.Generator):
        self.share, self.resident_group, self.offend_w, self.licence_share, self.rng = (
            share, group, offend_w, licence_share, rng)
        self.weight_by_group = np.bincount(group, weights=offend_w, minlength=G)
        self.offend_cum = np.cumsum(self.weight_by_group)
        self.pass_cum = np.cumsum(np.bincount(group, minlength=G)).astype(float)
        self.enrolled_weight = np.zeros(G)  # offending weight of enrolled residents, by group

    def enrol(self, residents: np.ndarray) -> None:
        """Residents newly in the gallery (each once): their group's enrolment rises."""
        if len(residents):  # most days' arrests enrol no one new (cheap: called a few times a day)
            self.enrolled_weight += np.bincount(self.resident_group[residents], weights=self.offend_w[residents],
                                                minlength=len(self.enrolled_weight))

    def booked_chance(self) -> np.ndarray:
        """(G,) chance an outsider offender of each group has a booking photo: as a resident
        offender of the group (enrolment weighted by offending)."""
        return np.divide(self.enrolled_weight, self.weight_by_group, out=np.zeros_like(self.enrolled_weight),
                         where=self.weight_by_group > 0)

    def offenders(self, offender: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Candidate offences' offenders with outsiders marked.

        Args:
            offender: (N,) resident drawn for each candidate offence (journey to crime).

        Returns:
            (offender row, -1 for an outsider; offender's group; outsider (bool); (2, N)
            uniforms for an outsider's booking and licence photos).
        """
        n = len(offender)
        if self.share <= 0:  # no draw: the model without outsiders, bit for bit
            return offender, self.resident_group[offender], np.zeros(n, bool), np.ones((2, n))
        u = self.rng.random((4, n))  # outsider?, group, booking photo, licence photo
        out = u[0] < self.share
        group = self.resident_group[offender]
        if out.any():
            group[out] = _pick(self.offend_cum, u[1, out])
            offender = np.where(out, -1, offender)
        return offender, group, out, u[2:]

    def enrolled(self, group: np.ndarray, u: np.ndarray, licence: bool) -> np.ndarray:
        """(N,) whether outsider offenders of ``group`` can be truly matched: a booking photo
        (:meth:`booked_chance`), or, in a search that includes licence/ID photos, a licence photo."""
        booked = u[0] < self.booked_chance()[group]
        return booked | (licence & (u[1] < self.licence_share))

    def passers(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """(outsider (bool), group) of ``n`` passers-by; draws from ``rng`` only when the share is above 0."""
        if self.share <= 0:
            return np.zeros(n, bool), np.zeros(n, np.int64)
        u = rng.random((2, n))
        out = u[0] < self.share
        return out, np.where(out, _pick(self.pass_cum, u[1]), 0)


def _pick(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Index drawn by uniforms ``u`` from cumulative weights ``cum`` (zero-weight entries never)."""
    return np.minimum(np.searchsorted(cum, u * cum[-1], side="right"), len(cum) - 1)
