"""What ``survsim compare`` prints: the headline numbers with their intervals and events."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from sim.core.intervals import LEVEL, MIN_EVENTS
from sim.experiments.compare import Comparison

PRINTED = ("cameras", "footage_requests_warrantless", "footage_obtained_without_warrant", "fr_searches",
           "wrongful_stops", "wrongful_arrests", "clearances")


def difference_table(comp: Comparison) -> Table:
    """Per scenario: the baseline's level, each reform's paired difference (mean and interval)
    and verdict, for the printed metrics (whole population)."""
    s = comp.summary()
    s = s[(s.group.fillna("") == "") & s.metric.isin(PRINTED)]
    reps = int(s.replicates.max()) if len(s) else 0
    t = Table(title=f"Difference from {comp.baseline}: mean [{LEVEL:.0%} interval] over {reps} paired replicates; "
                    "'=' = no detectable difference")
    t.add_column("scenario")
    metrics = [m for m in PRINTED if m in set(s.metric)]
    for metric in metrics:
        t.add_column(metric, justify="right")
    for scen, g in s.groupby("scenario", sort=False, observed=True):
        cells = []
        for metric in metrics:
            r = g[g.metric == metric].iloc[0]
            if scen == comp.baseline:
                cells.append(f"{r['mean']:,.4g}")
            else:
                mark = "= " if r.verdict == "no detectable difference" else ""
                cells.append(f"{mark}{r.diff_mean:+,.3g} [{r.diff_low:+,.3g}, {r.diff_high:+,.3g}]")
        t.add_row(str(scen) + (" (baseline: level)" if scen == comp.baseline else ""), *cells)
    return t


def group_table(comp: Comparison, metric: str = "wrongful_stops") -> Table:
    """The baseline's per-group rates with their events and ratios to the reference group."""
    s = comp.summary()
    s = s[(s.scenario == comp.baseline) & (s.metric == metric) & (s.group.fillna("") != "")]
    t = Table(title=f"{comp.baseline}: {metric} by group (ratio shown only with >= {MIN_EVENTS} events in both groups)")
    for c in ("group", "events", "per 100k per year", f"ratio to reference [{LEVEL:.0%}]"):
        t.add_column(c, justify="left" if c == "group" else "right")
    for r in s.itertuples():
        ratio = (f"{r.ratio:.2f} [{r.ratio_low:.2f}, {r.ratio_high:.2f}]" if pd.notna(r.ratio)
                 else str(r.ratio_note) if pd.notna(r.ratio_note) else "")
        t.add_row(str(r.group), f"{r.events:,.0f}", f"{r.rate_per_100k_year:,.3g}", ratio)
    return t


def stopping_lines(comp: Comparison) -> list[str]:
    """The precision rule's outcome: replicates run and each target's status."""
    st = comp.stopping
    if not st:
        return []
    lines = [f"Precision +/-{st['precision']:g}: {st['stopped']} after {st['replicates']} paired replicates "
             f"({st['rule']})."]
    lines += [f"  {t['target']}: {t['status']}" for t in st["targets"] if t["status"] != "converged"]
    return lines


def run_table(res) -> Table:
    """``survsim run``: each whole-population metric's median and 10-90% band over replicates."""
    s = res.summary()
    s = s[s.group == ""]
    t = Table(title=f"{res.scenario.name}: median [10%-90%] over {len(res.seeds)} replicate(s)")
    for c in ("metric", "statistic", "median", "10-90%", "unit"):
        t.add_column(c, justify="right" if c in ("median", "10-90%") else "left")
    for r in s.itertuples():
        t.add_row(r.metric, r.statistic, f"{r.median:,.3g}", f"{r.p10:,.3g} - {r.p90:,.3g}", r.unit)
    return t


def ensemble_lines(comp: Comparison) -> list[str]:
    """With ``--ensemble``: each reform's two bands for the ranked metrics, and the robustness
    table (share of accepted worlds in which the first scenario is better)."""
    if not hasattr(comp, "robustness"):
        return []
    from sim.core.metrics import BETTER

    meta = comp.meta()["ensemble"]
    lines = [f"Across {meta['worlds']} accepted worlds of {meta['folder']} (same replicate seeds in every world).",
             f"Difference from {comp.baseline}: mean (replicate-only {LEVEL:.0%} interval) at the shipped defaults -> "
             f"mean (parameter-inclusive {LEVEL:.0%} band) over the worlds"]
    b = comp.ensemble_bands()
    for r in b[b.metric.isin(list(BETTER))].itertuples():
        lines.append(f"  {r.scenario} {r.metric}: {r.diff_mean:+,.3g} [{r.diff_low:+,.3g}, {r.diff_high:+,.3g}] -> "
                     f"{r.ens_mean:+,.3g} [{r.ens_low:+,.3g}, {r.ens_high:+,.3g}]"
                     + (" (widened)" if r.widened else ""))
    lines.append("Robustness: worlds where the first / the second is better, ties (undetermined: the world's own "
                 f"interval contains 0); share of worlds where the first is better [{LEVEL:.0%} Wilson]; deciding "
                 "parameters")
    for r in comp.robustness().itertuples():
        lines.append(f"  {r.first} vs {r.second}, {r.metric} ({r.better} is better): first {r.first_better}, second "
                     f"{r.second_better}, ties {r.ties} of {r.worlds} ({r.undetermined} undetermined), "
                     f"{r.share_first_better:.0%} [{r.share_low:.0%}, "
                     f"{r.share_high:.0%}]" + (f"; {r.deciding}" if r.deciding else "")
                     + (f"; {r.note}" if r.note else ""))
    return lines
