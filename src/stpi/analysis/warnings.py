"""Early warning (预警): indicators off track for a period, with owners and the gap to the milestone.

An indicator is *off track* in a year when its value is below the milestone of that year
(direction-aware) or its progress status is ``limited`` or ``deterioration``. It is
warned when it has been off track in each of the last ``years`` calendar years up to
the year examined (a year without a value, or the baseline year, breaks the run).

Severity: ``red`` when the status in the year examined is limited or deterioration,
``yellow`` otherwise (below the milestone while progressing moderately or nearly on track).

The gap is given in the indicator's unit (milestone − value, or value − milestone
for a lower-is-better indicator) and in index points: the effective weight times the
difference of the capped scores of the milestone and of the value, that is
``e · 100 · gap / standard`` while both stay below the standard.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stpi.errors import MethodError
from stpi.framework.model import Framework
from stpi.framework.plan import Plan

__all__ = ["SEVERE", "WARNING_COLUMNS", "capped_score", "early_warnings"]

SEVERE = ("limited", "deterioration")
WARNING_COLUMNS = [
    "no", "code", "name", "unit", "year", "value", "milestone", "target", "status", "severity",
    "years_off_track", "gap", "gap_points", "effective_weight", "lead", "responsible",
]


def capped_score(value: float, standard: float, direction: int = 1) -> float:
    """The indicator score ``100·min(1, x/s)`` (``100·min(1, s/x)`` when lower is better).

    Parameters
    ----------
    value : the indicator's value x
    standard : the standard value s
    direction : 1 when higher is better, -1 when lower is better

    Returns
    -------
    float
        The score on the 0–100 scale (capped at 100, not floored); NaN for a missing value.
    """
    if np.isnan(value):
        return float("nan")
    ratio = value / standard if direction >= 0 else standard / value
    return float(100.0 * min(1.0, ratio))


def _off_track(leaf: pd.DataFrame, direction: int, baseline_year: int) -> pd.Series:
    below = ((leaf["value"] - leaf["milestone"]) * direction < 0).fillna(False)
    off = (below | leaf["status"].isin(SEVERE)) & leaf["value"].notna() & (leaf["year"] > baseline_year)
    return pd.Series(off.to_numpy(dtype=bool), index=leaf["year"].astype(int).to_numpy())


def _run_length(off: pd.Series, year: int) -> int:
    """Consecutive calendar years up to ``year`` in which the indicator was off track."""
    run = 0
    while bool(off.get(year - run, False)):
        run += 1
    return run


def early_warnings(tracked: pd.DataFrame, plan: Plan, fw: Framework, *, year: int | None = None, years: int = 1) -> pd.DataFrame:
    """The indicators off track for ``years`` consecutive years up to ``year``.

    Parameters
    ----------
    tracked : DataFrame
        The table of :func:`stpi.analysis.track.track` (one row per node and year:
        code, year, value, milestone, target, status …).
    plan, fw : the plan (owners) and the framework (standards, effective weights)
    year : the year examined (default: the latest year in ``tracked``)
    years : how many consecutive years an indicator must be off track (≥ 1)

    Returns
    -------
    DataFrame
        One row per warned indicator, columns :data:`WARNING_COLUMNS`; ``lead`` and
        ``responsible`` are department codes joined by ``;``; ``effective_weight`` is the
        framework's static weight of the indicator in the index. Red before yellow,
        then the largest gap in index points first.
    """
    if years < 1:
        raise MethodError(f"--years 应为正整数 must be at least 1, got {years}")
    year = int(tracked["year"].max()) if year is None else int(year)
    if year not in set(tracked["year"].astype(int)):
        raise MethodError(f"没有 {year} 年的数据 no figures for {year}; 可选 available: {sorted(set(tracked['year'].astype(int)))}")
    tree = fw.tree
    weights = dict(zip(tree.leaf_codes, tree.effective_weight[tree.leaves]))
    rows = []
    for node in fw.leaves:
        leaf = tracked[tracked["code"] == node.code].sort_values("year")
        direction = node.direction or 1
        run = _run_length(_off_track(leaf, direction, plan.baseline_year), year)
        if run < years:
            continue
        now = leaf[leaf["year"] == year].iloc[0]
        rows.append(_row(plan, node.code, now, run, direction, float(node.standard or np.nan), float(weights[node.code])))
    frame = pd.DataFrame(rows, columns=WARNING_COLUMNS)
    if frame.empty:
        return frame
    frame["_red"] = frame["severity"] == "red"
    return frame.sort_values(["_red", "gap_points", "no"], ascending=[False, False, True]).drop(columns="_red").reset_index(drop=True)


def _row(plan: Plan, code: str, now: pd.Series, run: int, direction: int, standard: float, weight: float) -> list[object]:
    ind = plan.indicator(code)
    value, mile = float(now["value"]), float(now["milestone"])
    gap = (mile - value) * direction
    points = weight * (capped_score(mile, standard, direction) - capped_score(value, standard, direction))
    severity = "red" if now["status"] in SEVERE else "yellow"
    return [
        ind.no, code, ind.name, ind.unit, int(now["year"]), value, mile, float(now["target"]), str(now["status"]), severity,
        run, gap, points, weight, ";".join(ind.lead), ";".join(ind.responsible),
    ]
