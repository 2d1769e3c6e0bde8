"""The approval queue: figures waiting for review, and moving exactly the vintages a reviewer saw.

:func:`stpi.store.observations.transition` moves whatever matches a filter, which suits the
command line. A reviewer in the web app approves the figures on the screen: if one of them was
changed (a new vintage) or handled by someone else since the page was drawn, the whole action is
refused with a conflict instead of approving a value nobody looked at.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, func, select
from sqlalchemy.orm import Session

from stpi.errors import InputError, NotFoundError, Problem
from stpi.store import models as m
from stpi.store.core import Store
from stpi.store.observations import TRANSITIONS, move

__all__ = ["Pending", "figure_years", "pending", "pending_count", "return_each", "status_counts", "transition_ids"]


@dataclass(frozen=True)
class Pending:
    """A submitted figure with the approved value it would replace (a revision), if there is one."""

    id: int
    region: str
    code: str
    period: str
    year: int
    value: float | None
    source: str
    note: str
    vintage: int
    submitted_at: datetime
    submitted_by: str
    old_value: float | None
    old_status: str | None


def figure_years(store: Store) -> list[int]:
    """Years that hold any current figure."""
    with store.session() as s:
        return sorted(int(y) for (y,) in s.execute(select(m.ObservationRow.year).where(m.ObservationRow.current.is_(True)).distinct()))


def _pending_query(year: int | None) -> ColumnElement[bool]:
    cond = [m.ObservationRow.current.is_(True), m.ObservationRow.status == "submitted"]
    if year is not None:
        cond.append(m.ObservationRow.year == year)
    return and_(*cond)


def pending(store: Store, *, year: int | None = None, limit: int = 2000) -> list[Pending]:
    """Submitted figures (current vintage), by year, region and code, each with the approved value it would replace."""
    q = (
        select(m.ObservationRow, m.BatchRow.at, m.BatchRow.actor, m.RegionRow.code)
        .join(m.BatchRow, m.BatchRow.id == m.ObservationRow.batch_id)
        .join(m.RegionRow, m.RegionRow.id == m.ObservationRow.region_id)
        .where(_pending_query(year))
        .order_by(m.ObservationRow.year, m.ObservationRow.region_id, m.ObservationRow.code, m.ObservationRow.period)
        .limit(limit)
    )
    with store.session() as s:
        found = list(s.execute(q))
        approved = _approved_before(s, {r.year for r, *_ in found})
    out = []
    for r, at, actor, region in found:
        old = approved.get((r.region_id, r.code, r.period))
        out.append(Pending(r.id, region, r.code, r.period, r.year, r.value, r.source or "", r.note or "", r.vintage, at, actor,
                           None if old is None else old[1], None if old is None else old[2]))
    return out


def _approved_before(s: Session, years: set[int]) -> dict[tuple[int, str, str], tuple[int, float | None, str]]:
    """The newest superseded approved (or locked) vintage of each figure in these years."""
    if not years:
        return {}
    q = select(m.ObservationRow.region_id, m.ObservationRow.code, m.ObservationRow.period, m.ObservationRow.vintage, m.ObservationRow.value, m.ObservationRow.status)
    q = q.where(m.ObservationRow.year.in_(sorted(years)), m.ObservationRow.current.is_(False), m.ObservationRow.status.in_(("approved", "locked")))
    best: dict[tuple[int, str, str], tuple[int, float | None, str]] = {}
    for region_id, code, period, vintage, value, status in s.execute(q):
        key = (region_id, code, period)
        if key not in best or vintage > best[key][0]:
            best[key] = (vintage, value, status)
    return best


def status_counts(store: Store) -> dict[int, dict[str, int]]:
    """How many current annual figures each year holds, by status (what stands between a year and its lock)."""
    q = select(m.ObservationRow.year, m.ObservationRow.status, func.count()).where(
        m.ObservationRow.current.is_(True), m.ObservationRow.period == m.ObservationRow.year.cast(String)).group_by(m.ObservationRow.year, m.ObservationRow.status)
    out: dict[int, dict[str, int]] = {}
    with store.session() as s:
        for year, status, n in s.execute(q):
            out.setdefault(int(year), {})[status] = int(n)
    return out


def pending_count(store: Store, *, year: int | None = None) -> int:
    """How many figures wait for review."""
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(m.ObservationRow).where(_pending_query(year))) or 0)


def transition_ids(store: Store, action: str, ids: Sequence[int], *, actor: str, comment: str = "") -> int:
    """Move exactly these figure vintages (by id) to the action's status, all or none.

    A figure that is no longer the current vintage, or no longer in a status the action
    applies to (another reviewer got there first, a reporter changed it), makes the whole
    action a :class:`ConflictError` naming it; see :func:`stpi.store.observations.move`.
    """
    if action not in TRANSITIONS:
        raise NotFoundError(f"未知操作 unknown action {action!r}; 可选 valid: {', '.join(TRANSITIONS)}")
    if action == "return" and not comment.strip():
        raise InputError([Problem("<return>", None, "comment", "退回须填写意见 a return needs a comment")])
    wanted = sorted(set(ids))
    if not wanted:
        raise InputError([Problem(f"<{action}>", None, "ids", "未选择任何数据 no figure selected")])
    with store.session(write=True) as s:
        return move(s, action, wanted, actor=actor, comment=comment)


def return_each(store: Store, comments: Mapping[int, str], *, actor: str) -> int:
    """Return these figure vintages, each with its own comment, all or none in one transaction (see :func:`transition_ids`)."""
    missing = sorted(i for i, c in comments.items() if not c.strip())
    if missing or not comments:
        raise InputError([Problem("<return>", None, "comment", "每条退回的数据都须填写意见 every returned figure needs a comment")])
    by_comment: dict[str, list[int]] = {}
    for id_, comment in sorted(comments.items()):
        by_comment.setdefault(comment.strip(), []).append(id_)
    with store.session(write=True) as s:
        return sum(move(s, "return", ids, actor=actor, comment=comment) for comment, ids in by_comment.items())
