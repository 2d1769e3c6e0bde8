"""In a real browser: the department page's year picker and a partial year, the counties page's split targets and partial year,
and the admin adding a signed DingTalk robot; every changed page shot at 1366 and 390 px in Chinese and English."""

from __future__ import annotations

from typing import Any

import pytest

from stpi.store import Entry, Store
from stpi.store import observations as ob
from stpi.store.county_targets import TargetEntry, set_county_targets
from tests.browser.conftest import log_in, shoot
from tests.queries.seeds import CITY, city_2023

PAGES = {"department": "/departments/sci?year=2025", "department-full": "/departments/sci", "counties": "/counties", "counties-partial": "/counties?year=2024",
         "outbox": "/admin/outbox"}


@pytest.fixture(scope="module")
def seeded(live_store: Store) -> Store:
    """The city: 2023 complete, 2025 partial (5 indicators); every county 2023 in full, 2024 short; 武都区's I13 with its 县本级/乡镇 split."""
    city_2023(live_store)
    plan = live_store.plan()
    ob.write(live_store, [Entry(CITY, i.code, "2025", i.target) for i in plan.indicators[:5]], actor="admin")
    counties = live_store.regions("county")
    for year, short in ((2023, 0), (2024, 3)):
        entries = [Entry(c.code, i.code, str(year), i.target * (0.5 + k / 20)) for k, c in enumerate(counties)
                   for i in (plan.indicators[: len(plan.indicators) - short] if k == 0 else plan.indicators)]
        ob.write(live_store, entries, actor="admin")
    ob.transition(live_store, "approve", actor="admin")
    set_county_targets(live_store, [TargetEntry("621202", "I13", 1.6, sub_targets="县本级 2.1;乡镇 1.0")], user=live_store.user("admin"))
    return live_store


def _overflow(tab: Any) -> int:
    return int(tab.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_department_year_picker_and_partial_year(page: Any, seeded: Store) -> None:
    log_in(page, "keji")
    page.goto("/departments/sci")
    assert page.locator("#year").input_value() == "2023" and page.locator("#year-incomplete").count() == 0
    page.select_option("#year", "2025")
    page.locator("form:has(#year) button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/departments/sci?year=2025")
    note = page.locator("#year-incomplete").inner_text()
    assert "2025年数据尚不完整：27项指标未报（其中本部门" in note
    assert "未报" in page.locator("#dep-indicators").inner_text()


def test_counties_split_targets_and_partial_year(page: Any, seeded: Store) -> None:
    log_in(page, "leader")
    page.goto("/counties")
    assert page.locator("#year").input_value() == "2023" and page.locator("#year-incomplete").count() == 0
    assert "县本级 2.1 · 乡镇 1" in page.locator("#county-targets").inner_text()
    page.goto("/counties?year=2024")
    assert "2024年县区数据尚不完整：共3项未报（未报齐的县区：武都区）" in page.locator("#year-incomplete").inner_text()
    assert "预估（不完整：3项未报）" in page.locator("#county-ranking").inner_text()


def test_admin_adds_a_signed_dingtalk_robot(page: Any, seeded: Store) -> None:
    log_in(page, "admin")
    page.goto("/admin/outbox")
    page.fill("#ns-name", "科技局钉钉群")
    page.select_option("#ns-kind", "dingtalk")
    page.select_option("#ns-party", "sci")
    page.fill("#ns-url", "https://oapi.dingtalk.com/robot/send?access_token=secret-token")
    page.fill("#ns-secret", "SEC1234567890abcdefabcd")
    page.click("#robot-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.locator("#ns-saved").count() == 1
    row = page.locator("#robot-list tbody tr").first.inner_text()
    assert "科技局钉钉群" in row and "已加签 …abcd" in row and "secret-token" not in page.content() and "SEC1234567890" not in page.content()
    page.locator('#email-list tr[data-user="keji"] input[name=email]').fill("keji@example.cn")
    page.locator('#email-list tr[data-user="keji"] button').click()
    page.wait_for_load_state("networkidle")
    assert page.locator('#email-list tr[data-user="keji"] input[name=email]').input_value() == "keji@example.cn"


def test_screenshots_in_both_languages_and_widths(browser: Any, server: str, seeded: Store) -> None:
    """Every changed page at 1366 and 390 px, zh and en: no sideways scroll on a phone."""
    wide: dict[str, int] = {}
    for width in (1366, 390):
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=server, locale="zh-CN")
        tab = context.new_page()
        log_in(tab, "admin")
        for lang in ("zh", "en"):
            for name, url in PAGES.items():
                tab.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
                tab.wait_for_load_state("networkidle")
                shoot(tab, f"year-{name}-{lang}-{width}")
                if width == 390:
                    wide[f"{name}-{lang}"] = _overflow(tab)
        context.close()
    assert {k: v for k, v in wide.items() if v > 0} == {}
