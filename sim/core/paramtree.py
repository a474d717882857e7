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

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Node(BaseModel):
    """A branch of the parameter tree: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def param(
    default: Any,
    *,
    unit: str,
    doc: str,
    source: str | None = None,
    assumption: tuple[float, float] | None = None,
    ge: float | None = None,
    le: float | None = None,
) -> Any:
    """Declare one parameter leaf.

    Args:
        default: default value.
        unit: unit of the value ("1" for dimensionless, "bool" for switches).
        doc: one-line description shown by ``survsim params`` and in error messages.
        source: citation from docs/sources.md when the value is calibrated or sourced.
        assumption: plausible (low, high) range when the value is an assumption.
        ge, le: hard validity bounds enforced when a scenario sets the value.
    """
    if is_number(default) and (source is None) == (assumption is None):
        raise ValueError(f"param {doc!r}: a number needs exactly one of source= or assumption=")
    extra = {"unit": unit, "source": source, "assumption": list(assumption) if assumption else None}
    # inf/NaN are never meaningful here and crash the run later: refuse them up front
    finite = {"allow_inf_nan": False} if isinstance(default, float) else {}
    return Field(default, description=doc, ge=ge, le=le, json_schema_extra=extra, **finite)


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
    return f"a value of type {getattr(field.annotation, '__name__', field.annotation)}"
