"""The dashboard in a real browser: charts drawn offline, language switch, login, phone width."""

from __future__ import annotations

from tests.browser.conftest import charts_drawn, log_in, shoot


def test_dashboard_draws_its_charts(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    assert charts_drawn(page) == 3
    assert "示意参数" in page.inner_text(".banner.illustrative")  # type: ignore[attr-defined]
    assert page.locator("#lights tbody tr").count() == 32  # type: ignore[attr-defined]
    shoot(page, "overview")


def test_login_and_english(page: object) -> None:
    log_in(page, "admin")
    assert page.locator(".account .who").inner_text()  # type: ignore[attr-defined]
    page.goto("/?lang=en")  # type: ignore[attr-defined]
    assert page.locator("h1").inner_text().endswith("Composite S&T progress index")  # type: ignore[attr-defined]
    charts_drawn(page)
    shoot(page, "overview-en")


def test_phone_width_has_no_sideways_scroll(page: object) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.goto("/")  # type: ignore[attr-defined]
    charts_drawn(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")  # type: ignore[attr-defined]
    assert overflow <= 1
    shoot(page, "overview-phone")


def test_keyboard_reaches_the_content(page: object) -> None:
    page.goto("/")  # type: ignore[attr-defined]
    page.keyboard.press("Tab")  # type: ignore[attr-defined]
    assert page.evaluate("document.activeElement.className") == "skip"  # type: ignore[attr-defined]
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert page.evaluate("document.activeElement.id") == "main"  # type: ignore[attr-defined]
