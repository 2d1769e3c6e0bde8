"""Department assessment: hand-computed scores on a two-indicator plan, and rules validation."""

from __future__ import annotations

import re
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from stpi.analysis.assessment import (
    Rules,
    assess,
    load_rules,
    require_data,
    rules_from_text,
    timeliness_status,
)
from stpi.errors import InputError, NotFoundError
from stpi.framework.plan import Department, Goal, Plan, PlanIndicator

DEFAULT = str(resources.files("stpi") / "data" / "assessment-rules.yaml")


def _ind(no: int, lead: tuple[str, ...], responsible: tuple[str, ...]) -> PlanIndicator:
    return PlanIndicator(no, f"I0{no}", "G1", f"指标{no}", "%", 1.0, 2.0, False, "", lead, responsible)


PLAN = Plan(
    "t", "测试方案", "测试市", "fw", 2022, 2026, Goal(40.0, True, 9, True, 14),
    (Department("a", "甲局"), Department("b", "乙局"), Department("c", "丙局")),
    (_ind(1, ("a",), ("b",)), _ind(2, ("b",), ())),
)
STATUS = pd.DataFrame({"code": ["I01", "I02"], "status": ["reached", "moderate"]})
SUBS = pd.DataFrame({"code": ["I01", "I02"], "submitted_at": [datetime(2024, 3, 1, 9), datetime(2024, 4, 15)], "returns": [1, 0]})


def _rules(**changes: object) -> Rules:
    base = load_rules(DEFAULT)
    return Rules(**{**base.__dict__, **changes})


def test_default_rules_are_marked_illustrative() -> None:
    r = load_rules(DEFAULT)
    assert r.illustrative and "示意规则" in r.title
    assert r.roles == {"lead": 1.0, "responsible": 0.3}
    assert r.deadline_for(2023) == date(2024, 3, 31)


def test_scores_by_hand() -> None:
    a = assess(PLAN, STATUS, SUBS, load_rules(DEFAULT), year=2023)
    s = a.summary.set_index("department")
    # a leads I01: A 10 (reached) + T 2 (on time) + Q 2-1 (one return) = 13 of 14; bonus 2 (reached before 2026)
    assert s.loc["a", "earned"] == pytest.approx(13) and s.loc["a", "possible"] == pytest.approx(14)
    assert s.loc["a", "total"] == pytest.approx(100 * 13 / 14 + 2)
    # b: I01 at 0.3 (3 + 0.6 + 0.3, bonus 0.6) and leads I02: A 6 (moderate) + T 1 (late) + Q 2
    assert s.loc["b", "earned"] == pytest.approx(12.9) and s.loc["b", "possible"] == pytest.approx(18.2)
    assert s.loc["b", "total"] == pytest.approx(100 * 12.9 / 18.2 + 0.6)
    assert list(a.summary["department"]) == ["a", "b"] and list(a.summary["rank"]) == [1, 2]  # c owns nothing
    d = a.detail.set_index(["department", "code", "part"])
    assert d.loc[("b", "I02", "T"), "rule"] == "T-late" and d.loc[("b", "I02", "T"), "points"] == pytest.approx(1)
    assert d.loc[("a", "I01", "Q"), "rule"] == "Q-returned" and "每被退回一次扣 1 分" in d.loc[("a", "I01", "Q"), "rule_text"]
    assert d.loc[("b", "I01", "B"), "points"] == pytest.approx(0.6) and d.loc[("b", "I02", "A"), "rule"] == "A-moderate"
    for column in ("rule_name", "rule_text", "basis", "formula"):
        assert a.detail[column].str.len().min() > 0 and a.detail[f"{column}_en"].str.len().min() > 0
    assert not a.empty


def test_every_point_in_words() -> None:
    """Each point names its rule, says its evidence and shows its sum in words, in Chinese and English: no rule ids, no 'returned 0×'."""
    a = assess(PLAN, STATUS, SUBS, load_rules(DEFAULT), year=2023)
    d = a.detail.set_index(["department", "code", "part"])
    bonus = d.loc[("b", "I01", "B")]
    assert bonus["rule_name"] == "提前达标加分" and bonus["formula"] == "提前达标 2 分 × 责任权重 0.3 = 0.60"
    assert bonus["basis"] == "2023年已达到目标值，早于目标年2026年" and bonus["formula_en"] == "2 early-target points × responsible weight 0.3 = 0.60"
    reached = d.loc[("a", "I01", "A")]
    assert (reached["rule_name"], reached["basis"]) == ("已达标", "2023年进度状态：已达标")
    assert reached["formula"] == "达成分 10 分 × 100% × 牵头权重 1 = 10.00"
    late = d.loc[("b", "I02", "T")]
    assert late["rule_name"] == "逾期报送" and late["basis"] == "2024-04-15 00:00 报送，截止 2024-03-31，逾期 15 天"
    assert late["formula"] == "报送分 2 分 × 50% × 牵头权重 1 = 1.00" and late["rule_name_en"] == "late"
    returned = d.loc[("a", "I01", "Q")]
    assert returned["basis"] == "数据被退回 1 次" and returned["formula"] == "（质量分 2 分 − 退回 1 次 × 1 分） × 牵头权重 1 = 1.00"
    assert d.loc[("b", "I02", "Q"), "basis"] == "数据未被退回" and d.loc[("b", "I02", "Q"), "basis_en"] == "never returned"
    # every formula ends in the points it gives
    assert all(f.endswith(f"= {p:.2f}") for f, p in zip(a.detail["formula"], a.detail["points"]))
    words = " ".join(a.detail[["rule_name", "rule_text", "basis", "formula"]].to_numpy().ravel())
    assert not re.search(r"[ATQBCD]-[a-z]|returned|[0-9]×|<", words)  # no rule id, no English, no '2025 < 2026'
    assert not re.search(r"[,;()]|(?<![0-9]):|:(?![0-9])", words)  # Chinese punctuation is full-width (10:00 is a time)


def test_caps_and_sum_method() -> None:
    a = assess(PLAN, STATUS, SUBS, _rules(bonus_cap=1.0, total_cap=93.0), year=2023)
    s = a.summary.set_index("department")
    assert s.loc["a", "bonus"] == pytest.approx(1.0) and s.loc["a", "total"] == pytest.approx(93.0)
    assert s.loc["a", "capped"] == "B-cap,C-total"
    caps = a.detail[a.detail["part"] == "C"].set_index("rule")
    assert caps.loc["B-cap", "points"] == pytest.approx(-1.0)
    assert caps.loc["C-total", "points"] == pytest.approx(93 - (100 * 13 / 14 + 1))
    assert caps.loc["B-cap", "rule_name"] == "加分封顶" and caps.loc["B-cap", "basis"] == "加分合计 2.00 分，超过封顶 1 分"
    assert caps.loc["B-cap", "formula"] == "1.00 − 2.00 = -1.00" and caps.loc["C-total", "rule_name_en"] == "total cap"
    summed = assess(PLAN, STATUS, SUBS, _rules(method="sum"), year=2023).summary.set_index("department")
    assert summed.loc["b", "total"] == pytest.approx(12.9 + 0.6)


def test_missing_figures_and_ties() -> None:
    empty = pd.DataFrame({"code": [], "submitted_at": [], "returns": []})
    a = assess(PLAN, STATUS.iloc[:0], empty, load_rules(DEFAULT), year=2023)
    assert list(a.summary["total"]) == [0.0, 0.0] and list(a.summary["rank"]) == [1, 1]
    assert set(a.detail["rule"]) == {"A-no_data", "T-missing", "Q-missing"}
    assert a.empty  # nothing measured, nothing submitted: the documents say 无数据
    with pytest.raises(NotFoundError, match="2023年度尚无任何指标数据"):
        require_data(a, "测试市")
    assert require_data(assess(PLAN, STATUS.iloc[:0], SUBS, load_rules(DEFAULT), year=2023), "测试市").empty is False  # submitted, not yet approved


def test_timeliness_boundary() -> None:
    assert timeliness_status(datetime(2024, 3, 31, 23, 59), date(2024, 3, 31)) == "on_time"
    assert timeliness_status(datetime(2024, 4, 1), date(2024, 3, 31)) == "late"
    assert timeliness_status(None, date(2024, 3, 31)) == "missing"


BAD = """\
meta:
  title: x
  illustrative: maybe
  issuer: y
  colour: red
roles:
  lead: 1.5
  responsible: "三成"
achievement:
  points: 10
  shares: {reached: 1, on_track: 1, moderate: 0.6, limited: 0.3, deterioration: 0, baseline_only: 0}
timeliness:
  points: -2
  deadline: "02-30"
  shares: {on_time: 1, late: 0.5, missing: 0, early: 1}
bonus:
  early_target: 2
  cap: 5
total:
  method: median
  cap: 100
extra: 1
"""


def test_every_problem_is_reported() -> None:
    with pytest.raises(InputError) as info:
        rules_from_text(BAD, "bad.yaml")
    found = {(p.row, p.field) for p in info.value.problems}
    assert found == {
        (3, "meta.illustrative"), (5, "meta.colour"), (7, "roles.lead"), (8, "roles.responsible"),
        (11, "achievement.shares.no_data"), (13, "timeliness.points"), (14, "timeliness.deadline"),
        (15, "timeliness.shares.early"), (None, "quality"), (20, "total.method"), (22, "extra"),
    }
    reasons = {p.field: p.reason for p in info.value.problems}
    assert "[0, 1]" in reasons["roles.lead"] and "不是数字" not in reasons["roles.responsible"] and "数字" in reasons["roles.responsible"]
    assert all(p.file == "bad.yaml" for p in info.value.problems)


def test_an_indicator_without_a_baseline_is_scored_from_its_start() -> None:
    """I28 tracked from 2023 (no baseline) earns its status's points, and the basis says where it was measured from."""
    import pandas as pd

    from stpi.analysis.assessment import assess
    from stpi.analysis.track import track
    from stpi.framework import default_plan, embedded_framework

    plan, fw = default_plan(), embedded_framework()
    data = pd.DataFrame([("陇南市", y, "I28", v) for y, v in ((2023, 0.010), (2025, 0.0125))], columns=["region", "year", "indicator", "value"])
    table = track(plan, fw, data)
    status = table[(table["year"] == 2025) & (table["depth"] == 3)][["code", "status", "start_year"]]
    rules = load_rules(DEFAULT)
    result = assess(plan, status, pd.DataFrame(columns=["code", "submitted_at", "returns"]), rules, year=2025)
    a = result.detail[(result.detail["code"] == "I28") & (result.detail["part"] == "A") & (result.detail["role"] == "lead")].iloc[0]
    assert a["rule"] == "A-on_track" and a["points"] == rules.achievement_points  # 0.0025 of 0.003 in 2 of 3 years: ratio 1.25
    assert a["basis"] == "2025年进度状态：按进度推进（基期缺失,以2023年为起点）"
    i01 = result.detail[(result.detail["code"] == "I01") & (result.detail["part"] == "A")].iloc[0]
    assert i01["rule"] == "A-no_data" and "基期缺失" not in i01["basis"]


def _with(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def test_meaningless_values_are_refused_where_they_stand() -> None:
    """Values valid alone but meaningless as rules: each named by file, line, key and reason, all at once."""
    text = Path(DEFAULT).read_text(encoding="utf-8")
    bad = _with(text, ("  cap: 100 ", "  cap: 0 "), ("  cap: 5 ", "  cap: 0 "), ("  lead: 1.0 ", "  lead: 0.2 "),
                ("    limited: 0.3 ", "    limited: 0.7 "), ("    late: 0.5 ", "    late: 1.5 "), ("  per_late: 1 ", "  per_late: .inf "))
    with pytest.raises(InputError) as info:
        rules_from_text(bad, "规则.yaml")
    found = {p.field: p for p in info.value.problems}
    lines = text.splitlines()
    assert set(found) == {"timeliness.shares.late", "supervision.per_late"}  # type errors first: shares above 1, not a finite number
    assert lines[found["timeliness.shares.late"].row - 1].strip().startswith("late:") and found["supervision.per_late"].value == "inf"
    fixed = bad.replace("    late: 1.5 ", "    late: 0.5 ").replace("  per_late: .inf ", "  per_late: 1 ")
    with pytest.raises(InputError) as info:
        rules_from_text(fixed, "规则.yaml")
    found = {p.field: p for p in info.value.problems}
    assert set(found) == {"total.cap", "bonus.cap", "roles.responsible", "achievement.shares.limited"}
    assert all(p.file == "规则.yaml" and p.row is not None for p in found.values())
    assert lines[found["total.cap"].row - 1].strip().startswith("cap: 100") and "大于 0" in found["total.cap"].reason and found["total.cap"].value == "0.0"
    assert "bonus.early_target 设为 0" in found["bonus.cap"].reason
    assert "不应高于牵头权重 0.2" in found["roles.responsible"].reason
    assert "“进展有限”的比例高于“进展一般”的 0.6" in found["achievement.shares.limited"].reason
    assert "规则.yaml, 第" in str(info.value)  # the StpiError's message locates each one


def test_all_zero_points_and_empty_texts_are_refused() -> None:
    text = Path(DEFAULT).read_text(encoding="utf-8")
    zero = _with(text, ("  points: 10 ", "  points: 0 "), ("  points: 2 ", "  points: 0 "), ("  points: 2 ", "  points: 0 "),
                 ("  title: 科技", "  title: ' '\n  # 科技"))
    with pytest.raises(InputError) as info:
        rules_from_text(zero, "z.yaml")
    assert {p.field for p in info.value.problems} == {"meta.title"}
    with pytest.raises(InputError) as info:
        rules_from_text(zero.replace("  title: ' '", "  title: 规则"), "z.yaml")
    assert [(p.field, "全为 0" in p.reason) for p in info.value.problems] == [("achievement.points", True)]
    # a cap of 0 is fine where nothing is capped: no bonus, no deduction
    plain = _with(text, ("  early_target: 2 ", "  early_target: 0 "), ("  cap: 5 ", "  cap: 0 "), ("  per_late: 1 ", "  per_late: 0 "), ("  cap: 3 ", "  cap: 0 "))
    assert rules_from_text(plain, "p.yaml").bonus_cap == 0.0
