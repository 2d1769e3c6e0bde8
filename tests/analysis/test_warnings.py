"""Early warnings: off-track runs, severity, gaps in units and index points, owners."""

from __future__ import annotations

import pandas as pd
import pytest

from stpi.analysis.track import track
from stpi.analysis.warnings import capped_score, early_warnings
from stpi.errors import MethodError
from stpi.framework import default_plan, embedded_framework

PLAN, FW = default_plan(), embedded_framework()


def on_path(code: str, year: int) -> float:
    """The linear milestone of an indicator (its target for I28, which has no baseline)."""
    ind = PLAN.indicator(code)
    if ind.baseline is None:
        return ind.target
    return ind.baseline + (ind.target - ind.baseline) * ((year - 2022) / 4)


def figures(overrides: dict[tuple[str, int], float]) -> pd.DataFrame:
    rows = [("陇南市", y, i.code, overrides.get((i.code, y), on_path(i.code, y))) for y in (2023, 2024) for i in PLAN.indicators]
    return pd.DataFrame(rows, columns=["region", "year", "indicator", "value"])


# 2023: I01 stays at its baseline (limited, red), I02 at 42.1 (ratio 0.3/0.34: moderate, yellow),
# I03 falls below its baseline (deterioration, red). 2024: I01 and I02 still behind, I03 back on its path.
DATA = figures({("I01", 2023): 194.76, ("I02", 2023): 42.1, ("I03", 2023): 1.40, ("I01", 2024): 194.76, ("I02", 2024): 42.1})
TRACKED = track(PLAN, FW, DATA)


def test_capped_score() -> None:
    assert capped_score(50.0, 200.0) == 25.0
    assert capped_score(300.0, 200.0) == 100.0
    assert capped_score(400.0, 200.0, -1) == 50.0


def test_warnings_in_2023_with_gaps_and_owners() -> None:
    w = early_warnings(TRACKED, PLAN, FW, year=2023).set_index("code")
    assert list(w.index) == ["I03", "I01", "I02"]  # red (largest gap in index points first), then yellow
    assert w.loc["I03", "gap_points"] == pytest.approx(100 * (1.49 + 0.13 / 4 - 1.40) * 0.4326 / 1.62 / 45)
    assert w.loc["I01", "status"] == "limited" and w.loc["I01", "severity"] == "red"
    assert w.loc["I03", "status"] == "deterioration" and w.loc["I02", "severity"] == "yellow"
    # I01: milestone 194.76 + 2.26/4 = 195.325, gap 0.565 persons; standard 197.02/0.4326, weight 1/45
    assert w.loc["I01", "milestone"] == pytest.approx(195.325)
    assert w.loc["I01", "gap"] == pytest.approx(0.565)
    assert w.loc["I01", "effective_weight"] == pytest.approx(1 / 45)
    assert w.loc["I01", "gap_points"] == pytest.approx(100 * 0.565 * 0.4326 / 197.02 / 45)
    assert w.loc["I02", "gap"] == pytest.approx(42.14 - 42.1)
    assert w.loc["I03", "gap"] == pytest.approx(1.49 + 0.13 / 4 - 1.40)
    assert w.loc["I01", "lead"] == "hrss" and w.loc["I01", "responsible"] == "edu;sci;agri;health;forest"
    assert w.loc["I01", "years_off_track"] == 1


def test_consecutive_years() -> None:
    latest = early_warnings(TRACKED, PLAN, FW)  # 2024
    assert set(latest["code"]) == {"I01", "I02"}
    two = early_warnings(TRACKED, PLAN, FW, years=2).set_index("code")
    assert list(two.index) == ["I02", "I01"] and list(two["years_off_track"]) == [2, 2]
    assert two.loc["I02", "status"] == "limited"  # 0.3 of the 0.68 needed by 2024
    assert early_warnings(TRACKED, PLAN, FW, years=3).empty  # 2022 is the baseline
    assert early_warnings(TRACKED, PLAN, FW, year=2023, years=2).empty


def test_gap_points_are_capped_at_the_standard() -> None:
    # a milestone above the standard adds nothing beyond the cap
    data = figures({("I01", 2023): 100.0})
    tr = track(PLAN, FW, data)
    tr.loc[(tr["code"] == "I01") & (tr["year"] == 2023), "milestone"] = 1000.0
    w = early_warnings(tr, PLAN, FW, year=2023).set_index("code")
    standard = FW.node("I01").standard
    assert w.loc["I01", "gap"] == pytest.approx(900.0)
    assert w.loc["I01", "gap_points"] == pytest.approx((100 - 100 * 100.0 / standard) / 45)


def test_bad_arguments() -> None:
    with pytest.raises(MethodError, match="--years"):
        early_warnings(TRACKED, PLAN, FW, years=0)
    with pytest.raises(MethodError, match="2030"):
        early_warnings(TRACKED, PLAN, FW, year=2030)
