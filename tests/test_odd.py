"""The written model description matches the code: schedule, parameter names, parameter table."""

from __future__ import annotations

import pytest

import sim
from sim.output.docs import (ODD_MD, PARAMETERS_MD, parameter_paths, parameter_rows, parameters_markdown,
                      parameters_named_in, schedule_from_model, schedule_from_odd)
from sim.core.paramtree import is_number, leaves


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD_MD.read_text(encoding="utf-8")


def test_model_docstring_has_a_schedule():
    steps = schedule_from_model()
    assert len(steps) >= 5, f"could not read the numbered day schedule from SurveillanceModel.__doc__: {steps}"
    for name in steps:
        assert callable(getattr(sim.SurveillanceModel, name, None)), f"schedule names {name!r}, not a model method"


def test_odd_schedule_is_the_models(odd):
    assert schedule_from_odd(odd) == schedule_from_model(), (
        "docs/ODD.md 'Process overview and scheduling' must list the same methods in the same order as "
        "the SurveillanceModel docstring")


def test_odd_schedule_parser_reads_only_its_section():
    text = ("# ODD\n## 3. Process overview and scheduling\n\n1. `b`: x\n2. `a`: y\n\n"
            "## 4. Design concepts\n1. `c`: not part of the schedule\n")
    assert schedule_from_odd(text) == ["b", "a"]
    assert schedule_from_odd("# no schedule here\n1. `a`\n") == []


def test_every_parameter_named_in_odd_exists(odd):
    named = parameters_named_in(odd)
    assert len(named) > 50, f"ODD.md should name the parameters of its equations; found only {len(named)}"
    unknown = sorted(named - parameter_paths())
    assert unknown == [], f"docs/ODD.md names parameters that are not in the tree: {unknown}"


def test_parameters_named_in_skips_code_and_files():
    text = "`fear.decay` `sim.mechanisms.fear` `np.random` `scenarios/educator.toml` `survsim` `fears.decay` `docs/ODD.md`"
    assert parameters_named_in(text) == {"fear.decay", "fears.decay"}


def test_odd_covers_every_feedback_loop_switch(odd):
    for switch in ("loops.fear", "loops.credit", "loops.gallery", "loops.attention"):
        assert f"`{switch}`" in odd, f"ODD.md does not describe the switch {switch}"


def test_parameters_md_is_up_to_date():
    assert PARAMETERS_MD.read_text(encoding="utf-8") == parameters_markdown(), (
        "docs/parameters.md is stale: regenerate it with `python -m sim.output.docs`")


def test_parameters_md_lists_every_leaf_with_provenance():
    rows = parameter_rows(PARAMETERS_MD.read_text(encoding="utf-8"))
    tree = list(leaves(sim.Params()))
    assert set(rows) == {leaf.path for leaf in tree}
    for leaf in tree:
        row = rows[leaf.path]
        assert row["unit"] and row["description"], f"{leaf.path}: unit or description missing in parameters.md"
        if is_number(leaf.value):
            prov = row["source / assumption"]
            assert prov.startswith("source: ") or prov.startswith("assumption ("), (
                f"{leaf.path}: a number needs a source or an assumption range in parameters.md, got {prov!r}")
        if leaf.ge is not None or leaf.le is not None:
            assert row["bounds"], f"{leaf.path}: bounds missing in parameters.md"


def test_parameters_md_shows_assumption_ranges():
    rows = parameter_rows(parameters_markdown())
    assert rows["fear.decay"]["source / assumption"] == "assumption (0.005-0.1)"
    assert rows["crime.property_recorded"]["source / assumption"] == "source: FBI CIUS 2019"
    assert rows["fear.decay"]["bounds"] == "0 to 1"
    assert rows["loops.fear"]["source / assumption"] == "switch"
