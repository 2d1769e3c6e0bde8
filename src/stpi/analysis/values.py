"""Raw indicator values as a regions × years × indicators cube, read from long tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stpi.engine.tree import FloatArray
from stpi.errors import InputError, Problem
from stpi.framework.model import Framework
from stpi.tables import read_frame

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


def read_values(path: str | Path, framework: Framework) -> Values:
    """Read a long table ``region,year,indicator,value`` (CSV or XLSX); validate every row.

    Numbers may carry thousands separators ("1,234.5"); an empty value is a missing value.
    Every problem is reported (file, row, column, reason) before anything is used.
    """
    file = str(path)
    frame = read_frame(path)
    problems = [Problem(file, 1, c, "缺少必需的列 missing required column") for c in DATA_COLUMNS if c not in frame.columns]
    if problems:
        raise InputError(problems)
    if frame.empty:
        raise InputError([Problem(file, None, None, "没有数据行 no data rows")])
    leaves = [n.code for n in framework.leaves]
    year_ok = frame["year"].str.fullmatch(r"\d{4}(\.0+)?")
    years = pd.to_numeric(frame["year"].where(year_ok, ""), errors="coerce")
    year_ok &= years.between(1900, 2200)
    number = pd.to_numeric(frame["value"].str.replace(",", "", regex=False), errors="coerce")
    value_ok = (frame["value"] == "") | np.isfinite(number)
    checks = [
        ("region", frame["region"] != "", "地区为空 empty region"),
        ("year", year_ok, "年份应为四位整数 year must be a whole year"),
        ("indicator", frame["indicator"].isin(leaves), "指标代码不在指标框架中 unknown indicator code"),
        ("value", value_ok, "不是数字 not a number"),
    ]
    good = pd.Series(True, index=frame.index)
    for column, ok, reason in checks:
        good &= ok
        problems += [Problem(file, int(r), column, reason, v) for r, v in zip(frame.loc[~ok, "_row"], frame.loc[~ok, column])]
    clean = pd.DataFrame({"region": frame["region"], "year": years, "indicator": frame["indicator"], "value": number, "_row": frame["_row"]})[good]
    dup = clean.duplicated(["region", "year", "indicator"], keep="first")
    if dup.any():
        first = clean.groupby(["region", "year", "indicator"])["_row"].transform("first")
        problems += [
            Problem(file, int(r), "indicator", f"重复的数据行(首次出现于第{f}行) duplicate row", f"{g} {int(y)} {c}")
            for r, f, g, y, c in zip(clean.loc[dup, "_row"], first[dup], clean.loc[dup, "region"], clean.loc[dup, "year"], clean.loc[dup, "indicator"])
        ]
    if problems:
        raise InputError(sorted(problems, key=lambda p: (p.row or 0, DATA_COLUMNS.index(p.field) if p.field in DATA_COLUMNS else 9)))
    return values_from_frame(clean, framework)


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
