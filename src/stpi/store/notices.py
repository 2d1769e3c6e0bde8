"""Notices to people: every event someone must act on becomes a message in the inbox of each account it concerns,
and, where configured, a delivery owed in the outbox (an e-mail to the account, a post to its party's group robot).

Messages and deliveries are written in the transaction of their event, or by :func:`sweep` for events read from
the store (a figure returned, a deadline near, a task overdue). Each names its event by a key that is unique per
account and per delivery, so running the sweep again, or two sweeps at once, adds nothing twice. The outbox is
sent by :mod:`stpi.notify.worker`, outside any request.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from stpi.errors import InputError, NotFoundError, Problem
from stpi.store import models as m
from stpi.store.core import Store, now

__all__ = ["KINDS", "Message", "Notice", "Party", "bureau", "county", "department", "inbox", "mark_read", "mark_read_link", "notify_in", "party_of", "set_email", "set_smtp_password",
           "emails", "remind", "sweep", "unread_count"]

# the kinds of message, and who gets them
KINDS = ("returned", "supervision", "reply", "sent_back", "closed", "deadline", "overdue", "reminder")
RETURN_WINDOW_DAYS = 14  # returns older than this are not announced any more (the reporter sees them on the due list anyway)


@dataclass(frozen=True)
class Party:
    """Who an event concerns: the bureau (its admins), a department's or a county's reporters."""

    kind: str  # bureau / department / county
    code: str = ""


def bureau() -> Party:
    """The S&T bureau: every active admin account."""
    return Party("bureau")


def department(code: str) -> Party:
    """A department's reporters."""
    return Party("department", code)


def county(code: str) -> Party:
    """A county's reporters."""
    return Party("county", code)


@dataclass(frozen=True)
class Notice:
    """One event to tell: its kind, a key unique to the event, the words in both languages, a link into the app."""

    kind: str
    key: str
    subject: str
    body: str
    subject_en: str
    body_en: str
    link: str = ""


@dataclass(frozen=True)
class Message:
    """One message in an inbox."""

    id: int
    kind: str
    subject: str
    body: str
    link: str
    created_at: datetime
    read: bool


def _recipients(s: Session, party: Party) -> list[str]:
    u = m.UserRow
    q = select(u.username).where(u.active.is_(True))
    if party.kind == "bureau":
        q = q.where(u.role == "admin")
    elif party.kind == "department":
        q = q.join(m.DepartmentRow, m.DepartmentRow.id == u.department_id).where(u.role == "department", m.DepartmentRow.code == party.code)
    else:
        q = q.join(m.RegionRow, m.RegionRow.id == u.region_id).where(u.role == "county", m.RegionRow.code == party.code)
    return sorted(s.scalars(q))


def _insert_new(s: Session, table: type[m.Base], rows: list[dict[str, object]], keys: Sequence[str]) -> int:
    """Insert the rows whose key is not there yet (a concurrent sweep's rows win quietly); how many were new."""
    if not rows:
        return 0
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(table).values(rows).on_conflict_do_nothing(index_elements=list(keys))
    return int(s.execute(stmt).rowcount or 0)  # type: ignore[attr-defined]


def notify_in(s: Session, party: Party, notice: Notice) -> int:
    """Write the notice into the inbox of every account of the party, and the deliveries owed, inside the caller's transaction.

    E-mail goes to accounts with an address when ``smtp_host`` is set; a post to each active group robot of
    the party. Returns how many new inbox messages were written (0 when the event was told before).
    """
    stamp = now()
    users = _recipients(s, party)
    messages = [dict(recipient=u, kind=notice.kind, key=notice.key, subject=notice.subject[:256], body=notice.body, subject_en=notice.subject_en[:256],
                     body_en=notice.body_en, link=notice.link, created_at=stamp) for u in users]
    written = _insert_new(s, m.MessageRow, messages, ("recipient", "key"))
    owed: list[dict[str, object]] = []
    base = dict(subject=notice.subject[:256], link=notice.link, status="pending", attempts=0, next_at=stamp, last_error="", created_at=stamp)
    if _setting_in(s, "smtp_host"):
        for name, email in s.execute(select(m.ContactRow.username, m.ContactRow.email).where(m.ContactRow.username.in_(users))):
            owed.append(dict(base, key=f"email:{name}:{notice.key}"[:200], channel="email", target=email, label=name,
                             body=f"{notice.body}\n\n——\n{notice.subject_en}\n{notice.body_en}"))
    hooks = select(m.WebhookRow).where(m.WebhookRow.active.is_(True), m.WebhookRow.party == ("" if party.kind == "bureau" else party.code))
    for hook in s.scalars(hooks):
        owed.append(dict(base, key=f"{hook.kind}:{hook.id}:{notice.key}"[:200], channel=hook.kind, target=hook.url, label=hook.name, body=notice.body))
    _insert_new(s, m.OutboxRow, owed, ("key",))
    return written


def _setting_in(s: Session, key: str) -> str:
    row = s.get(m.SettingRow, key)
    return "" if row is None else row.value.strip()


# ------------------------------------------------------------------ the inbox


def inbox(store: Store, username: str, *, unread_only: bool = False, limit: int = 200) -> list[Message]:
    """An account's messages, newest first, in the language asked for (Chinese unless English)."""
    from stpi.i18n import get_lang

    en = get_lang() == "en"
    q = select(m.MessageRow).where(m.MessageRow.recipient == username).order_by(m.MessageRow.id.desc()).limit(limit)
    if unread_only:
        q = q.where(m.MessageRow.read_at.is_(None))
    with store.session() as s:
        return [Message(r.id, r.kind, (r.subject_en if en and r.subject_en else r.subject), (r.body_en if en and r.body_en else r.body), r.link,
                        r.created_at, r.read_at is not None) for r in s.scalars(q)]


def unread_count(store: Store, username: str) -> int:
    """How many of an account's messages are unread (the count on every page)."""
    q = select(func.count()).select_from(m.MessageRow).where(m.MessageRow.recipient == username, m.MessageRow.read_at.is_(None))
    with store.session() as s:
        return int(s.scalar(q) or 0)


def mark_read(store: Store, username: str, ids: Iterable[int] | None = None) -> int:
    """Mark an account's messages read (these ids, or all); another account's ids are ignored. How many changed."""
    cond = [m.MessageRow.recipient == username, m.MessageRow.read_at.is_(None)]
    if ids is not None:
        cond.append(m.MessageRow.id.in_(sorted(set(ids))))
    with store.session(write=True) as s:
        return int(s.execute(update(m.MessageRow).where(and_(*cond)).values(read_at=now())).rowcount or 0)  # type: ignore[attr-defined]


def mark_read_link(store: Store, username: str, link: str) -> int:
    """Opening a page reads the account's messages that point to it (a supervision notice's page); how many changed."""
    cond = and_(m.MessageRow.recipient == username, m.MessageRow.link == link, m.MessageRow.read_at.is_(None))
    with store.session() as s:
        if not s.scalar(select(func.count()).select_from(m.MessageRow).where(cond)):
            return 0  # nothing unread: no write on a plain page view
    with store.session(write=True) as s:
        return int(s.execute(update(m.MessageRow).where(cond).values(read_at=now())).rowcount or 0)  # type: ignore[attr-defined]


def set_email(store: Store, username: str, email: str, *, actor: str) -> None:
    """Give an account an e-mail address for notices ('' removes it); audited."""
    email = email.strip()
    if email and (len(email) > 256 or "@" not in email or any(ch.isspace() or ord(ch) < 32 for ch in email)):
        raise InputError([Problem("<contact>", None, "email", "邮箱地址格式不正确 not an e-mail address", email)])
    with store.session(write=True) as s:
        if s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first() is None:
            raise NotFoundError(f"没有该用户 no user {username!r}")
        row = s.get(m.ContactRow, username)
        old = "" if row is None else row.email
        if row is not None:
            s.delete(row)
            s.flush()
        if email:
            s.add(m.ContactRow(username=username, email=email))
        Store.audit_in(s, actor, "setting", "contact", username, old, email)


def emails(store: Store) -> dict[str, str]:
    """Every account's e-mail address for notices."""
    with store.session() as s:
        return {str(u): str(e) for u, e in s.execute(select(m.ContactRow.username, m.ContactRow.email))}


# --------------------------------------------------------- events read from the store


def party_of(s: Session, region_id: int, code: str, *, city_id: int, leads: dict[str, list[str]]) -> list[Party]:
    """Who reports a figure: the county for a county's figure; for the city's, the reporters whose task has it, else the lead departments."""
    region = s.get(m.RegionRow, region_id)
    if region is None:
        return []
    if region_id != city_id and region.level == "county":
        return [county(region.code)]
    tasks = s.execute(select(m.TaskRow.reporter_kind, m.TaskRow.reporter, m.TaskRow.code, m.TaskRow.variables).where(m.TaskRow.region_id == region_id)).all()
    found = sorted({(k, r) for k, r, c, v in tasks if code == c or code in (v or "").split(";")})
    if found:
        return [Party(k, r) for k, r in found]
    return [department(d) for d in leads.get(code, [])]


def sweep(store: Store, *, today: datetime | None = None) -> int:
    """Tell the events read from the store that were not told yet: figures returned, deadlines near, tasks overdue.

    Safe to run any number of times and from several processes at once (every event has its key). How many new inbox messages.
    """
    from stpi.store.notice_words import deadline_notice, returned_notice

    stamp = today or now()
    written = 0
    plan = store.plan()
    leads: dict[str, list[str]] = {i.code: list(i.lead) for i in plan.indicators}
    city_id_code = store.region(plan.region).code
    with store.session(write=True) as s:
        city_id = int(s.scalar(select(m.RegionRow.id).where(m.RegionRow.code == city_id_code)) or 0)
        regions = {r.code: r.id for r in s.scalars(select(m.RegionRow))}
        q = select(m.AuditRow).where(m.AuditRow.action == "return", m.AuditRow.entity == "observation", m.AuditRow.at >= stamp - timedelta(days=RETURN_WINDOW_DAYS))
        for row in s.scalars(q.order_by(m.AuditRow.id)):
            region, code, period = (row.key.split("/") + ["", "", ""])[:3]
            for party in party_of(s, regions.get(region, -1), code, city_id=city_id, leads=leads):
                written += notify_in(s, party, returned_notice(row.id, region, code, period, row.reason))
    written += _sweep_tasks(store, stamp)
    return written


def _sweep_tasks(store: Store, stamp: datetime) -> int:
    """One reminder per reporter, round and deadline when tasks fall due within ``notify_deadline_days``, one when they are overdue."""
    from stpi.store import rounds
    from stpi.store.notice_words import deadline_notice
    from stpi.store.settings import get_setting

    days = int(get_setting(store, "notify_deadline_days"))  # type: ignore[call-overload]
    groups: dict[tuple[str, str, str, str, str], list[rounds.Task]] = {}
    for task in rounds.due_tasks(store, within_days=days, today=stamp.date()):
        if task.status in ("due", "overdue"):
            groups.setdefault((task.status, task.reporter_kind, task.reporter, task.period, task.deadline.isoformat()), []).append(task)
    written = 0
    with store.session(write=True) as s:
        for (status, kind, reporter, period, deadline), items in sorted(groups.items()):
            written += notify_in(s, Party(kind, reporter), deadline_notice(status, reporter, items[0].reporter_name, period, deadline, items))
    return written


def set_smtp_password(store: Store, password: str, *, actor: str) -> None:
    """Keep the SMTP password (a secret setting: never listed, shown or written into a backup); audited without its value."""
    from stpi.store.settings import SMTP_PASSWORD

    if len(password) > 256 or any(ord(ch) < 32 for ch in password):
        raise InputError([Problem("<smtp>", None, "password", "应为一行不超过 256 个字符 one line of at most 256 characters")])
    with store.session(write=True) as s:
        row = s.get(m.SettingRow, SMTP_PASSWORD)
        if row is None:
            s.add(m.SettingRow(key=SMTP_PASSWORD, value=password))
        else:
            row.value = password
        Store.audit_in(s, actor, "setting", "setting", SMTP_PASSWORD, "***" if row is not None else "", "***" if password else "")


def remind(store: Store, *, actor: str, reporter: str | None = None, today: datetime | None = None) -> int:
    """The bureau reminds one reporter (code or name) of its open tasks, or every reporter with overdue tasks; audited.

    Each reminder is a new notice (its key names the moment), told in the inbox and delivered like any other.
    How many reporters were reminded.
    """
    from stpi.store import rounds
    from stpi.store.notice_words import reminder_notice

    stamp = today or now()
    open_tasks = [t for t in rounds.due_tasks(store, today=stamp.date()) if t.status in ("due", "overdue", "returned")]
    if reporter is not None:
        chosen = [t for t in open_tasks if reporter in (t.reporter, t.reporter_name)]
    else:
        late = {t.reporter for t in open_tasks if t.status == "overdue"}
        chosen = [t for t in open_tasks if t.reporter in late]
    groups: dict[tuple[str, str, str], list[rounds.Task]] = {}
    for t in chosen:
        groups.setdefault((t.reporter_kind, t.reporter, t.reporter_name), []).append(t)
    with store.session(write=True) as s:
        for (kind, code, name), items in sorted(groups.items()):
            notify_in(s, Party(kind, code), reminder_notice(code, name, items, stamp.isoformat(timespec="seconds")))
        Store.audit_in(s, actor, "remind", "round", reporter or "overdue", "", f"{len(groups)} reporters")
    return len(groups)
