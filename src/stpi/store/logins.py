"""Login throttling: every password check is counted before it runs, per account and per source, in one serial step.

Three holds, all over the last ``minutes``:

- a source that failed ``attempts`` times on one account is held for that account;
- a source that failed ``attempts × SPRAY`` times on any accounts is held for all of them;
- an account is held for everyone only when it failed ``attempts`` times from ``SOURCES`` or more
  distinct sources — one anonymous source can never lock the admin out.

Counting and adding happen in one transaction that first updates the single gate row, so
concurrent attempts queue there (a row lock on PostgreSQL, the write lock on SQLite) and each
sees every attempt before it, the unfinished ones included: 30 simultaneous wrong passwords run
at most ``attempts`` password checks.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import distinct, func, select, update
from sqlalchemy.orm import Session

from stpi.errors import NotFoundError
from stpi.store import models as m
from stpi.store.core import Store, now

__all__ = ["SOURCES", "SPRAY", "failures", "reserve", "settle", "unlock"]

SOURCES = 3  # distinct sources whose failures lock an account for everyone
SPRAY = 3  # a source failing attempts × SPRAY times on any accounts is held for all of them
KEEP = timedelta(days=1)  # older attempts are pruned (no hold lasts that long)
_LIVE = ("pending", "failed")  # attempts that count: failed, or still being checked


def reserve(store: Store, username: str, source: str, *, attempts: int, minutes: int) -> int | None:
    """Count one attempt before its password check: its id, or None when the attempt is held."""
    at = now()
    since = at - timedelta(minutes=minutes)
    with store.session() as s:
        _pass_gate(s)
        live = (m.LoginAttemptRow.at >= since) & m.LoginAttemptRow.outcome.in_(_LIVE)
        count = select(func.count()).select_from(m.LoginAttemptRow)
        pair = s.scalar(count.where(live, m.LoginAttemptRow.username == username, m.LoginAttemptRow.source == source)) or 0
        spray = s.scalar(count.where(live, m.LoginAttemptRow.source == source)) or 0
        account, sources = s.execute(select(func.count(), func.count(distinct(m.LoginAttemptRow.source))).where(live, m.LoginAttemptRow.username == username)).one()
        if pair >= attempts or spray >= attempts * SPRAY or (account >= attempts and sources >= SOURCES):
            return None
        row = m.LoginAttemptRow(at=at, username=username, source=source, outcome="pending")
        s.add(row)
        s.flush()
        return row.id


def settle(store: Store, attempt: int, *, ok: bool, username: str, source: str) -> None:
    """Record how the checked attempt ended (audited); a success clears this source's failures on this account."""
    with store.session() as s:
        s.execute(update(m.LoginAttemptRow).where(m.LoginAttemptRow.id == attempt).values(outcome="ok" if ok else "failed"))
        if ok:
            s.execute(update(m.LoginAttemptRow).where(m.LoginAttemptRow.username == username, m.LoginAttemptRow.source == source,
                                                      m.LoginAttemptRow.outcome == "failed").values(outcome="cleared"))
        Store.audit_in(s, username or "?", "login" if ok else "login_failed", "account", username, "", source)


def unlock(store: Store, username: str, *, actor: str) -> int:
    """Clear the account's counted failures from every source (audited); how many were cleared."""
    with store.session() as s:
        if s.scalars(select(m.UserRow.id).where(m.UserRow.username == username)).first() is None:
            raise NotFoundError(f"没有该用户 no user {username!r}")
        cleared = s.execute(update(m.LoginAttemptRow).where(m.LoginAttemptRow.username == username, m.LoginAttemptRow.outcome.in_(_LIVE))
                            .values(outcome="cleared")).rowcount
        Store.audit_in(s, actor, "unlock", "user", username, str(cleared), "0")
    return int(cleared or 0)


def failures(store: Store, *, minutes: int) -> dict[str, int]:
    """Counted failures per account over the last ``minutes`` (accounts without any are left out)."""
    q = (select(m.LoginAttemptRow.username, func.count()).where(m.LoginAttemptRow.at >= now() - timedelta(minutes=minutes), m.LoginAttemptRow.outcome.in_(_LIVE))
         .group_by(m.LoginAttemptRow.username))
    with store.session() as s:
        return {name: int(n) for name, n in s.execute(q)}


def _pass_gate(s: Session) -> None:
    """Update the gate row first: from here to commit, no other attempt counts or adds (and old attempts are pruned now and then)."""
    turns = s.execute(update(m.LoginGateRow).where(m.LoginGateRow.id == 1).values(turns=m.LoginGateRow.turns + 1).returning(m.LoginGateRow.turns)).scalar()
    if turns is None:  # a store made without the migration's row
        s.add(m.LoginGateRow(id=1, turns=1))
        s.flush()
    elif turns % 200 == 0:
        s.execute(m.LoginAttemptRow.__table__.delete().where(m.LoginAttemptRow.at < now() - KEEP))
