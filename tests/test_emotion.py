"""Emotion flags: off by default, higher for Black faces, reproducible."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from sim.mechanisms.emotion import EmotionParams, flag, flag_rate
from sim.core.groups import GROUP_KEYS

IDX = {k: i for i, k in enumerate(GROUP_KEYS)}
ON = EmotionParams(enabled=True)


def test_disabled_by_default_flags_nobody() -> None:
    g = np.arange(len(GROUP_KEYS)).repeat(1_000)
    assert not EmotionParams().enabled
    assert not flag(g, np.random.default_rng(0), EmotionParams()).any()
    assert (flag_rate(EmotionParams()) == 0).all()


def test_black_faces_flagged_more_than_white() -> None:
    rng = np.random.default_rng(1)
    n = 200_000
    rate = {k: flag(np.full(n, IDX[k]), rng, ON).mean() for k in GROUP_KEYS}
    for sex in ("f", "m"):
        assert rate[f"black_{sex}"] > 2 * rate[f"white_{sex}"], rate
    assert rate["black_f"] > rate["black_m"], "darker women: attribute errors highest"
    assert rate["white_m"] == pytest.approx(ON.base_rate, rel=0.1)


def test_same_seed_same_flags() -> None:
    g = np.random.default_rng(2).integers(0, len(GROUP_KEYS), 10_000)
    a, b = (flag(g, np.random.default_rng(3), ON) for _ in range(2))
    assert (a == b).all()


def test_low_validity_is_sourced() -> None:
    field = EmotionParams.model_fields["validity"]
    assert EmotionParams().validity <= 0.35
    assert "Barrett" in field.json_schema_extra["source"]


def test_unknown_group_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown"):
        EmotionParams(group_multiplier={"martian": 2.0})
