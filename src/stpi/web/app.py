"""The application factory: one store per app, middleware, error pages, routes."""

from __future__ import annotations

from typing import Any

import logging
import os
import time
from collections.abc import Callable
from html import escape as html_escape
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stpi import service
from stpi.errors import BusyError, ConflictError, ForbiddenError, InputError, MethodError, NotFoundError, Problem, StoreError, StpiError
from stpi.i18n import LANGS, get_lang, request_lang, tr
from stpi.store.core import Store
from stpi.store.settings import session_secret, settings
from stpi.web import messages as _messages  # noqa: F401  (registers the web's words)
from stpi.web.auth import NotLoggedIn, TooManyAttempts, parse_proxies
from stpi.web.render import render_error, vendor_dir

__all__ = ["create_app", "STATUS"]

STATUS: dict[type[StpiError], int] = {InputError: 422, MethodError: 422, NotFoundError: 404, ForbiddenError: 403, ConflictError: 409,
                                       TooManyAttempts: 429, BusyError: 503, StoreError: 500}
STATIC = Path(__file__).parent / "static"
_log = logging.getLogger("stpi.web")

# No inline script anywhere (the page context is a JSON data block, which is never run); plotly draws with inline styles.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [(b"x-frame-options", b"DENY"), (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"), (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]


def with_headers(send: Send, extra: Callable[[], list[tuple[bytes, bytes]]]) -> Send:
    """``send`` that adds ``extra()`` headers to the response as it starts."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", []), *extra()]
        await send(message)

    return wrapped


class _HttpMiddleware:
    """A pure ASGI middleware that acts on HTTP requests only (no per-request task, unlike BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class LanguageMiddleware(_HttpMiddleware):
    """Each request speaks its own language: ``?lang=`` (remembered in a cookie), else the cookie, else Chinese."""

    def __init__(self, app: ASGIApp, https_only: bool = False) -> None:
        super().__init__(app)
        self.flags = "; HttpOnly; SameSite=Lax" + ("; Secure" if https_only else "")

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        asked = request.query_params.get("lang", "")
        lang = asked if asked in LANGS else request.cookies.get("lang", "")
        token = request_lang.set(lang if lang in LANGS else "zh")

        cookie = [(b"set-cookie", f"lang={asked}; Path=/; Max-Age=31536000{self.flags}".encode())] if asked in LANGS else []
        try:
            await self.app(scope, receive, with_headers(send, lambda: cookie))
        finally:
            request_lang.reset(token)


class TimingMiddleware(_HttpMiddleware):
    """Adds ``Server-Timing: app;dur=…`` so benchmarks can tell server time from client time."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        await self.app(scope, receive, with_headers(send, lambda: [(b"server-timing", f"app;dur={(time.perf_counter() - start) * 1000:.2f}".encode())]))


class SecurityHeadersMiddleware(_HttpMiddleware):
    """Every response, static files and errors included: CSP (no inline script, no framing), nosniff, referrer policy.

    A response that sets its own CSP (the API docs page, with a nonce) keeps it. An error that
    escapes everything else still gets a plain 500 page with these headers; the traceback is
    logged on the server only.
    """

    def __init__(self, app: ASGIApp, https_only: bool = False) -> None:
        super().__init__(app)
        self.extra = SECURITY_HEADERS + ([(b"strict-transport-security", b"max-age=31536000")] if https_only else [])

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def secured(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in [(b"content-security-policy", CSP.encode()), *self.extra] if k not in names]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, secured)
        except Exception:
            if started:
                raise
            _log.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            body = tr("web.server_error").encode()
            await secured({"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
            await secured({"type": "http.response.body", "body": body})


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, NotLoggedIn):
        if _wants_json(request):
            return JSONResponse({"error": "login required", "message": str(exc)}, status_code=401)
        from fastapi.responses import RedirectResponse

        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    problems = [p._asdict() if hasattr(p, "_asdict") else vars(p) for p in getattr(exc, "problems", [])]
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, BusyError) else None
    if _wants_json(request):
        body = {"error": type(exc).__name__, "message": str(exc), "problems": problems, "problems_total": getattr(exc, "total", len(problems))}
        return JSONResponse(body, status_code=status, headers=headers)
    if isinstance(exc, StoreError):  # the page frame reads the store too: a plain page, not one more failing query
        return HTMLResponse(f"<!doctype html><title>{status}</title><p>{html_escape(str(exc))}</p>", status_code=status, headers=headers)
    return render_error(request, status, str(exc), problems)


_FIELD_WORDS = {  # pydantic's error types in the user's words (zh, en)
    "missing": ("必须填写", "is required"), "int_parsing": ("应为整数", "must be a whole number"), "float_parsing": ("应为数字", "must be a number"),
    "bool_parsing": ("应为是或否", "must be true or false"), "less_than_equal": ("应不大于 {le}", "must be at most {le}"),
    "greater_than_equal": ("应不小于 {ge}", "must be at least {ge}"), "less_than": ("应小于 {lt}", "must be below {lt}"),
    "greater_than": ("应大于 {gt}", "must be above {gt}"), "string_too_long": ("不能超过 {max_length} 个字", "may have at most {max_length} characters"),
    "string_too_short": ("至少 {min_length} 个字", "needs at least {min_length} characters"), "too_long": ("不能超过 {max_length} 项", "may have at most {max_length} items"),
    "too_short": ("至少 {min_length} 项", "needs at least {min_length} items"), "json_invalid": ("不是有效的 JSON", "is not valid JSON"),
}


def _field_reason(error: dict[str, Any]) -> str:
    zh, en = _FIELD_WORDS.get(str(error.get("type")), ("取值不符合要求", "is not valid"))
    try:
        return (en if get_lang() == "en" else zh).format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return en if get_lang() == "en" else zh


def _validation_handler(request: Request, exc: Exception) -> Response:
    """A request whose parameters or body do not fit: every field located, in the user's language (the API keeps FastAPI's ``detail`` too)."""
    from fastapi.encoders import jsonable_encoder
    from fastapi.exceptions import RequestValidationError

    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    problems = [Problem("<request>", None, ".".join(str(x) for x in e.get("loc", ())[1:]) or None, _field_reason(e),
                        None if e.get("input") is None or isinstance(e.get("input"), (dict, list)) else str(e.get("input"))[:80]) for e in errors]
    message = tr("web.bad_request", n=len(problems))
    if _wants_json(request):
        return JSONResponse({"detail": jsonable_encoder(errors), "message": message, "problems": [vars(p) for p in problems]}, status_code=422)
    return render_error(request, 422, message, [vars(p) for p in problems])


def _http_handler(request: Request, exc: Exception) -> Response:
    """404, 405 and the like in the user's language (an HTML page for a page, JSON for the API)."""
    from starlette.exceptions import HTTPException

    status = exc.status_code if isinstance(exc, HTTPException) else 500
    headers = getattr(exc, "headers", None)
    message = tr("web.not_found") if status == 404 else tr("web.method_not_allowed") if status == 405 else tr("web.http_error", status=status)
    if _wants_json(request):
        return JSONResponse({"detail": getattr(exc, "detail", message), "message": message}, status_code=status, headers=headers)
    return render_error(request, status, message, [])


def create_app(database: str | None = None, *, store: Store | None = None, https_only: bool = False) -> FastAPI:
    """The stpi web app on ``database`` (default: the embedded SQLite store)."""
    store = store or Store(database)
    parse_proxies(os.environ.get("STPI_TRUSTED_PROXIES", ""))  # a mistyped proxy list stops the start, not every request
    app = FastAPI(title="stpi 科技进步水平指数监测评估系统", version="0.1.0", docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.store = store
    app.state.cache = {}
    # the cookie outlives no session; the idle and absolute limits themselves are checked on every request (stpi.web.auth)
    max_age = 3600 * int(settings(store)["session_max_hours"])  # type: ignore[call-overload]
    app.add_middleware(SessionMiddleware, secret_key=session_secret(store), session_cookie="stpi_session", same_site="lax", https_only=https_only, max_age=max_age)
    app.add_middleware(LanguageMiddleware, https_only=https_only)
    app.add_middleware(SecurityHeadersMiddleware, https_only=https_only)
    app.add_middleware(TimingMiddleware)
    app.add_api_route("/api/docs", _docs, include_in_schema=False)
    app.add_exception_handler(StpiError, _error_handler)
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.mount("/static/vendor", StaticFiles(directory=vendor_dir()), name="vendor")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    from stpi.web.views import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    return app


def _docs(request: Request) -> HTMLResponse:
    """The API's operations, drawn by the server from the OpenAPI document: no CDN, no script, works offline."""
    from html import escape

    spec = request.app.openapi()
    rows = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = ", ".join(escape(p["name"]) + ("*" if p.get("required") else "") for p in op.get("parameters", []))
            body = "JSON" if "application/json" in op.get("requestBody", {}).get("content", {}) else ("multipart" if op.get("requestBody") else "")
            rows.append(f"<tr><td><code>{method.upper()}</code></td><td><code>{escape(path)}</code></td><td>{escape(op.get('summary', ''))}</td>"
                        f"<td>{params}</td><td>{body}</td></tr>")
    page = ("<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{escape(spec['info']['title'])} · API</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head><body><main class=\"wrap\">"
            f"<h1>{escape(spec['info']['title'])} · API</h1><p>OpenAPI: <a href=\"/api/openapi.json\">/api/openapi.json</a> · "
            "写操作需登录并在请求头带 X-CSRF-Token(由 POST /api/login 或 GET /api/me 返回) writes need a session and the X-CSRF-Token header</p>"
            "<div class=\"table-wrap\"><table class=\"data\"><thead><tr><th>方法 Method</th><th>路径 Path</th><th>说明 Summary</th><th>参数 Parameters (*必填 required)</th>"
            f"<th>请求体 Body</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div></main></body></html>")
    return HTMLResponse(page)


def html(content: str, status: int = 200) -> HTMLResponse:
    """An HTML response (helper for views that render by hand)."""
    return HTMLResponse(content, status_code=status)


def app_from_env() -> FastAPI:
    """The app on STPI_DATABASE_URL (uvicorn's factory for several worker processes); STPI_HTTPS_ONLY=1: secure cookies."""
    return create_app(os.environ.get("STPI_DATABASE_URL"), https_only=os.environ.get("STPI_HTTPS_ONLY", "") in ("1", "true", "on"))
