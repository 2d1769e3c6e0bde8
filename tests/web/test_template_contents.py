"""What a downloaded reporting template holds: last year's values (derived ones computed), codes, names and
definitions in the template's language, the reporter's own targets, validation from the framework's ranges."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from starlette.testclient import TestClient

from stpi.analysis.derived import derive_indicators
from stpi.framework.embedded import embedded_variables
from stpi.numbers import number
from stpi.queries.demo import load_demo
from stpi.readmodel import snapshot
from stpi.reports.chinese import latin_words
from stpi.store import Store
from stpi.submissions import import_submission

from tests.web.conftest import login

YEAR = 2026  # the demo holds 2025: last year


@pytest.fixture
def demo(store: Store) -> Store:
    load_demo(store, years=(YEAR - 1,))
    return store


def download(client: TestClient, user: str, lang: str = "zh") -> Any:
    login(client, user)
    r = client.get("/data/template.xlsx", params={"year": YEAR, "lang": lang})
    assert r.status_code == 200, r.text
    return load_workbook(io.BytesIO(r.content))


def rows(book: Any) -> dict[str, dict[str, Any]]:
    """The data sheet's rows by the code shown, each by header."""
    ws = book["填报"]
    header = [c.value for c in ws[2]]
    out = {}
    for line in ws.iter_rows(min_row=3, values_only=True):
        if line[0] is None:
            break
        out[str(line[1])] = dict(zip(header, line))
    return out


def expected_last_year(store: Store, region: str) -> dict[str, float]:
    """2025's indicators as derive_indicators computes them from the store's raw statistics, and the raw statistics themselves."""
    snap = snapshot(store)
    raw = snap.frame(years=[YEAR - 1])
    raw = raw[raw["region"] == region]
    derived = derive_indicators(raw, embedded_variables()[1])
    return {str(c): float(v) for c, v in zip(derived["indicator"], derived["value"])} | {str(c): float(v) for c, v in zip(raw["indicator"], raw["value"])}


def close(shown: object, exact: float) -> bool:
    """The cell rounds the exact value by the number rule (at least 3 significant digits)."""
    return isinstance(shown, (int, float)) and abs(float(shown) - exact) <= max(abs(exact) * 5e-3, 5e-3)


def test_a_county_template_in_chinese(client: TestClient, demo: Store) -> None:
    book = download(client, "wudu")
    ws = book["填报"]
    assert ws["A1"].value == "陇南市2026年科技进步监测指标数据填报表（武都区）"
    assert ws["A1"].value.count("2026") == 1
    got = rows(book)
    variables, formulas = embedded_variables()
    indicators = [c for c in got if re.fullmatch(r"I\d\d", c)]
    assert len(indicators) == 32
    exact = expected_last_year(demo, "武都区")
    for code in indicators:  # every indicator with a figure last year shows it, a derived one computed
        if code in exact:
            assert close(got[code]["上年值"], exact[code]), (code, got[code]["上年值"], exact[code])
    derived = [c for c in indicators if c in formulas]
    assert sum(got[c]["上年值"] is not None for c in derived) == len(derived)
    assert got["I12"]["上年值"] == float(number(exact["I12"])) != exact["I12"]  # by the number rule, no binary noise
    # raw statistics: a short code, the Chinese name, unit and definition, last year's value as reported
    assert got["I01-2"]["名称"] == "年末常住人口" and got["I01-2"]["单位"] == "万人" and got["I01-2"]["上年值"] == exact["resident_population"]
    assert got["I02-1"]["名称"] == variables["college_students"].name and got["I02-1"]["职责"] == "原始数据"
    for code, row in got.items():
        assert "_" not in code
        for key in ("名称", "统计口径"):
            assert latin_words(str(row[key] or "")) == [], (code, key, row[key])  # Chinese only (R&D, GDP allowed)
    assert "，" in got["I01-1"]["统计口径"] or "；" in got["I01-1"]["统计口径"]
    assert got["I01"]["统计口径"].startswith("可由原始数据计算：专业技术人员数（人）÷ 年末常住人口（万人）")
    # the county's own target: the plan's 县区 target of I13 (1.1), not the city's 1.2
    assert got["I13"]["目标值"] == 1.1 and got["I01"]["目标值"] == 197.02
    # the hidden identity keeps the stored codes and the exact values
    meta = book["_meta"]
    head = [c.value for c in meta[1]][3:]
    assert head == ["region_code", "region_name", "code", "unit", "lower", "upper", "last_year", "label"]
    lines = {r[10]: r for r in meta.iter_rows(min_row=2, min_col=1, max_col=11, values_only=True) if r[3]}
    assert lines["I01-2"][5] == "resident_population" and lines["I12"][9] == exact["I12"]


def test_validation_follows_the_frameworks_ranges(client: TestClient, demo: Store) -> None:
    book = download(client, "wudu")
    ws = book["填报"]
    got = rows(book)
    line = {code: i for i, code in enumerate(got, start=3)}
    rules: dict[str, Any] = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "decimal" and dv.showErrorMessage and dv.error and re.search(r"[\u4e00-\u9fff]", dv.error)
        for rng in dv.sqref.ranges:
            for row in range(rng.min_row, rng.max_row + 1):
                rules[f"I{row}"] = dv
    def rule(code: str) -> Any:
        return rules[f"I{line[code]}"]
    assert (rule("I03").formula1, rule("I03").formula2, rule("I03").errorStyle) == ("0", "100", "stop")  # a share: 0–100
    assert "允许范围 0 ~ 100" in rule("I03").error and "请输入数字" in rule("I03").error
    assert rule("I01").formula1 == "0" and rule("I01").errorStyle == "stop"  # a count: not negative
    assert rule("I29").formula1 == "0" and rule("I29").errorStyle == "stop"  # an index in %: not negative
    # a rate that may be negative (profit rate): a negative value asks for confirmation, it is not refused
    assert rule("I25").formula1 == "0" and rule("I25").errorStyle == "warning" and "负" in rule("I25").error
    assert all(f"I{line[c]}" in rules for c in got)  # every value cell: numbers only


def test_a_department_template_in_english(client: TestClient, demo: Store) -> None:
    book = download(client, "keji", lang="en")
    ws = book["填报"]
    title = ws["A1"].value
    assert title.startswith("Longnan 2026") and title.count("2026") == 1 and not re.search(r"[\u4e00-\u9fff]", title)
    assert [c.value for c in ws[2]][:9] == ["Region", "Code", "Name", "Unit", "Role", "Statistical definition", "Last year", "Target", "This year"]
    got = rows(book)
    exact = expected_last_year(demo, "陇南市")
    assert got["I12"]["Name"] == "R&D expenditure to GDP ratio" and got["I12"]["Role"] == "Lead"
    assert close(got["I12"]["Last year"], exact["I12"]) and got["I12"]["Target"] == 0.65
    assert got["I12"]["Statistical definition"].startswith("Derived from raw statistics: Intramural R&D expenditure (10k yuan)")
    raw = next(r for c, r in got.items() if r["Name"] == "Year-end resident population")
    assert raw["Unit"] == "10k persons" and raw["Role"] == "Raw statistic" and raw["Last year"] == exact["resident_population"]
    for code, row in got.items():
        for key in ("Name", "Role", "Statistical definition"):
            assert not re.search(r"[\u4e00-\u9fff]", str(row[key] or "")), (code, key, row[key])
    dv = ws.data_validations.dataValidation[0]
    assert dv.error.startswith("Enter a number")
    assert "Do not rename" in "\n".join(str(r[0]) for r in book["说明"].iter_rows(values_only=True))


def test_a_department_template_in_chinese_has_last_year_for_every_row(client: TestClient, demo: Store) -> None:
    got = rows(download(client, "keji"))
    assert next(iter(got.values()))["地区"] == "陇南市"
    exact = expected_last_year(demo, "陇南市")
    _, formulas = embedded_variables()
    for code, row in got.items():
        if re.fullmatch(r"I\d\d", code) and code in formulas:
            assert close(row["上年值"], exact[code]), code
    blank = [c for c, r in got.items() if r["上年值"] is None]
    assert blank == [c for c in blank if not re.fullmatch(r"I\d\d", c)]  # only raw statistics the demo leaves out may be empty


def test_a_filled_raw_statistic_comes_back_under_its_stored_code(client: TestClient, demo: Store, tmp_path: Any) -> None:
    login(client, "wudu")
    content = client.get("/data/template.xlsx", params={"year": YEAR}).content
    book = load_workbook(io.BytesIO(content))
    ws = book["填报"]
    for line in ws.iter_rows(min_row=3):
        if line[1].value == "I01-2":
            line[8].value = 9.7
    path = tmp_path / "filled.xlsx"
    book.save(path)
    result = import_submission(demo, str(path), actor="wudu", status="draft")
    assert result.written == 1
    mine = [o for o in snapshot(demo).observations(year=YEAR) if o.region == "621202"]
    assert [(o.code, o.value) for o in mine] == [("resident_population", 9.7)]


def test_a_countys_own_approved_target_comes_first(client: TestClient, demo: Store) -> None:
    from stpi.store.county_targets import TargetEntry, set_county_targets

    set_county_targets(demo, [TargetEntry("621202", "I13", 1.05), TargetEntry("621202", "I01", 210.0)], user=demo.user("admin"))  # the admin's: approved
    got = rows(download(client, "wudu"))
    assert (got["I13"]["目标值"], got["I01"]["目标值"]) == (1.05, 210.0)
    assert got["I03"]["目标值"] == 1.62  # no own target, no 县区 target: the city's


def test_an_english_template_comes_back(client: TestClient, demo: Store, tmp_path: Any) -> None:
    book = download(client, "wudu", lang="en")
    ws = book["填报"]
    for line in ws.iter_rows(min_row=3):
        if line[1].value in ("I29", "I01-2"):
            line[8].value = {"I29": 55.0, "I01-2": 9.7}[line[1].value]
    path = tmp_path / "filled-en.xlsx"
    book.save(path)
    assert import_submission(demo, str(path), actor="wudu", status="draft").written == 2
    mine = {o.code: o.value for o in snapshot(demo).observations(year=YEAR) if o.region == "621202"}
    assert mine == {"I29": 55.0, "resident_population": 9.7}
