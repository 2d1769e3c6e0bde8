"""End-to-end tests in a real browser: Debian's Chromium driven by Playwright, against the app served on loopback.

The browser is the one the test set-up installs (``apt-get install chromium``); Playwright never downloads one.
Screenshots of the pages go to ``artifacts/screenshots/`` to be looked at.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from stpi.store import Store
from tests.web.conftest import PASSWORD, add_accounts

SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("STPI_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser") or ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def live_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A store of its own for the module's server: the embedded default plus one account per role."""
    home = tmp_path_factory.mktemp("browser")
    store = Store(f"sqlite:///{home / 'stpi.db'}")
    from stpi.store.settings import set_setting

    set_setting(store, "public_overview", "true", actor="admin")
    add_accounts(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def server(live_store: Store) -> Iterator[str]:
    """The app served by uvicorn in a thread; yields its base URL."""
    import uvicorn

    from stpi.web import create_app

    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(store=live_store), host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "the web app did not start"
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Debian Chromium (no download); the test set-up installs it."""
    if not CHROMIUM:
        if os.environ.get("STPI_REQUIRE_BROWSER"):
            pytest.fail("Chromium not found: install Debian's chromium (scripts/test.sh does) or set STPI_CHROMIUM")
        pytest.skip("Chromium not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--lang=zh-CN"])
        yield b
        b.close()


@pytest.fixture
def page(browser: object, server: str) -> Iterator[object]:
    """A fresh browser tab (own cookies) at a laptop's size; console errors fail the test."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server, accept_downloads=True, locale="zh-CN")  # type: ignore[attr-defined]
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def log_in(tab: object, username: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a user would."""
    tab.goto("/login")  # type: ignore[attr-defined]
    tab.get_by_label("用户名").fill(username)  # type: ignore[attr-defined]
    tab.get_by_label("密码").fill(password)  # type: ignore[attr-defined]
    tab.get_by_role("button", name="登录").click()  # type: ignore[attr-defined]
    tab.wait_for_load_state("networkidle")  # type: ignore[attr-defined]


def shoot(tab: object, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    tab.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    return path


def charts_drawn(tab: object, timeout: float = 15000) -> int:
    """Wait until every chart on the page is drawn by plotly; return how many."""
    tab.wait_for_function("() => [...document.querySelectorAll('[data-chart]')].every(e => e.dataset.drawn === '1')", timeout=timeout)  # type: ignore[attr-defined]
    return int(tab.evaluate("document.querySelectorAll('[data-chart] .main-svg').length > 0 ? document.querySelectorAll('[data-chart]').length : 0"))  # type: ignore[attr-defined]
