"""Raw indicator values as a regions × years × indicators cube, read from long tables."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from stpi.engine.tree import FloatArray
from stpi.errors import InputError, Problem
from stpi.framework.model import Framework
from stpi.tables import read_frame

__all__ = ["Values", "read_values", "values_from_frame", "DATA_COLUMNS", "PEER_COLUMNS", "peer_label"]

DATA_COLUMNS = ("region", "year", "indicator", "value")
PEER_COLUMNS = ("level", "parent")  # optional: regions are ranked among those with the same level and parent


def peer_label(level: str | None, parent: str | None) -> str:
    """The peer group of a region: regions of one level under one parent are ranked together."""
    return f"{level or ''}/{parent or ''}"


@dataclass(frozen=True, eq=False)
class Values:
    """Raw values: ``data`` has shape (R, T, K), NaN where missing.

    ``peers`` gives each region's peer group (see :func:`peer_label`); ranks are
    among the regions of one group. None: all regions are peers.
    """

    regions: tuple[str, ...]
    years: tuple[int, ...]
    indicators: tuple[str, ...]
    data: FloatArray
    peers: tuple[str, ...] | None = None

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
    Optional columns ``level`` and/or ``parent`` put regions into peer groups: ranks are
    then among the regions with the same level and parent; without them all rows are peers.
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
    peers, peer_problems = _peers(frame, file)
    problems += peer_problems
    if problems:
        problems = _named(problems, frame, framework)
        raise InputError(sorted(problems, key=lambda p: (p.row or 0, DATA_COLUMNS.index(p.field) if p.field in DATA_COLUMNS else 9)))
    return values_from_frame(clean, framework, peers=peers)


def _named(problems: list[Problem], frame: pd.DataFrame, framework: Framework) -> list[Problem]:
    """Each problem of a row names the row's indicator (code, and name when the framework has it)."""
    by_row = {int(r): str(c) for r, c in zip(frame["_row"], frame["indicator"]) if c}
    names = {n.code: n.name for n in framework.leaves}
    return [p if p.code or p.row not in by_row else replace(p, code=by_row[p.row], name=names.get(by_row[p.row])) for p in problems]


def _peers(frame: pd.DataFrame, file: str) -> tuple[dict[str, str] | None, list[Problem]]:
    """Each region's peer group from the optional level/parent columns; a region must keep one."""
    columns = [c for c in PEER_COLUMNS if c in frame.columns]
    if not columns:
        return None, []
    level = frame["level"] if "level" in frame.columns else pd.Series("", index=frame.index)
    parent = frame["parent"] if "parent" in frame.columns else pd.Series("", index=frame.index)
    label = level.str.cat(parent, sep="/").where((level != "") | (parent != ""))  # blank on a row: the region's other rows say
    first = label.groupby(frame["region"]).transform("first")
    odd = label.notna() & (label != first)
    problems = [
        Problem(file, int(r), columns[0] if len(columns) == 1 else "level/parent", f"同一地区的层级或上级不一致(首次为 {f}) a region's level/parent differs between rows (first: {f})", v)
        for r, v, f in zip(frame.loc[odd, "_row"], label[odd], first[odd])
    ]
    return dict(zip(frame["region"], first.fillna(""))), problems


def values_from_frame(frame: pd.DataFrame, framework: Framework, *, peers: Mapping[str, str] | None = None) -> Values:
    """Values from a DataFrame with columns region, year, indicator, value (already clean).

    ``peers`` maps a region to its peer group (regions it lacks are in a group of their own, "");
    None: all regions are peers.
    """
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
    groups = None if peers is None else tuple(str(peers.get(r, "")) for r in regions)
    return Values(tuple(regions), tuple(int(y) for y in years), tuple(leaves), data, groups)
