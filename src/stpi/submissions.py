"""Reporting templates and imports: the glue between the ingest readers and the store."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from stpi.errors import InputError, NotFoundError, Problem
from stpi.framework.embedded import embedded_variables
from stpi.framework.formula import Formula, Variable
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.ingest import TemplateRow, TemplateSpec, read_submission, write_template
from stpi.store import Store, WriteResult
from stpi.store import observations as ob
from stpi.service import open_store
from stpi.store.rules import acting_user, check_write

__all__ = ["import_submission", "make_template", "readable_formula", "template_spec"]


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


def _rows_for(plan: Plan, fw: Framework, codes: list[tuple[str, str]], variables: dict[str, Variable], formulas: dict[str, Formula], last: dict[str, float | dict[str, float]], regions: list[tuple[str, str]]) -> list[TemplateRow]:
    rows, seen = [], set()
    for code, role in codes:
        ind, node = plan.indicator(code), fw.node(code)
        target: float | dict[str, float] = ind.target
        if ind.sub_targets and any(r for r, _ in regions if r != regions[0][0]):
            target = {r: ind.target for r, _ in regions}
        derived = f"可由原始数据计算:{readable_formula(formulas[code], variables)}" if code in formulas else ""
        rows.append(TemplateRow(code, ind.name, ind.unit, node.definition or derived, last.get(code), target, role))
    for code, _ in codes:  # then the raw statistics behind them, once each
        for name in formulas[code].variables if code in formulas else ():
            if name not in seen:
                seen.add(name)
                v = variables[name]
                rows.append(TemplateRow(name, v.name, v.unit, v.definition, last.get(name), None, "原始数据"))
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


def make_template(database: str | None, output: str, *, year: int, department: str | None = None, county: str | None = None) -> TemplateSpec:
    """Write the reporting workbook and return what it holds."""
    spec = template_spec(open_store(database), year=year, department=department, county=county)
    write_template(spec, output)
    return spec


def import_submission(database: str | None, path: str, *, actor: str, status: str = "submitted", revise: bool = False, reason: str = "") -> WriteResult:
    """Validate a filled template or a long table, then write all its figures or none."""
    store = open_store(database)  # the web app's own store when it serves this database
    user = acting_user(store, actor)
    fw = store.framework()
    variables, _ = embedded_variables()
    regions = store.regions()
    units = {n.code: n.unit for n in fw.leaves} | {v.code: v.unit for v in variables.values()}
    sub = read_submission(path, known_codes=set(units), known_regions={r.code for r in regions} | {r.name for r in regions}, units=units)
    sub.raise_for_problems()
    table = sub.table[sub.table["value"].notna()]  # an empty cell reports nothing
    code_of = {r.name: r.code for r in regions} | {r.code: r.code for r in regions}
    pairs = set(zip(table["region"].to_numpy(), table["code"].to_numpy()))  # numpy arrays iterate a million rows fast
    check_write(store, user, {(code_of.get(r, r), c) for r, c in pairs})
    file = sub.file if sub.kind == "long" else f"{sub.file}:填报"
    frame = pd.DataFrame({
        "region": table["region"], "code": table["code"], "period": table["year"].astype(str), "value": table["value"].astype(float),
        "source": table["source"], "note": table["note"], "expected_vintage": np.nan, "_file": file, "_row": table["_row"],
    })
    return ob.write_frame(store, frame, actor=actor, status=status, reason=reason, revise=revise, upload=(Path(path).name, Path(path).read_bytes()))
