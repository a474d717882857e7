"""The survsim model: a city of residents, police departments and a camera vendor."""

from __future__ import annotations

import mesa
from mesa.agentset import AgentSet
import networkx as nx
import numpy as np

from sim import adoption, crime, fear, footage
from sim.city import build_city
from sim.departments import PoliceDepartment
from sim.metrics import Recorder
from sim.network import build_network, row_normalise
from sim.params import Params
from sim.residents import Resident, init_population
from sim.streams import stream
from sim.vendor import Vendor


class SurveillanceModel(mesa.Model):
    """One run: a pure function of its parameters and seed. One step is one day.

    The day, in order (each item one method):

    1. ``commit_crime``: offences by neighbourhood; cameras capture some; some are
       reported and recorded.
    2. ``spread_fear``: recorded offences and camera captures become app posts; fear
       follows posts, contacts and decay.
    3. ``offer_partnerships``: the vendor's offers; departments accept (diffusion).
    4. ``adopt``: households buy cameras and residents install the app; installs earn
       partnered departments credits.
    5. ``police``: each partnered city department turns credits into free cameras and
       asks owners near today's recorded offences for footage.
    6. ``update_coverage``: camera coverage of each neighbourhood.
    7. ``record``: the day's metrics.

    Example:
        >>> m = SurveillanceModel(Params(), seed=1)
        >>> m.run(30)
        >>> m.recorder.get("cameras")[-1] > 0
        True
    """

    def __init__(self, params: Params | None = None, seed: int = 0):
        super().__init__(rng=seed)
        self.p = p = params or Params()
        self.seed = seed
        self.day = 0
        self.group_keys = p.group_keys
        self.city = c = build_city(p, stream(seed, "city"))
        self.pop = init_population(c, p, stream(seed, "city"))
        self.adjacency = build_network(c, p.network, stream(seed, "network"))
        self.contacts = row_normalise(self.adjacency)  # contacts @ x = mean of x over contacts
        self.rng_crime = stream(seed, "crime")
        self.rng_adopt = stream(seed, "adoption")
        self.rng_partner = stream(seed, "partnership")
        self.rng_free = stream(seed, "free_cameras")
        self.rng_requests = stream(seed, "requests")

        n, m = len(c.nbh), c.n_neighbourhoods
        self.population = c.population().astype(float)
        self.hh_count = c.households()
        self.crime_rates = crime.daily_rates(p.crime, self.population, c.crime_index)
        ratio = np.array([p.groups.offending_ratio.get(k, 1.0) for k in self.group_keys])
        self.offend_cum = np.cumsum(ratio[c.group])
        self.coverage = np.zeros(m)
        self.marketing = np.zeros(m)
        self.posts_1k = np.zeros(m)
        self.flows: dict[str, float] = {}
        self.free_cameras = 0
        # Who is on the platform (app or a camera at home), and how many of each
        # resident's contacts are: kept up to date on each join, since joins are few a day.
        G = len(self.group_keys)
        self.head_group = c.group[c.hh_head]
        self.group_size = np.bincount(c.group, minlength=G)
        self.cameras_by_group = np.bincount(self.head_group[self.pop.camera], minlength=G)
        self.app_by_group = np.zeros(G, np.int64)
        self.cameras_by_nbh = np.bincount(c.hh_nbh[self.pop.camera], minlength=m)
        self.platform = np.zeros(n, bool)
        self.peer_share = np.zeros(n, np.float32)  # share of contacts on the platform
        self.inv_degree = (1 / np.maximum(np.diff(self.adjacency.indptr), 1)).astype(np.float32)
        # Weight of neighbourhood posts in each resident's daily fear update.
        self.exposure_weight = np.full(n, p.fear.media_weight * p.fear.post_weight * p.fear.decay, np.float32)
        self.fear_pull = (p.fear.decay * self.pop.fear_base).astype(np.float32)
        self.static_hazard = adoption.static_term(p.adoption, p.fear.baseline, self.pop.privacy)
        self.join_platform(np.flatnonzero(self.pop.camera[c.household]))

        Resident.create_agents(self, n, row=np.arange(n))
        self._build_departments(stream(seed, "departments"))
        self.vendor = Vendor(self)
        self.update_coverage()
        self.recorder = Recorder(p.run.days, len(self.group_keys))
        self.record()

    def _build_departments(self, rng: np.random.Generator) -> None:
        p, c = self.p, self.city
        n_city = int(c.dept.max()) + 1
        total = n_city + p.departments.n_outside
        hh_dept = c.dept[c.hh_nbh]
        by_dept = np.argsort(hh_dept, kind="stable")
        cuts = np.searchsorted(hh_dept[by_dept], np.arange(1, n_city))
        households = np.split(by_dept, cuts) + [np.empty(0, np.int64)] * p.departments.n_outside
        self.departments = [PoliceDepartment(self, i, households[i]) for i in range(total)]
        self.city_departments = AgentSet(self.departments[:n_city], random=self.random)
        self.partnered = np.zeros(total, bool)
        self.dept_in_city = np.arange(total) < n_city
        # Departments learn of the programme from peers: a small-world network (networkx).
        k = min(p.departments.peer_degree, total - 1) // 2 * 2
        if total > 2 and k >= 2:
            g = nx.watts_strogatz_graph(total, k, 0.2, seed=int(rng.integers(2**31)))
            self.dept_peers = row_normalise(nx.to_scipy_sparse_array(g, format="csr", dtype=np.float32))
        else:
            self.dept_peers = row_normalise(nx.to_scipy_sparse_array(nx.complete_graph(total), format="csr",
                                                                     dtype=np.float32))

    # --- the day ----------------------------------------------------------------------
    def step(self) -> None:
        self.day += 1
        self.flows = dict.fromkeys(("footage_requests_warrantless", "footage_requests_warranted",
                                    "footage_granted"), 0)
        self.commit_crime()
        self.spread_fear()
        self.offer_partnerships()
        self.adopt()
        self.police()
        self.update_coverage()
        self.record()

    def commit_crime(self) -> None:
        self.today = crime.commit_crime(self.crime_rates, self.coverage, self.offend_cum,
                                        self.city.res_start, self.p.crime, self.rng_crime)
        self.today_draws = footage.draw(len(self.today), self.p, self.rng_requests)

    def spread_fear(self) -> None:
        p, c, pop = self.p, self.city, self.pop
        posts = fear.crime_posts(self.today, c.n_neighbourhoods, p, self.app_live, self.marketing)
        self.flows["crime_posts"] = float(posts.sum())
        self.posts_1k = fear.posts_per_1k(posts, c.radius, self.population).astype(np.float32)
        exposure = self.posts_1k[c.nbh]
        exposure *= self.exposure_weight
        fear.update_fear(pop.fear, self.fear_pull, exposure, self.contacts @ pop.fear, p)

    def offer_partnerships(self) -> None:
        self.vendor.step()
        v = self.p.vendor
        effort = self.p.departments.marketing_effort if v.marketing_duty else 0.0
        self.marketing = effort * self.partnered[self.city.dept]

    def adopt(self) -> None:
        p, c, pop = self.p, self.city, self.pop
        a = p.adoption
        mkt = (a.beta_marketing * self.marketing).astype(np.float32)[c.nbh] if self.marketing.any() else None
        x = adoption.log_hazard(a, pop.fear, self.peer_share, self.static_hazard, mkt)
        xh = x[c.hh_head]
        xh += adoption.camera_offset(a, p.vendor.price, pop.price_sens)
        self.give_cameras(adoption.advance_clock(pop.cam_hazard, pop.cam_clock, xh), free=False)
        if self.app_live:
            self.install_app(adoption.advance_clock(pop.app_hazard, pop.app_clock, x))

    def police(self) -> None:
        self.city_departments.do("step")

    def update_coverage(self) -> None:
        self.coverage = -np.expm1(-self.p.coverage.kappa * self.cameras_by_nbh / np.maximum(self.hh_count, 1))

    def record(self) -> None:
        r, pop, c, G = self.recorder, self.pop, self.city, len(self.group_keys)
        d = self.day
        r.record(d, "cameras", self.cameras_by_group.sum(), self.cameras_by_group)
        r.record(d, "app_users", self.app_by_group.sum(), self.app_by_group)
        r.record(d, "free_cameras", self.free_cameras)
        r.record(d, "partnered_departments", self.partnered.sum())
        r.record(d, "coverage_mean", float(self.coverage @ self.population / self.population.sum()))
        fear_sum = np.bincount(c.group, weights=pop.fear, minlength=G)
        r.record(d, "fear_mean", fear_sum.sum() / len(c.group), fear_sum / np.maximum(self.group_size, 1))
        if d == 0:
            return
        t = self.today
        r.record(d, "crimes_actual", len(t))
        r.record(d, "crimes_reported", t.reported.sum())
        r.record(d, "crimes_recorded", t.recorded.sum())
        r.record(d, "crimes_captured", t.captured.sum())
        for name, value in self.flows.items():
            r.record(d, name, value)

    # --- shared actions ---------------------------------------------------------------
    @property
    def app_live(self) -> bool:
        return self.day >= self.p.adoption.app_launch_day

    def join_platform(self, residents: np.ndarray) -> None:
        """Residents start using the app or live with a camera: their contacts see it."""
        new = residents[~self.platform[residents]]
        if len(new) == 0:
            return
        self.platform[new] = True
        contacts = self.adjacency[new].indices
        np.add.at(self.peer_share, contacts, self.inv_degree[contacts])

    def give_cameras(self, households: np.ndarray, free: bool) -> None:
        """Households get a camera; the head installs the app (always for free cameras,
        which require registration; with ``app_with_camera`` chance for purchases)."""
        if len(households) == 0:
            return
        self.pop.camera[households] = True
        self.pop.cam_clock[households] = np.inf
        self.pop.free_camera[households] |= free
        self.cameras_by_group += np.bincount(self.head_group[households], minlength=len(self.group_keys))
        self.cameras_by_nbh += np.bincount(self.city.hh_nbh[households], minlength=self.city.n_neighbourhoods)
        self.free_cameras += len(households) if free else 0
        self.join_platform(self.city.members(households))
        heads = self.city.hh_head[households]
        if self.app_live:
            u = self.pop.app_clock[heads]  # reuse the app clock's draw: no extra randomness
            takes = free | (-np.expm1(-u) < self.p.adoption.app_with_camera)
            self.install_app(heads[takes & ~self.pop.app[heads]])

    def install_app(self, residents: np.ndarray) -> None:
        """Residents install the app; partnered departments earn credits per install."""
        if len(residents) == 0:
            return
        self.pop.app[residents] = True
        self.pop.app_clock[residents] = np.inf
        self.exposure_weight[residents] = self.p.fear.post_weight * self.p.fear.decay
        self.app_by_group += np.bincount(self.city.group[residents], minlength=len(self.group_keys))
        self.join_platform(residents)
        v = self.p.vendor
        if v.credit_programme and v.credit_per_install > 0:
            dept = self.city.dept[self.city.nbh[residents]]
            earned = np.bincount(dept, minlength=len(self.city_departments)) * v.credit_per_install
            for i in np.flatnonzero(earned * self.partnered[: len(earned)]):
                self.departments[i].credits += earned[i]

    def count_requests(self, out: footage.Requests) -> None:
        self.flows["footage_requests_warrantless"] += out.warrantless
        self.flows["footage_requests_warranted"] += out.warranted
        self.flows["footage_granted"] += out.granted
        np.add.at(self.pop.granted, out.granted_households, 1)

    # --- running and inspecting -------------------------------------------------------
    def run(self, days: int | None = None, progress=None) -> None:
        """Run ``days`` steps (default: the scenario's horizon)."""
        for _ in range(self.p.run.days - self.day if days is None else days):
            self.step()
            if progress is not None:
                progress(1)

    def resident(self, row: int) -> Resident:
        """The Resident agent of population row ``row``."""
        return self._residents[row]

    @property
    def _residents(self) -> list[Resident]:
        if not hasattr(self, "_resident_list"):
            self._resident_list = list(self.agents_by_type[Resident])
        return self._resident_list
