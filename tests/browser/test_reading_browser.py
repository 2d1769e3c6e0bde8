"""The reading pages in a real browser: indicators, one indicator, departments, one department (adding a note), counties."""

from __future__ import annotations

import pytest

from stpi.store import Entry, Store
from stpi.store import observations as ob
from tests.browser.conftest import charts_drawn, log_in, shoot
from tests.queries.seeds import CITY, COUNTIES, counties_2023


@pytest.fixture(scope="module", autouse=True)
def figures(live_store: Store) -> None:
    """The city's figures for 2023 and 2024 and three counties' for 2023, written and approved through the store API."""
    plan = live_store.plan()
    for year, share in ((2023, 0.25), (2024, 0.55)):
        entries = [Entry(CITY, i.code, str(year), i.target if i.baseline is None else i.baseline + (i.target - i.baseline) * (share if i.no % 4 else -share / 2)) for i in plan.indicators]
        ob.write(live_store, entries, actor="admin", status="submitted")
    counties_2023(live_store)  # approves everything submitted so far


def _no_sideways_scroll(page: object) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1  # type: ignore[attr-defined]


def test_indicators_list_and_page(page: object) -> None:
    log_in(page, "leader")
    page.goto("/indicators")  # type: ignore[attr-defined]
    assert page.locator("table.indicators tbody tr").count() == 32  # type: ignore[attr-defined]
    assert "示意参数" in page.inner_text(".banner.illustrative")  # type: ignore[attr-defined]
    shoot(page, "indicators")
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    _no_sideways_scroll(page)
    shoot(page, "indicators-phone")
    page.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]
    page.get_by_role("link", name="地方财政科技支出占一般公共预算支出比重").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/indicators/I13")  # type: ignore[attr-defined]
    assert charts_drawn(page) == 1
    assert page.locator("#sub-targets").inner_text().count("%") == 2  # type: ignore[attr-defined]
    assert page.locator("#history-table tbody tr").count() == 2  # type: ignore[attr-defined]
    shoot(page, "indicator")
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    charts_drawn(page)
    _no_sideways_scroll(page)
    shoot(page, "indicator-phone")


def test_department_page_takes_a_progress_note(page: object) -> None:
    log_in(page, "keji")
    page.goto("/departments")  # type: ignore[attr-defined]
    assert page.locator("#departments tbody tr").count() == 18  # type: ignore[attr-defined]
    shoot(page, "departments")
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    _no_sideways_scroll(page)
    shoot(page, "departments-phone")
    page.set_viewport_size({"width": 1366, "height": 900})  # type: ignore[attr-defined]
    page.get_by_role("link", name="市科技局").first.click()  # type: ignore[attr-defined]
    page.wait_for_url("**/departments/sci")  # type: ignore[attr-defined]
    page.get_by_label("指标", exact=True).select_option("I05")  # type: ignore[attr-defined]
    page.get_by_label("期间").fill("2025Q9")  # type: ignore[attr-defined]
    page.get_by_label("进展内容").fill("走访孵化器 <i>8</i> 家")  # type: ignore[attr-defined]
    page.get_by_role("button", name="保存").click()  # type: ignore[attr-defined]
    assert page.locator("#period-error").is_visible()  # type: ignore[attr-defined]
    page.get_by_label("期间").fill("2025Q3")  # type: ignore[attr-defined]
    page.get_by_role("button", name="保存").click()  # type: ignore[attr-defined]
    page.wait_for_url("**/departments/sci?saved=1*")  # type: ignore[attr-defined]
    assert "走访孵化器 <i>8</i> 家" in page.locator("#notes-list").inner_text()  # type: ignore[attr-defined]
    assert page.locator("#assess-total").inner_text()  # type: ignore[attr-defined]
    shoot(page, "department")
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    _no_sideways_scroll(page)
    shoot(page, "department-phone")


def test_counties_chart_and_checks(page: object) -> None:
    log_in(page, "wudu")
    page.goto("/counties")  # type: ignore[attr-defined]
    assert charts_drawn(page) == 1
    assert page.locator("#county-ranking tbody tr").count() == len(COUNTIES)  # type: ignore[attr-defined]
    assert page.locator("#sum-check tr.sum-mismatch").count() == 1  # type: ignore[attr-defined]
    shoot(page, "counties")
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    charts_drawn(page)
    _no_sideways_scroll(page)
    shoot(page, "counties-phone")
