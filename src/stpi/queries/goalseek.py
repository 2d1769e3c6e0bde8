"""Goal-seeking the plan in force: start values, history and bounds from the store and files, and the answer."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.derived import derive_indicators
from stpi.analysis.goalseek import GoalSeekResult, goal_seek
from stpi.engine.methods import pick
from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework import Framework, Plan, load_framework
from stpi.framework.embedded import embedded_variables
from stpi.store import observations as ob
from stpi.tables import read_frame

__all__ = ["BOUND_MODES", "GoalSeekAnswer", "goalseek_store", "history_bounds", "lead_departments", "read_code_values", "start_values", "upper_bounds"]

BOUND_MODES = ("target", "history", "max")


@dataclass(frozen=True)
class GoalSeekAnswer:
    """The analysis result with where its inputs came from."""

    result: GoalSeekResult
    plan: Plan
    bound_mode: str
    start_source: dict[str, str]
    history: pd.DataFrame

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict: the result plus input provenance."""
        out = self.result.to_dict()
        out["bound_mode"] = self.bound_mode
        out["start_source"] = self.start_source
        out["history"] = json.loads(self.history.to_json(orient="records", force_ascii=False))
        out["lead_departments"] = json.loads(lead_departments(self.result).to_json(orient="records", force_ascii=False))
        return out


def history_bounds(figures: pd.DataFrame, *, year: int) -> pd.DataFrame:
    """Each indicator's value in ``year`` if it keeps its compound annual growth.

    Parameters
    ----------
    figures : DataFrame
        One region's annual figures: columns year, indicator, value.
    year : int
        The year to extrapolate to.

    Returns
    -------
    DataFrame
        Columns indicator, first_year, last_year, growth (per year), bound; only
        indicators with positive values in at least two years.
    """
    good = figures[np.isfinite(figures["value"].astype(float)) & (figures["value"].astype(float) > 0)]
    good = good.sort_values(["indicator", "year"])
    ends = good.groupby("indicator").agg(first_year=("year", "first"), last_year=("year", "last"), first=("value", "first"), last=("value", "last"))
    ends = ends[ends["last_year"] > ends["first_year"]]
    years = (ends["last_year"] - ends["first_year"]).astype(float)
    growth = (ends["last"].astype(float) / ends["first"].astype(float)) ** (1.0 / years) - 1.0
    bound = ends["last"].astype(float) * (1.0 + growth) ** (year - ends["last_year"].astype(float))
    out = pd.DataFrame({"first_year": ends["first_year"].astype(int), "last_year": ends["last_year"].astype(int), "growth": growth, "bound": bound})
    return out.reset_index()


def upper_bounds(
    framework: Framework,
    plan: Plan,
    *,
    mode: str = "max",
    history: Mapping[str, float] | None = None,
    overrides: Mapping[str, float] | None = None,
) -> tuple[dict[str, float], dict[str, str]]:
    """Each indicator's best attainable value and where it comes from.

    ``target``: the plan's target. ``history``: the historical extrapolation (the target
    where there is no history). ``max``: the more favourable of the two (the larger, or
    the smaller where lower is better). ``overrides`` replace either.

    Returns
    -------
    (dict, dict)
        Bound by code, and its source: target, history, override or ``target (no history)``.
    """
    pick(dict.fromkeys(BOUND_MODES, True), mode, "上界 bound")
    history, targets = history or {}, {i.code: i.target for i in plan.indicators}
    bounds: dict[str, float] = {}
    source: dict[str, str] = {}
    for node in framework.leaves:
        target = targets[node.code]
        hist = history.get(node.code)
        if overrides and node.code in overrides:
            bounds[node.code], source[node.code] = float(overrides[node.code]), "override"
        elif mode == "target" or hist is None or not math.isfinite(hist):
            bounds[node.code] = target
            source[node.code] = "target" if mode == "target" else "target (no history)"
        elif mode == "history":
            bounds[node.code], source[node.code] = hist, "history"
        else:
            better = hist > target if (node.direction or 1) > 0 else hist < target
            bounds[node.code], source[node.code] = (hist, "history") if better else (target, "target")
    return bounds, source


def read_code_values(path: str, column: str, plan: Plan, *, positive: bool = False) -> dict[str, float]:
    """A ``code,<column>`` CSV/XLSX as {code: number}; every bad row is reported at once."""
    frame = read_frame(path)
    if "code" not in frame.columns or column not in frame.columns:
        raise InputError([Problem(path, 1, c, "缺少必需的列 missing required column") for c in ("code", column) if c not in frame.columns])
    out: dict[str, float] = {}
    problems = []
    for row, code, text in zip(frame["_row"], frame["code"], frame[column]):
        try:
            key = plan.indicator(code).code
        except NotFoundError:
            problems.append(Problem(path, int(row), "code", "实施方案中没有该指标 unknown indicator", code, code=code or None))
            continue
        try:
            value = float(text.replace(",", ""))
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or (positive and value <= 0):
            problems.append(Problem(path, int(row), column, "应为正数 must be a positive number" if positive else "不是数字 not a number", text, code=key, name=plan.indicator(key).name))
        elif key in out:
            problems.append(Problem(path, int(row), "code", "重复的指标 duplicate indicator", code, code=key, name=plan.indicator(key).name))
        else:
            out[key] = value
    if problems:
        raise InputError(problems)
    return out


def start_values(figures: pd.DataFrame, plan: Plan, from_year: int) -> tuple[dict[str, float | None], dict[str, str]]:
    """Each indicator's start value and its source: snap, plan (baseline year only) or missing."""
    now = figures[figures["year"] == from_year].set_index("indicator")["value"].to_dict()
    start: dict[str, float | None] = {}
    source: dict[str, str] = {}
    for ind in plan.indicators:
        if ind.code in now and math.isfinite(now[ind.code]):
            start[ind.code], source[ind.code] = float(now[ind.code]), "store"
        elif from_year == plan.baseline_year and ind.baseline is not None:
            start[ind.code], source[ind.code] = ind.baseline, "plan"
        else:
            start[ind.code], source[ind.code] = None, "missing"
    return start, source


def goalseek_store(
    snap: Snapshot,
    *,
    target: float | None = None,
    year: int | None = None,
    from_year: int | None = None,
    bound: str = "max",
    upper_file: str | None = None,
    costs_file: str | None = None,
    missing: str = "reweight",
    framework: str | None = None,
) -> GoalSeekAnswer:
    """Goal-seek the plan in force: start values and history from the store's approved figures.

    A start value is the region's approved figure for ``from_year`` (derived from raw
    statistics where needed), else the plan's baseline when ``from_year`` is its baseline year.
    """
    try:
        plan = snap.plan()
        fw = load_framework(framework) if framework else snap.framework()
        stored = snap.frame()
    finally:
        None
    year = year or plan.target_year
    from_year = from_year or plan.baseline_year
    figures = derive_indicators(stored, embedded_variables()[1])
    figures = figures[figures["region"] == plan.region] if len(figures) else pd.DataFrame(columns=["region", "year", "indicator", "value"])
    start, start_source = start_values(figures, plan, from_year)
    history = history_bounds(figures[figures["year"] <= year], year=year)
    overrides = read_code_values(upper_file, "upper", plan) if upper_file else None
    costs = read_code_values(costs_file, "factor", plan, positive=True) if costs_file else None
    bounds, sources = upper_bounds(fw, plan, mode=bound, history=dict(zip(history["indicator"], history["bound"])), overrides=overrides)
    result = goal_seek(
        fw, plan, start, target=plan.goal.index if target is None else target, upper=bounds, cost_factors=costs,
        bound_source=sources, missing=missing, from_year=from_year, year=year,
    )
    return GoalSeekAnswer(result, plan, bound, start_source, history)


def lead_departments(result: GoalSeekResult) -> pd.DataFrame:
    """Per lead department: the improved indicators it leads, their gain and effort (joint leads count fully)."""
    rows = [(d, m.code, m.gain, m.cost) for m in result.moved() for d in m.lead]
    frame = pd.DataFrame(rows, columns=["department", "code", "gain", "cost"])
    out = frame.groupby("department", sort=False).agg(codes=("code", ", ".join), gain=("gain", "sum"), cost=("cost", "sum"))
    return out.reset_index().sort_values("gain", ascending=False, kind="stable").reset_index(drop=True)
