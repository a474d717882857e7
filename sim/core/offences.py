"""Offence types, ordered by seriousness.

The order is the seriousness scale (an ordinal assumption: losing property < losing a
vehicle < having one's home entered < violence against a person). A type's index is its
seriousness rank, so "searches only for burglary or worse" is ``kind >= BURGLARY``.
Petty theft is FBI larceny-theft, which includes package theft from porches: the $12
theft a face search may be run for today.
"""

from __future__ import annotations

from typing import Literal

OFFENCES: tuple[str, ...] = ("petty_theft", "vehicle_theft", "burglary", "violent")
PETTY_THEFT, VEHICLE_THEFT, BURGLARY, VIOLENT = range(len(OFFENCES))
PROPERTY_KINDS = (PETTY_THEFT, VEHICLE_THEFT, BURGLARY)
LABELS = {"petty_theft": "petty theft (incl. package theft)", "vehicle_theft": "vehicle theft",
          "burglary": "burglary", "violent": "violent crime"}

OffenceName = Literal["petty_theft", "vehicle_theft", "burglary", "violent"]


def seriousness(name: str) -> int:
    """Rank of an offence type (0 = least serious)."""
    return OFFENCES.index(name)
