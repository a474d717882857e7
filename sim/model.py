"""The survsim model: a city of residents, police departments and a camera vendor."""

from __future__ import annotations

import gc
from collections.abc import Sequence

import mesa
from mesa.agentset import AgentSet
import networkx as nx
import numpy as np

from sim.mechanisms import adoption, crime, fear, footage, offenders, patrols
from sim.mechanisms.trust import TrustState
from sim.mechanisms.policing import Policing
from sim.world.city import build_city, categories
from sim.agents.departments import PoliceDepartment
from sim.policy.law import Law
from sim.core.metrics import Recorder
from sim.world.network import build_network, neighbours, row_normalise
from sim.params import Params
from sim.policy.policies import Policy
from sim.agents.residents import Resident, init_population
from sim.core.streams import stream
from sim.agents.vendor import Vendor
from sim.mechanisms.enforcement import DayCounts

# Recorder rows written as blocks each day (see SurveillanceModel.record).
BY_KIND = tuple(f"{what}_{name}" for what in ("recorded", "cleared", "searched") for name in crime.OFFENCES)
COUNT_NAMES = tuple(DayCounts.names())


class SurveillanceModel(mesa.Model):
    """One run: a pure function of its parameters and seed. One step is one day.

    The day, in order (each item one method):

    1. ``commit_crime``: offences at spots in neighbourhoods; cameras overlooking a spot
       capture it; some are reported and recorded; patrols discover unreported ones.
    2. ``spread_fear``: recorded offences and camera captures become app posts; fear
       follows posts, contacts and decay.
    3. ``offer_partnerships``: the vendor's offers; departments accept (diffusion).
    4. ``adopt``: households buy cameras and residents install the app; installs earn
       partnered departments credits.
    5. ``police``: each partnered city department turns credits into free cameras and
       asks the owners around today's recorded offences for footage.
    6. ``investigate``: footage with a usable face is searched against the mugshot
       gallery; reviewed leads become stops and arrests; offences are cleared; every
       arrest adds a photo to the gallery; emotion flags may become stops.
    7. ``patrol``: discretionary stops where patrol presence is; presence follows recorded
       incidents (if the loop is on) and the departments' over-policing preference; the
       gallery's wider catchment, policed like the city, adds its arrests' photos.
    8. ``update_trust``: today's stops (wrongful ones more; own and contacts'), warrantless
       requests and recorded reports move residents' trust; trust recovers toward its baseline
       (if the trust loop is on).
    9. ``update_coverage``: camera coverage of each neighbourhood.
    10. ``record``: the day's metrics.

    Example:
        >>> m = SurveillanceModel(Params(), seed=1)
        >>> m.run(30)
        >>> m.recorder.get("cameras")[-1] > 0
        True
    """

    def __init__(self, params: Params | None = None, seed: int = 0, policies: Sequence[Policy] = ()):
        super().__init__(rng=seed)
        self.p = p = params or Params()
        self.seed = seed
        self.day = 0
        self.group_keys = p.group_keys
        self.city = c = build_city(p, stream(seed, "city"))
        cats, _ = categories(self.group_keys)
        self.over_policed = np.isin(c.category, [cats.index(x) for x in p.patrol.over_policed if x in cats])
        self.pop = init_population(c, p, stream(seed, "city"))
        self.adjacency = build_network(c, p.network, stream(seed, "network"))
        self.rng_crime = stream(seed, "crime")
        self.rng_adopt = stream(seed, "adoption")
        self.rng_partner = stream(seed, "partnership")
        self.rng_free = stream(seed, "free_cameras")
        self.rng_requests = stream(seed, "requests")
        self.rng_enforce = stream(seed, "enforcement")
        self.rng_trust = stream(seed, "trust")

        n, m = len(c.nbh), c.n_neighbourhoods
        self.pop_counts = c.population()
        self.population = self.pop_counts.astype(float)
        self.alert_reach = fear.alert_reach(c.radius, self.population)
        self.view = footage.view_households(p.coverage.kappa)  # households overlooking an offence's spot
        self.hh_count = c.households()
        # Share of each neighbourhood in over-policed categories: where segregation put them.
        self.over_policed_share = np.bincount(c.nbh, weights=self.over_policed, minlength=m) / np.maximum(
            self.population, 1)
        # Starting patrol presence (attention per resident follows the crime index): actual
        # rates are scaled so recorded crime, discovered offences included, is the FBI's.
        self.discovery0 = patrols.discovery(patrols.presence(c.crime_index, self.over_policed_share,
                                                             self.population, p), p)
        self.crime_rates = crime.daily_rates(p.crime, self.population, c.crime_index, self.discovery0)
        self.reporting = crime.reporting(p.crime)  # chance an offence is reported, by type
        ratio = np.array([p.groups.offending_ratio.get(k, 1.0) * (p.offenders.female_ratio if k.endswith("_f") else 1.0)
                          for k in self.group_keys])
        self.offend_w = ratio[c.group] * offenders.propensity(n, p.offenders.propensity_sigma, stream(seed, "offenders"))
        self.offend_cum = np.cumsum(self.offend_w)
        self.journey = offenders.Journey(c.xy, np.bincount(c.nbh, weights=self.offend_w, minlength=m),
                                         p.offenders.journey_decay)
        self.rng_journey = stream(seed, "journey")
        # Passers-by in footage move as offenders do, weighted by residents, not offending.
        self.passing = offenders.Journey(c.xy, self.population, p.offenders.journey_decay)
        self.coverage = np.zeros(m)
        self.marketing = np.zeros(m)
        self.marketing_term: np.ndarray | None = None  # beta_marketing * marketing, per resident
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
        # The daily fear update: contact mean, posts and pull in one compiled pass (7.3).
        self.fear_update = fear.FearUpdate(self.adjacency, c, self.pop.fear_base, p)
        self.fear_next = np.empty_like(self.pop.fear)  # tomorrow's fear is written here, then swapped in
        gap = p.adoption.segregation_gap * (self.over_policed_share - self.over_policed.mean())
        self.camera_gap = gap[c.hh_nbh].astype(np.float32)  # fewer purchases where incomes are lower
        self.set_price()
        self.static_hazard = adoption.static_term(p.adoption, p.fear.baseline, self.pop.privacy)
        self.trust = TrustState(p.trust, c.nbh, c.group, c.n_neighbourhoods, G)
        self.trust_term: np.ndarray | None = None  # app log-hazard from trust, refreshed with the price
        # static + peer + marketing log-hazard terms, kept summed: refreshed where they change.
        self.slow_hazard = adoption.slow_term(p.adoption, self.static_hazard, self.peer_share, None)
        self.join_platform(np.flatnonzero(self.pop.camera[c.household]))
        self.reference = self.group_keys.index(p.enforcement.reference_group)
        self.cum_wrongful_stops = np.zeros(G, np.int64)
        # Residents of each group in each neighbourhood: person-days on camera by group.
        self.nbh_group_pop = np.bincount(c.nbh * G + c.group, minlength=m * G).reshape(m, G).astype(float)
        gc.disable()  # a million new objects trigger many useless collections (~1/3 of build time)
        try:
            Resident.create_agents(self, n, row=np.arange(n))
        finally:
            gc.enable()
        self._build_departments(stream(seed, "departments"))
        self.vendor = Vendor(self)
        self.policing = Policing(self, seed)  # the enforcement path's state: gallery, attention, counts
        self.policies = [(pol.start_day(p.run.start_date), pol) for pol in policies]
        self.apply_policies(start_before=1)  # laws already in force on day 0
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
        self.law = Law.from_params(p, n_city)
        self.partnered = np.zeros(total, bool)
        self.dept_uses_fr = rng.random(n_city) < p.enforcement.fr_departments
        self.dept_in_city = np.arange(total) < n_city
        # Only some departments would ever partner (drawn on their own stream); the city's
        # own are willing: a city whose police partner is the case studied.
        draw = stream(self.seed, "partner_willingness").random(total)
        self.dept_willing = self.dept_in_city | (draw < p.departments.willing_share)
        w = int(self.dept_willing.sum())
        # Willing departments learn of the programme from each other: a small-world network
        # (networkx) among them; row i is the i-th willing department.
        k = min(p.departments.peer_degree, w - 1) // 2 * 2
        if w > 2 and k >= 2:
            g = nx.watts_strogatz_graph(w, k, 0.2, seed=int(rng.integers(2**31)))
        else:
            g = nx.complete_graph(w)
        self.dept_peers = row_normalise(nx.to_scipy_sparse_array(g, format="csr", dtype=np.float32))

    # --- the day ----------------------------------------------------------------------
    def step(self) -> None:
        self.day += 1
        self.apply_policies()
        self.flows = dict.fromkeys(("footage_requests_warrantless", "footage_requests_warranted",
                                    "footage_granted"), 0)
        self.policing.new_day()
        self.commit_crime()
        self.spread_fear()
        self.offer_partnerships()
        self.adopt()
        self.police()
        self.investigate()
        self.patrol()
        self.update_trust()
        self.update_coverage()
        self.record()

    def apply_policies(self, start_before: int | None = None) -> None:
        """Policies whose start day is today (or, at build, before ``start_before``)."""
        for day, pol in self.policies:
            if (day < start_before) if start_before is not None else (day == self.day):
                pol.apply(self.law, pol.departments(len(self.law.threshold)))
        self.policing.follow_law()

    def commit_crime(self) -> None:
        coverage, in_view = self.coverage, self.in_view
        if self.p.neutral.cameras:  # cameras spread evenly: the same total coverage everywhere
            coverage = np.full_like(coverage, coverage @ self.population / self.population.sum())
            in_view = None  # capture by the even coverage, not by where cameras are
        factor = (self.trust.factor(self.p.trust.report_slope, self.trust.by_nbh()) if self.p.loops.trust
                  else None)
        self.today = crime.commit_crime(self.crime_rates, coverage, self.offend_cum,
                                        self.city.res_start, self.reporting, self.p.crime, self.rng_crime,
                                        self.policing.discovery, self.journey, self.rng_journey,
                                        report_factor=factor, in_view=in_view, outsiders=self.policing.outsiders)
        self.today_draws = footage.draw(len(self.today), self.p, self.rng_requests)
        # Per offence: face usable, review, stop, arrest, clearance, other image source.
        self.today_u = self.rng_enforce.random((6, len(self.today)))
        self.footage = np.zeros(len(self.today), bool)
        self.granted_households: list[np.ndarray] = []
        self.asked_households = []

    def in_view(self, nbh: np.ndarray, spot: np.ndarray) -> np.ndarray:
        """Is a camera overlooking each offence's spot (see :mod:`sim.mechanisms.footage`)?"""
        return footage.in_view(nbh, spot, self.city.hh_start, self.hh_count, self.pop.camera, self.view)

    def spread_fear(self) -> None:
        p, c, pop = self.p, self.city, self.pop
        posts = fear.crime_posts(self.today, c.n_neighbourhoods, p, self.app_live, self.marketing)
        self.flows["crime_posts"] = float(posts.sum())
        self.posts_1k = fear.posts_per_1k(posts, c.radius, self.alert_reach).astype(np.float32)
        self.fear_update(pop.fear, self.fear_next, self.posts_1k, pop.app)
        pop.fear, self.fear_next = self.fear_next, pop.fear  # tomorrow's fear; today's buffer is reused

    def offer_partnerships(self) -> None:
        self.vendor.step()
        duty = self.partnered[: len(self.law.marketing_duty)] & self.law.marketing_duty
        marketing = self.p.departments.marketing_effort * duty[self.city.dept]
        if not np.array_equal(marketing, self.marketing):  # changes only when a department partners
            self.marketing = marketing
            self.marketing_term = (np.repeat((self.p.adoption.beta_marketing * marketing).astype(np.float32),
                                             self.pop_counts) if marketing.any() else None)
            self.slow_hazard = adoption.slow_term(self.p.adoption, self.static_hazard, self.peer_share,
                                                  self.marketing_term, self.trust_term)

    def adopt(self) -> None:
        p, c, pop = self.p, self.city, self.pop
        a = p.adoption
        if self.day % adoption.PRICE_STEP == 0:
            self.set_price()
        x = adoption.log_hazard(a, pop.fear, self.slow_hazard)
        xh = x[c.hh_head]
        xh += self.camera_offset
        self.give_cameras(adoption.advance_clock(pop.cam_hazard, pop.cam_clock, xh), free=False)
        if self.app_live:
            self.install_app(adoption.advance_clock(pop.app_hazard, pop.app_clock, x))

    def police(self) -> None:
        self.city_departments.do("step")

    def investigate(self) -> None:
        self.policing.investigate(self.footage, self.today_u, self.granted_households)

    def patrol(self) -> None:
        self.policing.patrol()

    def update_trust(self) -> None:
        """Trust moves with today's contacts with police, then recovers a day (7.16)."""
        victims_u = self.rng_trust.random(len(self.today))  # drawn every day: paired runs
        wrongful, other = self.policing.new_stops()  # read even with the loop off: the list restarts
        if not self.p.loops.trust:
            return
        none = np.empty(0, np.int64)
        asked = self.city.hh_head[np.concatenate(self.asked_households)] if self.asked_households else none
        off = self.today
        rec = np.flatnonzero(off.recorded)  # a good contact: the victim's report is taken
        victims = self.city.res_start[off.nbh[rec]] + (victims_u[rec] * self.pop_counts[off.nbh[rec]]).astype(np.int64)
        self.trust.day(wrongful, other, neighbours(self.adjacency, wrongful), asked, victims)

    def grant_factor(self, residents: np.ndarray) -> np.ndarray:
        """Trust's multiplier of a voluntary grant (the trust loop's hook into requests)."""
        return self.trust.factor(self.p.trust.grant_slope, self.trust.values(residents))

    def set_price(self) -> None:
        """Today's price: who is in the camera market and their purchase offsets; the app's
        trust term is refreshed on the same days (every ``adoption.PRICE_STEP``)."""
        p, pop = self.p, self.pop
        self.price = adoption.price_at(p.vendor, self.day)
        self.market = adoption.in_market(p.adoption, p.vendor.price, self.price, pop.price_sens)
        self.camera_offset = adoption.camera_offset(p.adoption, self.price, pop.price_sens, self.market)
        self.camera_offset -= self.camera_gap
        self.in_market = int(self.market.sum() + (pop.camera & ~self.market).sum())  # owners count as in it
        if hasattr(self, "trust"):
            on = p.loops.trust and p.trust.app_slope > 0
            self.trust_term = (np.float32(p.trust.app_slope) * (self.trust.values() - self.trust.base)).astype(
                np.float32) if on else None
            self.slow_hazard = adoption.slow_term(p.adoption, self.static_hazard, self.peer_share,
                                                  self.marketing_term, self.trust_term)

    def update_coverage(self) -> None:
        # Expected capture of a spot: 1 - (1 - camera share)^view, for cameras placed at random.
        share = self.cameras_by_nbh / np.maximum(self.hh_count, 1)
        self.coverage = 1 - (1 - np.minimum(share, 1)) ** self.view

    def record(self) -> None:
        r, c, G = self.recorder, self.city, len(self.group_keys)
        d = self.day
        r.record(d, "cameras", self.cameras_by_group.sum(), self.cameras_by_group)
        r.record(d, "app_users", self.app_by_group.sum(), self.app_by_group)
        r.record(d, "free_cameras", self.free_cameras)
        r.record(d, "partnered_departments", self.partnered.sum())
        r.record(d, "partner_exits", self.vendor.exits)
        r.record(d, "households_in_market", self.in_market / len(self.market))
        r.record(d, "camera_price", self.price)
        trust = self.trust.by_group()
        r.record(d, "trust_mean", float(trust @ self.group_size / self.group_size.sum()), trust)
        r.record(d, "coverage_mean", float(self.coverage @ self.population / self.population.sum()))
        fear_sum = self.fear_update.by_group
        r.record(d, "fear_mean", fear_sum.sum() / len(c.group), fear_sum / np.maximum(self.group_size, 1))
        r.record(d, "gallery_size", self.gallery.photos.sum(), self.gallery.photos)
        enrolled = self.gallery.enrolled_by_group
        r.record(d, "gallery_share", enrolled.sum() / len(c.group), enrolled / np.maximum(self.group_size, 1))
        if d == 0:
            return
        t = self.today
        on_camera = self.coverage @ self.nbh_group_pop
        r.record(d, "person_days_on_camera", on_camera.sum(), on_camera)
        counts = self.policing.counts
        searches = counts.fr_searches
        r.record(d, "searches_per_1000", 1000 * searches.sum() / len(c.group),
                 1000 * searches / np.maximum(self.group_size, 1))
        r.record_rows(d, BY_KIND, np.concatenate([np.bincount(t.kind[t.recorded], minlength=len(crime.OFFENCES)),
                                                  self.policing.cleared_by_kind, self.policing.searched_by_kind]))
        r.record(d, "crimes_actual", len(t))
        r.record(d, "crimes_reported", t.reported.sum())
        r.record(d, "crimes_recorded", t.recorded.sum())
        r.record(d, "crimes_captured", t.captured.sum())
        r.record(d, "crimes_discovered", t.discovered.sum())
        for name, value in self.flows.items():
            r.record(d, name, value)
        r.record_rows(d, COUNT_NAMES, counts.table.sum(axis=1), counts.table)
        self.cum_wrongful_stops += counts.wrongful_stops
        rate = self.cum_wrongful_stops / np.maximum(self.group_size, 1)
        ratio = rate / rate[self.reference] if rate[self.reference] > 0 else np.full(G, np.nan)
        r.record(d, "disparity_wrongful_stops", np.nan, ratio)  # per group only (sim.core.metrics)

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
        contacts = neighbours(self.adjacency, new)
        np.add.at(self.peer_share, contacts, self.inv_degree[contacts])
        mk, tt = self.marketing_term, self.trust_term  # recomputed, not incremented: = slow_term() of the whole
        self.slow_hazard[contacts] = adoption.slow_term(self.p.adoption, self.static_hazard[contacts],
                                                        self.peer_share[contacts],
                                                        None if mk is None else mk[contacts],
                                                        None if tt is None else tt[contacts])

    def give_cameras(self, households: np.ndarray, free: bool) -> None:
        """Households get a camera; the head installs the app (always for free cameras,
        which require registration; with ``app_with_camera`` chance for purchases)."""
        if len(households) == 0:
            return
        self.in_market += int((~self.market[households] & ~self.pop.camera[households]).sum())  # free cameras
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
        self.app_by_group += np.bincount(self.city.group[residents], minlength=len(self.group_keys))
        self.join_platform(residents)
        v = self.p.vendor
        if v.credit_per_install > 0:
            dept = self.city.dept[self.city.nbh[residents]]
            earned = np.bincount(dept, minlength=len(self.city_departments)) * v.credit_per_install
            for i in np.flatnonzero(earned * self.partnered[: len(earned)] * self.law.credit_programme):
                self.departments[i].credits += earned[i]

    def count_requests(self, out: footage.Requests, offences: np.ndarray, dept: int) -> None:
        """Tally one department's requests for ``offences`` (indices into today's)."""
        self.footage[offences[out.offences]] = True
        if self.law.emotion_analysis[dept]:
            self.granted_households.append(out.granted_households)
        self.flows["footage_requests_warrantless"] += out.warrantless
        self.flows["footage_requests_warranted"] += out.warranted
        self.flows["footage_granted"] += out.granted
        self.policing.count_footage(out)
        if len(out.asked_households):
            self.asked_households.append(out.asked_households)
        np.add.at(self.pop.granted, out.granted_households, 1)

    # --- running and inspecting -------------------------------------------------------
    @property
    def gallery(self):
        """The mugshot gallery (owned by the policing component)."""
        return self.policing.gallery

    @property
    def attention(self) -> np.ndarray:
        """Patrol attention per neighbourhood (owned by the policing component)."""
        return self.policing.attention

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
