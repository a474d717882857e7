"""The summary table of a comparison: every number with its band, its events and its verdict.

Per scenario, metric and group, each replicate contributes one statistic (the run total of a
flow, the final level of a stock). The table keeps the spread over replicates (median and
10-90% band: what one run may look like) and adds what an analyst quotes: the mean with its
95% t interval, the paired difference from the baseline with its interval and a verdict
("increase", "decrease" or "no detectable difference"), and, for counted events, the number of
events behind the number, the rate per 100,000 residents per year and the rate ratio to the
reference group from pooled events, shown only when both groups have at least ``MIN_EVENTS``.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.core.intervals import MIN_EVENTS, TOO_FEW, difference_verdict, ratio_interval, t_interval
from sim.core.metrics import BY_NAME
from sim.params import Params

YEAR = 365.25
EVENT_COLUMNS = ("events", "events_per_replicate", "rate_per_100k_year", "ratio", "ratio_low", "ratio_high",
                 "ratio_note")


def counts_events(metric: str) -> bool:
    """A flow of discrete events (stops, searches...), not a rate or share: it can be summed
    over replicates and divided by residents."""
    m = BY_NAME[metric]
    return m.flow and not m.intensive


def group_sizes(p: Params) -> dict[str, float]:
    """Expected residents per group (population shares x residents; '' = everyone). Realised
    sizes differ by sampling noise of about 1/sqrt(size): 1% for 10,000 residents."""
    shares = p.groups.shares
    total = sum(shares.values())
    n = p.city.n_residents
    return {"": float(n), **{k: n * v / total for k, v in shares.items()}}


def per_replicate(ts: pd.DataFrame, last: int | None = None) -> pd.DataFrame:
    """One column per replicate, one row per (scenario, metric, group): run totals of flows
    and levels of stocks at day ``last`` (default: the last day), in one vectorised pass."""
    last = int(ts["day"].max()) if last is None else last
    flows = [m for m in ts["metric"].unique() if BY_NAME[m].flow]
    sel = ts[(ts["metric"].isin(flows) & (ts["day"] <= last)) | (ts["day"] == last)]
    g = sel.groupby(["scenario", "metric", "group", "replicate"], observed=True, sort=False)["value"].sum(min_count=1)
    return g.unstack("replicate")


def summarise(wide: pd.DataFrame, last: int, baseline: str, params: Mapping[str, Params]) -> pd.DataFrame:
    """The comparison's summary table from :func:`per_replicate` rows ending on day ``last``
    (columns documented in the README)."""
    years = last / YEAR
    rows = []
    for (scen, metric, group), v in wide.iterrows():
        m = BY_NAME[metric]
        x = v.to_numpy(float)
        x = x[np.isfinite(x)]
        q = np.percentile(x, [50, 10, 90]) if len(x) else [np.nan] * 3
        mean = t_interval(x)
        row = {"scenario": scen, "metric": metric, "group": group,
               "statistic": "total" if m.flow else f"day {last}",
               "median": q[0], "p10": q[1], "p90": q[2],
               "diff_median": np.nan, "diff_p10": np.nan, "diff_p90": np.nan,
               "replicates": len(x), "unit": m.unit.replace(" / day", "") if m.flow else m.unit, "label": m.label,
               "mean": mean.estimate, "mean_low": mean.low, "mean_high": mean.high,
               "diff_mean": np.nan, "diff_low": np.nan, "diff_high": np.nan, "verdict": ""}
        key = (baseline, metric, group)
        if scen != baseline and key in wide.index:
            d = (v - wide.loc[key]).to_numpy(float)
            d = d[np.isfinite(d)]
            if len(d):
                row["diff_median"], row["diff_p10"], row["diff_p90"] = np.percentile(d, [50, 10, 90])
            iv = t_interval(d)
            row.update(diff_mean=iv.estimate, diff_low=iv.low, diff_high=iv.high, verdict=difference_verdict(iv))
        if counts_events(metric):
            row.update(_events(wide, scen, metric, group, x, params[scen], years))
        rows.append(row)
    out = pd.DataFrame(rows)
    for col in ("scenario", "metric", "group"):  # plain text, however the rows were indexed
        out[col] = [str(x) for x in out[col]]
    for col in EVENT_COLUMNS:  # present even when no row has events or a ratio (tiny runs)
        if col not in out:
            out[col] = "" if col == "ratio_note" else np.nan
    return out


def _events(wide: pd.DataFrame, scen: str, metric: str, group: str, x: np.ndarray, p: Params,
            years: float) -> dict:
    """Events, rate per 100k residents per year, and the pooled rate ratio to the reference."""
    sizes = group_sizes(p)
    events = float(x.sum())
    out = {"events": events, "events_per_replicate": events / len(x) if len(x) else np.nan,
           "rate_per_100k_year": 1e5 * events / (sizes.get(group, np.nan) * len(x) * years) if len(x) else np.nan}
    ref = p.enforcement.reference_group
    if not group or (scen, metric, ref) not in wide.index:
        return out
    a = wide.loc[(scen, metric, group)].to_numpy(float)
    b = wide.loc[(scen, metric, ref)].to_numpy(float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if min(a.sum(), b.sum()) < MIN_EVENTS:
        out["ratio_note"] = f"{TOO_FEW} (< {MIN_EVENTS} in {group if a.sum() < MIN_EVENTS else ref})"
        return out
    iv = ratio_interval(a, b, scale=sizes[ref] / sizes[group])
    out.update(ratio=iv.estimate, ratio_low=iv.low, ratio_high=iv.high, ratio_note="")
    return out
