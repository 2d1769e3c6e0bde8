"""Figures: all-or-nothing writes with vintages, the approval workflow, locking, reading back.

Every change adds a vintage; the previous one stays. A year's evaluation is
frozen by :func:`lock_year`; after that a figure changes only by a revision
with a reason, and both the "as evaluated" and the "latest revised" values are
kept and computable.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, InputError, NotFoundError, Problem
from stpi.store import models as m
from stpi.store.core import Store, now
from stpi.store.records import Observation, Upload, WriteResult

__all__ = ["Entry", "parse_period", "write", "transition", "lock_year", "locked_years", "observations", "frame", "uploads", "upload_content"]

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
    unit: str = ""
    kind: str = "indicator"
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
    if status not in ("draft", "submitted"):
        raise ValueError(status)
    with store.session() as s:
        region_ids = {r.code: r.id for r in s.scalars(select(m.RegionRow))}
        locked = {y for (y,) in s.execute(select(m.YearLockRow.year))}
        current = _current_rows(s, entries, region_ids)
        problems, inserts, retire, audits = [], [], [], []
        stamp = now()
        for i, e in enumerate(entries, start=1):
            key = (e.region, e.code, e.period)
            prev = current.get(key)
            try:
                year = parse_period(e.period)
            except ValueError as exc:
                problems.append(Problem("<entries>", i, "period", str(exc), e.period))
                continue
            if e.region not in region_ids:
                problems.append(Problem("<entries>", i, "region", "未知地区 unknown region", e.region))
                continue
            if e.expected_vintage is not None and (prev.vintage if prev else 0) != e.expected_vintage:
                problems.append(Problem("<entries>", i, "value", f"该数据已被他人修改(当前版本 {prev.vintage if prev else 0}) changed by someone else since read", _key(*key)))
                continue
            if prev is not None and _same(prev, e):
                continue
            frozen = year in locked or (prev is not None and prev.status == "locked")
            if frozen and not (revise and reason.strip()):
                problems.append(Problem("<entries>", i, "value", f"{year}年评价已锁定,修改须作为修订并说明原因 year locked: change only as a revision with a reason", _key(*key)))
                continue
            vintage = (prev.vintage if prev else 0) + 1
            inserts.append(dict(region_id=region_ids[e.region], code=e.code, kind=e.kind, period=e.period, year=year, value=e.value, unit=e.unit, source=e.source, note=e.note, status=status, comment="", vintage=vintage, current=True, evaluated=False, created_at=stamp, created_by=actor))
            if prev is not None:
                retire.append(prev.id)
            action = "revise" if frozen else ("update" if prev else "create")
            audits.append(dict(at=stamp, actor=actor, action=action, entity="observation", key=_key(*key), old="" if prev is None else _fmt(prev.value), new=_fmt(e.value), reason=reason))
        if problems:
            raise _conflict_or_input(problems)
        upload_id = _archive(s, upload, actor, len(inserts)) if upload else None
        for row in inserts:
            row["upload_id"] = upload_id
        _apply(s, inserts, retire, audits)
    return WriteResult(len(inserts), len(entries) - len(inserts), upload_id)


def _conflict_or_input(problems: list[Problem]) -> Exception:
    if all("他人修改" in p.reason for p in problems):
        return ConflictError("\n".join(str(p) for p in problems))
    return InputError(problems)


def _same(prev: m.ObservationRow, e: Entry) -> bool:
    same_value = (prev.value is None and e.value is None) or (prev.value is not None and e.value is not None and prev.value == e.value)
    return same_value and prev.source == e.source and prev.note == e.note and prev.status not in ("returned",)


def _fmt(value: float | None) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else repr(value)


def _current_rows(s: Session, entries: Sequence[Entry], region_ids: dict[str, int]) -> dict[tuple[str, str, str], m.ObservationRow]:
    """The current vintage of every figure the entries touch, in one query per period."""
    names = {v: k for k, v in region_ids.items()}
    out: dict[tuple[str, str, str], m.ObservationRow] = {}
    for period in {e.period for e in entries}:
        q = select(m.ObservationRow).where(m.ObservationRow.period == period, m.ObservationRow.current.is_(True))
        for row in s.scalars(q):
            out[(names[row.region_id], row.code, row.period)] = row
    return out


def _apply(s: Session, inserts: list[dict[str, object]], retire: list[int], audits: list[dict[str, object]]) -> None:
    """Retire previous vintages, add the new ones and their audit rows."""
    try:
        for chunk in range(0, len(retire), 5000):
            s.execute(update(m.ObservationRow).where(m.ObservationRow.id.in_(retire[chunk : chunk + 5000])).values(current=False))
        if inserts:
            s.execute(insert(m.ObservationRow), inserts)
        if audits:
            s.execute(insert(m.AuditRow), audits)
        s.flush()
    except IntegrityError as exc:  # another writer added the same vintage first
        raise ConflictError(f"数据已被同时修改,请重新读取后再提交 concurrent change of the same figure: {exc.orig}") from exc


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
        q = select(m.ObservationRow).where(and_(*cond) if cond else True).order_by(m.ObservationRow.region_id, m.ObservationRow.code, m.ObservationRow.period, m.ObservationRow.vintage)
        return [
            Observation(r.id, names[r.region_id], r.code, r.kind, r.period, r.year, r.value, r.unit, r.source, r.note, r.status, r.comment, r.vintage, r.current, r.evaluated, r.created_at, r.created_by, r.upload_id)
            for r in s.scalars(q)
        ]


def frame(store: Store, *, basis: str = "latest", years: Sequence[int] | None = None) -> pd.DataFrame:
    """Annual figures for computing: region (name), year, indicator, value.

    ``basis="latest"``: the current approved or locked vintage (latest revised).
    ``basis="evaluated"``: the vintage frozen when the year was locked (as evaluated).
    """
    if basis not in ("latest", "evaluated"):
        raise NotFoundError(f"未知口径 unknown basis {basis!r}; 可选 valid: latest, evaluated")
    with store.session() as s:
        cond = [m.ObservationRow.evaluated.is_(True)] if basis == "evaluated" else [m.ObservationRow.current.is_(True), m.ObservationRow.status.in_(("approved", "locked"))]
        if years is not None:
            cond.append(m.ObservationRow.year.in_(list(years)))
        q = (
            select(m.RegionRow.name, m.ObservationRow.year, m.ObservationRow.code, m.ObservationRow.value, m.ObservationRow.kind)
            .join(m.RegionRow, m.RegionRow.id == m.ObservationRow.region_id)
            .where(and_(*cond), or_(m.ObservationRow.period == m.ObservationRow.year.cast(m.String)))
        )
        rows = s.execute(q).all()
    return pd.DataFrame(rows, columns=["region", "year", "indicator", "value", "kind"])


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
