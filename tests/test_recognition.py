"""Face recognition: published targets reproduced, direction of effects, reproducibility."""

from __future__ import annotations

import time

import numpy as np
import pytest
from pydantic import ValidationError

from sim.core.groups import GROUP_KEYS
from sim.recognition import (
    RecognitionParams, ScoreModel, default_model, fit, fmr, fnmr, recognition_targets, search,
    search_test,
)
from sim.recognition.params import CalibrationInputs
from sim.recognition.targets import FMR_RATIO, FNMR, nist_rates, rerun_false_matches

G = len(GROUP_KEYS)
IDX = {k: i for i, k in enumerate(GROUP_KEYS)}
CAL = CalibrationInputs()
SEEDS = range(40)


def counts(shares: dict[str, float], total: int) -> dict[str, int]:
    """Split a total by shares into integers that sum to it (largest remainder)."""
    raw = np.array(list(shares.values())) * total
    n = np.floor(raw).astype(int)
    n[np.argsort(n - raw)[: total - n.sum()]] += 1
    return dict(zip(shares, n.tolist()))


CONGRESS = counts(CAL.congress_shares, CAL.congress_size)
GALLERY = counts(CAL.gallery_shares, CAL.gallery_size)


def mean_hits(probes: dict[str, int], gallery: dict[str, int], threshold: float,
              key: str | None = None) -> float:
    """Probes with >= 1 false candidate, averaged over seeds (one group or all)."""
    runs = [search_test(probes, gallery, threshold, np.random.default_rng(s)) for s in SEEDS]
    return float(np.mean([r[key] if key else sum(r.values()) for r in runs]))


def test_congress_sized_test_reproduces_aclu() -> None:
    assert sum(CONGRESS.values()) == 535 and sum(GALLERY.values()) == 25_000
    runs = [search_test(CONGRESS, GALLERY, 0.80, np.random.default_rng(s)) for s in range(200)]
    total = np.array([sum(r.values()) for r in runs])
    poc = np.array([sum(v for k, v in r.items() if not k.startswith("white_")) for r in runs])
    assert 25 <= total.mean() <= 31, f"expected ~28 of 535 falsely matched, got {total.mean()}"
    share = poc.sum() / total.sum()
    assert 0.30 <= share <= 0.50, f"expected ~40% people of colour, got {share:.2f}"


def test_congress_sized_test_is_fast() -> None:
    search_test(CONGRESS, GALLERY, 0.80, 0)  # warm caches
    times = []
    for s in range(20):
        t0 = time.perf_counter()
        search_test(CONGRESS, GALLERY, 0.80, s)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 0.02, f"535 x 25,000 should take ~ms, took {np.median(times):.4f}s"


def test_higher_threshold_fewer_false_candidates() -> None:
    hits = [mean_hits(CONGRESS, GALLERY, t) for t in (0.70, 0.80, 0.90, 0.95)]
    assert hits == sorted(hits, reverse=True) and hits[0] > hits[-1], hits


def test_bigger_gallery_more_false_candidates() -> None:
    small = mean_hits(CONGRESS, GALLERY, 0.80)
    big = mean_hits(CONGRESS, counts(CAL.gallery_shares, 250_000), 0.80)
    assert big > 3 * small, f"10x gallery should give many more false matches: {small} -> {big}"
    p = [default_model().p_any_false(0.8, np.full(G, n))[IDX["black_f"]] for n in (1e3, 1e4, 1e5)]
    assert p == sorted(p) and p[0] < p[-1]


def test_gallery_makeup_matters() -> None:
    probes = {"black_f": 500, "white_m": 500}
    base = dict(GALLERY)
    more_bf = dict(base, black_f=base["black_f"] + 5_000, white_m=base["white_m"] - 5_000)
    bf0, bf1 = (mean_hits(probes, g, 0.80, "black_f") for g in (base, more_bf))
    wm0, wm1 = (mean_hits(probes, g, 0.80, "white_m") for g in (base, more_bf))
    assert bf1 > 1.5 * bf0, f"more Black women in gallery -> more false hits: {bf0}, {bf1}"
    assert wm1 < wm0, f"fewer white men in gallery -> fewer false hits for them: {wm0}, {wm1}"


def test_fmr_fnmr_shapes_and_directions() -> None:
    f, m = fmr(0.8), fnmr(0.8)
    assert f.shape == (G, G) and m.shape == (G,)
    assert np.allclose(f, f.T), "one-to-one comparisons are symmetric"
    off_diag = ~np.eye(G, dtype=bool)
    assert (f[off_diag] < np.maximum.outer(np.diag(f), np.diag(f))[off_diag]).all(), \
        "cross-group impostor pairs should false-match less than same-group pairs"
    ts = np.array([0.5, 0.8, 0.95, 0.99])
    assert (np.diff(fmr(ts), axis=0) < 0).all() and (np.diff(fnmr(ts), axis=0) > 0).all()
    assert fmr(np.array(0.0)).min() == 1.0 and fmr(np.array(1.0)).max() == 0.0


def test_nist_fmr_ratios_and_fnmr() -> None:
    model = default_model()
    t, ratio, miss = nist_rates(model, CAL)
    wm = IDX["white_m"]
    assert model.fmr(t)[wm, wm] == pytest.approx(1e-5, rel=1e-6)
    for k, (_, lo, hi) in FMR_RATIO.items():
        assert lo <= ratio[IDX[k]] <= hi, f"{k}: FMR ratio {ratio[IDX[k]]:.2f} not in {lo}-{hi}"
    for k, target in FNMR.items():
        assert miss[IDX[k]] == pytest.approx(target, rel=0.05), f"{k}: FNMR {miss[IDX[k]]:.4f}"
    # Misses and false matches do not move together: Black men miss least, match most.
    assert miss[IDX["black_m"]] < miss[wm] and ratio[IDX["black_m"]] > 1


def test_vendor_rerun_at_99_has_no_false_matches() -> None:
    assert rerun_false_matches(default_model(), CAL) < 0.1
    rerun = counts(CAL.gallery_shares, CAL.rerun_gallery_size)
    assert mean_hits(CONGRESS, rerun, 0.99) < 0.1


def test_stored_defaults_equal_fresh_fit() -> None:
    stored, fresh = RecognitionParams(), fit()
    for name in ("impostor_mean", "genuine_mean"):
        a, b = getattr(stored, name), getattr(fresh, name)
        diff = {k: abs(a[k] - b[k]) for k in GROUP_KEYS}
        assert max(diff.values()) < 2e-3, f"{name}: re-run python -m sim.recognition.fit: {diff}"


def test_all_targets_pass() -> None:
    checks = recognition_targets()
    assert len(checks) >= 3 + 9 + 10
    failed = [c for c in checks if not c.passed]
    assert not failed, f"targets failed: {failed}"
    bad = recognition_targets(RecognitionParams(threshold=0.6))
    assert not bad[0].passed, "a much lower threshold must break the Congress target"


def test_threshold_search_finds_enrolled_at_one_minus_fnmr() -> None:
    rng = np.random.default_rng(3)
    g = rng.integers(0, G, 20_000)
    r = search(g, np.ones(g.size, bool), np.full(G, 10_000), 0.8, rng)
    expected = 1 - fnmr(0.8)[g].mean()
    assert r.found.mean() == pytest.approx(expected, abs=0.005)
    r = search(g, np.zeros(g.size, bool), np.full(G, 10_000), 0.8, rng)
    assert not r.found.any(), "a probe not in the gallery cannot be found"


def test_top_k_always_returns_k_and_misses_more_in_big_galleries() -> None:
    rng = np.random.default_rng(4)
    g = rng.integers(0, G, 5_000)
    enrolled = rng.random(g.size) < 0.5
    found = []
    for n in (1_000, 100_000, 10_000_000):
        r = search(g, enrolled, np.full(G, n), None, rng, top_k=5)
        assert (r.n_false + r.found == 5).all(), "top-k lists are always full"
        assert not r.found[~enrolled].any()
        found.append(r.found[enrolled].mean())
    assert found[0] > found[-1], f"true subject harder to rank top-5 in big galleries: {found}"
    tiny = search(g[:10], np.zeros(10, bool), np.array([1, 1] + [0] * (G - 2)), None, rng, 5)
    assert (tiny.n_false == 2).all() and not tiny.found.any(), "a small gallery returns everyone"
    none = search(g[:10], np.zeros(10, bool), np.full(G, 10), 0.0, rng)
    assert not none.found.any(), "threshold 0 still cannot find a subject not in the gallery"


def test_top_k_with_threshold_caps_candidates() -> None:
    rng = np.random.default_rng(5)
    g = np.full(2_000, IDX["black_f"])
    r = search(g, np.zeros(g.size, bool), np.full(G, 30_000), 0.5, rng, top_k=5)
    assert r.n_false.max() <= 5 and r.n_false.mean() > 4, "low threshold: list mostly full"
    bf = r.false_by_group[:, IDX["black_f"]].sum() / r.n_false.sum()
    assert bf > 0.2, f"top impostors of a Black woman are mostly Black women, got {bf:.2f}"
    r = search(g, np.zeros(g.size, bool), np.full(G, 30_000), 0.95, rng, top_k=5)
    assert r.n_false.mean() < 0.1, "high threshold: few candidates survive"


def test_same_seed_same_result() -> None:
    a = search_test(CONGRESS, GALLERY, 0.8, np.random.default_rng(11))
    b = search_test(CONGRESS, GALLERY, 0.8, np.random.default_rng(11))
    assert a == b
    g = np.arange(G).repeat(50)
    r1, r2 = (search(g, g % 2 == 0, np.full(G, 5_000), 0.7, np.random.default_rng(2), top_k=3)
              for _ in range(2))
    assert (r1.false_by_group == r2.false_by_group).all() and (r1.found == r2.found).all()


def test_parameters_validate_groups_and_shares() -> None:
    with pytest.raises(ValidationError, match="unknown"):
        RecognitionParams(impostor_mean=dict(RecognitionParams().impostor_mean, martian=1.0))
    with pytest.raises(ValidationError, match="sum to 1"):
        CalibrationInputs(congress_shares={k: 0.5 for k in GROUP_KEYS})
    assert sum(CAL.gallery_shares.values()) == pytest.approx(1.0)
    assert CAL.gallery_shares["black_f"] + CAL.gallery_shares["black_m"] == pytest.approx(0.284)
    with pytest.raises(ValueError, match="unknown group"):
        search_test({"martian": 3}, GALLERY, 0.8, 0)
    assert ScoreModel.from_params(RecognitionParams()).imp_mean.shape == (G, G)


@pytest.mark.parametrize("algorithm", ["vendor_2018", "nist_median", "nist_leading"])
def test_search_test_runs_each_preset_and_lower_quality_raises_false_matches(algorithm) -> None:
    from sim.recognition.params import QUALITIES

    big = {k: 20 * v for k, v in GALLERY.items()}
    hits = {q: np.mean([sum(search_test(CONGRESS, big, 0.8, s, algorithm=algorithm, quality=q).values())
                        for s in range(10)]) for q in QUALITIES}
    assert hits["booking"] > 0
    for q in ("doorbell", "cctv", "social"):
        assert hits[q] > hits["booking"], (algorithm, hits)
    assert hits["doorbell"] > hits["social"], "a doorbell still (declared worst) matches more strangers"
    with pytest.raises(ValueError, match="allowed: booking, doorbell, cctv, social"):
        search_test(CONGRESS, GALLERY, 0.8, 0, algorithm=algorithm, quality="fax")


def test_presets_order_differentials_and_misses() -> None:
    from sim.recognition.onetomany import NIST_GALLERY, rank_miss

    models = {a: ScoreModel.from_params(RecognitionParams(algorithm=a))
              for a in ("vendor_2018", "nist_median", "nist_leading")}
    ratios = {a: nist_rates(m, CAL)[1][IDX["black_m"]] for a, m in models.items()}
    assert ratios["vendor_2018"] > 5 > ratios["nist_median"] == pytest.approx(1.0, abs=0.01)
    miss = {a: rank_miss(m, NIST_GALLERY, 1) for a, m in models.items()}
    assert miss["nist_leading"] < 0.002 < miss["nist_median"], miss
    with pytest.raises(ValueError, match="not a preset; allowed: vendor_2018"):
        search_test(CONGRESS, GALLERY, 0.8, 0, algorithm="rekognition")


def test_every_calibration_row_is_labelled_and_one_to_many_rows_exist() -> None:
    rows = recognition_targets()
    assert {r.evidence for r in rows} == {"fitted", "check"}
    assert all(r.reproduces_input <= (r.evidence == "fitted") for r in rows), "only fitted rows reproduce inputs"
    assert any(r.reproduces_input and r.name.startswith("FNMR") for r in rows), "closed-form FNMR rows are marked"
    names = " ".join(r.name for r in rows)
    assert "nist_leading: rank-1 miss" in names and "FPIR" in names and "50-candidate" in names
    assert all(r.passed for r in rows)


def test_per_probe_rules_mix_modes_in_one_batch() -> None:
    rng = np.random.default_rng(5)
    g = np.zeros(3000, np.intp)
    thr = np.tile([0.8, np.nan, 0.5], 1000)
    k = np.tile([0, 5, 5], 1000)
    r = search(g, np.zeros(g.size, bool), np.full(G, 30_000), thr, rng, top_k=k)
    n = r.n_false
    assert (n[1::3] == 5).all(), "top-k with no threshold always fills its list"
    assert n[2::3].max() <= 5 and n[0::3].max() > 0
    with pytest.raises(ValueError, match="each probe needs a threshold"):
        search(g[:2], np.zeros(2, bool), np.full(G, 10), np.array([np.nan, 0.8]), rng, top_k=np.array([0, 0]))
