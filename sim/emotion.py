"""Emotion analysis (optional, off by default): "fear" / "anger" flags on captured faces.

The model has no ground truth for anyone's emotion, and the evidence says faces are a poor
read of it: anger comes with a scowl only ~30-35% of the time, and the same configuration
expresses several emotions (Barrett et al. 2019). So every flag here is treated as
unreliable: a label the software attaches, at a per-group rate, not a signal about the
person. A policy may still turn flags into stops; that is what the module lets one study.

Per-group rates: a base rate (assumption) times a group multiplier. Black faces get a
higher multiplier because commercial classifiers rated Black NBA players angrier than
white players with similar smiles (Rhue 2018; one example 27% vs 0.13% "angry"), and
darker-skinned women a further factor because attribute classifiers err most on them
(Buolamwini & Gebru 2018; Rekognition 31.4% for darker women vs 8.7% overall, Raji &
Buolamwini 2019, i.e. up to ~3.6x).

Example:
    >>> p = EmotionParams(enabled=True)
    >>> flags = flag(np.array([1, 3, 3]), np.random.default_rng(0), p)
    >>> flags.dtype, flags.shape
    (dtype('bool'), (3,))
"""

from __future__ import annotations

import numpy as np
from pydantic import field_validator

from sim.groups import GROUP_KEYS
from sim.paramtree import Node, param
from sim.recognition.params import check_groups


class EmotionParams(Node):
    """Emotion labelling of faces captured on footage."""

    enabled: bool = param(False, unit="bool",
                          doc="run emotion analysis on captured faces (off by default)")
    base_rate: float = param(
        0.02, unit="flags / capture", assumption=(0.005, 0.10), ge=0, le=1,
        doc="chance a white man's captured face is labelled 'fear' or 'anger'")
    group_multiplier: dict[str, float] = param(
        # Black 3x (Rhue 2018: angrier scores at similar smiles; the 27% vs 0.13% example is
        # an extreme case); darker women a further 1.5x (Raji & Buolamwini 2019: up to 3.6x);
        # Hispanic and American Indian 1.5x by assumption; no figure for Asian faces.
        {"white_f": 1.0, "white_m": 1.0, "black_f": 4.5, "black_m": 3.0, "hispanic_f": 1.5,
         "hispanic_m": 1.5, "asian_f": 1.0, "asian_m": 1.0, "native_f": 1.5, "native_m": 1.5},
        unit="x base rate", assumption=(1.0, 10.0),
        doc="per-group multiplier on the flag rate (Rhue 2018; Buolamwini & Gebru 2018; "
            "Raji & Buolamwini 2019)")
    validity: float = param(
        0.30, unit="1", ge=0, le=1,
        source="Barrett et al. 2019 (a scowl accompanies anger only ~30-35% of the time)",
        doc="best-case share of flags reflecting the labelled emotion; reported, not used: "
            "the model has no emotion truth, so every flag counts as unreliable")

    @field_validator("group_multiplier")
    @classmethod
    def _groups(cls, value: dict[str, float]) -> dict[str, float]:
        if any(v < 0 for v in value.values()):
            raise ValueError("group multipliers must be >= 0")
        return check_groups(value)


def flag_rate(params: EmotionParams) -> np.ndarray:
    """Per-capture flag probability by group, shape (G,), zero when disabled."""
    if not params.enabled:
        return np.zeros(len(GROUP_KEYS))
    mult = np.array([params.group_multiplier[k] for k in GROUP_KEYS])
    return np.clip(params.base_rate * mult, 0.0, 1.0)


def flag(groups: np.ndarray, rng: np.random.Generator, params: EmotionParams) -> np.ndarray:
    """Flag captured faces as 'fear' / 'anger' (all flags are unfounded by construction).

    Args:
        groups: (N,) group index of each captured face (order of ``GROUP_KEYS``).
        rng: random generator for this decision; not used when the module is disabled.
        params: emotion parameters.

    Returns:
        (N,) bool, True where the face was flagged.
    """
    g = np.asarray(groups, dtype=np.intp)
    if not params.enabled:
        return np.zeros(g.shape, dtype=bool)
    return rng.random(g.shape) < flag_rate(params)[g]
