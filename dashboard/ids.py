"""Component ids, in one place: layouts and callbacks import them from here.

Results pages (Compare, What-if) share a structure, so their ids come from
:class:`ResultIds` with the page as prefix; a control's id is ``<page>-<view field>``.
"""

from __future__ import annotations

from dataclasses import dataclass

# the shell
URL = "url"
SESSION = "session"
PAGE = "page-content"
URL_MESSAGES = "url-messages"
NAV = "nav"
VIEWPORT = "viewport"   # dcc.Store: the browser window's width in px (charts get a phone layout below 600)

# calibration page
CALIBRATION_TABLE = "calibration-table"
CALIBRATION_POLL = "calibration-poll"
CALIBRATION_STATUS = "calibration-status"

# educator page
EDU_STATE = "educator-state"
EDU_TIMER = "educator-timer"
EDU_PLAY = "educator-play"
EDU_STEP = "educator-step"
EDU_RESET = "educator-reset"
EDU_SPEED = "educator-speed"
EDU_LAYER = "educator-layer"
EDU_SEED = "educator-seed"
EDU_CITY = "educator-city"
EDU_LEAD = "educator-lead"
EDU_LOOPS = "educator-loops"
EDU_DAY = "educator-day"
EDU_MAP = "educator-map"
EDU_CHARTS = "educator-charts"
EDU_LOG = "educator-log"
EDU_MESSAGES = "educator-messages"

# analyses page (the dropdown is the view field "show": control("analyses", "show"))
AN_STATE = "analyses-state"
AN_SHOW = "analyses-show"
AN_REFRESH = "analyses-refresh"
AN_FOLDER = "analyses-folder"
AN_SKIPPED = "analyses-skipped"
AN_MAKE = "analyses-make"
AN_MESSAGES = "analyses-messages"
AN_NOTES = "analyses-notes"
AN_EMPTY = "analyses-empty"
AN_CONTENT = "analyses-content"
AN_TITLE = "analyses-title"
AN_GRAPH = "analyses-graph"
AN_TABLE = "analyses-table"
AN_TABLE_NOTE = "analyses-table-note"
AN_FACTS = "analyses-facts"
AN_COMMAND = "analyses-command"

EXPORT = "export"   # pattern-matching type of chart export buttons: {"type", "page", "chart", "fmt"}


def control(page: str, field: str) -> str:
    """The id of the control that sets a view field, e.g. ``compare-metric``."""
    return f"{page}-{field}"


@dataclass(frozen=True)
class ResultIds:
    """Ids of a results page (Compare or What-if)."""

    page: str

    @property
    def state(self) -> str:          # dcc.Store: the view (validated)
        return f"{self.page}-state"

    @property
    def job(self) -> str:            # dcc.Store: id of the job computing the view's runs
        return f"{self.page}-job"

    @property
    def drawn(self) -> str:          # dcc.Store: id of the job whose results are drawn
        return f"{self.page}-drawn"

    @property
    def poll(self) -> str:           # dcc.Interval: progress polling
        return f"{self.page}-poll"

    @property
    def progress(self) -> str:       # html.Progress
        return f"{self.page}-progress"

    @property
    def status(self) -> str:         # text next to the progress bar
        return f"{self.page}-status"

    @property
    def messages(self) -> str:       # fallbacks of malformed control values
        return f"{self.page}-messages"

    @property
    def table(self) -> str:
        return f"{self.page}-table"

    @property
    def scenarios_info(self) -> str:
        return f"{self.page}-scenarios-info"

    @property
    def download(self) -> str:
        return f"{self.page}-download"

    @property
    def csv_summary(self) -> str:
        return f"{self.page}-csv-summary"

    @property
    def csv_series(self) -> str:
        return f"{self.page}-csv-series"

    @property
    def link(self) -> str:
        return f"{self.page}-link"

    @property
    def code(self) -> str:
        return f"{self.page}-code"

    @property
    def results(self) -> str:        # the results panel (class "stale" while recomputing)
        return f"{self.page}-results"

    @property
    def headline(self) -> str:       # the four-number headline
        return f"{self.page}-headline"

    @property
    def headline_for(self) -> str:   # which scenario the headline is about
        return f"{self.page}-headline-for"

    @property
    def export_status(self) -> str:  # "Preparing the download..." while an export renders
        return f"{self.page}-export-status"

    @property
    def apply(self) -> str:          # What-if: run the settings (controls do not run on change)
        return f"{self.page}-apply"

    @property
    def pending(self) -> str:        # What-if: "changed, not applied yet"
        return f"{self.page}-pending"

    def graph(self, kind: str) -> str:
        return f"{self.page}-graph-{kind}"

    def export(self, kind: str, fmt: str) -> dict[str, str]:
        return {"type": EXPORT, "page": self.page, "chart": kind, "fmt": fmt}


COMPARE = ResultIds("compare")
WHATIF = ResultIds("whatif")
