"""Plan versions and new regions: an imported plan is a version valid from a year (the earlier ones kept); a new store set up for any region.

Each is one write transaction: the plan's departments (added, or renamed by code), its version row with
the plan as YAML, the version's assignments (lead / responsible) and an audit row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from stpi.errors import InputError, Problem
from stpi.framework.io import export_framework
from stpi.framework.model import Framework
from stpi.framework.plan import Plan
from stpi.framework.planfile import plan_yaml
from stpi.store import models as m
from stpi.store.core import Store, now
from stpi.store.db import upgrade

__all__ = ["PlanVersion", "add_plan_version", "init_region", "newest_plan_id", "plan_versions"]


@dataclass(frozen=True)
class PlanVersion:
    """One stored version of the plan."""

    id: int
    code: str
    title: str
    valid_from: int
    created_at: datetime
    created_by: str
    source: str


def plan_versions(store: Store) -> list[PlanVersion]:
    """Every stored version, oldest first (by the year it is valid from)."""
    with store.session() as s:
        rows = s.scalars(select(m.PlanRow).order_by(m.PlanRow.valid_from, m.PlanRow.id))
        return [PlanVersion(r.id, r.code, r.title, r.valid_from, r.created_at, r.created_by, r.source) for r in rows]


def newest_plan_id(s: Session) -> int | None:
    """The id of the version :meth:`Store.plan` returns (the newest valid_from, the last imported among equals)."""
    return s.scalar(select(m.PlanRow.id).order_by(m.PlanRow.valid_from.desc(), m.PlanRow.id.desc()).limit(1))


def _departments_in(s: Session, plan: Plan, file: str) -> dict[str, int]:
    """Department ids by code: new ones added, a known code renamed; a name already used by another code is a problem."""
    rows = {d.code: d for d in s.scalars(select(m.DepartmentRow))}
    by_name = {d.name: d.code for d in rows.values()}
    problems = [Problem(file, None, "departments", f"部门名称已由代码 {by_name[d.name]} 使用 the name is another department's (code {by_name[d.name]})", d.name)
                for d in plan.departments if by_name.get(d.name, d.code) != d.code]
    if problems:
        raise InputError(problems)
    for d in plan.departments:
        row = rows.get(d.code)
        if row is None:
            row = m.DepartmentRow(code=d.code, name=d.name, name_en=d.name_en)
            s.add(row)
            rows[d.code] = row
        elif (row.name, row.name_en) != (d.name, d.name_en):
            row.name, row.name_en = d.name, d.name_en
    s.flush()
    return {code: row.id for code, row in rows.items()}


def _version_in(s: Session, plan: Plan, *, region_id: int, valid_from: int, actor: str, source: str) -> m.PlanRow:
    deps = _departments_in(s, plan, source or "plan")
    row = m.PlanRow(code=plan.id, title=plan.title, region_id=region_id, content=plan_yaml(plan), created_at=now(), valid_from=valid_from, created_by=actor, source=source)
    s.add(row)
    s.flush()
    for ind in plan.indicators:
        for role, codes in (("lead", ind.lead), ("responsible", ind.responsible)):
            for code in dict.fromkeys(codes):
                s.add(m.AssignmentRow(plan_id=row.id, department_id=deps[code], code=ind.code, role=role))
    return row


def add_plan_version(store: Store, plan: Plan, *, valid_from: int, actor: str, source: str = "") -> PlanVersion:
    """Store ``plan`` as the version in force from ``valid_from``; earlier versions stay (a past year keeps its plan)."""
    region = next((r for r in store.regions() if plan.region in (r.name, r.code)), None)
    if region is None:
        raise InputError([Problem(source or "plan", None, "region", "库中没有实施方案所属地区，请先用 stpi init 为该地区建库 the plan's region is not in this store: set one up with stpi init", plan.region)])
    with store.session(write=True) as s:
        region_id = s.scalars(select(m.RegionRow.id).where(m.RegionRow.code == region.code)).one()
        before = s.get(m.PlanRow, newest_plan_id(s))
        row = _version_in(s, plan, region_id=region_id, valid_from=valid_from, actor=actor, source=source)
        Store.audit_in(s, actor, "import", "plan", f"{plan.id}@{valid_from}", f"{before.code}@{before.valid_from}" if before else "", f"{len(plan.indicators)} indicators, {len(plan.departments)} departments", source)
        return PlanVersion(row.id, row.code, row.title, row.valid_from, row.created_at, row.created_by, row.source)


def init_region(url: str | None, plan: Plan, fw: Framework, regions: list[tuple[str, str, str, str | None]], *, actor: str = "system", source: str = "") -> Store:
    """Set up an empty database for ``plan``'s region: ``regions`` (code, name, level, parent code; parents first), the framework and the plan.

    Refuses a database that already holds regions (nothing is changed). Returns the opened store.
    """
    store = Store(url, prepare=False)
    upgrade(store.engine)
    with store.session(write=True) as s:
        if s.scalar(select(func.count()).select_from(m.RegionRow)):
            store.close()
            raise InputError([Problem(store.url, None, None, "该数据库已建库（已有地区），未做任何更改 the database is set up already (it has regions): nothing was changed")])
        ids: dict[str, int] = {}
        for code, name, level, parent in regions:
            english = plan.region_en if name == plan.region else ""
            row = m.RegionRow(code=code, name=name, name_en=english, level=level, parent_id=ids.get(parent or ""))
            s.add(row)
            s.flush()
            ids[code] = row.id
        s.add(m.FrameworkVersionRow(framework_id=fw.id, valid_from=plan.baseline_year, title=fw.title, content=export_framework(fw, "yaml").decode("utf-8"),
                                    fingerprint=fw.fingerprint(), created_at=now(), created_by=actor))
        region_id = next(ids[code] for code, name, _, _ in regions if name == plan.region)
        _version_in(s, plan, region_id=region_id, valid_from=plan.baseline_year, actor=actor, source=source)
        s.add(m.UserRow(username="admin", display_name="科技局统计员(管理员)", role="admin", created_at=now()))
        Store.audit_in(s, actor, "seed", "store", plan.region, "", f"{fw.id} + {plan.id}: {len(regions)} regions", source)
    return store
