"""Who is asking: sessions that end, login with throttling, CSRF tokens, the client's address, and the role × action rules."""

from __future__ import annotations

import hmac
import re
import ipaddress
import os
import secrets
import time
from functools import lru_cache

from fastapi import Request

from stpi.errors import ForbiddenError, StpiError
from stpi.i18n import add_messages, tr
from stpi.store import logins
from stpi.store.accounts import check_password, end_sessions, session_account
from stpi.store.core import Store
from stpi.store.records import User
from stpi.store.settings import get_setting, settings

__all__ = [
    "ACTIONS",
    "NotLoggedIn",
    "TooManyAttempts",
    "allowed",
    "check_csrf",
    "client_address",
    "parse_proxies",
    "csrf_token",
    "current_user",
    "login",
    "logout",
    "require",
]

add_messages({
    "web.auth.login_first": ("请先登录", "Please log in"),
    "web.auth.held": ("登录失败次数过多,请 {minutes} 分钟后再试", "Too many failed logins; try again in {minutes} minutes"),
    "web.auth.wrong": ("用户名或密码错误,或账号已停用", "Wrong username or password, or the account is disabled"),
    "web.auth.csrf": ("表单已过期或来源不明(CSRF),请刷新页面后重试", "The form has expired or came from elsewhere (CSRF); reload the page and try again"),
    "web.auth.forbidden": ("{user}({role})无权执行此操作:{action}", "{user} ({role}) may not do this: {action}"),
})

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
    """The logged-in, still active account, or None (looked up once per request).

    The signed cookie names the account, the session epoch it was made in, when it was made
    and when it was last used. Logout, a password reset, disabling and enabling bump the
    account's epoch, so every older cookie stops working; so does one idle or old for longer
    than the settings allow. A session that no longer holds is emptied.
    """
    session = request.session
    name = session.get("user")
    if not name:
        return None
    memo = getattr(request.state, "stpi_user", None)  # the view, require() and the page frame all ask
    if memo is not None and memo[0] == name:
        return memo[1]  # type: ignore[no-any-return]
    store = _store(request)
    found = session_account(store, name)  # a busy database answers 503 here: it ends no session
    limits = settings(store)
    clock = int(time.time())
    user = None
    if found is not None and found[0].active and session.get("epoch") == found[1]:
        fresh = clock - int(session.get("seen", 0)) <= 60 * int(limits["session_idle_minutes"])  # type: ignore[call-overload]
        young = clock - int(session.get("iat", 0)) <= 3600 * int(limits["session_max_hours"])  # type: ignore[call-overload]
        user = found[0] if fresh and young else None
    if user is None:
        session.clear()
    else:
        session["seen"] = clock
    request.state.stpi_user = (name, user)
    return user


def allowed(user: User | None, action: str) -> bool:
    """May this account do ``action``? (None: nobody logged in.)"""
    return user is not None and user.role in ACTIONS[action]


def require(request: Request, action: str) -> User:
    """The account doing ``action``; 401 without one, 403 when its role may not."""
    user = current_user(request)
    if user is None:
        raise NotLoggedIn(tr("web.auth.login_first"))
    if user.role not in ACTIONS[action]:
        raise ForbiddenError(tr("web.auth.forbidden", user=user.username, role=user.role, action=action))
    return user


def public_overview(request: Request) -> bool:
    """Can the overview be read without an account (a per-store setting)?"""
    return bool(get_setting(_store(request), "public_overview"))


def login(request: Request, username: str, password: str) -> User:
    """Check the password (argon2), throttled per account and per source; every check is audited."""
    store = _store(request)
    values = settings(store)
    attempts, minutes = int(values["login_attempts"]), int(values["login_lockout_minutes"])  # type: ignore[call-overload]
    username = re.sub(r"[\x00-\x1f\x7f]", "", username).strip()[:64]  # no control character reaches the database (PostgreSQL refuses NUL)
    source = client_address(request)
    attempt = logins.reserve(store, username, source, attempts=attempts, minutes=minutes)
    if attempt is None:
        raise TooManyAttempts(tr("web.auth.held", minutes=minutes))
    found = check_password(store, username, password) if username else None
    logins.settle(store, attempt, ok=found is not None, username=username, source=source)
    if found is None:
        raise ForbiddenError(tr("web.auth.wrong"))
    user, epoch = found
    clock = int(time.time())
    request.session.clear()  # a new session: nothing of the visitor's carries over
    request.session.update({"user": user.username, "epoch": epoch, "iat": clock, "seen": clock, "csrf": secrets.token_urlsafe(32)})
    request.state.stpi_user = (user.username, user)
    return user


def logout(request: Request) -> None:
    """End every session of the account (this one and those on other devices) and forget this one."""
    user = current_user(request)
    if user is not None:
        end_sessions(_store(request), user.username)
    request.session.clear()
    request.state.stpi_user = None


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
        raise ForbiddenError(tr("web.auth.csrf"))


def client_address(request: Request) -> str:
    """The client's address: the peer's, or — only when the peer is a trusted proxy — the nearest untrusted X-Forwarded-For hop."""
    peer = request.client.host if request.client else ""
    proxies = parse_proxies(os.environ.get("STPI_TRUSTED_PROXIES", ""))
    if not proxies or not _is_in(peer, proxies):
        return peer[:64]
    hops = [h.strip() for h in ",".join(request.headers.getlist("x-forwarded-for")).split(",") if h.strip()]
    for hop in reversed(hops):  # each proxy appends the address it saw: walk back to the first one not ours
        if not _is_in(hop, proxies):
            return hop[:64]
        peer = hop
    return peer[:64]


@lru_cache(maxsize=8)
def parse_proxies(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """The proxies of STPI_TRUSTED_PROXIES: addresses or networks, separated by commas."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in spec.split(",") if part.strip())


def _is_in(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)
