"""``python -m dashboard [--host H] [--port P] [--results DIR] [--debug] [--workers N] [--memory-budget MB]
[--allow-host NAME]``."""

from __future__ import annotations

import argparse

from dashboard.app import main


def cli() -> None:
    ap = argparse.ArgumentParser(prog="python -m dashboard", description="Serve the survsim dashboard.")
    ap.add_argument("--host", default="127.0.0.1", help="address to bind (default: this machine only)")
    ap.add_argument("--port", type=int, default=8050)
    ap.add_argument("--results", default=None, help="folder whose .cache holds runs (default: ./results)")
    ap.add_argument("--workers", type=int, default=2, help="worker processes for runs (default 2)")
    ap.add_argument("--debug", action="store_true", help="Dash debug mode (never on a shared machine)")
    ap.add_argument("--memory-budget", type=int, default=1536, help="MB for the server and its workers (default 1536)")
    ap.add_argument("--allow-host", action="append", default=[], help="also answer this host name (repeatable)")
    a = ap.parse_args()
    main(a.host, a.port, a.results, a.debug, a.workers, a.memory_budget, a.allow_host)


if __name__ == "__main__":
    cli()
