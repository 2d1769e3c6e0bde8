"""The outbox: deliveries owed (e-mails, robot posts), claimed by a worker with a lease, marked sent or retried.

At least once: a delivery is claimed (status sending, a lease, one more attempt) in its own short transaction,
sent outside any transaction, then marked sent. A worker that dies mid-send leaves its claim, which lapses when
the lease ends; the next run sends it again. A failure is retried with a growing wait, up to
``notify_max_attempts``; then it is failed, for the admin to see and retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, update

from stpi.errors import InputError, Problem
from stpi.store import models as m
from stpi.store.core import Store, now

__all__ = ["Delivery", "OUTBOX_STATUSES", "ROBOTS", "Webhook", "claim", "deliveries", "mark_failed", "mark_sent", "retry", "robot_secret", "status_counts",
           "webhook_add", "webhook_list", "webhook_remove", "webhooks"]

OUTBOX_STATUSES = ("pending", "sending", "sent", "failed")
ROBOTS = ("wecom", "dingtalk")


@dataclass(frozen=True)
class Delivery:
    """One delivery as the admin sees it (a robot's URL is not shown: it holds the robot's key)."""

    id: int
    channel: str
    label: str
    target: str
    subject: str
    body: str
    link: str
    status: str
    attempts: int
    next_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None


def _delivery(r: m.OutboxRow) -> Delivery:
    return Delivery(r.id, r.channel, r.label, r.target, r.subject, r.body, r.link, r.status, r.attempts, r.next_at, r.last_error, r.created_at, r.sent_at)


def claim(store: Store, *, lease_seconds: int = 120, limit: int = 20, at: datetime | None = None) -> list[Delivery]:
    """Claim up to ``limit`` deliveries that are due: pending ones whose wait is over, and sending ones whose lease lapsed.

    Each claim is a compare-and-set on the status and attempts read, so two workers never hold one delivery at once.
    """
    stamp = at or now()
    o = m.OutboxRow
    due = or_(and_(o.status == "pending", o.next_at <= stamp), and_(o.status == "sending", o.lease_until < stamp))
    got: list[Delivery] = []
    with store.session(write=True) as s:
        for row in list(s.scalars(select(o).where(due).order_by(o.next_at, o.id).limit(limit))):
            done = s.execute(update(o).where(o.id == row.id, o.status == row.status, o.attempts == row.attempts)
                             .values(status="sending", attempts=row.attempts + 1, lease_until=stamp + timedelta(seconds=lease_seconds)).returning(o.id),
                             execution_options={"synchronize_session": False}).first()
            if done is not None:
                s.refresh(row)
                got.append(_delivery(row))
    return got


def mark_sent(store: Store, delivery: Delivery) -> bool:
    """The delivery went out; False when its claim had lapsed and another worker holds it now (it may go out twice: at least once)."""
    o = m.OutboxRow
    with store.session(write=True) as s:
        done = s.execute(update(o).where(o.id == delivery.id, o.status == "sending", o.attempts == delivery.attempts)
                         .values(status="sent", sent_at=now(), lease_until=None, last_error=""))
        return bool(done.rowcount)  # type: ignore[attr-defined]


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt: 30 s, 1 min, 2 min … at most 1 hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def mark_failed(store: Store, delivery: Delivery, error: str, *, max_attempts: int) -> str:
    """The attempt failed: pending again after a wait, or failed for good after ``max_attempts``; the new status."""
    o = m.OutboxRow
    status = "failed" if delivery.attempts >= max_attempts else "pending"
    with store.session(write=True) as s:
        s.execute(update(o).where(o.id == delivery.id, o.status == "sending", o.attempts == delivery.attempts)
                  .values(status=status, next_at=now() + backoff(delivery.attempts), lease_until=None, last_error=error[:2000]))
    return status


def retry(store: Store, ids: list[int] | None, *, actor: str) -> int:
    """The admin sends failed deliveries again (these, or all failed ones) from a fresh count of attempts; audited."""
    o = m.OutboxRow
    cond = [o.status == "failed"] + ([o.id.in_(ids)] if ids is not None else [])
    with store.session(write=True) as s:
        n = int(s.execute(update(o).where(*cond).values(status="pending", attempts=0, next_at=now(), last_error="")).rowcount or 0)  # type: ignore[attr-defined]
        Store.audit_in(s, actor, "retry", "outbox", "all failed" if ids is None else ",".join(map(str, ids[:20])), "failed", "pending", f"{n} deliveries")
    return n


def deliveries(store: Store, *, status: str | None = None, limit: int = 200) -> list[Delivery]:
    """The outbox, newest first (optionally of one status)."""
    q = select(m.OutboxRow).order_by(m.OutboxRow.id.desc()).limit(limit)
    if status:
        q = q.where(m.OutboxRow.status == status)
    with store.session() as s:
        return [_delivery(r) for r in s.scalars(q)]


def status_counts(store: Store) -> dict[str, int]:
    """How many deliveries are in each status."""
    with store.session() as s:
        found = {str(k): int(n) for k, n in s.execute(select(m.OutboxRow.status, func.count()).group_by(m.OutboxRow.status))}
    return {st: int(found.get(st, 0)) for st in OUTBOX_STATUSES}


# ---------------------------------------------------------------- group robots


@dataclass(frozen=True)
class Webhook:
    """A group robot as the admin sees it: its URL without the key, and whether it signs (never the secret)."""

    name: str
    kind: str
    party: str
    active: bool
    address: str  # the URL up to its query string: the access token stays hidden
    signed: bool
    secret_hint: str  # the secret's last 4 characters, e.g. "…3f9a"; "" when none
    created_at: datetime
    created_by: str


def _hint(secret: str) -> str:
    return f"…{secret[-4:]}" if len(secret) > 8 else ("…" if secret else "")


def webhook_list(store: Store) -> list[Webhook]:
    """Every robot, active ones first, by name."""
    with store.session() as s:
        rows = list(s.scalars(select(m.WebhookRow).order_by(m.WebhookRow.active.desc(), m.WebhookRow.name)))
        return [Webhook(w.name, w.kind, w.party, w.active, w.url.split("?")[0], bool(w.secret), _hint(w.secret), w.created_at, w.created_by) for w in rows]


def robot_secret(store: Store, *, name: str, url: str) -> str:
    """The signing secret of the robot a delivery goes to ('' when it signs nothing): read at send time, never copied into the outbox."""
    with store.session() as s:
        row = s.scalars(select(m.WebhookRow).where(m.WebhookRow.name == name, m.WebhookRow.url == url)).first()
        return "" if row is None else row.secret


def webhook_add(store: Store, *, name: str, kind: str, url: str, party: str = "", secret: str = "", actor: str) -> None:
    """Register a group robot for a party (a department's or county's code; '' for the bureau); audited without its URL's key or its secret.

    ``secret`` is a DingTalk robot's signing secret (加签, it starts with SEC); 企业微信 robots take none.
    """
    problems = []
    secret = secret.strip()
    if secret and (kind != "dingtalk" or len(secret) > 256 or any(ch.isspace() for ch in secret)):
        problems.append(Problem("<webhook>", None, "secret", "只有钉钉机器人可设加签密钥，且不含空白（不超过 256 字符） only a DingTalk robot signs; no spaces, at most 256 characters"))
    if kind not in ROBOTS:
        problems.append(Problem("<webhook>", None, "kind", f"可选 valid: {', '.join(ROBOTS)}", kind))
    if not url.startswith(("https://", "http://")) or len(url) > 1024 or any(ch.isspace() for ch in url):
        problems.append(Problem("<webhook>", None, "url", "应为 https:// 开头的网址 expected an https:// address"))
    if not name.strip() or len(name) > 64:
        problems.append(Problem("<webhook>", None, "name", "须有名称（不超过 64 字） a name of at most 64 characters"))
    with store.session(write=True) as s:
        parties = {d.code for d in s.scalars(select(m.DepartmentRow))} | {r.code for r in s.scalars(select(m.RegionRow).where(m.RegionRow.level == "county"))}
        if party and party not in parties:
            problems.append(Problem("<webhook>", None, "party", "应为部门或县区代码，或留空（市科技局） a department's or county's code, or empty (the bureau)", party))
        if name.strip() and s.scalars(select(m.WebhookRow).where(m.WebhookRow.name == name.strip())).first() is not None:
            problems.append(Problem("<webhook>", None, "name", "该名称已被使用 this name is taken", name.strip()))
        if problems:
            raise InputError(problems)
        s.add(m.WebhookRow(name=name.strip(), kind=kind, url=url, party=party, active=True, secret=secret, created_at=now(), created_by=actor))
        Store.audit_in(s, actor, "create", "webhook", name.strip(), "", f"{kind} → {party or 'bureau'} ({url.split('?')[0]})" + (" signed" if secret else ""))


def webhook_remove(store: Store, name: str, *, actor: str) -> None:
    """Stop posting to a group robot (kept, inactive); audited."""
    with store.session(write=True) as s:
        n = s.execute(update(m.WebhookRow).where(m.WebhookRow.name == name).values(active=False)).rowcount  # type: ignore[attr-defined]
        if not n:
            raise InputError([Problem("<webhook>", None, "name", "没有该群机器人 no such robot", name)])
        Store.audit_in(s, actor, "disable", "webhook", name, "active", "inactive")


def webhooks(store: Store) -> list[tuple[str, str, str, bool]]:
    """(name, kind, party, active) of every robot."""
    with store.session() as s:
        return [(w.name, w.kind, w.party, w.active) for w in s.scalars(select(m.WebhookRow).order_by(m.WebhookRow.name))]
