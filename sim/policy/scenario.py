"""Scenario files: TOML data naming a base, parameter overrides and (later) policies.

A scenario file looks like::

    name = "warrant_required"
    description = "Footage only with a warrant."
    extends = "baseline"          # optional: start from another scenario

    [params.requests]             # any branch of sim.params.Params
    warrant_required = true

Loading resolves ``extends`` (a shipped name or a path relative to the file), merges the
overrides, and validates the result against the parameter tree. Every problem is raised as
an :class:`InputError` naming the file, the field, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.core.errors import InputError
from sim.params import Params
from sim.core.paramtree import allowed
from sim.world import table

def _scenario_dir() -> Path:
    """Shipped scenarios: package data in an installed wheel (``sim/scenarios``), the
    repository's ``scenarios/`` in a checkout; found from any working directory."""
    here = Path(__file__).resolve()
    for d in (here.parents[1] / "scenarios", here.parents[2] / "scenarios"):
        if (d / "baseline.toml").is_file():
            return d
    return here.parents[2] / "scenarios"


SCENARIO_DIR = _scenario_dir()
SWEEP_DIR = SCENARIO_DIR / "sweeps"
TOP_KEYS = ("name", "description", "extends", "params", "policies")
MAX_EXTENDS = 32      # a longer `extends` chain is a mistake, not a design (shipped: at most 3)
MAX_FILE_BYTES = 1_000_000  # scenario and spec files are a few kB; a bigger one is the wrong file
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")


def check_name(value: str, where: str, field: str = "name") -> str:
    """A scenario or sweep name names a folder (``results/<name>``), so it must be an
    identifier, never a path: letters, digits, '_', '-', '.', starting with a letter or
    digit, at most 100 characters (so never '', '.', '..', a path or a NUL)."""
    if not isinstance(value, str) or not NAME.fullmatch(value):
        raise InputError(f"{where}: field {field!r} = {value!r}: must be a name of 1-100 letters, digits, "
                         "'_', '-' or '.', starting with a letter or digit (it names a folder, "
                         "results/<name>: not a path)")
    return value


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    params: Params
    source: str                      # file it came from ("<built-in>" for defaults)
    chain: tuple[str, ...] = ()      # files merged, base first
    policies: tuple[dict, ...] = field(default_factory=tuple)

    def resolved(self) -> dict[str, Any]:
        """Everything that determines a run, as plain data (for manifests and caches)."""
        return {"name": self.name, "description": self.description, "source": self.source,
                "chain": list(self.chain), "policies": list(self.policies),
                "params": self.params.model_dump(mode="json")}


def shipped() -> list[Path]:
    """Scenario files shipped in ``scenarios/``, sorted by name."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


def find(name_or_path: str | Path, relative_to: Path | None = None) -> Path:
    """A scenario's file: an existing path, or the name of a shipped scenario."""
    if "\0" in str(name_or_path):
        raise InputError(f"scenario {str(name_or_path)!r}: contains a NUL character; give a shipped name or a path")
    p = Path(name_or_path)
    candidates = [p] if p.suffix == ".toml" else [SCENARIO_DIR / f"{p}.toml"]
    if relative_to is not None and p.suffix == ".toml" and not p.is_absolute():
        candidates.insert(0, relative_to.parent / p)
    for c in candidates:
        if c.is_file():
            return c
    names = [s.stem for s in shipped()]
    hint = difflib.get_close_matches(str(name_or_path), names, n=1)
    did = f" Did you mean {hint[0]!r}?" if hint else ""
    raise InputError(f"scenario {str(name_or_path)!r}: no such file or shipped scenario.{did} "
                     f"Shipped: {', '.join(names)}; or give a path to a .toml file.")


def read_toml(path: Path, what: str = "") -> dict[str, Any]:
    """A TOML file as a dict; unreadable, malformed, non-UTF-8, deeply nested or empty
    files become one InputError."""
    if "\0" in str(path):
        raise InputError(f"{str(path)!r}: contains a NUL character; give a file path")
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise InputError(f"{path}: larger than {MAX_FILE_BYTES:,} bytes; scenario and spec files are a few kB")
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start}: {raw[e.start:e.start + 1]!r}); "
                         "save the file as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{path}: not valid TOML: {e}") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to read; scenario files need a few levels of tables") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read{' the ' + what if what else ''}: {e.strerror}") from None
    if not data:
        raise InputError(f"{path}: has no content (empty or only comments); a{' ' + what if what else ''} "
                         "file needs at least a name or an `extends`")
    return data


def _read(path: Path) -> dict[str, Any]:
    data = read_toml(path)
    for key in data:
        if key not in TOP_KEYS:
            hint = difflib.get_close_matches(key, TOP_KEYS, n=1)
            did = f" Did you mean {hint[0]!r}?" if hint else ""
            raise InputError(f"{path}: unknown key {key!r}.{did} Allowed top-level keys: {', '.join(TOP_KEYS)}")
    for key in ("name", "description", "extends"):
        if key in data and not isinstance(data[key], str):
            raise InputError(f"{path}: field {key!r} = {data[key]!r}: must be a string")
    if "name" in data:
        check_name(data["name"], str(path))
    if "\0" in data.get("description", ""):
        raise InputError(f"{path}: field 'description' contains a NUL character")
    if "params" in data and not isinstance(data["params"], dict):
        raise InputError(f"{path}: field 'params' must be a table ([params.<branch>])")
    return data


def merge(base: dict, over: dict, loc: tuple = ()) -> dict:
    """Deep merge of parameter dicts: ``over`` wins. Branches of the tree merge key by
    key; a dict-valued leaf (such as ``groups.shares``) is replaced whole."""
    out = dict(base)
    for k, v in over.items():
        branch = _model_at((*loc, k)) is not None
        out[k] = merge(out[k], v, (*loc, k)) if branch and isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _chain(path: Path) -> list[tuple[Path, dict]]:
    """The files merged, base first (a loop, not recursion: chains are bounded, not the stack)."""
    chain: list[tuple[Path, dict]] = []
    seen: list[Path] = []
    while True:
        if path.resolve() in seen:
            cycle = " -> ".join(str(p) for p in (*seen, path.resolve()))
            raise InputError(f"{path}: field 'extends' makes a cycle: {cycle}")
        if len(seen) >= MAX_EXTENDS:
            raise InputError(f"{seen[0]}: field 'extends' chains more than {MAX_EXTENDS} files "
                             f"(at {path}); allowed: at most {MAX_EXTENDS}")
        seen.append(path.resolve())
        data = _read(path)
        chain.append((path, data))
        base = data.get("extends")
        if not base:
            return chain[::-1]
        path = find(base, relative_to=path)


def load(name_or_path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load, merge and validate a scenario; ``overrides`` maps dotted paths to values
    (used by CLI flags such as ``--days``)."""
    path = find(name_or_path)
    chain = _chain(path)
    params: dict = {}
    policies: list = []
    for file, data in chain:  # validate level by level so errors name the file at fault
        params = merge(params, data.get("params", {}))
        if not isinstance(data.get("policies", []), list):
            raise InputError(f"{file}: field 'policies' must be a list of [[policies]] tables")
        for i, pol in enumerate(data.get("policies", [])):
            if isinstance(pol, dict) and "type" in pol and not isinstance(pol["type"], str):
                raise InputError(f"{file}: policies[{i}]: field 'type' = {pol['type']!r}: must be a string "
                                 "naming a policy (see `survsim scenarios` and README)")
        policies += data.get("policies", [])
        validated = validate(params, str(file))
        check_table(validated, str(file))
    if overrides:
        for dotted, value in overrides.items():
            params = merge(params, _nest(dotted, value))
        validated = validate(params, "override", flags=FLAGS)
        check_table(validated, "override")
    from sim.policy.policies import parse  # policies import the model's types only for checking

    for i, pol in enumerate(parse(policies, str(path))):
        try:
            pol.departments(validated.city.n_jurisdictions)  # scope names existing departments
        except InputError as e:
            raise InputError(f"{path}: policies[{i}]: {e}") from None
    top = chain[-1][1]
    name = top["name"] if "name" in top else check_name(path.stem, str(path), "name (from the file name)")
    return Scenario(
        name=name, description=top.get("description", ""),
        params=validated, source=str(path),
        chain=tuple(str(p) for p, _ in chain),
        policies=tuple({**pol.model_dump(mode="json"), "legal_reference": pol.citation()}
                       for pol in parse(policies, str(path))),
    )


def check_table(params: Params, where: str) -> None:
    """A city table the scenario names must exist when the scenario is loaded, not only when
    a run builds the city (where it is looked up: :func:`sim.world.table.resolve`)."""
    name = params.city.neighbourhoods
    if not name:
        return
    try:
        table.resolve(name, SCENARIO_DIR)
    except InputError:
        raise InputError(f"{where}: field 'params.city.neighbourhoods' = {name!r}: no such file; allowed: \"\" "
                         f"(the grid city) or a CSV or GeoJSON table's path, absolute, relative to the working directory, "
                         f"or a file among the shipped scenarios ({SCENARIO_DIR})") from None


def _nest(dotted: str, value: Any) -> dict:
    out: Any = value
    for part in reversed(dotted.split(".")):
        out = {part: out}
    return out


# Command-line flags that set a parameter, for error messages that name the flag.
FLAGS = {"run.days": "--days", "city.n_residents": "--residents"}


def validate(params: dict, where: str, flags: dict[str, str] | None = None) -> Params:
    """Validate a params dict; the first problem becomes one clear InputError."""
    try:
        try:
            return Params.model_validate(params)
        except ValidationError as e:
            raise InputError(describe(e.errors()[0], where, flags or {})) from None
    except RecursionError:
        raise InputError(f"{where}: a value is nested too deeply; parameters are numbers, switches, "
                         "names, lists or one level of tables") from None


def _model_at(loc: tuple) -> type[BaseModel] | None:
    model: Any = Params
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return None
        model = fields[part].annotation
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def describe(err: dict, where: str, flags: dict[str, str] | None = None) -> str:
    """One error message: file (or flag), field, value, what is allowed."""
    loc = tuple(str(x) for x in err["loc"])
    dotted = ".".join(loc)
    value = err.get("input")
    msg = err["msg"].removeprefix("Value error, ")
    if not loc:  # a check across fields: the message names them
        return f"{where}: {msg}"
    if flags and dotted in flags:
        parent = _model_at(loc[:-1])
        return f"{flags[dotted]} = {value!r}: {msg}; allowed: {allowed(parent.model_fields[loc[-1]])}"
    if err["type"] == "extra_forbidden":
        parent = _model_at(loc[:-1])
        names = list(parent.model_fields) if parent else []
        hint = difflib.get_close_matches(loc[-1], names, n=1)
        did = f" Did you mean {'params.' + '.'.join((*loc[:-1], hint[0]))!r}?" if hint else ""
        return (f"{where}: unknown parameter 'params.{dotted}'.{did} "
                f"Allowed here: {', '.join(names)}")
    parent = _model_at(loc[:-1])
    fld = parent.model_fields.get(loc[-1]) if parent else None
    if err["type"] in ("value_error", "assertion_error") or fld is None:
        return f"{where}: field 'params.{dotted}' = {value!r}: {msg}"
    return f"{where}: field 'params.{dotted}' = {value!r}: {msg}; allowed: {allowed(fld)}"
