"""What-if and goal-seek in a real browser: typing moves the index without a reload; the goal-seek draws its chart."""

from __future__ import annotations

from tests.browser.conftest import charts_drawn, log_in, shoot

INDEX = "document.getElementById('whatif-index').textContent"


def _wait_index(page: object, not_equal: str | None = None, equal: str | None = None) -> str:
    if equal is not None:
        page.wait_for_function(f"() => {INDEX} === {equal!r}", timeout=10000)  # type: ignore[attr-defined]
    else:
        page.wait_for_function(f"() => {INDEX} !== {not_equal!r}", timeout=10000)  # type: ignore[attr-defined]
    return str(page.evaluate(INDEX))  # type: ignore[attr-defined]


def test_typing_a_value_moves_the_index_without_reload(page: object) -> None:
    log_in(page, "leader")
    page.goto("/whatif")  # type: ignore[attr-defined]
    assert charts_drawn(page) == 2
    page.evaluate("window.notReloaded = true")  # type: ignore[attr-defined]
    start = str(page.evaluate(INDEX))  # type: ignore[attr-defined]
    rank = page.inner_text("#whatif-rank")  # type: ignore[attr-defined]
    page.fill("#v-I10", "9")  # type: ignore[attr-defined]
    moved = _wait_index(page, not_equal=start)
    assert float(moved) > float(start) and page.evaluate("window.notReloaded") is True  # type: ignore[attr-defined]
    assert page.locator('#whatif-table tr[data-code="I10"].changed').count() == 1  # type: ignore[attr-defined]
    assert page.inner_text("#whatif-change").startswith("+")  # type: ignore[attr-defined]
    assert "演示数据" in page.inner_text("#whatif-demo") and rank  # type: ignore[attr-defined]
    shoot(page, "whatif")

    page.fill("#v-I05", "12abc")  # type: ignore[attr-defined]
    page.wait_for_selector("#err-I05:not([hidden])")  # type: ignore[attr-defined]
    assert page.get_attribute("#v-I05", "aria-invalid") == "true"  # type: ignore[attr-defined]
    page.fill("#v-I05", "1.5")  # type: ignore[attr-defined]
    page.wait_for_selector("#err-I05", state="hidden")  # type: ignore[attr-defined]


def test_all_to_target_gives_the_plans_goal_and_reset_returns(page: object) -> None:
    log_in(page, "keji")
    page.goto("/whatif")  # type: ignore[attr-defined]
    charts_drawn(page)
    start = str(page.evaluate(INDEX))  # type: ignore[attr-defined]
    page.click("#whatif-all-target")  # type: ignore[attr-defined]
    assert _wait_index(page, equal="43.26") == "43.26"  # the illustrative rule: every target met gives 43.26
    assert page.url.endswith("/whatif")  # type: ignore[attr-defined]
    assert page.input_value("#v-I28") == "0.013"  # type: ignore[attr-defined]
    page.click("#whatif-reset")  # type: ignore[attr-defined]
    assert _wait_index(page, equal=start) == start
    page.click('button.to-target[data-code="I19"]')  # type: ignore[attr-defined]
    assert float(_wait_index(page, not_equal=start)) > float(start)


def test_whatif_on_a_phone(page: object) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    log_in(page, "leader")
    page.goto("/whatif")  # type: ignore[attr-defined]
    charts_drawn(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")  # type: ignore[attr-defined]
    assert overflow <= 1
    shoot(page, "whatif-phone")


def test_goalseek_result_and_chart(page: object) -> None:
    log_in(page, "leader")
    page.goto("/goalseek")  # type: ignore[attr-defined]
    assert charts_drawn(page) == 1
    rows = page.locator("#goalseek-moves tbody tr").count()  # type: ignore[attr-defined]
    assert rows > 0 and page.locator("#goalseek-departments tbody tr").count() > 0  # type: ignore[attr-defined]
    assert page.locator('[data-chart="goalseek_gains"] .bars .point').count() == rows  # type: ignore[attr-defined]
    assert page.inner_text("#goalseek-achieved") == "43.26"  # type: ignore[attr-defined]
    shoot(page, "goalseek")
    page.fill("#target", "99")  # type: ignore[attr-defined]
    page.get_by_role("button", name="求解").click()  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "target=99" in page.url and page.inner_text("#goalseek-reachable") == "不可达"  # type: ignore[attr-defined]
    page.fill("#target", "abc")  # type: ignore[attr-defined]
    page.get_by_role("button", name="求解").click()  # type: ignore[attr-defined]
    page.wait_for_selector("#target-error")  # type: ignore[attr-defined]


def test_goalseek_on_a_phone(page: object) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    log_in(page, "leader")
    page.goto("/goalseek")  # type: ignore[attr-defined]
    charts_drawn(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")  # type: ignore[attr-defined]
    assert overflow <= 1
    shoot(page, "goalseek-phone")
