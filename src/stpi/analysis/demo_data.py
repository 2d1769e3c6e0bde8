"""Synthetic figures (演示数据) to explore the dashboard: the city, its counties and its peers.

Not real statistics: every value is generated from a seed and labelled
:data:`~stpi.analysis.demo_peers.DEMO_LABEL` wherever it is stored or shown.

- **The city** moves from the plan's baselines toward its targets, each indicator
  at its own pace: a few already past the target, most on track or moderate, some
  limited and two deteriorating, so the green, yellow and red lights all appear (I28,
  which has no baseline, is tracked from its first demo year). Indicators with a
  formula are written as the raw statistics departments report (the formula,
  inverted, gives the indicator's value on its path); the others as the indicator.
- **The counties** split the city's additive raw statistics (population, counts,
  amounts) so that they add up to the city's figure exactly; averages and the
  indicators without a formula vary around the city's value.
- **The peers** (the other cities) report indicator values around the plan's
  targets, scaled to an index level of their own, so every year has a ranking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from stpi.analysis.counties import ADDITIVE_KINDS
from stpi.analysis.demo_peers import DEMO_LABEL, DEMO_SEED
from stpi.analysis.index import compute_index
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.framework.formula import Formula, Variable
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.defaults import DEMO_STORE_YEARS as DEMO_YEARS

__all__ = ["COLUMNS", "DEMO_LABEL", "DEMO_SEED", "DEMO_YEARS", "PROFILES", "demo_figures", "demo_ranks"]

FloatArray = npt.NDArray[np.float64]
COLUMNS = ["region", "year", "code", "value", "kind"]

# (profile, how many indicators, pace range): the pace is the share of the planned yearly
# progress made. Centres sit well inside the status bands of stpi.analysis.track (0.95,
# 0.60, 0), so the year-to-year noise cannot move an indicator into another light.
PROFILES: tuple[tuple[str, int, float, float], ...] = (
    ("ahead", 4, 1.45, 1.65),  # past the 2026 target before 2026: green, reached
    ("on_track", 11, 1.02, 1.25),  # green
    ("moderate", 9, 0.70, 0.85),  # yellow
    ("limited", 5, 0.15, 0.40),  # red
    ("deteriorating", 2, -0.45, -0.20),  # red, below the baseline
)
_NOISE = 0.02  # year-to-year noise, as a share of the planned change (clipped at 2 sd)

# Starting levels (baseline year) and yearly growth of the statistics that are only
# denominators, at the scale of a Gansu city of about 2.4 million people. Synthetic.
_BASES: dict[str, tuple[float, float]] = {
    "resident_population": (238.0, -0.004), "enterprise_legal_persons": (19500.0, 0.03), "urban_unit_employment": (176000.0, 0.01),
    "rd_fte": (1480.0, 0.04), "industrial_enterprises": (178.0, 0.03), "gdp": (610.0, 0.05), "general_budget_expenditure": (3950000.0, 0.03),
    "industrial_revenue": (3100000.0, 0.06), "urban_avg_wage": (88000.0, 0.05), "high_tech_mfg_employment": (2900.0, 0.03),
    "industrial_employment": (31000.0, 0.01), "industrial_taxes": (160000.0, 0.04), "industrial_interest": (60000.0, 0.03),
    "industrial_avg_assets": (4200000.0, 0.05),
}
_OTHER_BASE = (1000.0, 0.02)


@dataclass(frozen=True)
class _Setting:
    plan: Plan
    fw: Framework
    years: tuple[int, ...]
    seed: int


def _rng(setting: _Setting, part: int) -> np.random.Generator:
    """An independent stream per part, so changing the counties does not move the peers."""
    return np.random.default_rng([setting.seed, part])


def _paces(setting: _Setting) -> dict[str, float]:
    """Each indicator with a baseline gets a profile (shuffled by the seed) and a pace within it."""
    rng = _rng(setting, 1)
    codes = [i.code for i in setting.plan.indicators if i.baseline is not None]
    slots = [(lo, hi) for _, count, lo, hi in PROFILES for _ in range(count)]
    while len(slots) < len(codes):  # frameworks of another size: cycle through the profiles
        slots += [(lo, hi) for _, _, lo, hi in PROFILES]
    order = rng.permutation(len(codes))
    return {code: float(rng.uniform(*slots[k])) for code, k in zip(codes, order)}


def _city_indicators(setting: _Setting) -> dict[str, FloatArray]:
    """The city's value of every indicator in every year: baseline + pace × planned change + noise."""
    plan, paces, rng = setting.plan, _paces(setting), _rng(setting, 2)
    share = (np.asarray(setting.years, dtype=float) - plan.baseline_year) / (plan.target_year - plan.baseline_year)
    out = {}
    for ind in plan.indicators:
        noise = np.clip(rng.normal(0.0, _NOISE, len(share)), -2 * _NOISE, 2 * _NOISE)
        if ind.baseline is None:  # nothing to move from: a little under the target, rising
            value = ind.target * (0.78 + 0.05 * share + noise)
        else:
            change = ind.target - ind.baseline
            value = ind.baseline + change * (paces[ind.code] * share + noise)
            value = np.maximum(value, 0.05 * abs(ind.baseline))  # a rate never turns negative
        out[ind.code] = np.round(value, ind.decimals)
    return out


def _decimals(var: Variable) -> int:
    """Whole numbers for persons, enterprises and items; two decimals for money, 万-units and averages."""
    return 2 if var.kind in ("amount", "average") or var.unit.startswith(("万", "亿")) else 0


def _bases(setting: _Setting, names: set[str], variables: Mapping[str, Variable]) -> dict[str, FloatArray]:
    """Denominators growing from their starting level, rounded as reported."""
    step = np.asarray(setting.years, dtype=float) - setting.plan.baseline_year
    out = {}
    for name in names:
        start, growth = _BASES.get(name, _OTHER_BASE)
        out[name] = np.round(start * (1 + growth) ** step, _decimals(variables[name]))
    return out


def _solve(formula: Formula, unknown: str, known: Mapping[str, FloatArray], value: FloatArray) -> FloatArray | None:
    """The unknown statistic that makes the formula give ``value`` (None unless it is linear and positive)."""
    f = [formula.evaluate({**known, unknown: np.full_like(value, a)}) for a in (0.0, 1.0, 2.0)]
    slope = f[1] - f[0]
    if not (np.all(np.isfinite(slope)) and np.all(slope != 0) and np.allclose(f[2] - f[1], slope)):
        return None
    solved: FloatArray = (value - f[0]) / slope
    return solved if bool(np.all(solved >= 0)) else None


def _city_raw(setting: _Setting, wanted: dict[str, FloatArray], variables: Mapping[str, Variable], formulas: Mapping[str, Formula]) -> tuple[dict[str, FloatArray], set[str]]:
    """Raw statistics giving the indicators their values, and the indicators so covered.

    Denominators start from :data:`_BASES`; each formula is then solved for its one
    unknown statistic, in passes, since a numerator of one formula may be the
    denominator of another (专业技术人员 in indicators 1 and 17).
    """
    used = {v for code, f in formulas.items() if code in wanted for v in f.variables if v in variables}
    known = _bases(setting, used & set(_BASES), variables)
    pending, covered = [c for c in wanted if c in formulas and set(formulas[c].variables) <= set(variables)], set()
    while pending:
        progress = False
        for code in list(pending):
            unknown = [v for v in formulas[code].variables if v not in known]
            if len(unknown) > 1:
                continue
            pending.remove(code)
            progress = True
            if not unknown:
                continue  # every statistic fixed by other formulas: report the indicator itself
            solved = _solve(formulas[code], unknown[0], known, wanted[code])
            if solved is None:
                continue
            rounded = np.round(solved, _decimals(variables[unknown[0]]))
            # one provincial award a year cannot follow a path in whole units: report the indicator instead
            if np.all(np.abs(rounded - solved) <= 0.025 * np.abs(solved)):
                known[unknown[0]] = rounded
                covered.add(code)
        if not progress:  # statistics no table gives: fix all but the first unknown of one formula
            first = [v for v in formulas[pending[0]].variables if v not in known]
            known.update(_bases(setting, set(first[1:]), variables))
    return known, covered


def _apportion(total: FloatArray, shares: FloatArray, decimals: int) -> FloatArray:
    """Split each year's total by shares (counties × years), rounded, adding up exactly (largest remainder)."""
    scale = 10.0**decimals
    units = np.round(total * scale)
    exact = shares * units
    whole = np.floor(exact)
    short = (units - whole.sum(axis=0)).astype(int)
    for t in range(exact.shape[1]):
        order = np.argsort(-(exact[:, t] - whole[:, t]), kind="stable")
        whole[order[: short[t]], t] += 1
    out: FloatArray = whole / scale
    return out


def _counties(setting: _Setting, counties: Sequence[str], raw: Mapping[str, FloatArray], reported: Mapping[str, FloatArray], variables: Mapping[str, Variable]) -> list[tuple[str, int, str, float, str]]:
    """County figures: additive statistics split to add up; averages and indicators around the city's."""
    rng, n, years = _rng(setting, 3), len(counties), setting.years
    size = rng.dirichlet(np.full(n, 4.0))  # each county's weight in the city
    rows = []
    for name in sorted(raw):
        var = variables[name]
        if var.kind in ADDITIVE_KINDS:
            lean = size[:, None] * rng.lognormal(0.0, 0.2, (n, 1)) * rng.lognormal(0.0, 0.03, (n, len(years)))
            values = _apportion(raw[name], lean / lean.sum(axis=0), _decimals(var))
        else:
            values = np.round(raw[name] * rng.lognormal(0.0, 0.06, (n, len(years))), _decimals(var))
        rows += [(c, y, name, float(values[i, t]), "raw") for i, c in enumerate(counties) for t, y in enumerate(years)]
    for ind in setting.plan.indicators:
        if ind.code in reported:
            values = np.round(reported[ind.code] * rng.lognormal(0.0, 0.12, (n, len(years))), ind.decimals)
            rows += [(c, y, ind.code, float(values[i, t]), "indicator") for i, c in enumerate(counties) for t, y in enumerate(years)]
    return rows


def _peers(setting: _Setting, peers: Sequence[str]) -> list[tuple[str, int, str, float, str]]:
    """Peer indicators: target × (own index level / the plan's goal), each indicator off by its own factor.

    With the illustrative standards (target / goal) an indicator then scores about the
    peer's level, so its index lands near it; levels span 30–68 as in demo_peers.
    """
    rng, fw, plan = _rng(setting, 4), setting.fw, setting.plan
    n, years = len(peers), np.asarray(setting.years, dtype=float)
    level = rng.uniform(30.0, 68.0, n)[:, None] + rng.normal(1.0, 0.5, n)[:, None] * (years - years[-1])
    rows = []
    for ind in plan.indicators:
        anchor = ind.target or ind.baseline or 1.0
        direction = fw.node(ind.code).direction or 1
        factor = (level / plan.goal.index) * rng.lognormal(0.0, 0.25, (n, 1)) * rng.lognormal(0.0, 0.03, (n, len(years)))
        values = np.round(anchor * factor**direction, ind.decimals)
        if ind.unit == "%":
            values = np.minimum(values, 100.0)
        rows += [(p, int(y), ind.code, float(values[i, t]), "indicator") for i, p in enumerate(peers) for t, y in enumerate(setting.years)]
    return rows


def demo_figures(
    plan: Plan,
    fw: Framework,
    *,
    counties: Sequence[str],
    peers: Sequence[str],
    variables: Mapping[str, Variable] | None = None,
    formulas: Mapping[str, Formula] | None = None,
    years: Sequence[int] = DEMO_YEARS,
    seed: int = DEMO_SEED,
) -> pd.DataFrame:
    """Deterministic synthetic figures (演示数据) of the plan's city, its counties and its peers.

    Parameters
    ----------
    plan, fw : the plan (baselines, targets, region) and its framework (directions)
    counties : the city's counties (names), each gets the city's raw statistics split
    peers : the other regions ranked with the city (names)
    variables, formulas : raw statistics and the formulas deriving indicators from them
        (none: every figure is written as an indicator value)
    years : the years generated (the baseline year gets the baseline plus noise)
    seed : the same seed and arguments always give the same figures

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`: region (name), year, code (an indicator or a raw
        statistic), value, kind (``indicator`` or ``raw``); sorted, one row per
        region, year and code.
    """
    setting = _Setting(plan, fw, tuple(int(y) for y in years), seed)
    wanted = _city_indicators(setting)
    usable = {c: f for c, f in (formulas or {}).items() if c in wanted}
    raw, covered = _city_raw(setting, wanted, variables or {}, usable)
    reported = {c: v for c, v in wanted.items() if c not in covered}
    rows = [(plan.region, y, name, float(values[t]), "raw") for name, values in raw.items() for t, y in enumerate(setting.years)]
    rows += [(plan.region, y, code, float(values[t]), "indicator") for code, values in reported.items() for t, y in enumerate(setting.years)]
    rows += _counties(setting, counties, raw, reported, variables or {})
    rows += _peers(setting, peers)
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["region", "year", "code"], kind="stable").reset_index(drop=True)


def demo_ranks(fw: Framework, figures: pd.DataFrame, regions: Sequence[str], *, missing: str = "reweight") -> pd.DataFrame:
    """The composite index and rank of each region and year, computed from indicator values.

    Parameters
    ----------
    fw : the framework
    figures : DataFrame with columns region, year, indicator, value (derived where needed)
    regions : the regions ranked together (the city and its peers)
    missing : the missing-value policy

    Returns
    -------
    DataFrame
        Columns region, year, index, rank (1 = highest; ties share the best rank).
    """
    leaves = {n.code for n in fw.leaves}
    part = figures[figures["region"].isin(list(regions)) & figures["indicator"].isin(leaves)][["region", "year", "indicator", "value"]]
    result = compute_index(fw, values_from_frame(part, fw), Recipe(aggregate=Aggregate(missing=missing)))
    rows = [(r, int(y), float(result.root[i, t]), int(result.built.ranks[i, t, 0]))
            for i, r in enumerate(result.values.regions) for t, y in enumerate(result.values.years) if np.isfinite(result.root[i, t])]
    return pd.DataFrame(rows, columns=["region", "year", "index", "rank"]).sort_values(["year", "rank"]).reset_index(drop=True)
