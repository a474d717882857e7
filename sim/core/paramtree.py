"""Machinery for the parameter tree: typed nodes whose leaves carry unit and provenance.

Every number in survsim is declared with ``param(...)``: a default, a unit, and either a
``source`` (a row of ``docs/sources.md``) or an ``assumption`` range. The
tree itself lives in :mod:`sim.params`; this module only knows how to declare, walk and
validate it.

Example:
    >>> class Crime(Node):
    ...     rate: float = param(2476.6, unit="offences / 100k residents / year",
    ...                         source="FBI CIUS 2019", ge=0)
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator


class Node(BaseModel):
    """A branch of the parameter tree: unknown keys are errors, values are immutable.

    Types are strict (``true`` is not a number, ``"100"`` is not an integer, ``2.0`` is not
    an integer; an integer is a fine float), and no number anywhere in a leaf, including the
    values of a per-group dict, may be NaN or infinite.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _finite(cls, value: Any, info: ValidationInfo) -> Any:
        bad = first_non_finite(value)
        if bad is not None:
            where, x = bad
            raise ValueError(f"{info.field_name}{where} = {x}: numbers must be finite (no NaN or infinity)")
        return value


def first_non_finite(value: Any, where: str = "") -> tuple[str, float] | None:
    """The first NaN or infinite float inside a value (dicts and lists searched), as
    (key path, number), or None."""
    if isinstance(value, float):
        return None if math.isfinite(value) else (where, value)
    if isinstance(value, dict):
        items: Iterable = ((f"{where}.{k}", v) for k, v in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    else:
        return None
    for w, v in items:
        bad = first_non_finite(v, w)
        if bad is not None:
            return bad
    return None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """" Did you mean 'x'?" for the closest known name (case-insensitive), or ""."""
    known = list(known)
    lower = {k.lower(): k for k in known}
    hit = lower.get(name.lower()) if isinstance(name, str) else None
    if hit is None and isinstance(name, str):
        close = difflib.get_close_matches(name.lower(), list(lower), n=1)
        hit = lower[close[0]] if close else None
    return f" Did you mean {hit!r}?" if hit is not None else ""


def param(
    default: Any,
    *,
    unit: str,
    doc: str,
    source: str | None = None,
    assumption: tuple[float, float] | None = None,
    ge: float | None = None,
    le: float | None = None,
    strict: bool | None = None,
) -> Any:
    """Declare one parameter leaf.

    Args:
        default: default value.
        unit: unit of the value ("1" for dimensionless, "bool" for switches).
        doc: one-line description shown by ``survsim params`` and in error messages.
        source: citation from docs/sources.md when the value is calibrated or sourced.
        assumption: plausible (low, high) range when the value is an assumption.
        ge, le: hard validity bounds enforced when a scenario sets the value.
        strict: False to accept lax input for this leaf (e.g. a date given as ISO text).
    """
    if is_number(default) and (source is None) == (assumption is None):
        raise ValueError(f"param {doc!r}: a number needs exactly one of source= or assumption=")
    extra = {"unit": unit, "source": source, "assumption": list(assumption) if assumption else None}
    # inf/NaN are never meaningful here and crash the run later: refuse them up front
    finite = {"allow_inf_nan": False} if isinstance(default, float) else {}
    lax = {"strict": False} if strict is False else {}
    return Field(default, description=doc, ge=ge, le=le, json_schema_extra=extra, **finite, **lax)


def is_number(value: Any) -> bool:
    """Numbers (and dicts of numbers) need provenance; switches and names do not."""
    if isinstance(value, dict):
        return any(is_number(v) for v in value.values())
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass(frozen=True)
class Leaf:
    """One parameter as listed by ``survsim params``."""

    path: str
    value: Any
    unit: str
    doc: str
    source: str | None
    assumption: tuple[float, float] | None
    ge: float | None
    le: float | None


def _bounds(field) -> tuple[float | None, float | None]:
    ge = le = None
    for m in field.metadata:
        ge = getattr(m, "ge", ge)
        le = getattr(m, "le", le)
    return ge, le


def value_at(node: Any, path: str) -> Any:
    """The value at a dotted ``path`` of a tree (dict levels too, e.g. per-group tables)."""
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def leaves(node: Node, prefix: str = "") -> Iterator[Leaf]:
    """Walk a tree depth-first, yielding every leaf with its provenance."""
    for name, field in type(node).model_fields.items():
        value = getattr(node, name)
        path = f"{prefix}{name}"
        if isinstance(value, Node):
            yield from leaves(value, path + ".")
            continue
        extra = field.json_schema_extra or {}
        ge, le = _bounds(field)
        a = extra.get("assumption")
        yield Leaf(path, value, extra.get("unit", ""), field.description or "",
                   extra.get("source"), tuple(a) if a else None, ge, le)


def allowed(field) -> str:
    """Human description of what a field accepts, for error messages."""
    ge, le = _bounds(field)
    if ge is not None and le is not None:
        return f"a number from {ge} to {le}"
    if ge is not None:
        return f"a number >= {ge}"
    if le is not None:
        return f"a number <= {le}"
    if get_origin(field.annotation) is Literal:  # a named choice: say which names
        return "one of " + ", ".join(repr(x) for x in get_args(field.annotation))
    return f"a value of type {getattr(field.annotation, '__name__', field.annotation)}"
