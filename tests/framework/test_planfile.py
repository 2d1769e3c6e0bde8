"""Plan files: the export of a plan (CSV, XLSX, YAML) imports back unchanged; every problem in a plan table is located."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stpi import service
from stpi.errors import InputError
from stpi.framework.embedded import embedded_framework
from stpi.framework.plan import load_plan
from stpi.framework.planfile import plan_document, read_plan_file
from importlib import resources

PLAN = resources.files("stpi") / "data" / "longnan-plan-2024.yaml"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "yaml"])
def test_the_export_imports_back_unchanged(fmt: str, tmp_path: Path) -> None:
    plan, fw = load_plan(str(PLAN)), embedded_framework()
    out = tmp_path / f"plan.{fmt}"
    service.plan_export(plan, fw, fmt, str(out))
    back = read_plan_file(out, framework=fw, current=plan if fmt == "csv" else None)
    assert plan_document(back) == plan_document(plan)
    again = tmp_path / f"again.{fmt}"
    service.plan_export(back, fw, fmt, str(again))
    assert again.read_bytes() == out.read_bytes() or fmt == "xlsx"  # a workbook's zip carries its save time
    if fmt == "xlsx":
        book = load_workbook(out, read_only=True)
        assert book.sheetnames == ["plan", "departments", "meta"]
        book.close()


def _table(tmp_path: Path, edit: dict[int, dict[str, str]], drop: int | None = None, extra: list[dict[str, str]] | None = None) -> Path:
    plan, fw = load_plan(str(PLAN)), embedded_framework()
    text = service.plan_export(plan, fw, "csv", None).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for i, change in edit.items():
        rows[i].update(change)
    if drop is not None:
        rows.pop(drop)
    rows += extra or []
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "bad.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_every_problem_is_located(tmp_path: Path) -> None:
    plan, fw = load_plan(str(PLAN)), embedded_framework()
    text = service.plan_export(plan, fw, "csv", None).decode("utf-8")
    first = list(csv.DictReader(io.StringIO(text)))[0]
    path = _table(tmp_path, {0: {"target_2026": "约200"}, 1: {"lead": "市宣传部"}, 2: {"code": "I99"}, 3: {"sub_targets": "市本级"},
                             4: {"target_at_least": "maybe"}, 5: {"group": "科技活动产出"}}, extra=[first])
    with pytest.raises(InputError) as caught:
        read_plan_file(path, framework=fw, current=plan)
    found = {(p.row, p.field, p.value) for p in caught.value.problems}
    assert (2, "target_2026", "约200") in found  # row 2 is the first data row
    assert (3, "lead", "市宣传部") in found
    assert (4, "code", "I99") in found
    assert (5, "sub_targets", "市本级") in found
    assert (6, "target_at_least", "maybe") in found
    assert (7, "group", "科技活动产出") in found
    assert any(p.row == 34 and p.field == "code" and "重复" in p.reason for p in caught.value.problems)  # the duplicate row
    assert any(p.row == 34 and p.field == "no" for p in caught.value.problems)
    assert any(p.row is None and p.value == "I03" for p in caught.value.problems)  # I03 was replaced by I99: missing
    assert all(p.file == "bad.csv" for p in caught.value.problems)


def test_missing_columns_and_other_years(tmp_path: Path) -> None:
    plan, fw = load_plan(str(PLAN)), embedded_framework()
    path = tmp_path / "cols.csv"
    path.write_text("no,code,name,lead,baseline_2023,target_2027\n1,I01,x,市人社局,1,2\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_plan_file(path, framework=fw, current=plan)
    assert any("2022" in p.reason and "2026" in p.reason for p in caught.value.problems)
    path.write_text("code,name\nI01,x\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_plan_file(path, framework=fw, current=plan)
    assert {p.field for p in caught.value.problems} >= {"no", "lead", "baseline_YYYY", "target_YYYY"}
    with pytest.raises(InputError):
        read_plan_file(path, framework=fw, current=None)  # a CSV needs a plan in force for its head


def test_a_workbook_names_its_sheet_and_checks_its_head(tmp_path: Path) -> None:
    plan, fw = load_plan(str(PLAN)), embedded_framework()
    out = tmp_path / "plan.xlsx"
    service.plan_export(plan, fw, "xlsx", str(out))
    book = load_workbook(out)
    row = next(r for r in book["meta"].iter_rows() if r[0].value == "baseline_year")
    row[1].value = "二〇二二"
    book["departments"].append(["sci", "市科技局二", ""])  # a duplicate code
    book.save(out)
    with pytest.raises(InputError) as caught:
        read_plan_file(out, framework=fw)
    files = {p.file for p in caught.value.problems}
    assert files == {"plan.xlsx[meta]", "plan.xlsx[departments]"}
