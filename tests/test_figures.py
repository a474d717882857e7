"""Charts and the report: what a reader sees, checked against the numbers in the results.

The results are synthetic but in the real tidy format (built with ``sim.output.results.tidy``),
so these tests are fast and do not depend on the model's current behaviour.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from sim.output import figures, report
from sim.core.errors import InputError
from sim.core.metrics import METRICS
from sim.output.results import tidy

GROUPS = ("white_m", "black_f", "black_m")
SIZES = {"white_m": 1000.0, "black_f": 600.0, "black_m": 400.0}
DAYS, SEEDS = 120, (101, 202, 303)
SCENARIOS = {"baseline": 1.0, "policy": 1.5, "other": 0.7}  # scales the daily rates
CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(),
                                    reason="/usr/bin/chromium absent: apt-get install -y chromium to test exports")


def _replicate(seed: int, scale: float) -> SimpleNamespace:
    """Arrays shaped like a model run: daily flows per group (day 0 empty), stocks, and the
    per-capita wrongful-stop ratio against white_m as the model records it."""
    rng = np.random.default_rng(seed)
    M, G = len(METRICS), len(GROUPS)
    by_group = np.full((DAYS + 1, M, G), np.nan)
    total = np.zeros((DAYS + 1, M))
    size = np.array([SIZES[g] for g in GROUPS])
    for i, m in enumerate(METRICS):
        if m.name == "disparity_wrongful_stops":
            continue
        lam = (3.0 if m.flow else 50.0) * scale * size / 1000 * np.array([1.0, 1.5, 2.5])
        daily = rng.poisson(lam, size=(DAYS + 1, G)).astype(float)
        vals = daily if m.flow else np.cumsum(daily, axis=0)
        vals[0] = 0.0 if m.flow else vals[0]
        if m.per_group:
            by_group[:, i] = vals
        total[:, i] = vals.sum(axis=1)
    j = [m.name for m in METRICS].index("wrongful_stops")
    rate = np.cumsum(by_group[:, j], axis=0) / size
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(rate[:, [0]] > 0, rate / rate[:, [0]], np.nan)
    k = [m.name for m in METRICS].index("disparity_wrongful_stops")
    by_group[:, k] = ratio
    total[:, k] = np.nan  # per group only, as the model records it
    return SimpleNamespace(seed=seed, total=total, by_group=by_group)


@pytest.fixture(scope="module")
def ts() -> pd.DataFrame:
    frames = [tidy(sc, r, _replicate(seed + int(100 * k), k), GROUPS)
              for sc, k in SCENARIOS.items() for r, seed in enumerate(SEEDS)]
    for f in frames:  # every scenario's replicate r ran on the same seed
        f["seed"] = SEEDS[int(f["replicate"].iloc[0])]
    out = pd.concat(frames, ignore_index=True)
    for col in ("scenario", "metric", "group"):
        out[col] = out[col].astype("category")
    return out


@pytest.fixture(scope="module")
def meta() -> dict:
    return {"scenarios": [{"name": s, "description": f"{s} description"} for s in SCENARIOS],
            "baseline": "baseline", "replicates": len(SEEDS), "seed": 42, "replicate_seeds": list(SEEDS),
            "version": "9.8.7", "git_commit": "abcdef1234567890-dirty",
            "assumptions": ["offending equal across groups (assumption)",
                            "review rejects 50% of false candidates (assumption 20-80%)"]}


def _by_role(fig: go.Figure, scenario: str, role: str) -> go.Scatter:
    hits = [t for t in fig.data if t.meta and t.meta.get("scenario") == scenario and t.meta.get("role") == role]
    assert len(hits) == 1, f"expected one {role} trace for {scenario}, found {len(hits)}"
    return hits[0]


def _plain(text: str) -> str:
    return text.replace("<br>", " ")


def _caption(fig: go.Figure) -> str:
    hits = [a.text for a in fig.layout.annotations if a.name == "caption"]
    assert len(hits) == 1, "every figure carries exactly one footer"
    return hits[0]


def _totals(ts: pd.DataFrame, scenario: str, metric: str) -> pd.Series:
    sel = ts[(ts.scenario == scenario) & (ts.metric == metric) & (ts.group == "")]
    return sel.groupby("replicate")["value"].sum()


# --- time series and differences ---------------------------------------------------------

def test_timeseries_has_median_and_band_per_scenario_bracketing_it(ts, meta):
    fig = figures.timeseries(ts, "arrests", meta)
    for sc in SCENARIOS:
        lo, hi, med = (np.asarray(_by_role(fig, sc, r).y, float) for r in ("p10", "p90", "median"))
        assert np.all(lo <= med) and np.all(med <= hi), f"{sc}: the 10-90% band must bracket the median"
        assert hi.max() > lo.min()
    assert [t.name for t in fig.data if t.showlegend is not False] == list(SCENARIOS)
    assert "running total" in _plain(fig.layout.yaxis.title.text), "flows are summed and the axis must say how"
    med = _by_role(fig, "policy", "median")
    assert pd.Timestamp(med.x[0]) == pd.Timestamp("2017-01-01") and len(med.x) == DAYS + 1, "day 0 = 1 Jan 2017"
    assert med.y[-1] == _totals(ts, "policy", "arrests").median()


def test_rolling_timeseries_shows_full_30_day_windows(ts, meta):
    fig = figures.timeseries(ts, "arrests", meta, flow="rolling")
    assert "per 30 days" in _plain(fig.layout.yaxis.title.text)
    med = _by_role(fig, "policy", "median")
    assert pd.Timestamp(med.x[0]) == pd.Timestamp("2017-01-31"), "first full 30-day window ends on day 30"
    sel = ts[(ts.scenario == "policy") & (ts.metric == "arrests") & (ts.group == "") & ts.day.between(1, 30)]
    assert med.y[0] == sel.groupby("replicate")["value"].sum().median()
    assert "previous 30 days" in _caption(fig)


def test_stock_timeseries_and_group_rows(ts, meta):
    fig = figures.timeseries(ts, "cameras", meta, group="black_m", scenarios=["policy"])
    assert "Black men" in _plain(fig.layout.title.text)
    assert fig.layout.yaxis.title.text.lower() == "households"
    assert len(_by_role(fig, "policy", "median").y) == DAYS + 1
    with pytest.raises(InputError, match="no per-group rows"):
        figures.timeseries(ts, "crimes_actual", meta, group="black_m")
    with pytest.raises(InputError, match="did you mean 'cameras'"):
        figures.timeseries(ts, "camera", meta)


def test_difference_against_itself_is_exactly_zero(ts, meta):
    fig = figures.difference(ts, "wrongful_stops", meta, scenarios=["baseline"])
    for role in ("p10", "median", "p90"):
        assert np.all(np.asarray(_by_role(fig, "baseline", role).y) == 0.0)


def test_difference_is_paired_by_replicate_and_cumulative(ts, meta):
    fig = figures.difference(ts, "wrongful_stops", meta)
    assert {t.meta["scenario"] for t in fig.data} == {"policy", "other"}, "the baseline is not drawn against itself"
    paired = _totals(ts, "policy", "wrongful_stops") - _totals(ts, "baseline", "wrongful_stops")
    assert _by_role(fig, "policy", "median").y[-1] == paired.median()
    assert any(s.y0 == 0 and s.y1 == 0 for s in fig.layout.shapes), "a zero line marks no change"
    assert _plain(fig.layout.yaxis.title.text) == "Change in stops, running total"
    assert "Scenario minus baseline" in fig.layout.title.subtitle.text


def test_difference_says_when_two_scenarios_draw_the_same_line(ts, meta):
    """Two reforms with identical results draw one visible line: the footer names the pair
    (the default comparison's moratorium and regulation do this for wrongful stops)."""
    twin = ts[ts.scenario == "policy"].copy()
    twin["scenario"] = "policy_twin"
    both = pd.concat([ts.astype({"scenario": str}), twin.astype({"scenario": str})], ignore_index=True)
    m = {**meta, "scenarios": [*meta["scenarios"], {"name": "policy_twin", "description": "the same"}]}
    fig = figures.difference(both, "wrongful_stops", m)
    assert "Identical, so drawn on top of each other: policy_twin = policy." in _plain(_caption(fig))
    assert "Identical" not in _caption(figures.difference(ts, "wrongful_stops", meta))


def test_difference_refuses_unpaired_seeds(ts, meta):
    bad = ts.copy()
    bad.loc[bad.scenario == "policy", "seed"] += 1
    with pytest.raises(InputError, match="same replicate seeds"):
        figures.difference(bad, "arrests", meta)


# --- disparity and funnel ----------------------------------------------------------------

def test_disparity_reference_bar_is_one_with_parity_line(ts, meta):
    fig = figures.disparity(ts, meta)
    for bar in fig.data:
        y = dict(zip(bar.x, bar.y))
        assert y["White men"] == 1.0, "the reference group is at parity by definition"
        assert y["Black men"] > 1.0, "the synthetic data stops Black men 2.5x more often"
    assert any(s.y0 == 1 and s.y1 == 1 and s.line.dash == "dash" for s in fig.layout.shapes)
    assert fig.layout.yaxis.rangemode == "tozero", "bars must start at 0"


def test_disparity_from_group_sizes_matches_hand_computation(ts, meta):
    fig = figures.disparity(ts, meta, "arrests", scenarios=["baseline"], group_sizes=SIZES, reference="black_f")
    sel = ts[(ts.scenario == "baseline") & (ts.metric == "arrests") & (ts.group != "")]
    rate = sel.groupby(["replicate", "group"], observed=True)["value"].sum().unstack() / pd.Series(SIZES)
    expected = (rate["black_m"] / rate["black_f"]).median()
    y = dict(zip(fig.data[0].x, fig.data[0].y))
    assert y["Black women"] == 1.0 and y["Black men"] == pytest.approx(expected)
    with pytest.raises(InputError, match="group_sizes"):
        figures.disparity(ts, meta, "arrests")


def test_funnel_stage_totals_equal_sums_in_results(ts, meta):
    fig = figures.funnel(ts, meta)
    bars = [t for t in fig.data if isinstance(t, go.Bar)]
    stage = {"Searches run": {0: "fr_searches"}, "Offender (true match)": {1: "fr_true_candidates"},
             "Innocent person (false match)": {1: "fr_false_candidates", 2: "wrongful_stops",
                                               3: "wrongful_arrests"}}
    for sc in SCENARIOS:
        for b in (b for b in bars if b.meta["scenario"] == sc):
            metrics = stage[b.meta["series"]]
            for x, y in zip(b.x, b.y):
                expected = _totals(ts, sc, metrics[round(x)]).median()
                assert y == expected, f"{sc}, {b.meta['series']}, stage {round(x)}"
    assert all(ax.rangemode == "tozero" for ax in (fig.layout.yaxis, fig.layout.yaxis2))


def test_footer_names_scenarios_seeds_version_and_fits(ts, meta):
    figs = [figures.timeseries(ts, "cameras", meta), figures.difference(ts, "arrests", meta),
            figures.disparity(ts, meta), figures.funnel(ts, meta)]
    for fig in figs:
        text = _caption(fig)
        for must in ("baseline", "policy", "other", "run seed 42", "101, 202, 303", "survsim 9.8.7",
                     "git abcdef1-dirty", "offending equal across groups"):
            assert must in text, f"footer of {fig.layout.title.text!r} lacks {must!r}"
        lines = text.count("<br>") + 1
        assert all(len(line) <= figures.CAPTION_WIDTH for line in text.split("<br>"))
        assert fig.layout.margin.b >= lines * figures.LINE_PX, "bottom margin must hold the whole footer"
        assert fig.layout.legend.y >= 1 or fig.layout.legend.x >= 1, "legend outside the plot area"
        assert fig.layout.font.size >= 12 and fig.layout.meta["replicate_seeds"] == list(SEEDS)


# --- files -------------------------------------------------------------------------------

def _svg_boxes(svg: str) -> tuple[float, float]:
    """(lowest x-axis text baseline, top of the footer) in an exported SVG."""
    ticks = [float(y) + 17 * (n.count('class="line"') - 1)
             for y, n in re.findall(r'<g class="xtick"><text[^>]* y="([\d.]+)"(.*?)</text>', svg)]
    titles = [float(y) for y in re.findall(r'<text class="xtitle"[^>]* y="([\d.]+)"', svg)]
    footer = re.search(r'translate\(([\d.]+),([\d.]+)\)"><rect class="bg"[^>]*width="([\d.]+)" height="([\d.]+)"'
                       r'[^>]*/><text class="annotation-text"[^>]*><tspan[^>]*>Bars: totals', svg)
    assert footer, "footer not found in the SVG"
    return max(ticks + titles), float(footer.group(2)), footer.groups()


@needs_chromium
def test_export_writes_png_and_svg(tmp_path, ts, meta):
    paths = report.export(figures.funnel(ts, meta), tmp_path / "charts" / "funnel_enforcement", 900, 600)
    png, svg = paths
    assert [p.suffix for p in paths] == [".png", ".svg"]
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert struct.unpack(">II", head[16:24]) == (1800, 1200), "PNG at scale 2"
    text = svg.read_text()
    assert "<svg" in text and 'width="900"' in text and "survsim 9.8.7" in text
    axis_bottom, footer_top, (x, y, w, h) = _svg_boxes(text)
    assert footer_top > axis_bottom, "footer overlaps the x-axis labels"
    assert float(y) + float(h) <= 600 and float(x) + float(w) <= 900, "footer clipped"


def test_export_without_browser_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(report, "DEBIAN_CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(report.shutil, "which", lambda name: None)
    with pytest.raises(report.BrowserNotFoundError, match="apt-get install -y chromium"):
        report.browser_path()


def test_report_is_self_contained_with_every_figure(tmp_path, ts, meta):
    images = CHROMIUM.exists()
    summary = pd.DataFrame({"scenario": ["baseline"], "metric": ["arrests"], "median": [12.3456]})
    path = report.write_report(ts, meta, tmp_path / "rep", ["cameras", "wrongful_stops"], summary, images=images)
    page = path.read_text()
    assert path.name == "report.html"
    assert not re.search(r"<script[^>]*\bsrc=", page), "no external scripts: the report must open offline"
    assert "plotly.js v" in page or "Plotly" in page and len(page) > 1_000_000, "plotly.js must be inline"
    for stem, fig in report.report_figures(ts, meta, ["cameras", "wrongful_stops"]):
        assert _plain(fig.layout.title.text) in page, f"{stem}: title missing from the report"
        if images:
            for ext in ("png", "svg"):
                f = tmp_path / "rep" / "charts" / f"{stem}.{ext}"
                assert f.is_file() and f.stat().st_size > 1000, f"{f.name} missing"
    for must in ("policy description", "101, 202, 303", "9.8.7", "review rejects 50%", "12.35"):
        assert must in page
