"""The survsim command line in a subprocess, as a user runs it (shared by the CLI tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SURVSIM = [sys.executable, "-m", "sim.cli"]


def survsim(*args: str, cwd: Path | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run ``survsim ARGS``; this checkout's code is imported (PYTHONPATH), also from a worktree."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*SURVSIM, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300,
                          check=check)
