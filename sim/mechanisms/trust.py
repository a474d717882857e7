"""Trust in police, per resident: the fifth loop.

Each resident's trust starts at ``trust.baseline`` and moves by events:

* a wrongful stop of the resident: ``trust *= 1 - stop_loss``;
* a wrongful stop of one of the resident's contacts: ``trust *= 1 - seen_loss``;
* a warrantless footage request to the resident's household (its head): ``trust *= 1 - request_loss``;
* a good contact (the resident is the victim of an offence the police recorded):
  ``trust += (stop_loss / asymmetry) * (1 - trust)``: bad contacts weigh ``asymmetry``
  times as much as good ones (Skogan 2006: 4-14x);

and between events it recovers toward the baseline with half-life ``half_life`` years.
Every update keeps trust in [0, 1] without clipping.

Recovery is lazy, so the day costs nothing per resident: trust is stored as
``baseline + u * g`` with one scalar ``g`` that shrinks by the daily retention factor;
events rewrite ``u`` for the rows they touch. Sums of ``u`` by group and by
neighbourhood are kept alongside, so the means the model needs (by group for the
record, by neighbourhood for reporting) cost O(groups + neighbourhoods) a day. When ``g``
gets small, ``u`` is rescaled (one pass over residents, rarely).
"""

from __future__ import annotations

import numpy as np

from sim.params import Trust as TrustParams

RESCALE_BELOW = 1e-3  # rescale u when g falls below this (keeps u's magnitude moderate)


class TrustState:
    """Trust of ``n`` residents, with running sums by neighbourhood and group."""

    def __init__(self, p: TrustParams, nbh: np.ndarray, group: np.ndarray, n_nbh: int, n_groups: int):
        self.p = p
        self.base = float(p.baseline)
        self.retain = 0.5 ** (1 / (365.25 * p.half_life))
        self.nbh, self.group = nbh, group
        self.u = np.zeros(len(nbh))  # float64: u * g must stay exact for decades of small steps
        self.g = 1.0
        self.u_nbh = np.zeros(n_nbh)
        self.u_group = np.zeros(n_groups)
        self.nbh_size = np.maximum(np.bincount(nbh, minlength=n_nbh), 1)
        self.group_size = np.maximum(np.bincount(group, minlength=n_groups), 1)

    # --- reading ----------------------------------------------------------------------
    def values(self, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
        """Trust of residents ``rows`` (all by default)."""
        return self.base + self.u[rows] * self.g

    def by_group(self) -> np.ndarray:
        return self.base + self.g * self.u_group / self.group_size

    def by_nbh(self) -> np.ndarray:
        return self.base + self.g * self.u_nbh / self.nbh_size

    # --- the day ----------------------------------------------------------------------
    def recover(self) -> None:
        """One day of recovery toward the baseline (O(1) most days)."""
        self.g *= self.retain
        if self.g < RESCALE_BELOW:
            self.u *= self.g
            self.u_nbh *= self.g
            self.u_group *= self.g
            self.g = 1.0

    def lose(self, rows: np.ndarray, share: float) -> None:
        """Each occurrence of a row in ``rows`` multiplies its trust by 1 - share."""
        if len(rows) == 0 or share <= 0:
            return
        r, k = np.unique(rows, return_counts=True)
        self._set(r, self.values(r) * (1 - share) ** k)

    def gain(self, rows: np.ndarray, share: float) -> None:
        """Each occurrence of a row closes ``share`` of its gap to full trust."""
        if len(rows) == 0 or share <= 0:
            return
        r, k = np.unique(rows, return_counts=True)
        self._set(r, 1 - (1 - self.values(r)) * (1 - share) ** k)

    def _set(self, rows: np.ndarray, new: np.ndarray) -> None:
        """Set trust of unique ``rows`` to ``new``, keeping the sums."""
        delta = (new - self.base) / self.g - self.u[rows]
        self.u[rows] += delta
        self.u_nbh += np.bincount(self.nbh[rows], weights=delta, minlength=len(self.u_nbh))
        self.u_group += np.bincount(self.group[rows], weights=delta, minlength=len(self.u_group))

    def day(self, wrongful: np.ndarray, other: np.ndarray, contacts: np.ndarray, asked: np.ndarray,
            victims: np.ndarray) -> None:
        """One day: recovery, then today's contacts (each array has a row once per event):
        residents wrongfully stopped, otherwise stopped, contacts of the wrongfully stopped,
        household heads asked for footage without a warrant, victims whose report was recorded."""
        p = self.p
        self.recover()
        self.lose(wrongful, p.stop_loss)
        self.lose(other, p.stop_loss * p.other_stop_weight)
        self.lose(contacts, p.seen_loss)
        self.lose(asked, p.request_loss)
        self.gain(victims, p.stop_loss / p.asymmetry)

    def factor(self, slope: float, trust: np.ndarray) -> np.ndarray:
        """Multiplier of a cooperation chance: 1 + slope * (trust - baseline), floored at 0."""
        return np.maximum(1 + slope * (trust - self.base), 0.0)

