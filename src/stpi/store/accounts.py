"""Accounts: adding, listing, disabling; passwords hashed with argon2."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from stpi.errors import ConflictError, InputError, NotFoundError, Problem
from stpi.store import models as m
from stpi.store.core import Store, now
from stpi.store.records import User
from stpi.store.rules import ROLES

__all__ = ["add_user", "set_active", "set_password", "verify_password"]

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


def set_password(store: Store, username: str, password: str, *, actor: str) -> None:
    """Give an account a new password (argon2 hash; the password itself is never stored or logged)."""
    if len(password) < 8:
        raise InputError([Problem("<user>", None, "password", "密码至少 8 位 password needs 8 characters or more")])
    with store.session() as s:
        row = s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first()
        if row is None:
            raise NotFoundError(f"没有该用户 no user {username!r}")
        row.password_hash = _hasher.hash(password)
        Store.audit_in(s, actor, "password", "user", username, "", "(changed)")


def verify_password(store: Store, username: str, password: str) -> bool:
    """True when the account is active and the password matches its argon2 hash."""
    with store.session() as s:
        row = s.scalars(select(m.UserRow).where(m.UserRow.username == username)).first()
        if row is None or not row.active or not row.password_hash:
            return False
        try:
            return _hasher.verify(row.password_hash, password)
        except VerificationError:
            return False


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
