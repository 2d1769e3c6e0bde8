"""A small unit algebra for indicator formulas: a scale times a product of unit symbols.

A unit string is read as a quotient of products of unit symbols, the way Chinese
statistical tables write units:

- ``/`` divides, and everything after the first ``/`` is in the denominator:
  ``万元/人年`` is 万元 · 人⁻¹ · 年⁻¹, and ``a/b/c`` is a / (b · c).
- ``·``, ``*``, ``×`` and spaces separate factors; adjacent Chinese characters are
  separate factors too, so ``人年`` is 人 · 年 and ``人次`` is 人 · 次.
- The scale words 十 百 千 万 亿 multiply the symbol that follows and combine with each
  other: ``万元`` = 10⁴ 元, ``十万人`` = 10⁵ 人, ``亿元`` = 10⁸ 元. A scale word with no
  symbol after it is a pure number (``万`` = 10⁴).
- ``%`` is the pure number 0.01 and ``‰`` 0.001; ``""``, ``1`` and ``倍`` are 1.
- A few multi-character symbols are kept whole (公里, 公顷, 平方米, 立方米, 小时, 公斤);
  they are opaque: no conversion between 公里 and 米 is known.
- A run of Latin letters is one symbol (``kW``, ``km``); SI prefixes are not parsed.

Every symbol is its own base dimension: 人, 元, 年, 个, 件, 项, 篇, 户, 家 … are all
different. Two units have the same *dimension* when their symbols and exponents agree,
whatever their scales; they are the same *unit* when their scales agree as well.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["DIMENSIONLESS", "Unit", "parse_unit"]

_SCALE_WORDS = {"十": 10.0, "百": 100.0, "千": 1e3, "万": 1e4, "亿": 1e8}
_PURE = {"%": 0.01, "％": 0.01, "‰": 1e-3, "1": 1.0, "倍": 1.0}
_MULTI = ("平方公里", "平方米", "立方米", "公里", "公顷", "公斤", "小时")
_SEPARATORS = "·*×・ \t"
_LATIN = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True)
class Unit:
    """A unit: ``scale`` times the product of ``symbol ** exponent`` over ``dims``.

    ``dims`` is sorted by symbol and holds no zero exponents, so equal units compare equal.
    """

    scale: float = 1.0
    dims: tuple[tuple[str, int], ...] = ()

    def __mul__(self, other: Unit) -> Unit:
        return Unit(self.scale * other.scale, _merge(self.dims, other.dims, 1))

    def __truediv__(self, other: Unit) -> Unit:
        return Unit(self.scale / other.scale, _merge(self.dims, other.dims, -1))

    def __pow__(self, n: int) -> Unit:
        return Unit(self.scale**n, tuple((s, e * n) for s, e in self.dims if e * n))

    @property
    def is_dimensionless(self) -> bool:
        """True for pure numbers such as ``%`` or ``倍``."""
        return not self.dims

    def same_dimension(self, other: Unit) -> bool:
        """True when the symbols and exponents agree, whatever the scales."""
        return self.dims == other.dims

    def same_scale(self, other: Unit) -> bool:
        """True when the scales agree to rounding error."""
        return math.isclose(self.scale, other.scale, rel_tol=1e-9)

    def dimension_text(self) -> str:
        """The dimension alone, e.g. ``元/人·年``; ``1`` for a pure number."""
        up = "·".join(_power(s, e) for s, e in self.dims if e > 0) or "1"
        down = "·".join(_power(s, -e) for s, e in self.dims if e < 0)
        return f"{up}/{down}" if down else up

    def __str__(self) -> str:
        dim = self.dimension_text()
        return dim if self.scale == 1.0 else f"{self.scale:g} {dim}"


DIMENSIONLESS = Unit()


def _power(symbol: str, exponent: int) -> str:
    return symbol if exponent == 1 else f"{symbol}^{exponent}"


def _merge(a: tuple[tuple[str, int], ...], b: tuple[tuple[str, int], ...], sign: int) -> tuple[tuple[str, int], ...]:
    out = dict(a)
    for symbol, exponent in b:
        out[symbol] = out.get(symbol, 0) + sign * exponent
    return tuple(sorted((s, e) for s, e in out.items() if e))


@lru_cache(maxsize=512)
def parse_unit(text: str) -> Unit:
    """Read a unit string such as ``万元/人年``, ``%`` or ``个``.

    Parameters
    ----------
    text : str
        The unit as written in an indicator table; surrounding spaces are ignored.

    Returns
    -------
    Unit
        Its scale and dimension.

    Raises
    ------
    ValueError
        When the text holds a character that is not a unit symbol, or an empty factor
        such as ``元//人``.
    """
    parts = text.strip().split("/")
    unit = _product(parts[0], text, allow_empty=len(parts) == 1)
    for part in parts[1:]:
        unit = unit / _product(part, text, allow_empty=False)
    return unit


def _product(part: str, text: str, *, allow_empty: bool) -> Unit:
    """One side of a ``/``: a product of (scale words +) symbols."""
    part = part.strip()
    if not part:
        if allow_empty:
            return DIMENSIONLESS
        raise ValueError(f"单位中有空的因子 empty factor in unit {text!r}")
    if part in _PURE:
        return Unit(_PURE[part])
    unit, scale, i = DIMENSIONLESS, 1.0, 0
    while i < len(part):
        ch = part[i]
        if ch in _SEPARATORS:
            i += 1
        elif ch in _SCALE_WORDS and not part.startswith(_MULTI, i):
            scale *= _SCALE_WORDS[ch]
            i += 1
        elif ch in _PURE:
            unit, i = unit * Unit(_PURE[ch]), i + 1
        else:
            symbol = _symbol_at(part, i, text)
            unit, scale = unit * Unit(scale, ((symbol, 1),)), 1.0
            i += len(symbol)
    return unit * Unit(scale)


def _symbol_at(part: str, i: int, text: str) -> str:
    """The unit symbol starting at ``part[i]``."""
    for multi in _MULTI:
        if part.startswith(multi, i):
            return multi
    latin = _LATIN.match(part, i)
    if latin:
        return latin.group()
    ch = part[i]
    if "\u4e00" <= ch <= "\u9fff":
        return ch
    raise ValueError(f"无法识别的单位符号 unrecognised unit symbol {ch!r} in {text!r}")
