"""Who may do what: one set of rules for the command line and the web app."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from stpi.errors import ForbiddenError
from stpi.framework.embedded import embedded_variables
from stpi.store import models as m
from stpi.store.core import Store
from stpi.store.records import User

__all__ = ["ROLES", "SubmitScope", "acting_user", "check_write", "check_admin", "colleagues", "replaceable", "submit_scope", "writable_codes"]

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
        plan_id = s.scalar(select(m.PlanRow.id).order_by(m.PlanRow.valid_from.desc(), m.PlanRow.id.desc()).limit(1))  # the plan in force's assignments
        codes = {a.code for a in s.scalars(select(m.AssignmentRow).where(m.AssignmentRow.department_id == dep.id, m.AssignmentRow.plan_id == plan_id))}
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


@dataclass(frozen=True)
class SubmitScope:
    """The figures a user may submit, as filters for :func:`stpi.store.observations.transition` (None: no limit)."""

    regions: list[str] | None
    codes: list[str] | None
    entered_by: list[str] | None


def submit_scope(store: Store, user: User, *, regions: Sequence[str] | None = None, codes: Sequence[str] | None = None) -> SubmitScope:
    """What a user may submit, narrowed by the regions and codes asked for.

    The admin submits anything. A reporter submits only its own drafts: figures of the
    indicators it reports, in its region, whose current vintage an account of the same
    department (or county) entered. A shared indicator (I07 has two departments) is reported
    by both; neither may submit the other's draft. Asking for another's region or code is refused.
    """
    if user.role == "viewer":
        raise ForbiddenError("只读账号不能报送数据 a viewer cannot submit figures")
    if user.role == "admin":
        return SubmitScope(None if regions is None else list(regions), None if codes is None else list(codes), None)
    own = store.region(user.region).code if user.role == "county" and user.region else store.region(store.plan().region).code
    asked = sorted({store.region(r).code for r in regions or []})
    if any(r != own for r in asked):
        raise ForbiddenError(f"{user.username} 只能报送本单位所辖地区的数据 may submit figures of {own} only, not: {', '.join(r for r in asked if r != own)}")
    mine = writable_codes(store, user)
    if codes is not None and mine is not None and (other := sorted(set(codes) - mine)):
        raise ForbiddenError(f"{user.username} 无权报送这些指标 may not submit: {', '.join(other[:20])}")
    chosen = list(codes) if codes is not None else (None if mine is None else sorted(mine))
    return SubmitScope([own], chosen, sorted(colleagues(store, user) or {user.username}))


def replaceable(store: Store, user: User) -> frozenset[str] | None:
    """Whose figures in progress a write of the user may replace: its colleagues' and the bureau's (None: anyone's, for the admin)."""
    team = colleagues(store, user)
    if team is None:
        return None
    with store.session() as s:
        return team | frozenset(s.scalars(select(m.UserRow.username).where(m.UserRow.role == "admin")))


def colleagues(store: Store, user: User) -> frozenset[str] | None:
    """The accounts of the user's own department (or county), the user included: whose work in progress it may submit or
    replace. None for the bureau's admin, who may handle anyone's."""
    if user.role == "admin":
        return None
    with store.session() as s:
        if user.role == "county":
            region_id = s.scalars(select(m.RegionRow.id).where(m.RegionRow.code == user.region)).first()
            team = s.scalars(select(m.UserRow.username).where(m.UserRow.role == "county", m.UserRow.region_id == region_id))
        else:
            dep = s.scalars(select(m.DepartmentRow.id).where(m.DepartmentRow.code == user.department)).first()
            team = s.scalars(select(m.UserRow.username).where(m.UserRow.role == "department", m.UserRow.department_id == dep))
        return frozenset(set(team) | {user.username})
