"""The round in a real browser: the admin opens it; a department reporter signs in and lands on what it owes."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import log_in, shoot


def test_a_reporter_signs_in_and_sees_what_is_due(page: Any, browser: Any, server: str) -> None:
    log_in(page, "admin")
    page.goto("/due")
    page.fill("#open-year", "2025")
    page.fill("#open-deadline", "2099-03-31")
    page.click("#round-open button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "已开启2025轮次" in page.locator("#flash").inner_text()
    assert page.locator("#round-departments tbody tr").count() > 0

    reporter = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server, locale="zh-CN").new_page()
    log_in(reporter, "keji")  # 市科技局
    assert reporter.url.endswith("/due")
    rows = reporter.locator("#due-list tbody tr")
    assert rows.count() > 0 and rows.first.get_attribute("data-status") == "due"
    assert "2099-03-31" in rows.first.inner_text() and "未报" in rows.first.inner_text()
    assert reporter.locator("#due-template").count() == 1
    rows.first.get_by_role("link", name="填报").click()
    reporter.wait_for_load_state("networkidle")
    assert "/data" in reporter.url
    shoot(reporter, "due")
    reporter.context.close()
