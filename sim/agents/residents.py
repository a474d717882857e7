"""Residents: Mesa agents whose state lives in arrays.

:class:`Population` holds one array per state variable (residents and their households);
the day's mechanisms update those arrays at once. Each :class:`Resident` is a registered
``mesa.Agent`` that reads its own row, so a resident can be inspected one by one
(``model.resident(42).fear``) without a per-resident loop in the step.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.world.city import City
from sim.params import Params


@dataclass
class Population:
    # residents (n)
    fear: np.ndarray          # float32, 0-1
    fear_base: np.ndarray     # float32, resting fear
    privacy: np.ndarray       # float32, privacy concern 0-1
    app: np.ndarray           # bool, uses the neighbourhood app
    app_clock: np.ndarray     # float32, Exp(1) threshold of the app-install clock
    app_hazard: np.ndarray    # float32, cumulative app-install hazard
    stops: np.ndarray         # int32, times stopped by police
    arrests: np.ndarray       # int32, times arrested
    wrongful: np.ndarray      # int32, stops for an offence they did not commit
    # households (h)
    camera: np.ndarray        # bool, owns a video doorbell
    free_camera: np.ndarray   # bool, the camera was given by police
    aware: np.ndarray         # bool, knows a footage request can be refused
    price_sens: np.ndarray    # float32, price sensitivity (mean 1)
    cam_clock: np.ndarray     # float32, Exp(1) threshold of the purchase clock
    cam_hazard: np.ndarray    # float32, cumulative purchase hazard
    granted: np.ndarray       # int32, footage requests granted so far


def init_population(city: City, p: Params, rng: np.random.Generator) -> Population:
    """Draw residents' and households' traits and initial adoption."""
    n, h = len(city.nbh), len(city.hh_nbh)
    f = p.fear
    fear_base = np.clip(rng.normal(f.baseline, f.baseline_sd, n), 0, 1).astype(np.float32)
    conc = 4.0
    privacy = rng.beta(p.adoption.privacy_mean * conc, (1 - p.adoption.privacy_mean) * conc, n)
    sd = p.adoption.price_sensitivity_sd
    camera = rng.random(h) < p.adoption.initial_cameras
    cam_clock = rng.exponential(size=h).astype(np.float32)
    cam_clock[camera] = np.inf  # stopped: already adopted
    # Adoption clocks: a household buys when its cumulative hazard passes an Exp(1) draw.
    # One draw per household for the whole run keeps scenarios on common random numbers.
    return Population(
        fear=fear_base.copy(), fear_base=fear_base, privacy=privacy.astype(np.float32),
        app=np.zeros(n, bool), app_clock=rng.exponential(size=n).astype(np.float32),
        app_hazard=np.zeros(n, np.float32),
        stops=np.zeros(n, np.int32), arrests=np.zeros(n, np.int32), wrongful=np.zeros(n, np.int32),
        camera=camera, free_camera=np.zeros(h, bool), aware=rng.random(h) < p.requests.aware_share,
        price_sens=rng.lognormal(-sd**2 / 2, sd, h).astype(np.float32),
        cam_clock=cam_clock, cam_hazard=np.zeros(h, np.float32),
        granted=np.zeros(h, np.int32),
    )


class Resident(mesa.Agent):
    """One resident: a view on row ``row`` of the model's population arrays."""

    def __init__(self, model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def _pop(self) -> Population:
        return self.model.pop

    @property
    def group(self) -> str:
        return self.model.group_keys[self.model.city.group[self.row]]

    @property
    def neighbourhood(self) -> int:
        return int(self.model.city.nbh[self.row])

    @property
    def household(self) -> int:
        return int(self.model.city.household[self.row])

    @property
    def fear(self) -> float:
        return float(self._pop.fear[self.row])

    @property
    def trust(self) -> float:
        return float(self.model.trust.values(self.row))

    @property
    def privacy_concern(self) -> float:
        return float(self._pop.privacy[self.row])

    @property
    def price_sensitivity(self) -> float:
        return float(self._pop.price_sens[self.household])

    @property
    def owns_camera(self) -> bool:
        return bool(self._pop.camera[self.household])

    @property
    def app_user(self) -> bool:
        return bool(self._pop.app[self.row])

    @property
    def knows_opt_out(self) -> bool:
        return bool(self._pop.aware[self.household])

    @property
    def in_gallery(self) -> bool:
        return bool(self.model.gallery.enrolled[self.row])

    @property
    def stops(self) -> int:
        return int(self._pop.stops[self.row])

    @property
    def arrests(self) -> int:
        return int(self._pop.arrests[self.row])

    @property
    def wrongful_stops(self) -> int:
        return int(self._pop.wrongful[self.row])

    @property
    def footage_shared(self) -> int:
        return int(self._pop.granted[self.household])

    def __repr__(self) -> str:
        return (f"Resident(id={self.unique_id}, group={self.group}, nbh={self.neighbourhood}, "
                f"fear={self.fear:.2f}, camera={self.owns_camera}, app={self.app_user})")
