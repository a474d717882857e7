"""Named random streams: one independent numpy Generator per kind of decision.

Common random numbers: every stream is spawned from the run seed and the stream's name, so
two runs with the same seed draw the same numbers for the same decision. A scenario and its
baseline then differ only where a policy changes what happens, not by sampling noise.
Within a stream, mechanisms draw a fixed number of variates per day where they can (one per
offence, one per resident), so one decision changing does not shift the others' draws.
"""

from __future__ import annotations

import zlib

import numpy as np

STREAMS = (
    "city",         # neighbourhoods, households, residents' traits
    "network",      # social ties
    "departments",  # department diffusion network
    "crime",        # offences, capture, reporting, recording
    "adoption",     # camera and app clocks
    "partnership",  # departments accepting the vendor's offer
    "free_cameras", # who receives a free camera
    "requests",     # which owners are asked, and whether they grant
    "gallery",      # who has a booking photo at the start; the catchment's arrests
    "gallery_neutral",  # under neutral.gallery: who the photos later arrests add go to
    "enforcement",  # usable face, review and stop of the offender, arrest, conventional clearance
    "leads",        # face searches and the fate of false candidates
    "patrol",       # patrol stops
    "emotion",      # emotion flags on passers-by (and, past its own draws, which are outsiders)
    "outsiders",    # which offences are outsiders', their groups and photos
)


def stream(seed: int, name: str) -> np.random.Generator:
    """The Generator for decision ``name`` in the run seeded with ``seed``."""
    key = zlib.crc32(name.encode())  # stable across processes, unlike hash()
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(key,))))


def replicate_seeds(seed: int, replicates: int, key: tuple[int, ...] = ()) -> list[int]:
    """Independent per-replicate seeds spawned from one run seed (numpy SeedSequence);
    ``key`` (a spawn key) gives another independent family from the same seed."""
    children = np.random.SeedSequence(seed, spawn_key=key).spawn(replicates)
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
