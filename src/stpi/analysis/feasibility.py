"""Is each target plausible? The growth it requires against the indicator's own history and peers'.

Rates are compound annual growth rates (CAGR) where values are positive, else absolute
change per year divided by the latest level. Verdicts:

============  =============================================================================
reached       the latest value already meets the target
easy          required rate ≤ half the indicator's own historical rate (history alone gets there)
in_line       required rate ≤ the historical reference (own rate, or peers' 75th percentile)
ambitious     required rate above the reference, at most twice it (or ≤ 5 points a year above)
implausible   required rate more than twice the reference and more than 5 points a year above
no_history    fewer than two years of the indicator's own data and no peers: cannot judge
============  =============================================================================
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from stpi.framework.plan import Plan

__all__ = ["feasibility", "annual_rate"]

EASY, STRETCH, MARGIN = 0.5, 2.0, 0.05


def annual_rate(start: float, end: float, years: float) -> float:
    """Compound annual growth rate; for non-positive values the yearly change relative to |start|."""
    if years <= 0:
        return math.nan
    if start > 0 and end > 0:
        return float((end / start) ** (1 / years) - 1)
    return float((end - start) / years / abs(start)) if start else math.nan


def _history_rate(series: pd.Series) -> float:
    """The rate between the first and the last year of a region's series of one indicator."""
    s = series.dropna().sort_index()
    if len(s) < 2:
        return math.nan
    return annual_rate(float(s.iloc[0]), float(s.iloc[-1]), float(s.index[-1] - s.index[0]))


def _verdict(required: float, own: float, reference: float, reached: bool) -> str:
    if reached:
        return "reached"
    if math.isnan(reference):
        return "no_history"
    if not math.isnan(own) and own > 0 and required <= EASY * own:
        return "easy"
    if required <= reference:
        return "in_line"
    if required > STRETCH * max(reference, 0.0) and required - reference > MARGIN:
        return "implausible"
    return "ambitious"


def feasibility(plan: Plan, values: pd.DataFrame, *, region: str | None = None) -> pd.DataFrame:
    """One row per indicator: latest value, required rate, own and peers' historical rates, verdict.

    ``values`` holds annual figures (region, year, indicator, value) for the region and any
    peers; the plan's baseline fills the region's baseline year.
    """
    region = region or plan.region
    base = pd.DataFrame([(region, plan.baseline_year, i.code, i.baseline) for i in plan.indicators if i.baseline is not None], columns=["region", "year", "indicator", "value"])
    have = values.set_index(["region", "year", "indicator"]).index
    extra = base[~base.set_index(["region", "year", "indicator"]).index.isin(have)]
    data = pd.concat([values[["region", "year", "indicator", "value"]], extra], ignore_index=True)
    data["year"] = data["year"].astype(int)
    rates = {key: _history_rate(g.set_index("year")["value"]) for key, g in data.groupby(["indicator", "region"])}
    rows: list[tuple[object, ...]] = []
    for ind in plan.indicators:
        mine = data[(data["region"] == region) & (data["indicator"] == ind.code)].dropna(subset=["value"]).sort_values("year")
        own = float(rates.get((ind.code, region), math.nan))
        peers = [float(v) for (c, r), v in rates.items() if c == ind.code and r != region and not math.isnan(v)]
        peer_ref = float(np.percentile(peers, 75)) if peers else math.nan
        reference = own if not math.isnan(own) else peer_ref
        if not math.isnan(own) and not math.isnan(peer_ref):
            reference = max(own, peer_ref)
        if mine.empty:
            rows.append((ind.no, ind.code, ind.name, None, None, ind.target, math.nan, own, peer_ref, len(peers), "no_history", ";".join(ind.lead)))
            continue
        latest_year, latest = int(mine["year"].iloc[-1]), float(mine["value"].iloc[-1])
        required = annual_rate(latest, ind.target, plan.target_year - latest_year)
        reached = latest >= ind.target
        rows.append((ind.no, ind.code, ind.name, latest_year, latest, ind.target, required, own, peer_ref, len(peers), _verdict(required, own, reference, reached), ";".join(ind.lead)))
    return pd.DataFrame(rows, columns=["no", "code", "name", "latest_year", "latest", "target", "required_rate", "own_rate", "peer_rate_p75", "peers", "verdict", "lead"])
