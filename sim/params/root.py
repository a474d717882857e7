"""The parameter tree: every number the model uses, with unit and provenance, in one place.

Each leaf says where its value comes from: ``source=`` names a row of
``docs/sources.md`` (or a fit to it), ``assumption=(low, high)`` declares a
plausible range. ``survsim params`` lists them all. Scenario files override leaves by
their dotted path (``city.segregation = 0.7``); validation rejects unknown keys, wrong
types and values outside ``ge``/``le``.
"""

from __future__ import annotations

from pydantic import model_validator

from sim.core.groups import GROUP_KEYS, category_names
from sim.core.paramtree import Node, did_you_mean, param
from sim.params.behaviour import Adoption, Departments, Fear, Requests, Trust, Vendor
from sim.params.policing import EmotionParams, Enforcement, Gallery, Patrol
from sim.params.world import Coverage, Crime, Groups, City, Network, Offenders, Run
from sim.recognition.params import RecognitionParams


class Loops(Node):
    fear: bool = param(True, unit="bool", doc="fear loop: camera footage adds crime posts that raise fear")
    credit: bool = param(True, unit="bool", doc="credit loop: app installs earn credits that become free cameras")
    gallery: bool = param(True, unit="bool", doc="gallery loop: every arrest adds a mugshot to the gallery")
    attention: bool = param(True, unit="bool",
                            doc="attention loop: patrols follow recorded incidents, which cameras inflate")
    trust: bool = param(True, unit="bool",
                        doc="trust loop: wrongful stops (own or contacts') and warrantless requests lower trust, "
                            "which lowers grants, reporting and app use")


class Neutral(Node):
    """Counterfactual switches for the disparity decomposition (``survsim decompose``):
    each puts one source of group difference in a neutral form. All off: the scenario."""

    algorithm: bool = param(False, unit="bool",
                            doc="every probe/candidate pair of groups has the same error rates (FMR kept at its "
                                "make-up-weighted mean, genuine scores at their mean)")
    gallery: bool = param(False, unit="bool",
                          doc="enrolment follows the population: the starting gallery (residents' earlier records "
                              "at random within the city, outside photos by population share; no offending "
                              "history) and every photo later arrests add (the same number, each resident's photo "
                              "enrolling a random resident, outsiders' photos spread by population share)")
    cameras: bool = param(False, unit="bool",
                          doc="cameras capture offences with the city's mean coverage everywhere (no placement by "
                              "segregation x adoption); the camera count is unchanged")
    attention: bool = param(False, unit="bool",
                            doc="patrol presence, and so discovery of unreported offences and discretionary stops, "
                                "is the same per resident everywhere (no over-policing preference, no hot-spot "
                                "focus, no attention loop)")


class Params(Node):
    """The whole tree. ``Params()`` is the baseline; scenario files override leaves."""

    run: Run = Run()
    groups: Groups = Groups()
    city: City = City()
    network: Network = Network()
    crime: Crime = Crime()
    offenders: Offenders = Offenders()
    coverage: Coverage = Coverage()
    fear: Fear = Fear()
    adoption: Adoption = Adoption()
    vendor: Vendor = Vendor()
    departments: Departments = Departments()
    requests: Requests = Requests()
    trust: Trust = Trust()
    recognition: RecognitionParams = RecognitionParams()
    emotion: EmotionParams = EmotionParams()
    gallery: Gallery = Gallery()
    enforcement: Enforcement = Enforcement()
    patrol: Patrol = Patrol()
    loops: Loops = Loops()
    neutral: Neutral = Neutral()

    @model_validator(mode="after")
    def _groups_known(self) -> Params:
        keys = self.group_keys
        e = self.enforcement
        if e.reference_group not in keys:
            raise ValueError(f"enforcement.reference_group = {e.reference_group!r} is not a group."
                             f"{did_you_mean(e.reference_group, keys)} Groups: {list(keys)}")
        missing = [k for k in keys if k not in GROUP_KEYS and k not in e.score_proxy]
        if missing:
            raise ValueError(f"groups {missing} have no recognition error rates: map them to census groups "
                             f"in enforcement.score_proxy")
        for k in e.score_proxy:
            if k not in keys:
                raise ValueError(f"enforcement.score_proxy = {e.score_proxy}: {k!r} is not a group.{did_you_mean(k, keys)}"
                                 f" Groups: {list(keys)}")
        cats = category_names(keys)
        for c in self.patrol.over_policed:
            if c not in cats:
                raise ValueError(f"patrol.over_policed = {self.patrol.over_policed}: {c!r} is not a category of the "
                                 f"groups.{did_you_mean(c, cats)} Categories (group keys without _f/_m, from "
                                 f"groups.shares = {{{', '.join(keys)}}}): {cats}; use [] for no over-policing")
        return self

    @property
    def group_keys(self) -> tuple[str, ...]:
        return tuple(self.groups.shares)
