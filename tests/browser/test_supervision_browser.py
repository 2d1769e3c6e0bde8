"""督办 in a real browser: the admin issues a notice, the department sees it in its inbox and replies with a file, the admin closes it."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.browser.conftest import log_in, shoot


def test_admin_issues_a_notice_and_the_department_replies(page: Any, tmp_path: Path) -> None:
    log_in(page, "admin")
    page.goto("/supervision")
    page.select_option("#sv-department", "sci")
    page.fill("#sv-subject", "R&D经费投入强度进度滞后")
    page.fill("#sv-deadline", (date.today() + timedelta(days=10)).isoformat())
    page.select_option("#sv-origin", "indicator")
    page.fill("#sv-origin-ref", "I05")
    page.click("#issue-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/supervision/" in page.url and page.locator(".ok-message").count() == 1
    number = page.locator("h1").inner_text().split(" ")[0]
    shoot(page, "supervision-issued")
    page.click("header form button[type=submit]")  # log out
    page.wait_for_load_state("networkidle")

    log_in(page, "keji")
    assert page.locator("#unread-count").inner_text() == "1"  # the count in the header of every page
    page.click("#inbox-link")
    page.wait_for_load_state("networkidle")
    assert number in page.locator("#inbox-list").inner_text()
    page.locator("#inbox-list a").first.click()
    page.wait_for_load_state("networkidle")
    page.fill("#sv-measures", "召开专题会议，逐企业摸排研发投入")
    page.fill("#sv-effect", "年底达到1.5%")
    attachment = tmp_path / "整改清单.txt"
    attachment.write_text("重点企业20家", encoding="utf-8")
    page.set_input_files("#sv-files", str(attachment))
    page.click("#reply-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator(".ok-message").count() == 1 and page.locator("#sv-status-text").inner_text() == "已反馈"
    assert "整改清单.txt" in page.locator("#sv-steps").inner_text()
    shoot(page, "supervision-replied")
    page.click("header form button[type=submit]")
    page.wait_for_load_state("networkidle")

    log_in(page, "admin")
    page.goto("/supervision")
    page.get_by_role("link", name=number).click()
    page.wait_for_load_state("networkidle")
    page.fill("#sv-close-comment", "同意办结")
    page.click("#close-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#sv-status-text").inner_text() == "已办结"


def test_supervision_inbox_and_outbox_pages_are_accessible(page: Any) -> None:
    from tests.browser.test_accessibility_browser import _serious

    log_in(page, "admin")
    page.goto("/supervision")
    page.select_option("#sv-department", "sci")
    page.fill("#sv-subject", "无障碍检查")
    page.fill("#sv-deadline", (date.today() + timedelta(days=10)).isoformat())
    page.click("#issue-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    notice = page.url.split("?")[0].split("/")[-1]
    found = {}
    for lang in ("zh", "en"):
        for path in ("/supervision", f"/supervision/{notice}", "/inbox", "/admin/outbox"):
            page.goto(f"{path}?lang={lang}")
            problems = _serious(page)
            if problems:
                found[f"{path}?lang={lang}"] = problems
    page.goto("/?lang=zh")
    assert not found, found
