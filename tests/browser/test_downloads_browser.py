"""Downloads and the audit log in a real browser: click a document, get the file, find the download in the log."""

from __future__ import annotations

from pathlib import Path

import docx
from openpyxl import load_workbook

from tests.browser.conftest import log_in, shoot


def test_click_a_download_and_read_it(page: object, tmp_path: Path) -> None:
    log_in(page, "admin")
    page.goto("/downloads")  # type: ignore[attr-defined]
    assert page.locator("#documents tbody tr").count() == 8  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.get_by_role("link", name="进展通报 DOCX").click()  # type: ignore[attr-defined]
    download = info.value
    assert download.suggested_filename == "陇南市2022年进展通报.docx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    text = "\n".join(p.text for p in docx.Document(str(saved)).paragraphs)
    assert "2022年陇南市综合科技进步水平指数为" in text
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.get_by_role("link", name="监测工作簿 XLSX").click()  # type: ignore[attr-defined]
    download = info.value
    assert download.suggested_filename == "陇南市2022年监测工作簿.xlsx"
    download.save_as(tmp_path / "wb.xlsx")
    assert "说明" in load_workbook(tmp_path / "wb.xlsx").sheetnames
    shoot(page, "downloads")


def test_the_log_shows_the_download(page: object) -> None:
    log_in(page, "leader")
    page.goto("/downloads")  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.get_by_role("link", name="实施方案指标表 CSV").click()  # type: ignore[attr-defined]
    assert info.value.suggested_filename == "陇南市实施方案指标表.csv"
    page.goto("/audit")  # type: ignore[attr-defined]
    page.get_by_label("操作").fill("download")  # type: ignore[attr-defined]
    page.get_by_role("button", name="筛选").click()  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    first = page.locator("#audit tbody tr").first  # type: ignore[attr-defined]
    assert "leader" in first.inner_text() and "plan.csv" in first.inner_text()
    shoot(page, "audit")
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.locator("#export").click()  # type: ignore[attr-defined]
    assert info.value.suggested_filename.startswith("审计日志") and info.value.suggested_filename.endswith(".csv")


def test_phone_width(page: object) -> None:
    page.set_viewport_size({"width": 390, "height": 844})  # type: ignore[attr-defined]
    log_in(page, "admin")
    for path, name in (("/downloads", "downloads-phone"), ("/audit", "audit-phone")):
        page.goto(path)  # type: ignore[attr-defined]
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")  # type: ignore[attr-defined]
        assert overflow <= 1, path
        shoot(page, name)
