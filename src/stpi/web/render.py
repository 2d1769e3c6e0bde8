"""Rendering: Jinja2 templates (autoescape on), the common page frame, JSON twins and a revision-keyed cache."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from stpi.analysis.jsonable import jsonable
from stpi.i18n import MESSAGES, get_lang
from stpi.readmodel import Snapshot, snapshot
from stpi.store.core import Store
from stpi.store.notices import unread_count
from stpi.store.settings import settings
from stpi.web.auth import allowed, csrf_token, current_user
from stpi.web.filters import register as register_filters

__all__ = ["NAV", "cached", "page", "render_error", "revision", "snap_of", "store_of", "t", "templates", "vendor_dir"]

T = TypeVar("T")
templates = Jinja2Templates(env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=True))  # escape everything, not only .html
register_filters(templates.env, zone_of=lambda request: str(cached(request, ("settings",), lambda: settings(store_of(request)))["display_timezone"]))

# (path, message key, action needed to see it; None = anyone who may read the overview)
NAV: tuple[tuple[str, str, str | None], ...] = (
    ("/", "web.nav.overview", None),
    ("/indicators", "web.nav.indicators", "read"),
    ("/departments", "web.nav.departments", "read"),
    ("/counties", "web.nav.counties", "read"),
    ("/whatif", "web.nav.whatif", "read"),
    ("/goalseek", "web.nav.goalseek", "read"),
    ("/data", "web.nav.data", "read"),
    ("/supervision", "web.nav.supervision", "read"),
    ("/due", "web.nav.due", "read"),
    ("/downloads", "web.nav.downloads", "read"),
    ("/audit", "web.nav.audit", "audit"),
    ("/admin", "web.nav.admin", "manage"),
)


def t(key: str, **kwargs: object) -> str:
    """A message in the request's language (the templates' ``t``)."""
    zh, en = MESSAGES[key]
    text = en if get_lang() == "en" else zh
    return text.format(**kwargs) if kwargs else text


def vendor_dir() -> str:
    """plotly.js as shipped inside the ``plotly`` package: charts work offline."""
    import plotly

    return str(Path(os.path.dirname(plotly.__file__)) / "package_data")


def store_of(request: Request) -> Store:
    """The app's store."""
    store: Store = request.app.state.store
    return store


def snap_of(request: Request) -> Snapshot:
    """The store's current snapshot, taken once per GET (a GET changes nothing) and afresh in a POST, which may write."""
    store = store_of(request)
    if request.method not in ("GET", "HEAD"):
        return snapshot(store)
    memo: Snapshot | None = getattr(request.state, "stpi_snapshot", None)
    if memo is None:
        memo = request.state.stpi_snapshot = snapshot(store)
    return memo


def revision(request: Request) -> int:
    """A number that grows whenever anything a page shows changes (the snapshot's generations)."""
    return snap_of(request).revision


_BUILDING_GUARD = threading.Lock()
_BUILDING: dict[tuple[int, Any], threading.Lock] = {}


def cached(request: Request, key: tuple[Any, ...], build: Callable[[], T]) -> T:
    """``build()`` memoised per store revision and language: pages stay fast under load, never stale.

    A missing entry is built by one request while the others asking for it wait (no
    stampede of identical builds after a change). ``STPI_WEB_CACHE=off`` builds every
    time (the benchmark's baseline).
    """
    if os.environ.get("STPI_WEB_CACHE", "").lower() == "off":
        return build()
    cache: dict[Any, Any] = request.app.state.cache
    full = (key, get_lang(), revision(request))
    found = cache.get(full, _MISSING)
    if found is not _MISSING:
        return found  # type: ignore[no-any-return]
    with _BUILDING_GUARD:
        lock = _BUILDING.setdefault((id(cache), full), threading.Lock())
    try:
        with lock:
            found = cache.get(full, _MISSING)
            if found is _MISSING:
                if len(cache) > 256:
                    cache.clear()
                found = cache[full] = build()
    finally:
        with _BUILDING_GUARD:
            _BUILDING.pop((id(cache), full), None)
    return found  # type: ignore[no-any-return]


_MISSING = object()


def _frame(request: Request) -> dict[str, Any]:
    user = current_user(request)
    store = store_of(request)
    lang = get_lang()
    values = snap_of(request).settings
    public = bool(values["public_overview"])
    nav = [(path, t(key)) for path, key, action in NAV if (action is None and (public or user)) or (action and allowed(user, action))]
    return {
        "request": request, "user": user, "lang": lang, "other_lang": "en" if lang == "zh" else "zh", "t": t, "nav": nav,
        "path": request.url.path, "csrf": csrf_token(request), "demo_data": bool(values["demo_data"]),
        "can": {action: allowed(user, action) for action in ("read", "report", "review", "lock", "audit", "manage")},
        "unread": unread_count(store, user.username) if user else 0,  # the inbox's count on every page
    }


def page(request: Request, template: str, context: dict[str, Any], status: int = 200, *, drawing: dict[str, Any] | None = None) -> HTMLResponse:
    """Render ``template`` with the page frame (user, language, navigation, CSRF token) around ``context``.

    ``drawing``: what only the HTML draws (a map's shapes), kept out of the page's embedded JSON.
    """
    frame = {**_frame(request), "ctx": context, "json_ctx": jsonable(context), "drawing": drawing or {}}
    return templates.TemplateResponse(request, template, frame, status_code=status)


def render_error(request: Request, status: int, message: str, problems: list[dict[str, Any]]) -> HTMLResponse:
    """The error page: what went wrong and, for bad input, every problem located; "back" to the page the user came from on this site."""
    referer = request.headers.get("referer", "")
    base = str(request.base_url)
    back = "/" + referer[len(base):] if referer.startswith(base) and not referer[len(base):].startswith("/") else ""
    return page(request, "error.html", {"status": status, "message": message, "problems": problems, "back": back}, status=status)
