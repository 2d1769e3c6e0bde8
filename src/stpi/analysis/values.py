"""Raw indicator values as a regions × years × indicators cube, read from long tables."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stpi.engine.tree import FloatArray
from stpi.errors import InputError, Problem
from stpi.framework.model import Framework
from stpi.tables import read_table

__all__ = ["Values", "read_values", "values_from_frame", "DATA_COLUMNS"]

DATA_COLUMNS = ("region", "year", "indicator", "value")


@dataclass(frozen=True, eq=False)
class Values:
    """Raw values: ``data`` has shape (R, T, K), NaN where missing."""

    regions: tuple[str, ...]
    years: tuple[int, ...]
    indicators: tuple[str, ...]
    data: FloatArray

    def missing(self) -> pd.DataFrame:
        """One row per missing input: region, year, indicator."""
        r, t, k = np.nonzero(np.isnan(self.data))
        return pd.DataFrame(
            {
                "region": [self.regions[i] for i in r],
                "year": [self.years[i] for i in t],
                "indicator": [self.indicators[i] for i in k],
            }
        )


def _parse_number(text: str) -> float:
    """A number as typed in a spreadsheet: thousands separators allowed."""
    number = float(text.replace(",", "").strip())
    if not math.isfinite(number):
        raise ValueError(text)
    return number


def read_values(path: str | Path, framework: Framework) -> Values:
    """Read a long table ``region,year,indicator,value`` (CSV or XLSX); validate every row."""
    table = read_table(path)
    problems = [
        Problem(table.file, 1, c, "缺少必需的列 missing required column")
        for c in DATA_COLUMNS
        if c not in table.columns
    ]
    if problems:
        raise InputError(problems)
    leaves = [n.code for n in framework.leaves]
    known = set(leaves)
    records: dict[tuple[str, int, str], float] = {}
    first_row: dict[tuple[str, int, str], int] = {}
    for row, cells in table.rows:
        region, year_text, code, text = (cells.get(c, "") for c in DATA_COLUMNS)
        ok = True
        if not region:
            problems.append(Problem(table.file, row, "region", "地区为空 empty region"))
            ok = False
        try:
            year = int(float(year_text))
            if str(year) != year_text.strip().removesuffix(".0") or not 1900 <= year <= 2200:
                raise ValueError
        except ValueError:
            problems.append(Problem(table.file, row, "year", "年份应为四位整数 year must be a whole year", year_text))
            ok = False
        if code not in known:
            problems.append(Problem(table.file, row, "indicator", "指标代码不在指标框架中 unknown indicator code", code))
            ok = False
        value = math.nan
        if text:
            try:
                value = _parse_number(text)
            except ValueError:
                problems.append(Problem(table.file, row, "value", "不是数字 not a number", text))
                ok = False
        if not ok:
            continue
        key = (region, year, code)
        if key in records:
            problems.append(
                Problem(table.file, row, "indicator", f"重复的数据行(首次出现于第{first_row[key]}行) duplicate row", f"{region} {year} {code}")
            )
            continue
        records[key], first_row[key] = value, row
    if problems:
        raise InputError(problems)
    if not records:
        raise InputError([Problem(table.file, None, None, "没有数据行 no data rows")])
    return _cube(records, leaves)


def _cube(records: dict[tuple[str, int, str], float], leaves: list[str]) -> Values:
    regions = tuple(dict.fromkeys(k[0] for k in records))
    years = tuple(sorted({k[1] for k in records}))
    r_of = {r: i for i, r in enumerate(regions)}
    t_of = {t: i for i, t in enumerate(years)}
    k_of = {c: i for i, c in enumerate(leaves)}
    data = np.full((len(regions), len(years), len(leaves)), np.nan)
    for (region, year, code), value in records.items():
        data[r_of[region], t_of[year], k_of[code]] = value
    return Values(regions, years, tuple(leaves), data)


def values_from_frame(frame: pd.DataFrame, framework: Framework) -> Values:
    """Values from a DataFrame with columns region, year, indicator, value (already clean)."""
    leaves = [n.code for n in framework.leaves]
    unknown = sorted(set(frame["indicator"]) - set(leaves))
    if unknown:
        raise InputError([Problem("<DataFrame>", None, "indicator", "未知指标代码 unknown indicator code", c) for c in unknown])
    if frame.duplicated(["region", "year", "indicator"]).any():
        raise InputError([Problem("<DataFrame>", None, "indicator", "重复的数据行 duplicate rows")])
    regions = pd.Index(pd.unique(frame["region"].astype(str)))
    years = pd.Index(sorted(pd.unique(frame["year"].astype(int))))
    data = np.full((len(regions), len(years), len(leaves)), np.nan)
    r = regions.get_indexer(pd.Index(frame["region"].astype(str)))
    t = years.get_indexer(pd.Index(frame["year"].astype(int)))
    k = pd.Index(leaves).get_indexer(pd.Index(frame["indicator"]))
    data[r, t, k] = frame["value"].to_numpy(dtype=float)
    return Values(tuple(regions), tuple(int(y) for y in years), tuple(leaves), data)
