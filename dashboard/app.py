"""The survsim dashboard: create the Dash app, or run it.

    python -m dashboard                      # http://127.0.0.1:8050, results cached in ./results
    python -m dashboard --port 8051 --results /data/survsim

Binds 127.0.0.1 (this machine only) and runs with debug off unless told otherwise.
"""

from __future__ import annotations

import logging
from pathlib import Path

import dash
from dash import html, set_props

from dashboard import callbacks, ids, urlstate
from dashboard.data import Data, new_session
from dashboard.pages import PAGES
from dashboard.pages.common import messages, shell

ASSETS = Path(__file__).resolve().parent / "assets"
DEFAULT_RESULTS = Path("results")   # the CLI's cache is results/.cache: runs are shared
log = logging.getLogger("survsim.dashboard")


def create_app(results_dir: Path | None = DEFAULT_RESULTS, workers: int = 2) -> dash.Dash:
    """The app. Runs are cached in ``results_dir/.cache`` (None: in memory only) and run on
    ``workers`` local processes. The app's :class:`~dashboard.data.Data` is
    ``app.server.extensions["survsim"]``.

    Example:
        >>> app = create_app(Path("results"))      # doctest: +SKIP
        >>> app.run(host="127.0.0.1", port=8050)   # doctest: +SKIP
    """
    data = Data(results_dir, workers=workers)
    app = dash.Dash(__name__, title="survsim dashboard", assets_folder=str(ASSETS), update_title=None,
                    suppress_callback_exceptions=False, on_error=_on_error)
    app.layout = lambda: shell(new_session())
    app.validation_layout = html.Div([
        shell("0" * 32),
        *[module.layout(urlstate.VIEWS[name]() if name else None) for module, name in PAGES.values()],
    ])
    callbacks.register(app, data)
    app.server.extensions["survsim"] = data
    return app


def _on_error(err: Exception) -> None:
    """A failing callback: log it, tell the user in one line, never show a traceback."""
    log.exception("callback failed", exc_info=err)
    set_props(ids.URL_MESSAGES, {"children": messages([f"{type(err).__name__}: {err}"],
                                                      title="Something went wrong; please reload the page.")})


def main(host: str = "127.0.0.1", port: int = 8050, results: Path | str | None = None, debug: bool = False,
         workers: int = 2) -> None:
    """Serve the dashboard (``results``: folder whose ``.cache`` holds runs; default ./results)."""
    app = create_app(Path(results) if results is not None else DEFAULT_RESULTS, workers=workers)
    if host not in ("127.0.0.1", "localhost", "::1"):
        log.warning("serving on %s: anyone who can reach this address can run simulations", host)
    app.server.extensions["survsim"].warm()
    print(f"survsim dashboard on http://{host}:{port}/ (Ctrl+C to stop)")
    app.run(host=host, port=port, debug=debug)
