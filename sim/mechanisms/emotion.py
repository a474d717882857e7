"""Emotion analysis (optional, off by default): "fear" / "anger" flags on captured faces.

The model has no ground truth for anyone's emotion, and the evidence says faces are a poor
read of it: anger comes with a scowl only ~30-35% of the time, and the same configuration
expresses several emotions (Barrett et al. 2019). A flag is a label the software attaches
at a per-group rate; it is evidence only in proportion to ``validity``: where a policy turns
flags into stops, a stop is founded with chance ``validity`` (the vendor's claim is
validity = 1: no wrongful stops) and wrongful otherwise (:func:`wrongful_share`).

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

from sim.core.groups import GROUP_KEYS
from sim.params import EmotionParams


def flag_rate(params: EmotionParams) -> np.ndarray:
    """Per-capture flag probability by group, shape (G,), zero when disabled."""
    if not params.enabled:
        return np.zeros(len(GROUP_KEYS))
    mult = np.array([params.group_multiplier[k] for k in GROUP_KEYS])
    return np.clip(params.base_rate * mult, 0.0, 1.0)


def wrongful_share(params: EmotionParams) -> float:
    """Share of stops on flags that are wrongful: flags that misread the face."""
    return 1.0 - params.validity


def flag(groups: np.ndarray, rng: np.random.Generator, params: EmotionParams) -> np.ndarray:
    """Flag captured faces as 'fear' / 'anger' (a flag is right with chance ``validity``).

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
