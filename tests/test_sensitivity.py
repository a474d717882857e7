"""Global sensitivity: the analysis recovers known indices, and runs on survsim outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.test_functions import Ishigami

from sim.core.errors import InputError
from sim.experiments.sensitivity import Problem, estimate, sensitivity, status

PI = float(np.pi)
# Ishigami (A = 7, B = 0.1), x_i uniform on [-pi, pi]: analytic first- and total-order indices
ISHIGAMI_S1 = [0.3139, 0.4424, 0.0]
ISHIGAMI_ST = [0.5576, 0.4424, 0.2437]


@pytest.mark.parametrize("seed", [1, 2])
def test_sobol_indices_of_ishigami_match_analytic_values(seed):
    prob = Problem(("x1", "x2", "x3"), ((-PI, PI),) * 3)
    idx, notes = estimate(prob, lambda X: {"ishigami": Ishigami.evaluate(X)}, "sobol", 2048, seed=seed)
    assert not notes
    assert list(idx.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    np.testing.assert_allclose(idx.S1, ISHIGAMI_S1, atol=0.03, err_msg="first-order indices")
    np.testing.assert_allclose(idx.ST, ISHIGAMI_ST, atol=0.03, err_msg="total-order indices")


def test_morris_effects_of_a_linear_model_are_its_slopes():
    """On [0, 1] ranges a linear model's elementary effects are its coefficients, exactly."""
    prob = Problem(("a", "b", "c"), ((0.0, 1.0),) * 3)
    slopes = np.array([3.0, 0.0, -2.0])
    idx, _ = estimate(prob, lambda X: {"y": X @ slopes}, "morris", 20, seed=4)
    np.testing.assert_allclose(idx["mu"], slopes, atol=1e-9)
    np.testing.assert_allclose(idx.mu_star, np.abs(slopes), atol=1e-9)
    np.testing.assert_allclose(idx.sigma, 0, atol=1e-9)


SPEC = """\
name = "tiny_sobol"
scenario = "baseline"
method = "sobol"
samples = 4
replicates = 1
seed = 2
[overrides]
"run.days" = 60
"city.n_residents" = 300
"city.grid_side" = 3
[parameters]
"adoption.initial_cameras" = "assumption"
"fear.baseline" = { low = 0.2, high = 0.5 }
[outputs]
cameras = "final"
fear = { metric = "fear_mean", statistic = "mean" }
wrongful_arrests = "total"
"""


def test_survsim_sobol_writes_indices_and_chart(tmp_path):
    spec = tmp_path / "sens.toml"
    spec.write_text(SPEC)
    out = tmp_path / "out"
    assert (status(spec, out).total, status(spec, out).missing) == (16, 16)
    rep = sensitivity(spec, out)
    assert rep.runs.total == 4 * (2 + 2) and rep.runs.ran == rep.runs.total
    idx = pd.read_csv(out / "sobol_indices.csv")
    assert list(idx.columns) == ["output", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert len(idx) == 3 * 2
    live = idx[idx.output.isin(["cameras", "fear"])]
    assert np.isfinite(live[["S1", "S1_conf", "ST", "ST_conf"]].to_numpy()).all(), live
    assert any("wrongful_arrests" in n and "did not vary" in n for n in rep.notes), \
        "an output without variation is reported, not analysed"
    assert (out / "sobol_indices.html").stat().st_size > 10_000
    png = out / "sobol_indices.png"
    assert png.is_file() or any("PNG" in n for n in rep.notes), "either a PNG or a note saying why not"
    assert (out / "sobol_manifest.json").is_file() and (out / "runs_sobol" / "index.parquet").is_file()
    assert status(spec, out).skipped == 16
    again = sensitivity(spec, out, images=False)
    assert again.runs.ran == 0, "a second call reuses the stored runs"
    pd.testing.assert_frame_equal(again.indices.reset_index(drop=True), idx, check_dtype=False)


def test_survsim_morris_and_spec_errors(tmp_path):
    spec = tmp_path / "sens.toml"
    spec.write_text(SPEC.replace("samples = 4", "samples = 3"))
    with pytest.raises(InputError, match=r"'samples' = 3: sobol needs a power of 2"):
        sensitivity(spec, tmp_path / "out")
    rep = sensitivity(spec, tmp_path / "out", method="morris", images=False)
    assert rep.runs.total == 3 * (2 + 1)
    idx = pd.read_csv(tmp_path / "out" / "morris_indices.csv")
    assert list(idx.columns) == ["output", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
    assert np.isfinite(idx[idx.output == "cameras"].mu_star).all()
    spec.write_text(SPEC.replace('{ low = 0.2, high = 0.5 }', "[0.2, 0.5]"))
    with pytest.raises(InputError, match=r"'fear.baseline': sensitivity analysis needs a range"):
        sensitivity(spec, tmp_path / "out")
    with pytest.raises(InputError, match="--method 'fast'"):
        sensitivity(Path(spec), tmp_path / "out", method="fast")
