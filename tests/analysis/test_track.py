"""Milestones, progress status at the thresholds' edges, tracking and feasibility."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from stpi.analysis.feasibility import annual_rate, feasibility
from stpi.analysis.track import milestone, progress_status, track
from stpi.errors import MethodError
from stpi.framework import default_plan, embedded_framework


def test_linear_and_compound_milestones() -> None:
    assert milestone(100, 200, 2024, 2022, 2026) == 150.0
    assert milestone(100, 400, 2024, 2022, 2026, "compound") == pytest.approx(200.0)
    assert milestone(-1, 3, 2024, 2022, 2026, "compound") == 1.0  # not positive: linear
    with pytest.raises(MethodError, match="linear, compound"):
        milestone(1, 2, 2024, 2022, 2026, "spline")


def status(value: float, path: str = "linear") -> tuple[str, float | None]:
    # baseline 100 in 2022, target 200 in 2026: 25 a year needed (linear)
    return progress_status(100.0, value, 200.0, year=2024, baseline_year=2022, target_year=2026, path=path)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (200.0, "reached"),
        (147.5, "on_track"),  # ratio exactly 0.95
        (147.49, "moderate"),
        (130.0, "moderate"),  # exactly 0.60
        (129.99, "limited"),
        (100.0, "limited"),  # exactly 0
        (99.99, "deterioration"),
    ],
)
def test_status_thresholds_at_their_edges(value: float, expected: str) -> None:
    assert status(value)[0] == expected


def test_ratio_is_achieved_over_needed_growth() -> None:
    assert status(140.0)[1] == pytest.approx(0.8)
    # compound: needed (2)^(1/4) - 1 a year; achieved (1.2)^(1/2) - 1
    _, ratio = status(120.0, "compound")
    assert ratio == pytest.approx((1.2**0.5 - 1) / (2**0.25 - 1))


def test_short_history_is_said_not_guessed() -> None:
    assert progress_status(100.0, 100.0, 200.0, year=2022, baseline_year=2022, target_year=2026) == ("baseline_only", None)
    assert progress_status(100.0, None, 200.0, year=2023, baseline_year=2022, target_year=2026) == ("no_data", None)
    assert progress_status(None, 150.0, 200.0, year=2023, baseline_year=2022, target_year=2026) == ("no_data", None)


def test_lower_is_better_direction() -> None:
    assert progress_status(10.0, 8.0, 6.0, year=2024, baseline_year=2022, target_year=2026, direction=-1) == ("on_track", 1.0)
    assert progress_status(10.0, 11.0, 6.0, year=2024, baseline_year=2022, target_year=2026, direction=-1)[0] == "deterioration"


def test_track_the_plan_with_one_year_of_data() -> None:
    plan, fw = default_plan(), embedded_framework()
    i01 = plan.indicator("I01")
    values = pd.DataFrame([("陇南市", 2024, "I01", i01.baseline + (i01.target - i01.baseline) / 2)], columns=["region", "year", "indicator", "value"])
    table = track(plan, fw, values)
    row = table[(table["code"] == "I01") & (table["year"] == 2024)].iloc[0]
    assert row["milestone"] == pytest.approx(row["value"]) and row["status"] == "on_track" and row["ratio"] == pytest.approx(1.0)
    assert row["light"] == "green" and row["lead"] == "hrss"
    assert table[(table["year"] == 2024) & (table["code"] == "I02")]["status"].iloc[0] == "no_data"
    base = table[table["year"] == 2022]
    assert set(base[base["depth"] == 3]["status"]) == {"baseline_only", "no_data"}  # I28 has no baseline
    root = table[(table["code"] == "INDEX") & (table["year"] == 2022)].iloc[0]
    assert root["target"] == 43.26 and root["value"] == pytest.approx(31.61187557656836)


def test_feasibility_verdicts() -> None:
    plan = default_plan()
    assert annual_rate(100, 121, 2) == pytest.approx(0.1)
    assert math.isnan(annual_rate(0, 5, 2))
    rows = []
    for ind in plan.indicators:
        base = ind.baseline or ind.target / 2
        rows += [("陇南市", 2019, ind.code, base / 1.1**3), ("陇南市", 2023, ind.code, base * 1.1)]  # 10% a year so far
    table = feasibility(plan, pd.DataFrame(rows, columns=["region", "year", "indicator", "value"])).set_index("code")
    assert table.at["I01", "verdict"] == "reached"  # 214.2 already above 197.02
    # I12: 0.363 → 0.65 in 3 years needs 21.4% a year: more than twice the history's 10% and 5 points above
    assert table.at["I12", "required_rate"] == pytest.approx((0.65 / 0.363) ** (1 / 3) - 1)
    assert table.at["I12", "verdict"] == "implausible"
    assert table.at["I07", "verdict"] == "easy"  # 55.42 → 57.13 needs 1.0% a year, history 10%
    assert table.at["I06", "verdict"] == "in_line"  # needs 8.4%: above half the history, below it
    assert table.at["I05", "verdict"] == "ambitious"  # needs 15.6%: above 10%, within twice it
    assert table.at["I05", "own_rate"] == pytest.approx(0.1)
    only_baseline = feasibility(plan, pd.DataFrame(columns=["region", "year", "indicator", "value"])).set_index("code")
    assert set(only_baseline["verdict"]) == {"no_history"}
    assert only_baseline.at["I12", "required_rate"] == pytest.approx((0.65 / 0.33) ** (1 / 4) - 1)


def test_the_plan_chooses_the_path() -> None:
    from dataclasses import replace

    plan, fw = default_plan(), embedded_framework()
    assert plan.milestone_path == "linear"
    i05 = plan.indicator("I05")
    data = pd.DataFrame([("陇南市", 2024, "I05", 1.4)], columns=["region", "year", "indicator", "value"])
    compound = track(replace(plan, milestone_path="compound"), fw, data)
    linear = track(plan, fw, data)
    pick = lambda t: t[(t["code"] == "I05") & (t["year"] == 2024)].iloc[0]["milestone"]  # noqa: E731
    assert pick(compound) == pytest.approx((i05.baseline * i05.target) ** 0.5)  # halfway, geometrically
    assert pick(linear) == pytest.approx((i05.baseline + i05.target) / 2)


def test_an_indicator_without_a_baseline_is_measured_from_its_first_year_with_data() -> None:
    """I28 has no 2022 value: from 2023 on it is tracked from its 2023 value (Open SDG), never 'no data' when it has data."""
    from stpi.analysis.track import start_note

    plan, fw = default_plan(), embedded_framework()
    target = plan.indicator("I28").target  # 0.013
    data = pd.DataFrame([("陇南市", y, "I28", v) for y, v in ((2023, 0.010), (2024, 0.0105), (2025, 0.011))], columns=["region", "year", "indicator", "value"])
    rows = track(plan, fw, data).query("code == 'I28'").set_index("year")
    assert rows.at[2022, "status"] == "no_data" and rows["start_year"].tolist() == [2023] * 4
    assert rows.at[2023, "status"] == "baseline_only" and rows.at[2023, "milestone"] == pytest.approx(0.010)
    # needed (0.013 − 0.010)/3 a year from 2023; achieved (0.011 − 0.010)/2
    assert rows.at[2025, "milestone"] == pytest.approx(0.010 + (target - 0.010) * 2 / 3)
    assert rows.at[2025, "ratio"] == pytest.approx((0.001 / 2) / ((target - 0.010) / 3))
    assert rows.at[2025, "status"] == "limited" and rows.at[2025, "light"] == "red"
    note = start_note(rows.at[2025, "start_year"], plan.baseline_year)
    assert note is not None and note.zh == "基期缺失,以2023年为起点" and note.en == "no baseline: measured from 2023"
    others = track(plan, fw, data).query("code == 'I01'")
    assert set(others["start_year"]) == {2022} and start_note(2022, plan.baseline_year) is None
    nothing = track(plan, fw, data.iloc[:0]).query("code == 'I28'")
    assert nothing["start_year"].isna().all() and set(nothing["status"]) == {"no_data"}  # no data at all: no data
