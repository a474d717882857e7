"""The vendor: one Mesa agent that offers partnerships to police departments.

Acceptance is a networked diffusion (Bass-type): a department accepts with a small
spontaneous hazard plus a hazard proportional to the share of its peer departments that
have already partnered. City departments have their own spontaneous hazard (the vendor
courts the markets where it sells). Price, credits and alerts are read by the mechanisms.
"""

from __future__ import annotations

import mesa
import numpy as np


class Vendor(mesa.Agent):
    def step(self) -> None:
        m = self.model
        p = m.p
        # One uniform per department per day, drawn even before offers start (paired runs).
        u = m.rng_partner.random(len(m.partnered))
        if m.day < p.vendor.programme_start_day:
            return
        peer_share = m.dept_peers @ m.partnered.astype(float)
        hazard = np.where(m.dept_in_city, p.departments.city_hazard, p.departments.outside_hazard)
        hazard = hazard + p.departments.peer_hazard * peer_share
        new = np.flatnonzero(~m.partnered & (u < -np.expm1(-hazard)))
        m.partnered[new] = True
        for i in new:
            m.departments[i].on_partnered()
