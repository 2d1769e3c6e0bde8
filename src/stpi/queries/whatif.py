"""The what-if and goal-seek pages' numbers: the index at typed values, its rank among peers, the least-effort plan.

A what-if starts from each indicator's latest known value (the plan's region, at or before the
chosen year, the plan's baselines filling gaps, as the bulletin's focus list does). What the store
holds is read once into a :class:`Scenario` (the web app keeps it per store revision); evaluating
typed values is then one engine build on a 1×1×K array, fast enough to follow typing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.demo_peers import DEMO_LABEL, demo_peer_results
from stpi.analysis.goalseek import GoalSeekResult, goal_seek
from stpi.analysis.jsonable import jsonable
from stpi.engine import Aggregate, Recipe, build, contributions, effective_weights
from stpi.engine.aggregate import MISSING_POLICIES
from stpi.engine.tree import FloatArray
from stpi.errors import InputError, Problem
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.i18n import get_lang, tr
from stpi.queries.bulletin import city_frame
from stpi.queries.forecast import published_indices
from stpi.queries.goalseek import BOUND_MODES, history_bounds, lead_departments, upper_bounds
from stpi.queries.overview import department_names

__all__ = ["LIMIT", "Scenario", "check_values", "evaluate", "goalseek_options", "goalseek_view", "latest_known", "make_scenario", "scenario", "whatif", "years_with_figures"]

LIMIT = 1e12  # a typed value beyond this is a typo, not a scenario
BOUND_WORDS = {"target": ("规划目标值", "plan targets"), "history": ("按历史增速外推", "historical growth"), "max": ("两者取优", "the better of the two")}
SOURCE_WORDS = {"target": ("目标值", "target"), "history": ("历史外推", "history"), "target (no history)": ("目标值(无历史)", "target (no history)"), "override": ("自定义", "override")}


@dataclass(frozen=True, eq=False)
class Scenario:
    """What a what-if needs besides the typed values: plan, framework, start values and peers."""

    plan: Plan
    framework: Framework
    year: int
    years: tuple[int, ...]
    recipe: Recipe
    start: dict[str, float | None]
    start_year: dict[str, int | None]
    peers: dict[str, float]  # each peer's latest index
    peer_years: tuple[int, int] | None
    demo: bool
    start_scores: FloatArray  # every node's score at the start values, shape (N,)
    start_contrib: FloatArray  # each leaf's contribution at the start values, shape (K,)

    @property
    def codes(self) -> tuple[str, ...]:
        """The indicators' codes in leaf order."""
        return self.framework.tree.leaf_codes


def _num(x: object) -> float | None:
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def years_with_figures(plan: Plan, figures: pd.DataFrame) -> list[int]:
    """The years with figures of the plan's region, and the baseline year (the plan's own figures)."""
    mine = figures[figures["region"] == plan.region] if len(figures) else figures
    return sorted({*(int(y) for y in mine["year"]), plan.baseline_year})


def latest_known(plan: Plan, figures: pd.DataFrame, year: int) -> tuple[dict[str, float | None], dict[str, int | None]]:
    """Each indicator's latest finite value at or before ``year``, and its year (None where never known)."""
    known = city_frame(plan, figures, [y for y in years_with_figures(plan, figures) if y <= year])
    known = known[np.isfinite(known["value"].astype(float))].sort_values("year", kind="stable").drop_duplicates("indicator", keep="last")
    value = dict(zip(known["indicator"], known["value"].astype(float)))
    when = dict(zip(known["indicator"], known["year"].astype(int)))
    return ({i.code: value.get(i.code) for i in plan.indicators}, {i.code: when.get(i.code) for i in plan.indicators})


def _peers(published: dict[str, list[tuple[int, float]]], region: str) -> tuple[dict[str, float], tuple[int, int] | None, bool]:
    """Each peer's latest published index; the synthetic demo peers when none is published."""
    others = {name: points for name, points in published.items() if name != region}
    demo = not any(others.values())
    if demo:
        others = demo_peer_results(sorted(others))
    latest = {name: max(points)[1] for name, points in others.items() if points}
    years = [y for points in others.values() for y, _ in points]
    return latest, (min(years), max(years)) if years else None, demo


def _compute(framework: Framework, recipe: Recipe, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Every node's score and each leaf's contribution: one engine build on a 1×1×K array."""
    tree = framework.tree
    scores = build(recipe, tree, x[np.newaxis, np.newaxis, :]).scores[0, 0]
    leaf = scores[tree.leaves]
    return scores, contributions(effective_weights(tree, leaf, missing=recipe.aggregate.missing), leaf)


def make_scenario(plan: Plan, framework: Framework, figures: pd.DataFrame, published: dict[str, list[tuple[int, float]]], *, year: int | None = None, missing: str = "reweight") -> Scenario:
    """A scenario from figures (columns region, year, indicator, value) and published peer indices by region name."""
    plan.check_against(framework)
    years = years_with_figures(plan, figures)
    year = years[-1] if year is None else year
    if year not in years:
        raise InputError([Problem("<whatif>", None, "year", f"没有该年份的数据;可选 no figures in that year; choose from {years}", str(year))])
    recipe = Recipe(aggregate=Aggregate(missing=missing))
    recipe.check()
    start, start_year = latest_known(plan, figures, year)
    peers, peer_years, demo = _peers(published, plan.region)
    x = np.array([np.nan if start[c] is None else start[c] for c in framework.tree.leaf_codes], dtype=float)
    scores, contrib = _compute(framework, recipe, x)
    return Scenario(plan, framework, year, tuple(years), recipe, start, start_year, peers, peer_years, demo, scores, contrib)


def scenario(snap: Snapshot, *, year: int | None = None, missing: str = "reweight") -> Scenario:
    """The what-if scenario of the plan in force, from the store's approved figures and published results."""
    plan, fw = (snap.plan(), snap.framework())
    published = published_indices(snap)
    return make_scenario(plan, fw, snap.figures(), published, year=year, missing=missing)


def check_values(sc: Scenario, values: Mapping[str, object]) -> dict[str, float | None]:
    """Typed values by code as numbers (None: no figure); every bad one is reported, naming its indicator."""
    problems: list[Problem] = []
    out: dict[str, float | None] = {}
    known = set(sc.codes)
    for code, raw in values.items():
        if code not in known:
            problems.append(Problem("<whatif>", None, str(code)[:32], "框架中没有该指标 unknown indicator", str(code)[:32]))
            continue
        name = sc.plan.indicator(code).label(get_lang())
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            out[code] = None
            continue
        try:
            value = float(raw.strip().replace(",", "") if isinstance(raw, str) else raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            problems.append(Problem("<whatif>", None, code, f"{name}:不是数字 not a number", str(raw)[:50]))
            continue
        if isinstance(raw, bool) or not math.isfinite(value) or abs(value) > LIMIT:
            problems.append(Problem("<whatif>", None, code, f"{name}:须为绝对值不超过 1e12 的有限数 must be a finite number within ±1e12", str(raw)[:50]))
        else:
            out[code] = value
    if problems:
        raise InputError(problems)
    return out


def _rank(sc: Scenario, index: float | None) -> int | None:
    """1 + the peers above ``index`` (ties share the best rank)."""
    return None if index is None else 1 + sum(v > index for v in sc.peers.values())


def evaluate(sc: Scenario, values: Mapping[str, float | None]) -> tuple[FloatArray, FloatArray, dict[str, float | None]]:
    """Node scores, leaf contributions and the values used, with ``values`` (checked) replacing the start."""
    used = {**sc.start, **values}
    x = np.array([np.nan if used[c] is None else used[c] for c in sc.codes], dtype=float)
    scores, contrib = _compute(sc.framework, sc.recipe, x)
    return scores, contrib, used


def _nodes(sc: Scenario, scores: FloatArray, depth: int) -> list[dict[str, Any]]:
    tree, lang = sc.framework.tree, get_lang()
    rows = []
    for k, node in enumerate(sc.framework.nodes):
        if tree.depth[k] == depth:
            now, start = _num(scores[k]), _num(sc.start_scores[k])
            rows.append({"code": node.code, "parent": node.parent, "name": node.label(lang), "value": now, "start": start, "change": None if now is None or start is None else now - start})
    return rows


def _indicators(sc: Scenario, scores: FloatArray, contrib: FloatArray, used: Mapping[str, float | None]) -> list[dict[str, Any]]:
    lang, leaves = get_lang(), sc.framework.tree.leaves
    rows = []
    for k, code in enumerate(sc.codes):
        ind = sc.plan.indicator(code)
        now, start = _num(contrib[k]), _num(sc.start_contrib[k])
        rows.append({
            "no": ind.no, "code": code, "name": ind.label(lang), "unit": ind.unit if lang == "zh" or not ind.unit_en else ind.unit_en,
            "start": sc.start[code], "start_year": sc.start_year[code], "target": ind.target, "target_at_least": ind.target_at_least,
            "value": used[code], "changed": used[code] != sc.start[code], "score": _num(scores[leaves[k]]), "start_score": _num(sc.start_scores[leaves[k]]),
            "contribution": now, "start_contribution": start, "contribution_change": None if now is None or start is None else now - start,
            "lead": department_names(sc.plan, ind.lead), "note": ind.note_label(lang),
        })
    return rows


def whatif(sc: Scenario, values: Mapping[str, object] | None = None) -> dict[str, Any]:
    """The what-if page's context at ``values`` (codes → numbers; the rest keep their start), JSON-ready."""
    scores, contrib, used = evaluate(sc, check_values(sc, values or {}))
    plan, fw = sc.plan, sc.framework
    index, start = _num(scores[0]), _num(sc.start_scores[0])
    return {
        "region": plan.region, "plan_title": plan.title, "year": sc.year, "years": list(sc.years), "target_year": plan.target_year,
        "policy": tr(f"policy.{sc.recipe.aggregate.missing}"),
        "goal": {"index": plan.goal.index, "at_least": plan.goal.at_least, "rank": plan.goal.rank, "rank_approx": plan.goal.rank_approx, "regions": plan.goal.regions},
        "index": {"value": index, "start": start, "change": None if index is None or start is None else index - start},
        "rank": {"rank": _rank(sc, index), "start": _rank(sc, start), "of": len(sc.peers) + 1, "demo": sc.demo, "label": DEMO_LABEL if sc.demo else "",
                 "peer_years": list(sc.peer_years) if sc.peer_years else None},
        "areas": _nodes(sc, scores, 1), "groups": _nodes(sc, scores, 2), "indicators": _indicators(sc, scores, contrib, used),
        "changed": [c for c in sc.codes if used[c] != sc.start[c]],
        "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules()),
    }


def _moves(plan: Plan, result: GoalSeekResult, start_year: Mapping[str, int | None]) -> list[dict[str, Any]]:
    lang = get_lang()
    return [{"no": m.no, "code": m.code, "name": m.name_en if lang == "en" and m.name_en else m.name, "unit": m.unit, "from": m.value_start,
             "from_year": start_year.get(m.code), "to": m.value_recommended, "target": m.target, "change_pct": m.change_pct, "gain": m.gain, "cost": m.cost,
             "bound": m.bound, "bound_source": SOURCE_WORDS.get(m.bound_source, (m.bound_source,) * 2)[lang == "en"], "lead": department_names(plan, m.lead)} for m in result.moved()]


def _departments(plan: Plan, result: GoalSeekResult) -> list[dict[str, Any]]:
    """Lead departments ranked by their share of the total effort (jointly led indicators count fully for each)."""
    deps = lead_departments(result).sort_values("cost", ascending=False, kind="stable")
    total = result.total_cost
    out = []
    for r in deps.to_dict("records"):
        codes = sorted(str(r["codes"]).split(", "), key=lambda c: plan.indicator(c).no)
        cost = float(r["cost"])
        out.append({"code": str(r["department"]), "name": department_names(plan, (str(r["department"]),)), "codes": codes,
                    "numbers": "、".join(str(plan.indicator(c).no) for c in codes), "gain": float(r["gain"]), "cost": cost, "share": cost / total if total > 0 else None})
    return out


def goalseek_options(snap: Snapshot) -> dict[str, Any]:
    """What the goal-seek form offers: start years, bound modes, missing policies, the plan's goal."""
    plan, fw = (snap.plan(), snap.framework())
    return _options(plan, fw, years_with_figures(plan, snap.figures()))


def _options(plan: Plan, fw: Framework, years: list[int]) -> dict[str, Any]:
    lang = get_lang()
    return {
        "region": plan.region, "plan_title": plan.title, "target_year": plan.target_year, "goal_index": plan.goal.index, "years": years,
        "bound_modes": [{"value": b, "text": BOUND_WORDS[b][lang == "en"]} for b in BOUND_MODES],
        "missing_policies": [{"value": p, "text": tr(f"policy.{p}")} for p in MISSING_POLICIES],
        "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules()),
    }


def goalseek_view(snap: Snapshot, *, target: float | None = None, from_year: int | None = None, bound: str = "max", missing: str = "reweight") -> dict[str, Any]:
    """The goal-seek page's context: the least-effort plan from the latest known values at ``from_year``, JSON-ready."""
    plan, fw = (snap.plan(), snap.framework())
    figures = snap.figures()
    years = years_with_figures(plan, figures)
    from_year = years[-1] if from_year is None else from_year
    problems = [] if from_year in years else [Problem("<goalseek>", None, "from_year", f"没有该年份的数据;可选 no figures in that year; choose from {years}", str(from_year))]
    problems += [] if bound in BOUND_MODES else [Problem("<goalseek>", None, "bound", f"可选 choose from {', '.join(BOUND_MODES)}", bound)]
    problems += [] if missing in MISSING_POLICIES else [Problem("<goalseek>", None, "missing", f"可选 choose from {', '.join(MISSING_POLICIES)}", missing)]
    if problems:
        raise InputError(problems)
    target = plan.goal.index if target is None else target
    start, start_year = latest_known(plan, figures, from_year)
    mine = figures[(figures["region"] == plan.region) & (figures["year"] <= plan.target_year)] if len(figures) else pd.DataFrame(columns=["region", "year", "indicator", "value"])
    history = history_bounds(mine, year=plan.target_year)
    bounds, sources = upper_bounds(fw, plan, mode=bound, history=dict(zip(history["indicator"], history["bound"])))
    result = goal_seek(fw, plan, start, target=target, upper=bounds, bound_source=sources, missing=missing, from_year=from_year, year=plan.target_year)
    lang = get_lang()
    marginal = sorted(result.indicators, key=lambda m: -1.0 if m.marginal_per_pct is None else -m.marginal_per_pct)
    out: dict[str, Any] = jsonable({
        **_options(plan, fw, years),
        "params": {"target": target, "from_year": from_year, "bound": bound, "missing": missing},
        "result": {"reachable": result.reachable, "achieved_index": result.achieved_index, "max_index": result.max_index, "index_start": result.index_start,
                   "index_base": result.index_base, "target": result.target, "total_cost": result.total_cost, "targets_index": result.targets_index,
                   "missing_start": list(result.missing_start), "policy": tr(f"policy.{missing}")},
        "moves": _moves(plan, result, start_year),
        "marginal": [{"no": m.no, "code": m.code, "name": m.name_en if lang == "en" and m.name_en else m.name, "unit": m.unit, "value": m.value_start,
                      "per_pct": m.marginal_per_pct, "cost_basis": m.cost_basis} for m in marginal],
        "departments": _departments(plan, result),
    })
    return out
