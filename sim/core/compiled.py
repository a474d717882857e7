"""Compiled loops (numba) with their machine code cached on disk where that is possible.

numba caches next to the module, else in the user's cache folder; when neither can be
written (a read-only install run by a user without a home) it refuses to cache and raises.
survsim then compiles in each process instead (about half a second), rather than failing
to import.
"""

from __future__ import annotations

from collections.abc import Callable

import numba


def compiled(signature: str) -> Callable[[Callable], Callable]:
    """``numba.njit(signature, cache=True, nogil=True)``, without the cache if none can be kept."""

    def wrap(fn: Callable) -> Callable:
        try:
            return numba.njit(signature, cache=True, nogil=True)(fn)
        except RuntimeError:  # "cannot cache function ...: no locator available"
            return numba.njit(signature, nogil=True)(fn)

    return wrap
