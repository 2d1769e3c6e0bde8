"""Long CSV tables of any size: checked with pandas, row-by-row checks only where a row looks wrong.

A million plain rows (``2023``, ``I01``, ``12.5``) are screened column-wise; the few rows
that are not plain (Chinese number forms, unknown codes, values out of range, a large
change without a note …) go through the same row checks as every other input
(:func:`stpi.ingest.entries.check_entry`), so the messages are the same everywhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from stpi.errors import InputError, Problem
from stpi.ingest.entries import Checks, check_entry, duplicate_reason
from stpi.ingest.layout import HUGE
from stpi.ingest.longform import HEADERS, entries_from_records, match_columns
from stpi.ingest.numbers import is_count_unit
from stpi.tables import read_frame

__all__ = ["read_long_csv_frame"]

_PLAIN = r"-?[0-9]+(?:\.[0-9]+)?"
_COLUMNS = ["region", "year", "code", "value", "text", "source", "note", "_row"]


def read_long_csv_frame(path: Path, checks: Checks) -> tuple[pd.DataFrame, list[Problem]]:
    """Good rows (region, year, code, value, source, note, _row) and every problem of a long CSV."""
    file = str(path)
    try:
        raw = read_frame(path)
    except InputError as exc:
        return pd.DataFrame(columns=_COLUMNS), list(exc.problems)
    headers = [c for c in raw.columns if c != "_row"]
    columns, problems = match_columns(headers, file, 1)
    if problems:
        return pd.DataFrame(columns=_COLUMNS), problems
    if raw.empty:
        return pd.DataFrame(columns=_COLUMNS), [Problem(file, None, None, "没有数据行 no data rows")]
    frame = pd.DataFrame({key: raw[headers[columns[key]]] if key in columns else "" for key in HEADERS})
    frame["_row"] = raw["_row"].to_numpy()
    frame["year_n"] = pd.to_numeric(frame["year"].where(frame["year"].str.fullmatch(r"[0-9]{4}")), errors="coerce")
    plain = frame["value"].str.fullmatch(_PLAIN) | (frame["value"] == "")
    frame["value_n"] = pd.to_numeric(frame["value"].where(plain & (frame["value"] != "")), errors="coerce")
    suspect = ~plain | frame["year_n"].isna() | ~frame["year_n"].between(1900, 2200) | (frame["region"] == "") | (frame["code"] == "")
    suspect |= _screen(frame, checks)
    problems = _duplicates(frame, file, headers, columns)
    fixed: dict[int, tuple[int | None, float | None]] = {}
    bad = _check_rows(frame[suspect], file, headers, columns, checks, problems, fixed)
    if fixed:
        at = frame["_row"].isin(list(fixed))
        frame.loc[at, "year_n"] = [fixed[r][0] for r in frame.loc[at, "_row"]]
        frame.loc[at, "value_n"] = [np.nan if fixed[r][1] is None else fixed[r][1] for r in frame.loc[at, "_row"]]
    good = frame[~frame["_row"].isin(bad)]
    out = pd.DataFrame({"region": good["region"], "year": good["year_n"].astype("int64"), "code": good["code"], "value": good["value_n"], "text": good["value"], "source": good["source"], "note": good["note"], "_row": good["_row"]})
    return out, problems


def _screen(frame: pd.DataFrame, checks: Checks) -> pd.Series:
    """Rows any row check could object to: these get the full check."""
    value = frame["value_n"]
    flag = value.abs() > HUGE
    if checks.known_codes is not None:
        flag |= ~frame["code"].isin(checks.known_codes)
    if checks.known_regions is not None:
        flag |= ~frame["region"].isin(checks.known_regions)
    if checks.expect_year is not None:
        flag |= frame["year_n"] != checks.expect_year
    units = checks.units or {}
    counts = [c for c, u in units.items() if is_count_unit(u)]
    flag |= frame["code"].isin(counts) & (value < 0)
    for code, (lower, upper) in (checks.rules or {}).items():
        mine = frame["code"] == code
        if lower is not None:
            flag |= mine & (value < lower)
        if upper is not None:
            flag |= mine & (value > upper)
    if checks.previous:
        prev = pd.Series(list(checks.previous.values()), index=pd.MultiIndex.from_tuples(list(checks.previous.keys())))
        last = prev.reindex(pd.MultiIndex.from_arrays([frame["region"], frame["code"]])).to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.abs(value.to_numpy() - last) / np.abs(last)
        flag |= (frame["note"] == "") & ~np.isnan(last) & ((change > checks.change_threshold) | ((last == 0) & (value.to_numpy() != 0)))
    return flag.fillna(True)


def _duplicates(frame: pd.DataFrame, file: str, headers: list[str], columns: dict[str, int]) -> list[Problem]:
    keyed = frame[frame["year_n"].notna() & (frame["region"] != "") & (frame["code"] != "")]
    dup = keyed.duplicated(["region", "year_n", "code"], keep="first")
    if not dup.any():
        return []
    first = keyed.groupby(["region", "year_n", "code"])["_row"].transform("first")
    label = headers[columns["code"]]
    return [
        Problem(file, int(r), label, duplicate_reason(int(f)), f"{g} {int(y)} {c}")
        for r, f, g, y, c in zip(keyed.loc[dup, "_row"], first[dup], keyed.loc[dup, "region"], keyed.loc[dup, "year_n"], keyed.loc[dup, "code"])
    ]


def _check_rows(
    rows: pd.DataFrame, file: str, headers: list[str], columns: dict[str, int], checks: Checks, problems: list[Problem], fixed: dict[int, tuple[int | None, float | None]]
) -> set[int]:
    """Full row checks on the suspect rows; returns the row numbers that have a problem (duplicates too).

    Suspect rows that pass get their year and value as the row check read them, in ``fixed``.
    """
    bad = {p.row for p in problems if p.row is not None}
    labels = {key: headers[i] for key, i in columns.items()}
    records = ((int(r["_row"]), {key: (r[key], "General", False) for key in columns}) for r in rows.to_dict("records"))
    entries, found = entries_from_records(records, file, None, labels, checks.units or {})
    problems += found
    for e in entries:
        problems += check_entry(e, checks)
        if e.bad:
            bad.add(e.line)
        else:  # accepted after all (a Chinese number form, "2023年"): keep what the row check read
            fixed[e.line] = (e.year, e.value)
    return bad
