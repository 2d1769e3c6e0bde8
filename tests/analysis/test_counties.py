"""Counties: index and rank among the counties, county targets, sums against the city."""

from __future__ import annotations

import pandas as pd
import pytest

from stpi.analysis.counties import county_index, county_targets, sum_check
from stpi.analysis.status import plan_status
from stpi.errors import MethodError
from stpi.framework import default_plan, embedded_framework
from stpi.framework.embedded import embedded_variables

PLAN, FW = default_plan(), embedded_framework()
COUNTIES = ["武都区", "成县", "文县", "宕昌县"]
VARIABLES, _ = embedded_variables()


def county_figures() -> pd.DataFrame:
    """武都区 at every target, 成县 at the baselines, 文县 at half of every target; 宕昌县 nothing."""
    rows = []
    for i in PLAN.indicators:
        rows.append(("武都区", 2023, i.code, i.target))
        if i.baseline is not None:
            rows.append(("成县", 2023, i.code, i.baseline))
        rows.append(("文县", 2023, i.code, i.target / 2))
        rows.append(("陇南市", 2023, i.code, i.target))  # the city is not ranked among its counties
    return pd.DataFrame(rows, columns=["region", "year", "indicator", "value"])


def test_county_index_and_rank() -> None:
    idx = county_index(FW, county_figures(), COUNTIES).set_index("region")
    assert list(idx.index) == ["武都区", "成县", "文县"]
    assert idx.loc["武都区", "index"] == pytest.approx(43.26)  # every target met: the plan's goal
    assert idx.loc["文县", "index"] == pytest.approx(43.26 / 2)
    assert idx.loc["成县", "index"] == pytest.approx(plan_status(PLAN, FW).index_baseline)
    assert list(idx["rank"]) == [1, 2, 3] and set(idx["counties_ranked"]) == {3}
    assert list(idx["indicators"]) == [32, 31, 32]
    assert county_index(FW, county_figures(), ["两当县"]).empty


def test_county_targets() -> None:
    t = county_targets(PLAN, FW, county_figures(), COUNTIES)
    assert len(t) == 4 * 32 and set(t["year"]) == {2023}
    i13 = t[(t["region"] == "武都区") & (t["code"] == "I13")].iloc[0]
    assert i13["target"] == 1.1 and i13["target_scope"] == "counties" and i13["value"] == 1.2 and i13["met"]
    i01 = t[(t["region"] == "文县") & (t["code"] == "I01")].iloc[0]
    assert i01["target"] == 197.02 and i01["target_scope"] == "city" and i01["met"] is False
    assert t[t["region"] == "宕昌县"]["met"].isna().all()
    assert (t[t["code"] != "I13"]["target_scope"] == "city").all()


def raw() -> pd.DataFrame:
    rows = [
        ("陇南市", 2023, "resident_population", 240.0),  # 100 + 80 + 60: agrees
        ("武都区", 2023, "resident_population", 100.0),
        ("成县", 2023, "resident_population", 80.0),
        ("文县", 2023, "resident_population", 60.0),
        ("陇南市", 2023, "rd_personnel", 1000.0),  # 900: 10% short
        ("武都区", 2023, "rd_personnel", 500.0),
        ("成县", 2023, "rd_personnel", 400.0),
        ("陇南市", 2023, "urban_avg_wage", 90000.0),  # an average: never summed
        ("武都区", 2023, "urban_avg_wage", 80000.0),
        ("成县", 2023, "urban_avg_wage", 85000.0),
        ("陇南市", 2023, "I01", 197.0),  # an indicator: never summed
        ("武都区", 2023, "I01", 150.0),
        ("陇南市", 2024, "rd_personnel", 1000.0),  # no county figure: nothing to compare
    ]
    return pd.DataFrame(rows, columns=["region", "year", "indicator", "value"])


def test_sum_check_finds_the_mismatch_only() -> None:
    s = sum_check(raw(), VARIABLES, city="陇南市", counties=COUNTIES).set_index("variable")
    assert list(s.index) == ["rd_personnel", "resident_population"]  # mismatches first
    bad = s.loc["rd_personnel"]
    assert bad["status"] == "mismatch" and bad["city_value"] == 1000.0 and bad["county_sum"] == 900.0
    assert bad["difference"] == -100.0 and bad["relative"] == pytest.approx(-0.1)
    assert bad["counties_reported"] == 2 and bad["counties_missing"] == "文县、宕昌县" and bad["kind"] == "count"
    good = s.loc["resident_population"]
    assert good["status"] == "ok" and good["county_sum"] == 240.0 and good["counties_missing"] == "宕昌县"


def test_sum_check_tolerance() -> None:
    loose = sum_check(raw(), VARIABLES, city="陇南市", counties=COUNTIES, tolerance=0.1)
    assert set(loose["status"]) == {"ok"}  # exactly 10% is within a 10% tolerance
    shifted = raw()
    shifted.loc[0, "value"] = 241.0  # 1/241 = 0.41% off: within 0.5%, outside 0.4%
    assert set(sum_check(shifted, VARIABLES, city="陇南市", counties=COUNTIES)["status"]) == {"mismatch", "ok"}
    tight = sum_check(shifted, VARIABLES, city="陇南市", counties=COUNTIES, tolerance=0.004)
    assert set(tight["status"]) == {"mismatch"}
    with pytest.raises(MethodError, match="tolerance"):
        sum_check(raw(), VARIABLES, city="陇南市", counties=COUNTIES, tolerance=-1)
