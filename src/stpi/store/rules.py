"""Who may do what: one set of rules for the command line and the web app."""

from __future__ import annotations

from sqlalchemy import select

from stpi.errors import ForbiddenError
from stpi.framework.embedded import embedded_variables
from stpi.store import models as m
from stpi.store.core import Store
from stpi.store.records import User

__all__ = ["ROLES", "acting_user", "check_write", "check_admin", "writable_codes"]

ROLES = ("admin", "department", "county", "viewer")


def acting_user(store: Store, username: str) -> User:
    """The account a command acts as; it must exist and be active."""
    user = store.user(username)
    if not user.active:
        raise ForbiddenError(f"账号已停用 account disabled: {username}")
    return user


def check_admin(user: User, action: str) -> None:
    """Approving, returning, locking and importing frameworks belong to the S&T bureau (admin)."""
    if user.role != "admin":
        raise ForbiddenError(f"只有管理员(市科技局)可以{action} only the admin may {action}")


def writable_codes(store: Store, user: User) -> set[str] | None:
    """Indicator codes (and the raw statistics they are derived from) a user may report; None means every code."""
    if user.role in ("admin", "county"):
        return None
    if user.role != "department" or user.department is None:
        return set()
    with store.session() as s:
        dep = s.scalars(select(m.DepartmentRow).where(m.DepartmentRow.code == user.department)).one()
        codes = {a.code for a in s.scalars(select(m.AssignmentRow).where(m.AssignmentRow.department_id == dep.id))}
    _, formulas = embedded_variables()  # the department's template lists these raw statistics: it may report them too
    return codes | {v for c in codes if c in formulas for v in formulas[c].variables}


def check_write(store: Store, user: User, pairs: set[tuple[str, str]]) -> None:
    """Refuse unless the user may report every (region code, indicator code) pair."""
    if user.role == "viewer":
        raise ForbiddenError("只读账号不能填报数据 a viewer cannot report figures")
    codes = writable_codes(store, user)
    bad = sorted(c for _, c in pairs if codes is not None and c not in codes)
    if bad:
        raise ForbiddenError(f"{user.username} 无权填报这些指标 may not report: {', '.join(bad[:20])}")
    if user.role == "county":
        other = sorted({r for r, _ in pairs if r != user.region})
        if other:
            raise ForbiddenError(f"{user.username} 只能填报本县区 may report only its own county, not: {', '.join(other)}")
    if user.role == "department":  # departments report the city's figures; counties report their own
        city = store.region(store.plan().region).code
        other = sorted({r for r, _ in pairs if r != city})
        if other:
            raise ForbiddenError(f"{user.username} 只能填报全市数据 a department reports the city's figures only, not: {', '.join(other)}")
