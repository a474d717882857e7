""""Reproduce in Python": the code that gives the numbers and charts of the current view.

The snippets use only the ``sim`` API (no dashboard import), so they run in a notebook.
Tests execute them and check they reproduce the dashboard's numbers.
"""

from __future__ import annotations

from dashboard import whatif
from dashboard.urlstate import CompareView, WhatIfView


def _charts(metric: str, group: str, flow: str) -> str:
    g = f", group={group!r}" if group else ""
    f = f", flow={flow!r}" if flow != "cumulative" else ""
    return (f"figures.timeseries(ts, {metric!r}, meta{g}{f}).show()\n"
            f"figures.difference(ts, {metric!r}, meta{g}).show()\n"
            "figures.disparity(ts, meta).show()\n"
            "figures.funnel(ts, meta).show()\n"
            "summary = cmp.summary()            # median [p10, p90] and paired difference per metric and group\n")


def compare_code(view: CompareView) -> str:
    """Python for a Compare view."""
    return ("from sim.output import figures\n"
            "from sim.experiments.compare import compare\n\n"
            "cmp = compare(\n"
            f"    {list(view.scenarios)!r},\n"
            f"    baseline={view.baseline!r}, replicates={view.replicates}, seed={view.seed}, days={view.days},\n"
            f"    residents={view.residents}, workers=2,\n"
            ")\n"
            "ts, meta = cmp.timeseries, cmp.meta()\n"
            + _charts(view.metric, view.group, view.flow))


def whatif_code(view: WhatIfView) -> str:
    """Python for a What-if view: the same scenarios as :func:`dashboard.whatif.build`."""
    return ("import dataclasses\n\n"
            "import sim\n"
            "from sim.output import figures\n"
            "from sim.experiments.compare import Comparison\n"
            "from sim.policy.policies import parse\n\n"
            f"size = {whatif.size(view)!r}\n"
            f"practice = {whatif.practice(view)!r}   # from day 0\n"
            f"laws = {whatif.policy_entries(view)!r}\n"
            f"base = sim.load({whatif.BASELINE!r}, size)\n"
            f"what_if = dataclasses.replace(\n"
            f"    sim.load({whatif.BASELINE!r}, {{**size, **practice}}), name={whatif.NAME!r},\n"
            f"    description={whatif.describe(view)!r},\n"
            "    policies=tuple({**p.model_dump(mode='json'), 'legal_reference': p.citation()}\n"
            "                   for p in parse(laws, 'what-if')))\n"
            f"runs = {{sc.name: sim.run(sc, replicates={view.replicates}, seed={view.seed}, workers=2) "
            "for sc in (base, what_if)}\n"
            f"cmp = Comparison({whatif.BASELINE!r}, runs)\n"
            "ts, meta = cmp.timeseries, cmp.meta()\n"
            + _charts(view.metric, view.group, view.flow))
