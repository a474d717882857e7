"""The default comparison shipped with the dashboard (dashboard/precomputed/) is what a fresh
run at the same settings gives, and the first visit is drawn from it without running."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dashboard import charts, precomputed
from dashboard.data import Data, new_session
from dashboard.urlstate import CompareView
from sim.core.streams import replicate_seeds
from sim.experiments.runner import run_replicate
from sim.output.results import Results

REGENERATE = "regenerate with: PYTHONPATH=. python -m dashboard.precomputed"


def test_shipped_runs_have_todays_parameters_policies_and_version():
    manifest = precomputed._manifest()
    assert manifest is not None, "dashboard/precomputed/manifest.json is missing; " + REGENERATE
    assert manifest["keys"] == precomputed.keys(), "the default comparison's inputs changed; " + REGENERATE
    view = CompareView()
    assert manifest["view"]["scenarios"] == list(view.scenarios) and manifest["view"]["days"] == view.days
    assert manifest["replicate_seeds"] == replicate_seeds(view.seed, view.replicates)


def test_shipped_rows_equal_a_fresh_run():
    """One replicate of one reform, re-run at the shipped settings (~10 s): the model's code
    has not changed what it gives since the files were made."""
    view = CompareView()
    sc = next(s for s in precomputed.scenarios(view) if s.name == view.scenarios[0])
    seed = replicate_seeds(view.seed, view.replicates)[0]
    out = run_replicate(sc.params.model_dump(mode="json"), seed, None, tuple(sc.policies))
    fresh = precomputed.subset(Results.from_outputs(sc, view.seed, [out]).timeseries)
    cmp, summary = precomputed.comparison()
    shipped = cmp.results[sc.name].timeseries
    shipped = shipped[shipped["replicate"] == 0]
    key = ["metric", "group", "day"]
    a = fresh.astype({"metric": str, "group": str}).sort_values(key).reset_index(drop=True)
    b = shipped.astype({"metric": str, "group": str}).sort_values(key).reset_index(drop=True)
    assert len(a) == len(b), REGENERATE
    pd.testing.assert_frame_equal(a[key], b[key])
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-12, err_msg=REGENERATE)
    total = a[(a["metric"] == "wrongful_stops") & (a["group"] == "")]["value"].sum()
    assert summary.query("scenario == @sc.name and metric == 'wrongful_stops' and group == ''")["median"].notna().all()
    assert total >= 0


def test_first_visit_draws_from_the_shipped_results_without_running(tmp_path):
    data = Data(tmp_path, workers=1)
    try:
        sid = new_session()
        view = CompareView()
        jid = data.request(sid, "compare", view)
        job = data.jobs.wait(sid, jid, timeout=60)
        assert job.status == "done" and job.total == 0, job.error
        assert data.matches(sid, jid, "compare", view)
        bundle = job.result
        nums = charts.headline_numbers(bundle)
        assert [c["metric"] for c in nums["cards"]] == [m for m, _ in charts.HEADLINE_CARDS]
        for kind in charts.KINDS:
            fig = charts.figure(bundle, view, kind)
            assert fig.data, f"{kind}: nothing drawn from the shipped results"
        assert data.runner._ex is None, "the first visit started worker processes"
        # another metric is not shipped: the page asks for the real runs
        other = CompareView(metric="cameras")
        assert not data.matches(sid, jid, "compare", other)
        assert data.job_key("compare", other)[0] != "precomputed"
    finally:
        data.close()


@pytest.mark.parametrize("change", [{"seed": 2}, {"residents": 5000}, {"scenarios": ("warrant_required",)}])
def test_other_views_are_not_served_from_the_shipped_results(change):
    import dataclasses
    assert not precomputed.serves(dataclasses.replace(CompareView(), **change))
