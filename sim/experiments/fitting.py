"""Offline fits of model parameters to docs/sources.md figures (run by hand, not at import).

The fitted values are stored as defaults in :mod:`sim.params` with the figures they were
fitted to as their source; :mod:`sim.experiments.targets` checks the stored defaults still reproduce
the figures, so a change that breaks calibration fails the tests.

    python -m sim.experiments.fitting          # prints the fitted values
"""

from __future__ import annotations

import numpy as np
from scipy import optimize

from sim.model import SurveillanceModel
from sim.params import Params
from sim.policy.scenario import load

ADOPTION_DAY, ADOPTION_SHARE = 365, 0.04          # Parks Associates: 4% of households, 2017
# Parks Associates end 2018: 28% had a security system, about a quarter of those a video
# doorbell or smart lock: 0.28 x 0.25 = 0.07 (derived; an upper-side figure, since locks count).
ADOPTION_2018_DAY, ADOPTION_2018_SHARE = 730, 0.07
# Every partnership row up to 2019 (docs/sources.md): FT 2021 (~40 end 2018); Wired "over 225"
# late Jul 2019; GovTech 234 on 12 Aug 2019; WaPo / vendor's map 401-405 on 28 Aug 2019;
# CNET 661 "reported late 2019" (taken as 1 Dec 2019).
PARTNER_TARGETS = {729: 40.0, 936: 225.0, 953: 234.0, 969: 403.0, 1064: 661.0}
BLACK_ARREST_SHARE = 0.284                        # FBI CIUS 2019 Table 49 (city arrests)
# FBI CIUS 2019 Table 49, city arrests (checks, not fitted): Hispanic of arrests with
# ethnicity reported; Asian and American Indian/Alaska Native of all arrests.
ARREST_SHARES = {"black": BLACK_ARREST_SHARE, "hispanic": 0.203, "asian": 0.013, "native": 0.028}
CLEARANCE = {"property": 0.172, "violent": 0.455}  # FBI CIUS 2019, cleared by arrest or exceptional means


def with_values(p: Params, **dotted: float) -> Params:
    """A copy of ``p`` with dotted-path leaves replaced (validated)."""
    data = p.model_dump()
    for path, v in dotted.items():
        node = data
        *parents, leaf = path.split(".")
        for part in parents:
            node = node[part]
        node[leaf] = v
    return Params.model_validate(data)


def camera_share(p: Params, seeds: range, day: int = ADOPTION_DAY) -> float:
    """Mean share of households with a camera on ``day`` over seeds."""
    shares = []
    for s in seeds:
        m = SurveillanceModel(with_values(p, **{"run.days": day}), seed=s)
        m.run()
        shares.append(m.recorder.get("cameras")[day] / len(m.pop.camera))
    return float(np.mean(shares))


def partnership_series(p: Params, seed: int, days: int) -> np.ndarray:
    """Partnered departments on days 0..``days`` of one run. Only the vendor's offer round
    is stepped: partnering depends on nothing else in the model (the day, its own streams
    and the departments' network), so this equals the full model's series at a fraction
    of the cost (tests/test_decade.py checks it)."""
    m = SurveillanceModel(with_values(p, **{"run.days": max(days, 1), "city.n_residents": 500,
                                            "city.grid_side": 3}), seed=seed)
    out = np.zeros(days + 1)
    out[0] = m.partnered.sum()
    for d in range(1, days + 1):
        m.day = d
        m.vendor.step()
        out[d] = m.partnered.sum()
    return out


def partners(p: Params, seeds: range, days: tuple[int, ...] = tuple(PARTNER_TARGETS)) -> np.ndarray:
    """Mean partnered departments on ``days`` over seeds."""
    return np.mean([partnership_series(p, s, max(days))[list(days)] for s in seeds], axis=0)


def black_arrest_share(p: Params, seeds: range) -> float:
    """Share of all arrests over a run that are of Black people (pooled over seeds)."""
    black = [i for i, k in enumerate(p.group_keys) if k.startswith("black_")]
    tot = np.zeros(len(p.group_keys))
    for s in seeds:
        m = SurveillanceModel(p, seed=s)
        m.run()
        r = m.recorder
        tot += np.nansum(r.by_group[:, r.index["arrests"], :], axis=0)
    return float(tot[black].sum() / tot.sum())


def arrests_and_clearance(p: Params, seeds: range) -> dict[str, float]:
    """Over whole runs (pooled over seeds): each race category's share of arrests
    (``arrests_<category>``) and the share of recorded property and violent offences
    cleared (``clearance_property``, ``clearance_violent``)."""
    tallies = []
    for s in seeds:
        m = SurveillanceModel(p, seed=s)
        m.run()
        tallies.append(run_counts(m))
    return pooled_shares(p.group_keys, tallies)


CLEARED_KINDS = ("petty_theft", "vehicle_theft", "burglary", "violent")


def run_counts(m: SurveillanceModel) -> dict[str, list[float]]:
    """What :func:`pooled_shares` needs from one finished run: arrests by group, and
    recorded and cleared offences by kind (plain lists, so a run can carry them)."""
    r = m.recorder
    return {"arrests": np.nansum(r.by_group[:, r.index["arrests"], :], axis=0).tolist(),
            "recorded": [float(np.nansum(r.get(f"recorded_{k}"))) for k in CLEARED_KINDS],
            "cleared": [float(np.nansum(r.get(f"cleared_{k}"))) for k in CLEARED_KINDS]}


def pooled_shares(group_keys: tuple[str, ...] | list[str], tallies: list[dict]) -> dict[str, float]:
    """Arrest shares by race category and clearance by kind, pooled over runs' :func:`run_counts`."""
    cats = [k.rsplit("_", 1)[0] for k in group_keys]
    arrests = np.sum([t["arrests"] for t in tallies], axis=0)
    rec, clr = np.sum([t["recorded"] for t in tallies], axis=0), np.sum([t["cleared"] for t in tallies], axis=0)
    out = {f"arrests_{c}": float(arrests[[i for i, x in enumerate(cats) if x == c]].sum() / max(arrests.sum(), 1))
           for c in dict.fromkeys(cats)}
    prop = [i for i, k in enumerate(CLEARED_KINDS) if k != "violent"]
    out["clearance_property"] = float(clr[prop].sum() / max(rec[prop].sum(), 1))
    out["clearance_violent"] = float(clr[-1] / max(rec[-1], 1))
    return out


def fit_over_policing(seeds: range = range(4)) -> float:
    """Departments' over-policing preference (patrol presence) that reproduces the Black
    share of arrests (brentq); every other arrest share and clearance is a check."""
    base = load("baseline").params

    def gap(k: float) -> float:
        return black_arrest_share(with_values(base, **{"patrol.over_policing": k}), seeds) - BLACK_ARREST_SHARE

    return float(optimize.brentq(gap, 0.0, 20.0, xtol=0.05))


def fit_adoption(seeds: range = range(4), rounds: int = 2) -> tuple[float, float]:
    """(camera_hazard, beta_peer): ~4% of households by day 365 (Parks 2017) and ~7% by
    day 730 (Parks 2018, derived), by alternating brentq fits: the purchase hazard sets the
    2017 level; beta_peer, which carries the app launch's effect through contacts on the
    platform, sets the 2018 level."""
    p = load("baseline").params
    for _ in range(rounds):
        def gap_2017(log_h: float) -> float:
            q = with_values(p, **{"adoption.camera_hazard": float(np.exp(log_h))})
            return camera_share(q, seeds) - ADOPTION_SHARE

        h = float(np.exp(optimize.brentq(gap_2017, np.log(1e-6), np.log(1e-2), xtol=1e-3)))
        p = with_values(p, **{"adoption.camera_hazard": h})

        def gap_2018(beta: float) -> float:
            q = with_values(p, **{"adoption.beta_peer": beta})
            return camera_share(q, seeds, ADOPTION_2018_DAY) - ADOPTION_2018_SHARE

        lo, hi = gap_2018(0.0), gap_2018(20.0)
        beta = 0.0 if lo > 0 else 20.0 if hi < 0 else float(optimize.brentq(gap_2018, 0.0, 20.0, xtol=0.05))
        p = with_values(p, **{"adoption.beta_peer": beta})
        print(f"  camera_hazard={h:.4g} beta_peer={beta:.3g}", flush=True)
    return p.adoption.camera_hazard, p.adoption.beta_peer


def _partner_resid(base: Params, seeds: range, **dotted: float) -> np.ndarray:
    """Log gaps between the mean over seeds and every partnership row up to 2019."""
    counts = partners(with_values(base, **dotted), seeds)
    return np.log(np.maximum(counts, 1)) - np.log(list(PARTNER_TARGETS.values()))


def fit_partnerships(seeds: range = range(12)) -> tuple[float, float, float]:
    """(outside_hazard, peer_hazard, scrutiny) matching every partnership row up to 2019
    (least squares in logs, mean over seeds). The rows before 28 Aug 2019 set the two
    hazards; the late-2019 row, the only one after scrutiny began, sets its size.
    Willingness, capacity and exits stay at their declared values."""
    base = load("national").params

    def resid(x: np.ndarray) -> np.ndarray:
        return _partner_resid(base, seeds, **{"departments.outside_hazard": float(np.exp(x[0])),
                                              "departments.peer_hazard": float(np.exp(x[1])),
                                              "departments.scrutiny": float(-np.expm1(x[2]))})

    # x[2] = log(1 - scrutiny): the share of the hazard left after scrutiny, in logs
    fit = optimize.least_squares(resid, x0=np.log([7.3e-7, 0.0201, 0.5]), diff_step=0.05, max_nfev=60,
                                 bounds=([-np.inf, -np.inf, np.log(1e-3)], [np.inf, np.inf, 0.0]))
    return float(np.exp(fit.x[0])), float(np.exp(fit.x[1])), float(-np.expm1(fit.x[2]))


def scrutiny_profile(values: tuple[float, ...] = (0.0, 0.15, 0.3, 0.5, 0.75),
                     seeds: range = range(12)) -> dict[float, float]:
    """Sum of squared log gaps at each fixed scrutiny with the two hazards refitted: how
    sharply the rows pin the size of scrutiny (the range quoted in its source)."""
    base = load("national").params
    out = {}
    for s in values:
        def resid(x: np.ndarray) -> np.ndarray:
            return _partner_resid(base, seeds, **{"departments.outside_hazard": float(np.exp(x[0])),
                                                  "departments.peer_hazard": float(np.exp(x[1])),
                                                  "departments.scrutiny": s})

        fit = optimize.least_squares(resid, x0=np.log([base.departments.outside_hazard,
                                                       base.departments.peer_hazard]), diff_step=0.05, max_nfev=40)
        out[s] = float(2 * fit.cost)
    return out


if __name__ == "__main__":
    print("patrol.over_policing =", f"{fit_over_policing():.3g}")
    h, b = fit_adoption()
    print("adoption.camera_hazard =", f"{h:.3g}", " adoption.beta_peer =", f"{b:.3g}")
    o, q, s = fit_partnerships()
    print("departments.outside_hazard =", f"{o:.3g}", " departments.peer_hazard =", f"{q:.3g}",
          " departments.scrutiny =", f"{s:.2g}")
    print("scrutiny profile (sum of squared log gaps, hazards refitted):", scrutiny_profile())
