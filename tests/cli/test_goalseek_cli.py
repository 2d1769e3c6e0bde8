"""``stpi goalseek`` with Typer's runner; the service's bounds from history and files."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog
from typer.testing import CliRunner, Result

import stpi.cli.goalseek  # noqa: F401  (registers the command)
from stpi.cli import app
from stpi.queries.goalseek import history_bounds, upper_bounds
from stpi.errors import InputError, MethodError
from stpi.framework.model import Framework, Node
from stpi.framework.plan import Department, Goal, Plan, PlanIndicator
from stpi.store import Entry, Store
from stpi.store import observations as ob

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LONGNAN = "621200"
runner = CliRunner()


@pytest.fixture
def history(store: Store) -> Store:
    """Approved figures: I24 grew from 90 (2020) to 108.32 (2022), I19 from 400 to 529.4."""
    entries = [Entry(LONGNAN, "I24", "2020", 90.0), Entry(LONGNAN, "I24", "2022", 108.32), Entry(LONGNAN, "I19", "2020", 400.0), Entry(LONGNAN, "I19", "2022", 529.4)]
    ob.write(store, entries, actor="admin")
    ob.transition(store, "approve", actor="admin")
    return store


def run(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def plain(text: str) -> str:
    return ANSI.sub("", text)


def as_json(*args: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(run("goalseek", "--json", *args).stdout)
    return out


def resolve(doc: dict[str, Any]) -> float:
    """Solve the program the JSON states, independently, and return its least effort."""
    ind = doc["indicators"]
    lower, upper = np.array([i["lower"] for i in ind]), np.array([i["upper"] for i in ind])
    cost, points = np.array([i["unit_cost"] for i in ind]), np.array([i["points_per_unit"] for i in ind])
    need = doc["target"] - doc["index_base"] + points @ lower
    res = linprog(cost, A_ub=-points[np.newaxis, :], b_ub=[-need], bounds=np.column_stack([lower, upper]), method="highs")
    assert res.status == 0
    return float(res.fun - cost @ lower)


# ------------------------------------------------------------------ command


def test_help() -> None:
    out = plain(run("goalseek", "--help").stdout)
    for option in ("--target", "--year", "--from-year", "--bound", "--upper", "--costs", "--json", "--database"):
        assert option in out


def test_table_in_chinese() -> None:
    out = plain(run("goalseek").stdout)
    assert "示意参数" in out  # the index is shown: the parameters are labelled
    assert "陇南市 · 达到目标指数的最小努力方案(2022→2026年)" in out
    assert "目标可达" in out and "需提升的指标 (32)" in out
    assert "31.61" in out and "30.80" in out and "16.217" in out
    assert "市科技局" in out and "装备制造业区位熵" in out
    assert "I28 无2022年值" in out and "reweight" in out
    assert "规划最依赖的目标" in out and "万人输出技术成交额" in out


def test_table_in_english() -> None:
    out = plain(run("--lang", "en", "goalseek").stdout)
    assert "ILLUSTRATIVE PARAMETERS" in out
    assert "Longnan · least-effort way to the target (2022→2026)" in out
    assert "Index points per 1% improvement" in out and "plan target (no history)" in out


def test_json_fields_and_resolving_gives_the_same_effort() -> None:
    doc = as_json()
    assert (doc["target"], doc["reachable"], doc["bound_mode"], doc["missing_policy"]) == (43.26, True, "max", "reweight")
    assert doc["achieved_index"] >= 43.26 - 1e-9 and doc["illustrative"] is True
    assert doc["total_cost"] == pytest.approx(16.2172869726037, rel=1e-9)
    assert doc["targets_index"] == pytest.approx(43.26, abs=1e-12)
    assert doc["index_start"] == pytest.approx(31.61187557656836) and doc["index_base"] == pytest.approx(30.801259276058488)
    i28 = doc["indicators"][27]
    assert (i28["code"], i28["start"], i28["lower"], i28["cost_basis"], i28["value_start"]) == ("I28", None, 0.0, "target", None)
    assert doc["start_source"]["I28"] == "missing" and doc["start_source"]["I01"] == "plan"
    for ind in doc["indicators"]:
        assert {"code", "start", "recommended", "lower", "upper", "unit_cost", "points_per_unit", "lead", "responsible", "marginal_per_pct"} <= set(ind)
        assert ind["lower"] <= ind["recommended"] <= ind["upper"]
    assert doc["dependence"][0]["code"] == "I19" and doc["dependence"][0]["rank"] == 1
    assert "minimise" in doc["program"]["objective"]
    assert resolve(doc) == pytest.approx(doc["total_cost"], rel=1e-6)


def test_unreachable_target() -> None:
    out = plain(run("goalseek", "--target", "50").stdout)
    assert "无法达到目标 50.00:最高可达 43.26" in out
    doc = as_json("--target", "50")
    assert doc["reachable"] is False and doc["achieved_index"] == pytest.approx(43.26, abs=1e-9)
    assert doc["max_index"] == pytest.approx(43.26, abs=1e-9)


def test_missing_policy_for_the_start_index() -> None:
    assert as_json("--missing", "zero")["index_start"] == pytest.approx(30.801259276058488)
    assert as_json("--missing", "propagate")["index_start"] is None


def test_history_from_the_store_widens_bounds_and_lowers_effort(history: Store) -> None:
    doc = as_json()
    by = {i["code"]: i for i in doc["indicators"]}
    growth = (108.32 / 90.0) ** 0.5
    assert by["I24"]["bound"] == pytest.approx(108.32 * growth**4) and by["I24"]["bound_source"] == "history"
    assert by["I19"]["bound_source"] == "target"  # 529.4 · 1.15⁴ ≈ 927 stays below the target 1028.58
    assert doc["start_source"]["I24"] == "store" and len(doc["history"]) == 2
    assert by["I24"]["recommended"] == pytest.approx(by["I24"]["upper"])  # the best points per effort: used fully
    assert doc["total_cost"] < doc["targets_cost"] and doc["achieved_index"] >= 43.26
    assert resolve(doc) == pytest.approx(doc["total_cost"], rel=1e-6)
    target_only = as_json("--bound", "target")
    assert target_only["total_cost"] == pytest.approx(16.2172869726037, rel=1e-9)
    assert "历史增长外推" in plain(run("goalseek").stdout)


def test_upper_and_cost_files(tmp_path: Path) -> None:
    upper = tmp_path / "upper.csv"
    upper.write_text("code,upper\nI24,200\n10,5\n", encoding="utf-8")
    doc = as_json("--upper", str(upper))
    by = {i["code"]: i for i in doc["indicators"]}
    assert (by["I24"]["bound"], by["I24"]["bound_source"], by["I10"]["bound"]) == (200.0, "override", 5.0)
    cheaper = doc["total_cost"]
    assert cheaper < 16.2172869726037
    costs = tmp_path / "costs.csv"
    costs.write_text("code,factor\nI24,1000\n", encoding="utf-8")
    doc = as_json("--upper", str(upper), "--costs", str(costs))
    by = {i["code"]: i for i in doc["indicators"]}
    assert by["I24"]["unit_cost"] == pytest.approx(1000 / 108.32)
    # now the dearest per point: every other indicator is used fully, I24 only for the rest
    assert all(i["recommended"] == pytest.approx(i["upper"]) for i in doc["indicators"] if i["code"] != "I24")
    assert 108.32 < by["I24"]["recommended"] < by["I24"]["upper"] and doc["achieved_index"] == pytest.approx(43.26)
    assert doc["total_cost"] > cheaper and resolve(doc) == pytest.approx(doc["total_cost"], rel=1e-6)


def test_bad_files_list_every_problem(tmp_path: Path) -> None:
    costs = tmp_path / "costs.csv"
    costs.write_text("code,factor\nI99,1\nI01,-2\nI02,abc\nI03,1\nI03,2\n", encoding="utf-8")
    result = runner.invoke(app, ["goalseek", "--costs", str(costs)])
    assert isinstance(result.exception, InputError)
    assert [(p.row, p.field) for p in result.exception.problems] == [(2, "code"), (3, "factor"), (4, "factor"), (6, "code")]
    result = runner.invoke(app, ["goalseek", "--bound", "hist"])
    assert result.exit_code == 2


# --------------------------------------------------------------- the service


def _tiny() -> tuple[Framework, Plan]:
    nodes = (Node("R", None, "root"), Node("a", "R", "a", weight=0.5, standard=10.0, direction=1), Node("r", "R", "r", weight=0.5, standard=2.0, direction=-1))
    inds = tuple(PlanIndicator(i, c, "R", c, "u", x, t, False, "", ("d",), ()) for i, (c, x, t) in enumerate([("a", 5.0, 8.0), ("r", 5.0, 2.5)], 1))
    return Framework("t", "t", nodes), Plan("p", "p", "地区", "t", 2022, 2026, Goal(50, True, 1, False, 1), (Department("d", "部门"),), inds)


def test_history_bounds_compound_growth() -> None:
    figures = pd.DataFrame(
        {"year": [2020, 2022, 2021, 2020, 2022, 2022], "indicator": ["a", "a", "b", "b", "c", "d"], "value": [100.0, 121.0, 50.0, 40.0, 3.0, -1.0]}
    )
    h = history_bounds(figures, year=2026).set_index("indicator")
    assert list(h.index) == ["a", "b"]  # c has one year, d none positive
    assert h.loc["a", "growth"] == pytest.approx(0.1) and h.loc["a", "bound"] == pytest.approx(121 * 1.1**4)
    assert h.loc["b", "growth"] == pytest.approx(0.25) and h.loc["b", "bound"] == pytest.approx(50 * 1.25**5)
    assert (h.loc["a", "first_year"], h.loc["a", "last_year"]) == (2020, 2022)


def test_upper_bound_modes() -> None:
    fw, plan = _tiny()
    hist = {"a": 9.0, "r": 3.0}
    assert upper_bounds(fw, plan, mode="target", history=hist) == ({"a": 8.0, "r": 2.5}, {"a": "target", "r": "target"})
    assert upper_bounds(fw, plan, mode="history", history={"a": 9.0}) == ({"a": 9.0, "r": 2.5}, {"a": "history", "r": "target (no history)"})
    # max: the larger for a, the smaller (better) for r, lower being better
    assert upper_bounds(fw, plan, mode="max", history=hist) == ({"a": 9.0, "r": 2.5}, {"a": "history", "r": "target"})
    assert upper_bounds(fw, plan, history=hist, overrides={"r": 1.0})[0]["r"] == 1.0
    with pytest.raises(MethodError, match="history"):
        upper_bounds(fw, plan, mode="hist")
