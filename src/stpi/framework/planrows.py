"""Reading the plan table (CSV or the workbook's sheets plan, departments, meta) into a checked :class:`Plan`.

Every cell is checked and every problem reported with its sheet, row and column: an unknown department
or indicator, a target that is not a number, a duplicate row, a missing column, a sub-target without its
number, a head that names other years than the table's columns.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from stpi.errors import InputError, Problem
from stpi.framework.model import Framework
from stpi.framework.plan import Department, Note, Plan, PlanIndicator, SubTarget
from stpi.framework.planfile import FALSE, GOAL, HEAD, SCOPES, TRUE, YEAR_COLUMN, build_plan
from stpi.tables import Table, read_table

__all__ = ["read_plan_tables"]

REQUIRED = ("no", "code", "name", "lead")


class _Cells:
    """The problems found so far, and typed reads of one row's cells that add to them."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, row: int | None, column: str | None, reason: str, value: str | None = None, code: str | None = None) -> None:
        self.problems.append(Problem(file, row, column, reason, value, code=code))

    def number(self, file: str, row: int, column: str, text: str, *, code: str | None = None, blank: bool = False) -> float | None:
        if text == "":
            if not blank:
                self.add(file, row, column, "不能为空 a number is needed", text, code)
            return None
        try:
            value = float(text.replace(",", "").rstrip("%"))
        except ValueError:
            self.add(file, row, column, "不是数字 not a number", text, code)
            return None
        if not math.isfinite(value):
            self.add(file, row, column, "不是有限数字 not a finite number", text, code)
            return None
        return value

    def integer(self, file: str, row: int, column: str, text: str, *, code: str | None = None) -> int | None:
        value = self.number(file, row, column, text, code=code)
        if value is not None and not value.is_integer():
            self.add(file, row, column, "应为整数 an integer is needed", text, code)
            return None
        return None if value is None else int(value)

    def flag(self, file: str, row: int, column: str, text: str, *, code: str | None = None) -> bool:
        low = text.strip().lower()
        if low in TRUE:
            return True
        if low not in FALSE:
            self.add(file, row, column, "应为 1/0(是/否) 1 or 0 (yes or no) expected", text, code)
        return False


def _sheet(path: Path, name: str | None) -> tuple[Table | None, str]:
    """The sheet (the whole CSV when ``name`` is None), or None when a workbook lacks it."""
    if name is None:
        return read_table(path), path.name
    try:
        return read_table(path, sheet=name), f"{path.name}[{name}]"
    except InputError as exc:
        if any("没有工作表" in p.reason for p in exc.problems):
            return None, f"{path.name}[{name}]"
        raise


def read_plan_tables(path: Path, *, framework: Framework, current: Plan | None) -> Plan:
    """The plan in a CSV plan table or a workbook (see the module); all or nothing."""
    book = path.suffix.lower() in (".xlsx", ".xlsm")
    cells = _Cells()
    table, file = _sheet(path, "plan" if book else None)
    if table is None:
        raise InputError([Problem(path.name, None, None, "工作簿中没有 plan 工作表 the workbook has no sheet named plan")])
    deps_table, deps_file = _sheet(path, "departments") if book else (None, "")
    meta_table, meta_file = _sheet(path, "meta") if book else (None, "")
    if (deps_table is None or meta_table is None) and current is None:
        cells.add(path.name, None, None, "缺少 departments 或 meta 工作表，且没有现行实施方案可沿用 the departments or meta sheet is missing and there is no plan in force to take them from")
        raise InputError(cells.problems)
    departments = _departments(deps_table, deps_file, cells) if deps_table is not None else list(current.departments)  # type: ignore[union-attr]
    head, goal, notes = _meta(meta_table, meta_file, cells) if meta_table is not None else _head_of(current)  # type: ignore[arg-type]
    years = _years(table, file, cells)
    if years is not None and head.get("baseline_year") is not None and years != (head["baseline_year"], head["target_year"]):
        cells.add(file, 1, f"baseline_{years[0]}/target_{years[1]}", f"表中年份与实施方案的基期、目标年({head['baseline_year']}、{head['target_year']})不一致 the columns' years are not the plan's", f"{years[0]}/{years[1]}")
    indicators = _indicators(table, file, cells, framework, departments, years) if years is not None else []
    if cells.problems:
        raise InputError(cells.problems)
    return build_plan(head, goal, notes, departments, indicators)


def _head_of(plan: Plan) -> tuple[dict[str, Any], dict[str, Any], list[Note]]:
    return {k: getattr(plan, k) for k in HEAD}, {k: getattr(plan.goal, k) for k in GOAL}, list(plan.notes)


def _departments(table: Table, file: str, cells: _Cells) -> list[Department]:
    for column in ("code", "name"):
        if column not in table.columns:
            cells.add(file, 1, column, "缺少列 missing column")
    if cells.problems:
        return []
    out: list[Department] = []
    seen: dict[str, int] = {}
    for row, r in table.rows:
        code, name = r.get("code", ""), r.get("name", "")
        for column, value in (("code", code), ("name", name)):
            if not value:
                cells.add(file, row, column, "不能为空 must not be empty")
            elif value in seen:
                cells.add(file, row, column, f"与第{seen[value]}行重复 duplicate of row {seen[value]}", value)
            else:
                seen[value] = row
        out.append(Department(code, name, r.get("name_en", "")))
    return out


def _meta(table: Table, file: str, cells: _Cells) -> tuple[dict[str, Any], dict[str, Any], list[Note]]:
    if "key" not in table.columns or "value" not in table.columns:
        cells.add(file, 1, "key/value", "缺少列 missing column")
        return {}, {}, []
    head: dict[str, Any] = {k: "" for k in HEAD}
    goal: dict[str, Any] = {}
    notes: list[Note] = []
    seen: set[str] = set()
    for row, r in table.rows:
        key, value, english = r.get("key", ""), r.get("value", ""), r.get("value_en", "")
        if key == "note":
            notes.append(Note(value, english))
            continue
        if key in seen:
            cells.add(file, row, "key", "重复 duplicate", key)
        seen.add(key)
        if key in ("baseline_year", "target_year", "goal_rank", "goal_regions"):
            number = cells.integer(file, row, "value", value, code=key)
            (goal if key.startswith("goal_") else head)[key.removeprefix("goal_")] = number
        elif key == "goal_index":
            goal["index"] = cells.number(file, row, "value", value, code=key)
        elif key in ("goal_at_least", "goal_rank_approx"):
            goal[key.removeprefix("goal_")] = cells.flag(file, row, "value", value, code=key)
        elif key == "goal_text":
            goal["text"] = value
        elif key in HEAD:
            head[key] = value
            if key in ("title", "region"):
                head[f"{key}_en"] = english
        else:
            cells.add(file, row, "key", "未知项 unknown key", key)
    for key in ("id", "title", "region", "framework", "baseline_year", "target_year", "goal_index", "goal_rank", "goal_regions"):
        if key not in seen:
            cells.add(file, None, "key", "缺少必填项 a required key is missing", key)
    head["milestone_path"] = head.get("milestone_path") or "linear"
    goal.setdefault("at_least", False)
    goal.setdefault("rank_approx", False)
    goal.setdefault("text", "")
    return head, goal, notes


def _years(table: Table, file: str, cells: _Cells) -> tuple[int, int] | None:
    found = {m.group(1): int(m.group(2)) for c in table.columns if (m := YEAR_COLUMN.match(c))}
    for column in REQUIRED:
        if column not in table.columns:
            cells.add(file, 1, column, "缺少列 missing column")
    for kind in ("baseline", "target"):
        if kind not in found:
            cells.add(file, 1, f"{kind}_YYYY", "缺少列（如 baseline_2022、target_2026） missing column (e.g. baseline_2022, target_2026)")
    if cells.problems:
        return None
    return found["baseline"], found["target"]


def _indicators(table: Table, file: str, cells: _Cells, fw: Framework, departments: list[Department], years: tuple[int, int]) -> list[PlanIndicator]:
    by_key = {k: d.code for d in departments for k in (d.code, d.name, d.name_en) if k}
    leaves = {n.code: n for n in fw.leaves}
    seen_code: dict[str, int] = {}
    seen_no: dict[int, int] = {}
    out = []
    for row, r in table.rows:
        code = r.get("code", "")
        node = leaves.get(code)
        if node is None:
            cells.add(file, row, "code", "指标框架中没有该指标 no such indicator in the framework", code, code or None)
        elif code in seen_code:
            cells.add(file, row, "code", f"与第{seen_code[code]}行重复 duplicate of row {seen_code[code]}", code, code)
        else:
            seen_code[code] = row
        no = cells.integer(file, row, "no", r.get("no", ""), code=code)
        if no is not None and no in seen_no:
            cells.add(file, row, "no", f"序号与第{seen_no[no]}行重复 number duplicate of row {seen_no[no]}", str(no), code)
        elif no is not None:
            seen_no[no] = row
        if not r.get("name"):
            cells.add(file, row, "name", "不能为空 must not be empty", None, code)
        baseline = cells.number(file, row, f"baseline_{years[0]}", r.get(f"baseline_{years[0]}", ""), code=code, blank=True)
        target = cells.number(file, row, f"target_{years[1]}", r.get(f"target_{years[1]}", ""), code=code)
        group = node.parent if node is not None and node.parent else ""
        given = r.get("group", "")
        if node is not None and given and given not in (group, fw.node(group).name if group in fw else ""):
            cells.add(file, row, "group", f"与指标框架不符（框架中为 {group} {fw.node(group).name if group in fw else ''}） not the indicator's group in the framework", given, code)
        lead = _departments_of(file, row, "lead", r.get("lead", ""), by_key, cells, code, required=True)
        responsible = _departments_of(file, row, "responsible", r.get("responsible", ""), by_key, cells, code, required=False)
        subs = _sub_targets(file, row, r.get("sub_targets", ""), cells, code)
        decimals = cells.integer(file, row, "decimals", r.get("decimals", "") or "2", code=code)
        at_least = cells.flag(file, row, "target_at_least", r.get("target_at_least", ""), code=code)
        if target is None or no is None:
            continue
        out.append(PlanIndicator(
            no=no, code=code, group=group, name=r.get("name", ""), unit=r.get("unit", ""), baseline=baseline, target=target, target_at_least=at_least,
            rank_goal=r.get("rank_goal", ""), lead=lead, responsible=responsible, measures=r.get("measures", ""), source=r.get("source", ""),
            name_en=r.get("name_en", ""), unit_en=r.get("unit_en", ""), decimals=2 if decimals is None else decimals, note=r.get("note", ""),
            note_en=r.get("note_en", ""), sub_targets=subs))
    for code in sorted(set(leaves) - set(seen_code)):
        cells.add(file, None, "code", "指标框架的指标不在实施方案中 a framework indicator is missing from the plan", code, code)
    return out


def _departments_of(file: str, row: int, column: str, text: str, by_key: dict[str, str], cells: _Cells, code: str, *, required: bool) -> tuple[str, ...]:
    names = [t.strip() for t in text.replace("；", ";").replace("、", ";").split(";") if t.strip()]
    if required and not names:
        cells.add(file, row, column, "须有牵头单位 a lead department is needed", text, code)
    out = []
    for name in names:
        if name not in by_key:
            cells.add(file, row, column, "未知部门（不在部门表中） unknown department (not in the departments sheet)", name, code)
        else:
            out.append(by_key[name])
    return tuple(out)


def _sub_targets(file: str, row: int, text: str, cells: _Cells, code: str) -> tuple[SubTarget, ...]:
    out = []
    for part in (p.strip() for p in text.replace("；", ";").split(";")):
        if not part:
            continue
        name, _, number = part.rpartition(" ")
        value = cells.number(file, row, "sub_targets", number, code=code) if name else None
        if not name:
            cells.add(file, row, "sub_targets", "应为“名称 目标值”，如“市本级 2.1” 'name target' expected, e.g. 市本级 2.1", part, code)
        if name and value is not None:
            out.append(SubTarget(SCOPES.get(name.strip(), name.strip()), name.strip(), value))
    return tuple(out)
