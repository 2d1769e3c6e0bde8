"""Operations behind ``stpi plan import`` and ``stpi init``: read and check a plan file, store it as a version, set up a region."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from stpi.errors import InputError, Problem
from stpi.framework import Plan, load_framework
from stpi.framework.divisions import region_set
from stpi.framework.embedded import embedded_framework
from stpi.framework.planfile import read_plan_file
from stpi.store import Store
from stpi.store.plans import PlanVersion, add_plan_version, init_region
from stpi.store.rules import acting_user, check_admin

__all__ = ["import_plan", "init_store"]


def import_plan(path: str | Path, *, store: Store, actor: str, valid_from: int | None = None, dry_run: bool = False,
                source: str | None = None) -> tuple[Plan, PlanVersion | None]:
    """Check the plan file and store it as the version valid from ``valid_from`` (default: its baseline year), all or nothing."""
    check_admin(acting_user(store, actor), "导入实施方案 import a plan")
    name = source or Path(path).name  # the file's own name in every problem (an upload is read from a temporary copy)
    try:
        plan = read_plan_file(path, framework=store.framework(), current=store.plan())
    except InputError as exc:
        raise InputError([dataclasses.replace(p, file=p.file.replace(Path(path).name, name, 1)) for p in exc.problems]) from None
    if dry_run:
        return plan, None
    return plan, add_plan_version(store, plan, valid_from=plan.baseline_year if valid_from is None else valid_from, actor=actor, source=name)


def init_store(database: str | None, *, region: str, plan_path: str | Path, framework_path: str | Path | None = None) -> Store:
    """A new store for ``region`` (a GB/T 2260 name or code): its province, the province's units of its level, its counties; the plan and framework given."""
    province, peers, counties = region_set(region)
    me = next(p for p in peers if region in (p.code, p.name) or region.endswith(p.name))
    fw = load_framework(framework_path) if framework_path else embedded_framework()
    plan = read_plan_file(plan_path, framework=fw, current=None)
    if plan.region != me.name:
        raise InputError([Problem(Path(plan_path).name, None, "region", f"实施方案所属地区与 --region 不一致（{me.name}） the plan is for another region than --region ({me.name})", plan.region)])
    plan.check_against(fw)
    regions: list[tuple[str, str, str, str | None]] = [(province.code, province.name, province.level, None)]
    regions += [(p.code, p.name, p.level, province.code) for p in peers] + [(c.code, c.name, c.level, me.code) for c in counties]
    return init_region(database, plan, fw, regions, source=Path(plan_path).name)
