"""The plan's index at its baseline and targets, checked against an independent computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from stpi.analysis import compute_index, plan_scenarios, plan_status, values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.framework import default_plan, embedded_framework


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return default_plan()


@pytest.fixture(scope="module")
def fw():  # type: ignore[no-untyped-def]
    return embedded_framework()


def _by_hand(plan, fw, use_baseline: bool) -> float:  # type: ignore[no-untyped-def]
    """Equal weights and standard = target / 0.4326, re-normalising over present indicators."""
    areas = []
    for area in fw.children(fw.root.code):
        groups = []
        for group in fw.children(area.code):
            scores = []
            for node in fw.children(group.code):
                ind = plan.indicator(node.code)
                x = ind.baseline if use_baseline else ind.target
                if x is not None:
                    scores.append(100 * min(1.0, x / (ind.target / 0.4326)))
            groups.append(sum(scores) / len(scores))
        areas.append(sum(groups) / len(groups))
    return sum(areas) / len(areas)


def test_meeting_every_target_gives_the_goal(plan, fw) -> None:  # type: ignore[no-untyped-def]
    status = plan_status(plan, fw)
    assert status.index_target == pytest.approx(43.26, abs=1e-12)
    assert status.goal_index == 43.26 and status.goal_rank == 9 and status.goal_regions == 14


def test_baseline_is_incomplete_and_named(plan, fw) -> None:  # type: ignore[no-untyped-def]
    status = plan_status(plan, fw, missing="reweight")
    assert status.missing_at_baseline == ("I28",)
    assert status.index_baseline_complete is None  # undefined without a policy
    assert status.missing_policy == "reweight"
    assert status.index_baseline == pytest.approx(_by_hand(plan, fw, True), abs=1e-12)
    assert status.index_baseline == pytest.approx(31.61187557656836, abs=1e-9)


def test_zero_policy_is_lower(plan, fw) -> None:  # type: ignore[no-untyped-def]
    zero = plan_status(plan, fw, missing="zero").index_baseline
    rew = plan_status(plan, fw, missing="reweight").index_baseline
    assert zero is not None and rew is not None and zero < rew
    # I28 carries 1/5 · 1/3 · 1/3 of the weight; scoring it 0 instead of sharing its weight
    g10_by_hand = (100 * 93.14 / (103.75 / 0.4326) + 100 * 12.99 / (16.47 / 0.4326)) / 3
    status = plan_status(plan, fw, missing="zero")
    g10 = next(g for g in status.groups if g.code == "G10")
    assert g10.baseline == pytest.approx(g10_by_hand, abs=1e-12)


def test_indicator_rows_and_gains(plan, fw) -> None:  # type: ignore[no-untyped-def]
    status = plan_status(plan, fw)
    assert len(status.indicators) == 32
    gains = sum(i.gain for i in status.indicators if i.gain is not None)
    assert status.gain_reweight is not None and status.gain_reweight != 0  # I28 appears: weights re-normalised
    assert gains + status.gain_reweight == pytest.approx(status.index_target - status.index_baseline, abs=1e-12)
    assert all(i.gain >= 0 for i in status.indicators if i.gain is not None)  # every target is an improvement
    i01 = status.indicators[0]
    assert i01.effective_weight == pytest.approx(1 / 5 * 1 / 3 * 1 / 3)
    assert i01.lead == ("hrss",) and i01.score_target == pytest.approx(43.26)
    assert status.illustrative and any("0.4326" in r for r in status.parameter_rules)
    assert status.to_dict()["index_baseline_complete"] is None


def test_long_table_and_decomposition(plan, fw) -> None:  # type: ignore[no-untyped-def]
    values = plan_scenarios(plan, fw)
    result = compute_index(fw, values, Recipe(aggregate=Aggregate(missing="reweight")))
    long = result.long()
    assert list(long.columns) == ["region", "year", "code", "value", "rank"]
    assert len(long) == 2 * len(fw.nodes)
    dec = result.decompose(plan.region, 2022, 2026).set_index("code")
    assert dec.at["INDEX", "part"] + dec.at["INDEX", "reweight"] == pytest.approx(dec.at["INDEX", "change"], abs=1e-12)
    for area in fw.children("INDEX"):  # a group's part is the sum of its leaves' parts
        leaves = [n.code for n in fw.leaves if area in fw.ancestors(n.code)]
        assert dec.loc[leaves, "part"].sum() == pytest.approx(dec.at[area.code, "part"], abs=1e-12)
        assert dec.loc[leaves, "reweight"].sum() == pytest.approx(dec.at[area.code, "reweight"], abs=1e-12)
    # I28 has no baseline: appearing at the target is re-weighting, not a score change of its own
    assert dec.at["I28", "part"] == 0 and dec.at["I28", "reweight"] > 0
    improved = dec[(dec["depth"] == 3) & (dec["change"] > 0)]
    assert len(improved) and (improved["part"] > 0).all()


def test_values_from_frame_matches_manual_cube(fw) -> None:  # type: ignore[no-untyped-def]
    leaves = [n.code for n in fw.leaves]
    rng = np.random.default_rng(3)
    rows = [(r, y, c, float(rng.uniform(0, 100))) for r in ("甲", "乙") for y in (2021, 2022) for c in leaves]
    frame = pd.DataFrame(rows, columns=["region", "year", "indicator", "value"]).sample(frac=1, random_state=1)
    values = values_from_frame(frame, fw)
    assert values.regions == ("乙", "甲") or values.regions == ("甲", "乙")
    r = values.regions.index("甲")
    expected = [v for (reg, y, _c, v) in rows if reg == "甲" and y == 2022]
    np.testing.assert_array_equal(values.data[r, 1], expected)
    result = compute_index(fw, values)
    ranks = result.built.ranks[:, :, 0]
    assert sorted(ranks[:, 0].tolist()) == [1.0, 2.0]
