"""Indicators derived from raw statistics, and reported ones winning over derived ones."""

from __future__ import annotations

import pandas as pd
import pytest

from stpi.analysis.derived import derive_indicators
from stpi.framework.formula import parse_formula

FORMULAS = {"I10": parse_formula("rd_personnel / resident_population"), "I12": parse_formula("rd_expenditure / (gdp * 10000) * 100")}


def test_derived_from_raw_statistics_and_reported_wins() -> None:
    figures = pd.DataFrame(
        [
            ("陇南市", 2023, "rd_personnel", 1000.0),
            ("陇南市", 2023, "resident_population", 240.0),  # 万人
            ("陇南市", 2023, "rd_expenditure", 150000.0),  # 万元
            ("陇南市", 2023, "gdp", 600.0),  # 亿元
            ("陇南市", 2023, "I12", 0.3),  # reported directly: wins
            ("武都区", 2023, "rd_personnel", 300.0),  # population missing: no I10
            ("武都区", 2023, "I01", 190.0),
        ],
        columns=["region", "year", "indicator", "value"],
    )
    out = derive_indicators(figures, FORMULAS).set_index(["region", "indicator"])
    assert out.loc[("陇南市", "I10"), "value"] == pytest.approx(1000 / 240)
    assert out.loc[("陇南市", "I10"), "origin"] == "derived"
    assert out.loc[("陇南市", "I12"), "value"] == 0.3 and out.loc[("陇南市", "I12"), "origin"] == "reported"
    assert ("武都区", "I10") not in out.index
    assert out.loc[("武都区", "I01"), "origin"] == "reported"
    assert "rd_personnel" not in out.index.get_level_values("indicator")


def test_no_variables_no_derivation() -> None:
    figures = pd.DataFrame([("甲", 2023, "I01", 1.0)], columns=["region", "year", "indicator", "value"])
    assert derive_indicators(figures, FORMULAS)["origin"].tolist() == ["reported"]
