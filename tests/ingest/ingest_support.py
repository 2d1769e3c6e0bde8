"""Shared test data for tests/ingest: a small template spec and a way to fill it as a user would."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from stpi.ingest import TemplateRow, TemplateSpec

# Rows 3..8 of 填报: (陇南市: I01, I03, I08), then (武都区: I01, I03, I08).
ROWS = (
    TemplateRow("I01", "万人专业技术人员数", "人", "全市专业技术人员数 / 常住人口 × 10000", 194.76, 197.02, "牵头"),
    TemplateRow("I03", "科学研究和技术服务业城镇单位就业人员占比", "%", "占城镇单位就业人员比重", 1.49, 1.62, "责任", 0.0, 100.0),
    TemplateRow("I08", "万人吸纳技术成交额", "万元", "", {"longnan": 366.92}, {"longnan": 605.08, "wudu": 100.0}, "牵头"),
)
REGIONS = (("longnan", "陇南市"), ("wudu", "武都区"))


class Blob(bytes):
    """Bytes that hypothesis reports as their length, not their content."""

    def __repr__(self) -> str:
        return f"<{len(self)} bytes>"


def make_spec(**changes: Any) -> TemplateSpec:
    """The test spec, with fields replaced."""
    fields: dict[str, Any] = {
        "title": "陇南市科技进步统计监测数据填报表",
        "reporter": "市科技局",
        "reporter_code": "sci",
        "year": 2024,
        "regions": REGIONS,
        "rows": ROWS,
    }
    fields.update(changes)
    return TemplateSpec(**fields)




def fill_cells(path: Path, cells: Mapping[str, Any], out: Path | None = None, formats: Mapping[str, str] | None = None) -> Path:
    """Open the workbook, type values into cells of 填报 (``{"I3": 12.5}``), save."""
    book = load_workbook(path)
    ws = book["填报"]
    for ref, value in cells.items():
        ws[ref] = value
    for ref, number_format in (formats or {}).items():
        ws[ref].number_format = number_format
    target = out or path
    book.save(target)
    return target
