"""One module per page: ``PATH``, ``TITLE`` and ``layout(view)``; routing is in
:mod:`dashboard.callbacks.routing`."""

from __future__ import annotations

from types import ModuleType

from dashboard.pages import analyses, calibration, compare, educator, whatif

# path -> (page module, view name in dashboard.urlstate or None)
PAGES: dict[str, tuple[ModuleType, str | None]] = {
    compare.PATH: (compare, "compare"),
    whatif.PATH: (whatif, "whatif"),
    educator.PATH: (educator, "educator"),
    analyses.PATH: (analyses, "analyses"),
    calibration.PATH: (calibration, None),
}
HOME = compare.PATH
