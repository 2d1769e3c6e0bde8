"""Milestones and progress status: are the indicators, groups and the index on track?

Status follows the method Open SDG uses (Statistics Canada's): the ratio of the growth
achieved since the baseline to the growth needed, both per year, on the plan's path —
linear (absolute change per year) or compound (compound annual growth rate).

==============  ================================  =======
status          rule                              light
==============  ================================  =======
reached         the target is met                 green
on_track        ratio ≥ 0.95                      green
moderate        0.60 ≤ ratio < 0.95               yellow
limited         0 ≤ ratio < 0.60                  red
deterioration   ratio < 0                         red
baseline_only   only the baseline year has data   grey
no_data         no value for the year             grey
==============  ================================  =======

An indicator without a baseline value (I28 in Longnan's plan) is measured from its first
year with data, as Open SDG does when the base year has no value: that year's value is its
start, its milestones run from there to the target, and the rows say so (``start_year``;
:func:`start_note`: 基期缺失,以2023年为起点). It is never "no data" in a year that has data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from stpi.analysis.index import compute_index
from stpi.analysis.values import Values
from stpi.engine import Aggregate, Recipe
from stpi.errors import MethodError
from stpi.framework.model import Framework
from stpi.framework.plan import Note, Plan
from stpi.defaults import MILESTONE_PATHS as PATHS

__all__ = ["LIGHTS", "PATHS", "ON_TRACK", "MODERATE", "milestone", "progress_status", "start_note", "track"]

ON_TRACK, MODERATE = 0.95, 0.60
LIGHTS = {"reached": "green", "on_track": "green", "moderate": "yellow", "limited": "red", "deterioration": "red", "baseline_only": "grey", "no_data": "grey"}


def milestone(baseline: float, target: float, year: int, baseline_year: int, target_year: int, path: str = "linear") -> float:
    """The value the path from baseline to target reaches in ``year``.

    Compound paths need a positive baseline and target; otherwise the linear path is used.
    """
    if path not in PATHS:
        raise MethodError(f"未知的路径 unknown path {path!r}; 可选 valid: {', '.join(PATHS)}")
    share = (year - baseline_year) / (target_year - baseline_year)
    if path == "compound" and baseline > 0 and target > 0:
        return float(baseline * (target / baseline) ** share)
    return float(baseline + (target - baseline) * share)


def _rate(start: float, end: float, years: float, path: str) -> float:
    if path == "compound" and start > 0 and end > 0:
        return float((end / start) ** (1 / years) - 1)
    return (end - start) / years


def progress_status(
    baseline: float | None, value: float | None, target: float, *, year: int, baseline_year: int, target_year: int, path: str = "linear", direction: int = 1
) -> tuple[str, float | None]:
    """(status, ratio) of one value in one year; see the module docstring for the rules."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no_data", None
    if (value - target) * direction >= 0:
        return "reached", None
    if baseline is None or (isinstance(baseline, float) and math.isnan(baseline)):
        return "no_data", None
    if year <= baseline_year:
        return "baseline_only", None
    needed = _rate(baseline, target, target_year - baseline_year, path) * direction
    achieved = _rate(baseline, value, year - baseline_year, path) * direction
    if needed <= 0:  # the target asks for no growth but is not met: any fall is deterioration
        return ("deterioration" if achieved < 0 else "limited"), None
    ratio = achieved / needed
    if ratio >= ON_TRACK:
        return "on_track", ratio
    if ratio >= MODERATE:
        return "moderate", ratio
    return ("limited" if ratio >= 0 else "deterioration"), ratio


def start_note(start_year: object, baseline_year: int) -> Note | None:
    """'基期缺失,以2023年为起点' for an indicator measured from a later start; None for one with a baseline."""
    if start_year is None or pd.isna(start_year) or int(start_year) == baseline_year:  # type: ignore[call-overload]
        return None
    y = int(start_year)  # type: ignore[call-overload]
    return Note(f"基期缺失,以{y}年为起点", f"no baseline: measured from {y}")


@dataclass(frozen=True)
class _Plan:
    baseline: np.ndarray
    target: np.ndarray
    start_year: np.ndarray  # the year each leaf is measured from: the baseline year, or its first year with data


def _starts(pv: _Plan, data: np.ndarray, years: list[int], baseline_year: int) -> _Plan:
    """Leaves without a baseline value start from their first year with data (NaN start year: none yet)."""
    baseline, start = pv.baseline.copy(), np.full(len(pv.baseline), float(baseline_year))
    for k in np.flatnonzero(np.isnan(baseline)):
        have = np.flatnonzero(~np.isnan(data[:, k]))
        start[k] = years[have[0]] if len(have) else np.nan
        baseline[k] = data[have[0], k] if len(have) else np.nan
    return _Plan(baseline, pv.target, start)


def _plan_vectors(plan: Plan, fw: Framework) -> _Plan:
    by_code = {i.code: i for i in plan.indicators}
    leaves = [n.code for n in fw.leaves]
    return _Plan(
        np.array([np.nan if by_code[c].baseline is None else by_code[c].baseline for c in leaves], dtype=float),
        np.array([by_code[c].target for c in leaves], dtype=float),
        np.full(len(leaves), float(plan.baseline_year)),
    )


def track(plan: Plan, fw: Framework, values: pd.DataFrame, *, region: str | None = None, path: str | None = None, missing: str = "reweight") -> pd.DataFrame:
    """Milestone, value and status of every indicator, group and the index for every year with data.

    Parameters
    ----------
    plan, fw : the plan and its framework
    values : DataFrame
        Annual figures: region, year, indicator, value (the plan's baseline values fill
        the baseline year where the data have none).
    region : the region tracked (default: the plan's)
    path : "linear" or "compound" milestone path (default: the plan's ``milestone_path``)
    missing : missing-value policy for group and index values (named in the output)

    Returns
    -------
    DataFrame
        One row per node and year: code, name, depth, year, value, milestone, target,
        ratio, status, light, lead, start_year (the year an indicator's progress is
        measured from: the baseline year, or for one without a baseline value its first
        year with data; None before it has any; the baseline year for groups and the index).
    """
    region = region or plan.region
    path = path or plan.milestone_path
    pv = _plan_vectors(plan, fw)
    leaves = [n.code for n in fw.leaves]
    mine = values[values["region"] == region]
    years = sorted(set(mine["year"].astype(int)) | {plan.baseline_year})
    data = np.full((len(years), len(leaves)), np.nan)
    pos = {c: k for k, c in enumerate(leaves)}
    for y, c, v in zip(mine["year"].astype(int), mine["indicator"], mine["value"]):
        if c in pos:
            data[years.index(y), pos[c]] = v
    base_row = years.index(plan.baseline_year)
    data[base_row] = np.where(np.isnan(data[base_row]), pv.baseline, data[base_row])
    pv = _starts(pv, data, years, plan.baseline_year)
    paths = np.array([
        [milestone(b, t, y, int(y0), plan.target_year, path) if not np.isnan(b) and y >= y0 else np.nan for b, t, y0 in zip(pv.baseline, pv.target, pv.start_year)]
        for y in years
    ])
    cube = np.stack([data, paths, np.tile(pv.target, (len(years), 1))])  # value, milestone, target as "regions"
    result = compute_index(fw, Values(("value", "milestone", "target"), tuple(years), tuple(leaves), cube), Recipe(aggregate=Aggregate(missing=missing)))
    return _rows(plan, fw, result.built.scores, data, paths, pv, years, path)


def _rows(plan: Plan, fw: Framework, scores: np.ndarray, data: np.ndarray, paths: np.ndarray, pv: _Plan, years: list[int], path: str) -> pd.DataFrame:
    leaf_index = {n.code: k for k, n in enumerate(fw.leaves)}
    depth = fw.tree.depth
    rows = []
    for t, year in enumerate(years):
        for n_idx, node in enumerate(fw.nodes):
            k = leaf_index.get(node.code)
            start: int | None = plan.baseline_year
            if k is not None:  # indicators in their own units, from their start (the baseline, or the first year with data)
                value, mile, target, base = data[t, k], paths[t, k], pv.target[k], pv.baseline[k]
                direction = node.direction or 1
                start = None if np.isnan(pv.start_year[k]) else int(pv.start_year[k])
            else:  # groups and the index as scores; the index aims at the plan's own goal
                value, mile, target, base = scores[0, t, n_idx], scores[1, t, n_idx], scores[2, t, n_idx], scores[0, years.index(plan.baseline_year), n_idx]
                if node.parent is None:
                    target = plan.goal.index
                    mile = milestone(float(base), target, year, plan.baseline_year, plan.target_year, path) if not np.isnan(base) else np.nan
                direction = 1
            status, ratio = progress_status(None if np.isnan(base) else float(base), None if np.isnan(value) else float(value), float(target), year=year, baseline_year=start or plan.baseline_year, target_year=plan.target_year, path=path, direction=direction)
            lead = plan.indicator(node.code).lead if k is not None else ()
            rows.append((node.code, node.name, int(depth[n_idx]), year, value, mile, target, ratio, status, LIGHTS[status], ";".join(lead), start))
    frame = pd.DataFrame(rows, columns=["code", "name", "depth", "year", "value", "milestone", "target", "ratio", "status", "light", "lead", "start_year"])
    frame["start_year"] = frame["start_year"].astype("Int64")
    return frame
