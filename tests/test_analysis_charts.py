"""Charts of the analyses: what a reader sees is the table's numbers, in the right places.

One small real frontier and one small real decomposition (module fixture, ~15 s), written
to folders and read back as the dashboard reads them, so both the in-memory tables and
their CSV round trip are charted.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from analysis_folders import small_decomposition, small_frontier, write_both

from sim.output import analysis_charts as ac
from sim.experiments.analysis_output import read
from sim.experiments.decompose import FACTORS
from sim.core.errors import InputError
from sim.core.groups import GROUP_LABELS

CHROMIUM = Path("/usr/bin/chromium")
CENSUS_BIG = ["white_f", "white_m", "black_f", "black_m", "hispanic_f", "hispanic_m"]  # >= 5% of residents


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    f, d = small_frontier(), small_decomposition()
    fdir, ddir = write_both(tmp_path_factory.mktemp("analyses"), f, d)
    return {"frontier": (f[0], *read(fdir)), "decomposition": (d[0], *read(ddir))}


def frontier_lines(fig: go.Figure) -> list:
    return [t for t in fig.data if (t.meta or {}).get("role") == "frontier"]


def rows(table: pd.DataFrame, quantity: str, group: str) -> pd.DataFrame:
    return table[(table.quantity == quantity) & (table.group.astype(str) == group)]


# --- frontier ----------------------------------------------------------------------------

def test_frontier_points_are_the_table_means_in_lever_order(runs):
    f, meta, csv = runs["frontier"]
    table = f.table()
    fig = ac.frontier_chart(table, meta)
    lines = frontier_lines(fig)
    assert len(lines) == 2 * (len(CENSUS_BIG) + 1), "one line per group (and all residents) in each panel"
    assert [t.meta["group"] for t in lines[:7]] == CENSUS_BIG + ["all"]
    assert [t.name for t in lines[:6]] == [GROUP_LABELS[g] for g in CENSUS_BIG]
    assert all(t.showlegend for t in lines[:7]) and not any(t.showlegend for t in lines[7:]), "legend once"
    gain = rows(table, "clearances_gained", "all")
    for t in lines:
        harm = rows(table, t.meta["quantity"], t.meta["group"])
        assert list(harm.label) == ["0.8", "0.99"], "points in the lever's order"
        np.testing.assert_allclose(t.x, harm["mean"])
        np.testing.assert_allclose(t.y, gain["mean"])
        np.testing.assert_allclose(t.error_x.array, (harm.high - harm["mean"]).clip(lower=0))
        np.testing.assert_allclose(t.error_x.arrayminus, (harm["mean"] - harm.low).clip(lower=0))
        if t.meta["group"] == "all":  # the clearances band is the same for every group: drawn once
            np.testing.assert_allclose(t.error_y.array, (gain.high - gain["mean"]).clip(lower=0))
        else:
            assert t.error_y.array is None
    assert {t.xaxis for t in lines} == {"x", "x2"} and lines[0].meta["quantity"] == "wrongful_stops_caused"
    assert "90% CI" in lines[0].hovertemplate and "0.8" in str(lines[0].customdata[0][0])


def test_frontier_labels_titles_caption_and_axes(runs):
    f, meta, _ = runs["frontier"]
    fig = ac.frontier_chart(f.table(), meta)
    labels = [a for a in fig.layout.annotations if (a.name or "").startswith("label-")]
    for xref in ("x", "x2"):  # the lever values, on one line per panel
        assert sorted(a.text for a in labels if a.xref == xref) == ["0.8", "0.99"]
        assert len({a.name for a in labels if a.xref == xref}) == 1
    assert "Similarity threshold of face searches" in fig.layout.title.text and "baseline" in fig.layout.title.text
    footer = next(a.text for a in fig.layout.annotations if a.name == "caption").replace("<br>", " ")
    for words in ("90% confidence interval of the mean over 2 paired replicates", "3,000 residents", "200 days",
                  "survsim", "enforcement.other_probes = 0.5", "replicate seeds", "Assumptions:"):
        assert words in footer, f"caption lacks {words!r}: {footer}"
    assert "Asian women" in footer, "groups not drawn are named"
    assert fig.layout.yaxis.rangemode == "tozero" and fig.layout.yaxis.range is None  # 0 in view, negatives too
    assert "Wrongful stops caused" in fig.layout.xaxis.title.text
    assert "Wrongful arrests caused" in fig.layout.xaxis2.title.text
    assert fig.layout.height == ac.HEIGHT


def test_frontier_from_csv_equals_in_memory(runs):
    f, meta, csv = runs["frontier"]
    a, b = ac.frontier_chart(f.table(), meta), ac.frontier_chart(csv, meta)
    for ta, tb in zip(frontier_lines(a), frontier_lines(b), strict=True):
        np.testing.assert_allclose(ta.x, tb.x)
        np.testing.assert_allclose(ta.y, tb.y)


def test_frontier_groups_and_values_of_other_types(runs):
    _, meta, csv = runs["frontier"]
    fig = ac.frontier_chart(csv, meta, groups=["black_m", "white_m"])
    assert [t.meta["group"] for t in frontier_lines(fig)] == ["black_m", "white_m"] * 2
    assert frontier_lines(fig)[0].error_y.array is not None, "y band on the first line without 'all'"
    with pytest.raises(InputError, match="martians"):
        ac.frontier_chart(csv, meta, groups=["martians"])
    # a switch lever read back from CSV: booleans (and strings as numbers) still chart by label
    switch = csv.assign(value=csv.value.map({0.8: False, 0.99: True}),
                        label=csv.value.map({0.8: "not required", 0.99: "required"}),
                        mean=csv["mean"].astype(str))
    fig = ac.frontier_chart(switch, {**meta, "lever": "warrant", "lever_label": "Warrant required for footage"})
    assert sorted({a.text for a in fig.layout.annotations if (a.name or "").startswith("label-")}) == [
        "not required", "required"]
    assert fig.layout.title.text.startswith("Warrant required for footage")


def test_frontier_allows_negative_values():
    t = pd.DataFrame([{"label": lab, "quantity": q, "group": g, "mean": m, "low": m - 1, "high": m + 1}
                      for lab, m in (("0.5", -3.0), ("0.9", 2.0))
                      for q in ("clearances_gained", "wrongful_stops_caused", "wrongful_arrests_caused")
                      for g in ("all", "black_m", "white_m")])
    fig = ac.frontier_chart(t, {"scenario": "s", "groups": ["black_m", "white_m"], "replicates": 3})
    line = frontier_lines(fig)[0]
    assert list(line.y) == [-3.0, 2.0] and fig.layout.yaxis.zeroline
    assert fig.layout.yaxis.range is None and fig.layout.xaxis.range is None, "no axis clipped to positive values"


def test_frontier_colours_groups_apart():
    t = pd.DataFrame([{"label": "0.8", "quantity": q, "group": g, "mean": 1.0, "low": 0.5, "high": 1.5}
                      for q in ("clearances_gained", "wrongful_stops_caused", "wrongful_arrests_caused")
                      for g in ("all", "group_a", "group_b")])
    lines = frontier_lines(ac.frontier_chart(t, {"scenario": "educator", "groups": ["group_a", "group_b"]}))
    assert [t.name for t in lines[:3]] == ["Group A", "Group B", "All residents"]
    assert len({t.line.color for t in lines[:3]}) == 3, "each group its own colour"
    black = ac.group_style("black_f"), ac.group_style("black_m")
    assert black[0][0] == black[1][0] and black[0][1:] != black[1][1:], "race by colour, sex by line and marker"


def test_frontier_labels_of_clustered_points_do_not_overlap():
    """Five settings whose points nearly coincide (as when a lever barely matters): every
    label gets its own box (its offset from a point within a pixel of the others)."""
    settings = ["0.5", "0.8", "0.9", "0.95", "0.99"]
    t = pd.DataFrame([{"label": s, "quantity": q, "group": "black_m", "mean": 100 + 0.01 * i, "low": 99.0,
                       "high": 101.0} for i, s in enumerate(settings)
                      for q in ("clearances_gained", "wrongful_stops_caused", "wrongful_arrests_caused")])
    t.loc[t.quantity == "clearances_gained", "group"] = "all"
    fig = ac.frontier_chart(t, {"scenario": "s", "groups": ["black_m"]})
    labels = [a for a in fig.layout.annotations if (a.name or "").startswith("label-") and a.xref == "x"]
    assert sorted(a.text for a in labels) == sorted(settings)
    boxes = [(a.ax - (7.5 * len(a.text) + 6) / 2, -a.ay - ac.LABEL_PX / 2,
              a.ax + (7.5 * len(a.text) + 6) / 2, -a.ay + ac.LABEL_PX / 2) for a in labels]
    for i, b1 in enumerate(boxes):
        for b2 in boxes[i + 1:]:
            assert not ac._overlap(b1, b2), f"labels overlap: {b1} {b2}"


# --- decomposition -------------------------------------------------------------------------

def test_decomposition_waterfall_adds_up_to_the_scenario(runs):
    d, meta, _ = runs["decomposition"]
    t = d.table().set_index("key")
    fig = ac.decomposition_chart(d.table(), meta)
    bars = [b for b in fig.data if b.type == "bar" and (b.meta or {}).get("role") in ("total", "contribution")]
    assert [b.meta["key"] for b in bars] == list(ac.STEPS)
    assert [b.y[0] for b in bars] == [ac.SHORT[k] for k in ac.STEPS]
    start = 0.0
    for b in bars:
        key, mean = b.meta["key"], t.loc[b.meta["key"], "mean"]
        if key in ("neutral", "scenario"):
            assert b.base[0] == 0 and b.x[0] == pytest.approx(mean)
        else:
            assert b.base[0] == pytest.approx(start) and b.x[0] == pytest.approx(mean)
            assert b.marker.color == (ac.WRONG_COLOUR if mean >= 0 else ac.TRUE_COLOUR)
        start = b.base[0] + b.x[0]
        if key == "attention":
            assert start == pytest.approx(t.loc["scenario", "mean"]), "Shapley values add up to scenario - neutral"
    errors = {e.meta["key"]: e for e in fig.data if (e.meta or {}).get("role") == "error"}
    assert set(errors) == set(ac.STEPS)
    for key, e in errors.items():
        assert e.error_x.array[0] == pytest.approx(max(t.loc[key, "high"] - t.loc[key, "mean"], 0))
        assert e.error_x.arrayminus[0] == pytest.approx(max(t.loc[key, "mean"] - t.loc[key, "low"], 0))
    numbers = {a.name: a.text for a in fig.layout.annotations if (a.name or "").startswith("value-")}
    assert f"{t.loc['gallery', 'mean']:+.2f}" in numbers["value-gallery"]
    assert f"{t.loc['scenario', 'mean']:.2f}x" in numbers["value-scenario"] and "vs all neutral" in numbers[
        "value-scenario"]


def test_decomposition_parity_alone_panel_and_words(runs):
    d, meta, csv = runs["decomposition"]
    fig = ac.decomposition_chart(csv, meta)
    parity = [s for s in fig.layout.shapes if s.type == "line" and s.x0 == 1 and s.x1 == 1]
    assert {s.xref for s in parity} == {"x", "x2"}, "a parity line in each panel"
    assert sum(a.name == "parity" for a in fig.layout.annotations) == 2
    alone = next(tr for tr in fig.data if (tr.meta or {}).get("role") == "alone")
    t = csv.set_index("key")
    np.testing.assert_allclose(alone.x, [t.loc[f"alone_{f}", "mean"] for f in FACTORS])
    assert alone.xaxis == "x2" and alone.error_x.array is not None
    assert fig.layout.title.text.replace("<br>", " ") == (
        "What drives the wrongful-stop disparity between Black men and White men")
    footer = next(a.text for a in fig.layout.annotations if a.name == "caption").replace("<br>", " ")
    for words in ("16 combinations", "Shapley", "90% confidence interval of the mean over 2 paired replicates",
                  "5,000 residents", "300 days", "survsim"):
        assert words in footer, f"caption lacks {words!r}"
    lo, hi = fig.layout.xaxis.range
    assert lo <= min(0, csv["low"].min()) + 1e-9 and hi >= 1, "the axis shows 0, parity and every band"


def test_decomposition_rejects_an_incomplete_table(runs):
    _, meta, csv = runs["decomposition"]
    with pytest.raises(InputError, match="gallery"):
        ac.decomposition_chart(csv[csv.key != "gallery"], meta)
    with pytest.raises(InputError, match="column"):
        ac.decomposition_chart(csv.drop(columns=["high"]), meta)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium absent: PNG export not tested")
def test_charts_export_as_images(runs, tmp_path):
    from sim.output.report import export

    f, meta, _ = runs["frontier"]
    d, dmeta, _ = runs["decomposition"]
    paths = export(ac.frontier_chart(f.table(), meta), tmp_path / "frontier", width=1200, height=700)
    paths += export(ac.decomposition_chart(d.table(), dmeta), tmp_path / "decomposition", width=1200, height=700)
    for p in paths:
        assert p.stat().st_size > 10_000, p
    png = paths[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == 2400  # 1200 px at scale 2
