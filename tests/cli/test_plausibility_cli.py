"""Plausibility as data, end to end through `stpi import`: ranges, derived indicators, typed against raw, names."""

from __future__ import annotations

from pathlib import Path

import pytest

from stpi.store import Store
from stpi.store import observations as ob
from tests.cli.clitools import run_main

I03 = "I03 科学研究和技术服务业城镇单位就业人员占比"
HEAD = "region,year,indicator,value,note\n"


def _import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, rows: str) -> tuple[int, str]:
    (tmp_path / name).write_text(HEAD + rows, encoding="utf-8")
    return run_main(monkeypatch, capsys, "import", str(tmp_path / name))


@pytest.mark.parametrize("value", ["150", "-5"])
def test_a_share_outside_0_100_is_refused_naming_the_indicator(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, out = _import(tmp_path, monkeypatch, capsys, "s.csv", f"陇南市,2023,I03,{value},说明\n")
    assert code != 0
    assert f"s.csv:2:value: {I03}:" in out and "[0, 100]" in out and "default by unit" in out, out
    assert ob.frame(store).empty


def test_a_share_derived_from_raw_statistics_is_checked_too(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _import(tmp_path, monkeypatch, capsys, "r.csv", "陇南市,2023,sci_tech_service_employment,3000,\n陇南市,2023,urban_unit_employment,2000,\n")
    assert code != 0
    assert f"r.csv:2:value: {I03}:" in out and "由原始数据计算的 I03 = 150" in out, out


def test_a_raw_statistic_making_its_indicator_jump_needs_a_note(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # 2022's I17 is the plan's baseline 0.21; 11 awards among 47,619 staff give 2.31, eleven times as much
    rows = "陇南市,2023,provincial_st_awards,11,{note}\n陇南市,2023,professional_technical_personnel,47619,\n"
    code, out = _import(tmp_path, monkeypatch, capsys, "a.csv", rows.format(note=""))
    assert code != 0
    assert "I17 万名专业技术人员获省级科技奖励数" in out and "变化 1000%" in out and "须在备注中说明" in out, out
    code, out = _import(tmp_path, monkeypatch, capsys, "b.csv", rows.format(note="新增省科技进步奖11项"))
    assert code == 0, out


def test_a_typed_indicator_away_from_its_raw_statistics_needs_a_note(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    rows = "陇南市,2024,I13,1.15,{note}\n陇南市,2024,fiscal_st_expenditure,1100,\n陇南市,2024,general_budget_expenditure,100000,\n"
    code, out = _import(tmp_path, monkeypatch, capsys, "t.csv", rows.format(note=""))
    assert code != 0
    assert "t.csv:2:note: I13 地方财政科技支出占一般公共预算支出比重:" in out and "1.15" in out and "1.1 " in out and "4.5%" in out, out
    code, out = _import(tmp_path, monkeypatch, capsys, "u.csv", "陇南市,2024,I13,1.104,\n陇南市,2024,fiscal_st_expenditure,1100,\n陇南市,2024,general_budget_expenditure,100000,\n")
    assert code == 0, out  # within the 1% tolerance


def test_every_row_problem_names_its_code_and_name(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _import(tmp_path, monkeypatch, capsys, "n.csv", "陇南市,2023,I01,abc,\n陇南市,2023,resident_population,-3,\n")
    assert code != 0
    assert "n.csv:2:value: I01 万人专业技术人员数:" in out and "n.csv:3:value: resident_population 年末常住人口:" in out, out


def test_compute_data_problems_name_the_indicator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.csv").write_text("region,year,indicator,value\nA,2023,I01,abc\nA,2023,I99,3\n", encoding="utf-8")
    code, out = run_main(monkeypatch, capsys, "compute", "--data", str(tmp_path / "c.csv"))
    assert code != 0 and "c.csv:2:value: I01 万人专业技术人员数:" in out and "c.csv:3:indicator: I99:" in out, out


def test_the_template_carries_the_frameworks_ranges_and_a_filled_150_is_refused(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    from tests.cli.test_import_cli import fill, ok

    ok("template", "--year", "2023", "--department", "hrss", "-o", str(tmp_path / "t.xlsx"))
    book = load_workbook(tmp_path / "t.xlsx")
    rules = [(dv.formula1, dv.formula2) for dv in book["填报"].data_validations.dataValidation]
    assert ("0", "100") in rules  # I03, a share: typing 150 is stopped in Excel already
    fill(tmp_path / "t.xlsx", tmp_path / "f.xlsx", {"I03": 150})
    code, out = run_main(monkeypatch, capsys, "import", str(tmp_path / "f.xlsx"))
    assert code != 0 and f"{I03}: 超出合理范围 [0, 100]" in out, out


def test_a_long_csv_refuses_a_zero_where_the_range_is_open(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _import(tmp_path, monkeypatch, capsys, "z.csv", "陇南市,2023,resident_population,0,\n陇南市,2023,college_students,0,\n")
    assert code != 0 and "z.csv:2:value: resident_population 年末常住人口: 超出合理范围 (0, ∞)" in out and "z.csv:3" not in out, out
