"""Routing: the page for a path, its view decoded from the query string."""

from __future__ import annotations

from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from dashboard import ids, urlstate
from dashboard.data import Data
from dashboard.pages import HOME, PAGES
from dashboard.pages.common import NAV, messages


def render(pathname: str | None, search: str | None) -> tuple[Any, Any, list[str]]:
    """(page layout, notice of ignored settings, nav link classes) for a URL."""
    path = (pathname or "/").rstrip("/") or HOME
    if path == "/":
        path = HOME
    nav = ["nav-link active" if p == path else "nav-link" for p, _ in NAV]
    if path not in PAGES:
        page = html.Main([html.H1("No such page"),
                          html.P([f"There is no page at {path[:80]!r}. Go to ",
                                  dcc.Link("Compare scenarios", href=HOME), "."])], className="main wide")
        return page, None, nav
    module, view_name = PAGES[path]
    if view_name is None:
        return module.layout(None), None, nav
    view, msgs = urlstate.decode(view_name, search)
    return module.layout(view), messages(msgs), nav


def register(app: dash.Dash, data: Data) -> None:
    @app.callback(Output(ids.PAGE, "children"), Output(ids.URL_MESSAGES, "children"),
                  *[Output(f"nav-{p.strip('/')}", "className") for p, _ in NAV],
                  Input(ids.URL, "pathname"), State(ids.URL, "search"))
    def route(pathname, search):
        page, notice, nav = render(pathname, search)
        return page, notice, *nav

    # The window's width, read in the browser on every page change, so charts can be laid
    # out for a phone (dashboard.narrow).
    app.clientside_callback("function (path) { return window.innerWidth; }",
                            Output(ids.VIEWPORT, "data"), Input(ids.URL, "pathname"))
