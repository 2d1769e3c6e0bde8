"""Counties (县区): each county's index and rank, its targets, and whether county figures add up.

The counties are computed with the city's framework, and ranked among themselves. A
county's target is the plan's ``counties`` sub-target of an indicator where there is
one (indicator 13: 1.1%), else the city's target.

Additive raw statistics — kind ``population``, ``count`` or ``amount``, never averages,
ratios or indicators — must add up over the counties to the city's figure; each
region-year-variable is compared within a relative tolerance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from stpi.analysis.index import compute_index
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.errors import MethodError
from stpi.framework.formula import Variable
from stpi.framework.model import Framework
from stpi.framework.plan import Plan

__all__ = ["ADDITIVE_KINDS", "COUNTY_SCOPE", "OWN_SCOPE", "INDEX_COLUMNS", "SUM_COLUMNS", "TARGET_COLUMNS", "county_index", "county_targets", "sum_check"]

ADDITIVE_KINDS = ("population", "count", "amount")
COUNTY_SCOPE = "counties"
OWN_SCOPE = "county"  # the county's own plan
INDEX_COLUMNS = ["region", "year", "index", "rank", "counties_ranked", "indicators"]
TARGET_COLUMNS = ["region", "no", "code", "name", "unit", "target", "target_scope", "year", "value", "met"]
SUM_COLUMNS = ["region", "year", "variable", "name", "unit", "kind", "city_value", "county_sum", "difference", "relative", "counties_reported", "counties_missing", "status"]


def county_index(fw: Framework, figures: pd.DataFrame, counties: Sequence[str], *, missing: str = "reweight") -> pd.DataFrame:
    """The composite index of every county and year, ranked among the counties.

    Parameters
    ----------
    fw : the framework (the city's)
    figures : DataFrame
        Indicator values: region, year, indicator, value (other regions and codes are ignored).
    counties : the county names, in the order wanted for ties and empty results
    missing : the missing-value policy for groups and the index

    Returns
    -------
    DataFrame
        Columns :data:`INDEX_COLUMNS`, one row per county with figures and year; rank
        1 is the highest index among the counties that year (ties share the best rank),
        ``indicators`` counts the indicators with a value.
    """
    leaves = [n.code for n in fw.leaves]
    part = figures[figures["region"].isin(counties) & figures["indicator"].isin(leaves)][["region", "year", "indicator", "value"]]
    if part.empty:
        return pd.DataFrame(columns=INDEX_COLUMNS)
    result = compute_index(fw, values_from_frame(part, fw), Recipe(aggregate=Aggregate(missing=missing)))
    present = (~np.isnan(result.values.data)).sum(axis=2)
    rows = []
    for i, region in enumerate(result.values.regions):
        for t, year in enumerate(result.values.years):
            if present[i, t] == 0:
                continue
            rank = result.built.ranks[i, t, 0]
            rows.append([region, year, float(result.root[i, t]), None if np.isnan(rank) else int(rank), int((present[:, t] > 0).sum()), int(present[i, t])])
    frame = pd.DataFrame(rows, columns=INDEX_COLUMNS)
    frame["rank"] = frame["rank"].astype("Int64")
    order = {c: k for k, c in enumerate(counties)}
    return frame.sort_values(["year", "rank", "region"], key=lambda s: s.map(order) if s.name == "region" else s).reset_index(drop=True)


def county_targets(plan: Plan, fw: Framework, figures: pd.DataFrame, counties: Sequence[str], *, year: int | None = None,
                   own: Mapping[tuple[str, str], float] | None = None) -> pd.DataFrame:
    """Every county's target for every indicator, with its value in ``year`` and whether it is met.

    Parameters
    ----------
    plan, fw : the plan (targets, sub-targets) and the framework (directions)
    figures : DataFrame of indicator values: region, year, indicator, value
    counties : the county names
    year : the year whose values are compared (default: the counties' latest year)
    own : (county, indicator code) → the county's own approved target (its county plan), which comes first

    Returns
    -------
    DataFrame
        Columns :data:`TARGET_COLUMNS`; ``target_scope`` is ``county`` where the county's own
        plan sets the target, ``counties`` where the plan sets a county target, ``city`` where
        the city's target applies; ``met`` is
        None without a value.
    """
    mine = figures[figures["region"].isin(counties)]
    if year is None and not mine.empty:
        year = int(mine["year"].max())
    now = mine[mine["year"] == year].set_index(["region", "indicator"])["value"].to_dict() if year is not None else {}
    rows = []
    for county in counties:
        for ind in plan.indicators:
            sub = [s.target for s in ind.sub_targets if s.scope == COUNTY_SCOPE]
            target, scope = (sub[0], COUNTY_SCOPE) if sub else (ind.target, "city")
            if own and (county, ind.code) in own:
                target, scope = own[(county, ind.code)], OWN_SCOPE
            value = now.get((county, ind.code))
            direction = fw.node(ind.code).direction or 1
            met = None if value is None or np.isnan(value) else bool((value - target) * direction >= 0)
            rows.append([county, ind.no, ind.code, ind.name, ind.unit, float(target), scope, year, value, met])
    return pd.DataFrame(rows, columns=TARGET_COLUMNS)


def sum_check(
    raw: pd.DataFrame, variables: Mapping[str, Variable], *, city: str, counties: Sequence[str], tolerance: float = 0.005
) -> pd.DataFrame:
    """Do the counties' additive raw statistics add up to the city's?

    Parameters
    ----------
    raw : DataFrame
        Figures as stored: region, year, indicator (here a raw-variable code), value.
    variables : the raw statistics by code; only kinds in :data:`ADDITIVE_KINDS` are summed
    city : the city's name; counties : its counties' names
    tolerance : relative tolerance of |Σ counties − city| against |city| (0.005 = 0.5%)

    Returns
    -------
    DataFrame
        Columns :data:`SUM_COLUMNS`, one row per variable and year in which the city
        and at least one county have a value; ``status`` is ``mismatch`` when the
        difference exceeds the tolerance, else ``ok``; ``counties_missing`` names the
        counties without a value, joined by ``、``. Mismatches first.
    """
    if not tolerance >= 0:
        raise MethodError(f"--tolerance 应为非负数 must be non-negative, got {tolerance}")
    additive = {code: v for code, v in variables.items() if v.kind in ADDITIVE_KINDS}
    part = raw[raw["indicator"].isin(list(additive)) & raw["value"].notna()]
    city_rows = part[part["region"] == city]
    county_part = part[part["region"].isin(counties)]
    rows = []
    groups: dict[tuple[str, int], pd.DataFrame] = {}
    for (code_of, year_of), g in county_part.groupby(["indicator", "year"], sort=False) if len(county_part) else ():
        groups[(str(code_of), int(year_of))] = g  # type: ignore[call-overload]  # pandas types group keys as Hashable
    for code, year, city_value in zip(city_rows["indicator"], city_rows["year"], city_rows["value"].astype(float)):
        here = groups.get((str(code), int(year)))
        if here is None or here.empty:
            continue
        total = float(here["value"].sum())
        diff = total - float(city_value)
        relative = diff / abs(city_value) if city_value else float("nan")
        status = "mismatch" if abs(diff) > tolerance * abs(city_value) else "ok"
        reported = set(here["region"])
        missing = "、".join(c for c in counties if c not in reported)
        var = additive[code]
        rows.append([city, int(year), code, var.name, var.unit, var.kind, float(city_value), total, diff, relative, len(reported), missing, status])
    frame = pd.DataFrame(rows, columns=SUM_COLUMNS)
    if frame.empty:
        return frame
    frame["_ok"] = frame["status"] == "ok"
    return frame.sort_values(["_ok", "year", "variable"]).drop(columns="_ok").reset_index(drop=True)
