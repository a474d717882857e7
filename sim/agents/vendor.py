"""The vendor: one Mesa agent that offers partnerships to police departments.

Acceptance is a networked diffusion (Bass-type) with limits:

* only ``willing_share`` of departments outside the city would ever partner (drawn once
  per department; the city's own departments are willing: the case studied);
* a willing department accepts with a small spontaneous hazard plus a hazard proportional
  to the share of its peers (a small-world network among willing departments) that have
  partnered; city departments have their
  own spontaneous hazard (the vendor courts the markets where it sells);
* from ``scrutiny_day`` (Aug 2019) every acceptance hazard falls by ``scrutiny``;
* the vendor onboards at most ``onboard_capacity`` departments a day; accepted offers
  beyond it wait, first come first served;
* from ``scrutiny_day`` partnered departments end their partnership (``exit_rate`` a
  year) or have it ended by a local ban (``ban_rate`` a year); either way it never resumes.

Price, credits and alerts are read by the mechanisms.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core.streams import stream

YEAR = 365.25


class Vendor(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        n, d = len(model.partnered), model.p.departments
        # New draws on their own streams: the offer round's uniforms are unchanged.
        self.willing = model.dept_willing  # drawn with the departments (model._build_departments)
        self.rng_exit = stream(model.seed, "partner_exits")
        self.ended = np.zeros(n, bool)      # partnership ended (exit or ban): never resumes
        self.banned = np.zeros(n, bool)     # ended by a local ban
        self.waiting = np.zeros(n, bool)    # accepted, waiting to be onboarded
        self.queue: list[int] = []          # waiting departments, in order of acceptance
        self.allowance = 0.0                # onboarding capacity not yet used today
        self.willing_rows = np.flatnonzero(self.willing)
        self.base_hazard = np.where(model.dept_in_city, d.city_hazard, d.outside_hazard)[self.willing_rows]

    @property
    def exits(self) -> int:
        """Partnerships ended so far (exits and bans)."""
        return int(self.ended.sum())

    def step(self) -> None:
        m = self.model
        p = m.p
        # One uniform per department per day, drawn even before offers start (paired runs).
        u = m.rng_partner.random(len(m.partnered))
        u_exit = self.rng_exit.random(len(m.partnered))
        if m.day < p.vendor.programme_start_day:
            return
        d = p.departments
        scrutiny = m.day >= d.scrutiny_day
        if scrutiny:
            self._end_partnerships(u_exit, d)
        # Only willing departments ever accept: the hazard is computed for them alone.
        w = self.willing_rows
        open_ = ~(m.partnered[w] | self.ended[w] | self.waiting[w])
        if open_.any():  # once every willing department has answered, there is nothing to offer
            hazard = self.base_hazard + d.peer_hazard * (m.dept_peers @ m.partnered[w].astype(np.float32))
            if scrutiny:
                hazard *= 1 - d.scrutiny
            accept = w[open_ & (u[w] < -np.expm1(-hazard))]
            self.waiting[accept] = True
            self.queue.extend(accept.tolist())
        self._onboard(d.onboard_capacity)

    def _onboard(self, capacity: float) -> None:
        m = self.model
        self.allowance = min(self.allowance + capacity, max(capacity, 1.0)) if self.queue else 0.0
        k = int(self.allowance)
        if k == 0:
            return
        new = np.array(self.queue[:k], np.int64)
        del self.queue[:k]
        self.allowance -= len(new)
        self.waiting[new] = False
        m.partnered[new] = True
        for i in new:
            m.departments[i].on_partnered()

    def _end_partnerships(self, u: np.ndarray, d) -> None:
        m = self.model
        p_ban = -np.expm1(-d.ban_rate / YEAR)
        p_end = p_ban - np.expm1(-d.exit_rate / YEAR)  # ban first, then voluntary exit, on one uniform
        ending = np.flatnonzero(m.partnered & (u < p_end))
        if len(ending) == 0:
            return
        m.partnered[ending] = False
        self.ended[ending] = True
        self.banned[ending[u[ending] < p_ban]] = True
