"""Educator mode: one small city run live, a day at a time, with loops switched mid-run.

Each browser session has its own model (never shared). The city is the ``educator``
preset (about 3,000 residents, two abstract groups) or a shipped scenario whose city is
read from a neighbourhood table (see :func:`dashboard.urlstate.educator_cities`), run for
up to :data:`DAYS` days.
Loop switches replace the model's frozen parameters with a copy in which one loop is
changed; every mechanism reads ``model.p.loops`` when it runs, so the change acts from
the next day.

Example:
    >>> s = EducatorSession(seed=1)
    >>> s.step(3)
    >>> s.model.day
    3
    >>> s.set_loops({"fear": False, "credit": True, "gallery": True, "attention": True})
    ['fear off (day 3)']
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from sim.model import SurveillanceModel
from sim.params.root import Loops
from sim.policy.scenario import SCENARIO_DIR, load
from sim.world import table
from sim.world.city import categories

PRESET = "educator"
DAYS = 730                      # the preset's year, and one more to watch loops being cut
WINDOW = 30                     # days of stops drawn on the map
MAX_SESSIONS = 40               # live models kept; the least recently used goes first
IDLE_SECONDS = 2 * 3600
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
CIRCLE = 0.3                    # stop marks of a table city: within this many spacings of the centre
                                # (x sqrt of the neighbourhood's share of the largest's residents)


def loop_fields(node: type | None = None) -> dict[str, str]:
    """The model's feedback-loop switches: every on/off field of its ``loops`` parameter
    node (default :class:`sim.params.root.Loops`), with the field's description, so a loop
    added to the model gets a switch here."""
    fields = (node or Loops).model_fields
    return {k: f.description or k for k, f in fields.items() if f.annotation is bool}


def focus_category(keys: tuple[str, ...]) -> str:
    """The category the map's third layer shows the share of: Group B in the educator
    preset, Black residents in a census-group city, else the second-largest category."""
    names, _ = categories(keys)
    for key in ("group_b", "black"):
        if key in names:
            return key
    return names[1] if len(names) > 1 else names[0]


@dataclass
class CityTable:
    """What the map needs of a table city beyond the model's: the table's ids, its police
    area names, and the file it came from."""

    name: str                 # the table's file name, e.g. 'example_tracts.csv'
    ids: list[str]
    areas: list[str]          # police area (jurisdiction) names by department index


def city_table(params) -> CityTable | None:
    """The neighbourhood table of a scenario's city (None for a grid city)."""
    name = params.city.neighbourhoods
    if not name:
        return None
    path = table.resolve(name, SCENARIO_DIR)
    t = table.read(path, params.group_keys)
    if t.areas is None:
        areas = [f"area {i + 1}" for i in range(params.city.n_jurisdictions)]
    else:  # department index -> the table's label (read() numbers them in order of first appearance)
        areas = t.areas
    return CityTable(path.name, t.ids, areas)


@dataclass
class DayStops:
    """Residents stopped on one day (rows; a row repeats if stopped twice)."""

    day: int
    rows: np.ndarray
    wrongful: np.ndarray   # bool per entry


@dataclass
class EducatorSession:
    """A live model with the stops of the last :data:`WINDOW` days and the loop-switch log."""

    seed: int = 1
    city: str = PRESET                      # the educator preset, or a table city's scenario
    model: SurveillanceModel = field(init=False)
    table: CityTable | None = field(init=False, default=None)
    stops: deque = field(init=False)
    switches: list = field(init=False)      # (day, loop, on)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    playing: bool = field(init=False, default=False)   # kept here, not in the browser: ticks in flight
                                                       # cannot undo a pause
    used: float = field(init=False, default_factory=time.monotonic)
    clicks: dict = field(init=False, default_factory=dict)  # button -> n_clicks acted on (a click once)

    def __post_init__(self) -> None:
        self.reset(self.seed)

    def reset(self, seed: int | None = None, city: str | None = None) -> None:
        """A fresh city on day 0 with every loop on (``city``: another city to run)."""
        if seed is not None:
            self.seed = seed
        if city is not None:
            self.city = city
        params = load(self.city, {"run.days": DAYS}).params
        self.model = SurveillanceModel(params, seed=self.seed)
        self.table = city_table(params)
        self.stops = deque(maxlen=WINDOW)
        self.switches = []
        self._prev_stops = self.model.pop.stops.copy()
        self._prev_wrong = self.model.pop.wrongful.copy()
        # A fixed offset per resident inside their neighbourhood's cell (map only; not a model stream),
        # in units of the spacing between neighbourhoods (1 on the grid; a table's nearest-neighbour spacing).
        rng = np.random.default_rng(12345)
        self.jitter = rng.uniform(-0.38, 0.38, (len(self.model.pop.stops), 2))
        if self.table is not None:  # inside the neighbourhood's circle (see livefigures.table_map)
            c = self.model.city
            radius = CIRCLE * spacing(c.xy) * np.sqrt(self.model.pop_counts / max(self.model.pop_counts.max(), 1))
            r, angle = radius[c.nbh] * np.sqrt(rng.random(len(c.nbh))), rng.uniform(0, 2 * np.pi, len(c.nbh))
            self.jitter = np.column_stack([r * np.cos(angle), r * np.sin(angle)])

    @property
    def finished(self) -> bool:
        return self.model.day >= self.model.p.run.days

    def step(self, days: int = 1) -> None:
        """Advance up to ``days`` days (stops at the end of the run)."""
        m = self.model
        for _ in range(max(0, min(days, m.p.run.days - m.day))):
            m.step()
            stops, wrong = m.pop.stops, m.pop.wrongful
            d_stop = (stops - self._prev_stops).astype(np.int64)
            d_wrong = (wrong - self._prev_wrong).astype(np.int64)
            rows = np.repeat(np.arange(len(d_stop)), np.maximum(d_stop, 0))
            wrong_rows = np.repeat(np.arange(len(d_wrong)), np.maximum(d_wrong, 0))
            flags = np.zeros(len(rows), bool)
            if len(wrong_rows):  # mark the first d_wrong entries of each row as wrongful
                first = np.searchsorted(rows, wrong_rows)
                rank = np.arange(len(wrong_rows)) - np.searchsorted(wrong_rows, wrong_rows)
                flags[first + rank] = True
            self.stops.append(DayStops(m.day, rows, flags))
            self._prev_stops, self._prev_wrong = stops.copy(), wrong.copy()

    def snapshot(self, layer: str = "coverage") -> dict:
        """Plain data for the map and charts (see :mod:`dashboard.livefigures`)."""
        m, c = self.model, self.model.city
        d = m.day
        keys = list(m.group_keys)
        names, group_cat = categories(m.group_keys)
        focus = focus_category(m.group_keys)
        if layer == "attention":
            values = m.attention / max(float(m.attention.max()), 1e-12)
        elif layer == "group_b":
            values = np.bincount(c.nbh, weights=c.category == names.index(focus), minlength=c.n_neighbourhoods)
            values = values / np.maximum(m.pop_counts, 1)
        else:
            layer, values = "coverage", m.coverage
        recent = list(self.stops)
        rows = np.concatenate([s.rows for s in recent]) if recent else np.zeros(0, np.int64)
        total, by_group = m.recorder.total[: d + 1], m.recorder.by_group[: d + 1]
        size = np.bincount(c.group, minlength=len(keys))
        if len(names) < len(keys):  # groups split by sex: the map and charts show categories
            by_group, size = by_category(by_group, size, group_cat, len(names), dict(m.recorder.index))
            keys, stop_group = names, c.category[rows]
        else:
            stop_group = c.group[rows]
        return {
            "day": d, "days": m.p.run.days, "start_date": str(m.p.run.start_date),
            "xy": c.xy, "dept": c.dept, "layer": layer, "values": np.asarray(values, float),
            "partnered": m.partnered[: int(c.dept.max()) + 1].copy(),
            "stop_xy": c.xy[c.nbh[rows]] + self.jitter[rows],
            "stop_day": np.concatenate([np.full(len(s.rows), s.day) for s in recent]) if recent else np.zeros(0),
            "stop_wrongful": np.concatenate([s.wrongful for s in recent]) if recent else np.zeros(0, bool),
            "stop_group": stop_group, "group_size": size,
            "groups": keys, "total": total, "by_group": by_group, "focus": focus,
            "population": np.asarray(m.pop_counts), "table": self.table,
            "index": dict(m.recorder.index), "households": len(c.hh_nbh), "residents": len(c.nbh),
            "switches": list(self.switches), "loops": self.loops(),
        }

    def loops(self) -> dict[str, bool]:
        """Each loop of this model's parameters: on or off."""
        return {k: bool(getattr(self.model.p.loops, k)) for k in loop_fields(type(self.model.p.loops))}

    def set_loops(self, wanted: dict[str, bool]) -> list[str]:
        """Switch loops to ``wanted`` from the next day; return what changed, for the log."""
        m = self.model
        now = self.loops()
        change = {k: bool(v) for k, v in wanted.items() if k in now and bool(v) != now[k]}
        if not change:
            return []
        m.p = m.p.model_copy(update={"loops": m.p.loops.model_copy(update=change)})
        for k, on in change.items():
            self.switches.append((m.day, k, on))
        return [f"{k} {'on' if on else 'off'} (day {m.day})" for k, on in change.items()]


def spacing(xy: np.ndarray) -> float:
    """The typical distance between neighbourhoods: the median distance to the nearest one."""
    if len(xy) < 2:
        return 1.0
    near = cKDTree(xy).query(xy, k=2)[0][:, 1]
    s = float(np.median(near))
    return s if s > 0 else 1.0


def by_category(by_group: np.ndarray, size: np.ndarray, group_cat: np.ndarray, n_cat: int,
                index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Per-day rows by group (days, columns, groups) summed into categories; means
    (columns ending in ``_mean``) weighted by the groups' sizes."""
    cat_size = np.bincount(group_cat, weights=size, minlength=n_cat)
    weight = np.ones(by_group.shape[1:])                      # (columns, groups)
    means = [i for k, i in index.items() if k.endswith("_mean")]
    weight[means] = size / np.maximum(cat_size[group_cat], 1)
    out = np.zeros(by_group.shape[:2] + (n_cat,))
    for g, c in enumerate(group_cat):
        out[:, :, c] += by_group[:, :, g] * weight[:, g]
    return out, cat_size.astype(np.int64)


class Sessions:
    """Live educator models by browser-session id, at most :data:`MAX_SESSIONS`."""

    def __init__(self, max_sessions: int = MAX_SESSIONS):
        self.max_sessions = max_sessions
        self._items: OrderedDict[str, EducatorSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: str, seed: int = 1, city: str = PRESET) -> EducatorSession:
        """The session's model, built on first use (or after it was evicted)."""
        if not isinstance(sid, str) or not SESSION_ID.match(sid):
            raise ValueError("invalid session id")
        with self._lock:
            now = time.monotonic()
            for k in [k for k, s in self._items.items() if now - s.used > IDLE_SECONDS]:
                del self._items[k]
            s = self._items.get(sid)
            if s is None:
                s = self._items[sid] = EducatorSession(seed, city)
                while len(self._items) > self.max_sessions:
                    self._items.popitem(last=False)
            self._items.move_to_end(sid)
            s.used = now
            return s

    def __len__(self) -> int:
        return len(self._items)
