"""Accessibility basics checked by axe-core (bundled in the axe-playwright-python package): labels, contrast,
landmarks, keyboard names, on every main page, in Chinese and in English."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import charts_drawn, log_in

PAGES = ["/", "/indicators", "/indicators/I13", "/departments", "/departments/sci", "/counties", "/whatif", "/goalseek",
         "/data", "/data/review", "/due", "/downloads", "/audit", "/admin"]


def _serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_main_pages_have_no_serious_accessibility_violations(page: Any, lang: str) -> None:
    log_in(page, "admin")
    found = {}
    for path in PAGES:
        page.goto(f"{path}?lang={lang}")
        if page.locator("[data-chart]").count():
            charts_drawn(page)
        problems = _serious(page)
        if problems:
            found[path] = problems
    assert not found, found


def test_login_page_is_accessible(page: Any) -> None:
    page.goto("/login")
    assert _serious(page) == []
