"""The bad-file corpus through ``stpi import``: each refused fast, in bounded memory, located, the store unchanged.

The web upload takes the same files in tests/web/test_upload_limits.py.
"""

from __future__ import annotations

import io
import re
import time
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stpi import submissions
from stpi.cli import app
from stpi.ingest import read_submission
from stpi.ingest.limits import Limits
from stpi.store import Store
from stpi.store import observations as ob
from tests.cli.clitools import run_main
from tests.ingest.hostile_files import Case, Member, bad_files, good_long_xlsx, raw_zip

runner = CliRunner()
CASES = bad_files()
SECONDS = 1.0  # refusing any of them, file opened to message
PEAK_MB = 32  # Python memory at the highest point while refusing one


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One embedded default store for the module (the CLI's, through STPI_HOME)."""
    folder = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STPI_HOME", str(folder / "home"))
        for name in ("STPI_DATABASE_URL", "STPI_USER", "STPI_LANG"):
            mp.delenv(name, raising=False)
        mp.setenv("COLUMNS", "400")
        store = Store()
        yield store
        store.close()


def _state(store: Store) -> tuple[int, int]:
    return len(ob.observations(store, history=True)), len(ob.uploads(store))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cli_import_refuses_fast_with_a_located_reason(case: Case, home: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / case.filename
    path.write_bytes(case.content)
    before = _state(home)
    started = time.perf_counter()
    code, out = run_main(monkeypatch, capsys, "import", str(path))
    elapsed = time.perf_counter() - started
    assert code != 0 and "Traceback" not in out
    assert case.says in out and case.filename in out, out
    assert elapsed < SECONDS + 1.0, f"{case.name}: {elapsed:.2f} s"  # the command opens the store too
    assert _state(home) == before


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_checking_stays_small_and_quick(case: Case, home: Store, tmp_path: Path) -> None:
    """The check itself (what the web runs in its worker process): time and peak Python memory."""
    path = tmp_path / case.filename
    path.write_bytes(case.content)
    rules = submissions.file_rules(home, upload_limit=False)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        sub = submissions.check_file(str(path), rules)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert not sub.ok and any(case.says in p.reason for p in sub.problems), sub.problems
    assert elapsed < SECONDS, f"{case.name}: {elapsed:.2f} s"
    assert peak < PEAK_MB, f"{case.name}: {peak:.1f} MB"


def test_rows_are_counted_while_streaming_not_taken_from_the_declaration(tmp_path: Path) -> None:
    """5,000 real rows and no dimension: the limit is found by counting, located at the sheet."""
    path = tmp_path / "rows.xlsx"
    made = good_long_xlsx([("陇南市", 2000 + i % 30, "I01", float(i)) for i in range(5000)])
    with zipfile.ZipFile(io.BytesIO(made)) as zf:
        members: dict[str, Member] = {i.filename: zf.read(i) for i in zf.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    assert isinstance(sheet, bytes)
    members["xl/worksheets/sheet1.xml"] = re.sub(rb"<dimension [^>]*/>", b"", sheet)
    path.write_bytes(raw_zip(members))
    sub = read_submission(path, limits=Limits(max_rows=1000))
    assert [p.reason for p in sub.problems] == ["文件 rows.xlsx 工作表“数据”超过 1,000 行 the sheet has more than 1,000 rows"]
    assert sub.problems[0].file.endswith("rows.xlsx:数据")
    assert read_submission(path, limits=Limits(max_rows=6000)).kind == "long"


def test_merged_cells_are_found_by_streaming(tmp_path: Path) -> None:
    """Read-only openpyxl does not list merged cells: the scan does."""
    from openpyxl import load_workbook

    path = tmp_path / "merged.xlsx"
    path.write_bytes(good_long_xlsx([("陇南市", 2023, "I01", 196.0), ("陇南市", 2023, "I02", 1.0)]))
    book = load_workbook(path)
    book.active.merge_cells("A2:A3")
    book.save(path)
    sub = read_submission(path)
    assert any("合并单元格" in p.reason and p.field == "A2:A3" for p in sub.problems)


def test_upload_limit_applies_to_the_compressed_file(tmp_path: Path) -> None:
    path = tmp_path / "big.xlsx"
    path.write_bytes(good_long_xlsx([("陇南市", 2023, f"I{i:02d}", float(i)) for i in range(1, 33)] * 100))
    sub = read_submission(path, limits=Limits(max_bytes=1024))
    assert "超过上限" in sub.problems[0].reason and "big.xlsx" in sub.problems[0].reason


def test_a_sheet_needing_more_unpacked_space_than_allowed(tmp_path: Path) -> None:
    """The sum of the members' sizes counts, not only one member."""
    members = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>", "a.bin": b"\0" * 300_000, "b.bin": b"\1" * 300_000}
    path = tmp_path / "sum.xlsx"
    path.write_bytes(raw_zip(members))
    sub = read_submission(path, limits=Limits(max_unpacked=500_000))
    assert "解压后" in sub.problems[0].reason


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_chinese_csv_encodings_still_import(encoding: str, home: Store, tmp_path: Path) -> None:
    path = tmp_path / f"{encoding}.csv"
    path.write_bytes("地区,年度,指标,数值,备注\n陇南市,2023,I01,196,人社局年报\n".encode(encoding))
    result = runner.invoke(app, ["import", str(path), "--draft"])
    assert result.exit_code == 0, result.output
    assert any(o.code == "I01" and o.period == "2023" and o.note == "人社局年报" for o in ob.observations(home, year=2023))


def test_a_legitimate_workbook_passes_the_scan(tmp_path: Path) -> None:
    path = tmp_path / "ok.xlsx"
    path.write_bytes(good_long_xlsx([("陇南市", 2023, "I01", 196.0)]))
    sub = read_submission(path, units={"I01": "人"})
    assert sub.ok and sub.rows[0].value == 196.0
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as zf:
        assert not any("vba" in n.lower() for n in zf.namelist())


def test_a_worksheet_the_workbook_does_not_list_is_scanned_too(tmp_path: Path) -> None:
    made = good_long_xlsx()
    with zipfile.ZipFile(io.BytesIO(made)) as zf:
        members: dict[str, Member] = {i.filename: zf.read(i) for i in zf.infolist()}
    members["xl/worksheets/sheet9.xml"] = b'<worksheet xmlns="x"><sheetData><row r="5000000"/></sheetData></worksheet>'
    path = tmp_path / "hidden.xlsx"
    path.write_bytes(raw_zip(members))
    sub = read_submission(path)
    assert "超过 1,048,576 行" in sub.problems[0].reason and "sheet9" in sub.problems[0].reason


@pytest.fixture
def pg_store() -> Iterator[Store]:
    """The embedded default store in a fresh PostgreSQL schema (dropped afterwards)."""
    import os
    import uuid

    import psycopg

    url = os.environ.get("STPI_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    schema = f"stpi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(plain, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    store = Store(f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}")
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(plain, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def test_the_corpus_on_postgresql_changes_nothing(pg_store: Store, tmp_path: Path) -> None:
    from stpi.errors import InputError

    before = _state(pg_store)
    for case in CASES:
        path = tmp_path / case.filename
        path.write_bytes(case.content)
        started = time.perf_counter()
        with pytest.raises(InputError) as info:
            submissions.import_submission(pg_store, str(path), actor="admin")
        assert time.perf_counter() - started < SECONDS + 1.0, case.name
        assert any(case.says in p.reason for p in info.value.problems), (case.name, info.value.problems)
    assert _state(pg_store) == before
    noted = tmp_path / "noted.csv"
    noted.write_text("region,year,indicator,value,note\n陇南市,2023,I01,584.28,口径调整\n", encoding="utf-8")
    assert submissions.import_submission(pg_store, str(noted), actor="admin", status="draft").written == 1


def test_a_million_rows_declared_are_not_read_as_a_million(tmp_path: Path) -> None:
    """A sheet claiming A1:E1000000 (within Excel's limit) with one row: read as one row, at once."""
    made = good_long_xlsx()
    with zipfile.ZipFile(io.BytesIO(made)) as zf:
        members: dict[str, Member] = {i.filename: zf.read(i) for i in zf.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    assert isinstance(sheet, bytes)
    members["xl/worksheets/sheet1.xml"] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:E1000000"/>', sheet)
    path = tmp_path / "claims.xlsx"
    path.write_bytes(raw_zip(members))
    started = time.perf_counter()
    sub = read_submission(path, units={"I01": "人"})
    assert time.perf_counter() - started < SECONDS
    assert sub.ok and len(sub.rows) == 1
