"""Figures: all-or-nothing writes with vintages, the approval workflow, locking, reading back.

Every change adds a vintage; the previous one stays. A year's evaluation is
frozen by :func:`lock_year`; after that a figure changes only by a revision
with a reason, and both the "as evaluated" and the "latest revised" values are
kept and computable.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, InputError, NotFoundError, Problem
from stpi.store import bulk
from stpi.store import models as m
from stpi.store.core import Store, now
from stpi.store.records import Observation, Upload, WriteResult

__all__ = ["Entry", "parse_period", "write", "write_frame", "transition", "lock_year", "locked_years", "observations", "frame", "uploads", "upload_content"]

PERIOD = re.compile(r"^(\d{4})(?:(Q[1-4])|(M(?:0[1-9]|1[0-2])))?$")

# allowed status changes: (from, to) by action
TRANSITIONS = {
    "submit": ({"draft", "returned"}, "submitted"),
    "approve": ({"submitted"}, "approved"),
    "return": ({"submitted"}, "returned"),
}


@dataclass(frozen=True)
class Entry:
    """One incoming figure. ``expected_vintage`` guards against overwriting a change made meanwhile."""

    region: str
    code: str
    period: str
    value: float | None
    source: str = ""
    note: str = ""
    expected_vintage: int | None = None


def parse_period(period: str) -> int:
    """The year of a period ('2023', '2023Q1', '2023M03'); ValueError otherwise."""
    match = PERIOD.match(period.strip())
    if not match:
        raise ValueError(f"期间格式应为 2023 / 2023Q1 / 2023M03, got {period!r}")
    return int(match.group(1))


def _key(region: str, code: str, period: str) -> str:
    return f"{region}/{code}/{period}"


def write(
    store: Store,
    entries: Sequence[Entry],
    *,
    actor: str,
    status: str = "submitted",
    reason: str = "",
    revise: bool = False,
    upload: tuple[str, bytes] | None = None,
) -> WriteResult:
    """Write figures in one transaction: all are written, or none (the error lists every problem)."""
    frame = pd.DataFrame(
        [(e.region, e.code, e.period, np.nan if e.value is None else e.value, e.source, e.note, e.expected_vintage) for e in entries],
        columns=["region", "code", "period", "value", "source", "note", "expected_vintage"],
    )
    frame["_file"], frame["_row"] = "<entries>", np.arange(1, len(frame) + 1)
    return write_frame(store, frame, actor=actor, status=status, reason=reason, revise=revise, upload=upload)


def write_frame(
    store: Store,
    frame: pd.DataFrame,
    *,
    actor: str,
    status: str = "submitted",
    reason: str = "",
    revise: bool = False,
    upload: tuple[str, bytes] | None = None,
) -> WriteResult:
    """Write a frame of figures in one transaction, all or nothing.

    Columns: region, code, period, value, source, note, expected_vintage (may be
    NaN), and _file, _row to locate problems. New figures are recorded by their
    batch (who, when, why, which file); changed ones also get an audit row each
    with the old and the new value.
    """
    if status not in ("draft", "submitted"):
        raise ValueError(status)
    stamp = now()
    with store.session() as s:
        rows, retire, audits = bulk.plan_write(s, frame, actor=actor, status=status, reason=reason, revise=revise, stamp=stamp)
        upload_id = _archive(s, upload, actor, len(rows)) if upload else None
        changed = len(retire)
        batch = m.BatchRow(at=stamp, actor=actor, reason=reason, upload_id=upload_id, created=len(rows) - changed, changed=changed)
        s.add(batch)
        s.flush()
        rows["batch_id"] = batch.id
        Store.audit_in(s, actor, "write", "batch", f"#{batch.id}" + (f" upload #{upload_id}" if upload_id else ""), "", f"{batch.created} new, {changed} changed, {len(frame) - len(rows)} unchanged", reason)
        bulk.apply_write(s, rows, retire, audits)
    return WriteResult(len(rows), len(frame) - len(rows), upload_id)


def _archive(s: Session, upload: tuple[str, bytes], actor: str, rows: int) -> int:
    name, content = upload
    row = m.UploadRow(filename=name, sha256=hashlib.sha256(content).hexdigest(), size=len(content), content=content, uploaded_at=now(), uploaded_by=actor, rows=rows)
    s.add(row)
    s.flush()
    Store.audit_in(s, actor, "upload", "upload", f"#{row.id} {name}", "", row.sha256)
    return row.id


def _where(year: int | None, regions: Iterable[int] | None, codes: Iterable[str] | None) -> list[object]:
    cond: list[object] = [m.ObservationRow.current.is_(True)]
    if year is not None:
        cond.append(m.ObservationRow.year == year)
    if regions is not None:
        cond.append(m.ObservationRow.region_id.in_(list(regions)))
    if codes is not None:
        cond.append(m.ObservationRow.code.in_(list(codes)))
    return cond


def transition(store: Store, action: str, *, actor: str, year: int | None = None, regions: Sequence[str] | None = None, codes: Sequence[str] | None = None, comment: str = "") -> int:
    """Move the current figures matching the filter from one workflow status to the next."""
    if action not in TRANSITIONS:
        raise NotFoundError(f"未知操作 unknown action {action!r}; 可选 valid: {', '.join(TRANSITIONS)}")
    if action == "return" and not comment.strip():
        raise InputError([Problem("<return>", None, "comment", "退回须填写意见 a return needs a comment")])
    sources, target = TRANSITIONS[action]
    with store.session() as s:
        ids = _region_ids(s, regions)
        q = select(m.ObservationRow).where(and_(*_where(year, ids, codes)), m.ObservationRow.status.in_(sources))
        rows = list(s.scalars(q))
        names = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
        for row in rows:
            Store.audit_in(s, actor, action, "observation", _key(names[row.region_id], row.code, row.period), row.status, target, comment)
            row.status = target
            row.comment = comment if action == "return" else row.comment
        return len(rows)


def _region_ids(s: Session, regions: Sequence[str] | None) -> list[int] | None:
    if regions is None:
        return None
    found = {}
    for r in s.scalars(select(m.RegionRow)):
        for name in (r.code, r.name, r.name_en):
            found[name] = r.id
    missing = [r for r in regions if r not in found]
    if missing:
        raise NotFoundError(f"没有该地区 no region: {', '.join(missing)}")
    return [found[r] for r in regions]


def lock_year(store: Store, year: int, *, actor: str) -> int:
    """Freeze a year's evaluation: every current annual figure must be approved; they become locked."""
    with store.session() as s:
        if s.get(m.YearLockRow, year) is not None:
            raise ConflictError(f"{year}年已锁定 year {year} is already locked")
        cond = and_(*_where(year, None, None), m.ObservationRow.period == str(year))
        pending = list(s.execute(select(m.ObservationRow.status).where(cond, m.ObservationRow.status.not_in(("approved", "locked")))))
        if pending:
            counts = pd.Series([p[0] for p in pending]).value_counts().to_dict()
            raise ConflictError(f"{year}年尚有未审核通过的数据,不能锁定 unapproved figures remain: {counts}")
        n = s.execute(update(m.ObservationRow).where(cond, m.ObservationRow.status == "approved").values(status="locked", evaluated=True)).rowcount
        s.add(m.YearLockRow(year=year, locked_at=now(), locked_by=actor))
        Store.audit_in(s, actor, "lock", "year", str(year), "", f"{n} figures")
        return int(n or 0)


def locked_years(store: Store) -> list[int]:
    """Years whose evaluation is frozen."""
    with store.session() as s:
        return sorted(y for (y,) in s.execute(select(m.YearLockRow.year)))


def observations(store: Store, *, year: int | None = None, region: str | None = None, code: str | None = None, history: bool = False) -> list[Observation]:
    """Figures matching a filter: the current vintage, or every vintage with ``history``."""
    with store.session() as s:
        names = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
        ids = _region_ids(s, [region]) if region else None
        cond = _where(year, ids, [code] if code else None)
        if history:
            cond = cond[1:]
        q = select(m.ObservationRow, m.BatchRow).join(m.BatchRow, m.BatchRow.id == m.ObservationRow.batch_id)
        q = q.where(and_(*cond) if cond else True).order_by(m.ObservationRow.region_id, m.ObservationRow.code, m.ObservationRow.period, m.ObservationRow.vintage)
        return [
            Observation(r.id, names[r.region_id], r.code, r.period, r.year, r.value, r.source or "", r.note or "", r.status, r.comment or "", r.vintage, r.current, r.evaluated, b.at, b.actor, b.upload_id)
            for r, b in s.execute(q)
        ]


def frame(store: Store, *, basis: str = "latest", years: Sequence[int] | None = None) -> pd.DataFrame:
    """Annual figures for computing: region (name), year, indicator, value.

    ``basis="latest"``: the newest approved or locked vintage (latest revised); a revision still awaiting
    approval leaves the figure approved before it in force.
    ``basis="evaluated"``: the vintage frozen when the year was locked (as evaluated).
    """
    if basis not in ("latest", "evaluated"):
        raise NotFoundError(f"未知口径 unknown basis {basis!r}; 可选 valid: latest, evaluated")
    o = m.ObservationRow
    with store.session() as s:
        annual = o.period == o.year.cast(m.String)
        cond = [annual] + ([o.year.in_(list(years))] if years is not None else [])
        q = select(m.RegionRow.name, o.year, o.code, o.value).join(m.RegionRow, m.RegionRow.id == o.region_id)
        if basis == "evaluated":
            q = q.where(o.evaluated.is_(True), *cond)
        else:
            newest = (select(o.region_id, o.code, o.period, func.max(o.vintage).label("vintage"))
                      .where(o.status.in_(("approved", "locked")), *cond).group_by(o.region_id, o.code, o.period).subquery())
            q = q.join(newest, and_(o.region_id == newest.c.region_id, o.code == newest.c.code, o.period == newest.c.period, o.vintage == newest.c.vintage))
        rows = s.execute(q).all()
    return pd.DataFrame(rows, columns=["region", "year", "indicator", "value"])


def uploads(store: Store) -> list[Upload]:
    """Archived input files, newest first."""
    with store.session() as s:
        return [Upload(u.id, u.filename, u.sha256, u.size, u.uploaded_at, u.uploaded_by, u.rows) for u in s.scalars(select(m.UploadRow).order_by(m.UploadRow.id.desc()))]


def upload_content(store: Store, upload_id: int) -> bytes:
    """The archived bytes of one upload."""
    with store.session() as s:
        row = s.get(m.UploadRow, upload_id)
        if row is None:
            raise NotFoundError(f"没有该上传文件 no upload #{upload_id}")
        return bytes(row.content)
