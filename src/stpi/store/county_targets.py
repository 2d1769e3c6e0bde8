"""County plans: each county's own target per indicator, entered by its reporter (submitted) and approved by the bureau.

A change adds a row and retires the current one (compare-and-set on its version), so every earlier
target stays; the bureau's own import (a county plan file) is approved at once. Only approved targets
are used (county status, the counties report, the bulletin); until then the plan's 县区 target, or the city's, applies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from stpi.errors import ConflictError, ForbiddenError, InputError, Problem
from stpi.store import models as m
from stpi.store.core import Store, now
from stpi.store.records import User

__all__ = ["CountyTarget", "TargetEntry", "county_targets", "decide_county_targets", "own_targets", "set_county_targets"]

STATUSES = ("submitted", "approved", "returned")


@dataclass(frozen=True)
class TargetEntry:
    """One incoming county target; ``expected_version`` guards against overwriting a change made meanwhile (None: a new one)."""

    region: str  # code
    code: str
    target: float
    baseline: float | None = None
    target_at_least: bool = False
    sub_targets: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class CountyTarget:
    """A county's current target for one indicator."""

    region: str
    code: str
    baseline: float | None
    target: float
    target_at_least: bool
    sub_targets: str
    status: str
    version: int
    source: str
    created_at: datetime
    created_by: str
    decided_by: str | None
    comment: str


def _of(row: m.CountyTargetRow, region: str) -> CountyTarget:
    return CountyTarget(region, row.code, row.baseline, row.target, row.target_at_least, row.sub_targets, row.status, row.version, row.source,
                        row.created_at, row.created_by, row.decided_by, row.comment)


def county_targets(store: Store, *, region: str | None = None, status: str | None = None) -> list[CountyTarget]:
    """The current county targets (optionally of one county, or of one status), by county and indicator."""
    with store.session() as s:
        codes = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
        q = select(m.CountyTargetRow).where(m.CountyTargetRow.current.is_(True)).order_by(m.CountyTargetRow.region_id, m.CountyTargetRow.code)
        out = [_of(r, codes[r.region_id]) for r in s.scalars(q)]
    return [t for t in out if (region is None or t.region == region) and (status is None or t.status == status)]


def own_targets(store: Store) -> dict[tuple[str, str], CountyTarget]:
    """(county name, indicator code) → the county's approved target."""
    names = {r.code: r.name for r in store.regions()}
    return {(names[t.region], t.code): t for t in county_targets(store, status="approved")}


def set_county_targets(store: Store, entries: Sequence[TargetEntry], *, user: User, source: str = "") -> int:
    """Write county targets in one transaction, all or none: a county reporter's are submitted (its own county only), the admin's approved.

    A changed target names the version it replaces (``expected_version``); a ConflictError when another writer got there first.
    """
    if user.role not in ("admin", "county"):
        raise ForbiddenError(f"{user.username} 不能填报县区目标 may not set county targets")
    other = sorted({e.region for e in entries if user.role == "county" and e.region != user.region})
    if other:
        raise ForbiddenError(f"{user.username} 只能填报本县区的目标 may set only its own county's targets, not: {', '.join(other)}")
    status = "approved" if user.role == "admin" else "submitted"
    at = now()
    with store.session(write=True) as s:
        ids = {r.code: r.id for r in s.scalars(select(m.RegionRow).where(m.RegionRow.level == "county"))}
        unknown = [Problem(source or "<targets>", None, "region", "不是县区 not a county", e.region) for e in entries if e.region not in ids]
        if unknown:
            raise InputError(unknown)
        conflicts = []
        for e in entries:
            old = s.scalars(select(m.CountyTargetRow).where(m.CountyTargetRow.region_id == ids[e.region], m.CountyTargetRow.code == e.code, m.CountyTargetRow.current.is_(True))).first()
            if old is not None and e.expected_version is not None and old.version != e.expected_version:
                conflicts.append(f"{e.region}/{e.code}")
                continue
            if old is not None:
                done = s.execute(update(m.CountyTargetRow).where(m.CountyTargetRow.id == old.id, m.CountyTargetRow.version == old.version, m.CountyTargetRow.current.is_(True))
                                 .values(current=False).returning(m.CountyTargetRow.id)).first()
                if done is None:
                    conflicts.append(f"{e.region}/{e.code}")
                    continue
            s.add(m.CountyTargetRow(region_id=ids[e.region], code=e.code, baseline=e.baseline, target=e.target, target_at_least=e.target_at_least, sub_targets=e.sub_targets,
                                    status=status, current=True, version=(old.version + 1) if old else 1, source=source, created_at=at, created_by=user.username,
                                    decided_at=at if status == "approved" else None, decided_by=user.username if status == "approved" else None))
            Store.audit_in(s, user.username, "create" if old is None else "update", "county_target", f"{e.region}/{e.code}", "" if old is None else f"{old.target} ({old.status})", f"{e.target} ({status})", source)
        if conflicts:
            raise ConflictError(f"这些县区目标已被他人修改，未做任何更改，请刷新后重试 changed by someone else meanwhile, nothing was changed: {', '.join(conflicts)}")
    return len(entries)


def decide_county_targets(store: Store, keys: Sequence[tuple[str, str, int]], *, user: User, approve: bool, comment: str = "") -> int:
    """Approve or return submitted targets (region code, indicator code, version read), all or none; the admin only."""
    if user.role != "admin":
        raise ForbiddenError("只有管理员(市科技局)可以审核县区目标 only the admin may approve county targets")
    if not approve and not comment.strip():
        raise InputError([Problem("<targets>", None, "comment", "退回须填写意见 a return needs a comment")])
    at = now()
    with store.session(write=True) as s:
        ids = {r.code: r.id for r in s.scalars(select(m.RegionRow))}
        failed = []
        for region, code, version in keys:
            q = (update(m.CountyTargetRow).where(m.CountyTargetRow.region_id == ids.get(region, -1), m.CountyTargetRow.code == code, m.CountyTargetRow.version == version,
                                                 m.CountyTargetRow.current.is_(True), m.CountyTargetRow.status == "submitted")
                 .values(status="approved" if approve else "returned", decided_at=at, decided_by=user.username, comment=comment).returning(m.CountyTargetRow.id))
            if s.execute(q).first() is None:
                failed.append(f"{region}/{code}")
            else:
                Store.audit_in(s, user.username, "approve" if approve else "return", "county_target", f"{region}/{code}", "submitted", "approved" if approve else "returned", comment)
        if failed:
            raise ConflictError(f"这些县区目标已不是待审状态，未做任何更改 no longer awaiting approval, nothing was changed: {', '.join(failed)}")
    return len(keys)
