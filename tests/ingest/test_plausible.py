"""Cross-row plausibility: derived indicators, typed against raw, far from the peers (robust z-score)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, strategies as st

from stpi.framework.embedded import embedded_framework, embedded_variables
from stpi.framework.plausibility import plausibility_rules
from stpi.ingest.plausible import Figures, cross_row_problems, robust_z

FW = embedded_framework()
VARIABLES, FORMULAS = embedded_variables()
RULES = plausibility_rules(FW, VARIABLES)
LEAVES = frozenset(n.code for n in FW.leaves)


def _table(rows: list[tuple[str, int, str, float, str]]) -> pd.DataFrame:
    return pd.DataFrame([(r, y, c, v, n, None, i + 2) for i, (r, y, c, v, n) in enumerate(rows)], columns=["region", "year", "code", "value", "note", "sheet", "_row"])


def _peers(values: list[float]) -> Figures:
    current = {(f"市{i}", 2024, "I13"): v for i, v in enumerate(values)}
    group = {f"市{i}": ("city", "62") for i in range(len(values))} | {"陇南市": ("city", "62"), "武都区": ("county", "6212")}
    return Figures(current=current, group=group)


def test_a_value_far_from_the_peers_is_a_warning_not_a_refusal() -> None:
    figures = _peers([0.9, 1.0, 1.1, 1.2, 0.95, 1.05, 1.15])
    problems, warnings = cross_row_problems(_table([("陇南市", 2024, "I13", 9.5, "")]), "f.csv", rules=RULES, formulas=FORMULAS, figures=figures, indicators=LEAVES)
    assert problems == [] and len(warnings) == 1
    w = warnings[0]
    assert (w.file, w.row, w.field, w.code) == ("f.csv", 2, "value", "I13") and "稳健 z 值" in w.reason and "7 个地区" in w.reason
    _, none = cross_row_problems(_table([("陇南市", 2024, "I13", 1.3, "")]), "f.csv", rules=RULES, formulas=FORMULAS, figures=figures, indicators=LEAVES)
    assert none == []


def test_peers_are_the_same_level_and_parent_and_need_a_spread() -> None:
    figures = _peers([0.9, 1.0, 1.1, 1.2, 0.95, 1.05, 1.15])
    _, county = cross_row_problems(_table([("武都区", 2024, "I13", 9.5, "")]), "f.csv", rules=RULES, formulas=FORMULAS, figures=figures, indicators=LEAVES)
    assert county == []  # the cities are not a county's peers
    _, few = cross_row_problems(_table([("陇南市", 2024, "I13", 9.5, "")]), "f.csv", rules=RULES, formulas=FORMULAS, figures=_peers([1.0, 1.1, 1.2]), indicators=LEAVES)
    assert few == []


def test_a_typed_value_is_checked_against_the_stores_raw_statistics() -> None:
    current = {("陇南市", 2024, "fiscal_st_expenditure"): 1100.0, ("陇南市", 2024, "general_budget_expenditure"): 100000.0}
    problems, _ = cross_row_problems(_table([("陇南市", 2024, "I13", 1.15, "")]), "f.csv", rules=RULES, formulas=FORMULAS, figures=Figures(current=current), indicators=LEAVES)
    assert len(problems) == 1 and problems[0].code == "I13" and "库中已审核" in problems[0].reason
    noted, _ = cross_row_problems(_table([("陇南市", 2024, "I13", 1.15, "按决算数")]), "f.csv", rules=RULES, formulas=FORMULAS, figures=Figures(current=current), indicators=LEAVES)
    assert noted == []


def test_a_derived_jump_against_last_years_raw_statistics() -> None:
    last = {("陇南市", 2024, "provincial_st_awards"): 1.0, ("陇南市", 2024, "professional_technical_personnel"): 50000.0}
    rows = [("陇南市", 2024, "provincial_st_awards", 11.0, ""), ("陇南市", 2024, "professional_technical_personnel", 50000.0, "")]
    problems, _ = cross_row_problems(_table(rows), "f.csv", rules=RULES, formulas=FORMULAS, figures=Figures(last=last), indicators=LEAVES)
    assert [(p.row, p.field, p.code) for p in problems] == [(2, "note", "I17")] and "1000%" in problems[0].reason


@given(st.lists(st.integers(-1000, 1000), min_size=5, max_size=30), st.integers(-1000, 1000), st.sampled_from([0.5, 2.0, 10.0]), st.integers(-100, 100))
def test_robust_z_is_invariant_under_scale_and_shift(peers: list[int], x: int, a: float, b: int) -> None:
    z = robust_z(x, peers)
    moved = robust_z(a * x + b, [a * p + b for p in peers])
    assert (z is None) == (moved is None)
    if z is not None and moved is not None:
        assert abs(z - moved) <= 1e-9 * max(1.0, abs(z))
