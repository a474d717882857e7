"""Demographic groups are data: keys, labels and population shares.

The default keys follow the way published face-recognition error rates are reported (race
by sex), so the recognition model can be calibrated group by group. Shares are US Census
2019 population estimates; only the Black share (13.4%) is in docs/sources.md, the others are
declared as assumptions with a range in :mod:`sim.params`.
"""

from __future__ import annotations

import numpy as np

# Order matters: arrays indexed by group use this order everywhere.
GROUP_KEYS: tuple[str, ...] = (
    "white_f", "white_m", "black_f", "black_m", "hispanic_f",
    "hispanic_m", "asian_f", "asian_m", "native_f", "native_m",
)

GROUP_LABELS: dict[str, str] = {
    "white_f": "White women", "white_m": "White men",
    "black_f": "Black women", "black_m": "Black men",
    "hispanic_f": "Hispanic women", "hispanic_m": "Hispanic men",
    "asian_f": "Asian women", "asian_m": "Asian men",
    "native_f": "American Indian women", "native_m": "American Indian men",
    "group_a": "Group A", "group_b": "Group B",
}

# Race shares: Census 2019 (white non-Hispanic 60.1, Black 13.4, Hispanic 18.5, Asian 5.9,
# American Indian 1.3), renormalised over these five; sex split 50.8% female.
_RACE = {"white": 60.1, "black": 13.4, "hispanic": 18.5, "asian": 5.9, "native": 1.3}
_FEMALE = 0.508
_TOTAL = sum(_RACE.values())
CENSUS_SHARES: dict[str, float] = {
    f"{race}_{sex}": round(share / _TOTAL * (_FEMALE if sex == "f" else 1 - _FEMALE), 5)
    for race, share in _RACE.items() for sex in ("f", "m")
}

# Educator preset: two abstract groups, one a minority.
EDUCATOR_SHARES: dict[str, float] = {"group_a": 0.7, "group_b": 0.3}

REFERENCE_GROUP = "white_m"  # disparity ratios are taken against this group


def label(key: str) -> str:
    """Readable label for a group key (the key itself when unknown)."""
    return GROUP_LABELS.get(key, key.replace("_", " "))


def category(key: str) -> str:
    """A group's segregation category: its key without the ``_f``/``_m`` sex suffix."""
    return key.rsplit("_", 1)[0] if key.endswith(("_f", "_m")) else key


def category_names(keys: tuple[str, ...]) -> list[str]:
    """The distinct categories of some group keys, in order of first appearance."""
    return list(dict.fromkeys(category(k) for k in keys))


def index_dtype(n: int) -> type[np.signedinteger]:
    """The narrowest signed integer type that indexes ``n`` groups or categories (int8 up
    to 127, so more groups never wrap around to negative indices)."""
    for t in (np.int8, np.int16, np.int32):
        if n <= np.iinfo(t).max:
            return t
    return np.int64
