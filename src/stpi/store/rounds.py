"""Reporting rounds (填报轮次) and their tasks (填报任务): what is due from whom by when.

Opening a round writes one task per (reporter, item): a department owes the city's figure of
every indicator it leads, a county its own figure of every indicator of the plan. A task's
status is read from the figures themselves (so every door that writes or reviews figures moves
it): none or a draft is due (overdue after its deadline), then submitted, returned (with the
reviewer's comment) or approved. Its submission time is kept on the task: when its reporter
first submitted it, or when the bureau received the figures it entered on the reporter's behalf.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, InputError, NotFoundError, Problem
from stpi.framework.embedded import embedded_variables
from stpi.store import models as m
from stpi.store.core import Store, now

__all__ = ["TASK_STATUSES", "Round", "Task", "close_rounds_in", "round_deadline", "submission_times", "task_deadlines", "default_deadline", "due_tasks", "mark_submitted_in", "lock_refusal", "missing_by_reporter", "open_round", "open_tasks", "open_tasks_in", "STATUS_WORDS", "figure_word", "status_word",
           "rounds", "set_deadline", "task_status", "tasks"]

TASK_STATUSES = ("due", "overdue", "submitted", "returned", "approved")
_PERIOD = re.compile(r"^(\d{4})(?:Q([1-4])|M(0[1-9]|1[0-2]))?$")
# the status of a task read from its figures' workflow statuses: the least advanced figure counts
_ORDER = {"returned": 0, "draft": 1, "submitted": 2, "approved": 3, "locked": 3}


@dataclass(frozen=True)
class Round:
    """One round: a year's collection or one dispatch period, with its default deadline."""

    id: int
    year: int
    period: str
    deadline: date
    status: str  # open / closed
    opened_at: datetime
    opened_by: str
    tasks: int


@dataclass(frozen=True)
class Task:
    """One item a reporter owes in a round, with its status as the figures say it today."""

    id: int
    period: str
    year: int
    reporter_kind: str  # department / county
    reporter: str  # code
    reporter_name: str
    region: str  # the region whose figure it is (code)
    region_name: str
    code: str
    name: str
    gives: str  # value / either (the indicator value, or the raw statistics it is computed from)
    variables: tuple[str, ...]
    deadline: date
    status: str  # due / overdue / submitted / returned / approved
    days_left: int  # negative once overdue
    submitted_at: datetime | None
    submitted_by: str | None
    comment: str  # the reviewer's comment on a returned figure
    on_time: bool | None  # submitted by the deadline; None while nothing is submitted


def _period_end(period: str) -> date:
    match = _PERIOD.match(period)
    if not match:
        raise InputError([Problem("<round>", None, "period", "期间格式应为 2025 / 2025Q3 / 2025M07 period must look like 2025, 2025Q3 or 2025M07", period)])
    year, quarter, month = int(match.group(1)), match.group(2), match.group(3)
    last = 12 if not (quarter or month) else int(quarter) * 3 if quarter else int(month)
    return date(year, last, calendar.monthrange(year, last)[1])


def default_deadline(store: Store, period: str) -> date:
    """The deadline a round gets unless one is given: settings ``yearly_deadline`` (next year's month-day) and ``period_deadline_days``."""
    from stpi.store.settings import get_setting

    end = _period_end(period)
    if len(period) == 4:
        text = str(get_setting(store, "yearly_deadline"))
        try:
            month, day = (int(p) for p in text.split("-"))
            return date(end.year + 1, month, day)
        except ValueError:
            raise InputError([Problem("setting", None, "yearly_deadline", "应为 月-日，如 03-31 expected MM-DD, e.g. 03-31", text)]) from None
    days = int(get_setting(store, "period_deadline_days"))  # type: ignore[call-overload]
    return date.fromordinal(end.toordinal() + days)


def _reporters(store: Store, counties: bool) -> list[tuple[str, str, str, list[str]]]:
    """(kind, reporter code, region code, indicator codes): departments by their lead assignments, then counties."""
    plan = store.plan()
    city = store.region(plan.region).code
    found = []
    for dep in plan.departments:
        codes = [i.code for i in plan.indicators if dep.code in i.lead]
        if codes:
            found.append(("department", dep.code, city, codes))
    if counties:
        found += [("county", r.code, r.code, [i.code for i in plan.indicators]) for r in store.regions("county")]
    return found


def open_round(store: Store, *, year: int, actor: str, period: str | None = None, deadline: date | None = None,
               deadlines: Mapping[str, date] | None = None, counties: bool = True) -> Round:
    """Open a round and write its tasks; ``deadlines`` gives some reporters (code or name) their own."""
    period = period or str(year)
    if _period_end(period).year != year:
        raise InputError([Problem("<round>", None, "period", f"期间不属于{year}年 the period is not in {year}", period)])
    deadline = deadline or default_deadline(store, period)
    plan = store.plan()
    names = {d.code: d.code for d in plan.departments} | {d.name: d.code for d in plan.departments}
    names |= {r.code: r.code for r in store.regions("county")} | {r.name: r.code for r in store.regions("county")}
    own = {}
    for who, when in (deadlines or {}).items():
        if who not in names:
            raise NotFoundError(f"没有该填报单位：{who} no such reporter: {who}")
        own[names[who]] = when
    _, formulas = embedded_variables()
    with store.session(write=True) as s:
        if s.scalar(select(m.RoundRow.id).where(m.RoundRow.period == period)) is not None:
            raise ConflictError(f"{period}轮次已开启 the round {period} is already open")
        if s.get(m.YearLockRow, year) is not None:
            raise ConflictError(f"{year}年已锁定，不能再开启轮次 year {year} is locked: no round can open")
        row = m.RoundRow(year=year, period=period, deadline=deadline, status="open", opened_at=now(), opened_by=actor)
        s.add(row)
        s.flush()
        region_ids = {r.code: r.id for r in s.scalars(select(m.RegionRow))}
        count = 0
        for kind, reporter, region, codes in _reporters(store, counties):
            for code in codes:
                variables = ";".join(formulas[code].variables) if code in formulas else ""
                s.add(m.TaskRow(round_id=row.id, reporter_kind=kind, reporter=reporter, region_id=region_ids[region], code=code,
                                gives="either" if variables else "value", variables=variables, deadline=own.get(reporter, deadline)))
                count += 1
        Store.audit_in(s, actor, "open", "round", period, "", f"{count} tasks, deadline {deadline.isoformat()}")
        return Round(row.id, year, period, deadline, "open", row.opened_at, actor, count)


def set_deadline(store: Store, *, period: str, reporter: str, deadline: date, actor: str) -> int:
    """Give one reporter (code or name) its own deadline in a round; the number of its tasks."""
    plan = store.plan()
    code = next((d.code for d in plan.departments if reporter in (d.code, d.name)), None)
    code = code or next((r.code for r in store.regions("county") if reporter in (r.code, r.name)), reporter)
    with store.session(write=True) as s:
        round_id = _round_id(s, period)
        q = update(m.TaskRow).where(m.TaskRow.round_id == round_id, m.TaskRow.reporter == code).values(deadline=deadline).returning(m.TaskRow.id)
        n = len(list(s.scalars(q, execution_options={"synchronize_session": False})))
        if not n:
            raise NotFoundError(f"{period}轮次中没有{reporter}的任务 no tasks of {reporter} in round {period}")
        Store.audit_in(s, actor, "deadline", "round", f"{period}/{code}", "", deadline.isoformat())
        return int(n)


def _round_id(s: Session, period: str) -> int:
    found = s.scalar(select(m.RoundRow.id).where(m.RoundRow.period == period))
    if found is None:
        raise NotFoundError(f"没有{period}轮次 no round {period}; 用 stpi round open 开启 open it with stpi round open")
    return int(found)


def rounds(store: Store, *, year: int | None = None) -> list[Round]:
    """Rounds, newest period first, with their number of tasks."""
    with store.session() as s:
        q = select(m.RoundRow).order_by(m.RoundRow.period.desc())
        rows = [r for r in s.scalars(q) if year is None or r.year == year]
        counts: dict[int, int] = {}
        for (rid,) in s.execute(select(m.TaskRow.round_id)):
            counts[rid] = counts.get(rid, 0) + 1
        return [Round(r.id, r.year, r.period, r.deadline, r.status, r.opened_at, r.opened_by, counts.get(r.id, 0)) for r in rows]


def task_status(statuses: Mapping[str, tuple[str, str]], code: str, variables: Sequence[str], deadline: date, today: date) -> tuple[str, str]:
    """A task's status and comment from its figures' (status, comment) by code: the indicator value wins over its raw statistics."""
    if code in statuses:
        found = [statuses[code]]
    elif variables and any(v in statuses for v in variables):
        found = [statuses[v] for v in variables if v in statuses]
        if len(found) < len(variables) and all(st in ("approved", "locked") for st, _ in found):
            found.append(("draft", ""))  # some raw statistics still missing
    else:
        found = [("draft", "")]
    status, comment = min(found, key=lambda f: _ORDER.get(f[0], 1))
    if status in ("approved", "locked"):
        return "approved", ""
    if status in ("submitted", "returned"):
        return status, comment if status == "returned" else ""
    return ("overdue" if today > deadline else "due"), ""


def _figure_statuses(s: Session, periods: Iterable[str]) -> dict[tuple[int, str, str], tuple[str, str]]:
    o = m.ObservationRow
    periods = sorted(set(periods))
    if not periods:
        return {}
    q = select(o.region_id, o.code, o.period, o.status, o.comment).where(o.current.is_(True), o.period.in_(periods))
    return {(r, c, p): (st, cm or "") for r, c, p, st, cm in s.execute(q)}


def _read(s: Session, store: Store, rows: Sequence[tuple[m.TaskRow, m.RoundRow]], today: date) -> list[Task]:
    plan = store.plan()
    regions = {r.id: (r.code, r.name) for r in s.scalars(select(m.RegionRow))}
    dep_names = {d.code: d.name for d in plan.departments}
    ind_names = {i.code: i.name for i in plan.indicators}
    figures = _figure_statuses(s, {rd.period for _, rd in rows})
    out = []
    for t, rd in rows:
        variables = tuple(v for v in t.variables.split(";") if v)
        mine = {c: figures[(t.region_id, c, rd.period)] for c in (t.code, *variables) if (t.region_id, c, rd.period) in figures}
        status, comment = task_status(mine, t.code, variables, t.deadline, today)
        region, region_name = regions[t.region_id]
        reporter_name = dep_names.get(t.reporter) or (region_name if t.reporter_kind == "county" else t.reporter)
        on_time = None if t.submitted_at is None else t.submitted_at.date() <= t.deadline
        out.append(Task(t.id, rd.period, rd.year, t.reporter_kind, t.reporter, reporter_name, region, region_name, t.code, ind_names.get(t.code, t.code),
                        t.gives, variables, t.deadline, status, t.deadline.toordinal() - today.toordinal(), t.submitted_at, t.submitted_by, comment, on_time))
    return out


def tasks(store: Store, *, year: int | None = None, period: str | None = None, reporter: str | None = None, status: Iterable[str] | None = None,
          today: date | None = None) -> list[Task]:
    """Tasks matching a filter (``reporter``: a department's or a county's code or name), by deadline, reporter and item."""
    today = today or now().date()
    with store.session() as s:
        q = select(m.TaskRow, m.RoundRow).join(m.RoundRow, m.RoundRow.id == m.TaskRow.round_id)
        if year is not None:
            q = q.where(m.RoundRow.year == year)
        if period is not None:
            q = q.where(m.RoundRow.period == period)
        found = _read(s, store, [(a, b) for a, b in s.execute(q.order_by(m.RoundRow.period, m.TaskRow.deadline, m.TaskRow.reporter, m.TaskRow.id))], today)
    if reporter is not None:
        found = [t for t in found if reporter in (t.reporter, t.reporter_name)]
    wanted = set(status) if status is not None else None
    return [t for t in found if wanted is None or t.status in wanted]


def due_tasks(store: Store, *, within_days: int | None = None, today: date | None = None) -> list[Task]:
    """Open tasks of open rounds that someone must act on: overdue, returned, or due within ``within_days`` (every due one when None).

    The hook for reminders and notices: each task names its reporter, deadline, days left and, when returned, the comment.
    """
    today = today or now().date()
    with store.session() as s:
        q = select(m.TaskRow, m.RoundRow).join(m.RoundRow, m.RoundRow.id == m.TaskRow.round_id).where(m.RoundRow.status == "open")
        found = _read(s, store, [(a, b) for a, b in s.execute(q.order_by(m.TaskRow.deadline, m.TaskRow.reporter, m.TaskRow.id))], today)
    return [t for t in found if t.status in ("overdue", "returned") or (t.status == "due" and (within_days is None or t.days_left <= within_days))]


def open_tasks(store: Store, year: int, *, today: date | None = None) -> list[Task]:
    """The year's tasks not yet approved (what a lock waits for)."""
    with store.session() as s:
        return open_tasks_in(s, store, year, today=today)


def open_tasks_in(s: Session, store: Store, year: int, *, today: date | None = None) -> list[Task]:
    """The year's tasks (its yearly round) not yet approved, read inside the caller's transaction."""
    q = (select(m.TaskRow, m.RoundRow).join(m.RoundRow, m.RoundRow.id == m.TaskRow.round_id)
         .where(m.RoundRow.period == str(year)).order_by(m.TaskRow.reporter_kind.desc(), m.TaskRow.reporter, m.TaskRow.id))
    return [t for t in _read(s, store, [(a, b) for a, b in s.execute(q)], today or now().date()) if t.status != "approved"]


STATUS_WORDS = {"due": ("未报", "due"), "overdue": ("逾期", "overdue"), "submitted": ("已报送", "submitted"), "returned": ("已退回", "returned"),
                "approved": ("已通过", "approved")}
_FIGURE_WORDS = {"draft": ("草稿", "draft"), "submitted": ("待审核", "awaiting review"), "returned": ("已退回", "returned")}


def status_word(status: str, lang: str = "zh") -> str:
    """未报 / 逾期 / 已报送 / 已退回 / 已通过 (or the English word)."""
    zh, en = STATUS_WORDS.get(status, (status, status))
    return en if lang == "en" else zh


def figure_word(status: str) -> str:
    """A figure's workflow status in Chinese (草稿, 待审核, 已退回)."""
    return _FIGURE_WORDS.get(status, (status, status))[0]


def missing_by_reporter(waiting: Sequence[Task], *, lang: str = "zh", limit: int = 8) -> str:
    """'市科技局：I01 未报、I02 已退回；武都区：……' — what is still open, grouped by reporter."""
    by: dict[str, list[Task]] = {}
    for t in waiting:
        by.setdefault(t.reporter_name, []).append(t)
    parts = []
    for name, items in by.items():
        shown = "、".join(f"{t.code} {status_word(t.status, lang)}" for t in items[:limit])
        more = (f"等{len(items)}项" if lang == "zh" else f" and {len(items) - limit} more") if len(items) > limit else ""
        parts.append(f"{name}：{shown}{more}" if lang == "zh" else f"{name}: {shown}{more}")
    return ("；" if lang == "zh" else "; ").join(parts)


def lock_refusal(year: int, waiting: Sequence[Task], pending: Mapping[str, int], examples: Sequence[str]) -> str:
    """Why a year cannot be locked, in Chinese then English, one line per part: open tasks by reporter, figures awaiting review."""
    zh = [f"{year}年尚有未审核通过的填报任务或数据，不能锁定："]
    en = [f"{year} cannot be locked yet:"]
    if waiting:
        zh.append(f"未通过的任务{len(waiting)}项（按填报单位）：{missing_by_reporter(waiting)}。")
        en.append(f"{len(waiting)} task(s) not approved, by reporter: {missing_by_reporter(waiting, lang='en')}.")
    if pending:
        zh.append("未审核通过的数据：" + (f"{'、'.join(examples)}；" if examples else "") + "共" + "、".join(f"{figure_word(st)}{n}条" for st, n in sorted(pending.items())) + "。")
        en.append("figures not approved: " + ", ".join(f"{n} {_FIGURE_WORDS.get(st, (st, st))[1]}" for st, n in sorted(pending.items())) + ".")
    zh.append("确需锁定请使用 --force --reason 说明原因。")
    en.append("To lock anyway, use --force --reason TEXT.")
    return "\n".join(zh) + "\n" + " ".join(en)


def mark_submitted_in(s: Session, figures: Iterable[tuple[int, str, str]], *, at: datetime, by: str) -> int:
    """Record the first submission of the tasks these figures (region id, code, period) belong to, inside the caller's write."""
    keys = set(figures)
    periods = sorted({p for _, _, p in keys})
    if not keys or s.scalar(select(m.RoundRow.id).where(m.RoundRow.period.in_(periods), m.RoundRow.status == "open").limit(1)) is None:
        return 0
    q = (select(m.TaskRow.id, m.TaskRow.region_id, m.TaskRow.code, m.TaskRow.variables, m.RoundRow.period).join(m.RoundRow, m.RoundRow.id == m.TaskRow.round_id)
         .where(m.RoundRow.period.in_(periods), m.TaskRow.submitted_at.is_(None)))
    ids = [tid for tid, region, code, variables, period in s.execute(q)
           if any((region, c, period) in keys for c in (code, *[v for v in variables.split(";") if v]))]
    for start in range(0, len(ids), 5000):
        s.execute(update(m.TaskRow).where(m.TaskRow.id.in_(ids[start:start + 5000]), m.TaskRow.submitted_at.is_(None)).values(submitted_at=at, submitted_by=by),
                  execution_options={"synchronize_session": False})
    return len(ids)


def close_rounds_in(s: Session, year: int) -> None:
    """Close the year's rounds (the lock does this, in its own transaction)."""
    s.execute(update(m.RoundRow).where(m.RoundRow.year == year, m.RoundRow.status == "open").values(status="closed", closed_at=now()),
              execution_options={"synchronize_session": False})


def submission_times(store: Store, year: int, region: str) -> dict[str, datetime]:
    """When each code's figure of ``year`` for ``region`` (a code) was first submitted: what timeliness is judged by.

    A task's recorded submission wins; otherwise the first non-draft vintage's batch: the date the bureau
    received the figures when it entered them for a reporter (``received_at``), else the time they were written.
    """
    o, b = m.ObservationRow, m.BatchRow
    found: dict[str, datetime] = {}
    with store.session() as s:
        region_id = s.scalar(select(m.RegionRow.id).where(m.RegionRow.code == region))
        q = (select(o.code, o.status, o.current, b.received_at, b.at).join(b, b.id == o.batch_id)
             .where(o.year == year, o.period == str(year), o.region_id == region_id))
        for code, status, current, received, at in s.execute(q):
            if current and status == "draft":
                continue
            when = received or at
            found[code] = min(found.get(code, when), when)
        tasks = (select(m.TaskRow.code, m.TaskRow.submitted_at).join(m.RoundRow, m.RoundRow.id == m.TaskRow.round_id)
                 .where(m.RoundRow.period == str(year), m.TaskRow.region_id == region_id, m.TaskRow.submitted_at.is_not(None)))
        recorded: dict[str, datetime] = {}
        for code, first in s.execute(tasks):
            if first is not None:
                recorded[code] = min(recorded.get(code, first), first)
    return found | recorded


def round_deadline(store: Store, year: int) -> date | None:
    """The deadline of the year's round, when one was opened."""
    with store.session() as s:
        found = s.scalar(select(m.RoundRow.deadline).where(m.RoundRow.period == str(year)))
    return found


def task_deadlines(store: Store, year: int, region: str) -> dict[str, date]:
    """Each code's deadline in the year's round for ``region`` (a code): the latest of its reporters' (one given more time counts)."""
    with store.session() as s:
        q = (select(m.TaskRow.code, m.TaskRow.deadline).join(m.RoundRow, m.RoundRow.id == m.TaskRow.round_id)
             .join(m.RegionRow, m.RegionRow.id == m.TaskRow.region_id).where(m.RoundRow.period == str(year), m.RegionRow.code == region))
        found: dict[str, date] = {}
        for code, deadline in s.execute(q):
            found[code] = max(found.get(code, deadline), deadline)
    return found
