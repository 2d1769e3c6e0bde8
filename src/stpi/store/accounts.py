"""Accounts: adding, listing, disabling; passwords hashed with argon2; the session epoch that ends old sessions."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, InputError, NotFoundError, Problem
from stpi.store import models as m
from stpi.store.core import Store, _user, now
from stpi.store.records import User
from stpi.store.rules import ROLES

__all__ = ["add_user", "check_password", "end_sessions", "session_account", "set_active", "set_password", "verify_password"]

_hasher = PasswordHasher()


def add_user(store: Store, username: str, *, role: str, actor: str, display_name: str = "", department: str | None = None, region: str | None = None, password: str | None = None) -> User:
    """Create an account; a department reporter names its department, a county reporter its county."""
    problems = []
    if role not in ROLES:
        problems.append(Problem("<user>", None, "role", f"角色应为 role must be one of {', '.join(ROLES)}", role))
    if role == "department" and not department:
        problems.append(Problem("<user>", None, "department", "部门填报员须指定部门 a department reporter needs --department"))
    if role == "county" and not region:
        problems.append(Problem("<user>", None, "region", "县区填报员须指定县区 a county reporter needs --region"))
    if password is not None and len(password) < 8:
        problems.append(Problem("<user>", None, "password", "密码至少 8 位 password needs 8 characters or more"))
    if problems:
        raise InputError(problems)
    with store.session() as s:
        if s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first():
            raise ConflictError(f"用户已存在 user exists: {username}")
        dep_id = _department_id(s, department) if department else None
        reg_id = store_region_id(s, region) if region else None
        s.add(m.UserRow(username=username, display_name=display_name, role=role, department_id=dep_id, region_id=reg_id, password_hash=_hasher.hash(password) if password else "", created_at=now()))
        Store.audit_in(s, actor, "create", "user", username, "", role)
    return store.user(username)


def set_active(store: Store, username: str, active: bool, *, actor: str) -> None:
    """Disable or re-enable an account (accounts are never deleted)."""
    with store.session() as s:
        row = s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first()
        if row is None:
            raise NotFoundError(f"没有该用户 no user {username!r}")
        Store.audit_in(s, actor, "enable" if active else "disable", "user", username, str(row.active), str(active))
        row.active = active
        _bump(s, row.id)  # disabling ends its sessions; enabling again does not revive them


def set_password(store: Store, username: str, password: str, *, actor: str) -> None:
    """Give an account a new password (argon2 hash; the password itself is never stored or logged)."""
    if len(password) < 8:
        raise InputError([Problem("<user>", None, "password", "密码至少 8 位 password needs 8 characters or more")])
    with store.session() as s:
        row = s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first()
        if row is None:
            raise NotFoundError(f"没有该用户 no user {username!r}")
        row.password_hash = _hasher.hash(password)
        _bump(s, row.id)  # a reset password ends every session made with the old one
        Store.audit_in(s, actor, "password", "user", username, "", "(changed)")


def verify_password(store: Store, username: str, password: str) -> bool:
    """True when the account is active and the password matches its argon2 hash."""
    return check_password(store, username, password) is not None


def check_password(store: Store, username: str, password: str) -> tuple[User, int] | None:
    """The active account and its session epoch when the password matches, else None.

    An unknown, disabled or password-less account is checked against a dummy hash of the
    same cost, so the answer takes as long as for a real account and does not tell which.
    """
    with store.session() as s:
        row = s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first()
        found = None if row is None or not row.active or not row.password_hash else (_user(s, row), row.session_epoch)
        stored = row.password_hash if found is not None and row is not None else _dummy_hash()
    try:
        matches = _hasher.verify(stored, password)
    except VerificationError:
        matches = False
    return found if matches else None


def session_account(store: Store, username: str) -> tuple[User, int] | None:
    """An account and its session epoch (None when there is no such account)."""
    with store.session() as s:
        row = s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first()
        return None if row is None else (_user(s, row), row.session_epoch)


def end_sessions(store: Store, username: str) -> None:
    """End every session of the account (logout ends them on every device)."""
    with store.session() as s:
        row = s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first()
        if row is not None:
            _bump(s, row.id)


def _bump(s: Session, user_id: int) -> None:
    s.execute(update(m.UserRow).where(m.UserRow.id == user_id).values(session_epoch=m.UserRow.session_epoch + 1))


@cache
def _dummy_hash() -> str:
    """A hash with the real parameters of a password nobody knows (made once per process)."""
    return _hasher.hash(secrets.token_urlsafe(16))


def _department_id(s: Session, code_or_name: str) -> int:
    for d in s.scalars(select(m.DepartmentRow)):
        if code_or_name in (d.code, d.name):
            return d.id
    raise NotFoundError(f"没有该部门 no department {code_or_name!r}")


def store_region_id(s: Session, code_or_name: str) -> int:
    """The id of a region named by code or name."""
    for r in s.scalars(select(m.RegionRow)):
        if code_or_name in (r.code, r.name, r.name_en):
            return r.id
    raise NotFoundError(f"没有该地区 no region {code_or_name!r}")
