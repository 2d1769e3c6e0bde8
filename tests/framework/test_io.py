"""Loading, validating and exporting frameworks (YAML, CSV, XLSX)."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from stpi.errors import InputError, Problem
from stpi.framework import (
    Provenance,
    embedded_framework,
    export_framework,
    load_framework,
)
from stpi.framework.io import COLUMNS, REQUIRED
from stpi.framework.model import Node

HEADER = list(REQUIRED)

# A small valid tree: INDEX -> A (0.6: X1, X2), B (0.4: X3).
GOOD = [
    ["INDEX", "", "Index", "%", "", "", ""],
    ["A", "INDEX", "Area A", "%", "0.6", "", ""],
    ["X1", "A", "x one", "u", "0.5", "10", "1"],
    ["X2", "A", "x two", "u", "0.5", "4", "-1"],
    ["B", "INDEX", "Area B", "%", "0.4", "", ""],
    ["X3", "B", "x three", "u", "1", "200", "1"],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> Path:
    book = Workbook()
    ws = book.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(InputError) as info:
        load_framework(path)
    return info.value.problems


def has(problems: list[Problem], row: int | None, field: str, reason: str, value: str | None = ...) -> bool:  # type: ignore[assignment]
    """True when one problem has this row, field, reason fragment (and value, if given)."""
    return any(
        p.row == row and p.field == field and reason in p.reason and (value is ... or p.value == value)
        for p in problems
    )


def with_row(rows: list[list[str]], index: int, **cells: str) -> list[list[str]]:
    """A copy of ``rows`` with some cells of one row replaced."""
    out = [list(r) for r in rows]
    for key, value in cells.items():
        out[index][HEADER.index(key)] = value
    return out


# ---------------------------------------------------------------- loading


def test_csv_loads_with_tree_order_weights_and_standards(tmp_path: Path) -> None:
    fw = load_framework(write_csv(tmp_path / "small.csv", GOOD))
    assert [n.code for n in fw.nodes] == ["INDEX", "A", "B", "X1", "X2", "X3"]
    assert fw.id == "small" and fw.title == "small"
    assert fw.root.code == "INDEX" and fw.root.parent is None
    assert [n.code for n in fw.leaves] == ["X1", "X2", "X3"]
    x2 = fw.node("X2")
    assert (x2.parent, x2.name, x2.unit, x2.weight, x2.standard, x2.direction) == ("A", "x two", "u", 0.5, 4.0, -1)
    assert fw.node("A").weight == 0.6 and fw.node("A").standard is None and fw.node("A").direction is None
    assert fw.node("X3").weight == 1.0 and fw.node("X3").standard == 200.0


def test_minimal_csv_parameters_get_assumed_provenance(tmp_path: Path) -> None:
    fw = load_framework(write_csv(tmp_path / "minimal.csv", GOOD))
    expected = Provenance("assumed", "文件未注明来源 not stated in minimal.csv")
    assert fw.root.weight_provenance is None  # the root has no weight
    assert all(n.weight_provenance == expected for n in fw.nodes[1:])
    assert all(n.standard_provenance == expected for n in fw.leaves)
    assert all(n.standard_provenance is None for n in fw.nodes if not n.is_leaf)
    assert fw.is_illustrative
    assert fw.parameter_rules() == (str(expected),)


def test_default_provenance_argument_is_used_for_unstated_parameters(tmp_path: Path) -> None:
    official = Provenance("official", "省科技厅 2024")
    fw = load_framework(write_csv(tmp_path / "f.csv", GOOD), default_provenance=official)
    assert set(fw.parameter_provenances()) == {official}
    assert not fw.is_illustrative


def test_stated_provenance_columns_are_read(tmp_path: Path) -> None:
    header = HEADER + ["weight_provenance", "standard_provenance"]
    rows = [r + ["", ""] for r in GOOD]
    rows[2][-2:] = ["official: 省统计局 2023", "assumed: target / 0.4326"]
    fw = load_framework(write_csv(tmp_path / "p.csv", rows, header))
    x1 = fw.node("X1")
    assert x1.weight_provenance == Provenance("official", "省统计局 2023")
    assert x1.standard_provenance == Provenance("assumed", "target / 0.4326")
    assert fw.node("X2").weight_provenance == Provenance("assumed", "文件未注明来源 not stated in p.csv")


def test_xlsx_with_numeric_cells_loads(tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["INDEX", None, "Index", "%", None, None, None],
        ["A", "INDEX", "Area A", "%", 0.6, None, None],
        ["X1", "A", "x one", "u", 0.5, 10, 1],
        ["X2", "A", "x two", "u", "0.5", 4.5, -1],  # text and numbers mixed, as offices do
        ["B", "INDEX", "Area B", "%", 0.4, None, None],
        ["X3", "B", "x three", "u", 1, 200.0, 1.0],
    ]
    fw = load_framework(write_xlsx(tmp_path / "small.xlsx", rows))
    assert [n.code for n in fw.nodes] == ["INDEX", "A", "B", "X1", "X2", "X3"]
    assert fw.node("X2").standard == 4.5 and fw.node("X2").direction == -1
    assert fw.node("X3").standard == 200.0 and fw.node("X3").direction == 1
    assert fw.node("A").weight == 0.6 and fw.node("X2").weight == 0.5


def test_yaml_loads_with_head(tmp_path: Path) -> None:
    doc = {
        "framework": {"id": "demo", "title": "演示", "title_en": "Demo", "notes": ["n1"]},
        "nodes": [
            {"code": "INDEX", "name": "Index"},
            {"code": "X1", "parent": "INDEX", "name": "x1", "weight": 0.25, "standard": 2, "direction": 1,
             "weight_provenance": "official: 文件 A", "standard_provenance": "official: 文件 B"},
            {"code": "X2", "parent": "INDEX", "name": "x2", "weight": 0.75, "standard": 3.5, "direction": -1,
             "weight_provenance": "official: 文件 A", "standard_provenance": "official: 文件 B"},
        ],
    }
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    fw = load_framework(path)
    assert (fw.id, fw.title, fw.title_en, fw.notes) == ("demo", "演示", "Demo", ("n1",))
    assert fw.node("X2").weight == 0.75 and fw.node("X2").standard == 3.5 and fw.node("X2").direction == -1
    assert not fw.is_illustrative


def test_yaml_without_head_takes_id_from_file_name(tmp_path: Path) -> None:
    path = tmp_path / "bare.yml"
    path.write_text(
        "nodes:\n- {code: R, name: r}\n- {code: K, parent: R, name: k, weight: 1, standard: 5, direction: 1}\n",
        encoding="utf-8",
    )
    fw = load_framework(path)
    assert (fw.id, fw.title) == ("bare", "bare")
    assert fw.node("K").standard == 5.0


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_csv_encodings_from_excel_and_wps(tmp_path: Path, encoding: str) -> None:
    rows = [list(r) for r in GOOD]
    rows[0][2] = "综合科技进步水平指数"
    rows[2][2] = "万人专业技术人员数"
    rows[2][3] = "人"
    path = write_csv(tmp_path / "zh.csv", rows, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes()[:3] == b"\xef\xbb\xbf"
    else:
        with pytest.raises(UnicodeDecodeError):
            path.read_bytes().decode("utf-8")
    fw = load_framework(path)
    assert fw.root.code == "INDEX"  # the BOM does not stick to the first header
    assert fw.root.name == "综合科技进步水平指数"
    assert (fw.node("X1").name, fw.node("X1").unit) == ("万人专业技术人员数", "人")


def test_blank_lines_are_skipped_but_rows_keep_their_spreadsheet_numbers(tmp_path: Path) -> None:
    path = tmp_path / "gaps.csv"
    lines = [",".join(HEADER)] + [",".join(r) for r in GOOD[:3]] + [",,,,,,"] + [",".join(r) for r in GOOD[3:]]
    lines[5] = "X2,A,x two,u,0.5,4,7"  # line 6 of the file
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = problems_of(path)
    assert has(problems, 6, "direction", "direction must be 1 or -1", "7")


# ---------------------------------------------------------------- validation, one fault at a time


def test_unknown_parent(tmp_path: Path) -> None:
    problems = problems_of(write_csv(tmp_path / "f.csv", with_row(GOOD, 5, parent="NOPE")))
    assert has(problems, 7, "parent", "unknown parent", "NOPE")
    assert all(p.file == str(tmp_path / "f.csv") for p in problems)


def test_cycle_names_every_node_on_it(tmp_path: Path) -> None:
    rows = GOOD + [["C1", "C2", "c1", "u", "1", "", ""], ["C2", "C1", "c2", "u", "1", "", ""]]
    problems = problems_of(write_csv(tmp_path / "f.csv", rows))
    assert has(problems, 8, "parent", "cycle", "C2")
    assert has(problems, 9, "parent", "cycle", "C1")


def test_duplicate_code_points_at_the_second_row(tmp_path: Path) -> None:
    rows = GOOD + [["X1", "B", "again", "u", "0", "5", "1"]]
    problems = problems_of(write_csv(tmp_path / "f.csv", rows))
    assert has(problems, 8, "code", "duplicate code", "X1")
    assert has(problems, 8, "code", "第4行")  # where it first appeared


@pytest.mark.parametrize(("second", "ok"), [("0.5000001", True), ("0.4999999", True), ("0.50001", False), ("0.49999", False)])
def test_weight_sum_tolerance_is_1e_6(tmp_path: Path, second: str, ok: bool) -> None:
    path = write_csv(tmp_path / "f.csv", with_row(GOOD, 3, weight=second))
    if ok:
        assert load_framework(path).node("X2").weight == float(second)
    else:
        problems = problems_of(path)
        assert has(problems, 3, "weight", "children's weights sum to", "A")
        assert len(problems) == 1


@pytest.mark.parametrize(("standard", "value"), [("", None), ("0", "0.0"), ("-3", "-3.0")])
def test_leaf_needs_a_positive_standard(tmp_path: Path, standard: str, value: str | None) -> None:
    problems = problems_of(write_csv(tmp_path / "f.csv", with_row(GOOD, 2, standard=standard)))
    assert has(problems, 4, "standard", "leaf needs a positive standard", value)


@pytest.mark.parametrize("direction", ["0", "2", "-2", "0.5"])
def test_direction_must_be_plus_or_minus_one(tmp_path: Path, direction: str) -> None:
    problems = problems_of(write_csv(tmp_path / "f.csv", with_row(GOOD, 2, direction=direction)))
    assert has(problems, 4, "direction", "direction must be 1 or -1", direction)


def test_leaf_without_direction(tmp_path: Path) -> None:
    problems = problems_of(write_csv(tmp_path / "f.csv", with_row(GOOD, 2, direction="")))
    assert has(problems, 4, "direction", "leaf needs a direction")


@pytest.mark.parametrize(("field", "text"), [("weight", "半"), ("standard", "abc"), ("direction", "up"), ("weight", "nan"), ("standard", "inf")])
def test_non_numeric_cells(tmp_path: Path, field: str, text: str) -> None:
    problems = problems_of(write_csv(tmp_path / "f.csv", with_row(GOOD, 2, **{field: text})))
    assert any(p.row == 4 and p.field == field and p.value == text and "number" in p.reason for p in problems)


def test_thousands_separators_are_numbers(tmp_path: Path) -> None:
    fw = load_framework(write_csv(tmp_path / "f.csv", with_row(GOOD, 5, standard="1,200.5")))
    assert fw.node("X3").standard == 1200.5


def test_negative_weight(tmp_path: Path) -> None:
    rows = with_row(with_row(GOOD, 2, weight="-0.5"), 3, weight="1.5")
    problems = problems_of(write_csv(tmp_path / "f.csv", rows))
    assert has(problems, 4, "weight", "weight must not be negative", "-0.5")


def test_missing_weight_below_the_root(tmp_path: Path) -> None:
    problems = problems_of(write_csv(tmp_path / "f.csv", with_row(GOOD, 4, weight="")))
    assert has(problems, 6, "weight", "missing weight")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_missing_required_columns_are_all_listed(tmp_path: Path, fmt: str) -> None:
    header = [c for c in HEADER if c not in ("unit", "direction")]
    rows = [[c for c, h in zip(r, HEADER) if h in header] for r in GOOD]
    path = tmp_path / f"f.{fmt}"
    if fmt == "csv":
        write_csv(path, rows, header)
    else:
        write_xlsx(path, list(rows), header)
    problems = problems_of(path)
    assert [(p.file, p.row, p.field) for p in problems] == [(str(path), 1, "unit"), (str(path), 1, "direction")]
    assert all("missing required column" in p.reason for p in problems)


def test_more_than_one_root_names_each_root_row(tmp_path: Path) -> None:
    rows = GOOD + [["OTHER", "", "second root", "%", "", "", ""], ["Y", "OTHER", "y", "u", "1", "3", "1"]]
    problems = problems_of(write_csv(tmp_path / "f.csv", rows))
    roots = [p for p in problems if "exactly one root" in p.reason]
    assert {(p.row, p.field, p.value) for p in roots} == {(2, "parent", "INDEX"), (8, "parent", "OTHER")}


def test_no_root_at_all(tmp_path: Path) -> None:
    rows = [["A", "B", "a", "u", "1", "", ""], ["B", "A", "b", "u", "1", "", ""]]
    problems = problems_of(write_csv(tmp_path / "f.csv", rows))
    assert any("exactly one root" in p.reason and p.field == "parent" for p in problems)
    assert has(problems, 2, "parent", "cycle") and has(problems, 3, "parent", "cycle")


def test_inner_node_must_not_have_a_standard_or_direction(tmp_path: Path) -> None:
    problems = problems_of(write_csv(tmp_path / "f.csv", with_row(GOOD, 1, standard="5", direction="1")))
    assert has(problems, 3, "standard", "inner node must not have a standard", "5.0")
    assert has(problems, 3, "direction", "inner node must not have a direction", "1")


def test_empty_code(tmp_path: Path) -> None:
    problems = problems_of(write_csv(tmp_path / "f.csv", GOOD + [["", "B", "nameless", "u", "0", "1", "1"]]))
    assert has(problems, 8, "code", "empty code")


@pytest.mark.parametrize("field", ["weight_provenance", "standard_provenance"])
def test_bad_provenance_cell(tmp_path: Path, field: str) -> None:
    header = HEADER + [field]
    rows = [r + [""] for r in GOOD]
    rows[2][-1] = "maybe: someone said so"
    problems = problems_of(write_csv(tmp_path / "f.csv", rows, header))
    assert has(problems, 4, field, "official", "maybe: someone said so")


# ---------------------------------------------------------------- validation, all faults at once


def many_faults() -> list[list[str]]:
    return [
        ["INDEX", "", "Index", "%", "", "", ""],  # row 2
        ["A", "INDEX", "Area A", "%", "0.6", "", ""],  # row 3: children sum to 0.7
        ["X1", "A", "x one", "u", "0.5", "0", "1"],  # row 4: zero standard
        ["X2", "A", "x two", "u", "0.2", "4", "3"],  # row 5: direction 3
        ["B", "INDEX", "Area B", "%", "0.4", "7", ""],  # row 6: inner node with a standard
        ["X3", "B", "x three", "u", "abc", "200", "1"],  # row 7: non-numeric weight
        ["X4", "GHOST", "orphan", "u", "1", "5", "1"],  # row 8: unknown parent
        ["X1", "B", "dup", "u", "0", "5", "1"],  # row 9: duplicate code
        ["C1", "C2", "c1", "u", "1", "", ""],  # row 10: cycle
        ["C2", "C1", "c2", "u", "1", "", ""],  # row 11: cycle
        ["ROOT2", "", "root 2", "%", "", "", ""],  # row 12: second root
        ["Y", "ROOT2", "y", "u", "1", "-2", "1"],  # row 13: negative standard
        ["Z", "ROOT2", "z", "u", "x", "", "1"],  # row 14: non-numeric weight, missing standard
    ]


EXPECTED_FAULTS = [
    (3, "weight", "children's weights sum to", "A"),
    (4, "standard", "leaf needs a positive standard", "0.0"),
    (5, "direction", "direction must be 1 or -1", "3"),
    (6, "standard", "inner node must not have a standard", "7.0"),
    (7, "weight", "not a number", "abc"),
    (8, "parent", "unknown parent", "GHOST"),
    (9, "code", "duplicate code", "X1"),
    (10, "parent", "cycle", "C2"),
    (11, "parent", "cycle", "C1"),
    (2, "parent", "exactly one root", "INDEX"),
    (12, "parent", "exactly one root", "ROOT2"),
    (13, "standard", "leaf needs a positive standard", "-2.0"),
    (14, "weight", "not a number", "x"),
    (14, "standard", "leaf needs a positive standard", None),
]


def test_every_fault_is_reported_in_one_error_csv(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "faulty.csv", many_faults())
    problems = problems_of(path)
    for row, field, reason, value in EXPECTED_FAULTS:
        assert has(problems, row, field, reason, value), (row, field, reason)
    assert all(p.file == str(path) for p in problems)
    assert all(p.row is not None and p.field for p in problems)


def test_every_fault_is_reported_in_one_error_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "faulty.xlsx", many_faults())  # type: ignore[arg-type]
    problems = problems_of(path)
    for row, field, reason, value in EXPECTED_FAULTS:
        assert has(problems, row, field, reason, value), (row, field, reason)


def test_every_fault_is_reported_in_one_error_yaml(tmp_path: Path) -> None:
    nodes = [{k: v for k, v in zip(HEADER, r) if v != ""} for r in many_faults()]
    path = tmp_path / "faulty.yaml"
    path.write_text(yaml.safe_dump({"nodes": nodes}, allow_unicode=True), encoding="utf-8")
    problems = problems_of(path)
    for row, field, reason, value in EXPECTED_FAULTS:  # YAML rows count nodes from 1
        assert has(problems, row - 1, field, reason, value), (row, field, reason)


def test_error_message_lists_file_row_field_and_reason(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "faulty.csv", many_faults())
    with pytest.raises(InputError) as info:
        load_framework(path)
    text = str(info.value)
    assert text.startswith(f"{len(info.value.problems)} 个问题")
    assert f"{path}, 第8行 row 8, 列 column 'parent', X4 orphan: 上级代码不存在 unknown parent (值 value: 'GHOST')" in text  # names the row's node too


def test_invalid_yaml_and_missing_nodes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("nodes: [unclosed\n", encoding="utf-8")
    assert "invalid YAML" in problems_of(broken)[0].reason
    empty = tmp_path / "empty.yaml"
    empty.write_text("framework: {id: x}\n", encoding="utf-8")
    assert [(p.field, p.row) for p in problems_of(empty)] == [("nodes", None)]


def test_unsupported_and_missing_files(tmp_path: Path) -> None:
    doc = tmp_path / "f.docx"
    doc.write_bytes(b"x")
    assert "unsupported file type" in problems_of(doc)[0].reason
    assert "file not found" in problems_of(tmp_path / "absent.csv")[0].reason
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"not a zip")
    assert "not a valid XLSX" in problems_of(fake)[0].reason


# ---------------------------------------------------------------- provenance


@pytest.mark.parametrize(
    ("text", "kind", "note"),
    [
        ("official: 甘肃省科技厅 2024", "official", "甘肃省科技厅 2024"),
        ("assumed: target / 0.4326", "assumed", "target / 0.4326"),
        ("  Official :  src: with colon ", "official", "src: with colon"),
        ("ASSUMED:rule", "assumed", "rule"),
    ],
)
def test_provenance_parse(text: str, kind: str, note: str) -> None:
    p = Provenance.parse(text)
    assert (p.kind, p.note) == (kind, note)
    assert Provenance.parse(str(p)) == p


@pytest.mark.parametrize("text", ["", "official", "official:", "official:   ", "guess: x", "官方: 省厅", ": note", "source - official"])
def test_provenance_parse_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="official"):
        Provenance.parse(text)


# ---------------------------------------------------------------- round trips


def same_nodes(a: tuple[Node, ...], b: tuple[Node, ...], *, rel: float = 0.0) -> bool:
    """Equal nodes; numbers equal within ``rel`` (XLSX keeps 16 significant digits, as Excel does)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        if replace(x, weight=0.0, standard=None) != replace(y, weight=0.0, standard=None):
            return False
        if x.weight != pytest.approx(y.weight, rel=rel, abs=0):
            return False
        if (x.standard is None) != (y.standard is None):
            return False
        if x.standard is not None and x.standard != pytest.approx(y.standard, rel=rel, abs=0):
            return False
    return True


# openpyxl writes numbers with 16 significant digits (Excel's own precision): a value
# needing 17 comes back within one unit of the 16th digit; CSV and YAML are exact.
XLSX_REL = 1e-15


@pytest.mark.parametrize("fmt", ["yaml", "csv", "xlsx"])
def test_embedded_framework_round_trips(tmp_path: Path, fmt: str) -> None:
    fw = embedded_framework()
    path = tmp_path / f"export.{fmt}"
    data = export_framework(fw, fmt, path)
    assert path.read_bytes() == data
    back = load_framework(path)
    assert len(back.nodes) == len(fw.nodes) == 50
    assert same_nodes(fw.nodes, back.nodes, rel=XLSX_REL if fmt == "xlsx" else 0.0)
    if fmt != "xlsx":
        assert back.nodes == fw.nodes  # every field exactly, including provenance
    for b in back.nodes:
        assert type(b.weight) is float and (b.standard is None or type(b.standard) is float)
    assert back.parameter_provenances() == fw.parameter_provenances()
    if fmt == "yaml":
        assert (back.id, back.title, back.title_en, back.notes) == (fw.id, fw.title, fw.title_en, fw.notes)
        assert back.fingerprint() == fw.fingerprint()


def test_export_returns_bytes_without_writing(tmp_path: Path) -> None:
    fw = embedded_framework()
    text = export_framework(fw, "csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 51
    assert rows[1][:7] == ["INDEX", "", "综合科技进步水平指数", "%", "", "", ""]
    assert list(tmp_path.iterdir()) == []


def test_csv_to_xlsx_to_yaml_chain(tmp_path: Path) -> None:
    fw = embedded_framework()
    export_framework(fw, "csv", tmp_path / "a.csv")
    step1 = load_framework(tmp_path / "a.csv")
    export_framework(step1, "xlsx", tmp_path / "b.xlsx")
    step2 = load_framework(tmp_path / "b.xlsx")
    export_framework(step2, "yaml", tmp_path / "c.yaml")
    step3 = load_framework(tmp_path / "c.yaml")
    assert same_nodes(step3.nodes, fw.nodes, rel=XLSX_REL)
    export_framework(step3, "csv", tmp_path / "d.csv")
    assert same_nodes(load_framework(tmp_path / "d.csv").nodes, step3.nodes)


def test_xlsx_numbers_are_numeric_cells(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    export_framework(embedded_framework(), "xlsx", tmp_path / "fw.xlsx")
    book = load_workbook(tmp_path / "fw.xlsx", read_only=True)
    rows = list(book["framework"].iter_rows(min_row=3, max_row=3, values_only=True))
    book.close()
    assert isinstance(rows[0][4], float) and rows[0][4] == 0.2  # A1's weight, no "number stored as text"


def test_small_framework_round_trips_through_all_formats(tmp_path: Path) -> None:
    rows = with_row(with_row(GOOD, 2, weight="0.1"), 3, weight="0.9")  # 0.1 + 0.9 is not exactly 1.0
    fw = load_framework(write_csv(tmp_path / "small.csv", rows))
    for fmt in ("yaml", "csv", "xlsx"):
        export_framework(fw, fmt, tmp_path / f"out.{fmt}")
        assert load_framework(tmp_path / f"out.{fmt}").nodes == fw.nodes, fmt


def test_bad_child_weight_is_reported_once(tmp_path: Path) -> None:
    rows = with_row(GOOD, 2, weight="abc")  # X1's weight
    with pytest.raises(InputError) as info:
        load_framework(write_csv(tmp_path / "w.csv", rows))
    fields = [(p.row, p.field) for p in info.value.problems]
    assert fields == [(4, "weight")]  # no second "weights sum to …" problem at A


def test_formula_like_text_round_trips_through_xlsx(tmp_path: Path) -> None:
    fw = load_framework(write_csv(tmp_path / "g.csv", with_row(GOOD, 2, name="=HYPERLINK(1)")))
    export_framework(fw, "xlsx", tmp_path / "g.xlsx")
    from openpyxl import load_workbook

    ws = load_workbook(tmp_path / "g.xlsx")["framework"]
    cell = next(row[2] for row in ws.iter_rows(min_row=2) if row[0].value == "X1")
    assert cell.data_type == "s" and cell.value == "'=HYPERLINK(1)"  # stored as text, not a formula
    assert load_framework(tmp_path / "g.xlsx").node("X1").name == "=HYPERLINK(1)"
