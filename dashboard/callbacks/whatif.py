"""What-if page extras (its runs and charts are in :mod:`dashboard.callbacks.results`)."""

from __future__ import annotations

import dash
from dash import Input, Output

from dashboard import ids
from dashboard.data import Data


def register(app: dash.Dash, data: Data) -> None:
    # The threshold's value, written in the slider's label while it is dragged (in the
    # browser: no round trip to the server).
    app.clientside_callback(
        """function (drag, value) {
            var v = (drag === undefined || drag === null) ? value : drag;
            return (v === undefined || v === null) ? "" : Number(v).toFixed(2);
        }""",
        Output(ids.control("whatif", "threshold-value"), "children"),
        Input(ids.control("whatif", "threshold"), "drag_value"), Input(ids.control("whatif", "threshold"), "value"))
