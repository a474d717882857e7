"""Callbacks, one module per page, each registered on an app with ``register(app, data)``.
A callback reads its inputs, asks :mod:`dashboard.data` and the figure functions, and
returns; the logic lives in plain functions that tests call directly."""

from __future__ import annotations

import dash

from dashboard.callbacks import analyses, calibration, educator, results, routing, whatif
from dashboard.data import Data


def register(app: dash.Dash, data: Data) -> None:
    routing.register(app, data)
    results.register(app, data, "compare")
    results.register(app, data, "whatif")
    whatif.register(app, data)
    educator.register(app, data)
    analyses.register(app, data)
    calibration.register(app, data)
