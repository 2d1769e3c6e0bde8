"""Logging in and out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from stpi.errors import ForbiddenError
from pydantic import BaseModel, Field

from stpi.web.auth import TooManyAttempts, check_csrf, csrf_token, current_user, login, logout
from stpi.web.render import page

__all__ = ["router"]

router = APIRouter()


def _safe_next(target: str) -> str:
    """Only a local path: never redirect a user to another site after login."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, next: str = "/") -> HTMLResponse:
    """The login form."""
    return page(request, "login.html", {"next": _safe_next(next), "error": ""})


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
def login_submit(request: Request, username: str = Form(""), password: str = Form(""), csrf_token: str = Form(""), next: str = Form("/")) -> Any:
    """Check the password; back to the form with the reason on failure."""
    check_csrf(request, csrf_token)
    try:
        login(request, username, password)
    except (ForbiddenError, TooManyAttempts) as exc:
        return page(request, "login.html", {"next": _safe_next(next), "error": str(exc), "username": username}, status=429 if isinstance(exc, TooManyAttempts) else 401)
    target = _safe_next(next)
    user = current_user(request)
    if target == "/" and user is not None and user.role in ("department", "county"):
        target = "/due"  # a reporter's home page: what it still owes, by when
    return RedirectResponse(target, status_code=303)


@router.post("/logout", include_in_schema=False)
def logout_submit(request: Request, csrf_token: str = Form("")) -> RedirectResponse:
    """Forget the session."""
    check_csrf(request, csrf_token)
    logout(request)
    return RedirectResponse("/", status_code=303)


def _me(request: Request) -> dict[str, Any]:
    user = current_user(request)
    return {"user": None if user is None else {"username": user.username, "display_name": user.display_name, "role": user.role,
                                               "department": user.department, "region": user.region},
            "csrf_token": csrf_token(request)}


@router.get("/api/me", tags=["account"], summary="当前账号 Who am I")
def me(request: Request) -> dict[str, Any]:
    """The logged-in account (null when nobody is) and the session's CSRF token for X-CSRF-Token."""
    return _me(request)


class Credentials(BaseModel):
    """A username and password."""

    username: str = Field(max_length=64)
    password: str = Field(max_length=256)


@router.post("/api/login", tags=["account"], summary="登录 Log in")
def api_login(request: Request, body: Credentials) -> dict[str, Any]:
    """Log in (session cookie); returns the account and the CSRF token to send as X-CSRF-Token."""
    login(request, body.username, body.password)
    return _me(request)


@router.post("/api/logout", tags=["account"], summary="退出 Log out")
def api_logout(request: Request) -> dict[str, Any]:
    """Forget the session (needs X-CSRF-Token)."""
    check_csrf(request, None)
    logout(request)
    return {"user": None}
