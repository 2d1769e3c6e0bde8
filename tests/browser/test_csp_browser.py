"""The Content-Security-Policy in a real browser: every main page and its charts work with no inline script allowed,
and the browser reports no violation."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import charts_drawn, log_in

PAGES = ["/", "/indicators", "/indicators/I13", "/departments", "/departments/sci", "/counties", "/whatif", "/goalseek",
         "/data", "/data/review", "/downloads", "/audit", "/admin", "/login"]


def test_no_page_breaks_the_content_security_policy(page: Any) -> None:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}") if "Content Security Policy" in msg.text else None)
    log_in(page, "admin")
    drawn = 0
    for path in PAGES:
        response = page.goto(path)
        assert "script-src 'self'" in response.headers["content-security-policy"]
        if page.locator("[data-chart]").count():
            drawn += charts_drawn(page)
    page.goto("/whatif")
    page.wait_for_load_state("networkidle")
    assert drawn > 0 and violations == []


def test_a_framed_page_is_refused(page: Any, server: str) -> None:
    """Another site framing the approve and lock forms gets nothing: frame-ancestors 'none' and X-Frame-Options DENY."""
    page.set_content(f'<iframe id="f" src="{server}/login" width="600" height="400"></iframe>')
    page.wait_for_timeout(500)
    frame = page.frame_locator("#f")
    assert frame.locator("input[name=username]").count() == 0
