"""Folders survsim writes: the marker that says survsim wrote them, the checks made before
anything runs, and the cleaning of temporary leftovers of killed runs.

Every folder survsim creates (results of run/compare/frontier/decompose/validate, cache
entries, sweep stores, sensitivity and ensemble folders) carries a small marker file
:data:`MARKER` (JSON: survsim version and the folder's kind). survsim replaces or deletes
only folders with that marker; an existing non-empty folder without it is refused before
any run, with a message naming the flag, so a typo in ``--out`` cannot delete a user's
folder (a ``manifest.json`` alone proves nothing: many tools write one). The cache folder
itself has no marker: it may hold only marked entries (and their temporaries).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from importlib import metadata
from pathlib import Path

from sim.core.errors import InputError

MARKER = ".survsim"
KINDS = ("results", "cache", "sweep store", "sensitivity", "ensemble")
WHAT = {"results": "survsim results folder", "cache": "survsim cache", "sweep store": "sweep store",
        "sensitivity": "survsim sensitivity folder", "ensemble": "survsim ensemble folder"}
# Temporary names carry the writer's pid: ".<name>.tmp-<pid>-<8 hex>" (older versions: no pid).
_TMP = re.compile(r"\.tmp-(?:(\d+)-)?[0-9a-f]{8}$")
_LEGACY_RUN = re.compile(r"^\.tmp-p\d+-r\d+-[0-9a-f]{8}$")  # sweep run temporaries before pids
PROCESS_START = time.time()  # leftovers newer than this may belong to a run that started with us


class DataWarning(UserWarning):
    """Something stored was unusable and is being rebuilt (a corrupted cache entry or run)."""


def write_marker(folder: Path, kind: str) -> None:
    """Mark ``folder`` as written by survsim (``kind``: one of :data:`KINDS`)."""
    try:
        version = metadata.version("survsim")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    (folder / MARKER).write_text(json.dumps({"survsim": version, "kind": kind}) + "\n")


def marker_kind(folder: Path) -> str | None:
    """The kind recorded in ``folder``'s marker, or None if it has no valid marker."""
    try:
        data = json.loads((folder / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return data.get("kind") if isinstance(data, dict) and data.get("kind") in KINDS else None


def check_folder(path: Path, flag: str, kind: str = "results") -> None:
    """Refuse, before anything runs, a folder survsim must not write: an existing non-empty
    folder without survsim's marker (or with another kind's), a file, or a place that
    cannot be written. Touches nothing (the write probe removes its own file)."""
    path = Path(path)
    if "\0" in str(path):
        raise InputError(f"{flag} {str(path)!r}: contains a NUL character; give a folder path")
    allowed = f"allowed: a new or empty folder, or a folder survsim wrote earlier as {kind}"
    try:
        if path.is_symlink() or path.exists():
            if not path.is_dir():
                raise InputError(f"{flag} {path}: exists and is not a folder; {allowed}")
            found = marker_kind(path)
            if found is None and any(path.iterdir()) and not (kind == "cache" and _only_entries(path)):
                raise InputError(f"{flag} {path}: exists and is not a {WHAT[kind]} (no {MARKER} marker), so "
                                 f"survsim will not write into it or replace it; {allowed}")
            if found is not None and found != kind:
                raise InputError(f"{flag} {path}: holds a survsim {found}, not {kind}; {allowed}")
    except OSError as e:
        raise InputError(f"{flag} {path}: cannot be read ({e.strerror}); {allowed}") from None
    _probe(path if path.is_dir() else path.parent, flag, path)
    if path.is_dir() and kind == "results":
        _probe(path.parent, flag, path)  # results are replaced whole: renamed in their parent


def _only_entries(cache: Path) -> bool:
    """A cache folder holds only survsim entries (results folders) and their temporaries;
    it has no marker of its own, so that it lists exactly its entries."""
    return all(marker_kind(p) == "results" or (p.name.startswith(".") and (_TMP.search(p.name) or ".old-" in p.name))
               for p in cache.iterdir())


def _probe(folder: Path, flag: str, target: Path) -> None:
    """Create and remove a file in the nearest existing ancestor of ``folder``."""
    at = folder
    while not at.exists() and at != at.parent:
        at = at.parent
    if not at.is_dir():
        raise InputError(f"{flag} {target}: {at} is a file, not a folder; give a folder path")
    try:
        fd, name = tempfile.mkstemp(prefix=".survsim-probe-", dir=at)
        os.close(fd)
        os.unlink(name)
    except OSError as e:
        raise InputError(f"{flag} {target}: cannot write in {at} ({e.strerror}); give a writable folder") from None


def clean_leftovers(folder: Path, name: str | None = None) -> list[Path]:
    """Remove temporary files and folders left in ``folder`` by killed survsim runs
    (``.<name>.tmp-<pid>-*``; only ``name``'s if given). A leftover is removed only if its
    writer (the pid in its name) is no longer running, so a concurrent run's temporary is
    never touched. Returns what was removed."""
    removed: list[Path] = []
    try:
        entries = list(folder.iterdir()) if folder.is_dir() else []
    except OSError:
        return removed
    for p in entries:
        legacy = _LEGACY_RUN.match(p.name) is not None
        m = _TMP.search(p.name)
        if not (legacy or m) or not p.name.startswith("."):
            continue
        if name is not None and not p.name.startswith(f".{name}.tmp-"):
            continue
        if not _stale(p, None if legacy else m.group(1)):
            continue
        try:
            shutil.rmtree(p) if p.is_dir() and not p.is_symlink() else p.unlink()
            removed.append(p)
        except OSError:
            pass  # another process removed it first, or it cannot be removed: harmless
    return removed


def _stale(p: Path, pid: str | None) -> bool:
    """A leftover whose writer is gone: its pid is not running (or is this process, which
    has made none yet if the leftover is older than it); without a pid (older versions),
    older than this process."""
    try:
        older = p.lstat().st_mtime < PROCESS_START
    except OSError:
        return False
    if pid is None:
        return older
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError, ValueError):
        return False  # alive under another user, or not a pid: keep it
    return int(pid) == os.getpid() and older
