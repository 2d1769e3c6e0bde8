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
from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, InputError, NotFoundError, Problem
from stpi.store import bulk, rounds
from stpi.store import models as m
from stpi.store.core import Store, now
from stpi.store.records import Observation, Upload, WriteResult

__all__ = ["Entry", "parse_period", "write", "write_frame", "transition", "move", "changed_message", "lock_year", "lock_reasons", "locked_years", "year_locks", "observations", "frame", "uploads", "upload_content"]

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
    require_vintage: bool = False,
    colleagues: frozenset[str] | None = None,
) -> WriteResult:
    """Write figures in one transaction: all are written, or none (the error lists every problem).

    ``require_vintage``: a change of an existing figure must name the vintage it replaces
    (``expected_vintage``), else a :class:`ConflictError` asks to reload; what typed entries use.
    """
    frame = pd.DataFrame(
        [(e.region, e.code, e.period, np.nan if e.value is None else e.value, e.source, e.note, e.expected_vintage) for e in entries],
        columns=["region", "code", "period", "value", "source", "note", "expected_vintage"],
    )
    frame["_file"], frame["_row"] = "<entries>", np.arange(1, len(frame) + 1)
    return write_frame(store, frame, actor=actor, status=status, reason=reason, revise=revise, upload=upload, require_vintage=require_vintage, colleagues=colleagues)


def write_frame(
    store: Store,
    frame: pd.DataFrame,
    *,
    actor: str,
    status: str = "submitted",
    reason: str = "",
    revise: bool = False,
    upload: tuple[str, bytes] | None = None,
    require_vintage: bool = False,
    on_behalf_of: str | None = None,
    received_at: datetime | None = None,
    colleagues: frozenset[str] | None = None,
) -> WriteResult:
    """Write a frame of figures in one transaction, all or nothing.

    Columns: region, code, period, value, source, note, expected_vintage (may be
    NaN), and _file, _row to locate problems. New figures are recorded by their
    batch (who, when, why, which file); changed ones also get an audit row each
    with the old and the new value. One write transaction: it holds its years' lock, and
    every vintage it supersedes is retired by compare-and-set (see :func:`bulk.retire_rows`).
    """
    if status not in ("draft", "submitted"):
        raise ValueError(status)
    stamp = now()
    with store.session(write=True) as s:
        rows, retire, audits = bulk.plan_write(s, frame, actor=actor, status=status, reason=reason, revise=revise, stamp=stamp, require_vintage=require_vintage,
                                               colleagues=colleagues)
        upload_id = _archive(s, upload, actor, len(rows)) if upload else None
        changed = len(retire)
        batch = m.BatchRow(at=stamp, actor=actor, reason=reason, upload_id=upload_id, created=len(rows) - changed, changed=changed,
                           received_at=received_at, on_behalf_of=on_behalf_of)
        s.add(batch)
        s.flush()
        rows["batch_id"] = batch.id
        Store.audit_in(s, actor, "write", "batch", f"#{batch.id}" + (f" upload #{upload_id}" if upload_id else ""), "", f"{batch.created} new, {changed} changed, {len(frame) - len(rows)} unchanged", reason)
        bulk.apply_write(s, rows, retire, audits)
        if status == "submitted":  # the tasks' submission time: now, or when the bureau received the figures it enters for a reporter
            rounds.mark_submitted_in(s, zip(rows["region_id"].tolist(), rows["code"].tolist(), rows["period"].tolist()),
                                     at=received_at or stamp, by=on_behalf_of or actor)
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


def transition(store: Store, action: str, *, actor: str, year: int | None = None, regions: Sequence[str] | None = None, codes: Sequence[str] | None = None,
               comment: str = "", entered_by: Sequence[str] | None = None) -> int:
    """Move the current figures matching the filter from one workflow status to the next.

    ``entered_by``: only figures whose current vintage one of these accounts wrote (what a
    reporter may submit). One write transaction; see :func:`move` for what a concurrent change does.
    """
    if action not in TRANSITIONS:
        raise NotFoundError(f"未知操作 unknown action {action!r}; 可选 valid: {', '.join(TRANSITIONS)}")
    if action == "return" and not comment.strip():
        raise InputError([Problem("<return>", None, "comment", "退回须填写意见 a return needs a comment")])
    sources = TRANSITIONS[action][0]
    o = m.ObservationRow
    with store.session(write=True) as s:
        ids = _region_ids(s, regions)
        q = select(o.id).where(and_(*_where(year, ids, codes)), o.status.in_(sources))
        if entered_by is not None:
            q = q.join(m.BatchRow, m.BatchRow.id == o.batch_id).where(m.BatchRow.actor.in_(list(entered_by)))
        return move(s, action, list(s.scalars(q)), actor=actor, comment=comment)


def move(s: Session, action: str, ids: Sequence[int], *, actor: str, comment: str = "") -> int:
    """Move these vintages by the action, each by compare-and-set on being current and on the status read.

    All or none: if another writer changed or handled one of them (before this transaction
    read it, or between the read and the update: on PostgreSQL the update waits for that
    writer's commit, then sees its result; SQLite writers are serial), a :class:`ConflictError`
    names the figures and what they are now, and nothing moves. Each moved figure gets one audit row.
    """
    sources, target = TRANSITIONS[action]
    o = m.ObservationRow
    wanted = sorted(set(ids))
    seen: dict[int, tuple[int, str, str, str]] = {}
    for part in _chunks(wanted):
        for id_, region_id, code, period, status, current in s.execute(select(o.id, o.region_id, o.code, o.period, o.status, o.current).where(o.id.in_(part))):
            if current and status in sources:
                seen[id_] = (region_id, code, period, status)
    failed = [i for i in wanted if i not in seen]
    values: dict[str, object] = {"status": target}
    if action == "return":
        values["comment"] = comment
    by_status: dict[str, list[int]] = {}
    for id_, (_, _, _, status) in seen.items():
        by_status.setdefault(status, []).append(id_)
    for status, group in by_status.items() if not failed else ():
        for part in _chunks(group):
            cas = update(o).where(o.id.in_(part), o.current.is_(True), o.status == status).values(**values).returning(o.id)
            done = set(s.scalars(cas, execution_options={"synchronize_session": False}))
            failed += [i for i in part if i not in done]
    if failed:
        raise ConflictError(changed_message(s, sorted(failed)))
    if action == "submit":
        rounds.mark_submitted_in(s, [(r, c, p) for r, c, p, _ in seen.values()], at=now(), by=actor)
    names = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
    for region_id, code, period, status in seen.values():
        Store.audit_in(s, actor, action, "observation", _key(names[region_id], code, period), status, target, comment)
    return len(wanted)


def _chunks(ids: Sequence[int], size: int = 5000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


def changed_message(s: Session, ids: Sequence[int]) -> str:
    """A conflict message naming these figure vintages and what each is now (status, or superseded)."""
    o = m.ObservationRow
    names = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
    first = list(ids)[:20]
    found = {row[0]: row[1:] for row in s.execute(select(o.id, o.region_id, o.code, o.period, o.vintage, o.status, o.current).where(o.id.in_(first)))}
    keys = [f"{_key(names[r], c, p)} 第{v}版 vintage {v} 现为 now {st if cur else '已被新版本取代 superseded'}" if i in found else f"#{i} 不存在 no such figure"
            for i in first for r, c, p, v, st, cur in [found.get(i, (0, "", "", 0, "", False))]]
    return (f"{len(ids)} 条数据在读取后已被修改或已被处理(他人同时操作),未做任何更改,请刷新后重试 {len(ids)} figure(s) changed or handled by someone else meanwhile; "
            f"nothing was changed, reload and try again: {'; '.join(keys)}")


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


def lock_year(store: Store, year: int, *, actor: str, force: bool = False, reason: str = "") -> int:
    """Freeze a year's evaluation: every task of its round and every current annual figure must be approved; they become locked.

    ``force`` (with a ``reason``) locks anyway: the approved figures are frozen, the reason is kept
    with the lock and shown wherever the year is. One write transaction holding the year's lock
    exclusively: an import into the year either commits before (and the lock then sees its
    unapproved figures and refuses) or waits and then finds the year locked. The lock closes the year's rounds.
    """
    if force and not reason.strip():
        raise InputError([Problem("<lock>", None, "reason", "强制锁定须说明原因(--reason) a forced lock needs a reason (--reason)")])
    o = m.ObservationRow
    with store.session(write=True) as s:
        Store.lock_years(s, [year], exclusive=True)
        if s.get(m.YearLockRow, year) is not None:
            raise ConflictError(f"{year}年已锁定 year {year} is already locked")
        cond = and_(*_where(year, None, None), o.period == str(year))
        pending = s.execute(select(o.status, func.count()).where(cond, o.status.not_in(("approved", "locked"))).group_by(o.status)).all()
        waiting = rounds.open_tasks_in(s, store, year)
        if (pending or waiting) and not force:
            names = {r.id: r.code for r in s.scalars(select(m.RegionRow))}
            some = s.execute(select(o.region_id, o.code, o.period, o.status).where(cond, o.status.not_in(("approved", "locked"))).order_by(o.id).limit(5)).all()
            raise ConflictError(rounds.lock_refusal(year, waiting, {str(st): int(n) for st, n in pending}, [f"{_key(names[r], c, p)}（{rounds.figure_word(st)}）" for r, c, p, st in some]))
        n = s.execute(update(o).where(cond, o.status == "approved").values(status="locked", evaluated=True)).rowcount
        forced = bool(pending or waiting)
        s.add(m.YearLockRow(year=year, locked_at=now(), locked_by=actor, forced=forced, reason=reason.strip()))
        try:
            s.flush()
        except IntegrityError as exc:  # cannot happen under the year lock; kept so a lock taken some other way is still a conflict
            raise ConflictError(f"{year}年已被他人同时锁定 year {year} was locked by someone else meanwhile") from exc
        rounds.close_rounds_in(s, year)
        Store.audit_in(s, actor, "lock", "year", str(year), "", f"{n} figures" + (f", forced with {len(waiting)} open tasks" if forced else ""), reason.strip())
        return int(n or 0)


def lock_reasons(store: Store) -> dict[int, str]:
    """The reason given for each year locked by force (--force --reason), by year."""
    with store.session() as s:
        return {y: r for y, r in s.execute(select(m.YearLockRow.year, m.YearLockRow.reason).where(m.YearLockRow.reason != ""))}


def year_locks(store: Store) -> dict[int, str]:
    """Every locked year with the reason given when it was locked by force ("" otherwise)."""
    with store.session() as s:
        return {int(y): r or "" for y, r in s.execute(select(m.YearLockRow.year, m.YearLockRow.reason))}


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
        o, b = m.ObservationRow, m.BatchRow
        q = select(o.id, o.region_id, o.code, o.period, o.year, o.value, o.source, o.note, o.status, o.comment, o.vintage, o.current, o.evaluated, b.at, b.actor, b.upload_id)
        q = q.join(b, b.id == o.batch_id).where(and_(*cond) if cond else True).order_by(o.region_id, o.code, o.period, o.vintage)
        return [  # plain columns, not ORM objects: several times faster on a year's thousands of figures
            Observation(r[0], names[r[1]], r[2], r[3], r[4], r[5], r[6] or "", r[7] or "", r[8], r[9] or "", r[10], r[11], r[12], r[13], r[14], r[15])
            for r in s.execute(q)
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
            # the join names the year too, so it goes through the unique index (year, period, region, code, vintage):
            # without it SQLite compares every row with every approved figure (20 s after a 100k-row upload)
            newest = (select(o.year, o.region_id, o.code, o.period, func.max(o.vintage).label("vintage"))
                      .where(o.status.in_(("approved", "locked")), *cond).group_by(o.year, o.region_id, o.code, o.period).subquery())
            q = q.join(newest, and_(o.year == newest.c.year, o.period == newest.c.period, o.region_id == newest.c.region_id, o.code == newest.c.code, o.vintage == newest.c.vintage))
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
