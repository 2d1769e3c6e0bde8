"""The application factory: one store per app, middleware, error pages, routes."""

from __future__ import annotations

import os
from collections.abc import Callable
import time
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stpi import service
from stpi.errors import ConflictError, ForbiddenError, InputError, MethodError, NotFoundError, StpiError
from stpi.i18n import LANGS, request_lang
from stpi.store.core import Store
from stpi.store.settings import session_secret
from stpi.web import messages as _messages  # noqa: F401  (registers the web's words)
from stpi.web.auth import NotLoggedIn, TooManyAttempts
from stpi.web.render import render_error, vendor_dir

__all__ = ["create_app", "STATUS"]

STATUS: dict[type[StpiError], int] = {InputError: 422, MethodError: 422, NotFoundError: 404, ForbiddenError: 403, ConflictError: 409}
STATIC = Path(__file__).parent / "static"


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

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        asked = request.query_params.get("lang", "")
        lang = asked if asked in LANGS else request.cookies.get("lang", "")
        token = request_lang.set(lang if lang in LANGS else "zh")

        cookie = [(b"set-cookie", f"lang={asked}; Path=/; Max-Age=31536000; SameSite=Lax".encode())] if asked in LANGS else []
        try:
            await self.app(scope, receive, with_headers(send, lambda: cookie))
        finally:
            request_lang.reset(token)


class TimingMiddleware(_HttpMiddleware):
    """Adds ``Server-Timing: app;dur=…`` so benchmarks can tell server time from client time."""

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = time.perf_counter()
        await self.app(scope, receive, with_headers(send, lambda: [(b"server-timing", f"app;dur={(time.perf_counter() - start) * 1000:.2f}".encode())]))


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error_handler(request: Request, exc: Exception) -> Response:
    if isinstance(exc, NotLoggedIn):
        if _wants_json(request):
            return JSONResponse({"error": "login required", "message": str(exc)}, status_code=401)
        from fastapi.responses import RedirectResponse

        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    status = 429 if isinstance(exc, TooManyAttempts) else next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    problems = [p._asdict() if hasattr(p, "_asdict") else vars(p) for p in getattr(exc, "problems", [])]
    if _wants_json(request):
        return JSONResponse({"error": type(exc).__name__, "message": str(exc), "problems": problems}, status_code=status)
    return render_error(request, status, str(exc), problems)


def create_app(database: str | None = None, *, store: Store | None = None, https_only: bool = False) -> FastAPI:
    """The stpi web app on ``database`` (default: the embedded SQLite store)."""
    store = store or Store(database)
    service.register_store(store)  # the queries the views call reuse this store instead of reconnecting
    app = FastAPI(title="stpi 科技进步水平指数监测评估系统", version="0.1.0", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.store = store
    app.state.cache = {}
    app.add_middleware(SessionMiddleware, secret_key=session_secret(store), session_cookie="stpi_session", same_site="lax", https_only=https_only, max_age=8 * 3600)
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(TimingMiddleware)
    app.add_exception_handler(StpiError, _error_handler)
    app.mount("/static/vendor", StaticFiles(directory=vendor_dir()), name="vendor")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    from stpi.web.views import ROUTERS

    for router in ROUTERS:
        app.include_router(router)
    return app


def html(content: str, status: int = 200) -> HTMLResponse:
    """An HTML response (helper for views that render by hand)."""
    return HTMLResponse(content, status_code=status)


def app_from_env() -> FastAPI:
    """The app on STPI_DATABASE_URL (uvicorn's factory for several worker processes); STPI_HTTPS_ONLY=1: secure cookies."""
    return create_app(os.environ.get("STPI_DATABASE_URL"), https_only=os.environ.get("STPI_HTTPS_ONLY", "") in ("1", "true", "on"))
