"""survsim: an agent-based simulator of neighbourhood surveillance and what it does to policing.

Notebook use::

    import sim
    res = sim.run("baseline", replicates=4, seed=1)
    res.timeseries          # tidy DataFrame: scenario, replicate, seed, day, metric, group, value
    res.summary()           # median and 10-90% band per metric
    res.save("results/baseline")
    cmp = sim.compare(["warrant_required"], precision=0.25)   # paired replicates until +/-25%
"""

from sim.model import SurveillanceModel
from sim.params import Params
from sim.output.results import Results, version
from sim.experiments.runner import run
from sim.experiments.compare_ensemble import compare
from sim.policy.scenario import Scenario, load

__all__ = ["Params", "Results", "Scenario", "SurveillanceModel", "compare", "load", "run", "version"]
