"""The survsim dashboard: create the Dash app, or run it.

    python -m dashboard                      # http://127.0.0.1:8050, results cached in ./results
    python -m dashboard --port 8051 --results /data/survsim

Binds 127.0.0.1 (this machine only) and runs with debug off unless told otherwise. Other
sites cannot frame or drive it, and it answers only to its own host names
(:mod:`dashboard.security`); runs are bounded by a memory budget (:mod:`dashboard.budget`).
SIGINT and SIGTERM stop it cleanly: jobs are cancelled and worker processes stopped.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dash
from dash import html, set_props

from dashboard import callbacks, ids, security, urlstate
from dashboard.budget import Limits
from dashboard.data import Data, new_session
from dashboard.pages import PAGES
from dashboard.pages.common import messages, shell
from sim.core.errors import InputError

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_RESULTS = Path("results")   # the CLI's cache is results/.cache: runs are shared
log = logging.getLogger("survsim.dashboard")


def create_app(results_dir: Path | None = DEFAULT_RESULTS, workers: int = 2, limits: Limits | None = None,
               host: str = "127.0.0.1", allow_hosts: Sequence[str] = ()) -> dash.Dash:
    """The app. Runs are cached in ``results_dir/.cache`` (None: in memory only) and run on
    ``workers`` local processes within ``limits``. Requests must name ``host`` (the bound
    address), a localhost name or one of ``allow_hosts``. The app's
    :class:`~dashboard.data.Data` is ``app.server.extensions["survsim"]``.

    Example:
        >>> app = create_app(Path("results"))      # doctest: +SKIP
        >>> app.run(host="127.0.0.1", port=8050)   # doctest: +SKIP
    """
    data = Data(results_dir, workers=workers, limits=limits)
    app = dash.Dash(__name__, title="survsim dashboard", assets_folder=str(ASSETS), update_title=None,
                    suppress_callback_exceptions=False, on_error=_on_error)
    app.layout = lambda: shell(new_session())
    app.validation_layout = html.Div([
        shell("0" * 32),
        *[module.layout(urlstate.VIEWS[name]() if name else None) for module, name in PAGES.values()],
    ])
    callbacks.register(app, data)
    security.protect(app.server, security.allowed_hosts(host, allow_hosts))
    app.server.extensions["survsim"] = data
    return app


def _on_error(err: Exception) -> None:
    """A failing callback: log it, tell the user in one line, never show a traceback."""
    if isinstance(err, InputError):  # a refused request (limits, a busy export queue): say why, nothing broke
        set_props(ids.URL_MESSAGES, {"children": messages([str(err)], title="Not done:")})
        return
    log.exception("callback failed", exc_info=err)
    set_props(ids.URL_MESSAGES, {"children": messages([f"{type(err).__name__}: {err}"],
                                                      title="Something went wrong; please reload the page.")})


def main(host: str = "127.0.0.1", port: int = 8050, results: Path | str | None = None, debug: bool = False,
         workers: int = 2, memory_budget: int = Limits.budget_mb, allow_hosts: Sequence[str] = ()) -> None:
    """Serve the dashboard (``results``: folder whose ``.cache`` holds runs; default ./results)
    until SIGINT or SIGTERM, then stop its jobs and workers."""
    limits = Limits(budget_mb=memory_budget)
    app = create_app(Path(results) if results is not None else DEFAULT_RESULTS, workers=workers, limits=limits,
                     host=host, allow_hosts=allow_hosts)
    if host not in security.LOCAL:
        log.warning("serving on %s: anyone who can reach this address can run simulations", host)
    data = app.server.extensions["survsim"]
    previous = signal.signal(signal.SIGTERM, _interrupt)  # stop as Ctrl+C does: werkzeug returns from serve
    try:
        data.warm()
        print(f"survsim dashboard on http://{host}:{port}/ (memory budget {limits.budget_mb} MB; Ctrl+C to stop)")
        app.run(host=host, port=port, debug=debug)
    except KeyboardInterrupt:
        pass
    finally:
        data.close()
        signal.signal(signal.SIGTERM, previous)
    print("survsim dashboard stopped")


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt
