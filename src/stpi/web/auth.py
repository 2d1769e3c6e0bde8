"""Who is asking: sessions, login with throttling, CSRF tokens, and the role × action rules."""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from fastapi import Request
from sqlalchemy import func, select

from stpi.errors import ForbiddenError, StpiError
from stpi.store import models as m
from stpi.store.accounts import verify_password
from stpi.store.core import Store, now
from stpi.store.records import User
from stpi.store.settings import get_setting

__all__ = [
    "ACTIONS",
    "NotLoggedIn",
    "TooManyAttempts",
    "allowed",
    "check_csrf",
    "csrf_token",
    "current_user",
    "login",
    "logout",
    "require",
]

# The role × action matrix. Every view asks `require(request, action)`; tests walk the whole matrix.
ACTIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"admin", "department", "county", "viewer"}),  # every page but the overview needs an account
    "report": frozenset({"admin", "department", "county"}),  # enter / upload / submit figures (own indicators / county only)
    "review": frozenset({"admin"}),  # approve, return with a comment
    "lock": frozenset({"admin"}),  # freeze a year's evaluation
    "audit": frozenset({"admin", "viewer"}),  # read the audit log
    "manage": frozenset({"admin"}),  # accounts and settings
}


class NotLoggedIn(StpiError):
    """The page needs an account and nobody is logged in (a redirect to the login page, 401 in the API)."""


class TooManyAttempts(StpiError):
    """Login held after too many failures (HTTP 429)."""


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def current_user(request: Request) -> User | None:
    """The logged-in, still active account, or None (looked up once per request)."""
    name = request.session.get("user")
    if not name:
        return None
    memo = getattr(request.state, "stpi_user", None)  # the view, require() and the page frame all ask
    if memo is not None and memo[0] == name:
        return memo[1]  # type: ignore[no-any-return]
    try:
        user = _store(request).user(name)
    except StpiError:
        user = None
    found = user if user is not None and user.active else None
    request.state.stpi_user = (name, found)
    return found


def allowed(user: User | None, action: str) -> bool:
    """May this account do ``action``? (None: nobody logged in.)"""
    return user is not None and user.role in ACTIONS[action]


def require(request: Request, action: str) -> User:
    """The account doing ``action``; 401 without one, 403 when its role may not."""
    user = current_user(request)
    if user is None:
        raise NotLoggedIn("请先登录 please log in")
    if user.role not in ACTIONS[action]:
        raise ForbiddenError(f"{user.username}({user.role})无权执行此操作 may not: {action}")
    return user


def public_overview(request: Request) -> bool:
    """Can the overview be read without an account (a per-store setting)?"""
    return bool(get_setting(_store(request), "public_overview"))


def _failures(store: Store, username: str, minutes: int) -> int:
    since = now() - timedelta(minutes=minutes)
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(m.AuditRow).where(
            m.AuditRow.action == "login_failed", m.AuditRow.key == username, m.AuditRow.at >= since)) or 0)


def login(request: Request, username: str, password: str) -> User:
    """Check the password (argon2), throttled per account; every attempt is audited."""
    store = _store(request)
    attempts, minutes = int(get_setting(store, "login_attempts")), int(get_setting(store, "login_lockout_minutes"))  # type: ignore[call-overload]
    username = username.strip()[:64]
    if _failures(store, username, minutes) >= attempts:
        raise TooManyAttempts(f"登录失败次数过多,请 {minutes} 分钟后再试 too many failed logins; try again in {minutes} minutes")
    client = request.client.host if request.client else ""
    ok = bool(username) and verify_password(store, username, password)
    user = None
    if ok:
        user = store.user(username)
        ok = user.active
    with store.session() as s:
        Store.audit_in(s, username or "?", "login" if ok else "login_failed", "account", username, "", client)
    if not ok or user is None:
        raise ForbiddenError("用户名或密码错误,或账号已停用 wrong username or password, or account disabled")
    request.session.clear()
    request.session["user"] = user.username
    request.session["csrf"] = secrets.token_urlsafe(32)
    return user


def logout(request: Request) -> None:
    """Forget the session."""
    request.session.clear()


def csrf_token(request: Request) -> str:
    """This session's CSRF token (made on first use, also for visitors without an account)."""
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return str(token)


def check_csrf(request: Request, sent: str | None) -> None:
    """Refuse a state-changing request whose token (form field or X-CSRF-Token header) does not match."""
    expected = request.session.get("csrf", "")
    sent = sent or request.headers.get("x-csrf-token", "")
    if not expected or not sent or not hmac.compare_digest(str(expected), str(sent)):
        raise ForbiddenError("表单已过期或来源不明(CSRF),请刷新页面后重试 CSRF check failed; reload the page and try again")
