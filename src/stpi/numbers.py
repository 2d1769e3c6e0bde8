"""Numbers for people: one rule for every page, document and table that a person reads.

The rule, by magnitude (the value as it is written in its unit):

- two decimals (``195.9601973124681`` → ``195.96``), trailing zeros dropped
  (``44.00`` → ``44``, ``0.6399999999999999`` → ``0.64``);
- but at least ``LEAST`` = 3 significant digits, so a small value is never rounded away
  (a target of ``0.013`` stays ``0.013``, ``0.000123`` stays ``0.000123``);
- and at most ``MOST`` = 5 significant digits (``1234.567`` → ``1234.6``);
- from six integer digits on, a scale word carries the magnitude: in Chinese 万, 亿, 万亿
  (``4316271.65`` → ``431.63万``; a value in 万元 moves to 亿元: ``4316271.65 万元`` →
  ``431.63亿元``), in English million, billion, trillion (``4.32 million``);
- ``None``, NaN and infinities are ``—``; a nonzero value never shows as ``0`` and keeps its sign.

Machine-readable outputs (JSON, CSV value columns, the value cells of a workbook) keep full
precision; this module is only for text a person reads. Pure: no imports beyond the standard
library and :mod:`stpi.i18n`.
"""

from __future__ import annotations

import math
from decimal import Decimal
from numbers import Real

from stpi.i18n import get_lang

__all__ = ["LEAST", "MISSING", "MOST", "number", "percent"]

MISSING = "—"
LEAST = 3  # significant digits kept however small the value
MOST = 5  # significant digits shown at most
_DECIMALS = 2  # the usual number of decimals, between those two bounds
_SCALE_FROM = 5  # exponent from which a scale word is used (100000 and more)
_ZH_WORDS = ((12, "万亿"), (8, "亿"), (4, "万"))
_EN_WORDS = ((12, "trillion"), (9, "billion"), (6, "million"))
_NO_SCALE = ("%", "％", "‰")  # a share is written in full


def number(value: object, unit: str = "", *, signed: bool = False, lang: str | None = None) -> str:
    """``value`` written for a person, followed by ``unit`` (which may gain a scale word).

    ``signed``: a plus sign on positive values (changes). ``lang``: ``zh`` or ``en``;
    the language in force by default. ``None``, NaN and infinities are ``—``.

    >>> number(195.9601973124681), number(0.013), number(44.0, "个"), number(4316271.65, lang="zh")
    ('195.96', '0.013', '44个', '431.63万')
    """
    x = _real(value)
    if x is None:
        return MISSING
    lang = lang or get_lang()
    if x == 0:
        return "0" + _joined(unit, lang)
    sign = "-" if x < 0 else ("+" if signed else "")
    digits, unit = _scaled(abs(x), unit, lang)
    return sign + digits + _joined(unit, lang)


def percent(share: object, *, signed: bool = False, lang: str | None = None) -> str:
    """A share (``0.1234``) written as a percentage (``12.34%``) by the same rule."""
    x = _real(share)
    return MISSING if x is None else number(x * 100, "%", signed=signed, lang=lang)


def _real(value: object) -> float | None:
    """The value as a finite float; None for what has no number to show."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (Real, Decimal)):
        raise TypeError(f"not a number: {value!r} ({type(value).__name__})")
    x = float(value)
    return x if math.isfinite(x) else None


def _joined(unit: str, lang: str) -> str:
    """How the unit follows the number: no space in Chinese or before % ‰, one space in English."""
    if not unit:
        return ""
    return unit if lang == "zh" or unit in _NO_SCALE else " " + unit


def _scaled(x: float, unit: str, lang: str) -> tuple[str, str]:
    """The digits of ``x > 0`` (with any scale word) and the unit that follows them."""
    e = _exponent(x)
    if e < _SCALE_FROM or unit in _NO_SCALE:
        return _digits(x, lang), unit
    if lang == "zh":
        has, had = next(((p, w) for p, w in _ZH_WORDS if unit.startswith(w)), (0, ""))
        to, word = next((p, w) for p, w in _ZH_WORDS if e + has >= p)  # e >= 5: at least 万
        if to <= has:
            return _digits(x, lang), unit
        return _digits(x / 10 ** (to - has), lang) + word, unit[len(had):]
    found = next(((p, word) for p, word in _EN_WORDS if e >= p), None)
    if found is None:
        return _digits(x, lang), unit
    power, word = found
    return f"{_digits(x / 10**power, lang)} {word}", unit


def _exponent(x: float) -> int:
    """The decimal exponent of ``x > 0`` once rounded to ``MOST`` digits (99999.7 counts as 10⁵)."""
    return int(f"{x:.{MOST - 1}e}".rsplit("e", 1)[1])


def _digits(x: float, lang: str) -> str:
    """``x > 0`` rounded by the rule, without a scale word (English groups thousands)."""
    e = _exponent(x)
    decimals = max(min(_DECIMALS, MOST - 1 - e), LEAST - 1 - e)
    group = "," if lang == "en" else ""
    if decimals > 0:
        return f"{x:{group}.{decimals}f}".rstrip("0").rstrip(".")
    if decimals == 0:
        return f"{x:{group}.0f}"
    # an integer of more than MOST digits: its first MOST digits, then zeros (never binary noise)
    mantissa = f"{x:.{MOST - 1}e}".split("e")[0].replace(".", "")
    return f"{int(mantissa + '0' * (e + 1 - MOST)):{group}d}"
