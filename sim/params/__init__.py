"""The parameter tree: every number the model uses, with unit and provenance, in one place.

``Params`` (in :mod:`sim.params.root`) is the whole tree; its branches are grouped by what
they describe: the place and time (:mod:`~sim.params.world`), behaviour
(:mod:`~sim.params.behaviour`) and policing (:mod:`~sim.params.policing`); the recognition
model's parameters live with it (:mod:`sim.recognition.params`).
"""

from sim.params.behaviour import Adoption, Departments, Fear, Requests, Trust, Vendor
from sim.params.policing import EmotionParams, Enforcement, Gallery, Patrol
from sim.params.root import Loops, Neutral, Params
from sim.params.world import DAY, City, Coverage, Crime, Groups, Network, Offenders, Run

__all__ = ["DAY", "Adoption", "City", "Coverage", "Crime", "Departments", "EmotionParams", "Enforcement", "Fear",
           "Gallery", "Groups", "Loops", "Network", "Neutral", "Offenders", "Params", "Patrol", "Requests", "Run", "Trust", "Vendor"]
