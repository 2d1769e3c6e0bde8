"""A county plan file: each county's own target per indicator (CSV or XLSX), checked cell by cell, all or nothing.

Columns ``region`` (a county's name or GB/T 2260 code), ``code`` (indicator code or number) and ``target``;
optional ``baseline``, ``target_at_least`` (1/0) and ``sub_targets`` (``县本级 2.1;乡镇 1.0``, as the plan table).
"""

from __future__ import annotations

import math
from pathlib import Path

from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.plan import Plan
from stpi.framework.planfile import FALSE, TRUE
from stpi.store.county_targets import TargetEntry
from stpi.store.records import Region
from stpi.tables import read_table

__all__ = ["COUNTY_PLAN_COLUMNS", "read_county_plan"]

COUNTY_PLAN_COLUMNS = ("region", "code", "target", "baseline", "target_at_least", "sub_targets")


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "").rstrip("%"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_county_plan(path: str | Path, *, plan: Plan, counties: list[Region]) -> list[TargetEntry]:
    """The targets in the file; InputError lists every problem (row, column, value) and nothing is returned."""
    table = read_table(path, sheet=None)
    file = Path(path).name
    problems = [Problem(file, 1, c, "缺少列 missing column") for c in COUNTY_PLAN_COLUMNS[:3] if c not in table.columns]
    if problems:
        raise InputError(problems)
    by_key = {k: c.code for c in counties for k in (c.code, c.name, c.name_en) if k}
    seen: dict[tuple[str, str], int] = {}
    out = []
    for row, r in table.rows:
        region = by_key.get(r.get("region", ""))
        if region is None:
            problems.append(Problem(file, row, "region", "不是本市的县区 not one of the city's counties", r.get("region", "")))
        try:
            code = plan.indicator(r.get("code", "")).code
        except NotFoundError:
            problems.append(Problem(file, row, "code", "实施方案中没有该指标 no such indicator in the plan", r.get("code", "")))
            code = ""
        target = _number(r.get("target", ""))
        if target is None:
            problems.append(Problem(file, row, "target", "目标值不是数字 the target is not a number", r.get("target", ""), code=code or None))
        baseline = _number(r.get("baseline", "")) if r.get("baseline", "") else None
        if r.get("baseline", "") and baseline is None:
            problems.append(Problem(file, row, "baseline", "基期值不是数字 the baseline is not a number", r.get("baseline", ""), code=code or None))
        flag = r.get("target_at_least", "").strip().lower()
        if flag not in TRUE | FALSE:
            problems.append(Problem(file, row, "target_at_least", "应为 1/0(是/否) 1 or 0 expected", r.get("target_at_least", ""), code=code or None))
        subs = r.get("sub_targets", "")
        bad = [p for p in subs.replace("；", ";").split(";") if p.strip() and (" " not in p.strip() or _number(p.strip().rpartition(" ")[2]) is None)]
        if bad:
            problems.append(Problem(file, row, "sub_targets", "应为“名称 目标值”，如“县本级 2.1” 'name target' expected", bad[0], code=code or None))
        if region and code:
            if (region, code) in seen:
                problems.append(Problem(file, row, "code", f"与第{seen[(region, code)]}行重复 duplicate of row {seen[(region, code)]}", code, code=code))
            seen[(region, code)] = row
        if region and code and target is not None:
            out.append(TargetEntry(region, code, target, baseline, flag in TRUE, subs.strip()))
    if problems:
        raise InputError(problems)
    return out
