"""Checks on the plan's progress: early warnings (预警) and the counties' index, targets and sums (县区)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from stpi.queries.overview import tracked_of
from stpi.i18n import get_lang
from stpi.readmodel import Snapshot
from stpi import service
from stpi.store.county_targets import own_targets
from stpi.analysis.counties import county_index, county_targets, sum_check
from stpi.analysis.jsonable import jsonable
from stpi.analysis.warnings import early_warnings
from stpi.framework.embedded import embedded_variables
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.store import observations as ob

__all__ = ["CountyReport", "counties_payload", "counties_report", "department_names", "warnings_payload", "warnings_report"]


@dataclass(frozen=True)
class CountyReport:
    """Everything ``stpi report counties`` shows."""

    city: str
    counties: list[str]
    year: int | None
    index: pd.DataFrame
    targets: pd.DataFrame
    sums: pd.DataFrame
    tolerance: float


def department_names(plan: Plan, codes: str, lang: str = "zh") -> str:
    """The names of the departments in a ``;``-separated list of codes, joined with 、."""
    return "、".join(plan.department(c).label(lang) for c in codes.split(";") if c)


def warnings_report(snap: Snapshot, *, year: int | None, years: int, path: str | None, missing: str) -> tuple[Plan, Framework, pd.DataFrame, int]:
    """The plan, framework, warned indicators (with department names) and the year examined."""
    plan, fw = (snap.plan(), snap.framework())
    tracked = tracked_of(snap, missing=missing, path=path)
    table = early_warnings(tracked, plan, fw, year=year, years=years)
    table["lead_names"] = [department_names(plan, c) for c in table["lead"]]
    table["responsible_names"] = [department_names(plan, c) for c in table["responsible"]]
    return plan, fw, table, int(tracked["year"].max()) if year is None else year


def warnings_payload(plan: Plan, fw: Framework, table: pd.DataFrame, year: int, years: int) -> dict[str, Any]:
    """The warnings as JSON-ready data (what ``stpi report warnings --json`` prints)."""
    payload = {"region": plan.region, "year": year, "years": years, "illustrative_parameters": fw.is_illustrative, "parameter_rules": list(fw.parameter_rules()), "rows": table.to_dict("records")}
    out: dict[str, Any] = jsonable(payload)
    return out


def counties_report(snap: Snapshot, *, year: int | None, tolerance: float, missing: str) -> tuple[Plan, Framework, CountyReport]:
    """The county index, targets and sum check from the snapshot; computed once per approved state (shared, do not change it)."""
    key = ("counties_report", year, tolerance, missing, get_lang(), snap.approved_key("county_targets"))
    return snap.shared.get(key, lambda: _counties_report(snap, year=year, tolerance=tolerance, missing=missing))


def _counties_report(snap: Snapshot, *, year: int | None, tolerance: float, missing: str) -> tuple[Plan, Framework, CountyReport]:
    plan, fw = snap.plan(), snap.framework(year, scope="county")  # the county version when one is stored
    city = snap.region(plan.region)
    counties = [r.name for r in snap.regions(level="county") if r.parent == city.code]
    raw = snap.frame(years=None if year is None else [year])
    own = {key: t.target for key, t in snap.county_targets().items()}  # the counties' own approved plans
    variables, _ = embedded_variables()
    every = snap.figures()
    figures = (every if year is None else every[every["year"] == year]) if not raw.empty else raw
    report = CountyReport(
        city.name, counties, year,
        county_index(fw, figures, counties, missing=missing),
        county_targets(plan, fw, figures, counties, year=year, own=own),
        sum_check(raw, variables, city=city.name, counties=counties, tolerance=tolerance),
        tolerance,
    )
    return plan, fw, report


def counties_payload(rep: CountyReport, fw: Framework) -> dict[str, Any]:
    """The county report as JSON-ready data (what ``stpi report counties --json`` prints)."""
    payload = {"city": rep.city, "counties": rep.counties, "year": rep.year, "tolerance": rep.tolerance, "illustrative_parameters": fw.is_illustrative,
               "framework": fw.title, "index": rep.index.astype(object).to_dict("records"), "targets": rep.targets.to_dict("records"), "sums": rep.sums.to_dict("records")}
    out: dict[str, Any] = jsonable(payload)
    return out
