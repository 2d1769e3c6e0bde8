"""Long CSV tables of any size: checked with numpy, row-by-row checks only where a row looks wrong.

A million plain rows (``2023``, ``I01``, ``12.5``) are screened column-wise; the few rows
that are not plain (Chinese number forms, unknown codes, values out of range, a large
change without a note …) go through the same row checks as every other input
(:func:`stpi.ingest.entries.check_entry`), so the messages are the same everywhere.
Region, year and code repeat a lot, so each distinct text is checked once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from stpi.errors import InputError, Problem
from stpi.ingest.entries import NOTE_MAX, SOURCE_MAX, Checks, History, check_entry, duplicate_reason, name_problems
from stpi.ingest.layout import HUGE
from stpi.ingest.longform import HEADERS, entries_from_records, match_columns
from stpi.ingest.numbers import is_count_unit
from stpi.tables import read_frame

__all__ = ["read_long_csv_frame"]

_PLAIN = re.compile(r"(?:-?[0-9]+(?:\.[0-9]+)?)?")  # or empty
_NOT_PLAIN_LINE = re.compile(r"^(?!-?[0-9]+(?:\.[0-9]+)?$)(?!$)", re.MULTILINE)
_YEAR = re.compile(r"[0-9]{4}")
_COLUMNS = ["region", "year", "code", "value", "text", "source", "note", "_row"]


@dataclass(frozen=True)
class _Keys:
    """A text column as a code per row into its distinct values (few for region, year, code)."""

    codes: np.ndarray
    uniques: np.ndarray

    @classmethod
    def of(cls, column: pd.Series) -> _Keys:
        codes, uniques = pd.factorize(column.to_numpy())
        return cls(codes, np.asarray(uniques, dtype=object))

    def rows(self, per_unique: np.ndarray) -> np.ndarray:
        """A value per distinct text, spread to the rows."""
        spread: np.ndarray = per_unique[self.codes]
        return spread

    def isin(self, allowed: frozenset[str] | set[str] | list[str]) -> np.ndarray:
        return self.rows(np.array([u in allowed for u in self.uniques], dtype=bool))


def read_long_csv_frame(path: Path, checks: Checks, history: History | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Good rows (region, year, code, value, source, note, _row) and every problem of a long CSV.

    ``history`` gives last year's figures for the years the file holds (the 50% note rule).
    """
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
    region, code, year = _Keys.of(frame["region"]), _Keys.of(frame["code"]), _Keys.of(frame["year"])
    year_n = year.rows(_years(year.uniques))
    value_n, plain = _values(frame["value"].to_numpy())
    if history is not None:
        years = frozenset(int(y) for y in np.unique(year_n[~np.isnan(year_n)]))
        checks = replace(checks, last_year=history(years))
    suspect = ~plain | np.isnan(year_n) | ~((year_n >= 1900) & (year_n <= 2200)) | region.isin([""]) | code.isin([""])
    suspect |= _screen(frame, region, code, year_n, value_n, checks)
    problems = _duplicates(frame, region, code, year, year_n, file, headers[columns["code"]])
    fixed: dict[int, tuple[int | None, float | None]] = {}
    bad = _check_rows(frame[suspect], file, headers, columns, checks, problems, fixed)
    if fixed:
        year_n, value_n = _take_fixed(frame["_row"].to_numpy(), year_n, value_n, fixed)
    good = ~frame["_row"].isin(bad).to_numpy() if bad else np.ones(len(frame), dtype=bool)
    out = pd.DataFrame({
        "region": frame["region"], "year": year_n, "code": frame["code"], "value": value_n, "text": frame["value"],
        "source": frame["source"], "note": frame["note"], "_row": frame["_row"],
    })
    out = out if good.all() else out[good]
    if problems:  # every problem names its code: look the row's code up (few rows: problems are rare)
        rows = {p.row for p in problems if p.row is not None and p.code is None}
        at = frame["_row"].isin(rows).to_numpy()
        codes = {(file, int(r)): str(c) for r, c in zip(frame["_row"].to_numpy()[at], frame["code"].to_numpy()[at]) if c}
        problems = name_problems(problems, checks.names, codes)
    return out.astype({"year": "int64"}), problems


def _take_fixed(lines: np.ndarray, year_n: np.ndarray, value_n: np.ndarray, fixed: dict[int, tuple[int | None, float | None]]) -> tuple[np.ndarray, np.ndarray]:
    """Years and values with those the row check read for the suspect rows it accepted."""
    year_n, value_n = year_n.copy(), value_n.copy()
    for i in np.flatnonzero(np.isin(lines, list(fixed))):
        found_year, found_value = fixed[int(lines[i])]
        year_n[i] = np.nan if found_year is None else found_year
        value_n[i] = np.nan if found_value is None else found_value
    return year_n, value_n


def _years(uniques: np.ndarray) -> np.ndarray:
    """Each distinct year text as a number, NaN unless it is four digits."""
    return np.array([float(u) if _YEAR.fullmatch(u) else np.nan for u in uniques], dtype=float)


def _values(text: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Plain numbers (``-12.5``, or empty) parsed, and which texts were plain."""
    plain = _plain(text)
    number = plain & (text != "")
    return np.where(number, text, "nan").astype(float), plain  # float() reads the same as the row check


def _plain(text: np.ndarray) -> np.ndarray:
    """Which texts are plain numbers or empty.

    One regular-expression scan over the texts joined by line breaks finds the few lines
    that are not, about three times faster than matching a million texts one by one.
    """
    joined = "\n".join(text)
    if joined.count("\n") != len(text) - 1:  # a text holding a line break: match each on its own
        return np.fromiter((_PLAIN.fullmatch(t) is not None for t in text), dtype=bool, count=len(text))
    plain = np.ones(len(text), dtype=bool)
    starts = [found.start() for found in _NOT_PLAIN_LINE.finditer(joined)]
    if starts:  # the line each mismatch starts on: the first line ending after it
        ends = np.cumsum(np.fromiter(map(len, text), dtype=np.int64, count=len(text)) + 1)
        plain[np.searchsorted(ends, starts, side="right")] = False
    return plain


def _screen(frame: pd.DataFrame, region: _Keys, code: _Keys, year_n: np.ndarray, value: np.ndarray, checks: Checks) -> np.ndarray:
    """Rows any row check could object to: these get the full check."""
    flag: np.ndarray = np.abs(value) > HUGE
    flag |= (frame["note"].str.len() > NOTE_MAX).to_numpy() | (frame["source"].str.len() > SOURCE_MAX).to_numpy()
    if checks.known_codes is not None:
        flag |= ~code.isin(checks.known_codes)
    if checks.known_regions is not None:
        flag |= ~region.isin(checks.known_regions)
    if checks.expect_year is not None:
        flag |= year_n != checks.expect_year
    units = checks.units or {}
    flag |= code.isin({c for c, u in units.items() if is_count_unit(u)}) & (value < 0)
    rules = checks.rules or {}
    if rules:
        bounds = [rules.get(u, (None, None)) for u in code.uniques]
        lower = code.rows(np.array([-np.inf if lo is None else lo for lo, _ in bounds], dtype=float))
        upper = code.rows(np.array([np.inf if hi is None else hi for _, hi in bounds], dtype=float))
        flag |= (value < lower) | (value > upper)
    if checks.plausible:  # outside the framework's valid range (open ends exclusive): the row check says why
        ranges = [checks.plausible[u].range if u in checks.plausible else None for u in code.uniques]
        lower = code.rows(np.array([-np.inf if r is None or r.lower is None else r.lower for r in ranges], dtype=float))
        upper = code.rows(np.array([np.inf if r is None or r.upper is None else r.upper for r in ranges], dtype=float))
        lower_open = code.rows(np.array([r is not None and r.lower_open for r in ranges], dtype=bool))
        upper_open = code.rows(np.array([r is not None and r.upper_open for r in ranges], dtype=bool))
        flag |= (value < lower) | (value > upper) | (lower_open & (value == lower)) | (upper_open & (value == upper))
    threshold = min([checks.change_threshold, *(checks.change_limit(c) for c in code.uniques)])
    checks = replace(checks, change_threshold=threshold)
    if checks.previous:
        prev = pd.Series(list(checks.previous.values()), index=pd.MultiIndex.from_tuples(list(checks.previous.keys())))
        last = prev.reindex(pd.MultiIndex.from_arrays([frame["region"], frame["code"]])).to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.abs(value - last) / np.abs(last)
        flag |= (frame["note"] == "").to_numpy() & ~np.isnan(last) & ((change > checks.change_threshold) | ((last == 0) & (value != 0)))
    elif checks.last_year:
        flag |= _big_change(frame, year_n, value, checks.last_year, checks.change_threshold)
    return flag


def _big_change(frame: pd.DataFrame, year_n: np.ndarray, value: np.ndarray, last_year: Mapping[tuple[str, int, str], float], threshold: float) -> np.ndarray:
    """Rows without a note whose value moved more than the threshold from the year before's figure."""
    prev = pd.Series(list(last_year.values()), index=pd.MultiIndex.from_tuples(list(last_year.keys())), dtype=float)
    years = np.where(np.isnan(year_n), -1, year_n).astype(np.int64)
    last = prev.reindex(pd.MultiIndex.from_arrays([frame["region"].to_numpy(), years, frame["code"].to_numpy()])).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.abs(value - last) / np.abs(last)
    moved = (change > threshold) | ((last == 0) & (value != 0))
    flagged: np.ndarray = (frame["note"] == "").to_numpy() & ~np.isnan(last) & moved
    return flagged


def _duplicates(frame: pd.DataFrame, region: _Keys, code: _Keys, year: _Keys, year_n: np.ndarray, file: str, label: str) -> list[Problem]:
    """Rows repeating an earlier row's region, year and code."""
    keyed = ~np.isnan(year_n) & ~region.isin([""]) & ~code.isin([""])
    # one integer per (region, year, code): equal four-digit year texts are equal years
    key = (region.codes.astype(np.int64) * len(year.uniques) + year.codes) * len(code.uniques) + code.codes
    keys = pd.Series(key[keyed])
    dup = keys.duplicated(keep="first").to_numpy()
    if not dup.any():
        return []
    lines = frame["_row"].to_numpy()[keyed]
    first = pd.Series(lines).groupby(keys.to_numpy()).transform("first").to_numpy()
    regions, codes = frame["region"].to_numpy()[keyed], frame["code"].to_numpy()[keyed]
    return [
        Problem(file, int(r), label, duplicate_reason(int(f)), f"{g} {int(y)} {c}")
        for r, f, g, y, c in zip(lines[dup], first[dup], regions[dup], year_n[keyed][dup], codes[dup])
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
