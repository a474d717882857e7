"""A run's replicates as arrays, for the dashboard's memory budget.

The tidy table of :class:`sim.output.results.Results` costs ~40 bytes a value once built
and several times that while it is built (object columns, concatenations); a ten-year run
of 20 replicates is 17M rows. The dashboard keeps each run as two float arrays instead
(8 bytes a value, per-group rows only for per-group metrics) and builds tidy rows for one
metric when a chart asks for it. Files in the disk cache keep the CLI's format
(``sim.experiments.compare.run_cached``): they are written and read one replicate (or one
batch of rows) at a time, so neither step holds a whole tidy table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.metrics import METRICS
from sim.output.results import COLUMNS, ReplicateOutput, Results, atomic_folder, tidy
from sim.policy.scenario import Scenario

INDEX = {m.name: i for i, m in enumerate(METRICS)}
PER_GROUP = np.array([i for i, m in enumerate(METRICS) if m.per_group])
GROUP_SLOT = {METRICS[i].name: j for j, i in enumerate(PER_GROUP)}
METRIC_CATEGORIES = sorted(m.name for m in METRICS)   # what astype("category") gives the full table
VALUES_PER_DAY = len(METRICS)                          # + len(PER_GROUP) * groups (see values_per_day)
READ_BATCH = 1 << 20                                   # parquet rows converted at a time


def values_per_day(groups: int) -> int:
    """Numbers one replicate-day keeps (whole population for every metric, per group for some)."""
    return len(METRICS) + len(PER_GROUP) * groups


def slim(out: ReplicateOutput) -> ReplicateOutput:
    """Drop the per-group columns of metrics that have none (all NaN; 55% of the array)."""
    if out.by_group.shape[1] == len(PER_GROUP):
        return out
    return ReplicateOutput(out.seed, out.total, np.ascontiguousarray(out.by_group[:, PER_GROUP, :]))


@dataclass
class Runs:
    """One scenario's replicates: ``total`` (replicates, days + 1, metrics) and
    ``by_group`` (replicates, days + 1, per-group metrics, groups)."""

    scenario: Scenario
    seed: int
    seeds: list[int]
    total: np.ndarray
    by_group: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.total.nbytes + self.by_group.nbytes)

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(self.scenario.params.group_keys)

    @property
    def last_day(self) -> int:
        return self.total.shape[1] - 1

    @classmethod
    def from_outputs(cls, sc: Scenario, seed: int, outputs: list[ReplicateOutput]) -> Runs:
        days1, groups = outputs[0].total.shape[0], len(sc.params.group_keys)
        total = np.empty((len(outputs), days1, len(METRICS)))
        by_group = np.empty((len(outputs), days1, len(PER_GROUP), groups))
        for r, out in enumerate(outputs):  # filled in place: no second copy of every replicate
            out = slim(out)
            total[r], by_group[r] = out.total, out.by_group
        return cls(sc, seed, [int(o.seed) for o in outputs], total, by_group)

    def renamed(self, sc: Scenario) -> Runs:
        """The same numbers (shared, not copied) under another content-identical scenario."""
        return self if sc is self.scenario else Runs(sc, self.seed, self.seeds, self.total, self.by_group)

    # --- tidy rows on demand -----------------------------------------------------------------
    def frame(self, metric: str, upto: int | None = None) -> pd.DataFrame:
        """Tidy rows (``sim.output.results.COLUMNS``) of one metric up to day ``upto``, in
        the order and with the categories of the full table's rows of that metric."""
        i = INDEX[metric]
        reps, days1 = self.total.shape[:2]
        d = days1 if upto is None else min(days1, upto + 1)
        days = np.arange(d)
        groups = ("", *self.groups)
        if metric in GROUP_SLOT:
            per = self.by_group[:, :d, GROUP_SLOT[metric], :].reshape(reps, -1)
            values = np.concatenate([self.total[:, :d, i], per], axis=1)
            day = np.concatenate([days, np.repeat(days, len(groups) - 1)])
            code = np.concatenate([np.zeros(d, np.int8), np.tile(np.arange(1, len(groups), dtype=np.int8), d)])
        else:
            values, day, code = self.total[:, :d, i], days, np.zeros(d, np.int8)
        n = values.shape[1]
        group_cats = sorted(groups)
        order = np.array([group_cats.index(g) for g in groups], dtype=np.int8)
        rep = np.repeat(np.arange(reps), n)
        return pd.DataFrame({
            "scenario": pd.Categorical.from_codes(np.zeros(reps * n, np.int8), categories=[self.scenario.name]),
            "replicate": rep,
            "seed": np.asarray(self.seeds, dtype=np.int64)[rep],
            "day": np.tile(day, reps).astype(np.int64),
            "metric": pd.Categorical.from_codes(np.full(reps * n, METRIC_CATEGORIES.index(metric), np.int16),
                                                categories=METRIC_CATEGORIES),
            "group": pd.Categorical.from_codes(np.tile(order[code], reps), categories=group_cats),
            "value": values.ravel(),
        }, columns=COLUMNS)

    def per_replicate(self, metric: str, upto: int) -> np.ndarray:
        """(replicates, 1 + groups): the run total over days 0..``upto`` (flows) or the level
        on day ``upto`` (stocks), whole population first, then each group if it has groups
        (the per-replicate numbers behind ``Comparison.summary``)."""
        i, flow = INDEX[metric], METRICS[INDEX[metric]].flow
        parts = [self.total[:, : upto + 1, i, None]]
        if metric in GROUP_SLOT:
            parts.append(self.by_group[:, : upto + 1, GROUP_SLOT[metric], :])
        per_day = np.concatenate(parts, axis=2)               # (replicates, days, 1 + groups)
        return np.nansum(per_day, axis=1) if flow else per_day[:, upto, :]

    def replicate_frame(self, r: int) -> pd.DataFrame:
        """Replicate ``r`` as :func:`sim.output.results.tidy` gives it (one replicate's rows)."""
        days1 = self.total.shape[1]
        full = np.full((days1, len(METRICS), len(self.groups)), np.nan)
        full[:, PER_GROUP, :] = self.by_group[r]
        df = tidy(self.scenario.name, r, ReplicateOutput(self.seeds[r], self.total[r], full), self.groups)
        for col in ("scenario", "metric", "group"):
            df[col] = df[col].astype("category")
        return df

    @property
    def timeseries(self) -> pd.DataFrame:
        """The whole tidy table (as ``Results.timeseries``; large: for tests and small runs)."""
        ts = pd.concat([self.replicate_frame(r) for r in range(len(self.seeds))], ignore_index=True)
        for col in ("scenario", "metric", "group"):
            ts[col] = ts[col].astype("category")
        return ts

    def results(self, metric: str, upto: int | None = None) -> Results:
        """A :class:`Results` holding only ``metric``'s rows (for its summary code)."""
        return Results(self.scenario, self.seed, self.seeds, self.frame(metric, upto))

    def summary(self) -> pd.DataFrame:
        """``Results.summary()`` (same rows and statistics) from the arrays."""
        last, rows = self.last_day, []
        for m in METRICS:
            v = self.per_replicate(m.name, last)
            for k, group in enumerate(("", *self.groups) if m.per_group else ("",)):
                x = v[:, k]
                q = np.nanpercentile(x, [50, 10, 90]) if not np.isnan(x).all() else [np.nan] * 3
                rows.append({"scenario": self.scenario.name, "metric": m.name, "group": group,
                             "statistic": "total" if m.flow else f"day {last}",
                             "median": q[0], "p10": q[1], "p90": q[2], "replicates": len(x),
                             "unit": m.unit.replace(" / day", "") if m.flow else m.unit, "label": m.label})
        return pd.DataFrame(rows)

    # --- disk cache ---------------------------------------------------------------------------
    def save(self, folder: Path) -> Path:
        """Write ``folder`` as :meth:`Results.save` does (manifest.json, timeseries.parquet,
        summary.csv; atomically), one replicate at a time."""
        with atomic_folder(Path(folder)) as tmp:
            with open(tmp / "manifest.json", "w") as f:
                json.dump(Results(self.scenario, self.seed, self.seeds, pd.DataFrame()).manifest(), f,
                          indent=2, default=str)
            writer = None
            try:
                for r in range(len(self.seeds)):
                    table = pa.Table.from_pandas(self.replicate_frame(r), preserve_index=False)
                    if writer is None:
                        writer = pq.ParquetWriter(tmp / "timeseries.parquet", table.schema)
                    writer.write_table(table)
            finally:
                if writer is not None:
                    writer.close()
            self.summary().to_csv(tmp / "summary.csv", index=False)
        return Path(folder)

    @classmethod
    def load(cls, folder: Path, sc: Scenario) -> Runs:
        """Read a cache entry written by the CLI or :meth:`save`, a batch of rows at a time.
        Raises ValueError if its rows do not cover every replicate, day and metric once."""
        with open(folder / "manifest.json") as f:
            manifest = json.load(f)
        seeds = [int(s) for s in manifest["replicate_seeds"]]
        groups = tuple(sc.params.group_keys)
        days1 = int(sc.params.run.days) + 1
        total = np.full((len(seeds), days1, len(METRICS)), np.nan)
        by_group = np.full((len(seeds), days1, len(PER_GROUP), len(groups)), np.nan)
        metric_slot = {name: (INDEX[name], GROUP_SLOT.get(name, -1)) for name in INDEX}
        group_slot = {g: k for k, g in enumerate(groups)}
        rows = 0
        pf = pq.ParquetFile(folder / "timeseries.parquet")
        for batch in pf.iter_batches(batch_size=READ_BATCH, columns=["replicate", "day", "metric", "group", "value"]):
            df = batch.to_pandas()
            rep, day, value = (df[c].to_numpy() for c in ("replicate", "day", "value"))
            if len(rep) and (rep.min() < 0 or rep.max() >= len(seeds) or day.min() < 0 or day.max() >= days1):
                raise ValueError(f"{folder}: replicate or day out of range")
            m_codes, m_names = pd.factorize(df["metric"])
            g_codes, g_names = pd.factorize(df["group"])
            try:
                m_tot = np.array([metric_slot[str(n)][0] for n in m_names], dtype=np.int64)
                m_grp = np.array([metric_slot[str(n)][1] for n in m_names], dtype=np.int64)
                g_idx = np.array([-1 if str(n) == "" else group_slot[str(n)] for n in g_names], dtype=np.int64)
            except KeyError as e:
                raise ValueError(f"{folder}: unknown metric or group {e}") from None
            mi, gi = m_tot[m_codes], g_idx[g_codes]
            whole = gi < 0
            total[rep[whole], day[whole], mi[whole]] = value[whole]
            part = ~whole
            slot = m_grp[m_codes][part]
            if (slot < 0).any():
                raise ValueError(f"{folder}: per-group rows of a metric without groups")
            by_group[rep[part], day[part], slot, gi[part]] = value[part]
            rows += len(rep)
        if rows != len(seeds) * days1 * values_per_day(len(groups)):
            raise ValueError(f"{folder}: {rows} rows, expected {len(seeds) * days1 * values_per_day(len(groups))}")
        return cls(sc, int(manifest["seed"]), seeds, total, by_group)
