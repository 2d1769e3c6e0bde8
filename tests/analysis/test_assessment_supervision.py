"""The assessment rules may use 督办: a notice answered late (or overdue unanswered) costs points, at most a cap; old rules files stay valid."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stpi.analysis.assessment import assess, load_rules, rules_from_text
from tests.analysis.test_assessment import DEFAULT, PLAN, STATUS, SUBS

LATE = pd.DataFrame({"department": ["a", "a", "a", "a", "b"], "number": [f"督办〔2024〕{n}号" for n in range(1, 6)]})


def test_late_notices_cost_points_up_to_the_cap() -> None:
    rules = load_rules(DEFAULT)
    assert (rules.supervision_per_late, rules.supervision_cap) == (1.0, 3.0)
    plain = assess(PLAN, STATUS, SUBS, rules, year=2024).summary.set_index("department")["total"]
    got = assess(PLAN, STATUS, SUBS, rules, year=2024, late_notices=LATE)
    total = got.summary.set_index("department")["total"]
    assert round(plain["a"] - total["a"], 9) == 3.0 and round(plain["b"] - total["b"], 9) == 1.0  # four late: capped at 3; one: 1
    rows = got.detail[got.detail["part"] == "D"].set_index("department")
    assert rows.loc["a", "rule"] == "D-supervision" and rows.loc["a", "points"] == -3.0
    assert rows.loc["a", "basis"] == "逾期反馈或逾期未反馈的督办单 4 件：督办〔2024〕1号、督办〔2024〕2号、督办〔2024〕3号、督办〔2024〕4号"
    assert rows.loc["a", "formula"] == "4 件 × 每件 1 分，封顶 3 分：扣 3.00 分" and rows.loc["b", "formula"] == "1 件 × 每件 1 分：扣 1.00 分"
    assert rows.loc["a", "rule_name"] == "督办逾期扣分" and "每件扣 1 分" in rows.loc["a", "rule_text"]
    assert got.summary.set_index("department").loc["a", "deduction"] == 3.0


def test_rules_without_the_section_deduct_nothing(tmp_path: Path) -> None:
    text = Path(DEFAULT).read_text(encoding="utf-8").split("\nsupervision:")[0]
    rules = rules_from_text(text, "old.yaml")
    assert rules.supervision_cap == 0.0
    got = assess(PLAN, STATUS, SUBS, rules, year=2024, late_notices=LATE)
    assert (got.detail["part"] == "D").sum() == 0
