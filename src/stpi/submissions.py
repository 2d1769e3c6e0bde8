"""Reporting templates and imports: the glue between the ingest readers and the store."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.embedded import embedded_variables
from stpi.framework.formula import Formula, Variable
from stpi.framework.model import Framework
from stpi.framework.plausibility import Rule, plausibility_rules
from stpi.framework.plan import Plan
from stpi.ingest import Submission, TemplateRow, TemplateSpec, read_submission, write_template
from stpi.ingest.entries import name_problems
from stpi.ingest.limits import DEFAULT_LIMITS, Limits
from stpi.ingest.plausible import Figures, cross_row_problems
from stpi.store import Store, WriteResult
from stpi.store import observations as ob
from stpi.store.rules import acting_user, check_admin, check_write, replaceable
from stpi.store.settings import get_setting

__all__ = ["FileRules", "StoreFigures", "StoreHistory", "check_file", "code_names", "file_rules", "import_submission", "make_template", "readable_formula", "reportable_units", "template_spec", "write_submission"]


def _last_values(store: Store, year: int) -> dict[tuple[str, str], float]:
    """Approved (or locked) figures of one year by (region code, code)."""
    return {(o.region, o.code): o.value for o in ob.observations(store, year=year) if o.period == str(year) and o.status in ("approved", "locked") and o.value is not None}


def readable_formula(formula: Formula, variables: dict[str, Variable]) -> str:
    """A formula in the words a clerk uses: variable names, × and ÷ (e.g. R&D人员 ÷ 年末常住人口)."""
    def name(match: re.Match[str]) -> str:
        v = variables.get(match.group(0))
        return f"{v.name}({v.unit})" if v else match.group(0)

    text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", name, formula.text)
    return text.replace("*", " × ").replace("/", " ÷ ").replace("  ", " ")


def _bounds(rule: Rule | None) -> dict[str, float | None]:
    """A rule's range as a template row's bounds (the workbook's data validation; open ends are checked on import)."""
    return {} if rule is None else {"lower": rule.range.lower, "upper": rule.range.upper}


def _rows_for(plan: Plan, fw: Framework, codes: list[tuple[str, str]], variables: dict[str, Variable], formulas: dict[str, Formula], last: dict[str, float | dict[str, float]], regions: list[tuple[str, str]]) -> list[TemplateRow]:
    rows, seen = [], set()
    rules = plausibility_rules(fw, variables)
    for code, role in codes:
        ind, node = plan.indicator(code), fw.node(code)
        target: float | dict[str, float] = ind.target
        if ind.sub_targets and any(r for r, _ in regions if r != regions[0][0]):
            target = {r: ind.target for r, _ in regions}
        derived = f"可由原始数据计算:{readable_formula(formulas[code], variables)}" if code in formulas else ""
        rows.append(TemplateRow(code, ind.name, ind.unit, node.definition or derived, last.get(code), target, role, **_bounds(rules.get(code))))
    for code, _ in codes:  # then the raw statistics behind them, once each
        for name in formulas[code].variables if code in formulas else ():
            if name not in seen:
                seen.add(name)
                v = variables[name]
                rows.append(TemplateRow(name, v.name, v.unit, v.definition, last.get(name), None, "原始数据", **_bounds(rules.get(name))))
    return rows


def template_spec(store: Store, *, year: int, department: str | None = None, county: str | None = None) -> TemplateSpec:
    """What a department's (or a county's) reporting workbook for a year contains."""
    if (department is None) == (county is None):
        raise InputError([Problem("<template>", None, "department/county", "请指定 --department 或 --county 之一 give either --department or --county")])
    plan, fw = store.plan(), store.framework(year)
    variables, formulas = embedded_variables()
    city = store.region(plan.region)
    if department is not None:
        dep = plan.department(department)
        codes = [(i.code, "牵头") for i in plan.indicators if dep.code in i.lead] + [(i.code, "责任") for i in plan.indicators if dep.code in i.responsible and dep.code not in i.lead]
        regions, reporter, kind, reporter_code = [(city.code, city.name)], dep.name, "department", dep.code
    else:
        region = store.region(county or "")
        if region.level != "county":
            raise NotFoundError(f"{region.name} 不是县区 is not a county")
        codes = [(i.code, "") for i in plan.indicators]
        regions, reporter, kind, reporter_code = [(region.code, region.name)], region.name, "county", region.code
    previous = _last_values(store, year - 1)
    region_code = regions[0][0]
    last: dict[str, float | dict[str, float]] = {c: v for (r, c), v in previous.items() if r == region_code}
    if year - 1 == plan.baseline_year and region_code == city.code:
        last.update({i.code: i.baseline for i in plan.indicators if i.baseline is not None and i.code not in last})
    rows = _rows_for(plan, fw, codes, variables, formulas, last, regions)
    title = f"{plan.region_label()}{year}年科技进步监测指标数据填报表"
    return TemplateSpec(title, reporter, reporter_code, year, tuple(regions), tuple(rows), reporter_kind=kind)  # type: ignore[arg-type]


def make_template(store: Store, output: str, *, year: int, department: str | None = None, county: str | None = None) -> TemplateSpec:
    """Write the reporting workbook and return what it holds."""
    spec = template_spec(store, year=year, department=department, county=county)
    write_template(spec, output)
    return spec


@dataclass(frozen=True)
class FileRules:
    """Everything checking a file needs from the store, as plain data (it crosses into a worker process).

    The same for ``stpi import`` and the web upload: codes and units (indicators and the raw
    statistics behind them), regions, last year's figures (read from ``database`` for the years
    the file holds), and the limits on what the file may hold.
    """

    database: str
    units: dict[str, str]
    regions: frozenset[str]
    limits: Limits
    plausible: dict[str, Rule] | None = None  # valid ranges and change limits of every code (the framework in force)
    names: dict[str, str] | None = None  # code → name, for every problem
    indicators: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StoreHistory:
    """Last year's approved figures for the years a file holds, keyed by region code and name (the note rule)."""

    database: str

    def __call__(self, years: frozenset[int]) -> dict[tuple[str, int, str], float]:
        """(region code or name, year, code) → the figure of year − 1."""
        if not years:
            return {}
        store = Store(self.database, prepare=False)  # in the checking worker process: its own short-lived connection
        try:
            return self.read(store, years)
        finally:
            store.close()

    @staticmethod
    def read(store: Store, years: frozenset[int]) -> dict[tuple[str, int, str], float]:
        """The same, from a store already open (the web app's)."""
        plan, regions = store.plan(), store.regions()
        code_of = {r.name: r.code for r in regions}
        last: dict[tuple[str, int, str], float] = {}
        if plan.baseline_year + 1 in years:
            city = store.region(plan.region)
            for i in plan.indicators:
                if i.baseline is not None:
                    last[(city.code, plan.baseline_year + 1, i.code)] = last[(city.name, plan.baseline_year + 1, i.code)] = i.baseline
        found = ob.frame(store, years=sorted(y - 1 for y in years))
        for region, year, code, value in zip(found["region"], found["year"], found["indicator"], found["value"]):
            if value is not None and not pd.isna(value):
                for key in (region, code_of.get(region, region)):
                    last[(key, int(year) + 1, code)] = float(value)
        return last


@dataclass(frozen=True)
class StoreFigures:
    """The store's approved figures of a file's years and the year before, and the regions' peer groups (cross-row checks)."""

    database: str

    def __call__(self, years: frozenset[int]) -> Figures:
        """Figures keyed by region name."""
        if not years:
            return Figures()
        store = Store(self.database, prepare=False)  # in the checking worker process: its own short-lived connection
        try:
            return self.read(store, years)
        finally:
            store.close()

    @staticmethod
    def read(store: Store, years: frozenset[int]) -> Figures:
        """The same, from a store already open (the web app's)."""
        if not years:
            return Figures()
        regions = store.regions()
        found = ob.frame(store, years=sorted(years))
        current = {(str(r), int(y), str(c)): float(v) for r, y, c, v in zip(found["region"], found["year"], found["indicator"], found["value"])
                   if v is not None and not pd.isna(v)}
        last = StoreHistory.read(store, years)
        names = {r.code: r.name for r in regions}
        alias = names | {r.name: r.name for r in regions}
        return Figures(current, {k: v for k, v in last.items() if k[0] in alias and alias[k[0]] == k[0]}, alias,
                       {r.name: (r.level, r.parent) for r in regions})


def reportable_units(store: Store) -> dict[str, str]:
    """Every code a file, the form or the API may carry, with its unit: the indicators and the raw statistics."""
    variables, _ = embedded_variables()
    return {n.code: n.unit for n in store.framework().leaves} | {v.code: v.unit for v in variables.values()}


def file_rules(store: Store, *, upload_limit: bool) -> FileRules:
    """The rules a file is checked by; ``upload_limit`` adds the store's upload size limit (web uploads)."""
    regions = store.regions()
    mb = int(get_setting(store, "upload_limit_mb")) if upload_limit else None  # type: ignore[call-overload]
    limits = replace(DEFAULT_LIMITS, max_bytes=None if mb is None else mb * 1024 * 1024)
    fw = store.framework()
    variables, _ = embedded_variables()
    plausible = plausibility_rules(fw, variables)
    names = code_names(store)
    return FileRules(store.url, reportable_units(store), frozenset({r.code for r in regions} | {r.name for r in regions}), limits,
                     plausible, names, frozenset(n.code for n in fw.leaves))


def check_file(path: str, rules: FileRules) -> Submission:
    """Read and check a file with the rules of every door; returns every problem, never raises for a bad file.

    Besides the row checks: the indicators derived from the file's raw statistics, typed values against
    their raw statistics, and values far from the peers' (warnings) (:mod:`stpi.ingest.plausible`).
    """
    sub = read_submission(path, known_codes=set(rules.units), known_regions=rules.regions, units=rules.units,
                          history=StoreHistory(rules.database), limits=rules.limits, plausible=rules.plausible, names=rules.names)
    if rules.plausible is None or sub.table.empty:
        return sub
    _, formulas = embedded_variables()
    figures = StoreFigures(rules.database)(frozenset(int(y) for y in sub.table["year"].unique()))
    threshold = sub.identity.change_threshold if sub.identity is not None else 0.5
    found, warnings = cross_row_problems(sub.table, sub.file, rules=rules.plausible, formulas=formulas, figures=figures,
                                         indicators=rules.indicators, change_threshold=threshold)
    found = name_problems(found, rules.names)
    if not found and not warnings:
        return sub
    problems = sorted([*sub.problems, *found], key=lambda p: (p.file, p.row or 0))
    return replace(sub, problems=tuple(problems), warnings=(*sub.warnings, *name_problems(warnings, rules.names)))


def write_submission(store: Store, sub: Submission, *, actor: str, content: bytes, status: str = "submitted", revise: bool = False, reason: str = "",
                     on_behalf_of: str | None = None, received_at: datetime | None = None) -> WriteResult:
    """Write a checked file's figures, all or none, once the user may report every one of them.

    ``on_behalf_of``: the bureau enters a reporter's figures (a department's or county's code or name); ``received_at``
    (default now) is then their submission time, what the assessment's timeliness rules compare with the deadline.
    """
    sub.raise_for_problems()
    user = acting_user(store, actor)
    if on_behalf_of:
        check_admin(user, "代填报单位录入 enter figures on a reporter's behalf")
    reporter = reporter_code(store, on_behalf_of) if on_behalf_of else None
    regions = store.regions()
    table = sub.table[sub.table["value"].notna()]  # an empty cell reports nothing
    code_of = {r.name: r.code for r in regions} | {r.code: r.code for r in regions}
    pairs = set(zip(table["region"].to_numpy(), table["code"].to_numpy()))  # numpy arrays iterate a million rows fast
    check_write(store, user, {(code_of.get(r, r), c) for r, c in pairs})
    file = sub.file if sub.kind == "long" else f"{sub.file}:填报"
    frame = pd.DataFrame({
        "region": table["region"], "code": table["code"], "period": table["year"].astype(str), "value": table["value"].astype(float),
        "source": table["source"], "note": table["note"], "expected_vintage": np.nan, "_file": file, "_row": table["_row"],
    })
    try:
        return ob.write_frame(store, frame, actor=actor, status=status, reason=reason, revise=revise, upload=(Path(sub.file).name, content),
                              on_behalf_of=reporter, received_at=received_at, colleagues=replaceable(store, user))
    except InputError as exc:  # the store's own checks (a locked year …): each problem names its indicator too
        raise InputError(name_problems(exc.problems, code_names(store))) from None


def code_names(store: Store) -> dict[str, str]:
    """Every reportable code's name: the framework's indicators and the raw statistics."""
    variables, _ = embedded_variables()
    return {n.code: n.name for n in store.framework().leaves} | {v.code: v.name for v in variables.values()}


def reporter_code(store: Store, reporter: str) -> str:
    """A department's or county's code from its code or name; NotFoundError otherwise."""
    plan = store.plan()
    for d in plan.departments:
        if reporter in (d.code, d.name):
            return d.code
    for r in store.regions("county"):
        if reporter in (r.code, r.name):
            return r.code
    raise NotFoundError(f"没有该填报单位：{reporter} no such reporter: {reporter}")


def import_submission(store: Store, path: str, *, actor: str, status: str = "submitted", revise: bool = False, reason: str = "",
                      on_behalf_of: str | None = None, received_at: datetime | None = None, warnings: list[Problem] | None = None) -> WriteResult:
    """Validate a filled template or a long table, then write all its figures or none (``stpi import``).

    ``warnings`` receives what was saved but flagged for review (values far from the peers').
    """
    acting_user(store, actor)
    sub = check_file(path, file_rules(store, upload_limit=False))
    sub.raise_for_problems()
    if warnings is not None:
        warnings += sub.warnings
    return write_submission(store, sub, actor=actor, content=Path(path).read_bytes(), status=status, revise=revise, reason=reason,
                            on_behalf_of=on_behalf_of, received_at=received_at)
