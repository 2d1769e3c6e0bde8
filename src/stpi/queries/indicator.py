"""The indicator pages: all indicators by area and group, and one indicator with everything known of it."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.index import compute_index
from stpi.analysis.jsonable import jsonable
from stpi.analysis.track import milestone
from stpi.analysis.values import values_from_frame
from stpi.engine import Aggregate, Recipe
from stpi.framework.embedded import embedded_variables
from stpi.framework.model import Framework, Node, Provenance
from stpi.framework.plan import Plan, PlanIndicator
from stpi.i18n import get_lang, tr
from stpi.queries.overview import tracked_of, overview, status_label, status_word
from stpi.queries.published import indicator_comparison
from stpi.store import observations as ob
from stpi.store.notes import progress_notes
from stpi.submissions import readable_formula

__all__ = ["indicator_list", "indicator_page", "owners"]


def _num(x: object) -> float | None:
    if x is None:
        return None
    value = float(x)  # type: ignore[arg-type]
    return value if math.isfinite(value) else None


def _label(node: Node) -> str:
    return node.label(get_lang())


def indicator_list(snap: Snapshot, *, year: int | None = None, missing: str = "reweight") -> dict[str, Any]:
    """Every indicator of the plan grouped by area and group, with the same numbers as the overview."""
    ov = overview(snap, year=year, missing=missing)
    plan, fw = (snap.plan(), snap.framework())
    published = {f["code"]: f for f in (ov["feedback"] or {}).get("rows", [])}  # the province's feedback report, when recorded for the year
    rows = {r["code"]: {**r, "leads": owners(plan, tuple(r["lead_codes"])), "feedback": published.get(r["code"])} for r in ov["indicators"]}
    nodes = {n["code"]: n for n in ov["areas"] + ov["groups"]}
    areas: dict[str, dict[str, Any]] = {}
    for code, row in rows.items():  # any depth: the first level is the area, the second (if any) the group
        path = list(reversed(fw.ancestors(code)))[1:] or [fw.root]
        area, group = path[0], path[min(1, len(path) - 1)]
        a = areas.setdefault(area.code, {**_node_row(nodes, area), "groups": {}})
        a["groups"].setdefault(group.code, {**_node_row(nodes, group), "indicators": []})["indicators"].append(row)
    ordered = [{**a, "groups": list(a["groups"].values())} for a in areas.values()]
    lights = pd.Series([r["light"] for r in ov["indicators"]]).value_counts().to_dict()
    return {
        "region": ov["region"], "year": ov["year"], "years": ov["years"], "baseline_year": ov["baseline_year"], "target_year": ov["target_year"],
        "complete": ov["complete"], "year_state": ov["year_state"],  # an incomplete year: groups with missing indicators say incomplete
        "count": len(rows), "lights": {k: int(lights.get(k, 0)) for k in ("green", "yellow", "red", "grey")},
        "areas": ordered, "missing_codes": ov["missing_codes"], "policy": ov["policy"],
        "illustrative": ov["illustrative"], "parameter_rules": ov["parameter_rules"],
        "feedback": None if ov["feedback"] is None else {k: ov["feedback"][k] for k in ("year", "sources", "parameters", "max_abs", "resolution")},
    }


def _node_row(nodes: dict[str, dict[str, Any]], node: Node) -> dict[str, Any]:
    """An area's or group's score and light from the overview, named in the language in force."""
    found = nodes.get(node.code, {"code": node.code, "value": None, "milestone": None, "target": None, "status": "no_data", "status_text": status_word("no_data"), "light": "grey"})
    return {**found, "name": _label(node)}


def owners(plan: Plan, codes: tuple[str, ...]) -> list[dict[str, str]]:
    """Departments as {code, name} for links to their pages."""
    return [{"code": c, "name": plan.department(c).label(get_lang())} for c in codes]


def _provenance(p: Provenance | None) -> dict[str, str] | None:
    return None if p is None else {"kind": p.kind, "note": p.note, "text": str(p)}


def _parameters(fw: Framework, node: Node) -> dict[str, Any]:
    """Weight, effective weight and standard with where each comes from."""
    leaves = [n.code for n in fw.leaves]
    effective = fw.tree.effective_weight[fw.tree.leaves][leaves.index(node.code)]
    return {
        "weight": node.weight, "weight_provenance": _provenance(node.weight_provenance), "effective_weight": _num(effective),
        "standard": node.standard, "standard_provenance": _provenance(node.standard_provenance), "direction": node.direction or 1,
    }


def _formula(code: str) -> dict[str, Any] | None:
    """How the indicator is derived from raw statistics, when it is."""
    variables, formulas = embedded_variables()
    if code not in formulas:
        return None
    f = formulas[code]
    used = [variables[v] for v in f.variables if v in variables]
    return {
        "text": f.text, "readable": readable_formula(f, variables), "per": f.per, "provenance": _provenance(f.provenance), "note": f.note,
        "variables": [{"code": v.code, "name": v.name_en if get_lang() == "en" and v.name_en else v.name, "unit": v.unit, "definition": v.definition, "source": v.source} for v in used],
    }


def _trend(plan: Plan, ind: PlanIndicator, mine: pd.DataFrame) -> dict[str, Any]:
    """Values by year and the milestone path from the baseline to the target."""
    path_years = list(range(plan.baseline_year, plan.target_year + 1))
    path = [milestone(ind.baseline, ind.target, y, plan.baseline_year, plan.target_year, plan.milestone_path) for y in path_years] if ind.baseline is not None else []
    return {
        "years": [int(y) for y in mine["year"]], "values": [_num(v) for v in mine["value"]],
        "path_years": path_years if path else [], "path": [_num(v) for v in path],
        "target": ind.target, "target_year": plan.target_year, "baseline": ind.baseline, "baseline_year": plan.baseline_year,
    }


def _status(mine: pd.DataFrame, baseline_year: int) -> dict[str, Any]:
    """The status in the latest year with a value (else the latest year); says so when measured from a later start than the baseline."""
    with_value = mine[mine["value"].notna()]
    r = (with_value if len(with_value) else mine).iloc[-1]
    return {"year": int(r["year"]), "value": _num(r["value"]), "milestone": _num(r["milestone"]), "status": r["status"],
            "status_text": status_label(str(r["status"]), r["start_year"], baseline_year), "light": r["light"], "ratio": _num(r["ratio"]),
            "start_year": None if pd.isna(r["start_year"]) else int(r["start_year"])}


def _history(snap: Snapshot, plan: Plan, codes: list[str]) -> list[dict[str, Any]]:
    """Every vintage of the city's figures for the indicator and the raw statistics behind it, newest first."""
    city = snap.region(plan.region).code
    rows = [o for c in codes for o in snap.observations(region=city, code=c, history=True)]
    rows.sort(key=lambda o: (o.period, o.code, o.vintage), reverse=True)
    return [{
        "code": o.code, "period": o.period, "year": o.year, "value": _num(o.value), "status": o.status, "status_text": tr(f"status.{o.status}"),
        "vintage": o.vintage, "current": o.current, "evaluated": o.evaluated, "source": o.source, "note": o.note, "comment": o.comment,
        "at": o.created_at.strftime("%Y-%m-%d %H:%M"), "by": o.created_by, "upload_id": o.upload_id,
    } for o in rows]


def _contribution(plan: Plan, fw: Framework, tracked: pd.DataFrame, code: str, missing: str) -> dict[str, Any] | None:
    """Contribution to the index and headroom in the latest year with a value for this indicator."""
    leaves = tracked[tracked["code"].isin([n.code for n in fw.leaves]) & tracked["value"].notna()]
    mine = leaves[leaves["code"] == code]
    if mine.empty:
        return None
    year = int(mine["year"].max())
    frame = leaves[leaves["year"] == year].assign(region=plan.region).rename(columns={"code": "indicator"})[["region", "year", "indicator", "value"]]
    result = compute_index(fw, values_from_frame(frame, fw), Recipe(aggregate=Aggregate(missing=missing)))
    table = result.contributions(plan.region, year)
    table["contribution_rank"] = table["contribution"].rank(ascending=False, method="min")
    table["headroom_rank"] = table["headroom"].rank(ascending=False, method="min")
    row: dict[Any, Any] = next(r for r in table.to_dict("records") if r["code"] == code)
    return {
        "year": year, "index": _num(result.root[0, 0]), "score": _num(row["score"]), "effective_weight": _num(row["effective_weight"]),
        "contribution": _num(row["contribution"]), "headroom": _num(row["headroom"]),
        "contribution_rank": int(row["contribution_rank"]), "headroom_rank": int(row["headroom_rank"]), "of": len(table), "policy": tr(f"policy.{missing}"),
    }


def indicator_page(snap: Snapshot, code: str, *, missing: str = "reweight") -> dict[str, Any]:
    """Everything the indicator page shows (NotFoundError for an unknown code or number)."""
    plan, fw = (snap.plan(), snap.framework())
    ind = plan.indicator(code)
    node = fw.node(ind.code)
    path = list(reversed(fw.ancestors(ind.code)))[1:] or [fw.root]  # root excluded: area first, the parent last
    area, group = path[0], path[-1]
    tracked = tracked_of(snap, missing=missing)
    mine = tracked[tracked["code"] == ind.code].sort_values("year")
    formula = _formula(ind.code)
    notes = [{"department": n.department, "department_name": plan.department(n.department).label(get_lang()), "period": n.period, "text": n.text,
              "done_on": n.done_on, "done_by": n.done_by, "at": n.created_at.strftime("%Y-%m-%d %H:%M"), "by": n.created_by}
             for n in snap.progress_notes(code=ind.code)]
    out = {
        "code": ind.code, "no": ind.no, "name": ind.label(get_lang()), "name_zh": ind.name, "name_en": ind.name_en, "unit": ind.unit,
        "area": {"code": area.code, "name": _label(area)}, "group": {"code": group.code, "name": _label(group)},
        "definition": node.definition, "framework_source": node.source, "framework_note": node.note, "plan_source": ind.source,
        "measures": ind.measures, "rank_goal": ind.rank_goal, "decimals": ind.decimals,
        "baseline": ind.baseline, "baseline_year": plan.baseline_year, "target": ind.target, "target_year": plan.target_year, "target_at_least": ind.target_at_least,
        "sub_targets": [{"scope": s.scope, "name": s.name, "target": s.target} for s in ind.sub_targets],
        "parameters": _parameters(fw, node), "formula": formula,
        "lead": owners(plan, ind.lead), "responsible": owners(plan, tuple(c for c in ind.responsible if c not in ind.lead)),
        "trend": _trend(plan, ind, mine), "status": _status(mine, plan.baseline_year),
        "history": _history(snap, plan, [ind.code, *(v["code"] for v in (formula or {}).get("variables", []))]),
        "contribution": _contribution(plan, fw, tracked, ind.code, missing),
        "progress_notes": notes, "quality_note": ind.note_label(get_lang()),
        "feedback": indicator_comparison(snap, ind.code, missing=missing),  # own computation against the province's feedback report, by year
        "region": plan.region, "illustrative": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules()),
    }
    result: dict[str, Any] = jsonable(out)
    return result
