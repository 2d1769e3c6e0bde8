"""The fast path for large long CSV files gives what the plain, row-by-row path gives."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stpi.ingest.entries import Checks, check_entries
from stpi.ingest.fastlong import _PLAIN, _plain, read_long_csv_frame
from stpi.ingest.longform import read_long_csv
from stpi.tables import read_frame

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SPACES = " \t\u3000\xa0\u2002\x1f"


def strip_every_cell(path: Path) -> pd.DataFrame:
    """The reference: read, strip every cell, number the rows, drop blank ones."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skip_blank_lines=False)
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.fillna("").apply(lambda col: col.str.strip())
    frame["_row"] = np.arange(2, len(frame) + 2)
    cells = frame.drop(columns="_row")
    return frame[(cells != "").any(axis=1)]


def write(rows: list[list[str]], encoding: str, newline: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerows(rows)
    folder = Path(tempfile.mkdtemp())
    (folder / "d.csv").write_bytes(buffer.getvalue().encode(encoding))
    return folder / "d.csv"


cell = st.one_of(
    st.sampled_from(["", "陇南市", "2024", "I01", "12.5", "-3", "a,b", 'say "hi"', "x y"]),
    st.builds(lambda left, body, right: left + body + right, st.text(SPACES, max_size=2), st.sampled_from(["", "武都区", "1.5", "I03", "two\nlines"]), st.text(SPACES + "\n", max_size=2)),
)


@SETTINGS
@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), max_size=8),
    blank_lines=st.sets(st.integers(0, 8), max_size=2),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_read_frame_strips_only_when_a_cell_needs_it(rows: list[list[str]], blank_lines: set[int], encoding: str, newline: str) -> None:
    lines = [["region", " year ", "value"]] + rows
    for at in sorted(blank_lines, reverse=True):
        lines.insert(min(at + 1, len(lines)), [])
    path = write(lines, encoding, newline)
    got, expected = read_frame(path), strip_every_cell(path)
    assert got.equals(expected) and list(got.index) == list(expected.index)


@SETTINGS
@given(st.lists(st.one_of(st.from_regex(r"-?[0-9]{1,4}(\.[0-9]{1,3})?", fullmatch=True), st.text("0123456789.-e+, \n\r%", max_size=6)), max_size=30))
def test_plain_numbers_are_found_as_one_by_one(texts: list[str]) -> None:
    values = np.array(texts, dtype=object)
    assert _plain(values).tolist() == [_PLAIN.fullmatch(t) is not None for t in texts]


values = st.one_of(st.from_regex(r"-?[0-9]{1,3}(\.[0-9]{1,2})?", fullmatch=True), st.sampled_from(["", "1,234.5", "12%", "十二", "—", "1e5", "-", "abc", "1e16", "-1", "0"]))


@SETTINGS
@given(st.lists(st.tuples(st.sampled_from(["陇南市", "武都区", "", "火星市"]), st.sampled_from(["2024", "2025", "24", "x", ""]),
                          st.sampled_from(["I01", "I03", "I05", "I08", ""]), values, st.sampled_from(["", "备注"])), min_size=1, max_size=25))
def test_the_fast_path_finds_what_the_row_checks_find(rows: list[tuple[str, str, str, str, str]]) -> None:
    # years such as "2024年" are left out: the fast path checks duplicates on four-digit years only
    units = {"I01": "人", "I03": "%", "I05": "个", "I08": "万元"}
    checks = Checks(known_codes=frozenset(units), known_regions=frozenset({"陇南市", "武都区"}), rules={"I03": (0.0, 100.0)}, units=units,
                    previous={("陇南市", "I08"): 10.0}, expect_year=2024)
    path = write([["region", "year", "indicator", "value", "note"], *map(list, rows)], "utf-8", "\n")
    fast, fast_problems = read_long_csv_frame(path, checks)
    entries, problems = read_long_csv(path, units)
    problems += check_entries(entries, checks)
    assert sorted(map(str, fast_problems)) == sorted(map(str, problems))
    slow = [(e.line, e.region, e.year, e.code, e.value, e.note) for e in entries if not e.bad]
    got = [(int(r), g, int(y), c, None if np.isnan(v) else v, n) for r, g, y, c, v, n in zip(fast["_row"], fast["region"], fast["year"], fast["code"], fast["value"], fast["note"])]
    assert got == slow


def test_a_large_file_is_read_exactly(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    n = 20_000
    frame = pd.DataFrame({"region": rng.choice(["陇南市", "武都区"], n), "year": 2024, "indicator": [f"I{k:05d}" for k in range(n)],
                          "value": np.round(rng.uniform(-50, 50, n), 4).astype(object)})
    frame.loc[7, "value"], frame.loc[9, "value"] = "1,234.5", "abc"  # one row accepted by the row check, one refused
    frame.to_csv(tmp_path / "big.csv", index=False)
    got, problems = read_long_csv_frame(tmp_path / "big.csv", Checks())
    assert [(p.row, p.field) for p in problems] == [(11, "value")]
    expected = frame.drop(index=9)
    assert got["value"].tolist() == [1234.5 if v == "1,234.5" else float(repr(v)) for v in expected["value"]]
    assert got["code"].tolist() == expected["indicator"].tolist() and got["year"].dtype == np.int64
    assert got["_row"].tolist() == [i + 2 for i in expected.index]
