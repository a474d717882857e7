"""Educator mode: one small city run live, a day at a time, with loops switched mid-run.

Each browser session has its own model (never shared). The city is the ``educator``
preset (about 3,000 residents, two abstract groups) run for up to :data:`DAYS` days.
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

from sim.model import SurveillanceModel
from sim.params.root import Loops
from sim.policy.scenario import load

PRESET = "educator"
DAYS = 730                      # the preset's year, and one more to watch loops being cut
WINDOW = 30                     # days of stops drawn on the map
MAX_SESSIONS = 40               # live models kept; the least recently used goes first
IDLE_SECONDS = 2 * 3600
SESSION_ID = re.compile(r"^[0-9a-f]{32}$")


def loop_fields(node: type | None = None) -> dict[str, str]:
    """The model's feedback-loop switches: every on/off field of its ``loops`` parameter
    node (default :class:`sim.params.root.Loops`), with the field's description, so a loop
    added to the model gets a switch here."""
    fields = (node or Loops).model_fields
    return {k: f.description or k for k, f in fields.items() if f.annotation is bool}


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
    model: SurveillanceModel = field(init=False)
    stops: deque = field(init=False)
    switches: list = field(init=False)      # (day, loop, on)
    lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    playing: bool = field(init=False, default=False)   # kept here, not in the browser: ticks in flight
                                                       # cannot undo a pause
    used: float = field(init=False, default_factory=time.monotonic)
    clicks: dict = field(init=False, default_factory=dict)  # button -> n_clicks acted on (a click once)

    def __post_init__(self) -> None:
        self.reset(self.seed)

    def reset(self, seed: int | None = None) -> None:
        """A fresh city on day 0 with every loop on."""
        if seed is not None:
            self.seed = seed
        self.model = SurveillanceModel(load(PRESET, {"run.days": DAYS}).params, seed=self.seed)
        self.stops = deque(maxlen=WINDOW)
        self.switches = []
        self._prev_stops = self.model.pop.stops.copy()
        self._prev_wrong = self.model.pop.wrongful.copy()
        # A fixed offset per resident inside their neighbourhood's cell (map only; not a model stream).
        self.jitter = np.random.default_rng(12345).uniform(-0.38, 0.38, (len(self.model.pop.stops), 2))

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
        if layer == "attention":
            values = m.attention / max(float(m.attention.max()), 1e-12)
        elif layer == "group_b" and "group_b" in keys:
            values = np.bincount(c.nbh, weights=c.group == keys.index("group_b"), minlength=c.n_neighbourhoods)
            values = values / np.maximum(m.pop_counts, 1)
        else:
            layer, values = "coverage", m.coverage
        recent = list(self.stops)
        rows = np.concatenate([s.rows for s in recent]) if recent else np.zeros(0, np.int64)
        return {
            "day": d, "days": m.p.run.days, "start_date": str(m.p.run.start_date),
            "xy": c.xy, "dept": c.dept, "layer": layer, "values": np.asarray(values, float),
            "partnered": m.partnered[: int(c.dept.max()) + 1].copy(),
            "stop_xy": c.xy[c.nbh[rows]] + self.jitter[rows],
            "stop_day": np.concatenate([np.full(len(s.rows), s.day) for s in recent]) if recent else np.zeros(0),
            "stop_wrongful": np.concatenate([s.wrongful for s in recent]) if recent else np.zeros(0, bool),
            "stop_group": c.group[rows], "group_size": np.bincount(c.group, minlength=len(keys)),
            "groups": keys, "total": m.recorder.total[: d + 1], "by_group": m.recorder.by_group[: d + 1],
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


class Sessions:
    """Live educator models by browser-session id, at most :data:`MAX_SESSIONS`."""

    def __init__(self, max_sessions: int = MAX_SESSIONS):
        self.max_sessions = max_sessions
        self._items: OrderedDict[str, EducatorSession] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sid: str, seed: int = 1) -> EducatorSession:
        """The session's model, built on first use (or after it was evicted)."""
        if not isinstance(sid, str) or not SESSION_ID.match(sid):
            raise ValueError("invalid session id")
        with self._lock:
            now = time.monotonic()
            for k in [k for k, s in self._items.items() if now - s.used > IDLE_SECONDS]:
                del self._items[k]
            s = self._items.get(sid)
            if s is None:
                s = self._items[sid] = EducatorSession(seed)
                while len(self._items) > self.max_sessions:
                    self._items.popitem(last=False)
            self._items.move_to_end(sid)
            s.used = now
            return s

    def __len__(self) -> int:
        return len(self._items)
