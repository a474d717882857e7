"""What-if page extras (its runs and charts are in :mod:`dashboard.callbacks.results`)."""

from __future__ import annotations

import dash
from dash import Input, Output

from dashboard import ids
from dashboard.data import Data
from dashboard.urlstate import SEARCH_MODES

NOT_USED = f" (not used: the search returns {SEARCH_MODES['top_k']})"


def register(app: dash.Dash, data: Data) -> None:
    # The threshold's value, written in the slider's label while it is dragged, and whether
    # the chosen search mode uses it; in the browser (no round trip to the server). A top-k
    # search ignores the threshold, so the slider is then greyed out and says so.
    app.clientside_callback(
        """function (drag, value, search) {
            var v = (drag === undefined || drag === null) ? value : drag;
            var text = (v === undefined || v === null) ? "" : Number(v).toFixed(2);
            var off = search === "top_k";
            return [text + (off ? %s : ""), off];
        }""" % repr(NOT_USED).replace("'", '"'),
        Output(ids.control("whatif", "threshold-value"), "children"),
        Output(ids.control("whatif", "threshold"), "disabled"),
        Input(ids.control("whatif", "threshold"), "drag_value"), Input(ids.control("whatif", "threshold"), "value"),
        Input(ids.control("whatif", "search"), "value"))
