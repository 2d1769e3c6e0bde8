"""Reporting templates and imports: the glue between the ingest readers and the store."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from stpi.analysis.counties import COUNTY_SCOPE
from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.embedded import embedded_variables
from stpi.framework.formula import Formula, Variable
from stpi.framework.model import Framework
from stpi.framework.plausibility import Rule, plausibility_rules
from stpi.framework.plan import Plan, PlanIndicator
from stpi.i18n import get_lang
from stpi.ingest import Submission, TemplateRow, TemplateSpec, read_submission, write_template
from stpi.ingest.entries import name_problems
from stpi.ingest.limits import DEFAULT_LIMITS, Limits
from stpi.ingest.plausible import Figures, cross_row_problems
from stpi.queries.previous import previous_values
from stpi.readmodel import Snapshot
from stpi.store import Store, WriteResult
from stpi.store import observations as ob
from stpi.store.rules import acting_user, check_admin, check_write, replaceable
from stpi.store.settings import get_setting

__all__ = ["FileRules", "StoreFigures", "StoreHistory", "check_file", "code_names", "file_rules", "import_submission", "in_language", "make_template", "readable_formula", "reportable_units", "statistic_labels", "template_spec", "unit_label", "write_submission"]


def readable_formula(formula: Formula, variables: dict[str, Variable], *, lang: str = "zh") -> str:
    """A formula in the words a clerk uses: variable names, × and ÷ (e.g. R&D人员 ÷ 年末常住人口); English names with ``lang="en"``."""
    def name(match: re.Match[str]) -> str:
        v = variables.get(match.group(0))
        if v is None:
            return match.group(0)
        if lang == "en":
            return f"{v.name_en or v.name} ({unit_label(v.unit, lang)})"
        return f"{v.name}({v.unit})"

    text = re.sub(r"[A-Za-z_][A-Za-z0-9_]*", name, formula.text)
    return text.replace("*", " × ").replace("/", " ÷ ").replace("  ", " ")


# The units of the raw statistics in English (the plan gives its indicators' own unit_en).
_UNITS_EN = {"人": "persons", "万人": "10k persons", "个": "units", "件": "items", "项": "items", "篇": "papers", "户": "subscribers",
             "万户": "10k subscribers", "元": "yuan", "万元": "10k yuan", "亿元": "100m yuan", "人年": "person-years", "万元/人": "10k yuan per person",
             "万元/人年": "10k yuan per person-year"}


def unit_label(unit: str, lang: str) -> str:
    """A unit as a reader of ``lang`` writes it (``万元`` → ``10k yuan`` in English)."""
    return _UNITS_EN.get(unit, unit) if lang == "en" else unit


def in_language(text: str, lang: str) -> str:
    """One language of a bilingual text such as ``中文。English.``: the Chinese with ``zh``, the English with ``en`` ("" when it has none)."""
    from stpi.reports.chinese import fullwidth, latin_words, zh_only

    zh = zh_only(text).strip()
    if lang != "en":
        return fullwidth(zh)
    if not any(ch >= "\u2e80" for ch in text):
        return text.strip()
    english = text[len(zh):].strip() if text.startswith(zh) else ""
    return english if len(latin_words(english)) >= 2 and not any(ch >= "\u2e80" for ch in english) else ""


def statistic_labels(fw: Framework, formulas: dict[str, Formula]) -> dict[str, str]:
    """The short code a person sees for each raw statistic: the first indicator (framework order) using it, and its place there (``I01-2``)."""
    labels: dict[str, str] = {}
    for leaf in fw.leaves:
        formula = formulas.get(leaf.code)
        for i, name in enumerate(formula.variables if formula is not None else (), start=1):
            labels.setdefault(name, f"{leaf.code}-{i}")
    return labels


def _bounds(rule: Rule | None) -> dict[str, float | None]:
    """A rule's range as a template row's bounds (the workbook's data validation; open ends are checked on import)."""
    return {} if rule is None else {"lower": rule.range.lower, "upper": rule.range.upper}


@dataclass(frozen=True)
class _Words:
    """What the rows of a template say, in its language."""

    lang: str
    variables: dict[str, Variable]
    formulas: dict[str, Formula]
    labels: dict[str, str]

    def role(self, role: str) -> str:
        return {"牵头": "Lead", "责任": "Responsible", "原始数据": "Raw statistic"}.get(role, role) if self.lang == "en" else role

    def definition(self, code: str, own: str) -> str:
        """An indicator's statistical definition, else how it is computed from raw statistics."""
        mine = in_language(own, self.lang) if own else ""
        if mine:
            return mine
        if code not in self.formulas:
            return ""
        formula = readable_formula(self.formulas[code], self.variables, lang=self.lang)
        return f"Derived from raw statistics: {formula}" if self.lang == "en" else in_language(f"可由原始数据计算:{formula}", "zh")


def _rows_for(plan: Plan, fw: Framework, codes: list[tuple[str, str]], words: _Words, last: dict[str, float],
              target_of: Callable[[PlanIndicator], float]) -> list[TemplateRow]:
    rows, seen = [], set()
    variables, formulas, lang = words.variables, words.formulas, words.lang
    rules = plausibility_rules(fw, variables)
    for code, role in codes:
        ind, node = plan.indicator(code), fw.node(code)
        unit = ind.unit_en if lang == "en" and ind.unit_en else ind.unit
        rows.append(TemplateRow(code, ind.label(lang), ind.unit, words.definition(code, node.definition), last.get(code), target_of(ind), words.role(role),
                                label=code, unit_shown=unit, **_bounds(rules.get(code))))
    for code, _ in codes:  # then the raw statistics behind them, once each
        for name in formulas[code].variables if code in formulas else ():
            if name not in seen:
                seen.add(name)
                v = variables[name]
                rows.append(TemplateRow(name, v.name_en or v.name if lang == "en" else v.name, v.unit, in_language(v.definition, lang), last.get(name), None,
                                        words.role("原始数据"), label=words.labels.get(name, name), unit_shown=unit_label(v.unit, lang),
                                        **_bounds(rules.get(name))))
    return rows


def template_spec(snap: Snapshot, *, year: int, department: str | None = None, county: str | None = None, lang: str | None = None) -> TemplateSpec:
    """What a department's (or a county's) reporting workbook for a year contains, in ``lang`` (the language in force by default).

    Last year's value of every row (indicators derived from last year's raw statistics too); the
    target the reporter answers for: a department the city's, a county its own approved target,
    else the plan's 县区 sub-target, else the city's.
    """
    if (department is None) == (county is None):
        raise InputError([Problem("<template>", None, "department/county", "请指定 --department 或 --county 之一 give either --department or --county")])
    lang = lang or get_lang()
    plan, fw = snap.plan(year), snap.framework(year)
    variables, formulas = embedded_variables()
    city = snap.region(plan.region)
    if department is not None:
        dep = plan.department(department)
        codes = [(i.code, "牵头") for i in plan.indicators if dep.code in i.lead] + [(i.code, "责任") for i in plan.indicators if dep.code in i.responsible and dep.code not in i.lead]
        region, reporter, kind, reporter_code = city, dep.label(lang), "department", dep.code

        def target_of(ind: PlanIndicator) -> float:
            return ind.target
    else:
        region = snap.region(county or "")
        if region.level != "county":
            raise NotFoundError(f"{region.name} 不是县区 is not a county")
        codes = [(i.code, "") for i in plan.indicators]
        reporter, kind, reporter_code = (region.name_en or region.name) if lang == "en" else region.name, "county", region.code
        own = snap.county_targets()

        def target_of(ind: PlanIndicator) -> float:
            if (region.name, ind.code) in own:
                return own[(region.name, ind.code)].target
            return next((s.target for s in ind.sub_targets if s.scope == COUNTY_SCOPE), ind.target)
    previous = previous_values(snap, year)
    last = {c: v for (r, c), v in previous.items() if r == region.code}
    words = _Words(lang, variables, formulas, statistic_labels(fw, formulas))
    rows = _rows_for(plan, fw, codes, words, last, target_of)
    name = (region.name_en or region.name) if lang == "en" else region.name
    if lang == "en":
        title = f"{plan.region_label('en')} {year}: S&T progress monitoring, data-entry form"
    else:
        title = f"{plan.region_label()}{year}年科技进步监测指标数据填报表"
    return TemplateSpec(title, reporter, reporter_code, year, ((region.code, name),), tuple(rows), reporter_kind=kind, lang=lang)  # type: ignore[arg-type]


def make_template(snap: Snapshot, output: str, *, year: int, department: str | None = None, county: str | None = None, lang: str | None = None) -> TemplateSpec:
    """Write the reporting workbook and return what it holds."""
    spec = template_spec(snap, year=year, department=department, county=county, lang=lang)
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
