"""Police departments: Mesa agents that partner with the vendor, market its product,
turn credits into free cameras and ask owners for footage.

Partnership state of all departments lives in model arrays (``model.partnered``) so the
vendor's offer round is one vectorised draw; each city department then acts on its own
jurisdiction in :meth:`PoliceDepartment.step`.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.mechanisms import footage
from sim.mechanisms.crime import VIOLENT


class PoliceDepartment(mesa.Agent):
    """A department; ``households`` is empty for departments outside the simulated city."""

    def __init__(self, model, index: int, households: np.ndarray):
        super().__init__(model)
        self.index = index
        self.households = households
        self.credits = 0.0          # USD toward free cameras
        self.pending_free = 0       # cameras owed (seed cameras on partnering)
        self.free_given = 0

    @property
    def partnered(self) -> bool:
        return bool(self.model.partnered[self.index])

    @property
    def in_city(self) -> bool:
        return len(self.households) > 0

    def on_partnered(self) -> None:
        """Contract signed: the vendor seeds free cameras if a credit programme runs."""
        if self.in_city and self.model.law.credit_programme[self.index]:
            self.pending_free += self.model.p.vendor.seed_cameras

    def step(self) -> None:
        if not self.partnered:
            return
        self.give_free_cameras()
        self.request_footage()

    def give_free_cameras(self) -> None:
        """Spend credits on cameras for households in the jurisdiction that have none."""
        m = self.model
        if not m.law.credit_programme[self.index]:  # a ban ends the contract's owed cameras and credits
            self.pending_free, self.credits = 0, 0.0
        n = self.pending_free
        if m.p.loops.credit and m.law.credit_programme[self.index] and m.price > 0:
            bought = int(self.credits // m.price)  # today's price (it falls over the years)
            self.credits -= bought * m.price
            n += bought
        cam = m.pop.camera
        n = min(n, len(self.households))  # never more than there are households to give to
        if n == 0:
            return
        pick = m.rng_free.integers(0, len(self.households), size=4 * n + 8)
        cand = self.households[pick]
        cand = cand[~cam[cand]]
        cand = cand[np.sort(np.unique(cand, return_index=True)[1])][:n]
        self.pending_free = n - len(cand)  # owed cameras carry over to the next day
        m.give_cameras(cand, free=True)
        self.free_given += len(cand)

    def request_footage(self) -> None:
        """Ask owners near today's recorded offences in the jurisdiction for video."""
        m = self.model
        off = m.today
        mine = np.flatnonzero(off.recorded & (m.city.dept[off.nbh] == self.index))
        if len(mine) == 0:
            return
        r = m.p.requests
        p_req = np.where(off.kind[mine] == VIOLENT, r.violent_request, r.property_request)
        d = m.today_draws
        sub = footage.RequestDraws(d.request[mine], d.cause[mine], d.grant[mine])
        law, i = m.law, self.index
        out = footage.request_footage(p_req, off.nbh[mine], off.spot[mine], sub, m.city.hh_start, m.hh_count,
                                      m.pop.camera, m.pop.aware, m.pop.fear, m.city.hh_head, m.p,
                                      warrant=law.warrant_required[i], in_app=law.in_app_requests[i],
                                      informed=law.informed_consent[i],
                                      grant_factor=m.grant_factor if m.p.loops.trust else None)
        m.count_requests(out, mine, i)
