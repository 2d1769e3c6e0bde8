"""Plan files: a plan as YAML, as a workbook (sheets plan, departments, meta) or as the plan table (CSV), and back.

The plan table has the columns ``stpi plan export`` writes (see :data:`stpi.service.PLAN_COLUMNS`): departments
by name (or code) joined by ';', the group by name (or code), sub-targets as ``市本级 2.1;县区 1.1``, the measures
as text. A CSV is the table alone: the plan's head (region, years, goal) and departments are the current plan's.
Reading checks everything and reports every problem (sheet, row, column, reason); nothing is half-read.
"""

from __future__ import annotations

import dataclasses
import io
import re
from pathlib import Path
from typing import Any

import yaml

from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.model import Framework
from stpi.framework.plan import Department, Goal, Note, Plan, PlanIndicator, SubTarget, load_plan

__all__ = ["META_KEYS", "SCOPES", "plan_document", "plan_workbook", "plan_yaml", "read_plan_file", "sub_target_text"]

SCOPES = {"市本级": "city_level", "县区": "counties"}  # a sub-target's scope by its name (others: the name itself)
HEAD = ("id", "title", "title_en", "region", "region_en", "province", "framework", "baseline_year", "target_year", "milestone_path", "issued", "source", "provenance")
GOAL = ("index", "at_least", "rank", "rank_approx", "regions", "text")
META_KEYS = HEAD + tuple(f"goal_{k}" for k in GOAL)
TRUE, FALSE = {"1", "true", "yes", "是", "y"}, {"0", "false", "no", "否", "n", ""}
YEAR_COLUMN = re.compile(r"^(baseline|target)_(\d{4})$")


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan as the YAML document the package ships (``data/longnan-plan-2024.yaml``)."""
    head = {k: getattr(plan, k) for k in HEAD}
    head["goal"] = dataclasses.asdict(plan.goal)
    head["notes"] = [{"zh": n.zh, "en": n.en} for n in plan.notes]
    indicators = []
    for i in plan.indicators:
        item = dataclasses.asdict(i)
        item["lead"], item["responsible"] = list(i.lead), list(i.responsible)
        item["sub_targets"] = [dataclasses.asdict(s) for s in i.sub_targets]
        indicators.append(item)
    return {"plan": head, "departments": [dataclasses.asdict(d) for d in plan.departments], "indicators": indicators}


def plan_yaml(plan: Plan) -> str:
    """The plan as YAML text (what the store keeps of each version)."""
    return yaml.safe_dump(plan_document(plan), allow_unicode=True, sort_keys=False, width=120)


def sub_target_text(subs: tuple[SubTarget, ...]) -> str:
    """``市本级 2.1;县区 1.1``: the plan table's form of sub-targets."""
    return ";".join(f"{s.name} {s.target!r}" for s in subs)


def plan_workbook(plan: Plan, fw: Framework) -> bytes:
    """The plan as XLSX: the plan table (sheet ``plan``), its departments and its head (``meta``: key, value, value_en)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from stpi.service import plan_rows
    from stpi.tables import print_setup, safe_cell

    book = Workbook()
    sheets = [("plan", *plan_rows(plan, fw)), ("departments", ["code", "name", "name_en"], [dataclasses.asdict(d) for d in plan.departments]),
              ("meta", ["key", "value", "value_en"], _meta_rows(plan))]
    for k, (name, columns, rows) in enumerate(sheets):
        ws = book.active if k == 0 else book.create_sheet()
        ws.title = name
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append([None if row.get(c) in (None, "") else safe_cell(row[c]) for c in columns])
        print_setup(ws, header_rows=1, key_columns=2 if name == "plan" else 1, title=f"{plan.title} {name}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _meta_rows(plan: Plan) -> list[dict[str, Any]]:
    english = {"title": plan.title_en, "region": plan.region_en}
    rows = [{"key": k, "value": getattr(plan, k), "value_en": english.get(k, "")} for k in HEAD if k not in ("title_en", "region_en")]
    rows += [{"key": f"goal_{k}", "value": int(v) if isinstance(v, bool) else v, "value_en": ""} for k, v in dataclasses.asdict(plan.goal).items()]
    rows += [{"key": "note", "value": n.zh, "value_en": n.en} for n in plan.notes]
    return rows


def read_plan_file(path: str | Path, *, framework: Framework, current: Plan | None = None) -> Plan:
    """A plan from a YAML file, a workbook or a CSV plan table, checked against ``framework``; InputError lists every problem.

    A CSV (or a workbook without the ``departments`` / ``meta`` sheets) takes the head and departments of ``current``.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        plan = load_plan(path)
        _check(plan, framework, path.name)
        return plan
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise InputError([Problem(path.name, None, None, f"不支持的文件类型 unsupported file type {suffix!r} (.yaml, .xlsx, .csv)")])
    from stpi.framework.planrows import read_plan_tables

    return read_plan_tables(path, framework=framework, current=current)


def _check(plan: Plan, fw: Framework, file: str) -> None:
    """Every plan indicator a framework leaf and back, no indicator twice."""
    problems = []
    seen: set[str] = set()
    for ind in plan.indicators:
        if ind.code in seen:
            problems.append(Problem(file, ind.no, "code", "指标重复 the indicator appears twice", ind.code, code=ind.code))
        seen.add(ind.code)
    try:
        plan.check_against(fw)
    except InputError as exc:
        problems += [dataclasses.replace(p, file=file) for p in exc.problems]
    if problems:
        raise InputError(problems)


def build_plan(head: dict[str, Any], goal: dict[str, Any], notes: list[Note], departments: list[Department], indicators: list[PlanIndicator]) -> Plan:
    """A plan from checked parts."""
    try:
        return Plan(goal=Goal(**goal), departments=tuple(departments), indicators=tuple(indicators), notes=tuple(notes), **head)
    except TypeError as exc:  # a missing head key: the readers check them first, so this is a bug
        raise NotFoundError(str(exc)) from exc
