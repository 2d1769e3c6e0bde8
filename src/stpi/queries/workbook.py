"""The plan's workbook: framework, plan, approved figures, results, progress and assessment, read from the store."""

from __future__ import annotations

import pandas as pd

from stpi.readmodel import Snapshot
from stpi import service
from stpi.analysis.index import compute_index
from stpi.analysis.status import plan_scenarios
from stpi.analysis.track import track
from stpi.engine import Aggregate, Recipe
from stpi.framework.embedded import embedded_variables
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.queries.assessment import assessment_rules
from stpi.reports.assessment_doc import gather
from stpi.reports.workbook import WorkbookData
from stpi.store import Store
from stpi.store import observations as ob

__all__ = ["APPROVED", "ASSESSMENT_COLUMNS", "FIGURE_KEYS", "assessment_table", "figure_table", "gather_workbook", "named", "progress_table", "results_table"]

APPROVED = ("approved", "locked")
FIGURE_KEYS = ["region", "period", "code", "kind", "name", "value", "unit", "source", "note", "status", "vintage", "current", "evaluated", "created_by", "created_at"]


def figure_table(snap: Snapshot, fw: Framework, *, year: int | None, history: bool) -> pd.DataFrame:
    """Approved figures (every vintage of them with ``history``), with names and units."""
    items = snap.observations(year=year, history=history)
    approved = {(o.region, o.code, o.period) for o in items if o.current and o.status in APPROVED}
    items = [o for o in items if (o.region, o.code, o.period) in approved]
    regions = {r.code: r.name for r in snap.regions()}
    variables, _ = embedded_variables()
    rows = []
    for o in items:
        node = fw.node(o.code) if o.code in fw else None
        var = variables.get(o.code)
        kind = "indicator" if node is not None else "variable"
        name = node.name if node is not None else var.name if var is not None else ""
        unit = node.unit if node is not None else var.unit if var is not None else ""
        rows.append([regions.get(o.region, o.region), o.period, o.code, kind, name, o.value, unit, o.source, o.note, o.status, o.vintage, o.current, o.evaluated, o.created_by, o.created_at])
    return pd.DataFrame(rows, columns=FIGURE_KEYS)


def named(frame: pd.DataFrame, fw: Framework) -> pd.DataFrame:
    """``frame`` with each code's name and depth in the tree."""
    return frame.assign(name=[fw.node(c).name for c in frame["code"]], depth=[fw.depth(c) for c in frame["code"]])


def results_table(snap: Snapshot, plan: Plan, fw: Framework, figures: pd.DataFrame, *, year: int | None, recipe: Recipe) -> tuple[pd.DataFrame, bool]:
    """Results computed from the snap, or the plan's two scenarios when it has no approved figures."""
    if figures.empty:
        frame = named(compute_index(fw, plan_scenarios(plan, fw), recipe).long(), fw)
        return frame.assign(rank=pd.array([pd.NA] * len(frame), dtype="Int64")), True  # a rank among one region says nothing
    results, _ = service.compute_store(snap, recipe)
    frame = pd.concat([named(r.long(), r.framework) for r in results], ignore_index=True)
    return (frame if year is None else frame[frame["year"] == year]), False


def progress_table(plan: Plan, fw: Framework, figures: pd.DataFrame, *, year: int | None, missing: str) -> pd.DataFrame:
    """The city's track() rows, with units and lead departments by name."""
    from stpi.queries.complete import mark_incomplete, missing_indicators

    frame = track(plan, fw, figures[["region", "year", "indicator", "value"]], missing=missing)
    if year is not None:
        frame = frame[frame["year"] == year]
    # an incomplete year's index and groups with missing indicators say incomplete, never reached or on track
    parts = [mark_incomplete(part, fw, () if int(str(y)) == plan.baseline_year else missing_indicators(plan, fw, figures, int(str(y))))
             for y, part in frame.groupby("year", sort=False)]
    frame = pd.concat(parts) if parts else frame
    leaves = {i.code: i.unit for i in plan.indicators}
    unit = [leaves.get(c, "%" if d == 0 else "分 score") for c, d in zip(frame["code"], frame["depth"])]
    lead = ["、".join(plan.department(d).name for d in str(codes).split(";") if d) for codes in frame["lead"]]
    return frame.assign(unit=unit, lead=lead)


ASSESSMENT_COLUMNS = {
    "rank": "名次 Rank", "name": "部门 Department", "indicators": "负责指标数 Indicators", "lead": "牵头 Lead",
    "responsible": "责任 Responsible", "earned": "实得分 Earned", "possible": "应得分 Possible", "score": "折算得分 Score",
    "bonus": "加分 Bonus", "total": "总分 Total", "capped": "封顶规则 Cap",
}


def assessment_table(snap: Snapshot, plan: Plan, figures: pd.DataFrame, year: int | None) -> pd.DataFrame | None:
    """The departments' assessment under the default (illustrative) rules for the year shown, if it has data."""
    years = sorted(int(y) for y in figures["year"].unique() if int(y) > plan.baseline_year) if not figures.empty else []
    chosen = year if year is not None else (years[-1] if years else None)
    if chosen is None or chosen not in years:
        return None
    rules = assessment_rules()
    result = gather(snap.source, plan, snap.framework(chosen), figures, rules, chosen, embedded_variables()[1])
    table = result.summary[list(ASSESSMENT_COLUMNS)].rename(columns=ASSESSMENT_COLUMNS)
    table.insert(0, "年度 Year", chosen)
    table["考核规则 Rules"] = rules.title
    return table


def gather_workbook(snap: Snapshot, *, year: int | None = None, history: bool = False, missing: str = "reweight", demo: bool = False) -> WorkbookData:
    """Everything the workbook shows, read from the store."""
    try:
        plan, fw = snap.plan(), snap.framework(year)
        figures = snap.figures()
        recipe = Recipe(aggregate=Aggregate(missing=missing))
        results, scenarios = results_table(snap, plan, fw, figures, year=year, recipe=recipe)
        columns, rows = service.plan_rows(plan, fw)
        goal = plan.goal.text or f"{plan.goal.index}% / {plan.goal.rank}"
        return WorkbookData(
            framework=fw, plan_title=plan.title, region=plan.region, plan_columns=columns, plan_rows=rows,
            figures=figure_table(snap, fw, year=year, history=history), results=results, scenarios=scenarios,
            progress=progress_table(plan, fw, figures, year=year, missing=missing),
            missing_policy=missing, milestone_path=plan.milestone_path, year=year, history=history, demo=demo or snap.demo,
            goal=goal, notes=tuple(n.zh + (f" {n.en}" if n.en else "") for n in plan.notes),
            framework_versions=tuple(snap.framework_versions()),
            assessment=assessment_table(snap, plan, figures, year),
        )
    finally:
        None
