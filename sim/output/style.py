"""The house style of every survsim chart: colour-blind-safe palette, fonts, line styles,
and the footer caption (scenarios, replicates, seeds, version, assumptions) that makes an
exported figure describe itself."""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go



# Okabe & Ito (2008) colour-blind-safe palette; yellow last (weak on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "5px,2px,1px,2px,1px,2px")
# Seven scenarios get seven colour + line-style pairs: colours alone are not enough for every
# viewer (Okabe-Ito's vermillion/orange and purple/sky blue come close under deuteranopia).

# Plain-language names of the shipped scenarios, for legends, dropdowns and captions; the
# file name stays the identifier (in captions, in brackets, so a reader can re-run it).
SCENARIO_LABELS = {
    "baseline": "Status quo",
    "city_from_table": "City read from a tract table",
    "combined_reform": "All reforms together",
    "doorbell_face_recognition": "Face matching in doorbells",
    "educator": "Classroom city",
    "emotion_ban": "Emotion screening, then banned",
    "emotion_screening": "Emotion screening",
    "equalised_algorithm": "Equally accurate algorithm",
    "federal_fr_moratorium": "Ban on police face searches",
    "federal_fr_regulated": "Regulated face searches",
    "fr_serious_crime_only": "Face searches for violent crime only",
    "informed_consent": "Owners told they may refuse",
    "national": "National scale",
    "no_credit_program": "No free-camera credits",
    "requests_end_2024": "Police requests end in 2024",
    "search_practice": "Face searches as departments run them",
    "segregation_hyper": "Hypersegregated city",
    "segregation_mild": "Mildly segregated city",
    "warrant_required": "Warrant required for footage",
    "what_if": "Your what-if",
}


def scenario_label(name: str) -> str:
    """'warrant_required' -> 'Warrant required for footage' (unknown names: spaces for underscores)."""
    return SCENARIO_LABELS.get(name) or name.replace("_", " ").capitalize()


TRUE_COLOUR, WRONG_COLOUR, NEUTRAL = "#0072B2", "#D55E00", "#6E6E6E"


FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


QUANTILES = (0.1, 0.5, 0.9)


ROLL_DAYS = 30               # flows in time series: rolling sum over this many days


START_DATE = dt.date(2017, 1, 1)


CAPTION_WIDTH = 115          # characters per footer line: fits a 720 px wide figure at 12 px


TITLE_WIDTH = 60             # characters per title line (20 px)


AXIS_ROOM = 62               # px below the plot for tick labels and the x-axis title


LINE_PX = 17                 # px per footer line (12 px font)


MARGIN_L = 80                # px left of the plot (y-axis labels and title)


FEW_EVENTS = 100             # disparity: below this median total count, warn that ratios are noisy


def caption(meta: dict[str, Any], scenarios: Sequence[str], extra: str = "", width: int = CAPTION_WIDTH,
            metric: str | None = None) -> str:
    """Footer text: what the chart shows (``extra``), scenarios, replicates and seeds,
    survsim version and commit, and the key assumptions; wrapped with ``<br>`` at ``width``
    characters (the default fits a 720 px figure; a wide figure can take more). For a chart
    of ``metric``, the assumptions are those that decide it most (``meta["drivers"][metric]``,
    from :mod:`sim.output.drivers`), when meta carries them.

    Example:
        >>> caption({"baseline": "baseline", "replicates": 2, "seed": 1, "replicate_seeds": [7, 9],
        ...          "version": "0.1.0", "git_commit": "14bd5f2abc", "assumptions": []}, ["baseline"])
        'Scenario: Status quo (baseline).<br>2 replicates per scenario; run seed 1 (replicate seeds 7, 9). survsim 0.1.0 (git 14bd5f2).'
    """
    base = meta.get("baseline")
    others = [_named(s) for s in scenarios if s != base]
    seeds = [str(s) for s in meta.get("replicate_seeds", [])]
    if len(seeds) > 8:
        seeds = seeds[:6] + [f"... ({len(seeds)} in all)"]
    commit = meta.get("git_commit")
    short = f" (git {commit[:7]}{'-dirty' if commit.endswith('-dirty') else ''})" if commit else " (git commit unknown)"
    lines = [extra] if extra else []
    if base in scenarios and others:
        lines.append(f"Baseline: {_named(base)}. Compared with it: {'; '.join(others)}.")
    else:
        lines.append(f"Scenario{'s' if len(scenarios) > 1 else ''}: {'; '.join(_named(s) for s in scenarios)}.")
    city = (f"City of {int(meta['residents']):,} residents; "
            if meta.get("residents") and "residents" not in extra and not meta.get("settings") else "")
    lines.append(f"{city}{meta.get('replicates', '?')} replicates per scenario; run seed {meta.get('seed', '?')}"
                 + (f" (replicate seeds {', '.join(seeds)})" if seeds else "")
                 + f". survsim {meta.get('version', '?')}{short}.")
    if meta.get("settings"):  # what a dashboard what-if set (laws, threshold, start, size)
        lines.append(meta["settings"])
    decides = meta.get("drivers") if metric is not None else None
    if isinstance(decides, dict) and decides:  # meta from a run that knows the shipped ranking
        lines.append(("What decides this most: " + "; ".join(decides[metric]) if decides.get(metric) else
                      "No shipped sensitivity ranking for this metric; assumptions: "
                      + "; ".join(meta.get("assumptions") or ["see docs/parameters.md"])) + ".")
    elif meta.get("assumptions"):
        lines.append("Assumptions: " + "; ".join(meta["assumptions"]) + ".")
    wrapped = [w for line in lines for w in textwrap.wrap(html.escape(line), width)]
    return "<br>".join(wrapped)


def _named(name: str) -> str:
    """'Warrant required for footage (warrant_required)': the words and the file to re-run."""
    label = scenario_label(name)
    return f"{label} ({name})" if label != name else name


def apply_style(fig: go.Figure, title: str, caption_text: str, *, subtitle: str = "",
                axis_room: int = AXIS_ROOM, legend: str = "auto") -> go.Figure:
    """House style: white background, fonts >= 12 px, a wrapped title (and subtitle), the
    legend beside the plot, never on it (``"top"``, ``"right"``, or ``"auto"``: top when the
    entries fit on one line of a 720 px figure), and the footer below the x-axis with a
    bottom margin tall enough that it is never clipped. ``axis_room``: px between the plot
    and the footer (tick labels and x-axis title). Colours are set by the figure functions
    (Okabe-Ito, :data:`PALETTE`). Returns ``fig``.

    Example:
        >>> fig = apply_style(go.Figure(go.Scatter(x=[0, 1], y=[1, 2])), "A title", "footer<br>text")
        >>> fig.layout.margin.b >= 2 * LINE_PX
        True
    """
    n_lines = caption_text.count("<br>") + 1 if caption_text else 0
    title_lines = textwrap.wrap(html.escape(title, quote=False), TITLE_WIDTH)
    if legend == "auto":
        names = [t.name or "" for t in fig.data if t.showlegend is not False and t.name]
        legend = "top" if sum(len(n) * 7.5 + 50 for n in names) < 600 else "right"
    legends = {"top": dict(orientation="h", x=0, xanchor="left", y=1.01, yanchor="bottom"),
               "right": dict(orientation="v", x=1.01, xanchor="left", y=1, yanchor="top")}
    top = 12 + 26 * len(title_lines) + (28 if subtitle else 0) + (42 if legend == "top" else 16)
    fig.update_layout(
        template="none", paper_bgcolor="white", plot_bgcolor="white",
        font=dict(family=FONT, size=14, color="#222222"),
        title=dict(text="<br>".join(title_lines), x=0.01, xanchor="left", y=1, yanchor="top", yref="container",
                   pad=dict(t=12 + 26 * (len(title_lines) - 1)),  # plotly lifts extra lines above y
                   font=dict(size=20),
                   subtitle=dict(text=subtitle, font=dict(size=13, color="#444444"))),
        legend=dict(**legends[legend], font=dict(size=13), bgcolor="rgba(255,255,255,0)"),
        margin=dict(l=MARGIN_L, r=30, t=top, b=axis_room + LINE_PX * n_lines + 20),
        hoverlabel=dict(font=dict(family=FONT, size=13)),
    )
    axis = dict(showline=True, linecolor="#444444", ticks="outside", tickcolor="#444444",
                gridcolor="#E5E5E5", zeroline=False, tickfont=dict(size=13), title_font=dict(size=14),
                automargin=True)
    fig.update_xaxes(**axis)
    fig.update_yaxes(**axis)
    fig.for_each_yaxis(lambda ax: ax.update(title_text="<br>".join(textwrap.wrap(ax.title.text, 36)))
                       if ax.title.text else None)
    if caption_text:
        fig.add_annotation(text=caption_text, xref="paper", yref="paper", x=0, y=0, yshift=-axis_room,
                           xshift=12 - MARGIN_L,  # from the figure's left edge, not the plot's
                           xanchor="left", yanchor="top", align="left", showarrow=False,
                           font=dict(size=12, color="#444444"), name="caption")
    return fig
