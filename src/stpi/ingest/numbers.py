"""Reading a number as a Chinese office user types it, and refusing what is ambiguous.

Accepted, because each has exactly one reading:

- plain decimals and scientific notation: ``1234.5``, ``-0.5``, ``.5``, ``1.2e-3``;
- thousands separators in correct groups of three: ``1,234.5``;
- full-width characters from a Chinese input method: ``１２３．４``, ``1，234.5``, ``－5``, ``１２％``;
- the minus sign U+2212 (``−5``, pasted from Word or web pages);
- surrounding spaces, including the ideographic space U+3000 and no-break spaces;
- ``%`` after the number, only when the indicator's unit is ``%``; the sign is dropped:
  ``12.3%`` is 12.3, the way percentages are stored throughout stpi;
- the indicator's own unit after the number: ``12人`` for unit 人, ``3.5万元`` for unit 万元.

Explicitly empty (returns ``None``, a missing value): ``""``, ``-``, ``/``, ``—``, ``——``
(and the look-alike U+2015 ``―`` that GBK-era input methods produce for a dash).

Rejected with a reason (``ValueError``):

- ``万``/``亿`` multipliers (``1.2万``): the units of the plan are themselves ``万元``,
  ``万元/人``…, so in a 万元 column ``1.2万`` may restate the unit (1.2) or multiply it
  (12000) — a 10,000-fold error either way; and a rounded ``1.2万`` is not the exact
  figure a statistical report asks for. Type the plain number in the indicator's unit;
- ``%`` when the unit is not ``%``, ``‰``, and any other unit or text;
- bad grouping (``1,23``), European decimals (``1.234,5``), ``12..3``, ``12。3``,
  spaces inside the number (``1 234``);
- approximations and ranges: ``约12``, ``12左右``, ``>12``, ``12-15``, ``12~15``;
- ``inf``, ``nan`` and numbers too large for a float; ``N/A`` and other words.
"""

from __future__ import annotations

import math
import re

__all__ = ["MISSING_TOKENS", "is_count_unit", "normalise", "parse_number"]

# Full-width ASCII (U+FF01..U+FF5E) maps to ASCII by a fixed offset. NFKC is not used:
# it would also turn "²" into "2" and "½" into "1⁄2", reading "1²" as 12.
_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_SPACES = {0x3000: " ", 0x00A0: " ", 0x2007: " ", 0x2009: " ", 0x202F: " ", 0xFEFF: ""}
_MINUS = {0x2212: "-", 0xFE63: "-"}
_TABLE: dict[int, int | str] = {**_WIDTH, **_SPACES, **_MINUS}

MISSING_TOKENS = frozenset({"", "-", "/", "—", "——", "―", "――"})

_NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?",
    re.ASCII,
)
_NON_FINITE = re.compile(r"[+-]?(?:inf(?:inity)?|nan)", re.ASCII | re.IGNORECASE)
_APPROX = ("约", "左右", "大约", "近", "超过", "以上", "以下", "不足", "不到", "多", "余", "≈", "<", ">", "≤", "≥")
_RANGE = re.compile(r"[+-]?[0-9.,]+\s*(?:-|~|至|到|—|–)\s*[+-]?[0-9.,]+", re.ASCII)
_DIGITS = re.compile(r"[0-9]")


def normalise(text: str) -> str:
    """Full-width characters to ASCII, odd spaces to spaces, minus signs to ``-``; stripped."""
    return text.translate(_TABLE).strip()


def parse_number(text: str, *, unit: str = "") -> float | None:
    """Read one number typed by a user; ``None`` for an explicitly empty cell.

    Parameters
    ----------
    text : str
        What the user typed.
    unit : str, keyword-only
        The indicator's unit (``"%"``, ``"万元"``…). A trailing ``%`` is accepted only when
        it is ``"%"``; a trailing unit is accepted only when it is exactly this unit.

    Returns
    -------
    float or None
        The finite number, or ``None`` for ``""``, ``-``, ``/``, ``—`` (missing).

    Raises
    ------
    ValueError
        With a reason in Chinese then English, when the text is not exactly one number.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_number expects str, got {type(text).__name__}")
    body = normalise(text)
    if body in MISSING_TOKENS:
        return None
    body = _strip_unit(body, normalise(unit))
    if _NUMBER.fullmatch(body):
        return _to_float(body)
    raise ValueError(_diagnose(body))


def _strip_unit(body: str, unit: str) -> str:
    """Remove a trailing ``%`` or the indicator's own unit; refuse a ``%`` on other units."""
    if body.endswith("%"):
        if unit != "%":
            shown = unit or "无 none"
            raise ValueError(
                f"该指标单位为“{shown}”,不能填写百分号 a '%' is only allowed when the unit is % (unit: {shown})"
            )
        return body[:-1].rstrip()
    if unit and unit != "%" and body.endswith(unit) and _DIGITS.search(body[: -len(unit)]):
        return body[: -len(unit)].rstrip()
    return body


def _to_float(body: str) -> float:
    value = float(body.replace(",", ""))
    if not math.isfinite(value):
        raise ValueError("数值超出可表示范围 number too large to represent")
    return value


def _diagnose(body: str) -> str:
    """The most specific reason why ``body`` is not a number."""
    if _NON_FINITE.fullmatch(body):
        return "不接受无穷大或非数 inf and nan are not accepted"
    if "万" in body or "亿" in body:
        return (
            "不接受“万/亿”等倍数,请按指标单位填写完整数值 "
            "multipliers 万/亿 are ambiguous; enter the plain number in the indicator's unit"
        )
    if "‰" in body:
        return "不接受千分号 ‰ is not accepted; enter the number in the indicator's unit"
    if any(mark in body for mark in _APPROX):
        return "不接受约数或不等式,请填写确切数值 approximate values are not accepted; enter the exact figure"
    if _RANGE.fullmatch(body):
        return "不接受数值区间,请填写一个确切数值 ranges are not accepted; enter one exact figure"
    if "。" in body:
        return "小数点应为“.”而不是“。” the decimal point must be '.', not '。'"
    return _diagnose_shape(body)


def _diagnose_shape(body: str) -> str:
    """Reasons for malformed digits: separators, spaces, repeated points, stray words."""
    if not _DIGITS.search(body):
        return "不是数字 not a number"
    if " " in body:
        return "数字中间不能有空格 spaces inside a number are not accepted"
    if body.count(".") > 1 and "," not in body:
        return "小数点多于一个 more than one decimal point"
    if "," in body:
        if "." in body and body.rfind(",") > body.rfind("."):
            return "小数点应为“.”,千位分隔符为“,” the decimal separator must be '.' and the thousands separator ','"
        return "千位分隔符位置不对(应如 1,234.5) misplaced thousands separator (write 1,234.5)"
    return "不是数字(含有其他文字或符号) not a number (contains other text or symbols)"


# Units of counted things: a negative count is always a mistake. Money and rates are not
# listed, since profits, growth and balances can be negative.
_COUNT_UNITS = frozenset({"人", "个", "件", "篇", "项", "户", "家", "台", "套", "所", "次", "名", "人次", "人年"})


def is_count_unit(unit: str) -> bool:
    """True when values in this unit count things and so can never be negative."""
    return normalise(unit) in _COUNT_UNITS
