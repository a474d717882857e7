"""The view in the URL: what each page shows, as a query string, and back.

A pasted link reproduces a view: every control of the Compare, What-if, Educator and
Analyses pages is a field of a frozen dataclass here, written to the query string by
:func:`encode` and read back by :func:`decode`. Reading never raises: a value that is
malformed or out of range falls back to the field's default and adds a message saying what
was ignored, which the page shows above its content. Nothing is evaluated or unpickled:
each field has a parser that accepts only its type and range.

Example:
    >>> view, msgs = decode("compare", "?metric=cameras&seed=abc")
    >>> view.metric, view.seed, msgs
    ('cameras', 1, ["seed = 'abc': not a whole number; using 1."])
    >>> encode(view).startswith("?baseline=baseline&scenarios=")
    True
"""

from __future__ import annotations

import dataclasses
import functools
import math
import tomllib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from sim.experiments.compare import DEFAULT_SCENARIOS
from sim.core.groups import GROUP_KEYS
from sim.core.metrics import BY_NAME
from sim.output.style import scenario_label
from sim.params import Params
from sim.core.errors import InputError
from sim.policy.scenario import SCENARIO_DIR, load, shipped

MAX_QUERY = 4000          # characters of query string read; the rest is ignored
MAX_SCENARIOS = 6         # compared with the baseline (the palette has 8 colours)
EXCLUDED = ("educator",)  # presets with other groups cannot share charts with census groups
FR_LAWS = {"none": "No federal law (status quo)", "moratorium": "Moratorium (ban on police searches)",
           "regulation": "Regulation (99% threshold, review, no arrest on a match alone, bias audit)"}
FLOWS = ("cumulative", "rolling")
TOP_K = Params().recognition.top_k   # candidates a top-k search returns (the model's default, 5)
MAX_DAYS = 4017  # runs to the end of 2027 (1 Jan 2017 + 4,017 days), as the national preset
SEARCH_MODES = {"threshold": "all candidates above the threshold",   # enforcement.search_mode
                "top_k": f"the top {TOP_K} candidates",                # (the threshold is not used)
                "top_k_threshold": f"the top {TOP_K} candidates above the threshold"}


@functools.lru_cache(maxsize=64)
def scenario_description(name: str) -> str:
    """The one-line ``description`` of a shipped scenario file ('' if it has none)."""
    for path in shipped():
        if path.stem == name:
            return " ".join(str(tomllib.loads(path.read_text()).get("description", "")).split())
    return ""


def scenario_options(names: list[str]) -> list[dict[str, str]]:
    """Dropdown options: plain names, the file's description as the tooltip."""
    return [{"label": scenario_label(n), "value": n, "title": scenario_description(n)} for n in names]


def scenario_names() -> list[str]:
    """Shipped scenarios that can be compared with each other (same demographic groups)."""
    return [p.stem for p in shipped() if p.stem not in EXCLUDED]


EDUCATOR_CITY = "educator"  # the educator preset's made-up grid city


@functools.lru_cache(maxsize=1)
def educator_cities() -> tuple[str, ...]:
    """Cities the educator page can run: its own grid preset, then every shipped scenario
    whose city is read from a neighbourhood table (``[params.city] neighbourhoods``)."""
    tables = []
    for path in shipped():
        try:
            if path.stem != EDUCATOR_CITY and load(path.stem).params.city.neighbourhoods:
                tables.append(path.stem)
        except InputError:  # a broken scenario file is reported where it is run, not here
            continue
    return (EDUCATOR_CITY, *tables)


@functools.lru_cache(maxsize=32)
def table_city(name: str) -> tuple[str, int, int] | None:
    """(table file, residents, neighbourhoods) of a shipped scenario whose city is read
    from a table; None for a grid city (or a scenario that does not load)."""
    from sim.world import table

    try:
        p = load(name).params
        if not p.city.neighbourhoods:
            return None
        path = table.resolve(p.city.neighbourhoods, SCENARIO_DIR)
        t = table.read(path, p.group_keys)
    except InputError:
        return None
    return path.name, int(t.residents.sum()), len(t.ids)


def table_city_notes(names: tuple[str, ...], residents: int) -> list[str]:
    """What a table city among compared scenarios means for the view: its size is the
    table's, not the Residents setting, so its counts are of another city."""
    out = []
    for n in dict.fromkeys(names):
        info = table_city(n)
        if info is not None:
            out.append(f"{scenario_label(n)}: its city is the table {info[0]} ({info[1]:,} residents in {info[2]} "
                       f"neighbourhoods); Residents ({residents:,}) does not apply to it. Its counts are of a city "
                       f"of another size and make-up than a grid city's, so its differences from one are not the "
                       f"policies alone; the By group chart's rates per 1,000 use {residents:,} residents for "
                       f"every scenario.")
    return out


# --- field parsers: raw (str from the URL, or a control's value) -> value, or ValueError ---

def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def parse(raw: Any) -> int:
        if isinstance(raw, bool):
            raise ValueError("not a whole number")
        if isinstance(raw, float) and raw.is_integer():
            raw = int(raw)
        if raw is None or (isinstance(raw, str) and not raw.strip()):  # a number box left empty or out of range
            raise ValueError(f"empty or outside {lo:,}-{hi:,}")
        if isinstance(raw, str):
            text = raw.strip().replace(",", "").replace("_", "")
            if not text.lstrip("-").isdigit() or len(text) > 12:
                raise ValueError("not a whole number")
            raw = int(text)
        if not isinstance(raw, int):
            raise ValueError("not a whole number")
        if not lo <= raw <= hi:
            raise ValueError(f"outside {lo:,}-{hi:,}")
        return raw
    parse.allowed = f"a whole number from {lo:,} to {hi:,}"  # type: ignore[attr-defined]
    return parse


def _float(lo: float, hi: float, digits: int = 2) -> Callable[[Any], float]:
    def parse(raw: Any) -> float:
        if isinstance(raw, bool):
            raise ValueError("not a number")
        try:
            x = float(raw.strip()) if isinstance(raw, str) and len(raw) <= 20 else float(raw)
        except (TypeError, ValueError):
            raise ValueError("not a number") from None
        if not math.isfinite(x) or not lo <= x <= hi:
            raise ValueError(f"outside {lo}-{hi}")
        return round(x, digits)
    parse.allowed = f"a number from {lo} to {hi}"  # type: ignore[attr-defined]
    return parse


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def _bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (list, tuple)):  # a one-box dcc.Checklist: [] or ["on"]
        return len(raw) > 0
    text = str(raw).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ValueError("not on/off (use 1 or 0)")


_bool.allowed = "1 (on) or 0 (off)"  # type: ignore[attr-defined]


def _choice(options: Callable[[], list[str]] | tuple[str, ...]) -> Callable[[Any], str]:
    def parse(raw: Any) -> str:
        allowed = list(options() if callable(options) else options)
        text = "" if raw is None else str(raw).strip()
        if text not in allowed:
            raise ValueError("not one of the choices")
        return text
    parse.allowed = "one of the listed choices"  # type: ignore[attr-defined]
    return parse


def _names(options: Callable[[], list[str]], most: int) -> Callable[[Any], tuple[str, ...]]:
    def parse(raw: Any) -> tuple[str, ...]:
        items = raw if isinstance(raw, (list, tuple)) else ([] if raw in (None, "") else str(raw).split(","))
        items = [str(s).strip() for s in items if str(s).strip()]
        allowed = options()
        bad = [s for s in items if s not in allowed]
        if bad:
            raise ValueError(f"unknown scenario {bad[0][:40]!r}")
        out = tuple(dict.fromkeys(items))
        if len(out) > most:
            raise ValueError(f"more than {most} scenarios")
        return out
    parse.allowed = f"up to {most} shipped scenario names, comma-separated"  # type: ignore[attr-defined]
    return parse


def _metrics() -> list[str]:
    return list(BY_NAME)


def _groups() -> list[str]:
    return ["", *GROUP_KEYS]


def spec(parse: Callable[[Any], Any], default: Any, label: str = "") -> Any:
    """A view field: its parser, default and how the URL names it (the field name)."""
    return field(default=default, metadata={"parse": parse, "label": label})


# --- the views --------------------------------------------------------------------------

@dataclass(frozen=True)
class CompareView:
    """Compare shipped scenarios with a baseline (paired replicates)."""

    baseline: str = spec(_choice(scenario_names), "baseline")
    scenarios: tuple[str, ...] = spec(_names(scenario_names, MAX_SCENARIOS), tuple(DEFAULT_SCENARIOS[1:]))
    metric: str = spec(_choice(_metrics), "wrongful_stops")
    group: str = spec(_choice(_groups), "")
    flow: str = spec(_choice(FLOWS), "cumulative")
    seed: int = spec(_int(0, 2**31 - 1), 1)
    replicates: int = spec(_int(1, 20), 4)
    days: int = spec(_int(30, MAX_DAYS), 1826)
    residents: int = spec(_int(1000, 200_000), 20_000)

    def fix(self) -> tuple[CompareView, list[str]]:
        """Cross-field rules: the baseline is not compared with itself; group fits metric."""
        view = self
        if view.baseline in view.scenarios:
            view = dataclasses.replace(view, scenarios=tuple(s for s in view.scenarios if s != view.baseline))
        view, msgs = _fix_group(view)
        return view, msgs + table_city_notes((view.baseline, *view.scenarios), view.residents)


@dataclass(frozen=True)
class WhatIfView:
    """A scenario built from controls, compared with the baseline of the same size."""

    warrant: bool = spec(_bool, False)
    fr_law: str = spec(_choice(tuple(FR_LAWS)), "none")
    threshold: float = spec(_float(0.5, 0.99), 0.80)
    review: bool = spec(_bool, True)
    search: str = spec(_choice(tuple(SEARCH_MODES)), "threshold")
    credit: bool = spec(_bool, True)
    consent: bool = spec(_bool, False)
    emotion: bool = spec(_bool, False)
    start: int = spec(_int(0, MAX_DAYS), 365)
    residents: int = spec(_int(1000, 200_000), 20_000)
    days: int = spec(_int(30, MAX_DAYS), 730)
    replicates: int = spec(_int(1, 20), 10)
    seed: int = spec(_int(0, 2**31 - 1), 1)
    metric: str = spec(_choice(_metrics), "wrongful_stops")
    group: str = spec(_choice(_groups), "")
    flow: str = spec(_choice(FLOWS), "cumulative")

    def fix(self) -> tuple[WhatIfView, list[str]]:
        view, msgs = _fix_group(self)
        if view.start > view.days:
            msgs.append(f"start = {view.start}: after the end of the run (day {view.days}); the laws would never "
                        f"apply, using day {view.days // 2}.")
            view = dataclasses.replace(view, start=view.days // 2)
        return view, msgs


@dataclass(frozen=True)
class EducatorView:
    """The educator city: its seed, days advanced per tick while playing, the map's layer,
    and which city (the grid preset or a table city's scenario)."""

    seed: int = spec(_int(0, 2**31 - 1), 1)
    speed: int = spec(_int(1, 30), 3)
    layer: str = spec(_choice(("coverage", "attention", "group_b")), "coverage")
    city: str = spec(_choice(educator_cities), EDUCATOR_CITY)

    def fix(self) -> tuple[EducatorView, list[str]]:
        return self, []


ANALYSIS_KEY = re.compile(r"[\w.-]+(/[\w.-]+)*")


def _analysis_key(raw: Any) -> str:
    """A folder under the results folder, e.g. 'frontier/baseline-threshold' ('' = newest).
    Only compared with the folders found, never opened, but kept to plain path characters."""
    text = "" if raw is None else str(raw).strip()
    if len(text) > 200 or (text and (not ANALYSIS_KEY.fullmatch(text) or ".." in text.split("/"))):
        raise ValueError("not an analysis folder name")
    return text


_analysis_key.allowed = "a folder under the results folder"  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AnalysesView:
    """Which analysis the Analyses page shows: its folder under the results folder."""

    show: str = spec(_analysis_key, "")

    def fix(self) -> tuple[AnalysesView, list[str]]:
        return self, []


View = CompareView | WhatIfView | EducatorView | AnalysesView
VIEWS: dict[str, type] = {"compare": CompareView, "whatif": WhatIfView, "educator": EducatorView,
                          "analyses": AnalysesView}


def _fix_group(view: Any) -> tuple[Any, list[str]]:
    if view.group and not BY_NAME[view.metric].per_group:
        return (dataclasses.replace(view, group=""),
                [f"group = {view.group!r}: {BY_NAME[view.metric].label} has no per-group rows; showing all residents."])
    return view, []


def known_keys() -> set[str]:
    """Every field name of every view (a key of another page is carried, not an error)."""
    return {f.name for cls in VIEWS.values() for f in dataclasses.fields(cls)}


def validate(page: str, raw: dict[str, Any]) -> tuple[View, list[str]]:
    """Build a page's view from raw values (URL strings or control values). Missing keys
    take the default; bad values take the default and add a message. Never raises."""
    cls = VIEWS[page]
    values: dict[str, Any] = {}
    msgs: list[str] = []
    for f in dataclasses.fields(cls):
        if f.name not in raw or raw[f.name] is None:
            continue
        try:
            values[f.name] = f.metadata["parse"](raw[f.name])
        except ValueError as e:
            shown = _show(raw[f.name])
            msgs.append(f"{f.name} = {shown}: {e}; using {_show(f.default)}.")
    view, more = cls(**values).fix()
    return view, msgs + more


def decode(page: str, search: str | None) -> tuple[View, list[str]]:
    """The view a query string describes (``?a=1&b=2``), with messages on what was ignored."""
    search = search or ""
    msgs: list[str] = []
    if len(search) > MAX_QUERY:
        msgs.append(f"The link's query is {len(search):,} characters long; only the first {MAX_QUERY:,} were read.")
        search = search[:MAX_QUERY]
    pairs = parse_qsl(search.lstrip("?"), keep_blank_values=True, max_num_fields=100)\
        if _parses(search) else []
    if search.strip("?") and not pairs:
        msgs.append("The link's query could not be read; showing the default view.")
    raw: dict[str, str] = {}
    known = known_keys()
    for key, value in pairs:
        if key not in known:
            msgs.append(f"Ignored unknown setting {_show(key)} in the link.")
        else:
            raw[key] = value
    view, more = validate(page, raw)
    return view, msgs + more


def _parses(search: str) -> bool:
    try:
        parse_qsl(search.lstrip("?"), keep_blank_values=True, max_num_fields=100)
        return True
    except ValueError:
        return False


def encode(view: View) -> str:
    """The query string of a view (every field, so a link does not depend on defaults)."""
    out = []
    for f in dataclasses.fields(view):
        v = getattr(view, f.name)
        if isinstance(v, bool):
            v = int(v)
        elif isinstance(v, tuple):
            v = ",".join(v)
        out.append((f.name, v))
    return "?" + urlencode(out, safe=",")


def as_dict(view: View) -> dict[str, Any]:
    """Plain JSON-able data for a dcc.Store."""
    return {f.name: (list(v) if isinstance(v := getattr(view, f.name), tuple) else v) for f in dataclasses.fields(view)}


def from_store(page: str, data: dict[str, Any] | None) -> View:
    """A view back from a dcc.Store (data from the browser: validated again)."""
    return validate(page, data if isinstance(data, dict) else {})[0]


def _show(value: Any) -> str:
    text = repr(value) if not isinstance(value, tuple) else repr(",".join(value))
    return text if len(text) <= 42 else text[:40] + "...'"
