"""What-if scenarios: the What-if page's controls as a scenario, and its baseline.

Practice levers (the similarity threshold, human review) are parameters and hold from
day 0; laws (warrant, face-recognition law, credit ban, informed consent, emotion
screening) are policies, as in ``scenarios/*.toml``, that start on day ``view.start``.
The baseline is the shipped baseline at the same population and horizon, run on the same
seeds, so the two differ only where the levers act.

Example:
    >>> from dashboard.urlstate import WhatIfView
    >>> base, what_if = build(WhatIfView(warrant=True, residents=2000, days=60))
    >>> [p["type"] for p in what_if.policies]
    ['warrant_requirement']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from dashboard.urlstate import FR_LAWS, SEARCH_MODES, WhatIfView
from sim.policy.policies import parse
from sim.output.style import START_DATE
from sim.policy.scenario import Scenario, load

NAME = "what_if"
BASELINE = "baseline"


def size(view: WhatIfView) -> dict[str, Any]:
    """Population and horizon as dotted overrides (shared by the what-if and its baseline)."""
    return {"run.days": view.days, "city.n_residents": view.residents}


def practice(view: WhatIfView) -> dict[str, Any]:
    """Parameter levers, in force from day 0."""
    return {"recognition.threshold": view.threshold, "enforcement.review": view.review,
            "enforcement.search_mode": view.search}


def policy_entries(view: WhatIfView) -> list[dict[str, Any]]:
    """The laws, as ``[[policies]]`` tables of a scenario file (start: a day number)."""
    out: list[dict[str, Any]] = []
    if view.warrant:
        out.append({"type": "warrant_requirement", "start": view.start})
    if view.fr_law == "moratorium":
        out.append({"type": "federal_fr_moratorium", "start": view.start})
    elif view.fr_law == "regulation":
        out.append({"type": "federal_fr_regulation", "start": view.start})
    if not view.credit:
        out.append({"type": "no_credit_program", "start": view.start})
    if view.consent:
        out.append({"type": "informed_consent", "start": view.start})
    if view.emotion:
        out.append({"type": "emotion_screening", "start": view.start})
    return out


def describe(view: WhatIfView) -> str:
    """One sentence for captions and the scenario list."""
    laws = []
    if view.warrant:
        laws.append("warrant required for footage")
    if view.fr_law != "none":
        laws.append(f"face recognition: {FR_LAWS[view.fr_law].split(' (')[0].lower()}")
    if not view.credit:
        laws.append("no credit programme")
    if view.consent:
        laws.append("informed consent")
    if view.emotion:
        laws.append("emotion screening")
    when = f"from day {view.start}: " + ", ".join(laws) if laws else "no new laws"
    return (f"What-if ({when}); {search_words(view)}, "
            f"human review {'on' if view.review else 'off'} from day 0.")


def search_words(view: WhatIfView) -> str:
    """How face searches pick candidates, in words (the threshold named in both modes)."""
    if view.search == "top_k":
        return (f"searches return {SEARCH_MODES['top_k']} (similarity threshold {view.threshold:.2f} "
                "not used)")
    return f"searches return {SEARCH_MODES[view.search]} (similarity threshold {view.threshold:.2f})"


def settings(view: WhatIfView) -> str:
    """Every setting of the what-if in words, for chart captions and CSV headers."""
    laws = [("warrant required for footage" if view.warrant else "no warrant needed for footage"),
            f"face recognition: {FR_LAWS[view.fr_law].split(' (')[0].lower()}",
            "credit programme " + ("on" if view.credit else "banned"),
            "informed consent " + ("required" if view.consent else "not required"),
            "emotion screening " + ("on" if view.emotion else "off")]
    when = START_DATE + dt.timedelta(days=view.start)
    return (f"What-if settings: laws from day {view.start} ({when.day} {when:%b %Y}): {'; '.join(laws)}. Police practice from day 0: "
            f"{search_words(view)}, human review {'on' if view.review else 'off'}. "
            f"City size {view.residents:,} residents, {view.days:,} days, {view.replicates} replicates, "
            f"seed {view.seed}.")


def build(view: WhatIfView) -> tuple[Scenario, Scenario]:
    """(baseline, what-if) scenarios; policies validated by :func:`sim.policy.policies.parse`."""
    base = load(BASELINE, size(view))
    sc = load(BASELINE, {**size(view), **practice(view)})
    policies = tuple({**pol.model_dump(mode="json"), "legal_reference": pol.citation()}
                     for pol in parse(policy_entries(view), "what-if"))
    return base, dataclasses.replace(sc, name=NAME, description=describe(view), policies=policies,
                                     source="<dashboard what-if>")
