"""Where the plan stands: the index at the baseline and at the targets, groups, contributions, owners."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from stpi.analysis.jsonable import jsonable
from stpi.analysis.index import IndexResult, compute_index
from stpi.analysis.values import Values
from stpi.engine import Aggregate, Recipe
from stpi.framework.model import Framework
from stpi.framework.plan import Note, Plan

__all__ = ["GroupRow", "IndicatorRow", "PlanStatus", "plan_scenarios", "plan_status"]


@dataclass(frozen=True)
class GroupRow:
    """One area or group: its weight and scores at the baseline and at the targets."""

    code: str
    name: str
    name_en: str
    depth: int
    weight: float
    baseline: float | None
    target: float | None
    headroom: float | None


@dataclass(frozen=True)
class IndicatorRow:
    """One indicator of the plan with its numbers and owners."""

    no: int
    code: str
    name: str
    name_en: str
    group: str
    unit: str
    baseline: float | None
    target: float
    target_at_least: bool
    effective_weight: float
    score_baseline: float | None
    score_target: float | None
    contribution: float | None
    headroom: float | None
    gain: float | None
    lead: tuple[str, ...]
    responsible: tuple[str, ...]
    rank_goal: str
    note: Note


@dataclass(frozen=True)
class PlanStatus:
    """The main job's answer: the plan's index at its baseline and at its targets."""

    region: str
    region_en: str
    plan_title: str
    framework_title: str
    baseline_year: int
    target_year: int
    missing_policy: str
    index_baseline: float | None
    index_baseline_complete: float | None
    index_target: float | None
    goal_index: float
    goal_at_least: bool
    goal_rank: int
    goal_rank_approx: bool
    goal_regions: int
    missing_at_baseline: tuple[str, ...]
    illustrative: bool
    parameter_rules: tuple[str, ...]
    groups: tuple[GroupRow, ...]
    indicators: tuple[IndicatorRow, ...]
    notes: tuple[Note, ...]
    # the baseline→target change not owed to any indicator's own score: weights re-normalised as
    # indicators missing at the baseline (I28) appear; gains + gain_reweight = the index change
    gain_reweight: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None)."""
        out: dict[str, Any] = jsonable(asdict(self))
        return out


def _num(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def plan_scenarios(plan: Plan, framework: Framework) -> Values:
    """The plan's two scenarios as values: the baseline year and the target year."""
    plan.check_against(framework)
    by_code = {i.code: i for i in plan.indicators}
    leaves = [n.code for n in framework.leaves]
    data = np.array(
        [
            [np.nan if by_code[c].baseline is None else by_code[c].baseline for c in leaves],
            [by_code[c].target for c in leaves],
        ]
    )[np.newaxis]
    return Values((plan.region,), (plan.baseline_year, plan.target_year), tuple(leaves), data)


def plan_status(plan: Plan, framework: Framework, *, missing: str = "reweight") -> PlanStatus:
    """Compute the plan's index at the baseline and at the targets under a named missing policy."""
    values = plan_scenarios(plan, framework)
    result = compute_index(framework, values, Recipe(aggregate=Aggregate(missing=missing)))
    strict = compute_index(framework, values, Recipe(aggregate=Aggregate(missing="propagate")))
    b, t = plan.baseline_year, plan.target_year
    missing_codes = tuple(values.missing()["indicator"])
    return PlanStatus(
        region=plan.region,
        region_en=plan.region_en,
        plan_title=plan.title,
        framework_title=framework.title,
        baseline_year=b,
        target_year=t,
        missing_policy=missing,
        index_baseline=_num(result.root[0, 0]),
        index_baseline_complete=_num(strict.root[0, 0]),
        index_target=_num(result.root[0, 1]),
        goal_index=plan.goal.index,
        goal_at_least=plan.goal.at_least,
        goal_rank=plan.goal.rank,
        goal_rank_approx=plan.goal.rank_approx,
        goal_regions=plan.goal.regions,
        missing_at_baseline=missing_codes,
        illustrative=framework.is_illustrative,
        parameter_rules=framework.parameter_rules(),
        groups=_groups(result, plan, framework),
        indicators=_indicators(result, plan, framework),
        notes=plan.notes,
        gain_reweight=_num(result.decompose(plan.region, b, t)["reweight"].iloc[0]),
    )


def _groups(result: IndexResult, plan: Plan, framework: Framework) -> tuple[GroupRow, ...]:
    base = result.groups(plan.region, plan.baseline_year)
    target = result.groups(plan.region, plan.target_year)
    rows = []
    for i, node in enumerate(framework.nodes):
        if node.is_leaf or node.parent is None:
            continue
        rows.append(
            GroupRow(
                code=node.code,
                name=node.name,
                name_en=node.name_en,
                depth=int(base["depth"][i]),
                weight=node.weight,
                baseline=_num(base["score"][i]),
                target=_num(target["score"][i]),
                headroom=_num(base["headroom"][i]),
            )
        )
    return tuple(rows)


def _indicators(result: IndexResult, plan: Plan, framework: Framework) -> tuple[IndicatorRow, ...]:
    base = result.contributions(plan.region, plan.baseline_year).set_index("code").to_dict()
    target = result.contributions(plan.region, plan.target_year).set_index("code").to_dict()
    gain = result.decompose(plan.region, plan.baseline_year, plan.target_year).set_index("code")["part"].to_dict()
    static = dict(zip(framework.tree.leaf_codes, framework.tree.effective_weight[framework.tree.leaves]))
    rows = []
    for ind in plan.indicators:
        node = framework.node(ind.code)
        rows.append(
            IndicatorRow(
                no=ind.no,
                code=ind.code,
                name=ind.name,
                name_en=ind.name_en,
                group=node.parent or "",
                unit=ind.unit,
                baseline=ind.baseline,
                target=ind.target,
                target_at_least=ind.target_at_least,
                effective_weight=float(static[ind.code]),
                score_baseline=_num(base["score"][ind.code]),
                score_target=_num(target["score"][ind.code]),
                contribution=_num(base["contribution"][ind.code]),
                headroom=_num(base["headroom"][ind.code]),
                gain=_num(gain[ind.code]),
                lead=ind.lead,
                responsible=ind.responsible,
                rank_goal=ind.rank_goal,
                note=Note(ind.note, ind.note_en),
            )
        )
    return tuple(rows)
