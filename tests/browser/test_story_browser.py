"""The issue's story in a real browser: a department reports its figures, the S&T bureau approves, the index moves.

市科技局's reporter logs in, sees the dashboard, downloads the template from /data, fills it (here with
openpyxl, as Excel would) with one bad value, uploads it and sees the error row, fixes it, uploads it
again and submits; the admin approves everything in /data/review; the overview's index changes; the what-if starts
there and moves as a value is typed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from stpi.store import Store
from stpi.store import observations as ob
from tests.browser.conftest import charts_drawn, log_in, shoot


def fill(template: Path, out: Path, values: dict[str, object]) -> Path:
    """Type values into the 本年值 column of the template, by indicator code."""
    book = load_workbook(template)
    ws = book["填报"]
    header = [c.value for c in ws[2]]
    code, value = header.index("代码"), header.index("本年值")
    for row in ws.iter_rows(min_row=3):
        if row[code].value in values:
            row[value].value = values[row[code].value]
    book.save(out)
    return out


def upload(page: object, path: Path) -> None:
    """Choose the file and send it, as a user does."""
    page.set_input_files("#upload-file", str(path))  # type: ignore[attr-defined]
    page.locator("#upload-form button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]


def test_report_upload_fix_submit_approve_and_the_index_moves(page: object, tmp_path: Path) -> None:
    log_in(page, "keji")
    page.goto("/")  # type: ignore[attr-defined]
    assert charts_drawn(page) == 3
    index_before = page.inner_text("#kpi-index")  # type: ignore[attr-defined]
    shoot(page, "story-1-dashboard")

    page.goto("/data")  # type: ignore[attr-defined]
    assert "市科技局" in page.inner_text("#reporter")  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        page.click("#template-link")  # type: ignore[attr-defined]
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    shoot(page, "story-2-data-page")

    bad = fill(template, tmp_path / "市科技局2023.xlsx", {"I03": "约1.6", "I05": 1.2, "I08": 400})
    upload(page, bad)
    problems = page.locator("#problems tbody tr")  # type: ignore[attr-defined]
    assert problems.count() == 1
    row = problems.first.inner_text()
    assert "市科技局2023.xlsx" in row and "填报" in row and "约1.6" in row and "约数" in row
    assert page.locator("#figures").count() == 0  # type: ignore[attr-defined]  # nothing was written
    shoot(page, "story-3-upload-error")

    upload(page, fill(template, tmp_path / "市科技局2023.xlsx", {"I03": "1.6%", "I05": 1.2, "I08": 400}))
    assert "校验通过" in page.inner_text("#flash")  # type: ignore[attr-defined]
    assert page.locator("#figures tbody tr").count() == 3  # type: ignore[attr-defined]
    assert page.locator("#figures .status-draft").count() == 3  # type: ignore[attr-defined]
    shoot(page, "story-4-upload-ok")

    page.locator("#submit-form button").click()  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "已报送 2023 年 3 条数据" in page.inner_text("#flash")  # type: ignore[attr-defined]
    assert page.locator("#figures .status-submitted").count() == 3  # type: ignore[attr-defined]
    shoot(page, "story-5-submitted")

    page.locator(".account button.link").click()  # type: ignore[attr-defined]  # log out
    log_in(page, "admin")
    page.goto("/data/review")  # type: ignore[attr-defined]
    assert page.locator("#queue tbody tr[data-id]").count() == 3  # type: ignore[attr-defined]
    assert "市科技局 · 陇南市 · 2023年" in page.inner_text("#queue")  # type: ignore[attr-defined]
    shoot(page, "story-6-review")
    page.click("#approve-all")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "已审核通过 3 条" in page.inner_text("#flash")  # type: ignore[attr-defined]
    shoot(page, "story-7-approved")
    page.goto("/data?year=2023&lang=en")  # type: ignore[attr-defined]
    assert page.locator("#figures .status-approved").count() == 3 and page.locator("#tpl-department option").count() == 18  # type: ignore[attr-defined]
    shoot(page, "story-7b-admin-data-en")
    page.goto("/?lang=zh")  # type: ignore[attr-defined]

    page.goto("/")  # type: ignore[attr-defined]
    charts_drawn(page)
    page_index_after = page.inner_text("#kpi-index")  # type: ignore[attr-defined]
    assert page_index_after != index_before
    assert page.locator("#year option[selected]").inner_text() == "2023"  # type: ignore[attr-defined]
    shoot(page, "story-8-overview-after")

    # the what-if starts from the approved 2023 figures: the index shown there is the overview's, and typing moves it
    page.goto("/whatif")  # type: ignore[attr-defined]
    charts_drawn(page)
    start = page.inner_text("#whatif-index")  # type: ignore[attr-defined]
    estimate = page.request.get("/api/overview").json()["estimate"]["value"]  # type: ignore[attr-defined]
    assert float(start) == pytest.approx(estimate, abs=0.006)  # the what-if starts from the overview's estimate
    page.fill("#v-I10", "9")  # type: ignore[attr-defined]
    page.wait_for_function(f"() => document.getElementById('whatif-index').textContent !== {start!r}", timeout=10000)  # type: ignore[attr-defined]
    assert float(page.inner_text("#whatif-index")) > float(start)  # type: ignore[attr-defined]
    shoot(page, "story-9-whatif")


def no_sideways_scroll(page: object) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")  # type: ignore[attr-defined]
    assert overflow <= 1, overflow


def test_on_a_phone_a_bad_figure_is_marked_and_locking_asks_first(page: object, live_store: Store) -> None:
    ob.write(live_store, [ob.Entry("621200", "I03", "2024", 1.7)], actor="keji", status="submitted")
    ob.transition(live_store, "approve", actor="admin", year=2024)
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    log_in(page, "wudu")
    page.goto("/data?year=2024")  # type: ignore[attr-defined]
    page.select_option("#entry-code", "I05")  # type: ignore[attr-defined]
    page.fill("#entry-value", "约12")  # type: ignore[attr-defined]
    page.locator("#entry-form button[type=submit]").click()  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "约数" in page.inner_text("#entry-value-error")  # type: ignore[attr-defined]
    assert page.get_attribute("#entry-value", "aria-invalid") == "true"  # type: ignore[attr-defined]
    shoot(page, "story-phone-entry-error")
    no_sideways_scroll(page)
    log_in(page, "admin")
    page.goto("/data/review")  # type: ignore[attr-defined]
    page.select_option("#lock-year", "2024")  # type: ignore[attr-defined]
    page.click("#lock-start")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "确认锁定 2024 年评价" in page.inner_text("#lock-confirm-text") and ob.locked_years(live_store) == []  # type: ignore[attr-defined]
    shoot(page, "story-phone-lock-confirm")
    no_sideways_scroll(page)
    page.click("#lock-confirm")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    assert "2024" in page.inner_text("#locked-years") and ob.locked_years(live_store) == [2024]  # type: ignore[attr-defined]
