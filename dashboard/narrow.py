"""Charts for phones: the same figure laid out for a screen about 390 px wide.

Figures are built for a 720-1100 px page (:mod:`sim.output.figures`); drawn on a phone
their titles and footers are cut off, a top legend wraps over the title, and the funnel's
three panels side by side are 80 px wide each. :func:`for_phone` returns a copy with the
title and footer re-wrapped to the width, room above the plot for the legend as it wraps,
narrower margins, and the funnel's panels one under another. Exports are not affected:
they use the wide figure.

Example:
    >>> import plotly.graph_objects as go
    >>> fig = for_phone(go.Figure(layout=dict(height=500, margin=dict(t=80, b=100))), "timeseries")
    >>> fig.layout.margin.l
    52
"""

from __future__ import annotations

import re
import textwrap

import plotly.graph_objects as go

from sim.output.style import CAPTION_WIDTH, LINE_PX

PHONE_PX = 600          # a screen narrower than this gets the phone layout
TITLE_CHARS = 30        # characters per title line at 20 px on a phone
CAPTION_CHARS = 50      # characters per footer line at 12 px
LEGEND_PX = 300         # width the legend has to wrap into
LEGEND_ROW_PX = 30      # height of a legend row (two-line names included)
MARGIN_L, MARGIN_R = 52, 10
PANEL_PX, PANEL_GAP_PX = 300, 150   # funnel: plot height per panel; room between panels (title, ticks)


def is_phone(width: object) -> bool:
    """Whether a browser window width (px, from the page; None if unknown) is a phone's."""
    return isinstance(width, (int, float)) and 0 < width < PHONE_PX


def _wrap(text: str, chars: int, wide: int = 0) -> list[str]:
    """Lines of at most ``chars`` characters. A <br> after a line of ``wide`` characters or
    more was only a wrap at the wide width (joined again); a shorter line ends a paragraph."""
    paragraphs: list[str] = []
    for line in re.split(r"<br\s*/?>", text):
        if paragraphs and wide and len(paragraphs[-1].rsplit("\n", 1)[-1]) >= wide:
            paragraphs[-1] += "\n" + line
        else:
            paragraphs.append(line)
    out: list[str] = []
    for par in paragraphs:
        out += textwrap.wrap(par.replace("\n", " "), chars, break_long_words=False, break_on_hyphens=False) or [""]
    return out


def for_phone(fig: go.Figure, kind: str) -> go.Figure:
    """A copy of ``fig`` laid out for a phone (see the module's description)."""
    fig = go.Figure(fig)
    if kind == "funnel":
        _one_column(fig)
    old_t, old_b = fig.layout.margin.t or 80, fig.layout.margin.b or 80
    title = fig.layout.title.text if fig.layout.title and fig.layout.title.text else ""
    lines = _wrap(title, TITLE_CHARS) if title else []
    if title:
        fig.layout.title.text = "<br>".join(lines)
        fig.layout.title.pad.t = 12 + 26 * (len(lines) - 1)
    subtitle = bool(fig.layout.title and fig.layout.title.subtitle and fig.layout.title.subtitle.text)
    above = 64 if kind == "funnel" else 0   # the first funnel panel's title sits above the plot area
    top = 14 + 26 * len(lines) + (24 if subtitle else 0) + LEGEND_ROW_PX * _legend_rows(fig) + 8 + above
    fig.update_layout(margin=dict(t=top, l=MARGIN_L, r=MARGIN_R))
    extra = 0
    for a in fig.layout.annotations:
        if a.name == "caption" and a.text:
            n_old = a.text.count("<br>") + 1
            wrapped = _wrap(a.text, CAPTION_CHARS, wide=CAPTION_WIDTH - 30)
            a.text, a.xshift = "<br>".join(wrapped), 4 - MARGIN_L
            extra += LINE_PX * (len(wrapped) - n_old)
    fig.layout.margin.b = old_b + extra
    if fig.layout.height:
        fig.layout.height = fig.layout.height + (top - old_t) + extra
        plot_px = max(fig.layout.height - top - fig.layout.margin.b, 100)
        fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=1 + above / plot_px,
                                      yanchor="bottom", entrywidth=0))
    fig.update_yaxes(title_standoff=4)
    return fig


def _legend_rows(fig: go.Figure) -> int:
    """Rows a horizontal legend takes in :data:`LEGEND_PX` (generously: about 8.5 px a
    character and 60 for the symbol and gap; a row too many only leaves a gap)."""
    widths = [8.5 * max(len(s) for s in re.split(r"<br\s*/?>", t.name)) + 60
              for t in fig.data if t.showlegend is not False and t.name]
    rows, used = (1 if widths else 0), 0
    for w in widths:
        if used and used + w > LEGEND_PX:
            rows, used = rows + 1, 0
        used += w
    return rows


def _one_column(fig: go.Figure) -> None:
    """The funnel's panels (one per scenario) one under another, each full width."""
    axes = sorted({t.xaxis or "x" for t in fig.data}, key=lambda a: int(a[1:] or 1))
    n = len(axes)
    if n <= 1:
        return
    total = n * PANEL_PX + (n - 1) * PANEL_GAP_PX
    titles = [a for a in fig.layout.annotations if a.name != "caption" and a.text and a.text.startswith("<b>")]
    for i, ax in enumerate(axes):
        k = ax[1:]
        top = i * (PANEL_PX + PANEL_GAP_PX)
        y0, y1 = 1 - (top + PANEL_PX) / total, 1 - top / total
        fig.layout[f"xaxis{k}"].domain = [0, 1]
        fig.layout[f"yaxis{k}"].update(domain=[y0, y1], showticklabels=True)
        if i < len(titles):
            t = titles[i]
            if ",<br>all arrests" not in t.text:  # the note, on two lines (its tags are not split)
                t.text = t.text.replace(", all arrests", ",<br>all arrests")
            t.update(x=0.5, y=y1, xanchor="center", yanchor="bottom")
    fig.layout.height = (fig.layout.margin.t or 80) + total + (fig.layout.margin.b or 80)
