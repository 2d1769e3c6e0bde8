"""Random broken workbooks and CSV files: read_submission never raises, and locates every problem."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from stpi.ingest import Submission, is_count_unit, parse_number, read_submission

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Rows 3..8 of the test template: (code, unit, lower, upper); no last year's values are used.
LAYOUT = [("I01", "人", 0.0, None), ("I03", "%", 0.0, 100.0), ("I08", "万元", None, None)] * 2
VALUE, NOTE = "本年值(I)", "备注(K)"

typed_text = st.text(alphabet="0123456789,.-+%e 万约１２，．−—/abc", max_size=10)
cell_values = st.one_of(
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(-(10**16), 10**16),
    typed_text,
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.sampled_from(["=1+1", "=SUM(A1:A2)", "=A1*100", "#DIV/0!", "N/A", "inf", "nan"]),
)


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


def expected_trouble(value: Any, unit: str, lower: float | None, upper: float | None) -> bool:
    """An oracle: does a value typed into the value cell have to be refused?"""
    if value is None:
        return False
    if isinstance(value, (bool, dt.datetime)) or (isinstance(value, str) and value.startswith("=")):
        return True
    if isinstance(value, str):
        try:
            number = parse_number(value, unit=unit)
        except ValueError:
            return True
        if number is None:
            return False
    else:
        number = float(f"{float(value):.16g}")  # what openpyxl stores
    return (
        not math.isfinite(number)
        or abs(number) > 1e15
        or (number < 0 and is_count_unit(unit))
        or (lower is not None and number < lower)
        or (upper is not None and number > upper)
    )


def assert_well_formed(sub: Submission) -> None:
    """Never both rows and problems ignored: each problem says where and why."""
    assert sub.ok == (not sub.problems)
    for p in sub.problems:
        assert p.reason and p.file.startswith(sub.file)
        if p.row is not None and p.row >= 3 and p.file.endswith(":填报"):
            assert p.field, p


@SETTINGS
@given(
    values=st.lists(cell_values, min_size=6, max_size=6),
    formula_notes=st.sets(st.integers(3, 8), max_size=2),
    merged=st.sets(st.integers(3, 8), max_size=2),
    duplicated=st.sets(st.integers(3, 8), max_size=2),
)
def test_broken_cells_are_located(
    template_bytes: bytes, values: list[Any], formula_notes: set[int], merged: set[int], duplicated: set[int]
) -> None:
    with workdir() as tmp:
        path = tmp / "t.xlsx"
        path.write_bytes(template_bytes)
        book = load_workbook(path)
        ws = book["填报"]
        for row, value in enumerate(values, start=3):
            ws[f"I{row}"] = value
            ws[f"K{row}"] = "=B1" if row in formula_notes else "说明"
        for row in merged:
            ws.merge_cells(f"J{row}:K{row}")
        for row in sorted(duplicated):
            ws.append([c.value for c in ws[row]])
        book.save(path)
        sub = read_submission(path)
    assert_well_formed(sub)
    located = {(p.row, p.field) for p in sub.problems}
    for row, value in enumerate(values, start=3):
        code, unit, lower, upper = LAYOUT[row - 3]
        if expected_trouble(value, unit, lower, upper):
            assert (row, VALUE) in located, (row, value, sub.problems)
        elif row not in formula_notes and row not in merged and row not in duplicated:
            assert not [p for p in sub.problems if p.row == row], (row, value, sub.problems)
            assert [r.row for r in sub.rows].count(row) == 1
    for row in formula_notes - merged:
        assert (row, NOTE) in located
    for row in merged:
        assert (row, f"J{row}:K{row}") in located
    assert sum("重复" in p.reason for p in sub.problems) == len(duplicated)


structural = st.sampled_from(
    ["rename_data", "rename_meta", "delete_data", "delete_meta", "clear_data", "header", "meta_format",
     "meta_year", "meta_rows", "chart_only"]
)


@SETTINGS
@given(changes=st.sets(structural, min_size=1, max_size=3), cut=st.one_of(st.none(), st.floats(0.0, 0.99)))
def test_broken_structure_never_raises(template_bytes: bytes, changes: set[str], cut: float | None) -> None:
    with workdir() as tmp:
        path = tmp / "t.xlsx"
        path.write_bytes(template_bytes)
        book = load_workbook(path)
        _break(book, changes)
        book.save(path)
        if cut is not None:
            data = path.read_bytes()
            path.write_bytes(data[: int(len(data) * cut)])
        sub = read_submission(path)
    assert_well_formed(sub)
    assert sub.problems, changes


def _break(book: Any, changes: set[str]) -> None:
    if "header" in changes and "填报" in book.sheetnames:
        book["填报"]["C2"] = "名称(已改)"
    if "clear_data" in changes and "填报" in book.sheetnames:
        book["填报"].delete_rows(3, 20)
    if "meta_format" in changes:
        book["_meta"]["B1"] = "something-else"
    if "meta_year" in changes:
        book["_meta"]["B6"] = "二〇二四"
    if "meta_rows" in changes:
        book["_meta"]["H3"] = "abc"
    for sheet, rename, delete in (("填报", "rename_data", "delete_data"), ("_meta", "rename_meta", "delete_meta")):
        if delete in changes and len(book.sheetnames) > 1:
            del book[sheet]
        elif rename in changes:
            book[sheet].title = sheet + "(1)"
    if "chart_only" in changes:
        for name in list(book.sheetnames)[1:]:
            del book[name]
        book.create_chartsheet("图表")
        book.active = 1


csv_cells = st.one_of(typed_text, st.sampled_from(["", "陇南市", "武都区", "2024", "2024年", "24", "I01", "I03", "=1+1"]))


@SETTINGS
@given(
    rows=st.lists(st.tuples(st.sampled_from(["陇南市", "武都区", ""]), st.sampled_from(["2024", "2025", "24", "x"]),
                            st.sampled_from(["I01", "I03", "I08", ""]), csv_cells), max_size=12),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    header=st.sampled_from([["region", "year", "indicator", "value"], ["地区", "年份", "代码", "数值"],
                            ["region", "year", "value"], ["year", "region", "value", "indicator", "note"]]),
)
def test_random_long_csv(rows: list[tuple[str, str, str, str]], encoding: str, header: list[str]) -> None:
    units = {"I01": "人", "I03": "%", "I08": "万元"}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    order = {"region": 0, "地区": 0, "year": 1, "年份": 1, "indicator": 2, "代码": 2, "value": 3, "数值": 3}
    for row in rows:
        writer.writerow([row[order[h]] if h in order else "" for h in header])
    with workdir() as tmp:
        path = tmp / "d.csv"
        path.write_bytes(buffer.getvalue().encode(encoding))
        sub = read_submission(path, units=units)
    assert_well_formed(sub)
    if len(header) == 3:
        assert {p.field for p in sub.problems} == {"indicator"}
        return
    seen: set[tuple[str, str, str]] = set()
    for line, row in enumerate(rows, start=2):
        region, year, code, value = row
        bad_value = expected_trouble(value.strip(), units.get(code, ""), *{"I01": (0.0, None)}.get(code, (None, None)))
        valid_key = bool(region and code) and year in ("2024", "2025")
        bad = bad_value or not valid_key or (region, year, code) in seen
        if valid_key:
            seen.add((region, year, code))
        problems = [p for p in sub.problems if p.row == line]
        assert bool(problems) == bad, (line, row, sub.problems)
        assert all(p.field in ("region", "year", "indicator", "value", "地区", "年份", "代码", "数值") for p in problems)


@SETTINGS
@given(st.binary(max_size=300), st.sampled_from(["x.csv", "x.xlsx"]))
def test_random_bytes(data: bytes, name: str) -> None:
    with workdir() as tmp:
        path = tmp / name
        path.write_bytes(data)
        sub = read_submission(path)
    assert_well_formed(sub)
    assert sub.problems and not sub.rows
