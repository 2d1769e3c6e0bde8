"""The fixed shape of a data-entry template: sheet names, columns, the ``_meta`` identity.

The writer (:mod:`stpi.ingest.template`) and the reader (:mod:`stpi.ingest.reader`) both
take the layout from here, so a template and its reader cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "COLUMNS",
    "DATA_SHEET",
    "FIRST_DATA_ROW",
    "FORMAT",
    "HEADERS_EN",
    "HEADER_ROW",
    "HELP_SHEET",
    "HUGE",
    "INPUT_COLUMNS",
    "META_COLUMNS",
    "META_LABEL",
    "META_SHEET",
    "TEMPLATE_VERSION",
    "ReporterKind",
    "TemplateIdentity",
    "column_letter",
]

FORMAT = "stpi-template"
TEMPLATE_VERSION = 1

DATA_SHEET = "填报"
HELP_SHEET = "说明"
META_SHEET = "_meta"

HUGE = 1e15  # larger magnitudes are typing errors (a key held down), not statistics

HEADER_ROW = 2  # row 1 holds the title
FIRST_DATA_ROW = 3

# (key, header) in sheet order; the header is what users see and what the reader checks.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("region", "地区"),
    ("code", "代码"),
    ("name", "名称"),
    ("unit", "单位"),
    ("role", "职责"),
    ("definition", "统计口径"),
    ("last_year", "上年值"),
    ("target", "目标值"),
    ("value", "本年值"),
    ("source", "数据来源"),
    ("note", "备注"),
)
INPUT_COLUMNS = ("value", "source", "note")
# The same headers in an English template; the reader accepts either language.
HEADERS_EN: dict[str, str] = {
    "region": "Region", "code": "Code", "name": "Name", "unit": "Unit", "role": "Role", "definition": "Statistical definition",
    "last_year": "Last year", "target": "Target", "value": "This year", "source": "Source", "note": "Note",
}

# The row table of the _meta sheet, below the key/value block.
META_COLUMNS = ("region_code", "region_name", "code", "unit", "lower", "upper", "last_year")
# An optional column after them: the code the data sheet shows (``I01-2`` for a raw statistic), when not the code itself.
META_LABEL = "label"

ReporterKind = Literal["department", "county"]


@dataclass(frozen=True)
class TemplateIdentity:
    """Who a template was made for: read back from ``_meta`` to check the right file came back.

    ``regions`` holds (code, name) pairs in sheet order.
    """

    version: int
    reporter_kind: str
    reporter_code: str
    reporter: str
    year: int
    regions: tuple[tuple[str, str], ...]
    change_threshold: float


def column_letter(key: str) -> str:
    """The spreadsheet letter of a template column, by key (``"value"`` → ``"I"``)."""
    keys = [k for k, _ in COLUMNS]
    return chr(ord("A") + keys.index(key))
