"""Accounts and settings in a real browser: the admin adds a county reporter through the form."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import log_in, shoot


def test_admin_adds_a_county_reporter(page: Any) -> None:
    log_in(page, "admin")
    page.goto("/admin")
    page.fill("#new-username", "chengxian")
    page.fill("#new-display", "成县科技局填报员")
    page.select_option("#new-role", "county")
    page.select_option("#new-county", "621221")
    page.fill("#new-password", "short")
    page.click("#add-user-form button[type=submit]")  # the browser's own minlength check stops it first
    assert page.locator('#users tr[data-user="chengxian"]').count() == 0
    page.fill("#new-password", "long-enough-42")
    page.click("#add-user-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator('#users tr[data-user="chengxian"]').count() == 1 and page.locator(".ok-message").count() == 1
    shoot(page, "admin")
