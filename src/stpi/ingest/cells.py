"""One spreadsheet or CSV cell to a number, the way a user meant it, or a reason why not."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from stpi.ingest.numbers import normalise, parse_number
from stpi.tables import safe_cell

__all__ = ["cell_number", "cell_text", "is_percent_format", "unguard"]

_FORMULA = "不能使用公式,请填写数值 formulas are not accepted; enter the value"
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def is_percent_format(number_format: str) -> bool:
    """True when Excel shows the cell's value × 100 followed by ``%``.

    A ``%`` inside quotes (``0.0"%"``), escaped (``0.0\\%``) or in a bracket section does not
    scale the value, so it does not count.
    """
    return "%" in _QUOTED.sub("", number_format or "")


def unguard(text: str) -> str:
    """Undo :func:`stpi.tables.safe_cell`: ``'=x`` written by stpi reads back as ``=x``."""
    if text[:1] == "'" and safe_cell(text[1:]) == text:
        return text[1:]
    return text


def cell_text(value: object) -> str:
    """A cell as stripped text (codes, regions, notes); numbers without a spurious ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return unguard(str(value).strip())


def cell_number(
    value: object, *, unit: str, number_format: str = "General", formula: bool = False
) -> tuple[str, float | None]:
    """The text a user sees in a cell and the number it holds; ``None`` when empty.

    Parameters
    ----------
    value : object
        The cell value as openpyxl reads it without ``data_only`` (so a formula is ``"=…"``),
        or the text of a CSV field.
    unit : str, keyword-only
        The indicator's unit; decides whether ``%`` is allowed.
    number_format : str, keyword-only
        The cell's Excel number format. A number in a percent-formatted cell was typed as
        ``12.3%`` and stored as 0.123: for a ``%`` indicator it is read back as 12.3.
    formula : bool, keyword-only
        True when the spreadsheet stores the cell as a formula.

    Raises
    ------
    ValueError
        With a reason in Chinese then English.
    """
    if formula or (isinstance(value, str) and value.lstrip().startswith("=")):
        raise ValueError(_FORMULA)
    if value is None:
        return "", None
    if isinstance(value, bool):
        raise ValueError("逻辑值(TRUE/FALSE)不是数字 a logical value is not a number")
    if isinstance(value, (int, float)):
        return _stored_number(value, unit, number_format)
    if isinstance(value, (dt.datetime, dt.date, dt.time, dt.timedelta)):
        raise ValueError("单元格是日期或时间,不是数字 the cell holds a date or time, not a number")
    if isinstance(value, str):
        return value.strip(), parse_number(value, unit=unit)
    # openpyxl gives array and data-table formulas as objects
    raise ValueError(_FORMULA)


def _stored_number(value: int | float, unit: str, number_format: str) -> tuple[str, float]:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("不是有限数值 not a finite number")
    text = repr(value) if isinstance(value, float) else str(value)
    if not is_percent_format(number_format):
        return text, number
    if normalise(unit) != "%":
        raise ValueError(
            f"单元格为百分比格式,但该指标单位为“{unit or '无 none'}” "
            f"the cell is formatted as a percentage but the unit is {unit or 'none'!r}"
        )
    # Shift the decimal text, not the binary float, so 0.123 reads back as exactly 12.3.
    scaled = Decimal(text).scaleb(2)
    return f"{scaled.normalize():f}%", float(scaled)
