"""Numbers for people: the examples of issue 13 and the properties that make the rule safe to use everywhere."""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stpi.numbers import LEAST, MISSING, MOST, number, percent

finite = st.floats(allow_nan=False, allow_infinity=False)
langs = st.sampled_from(["zh", "en"])
_SHAPE = re.compile(r"^([+-]?)([\d,]+(?:\.\d+)?)(万亿|亿|万| trillion| billion| million)?$")
_WORDS = {None: 1, "万": 10**4, "亿": 10**8, "万亿": 10**12, " million": 10**6, " billion": 10**9, " trillion": 10**12}


def parse(text: str) -> Decimal:
    """The value a reader takes from ``text`` (no unit)."""
    found = _SHAPE.match(text)
    assert found, f"not a number for people: {text!r}"
    sign, digits, word = found.groups()
    value = Decimal(digits.replace(",", "")) * _WORDS[word]
    return -value if sign == "-" else value


def significant(text: str) -> int:
    """How many significant digits ``text`` shows (trailing zeros of an integer are magnitude, not precision)."""
    found = _SHAPE.match(text)
    assert found
    digits = found.group(2).replace(",", "")
    if "." in digits:
        return len(digits.replace(".", "").lstrip("0"))
    return len(digits.lstrip("0").rstrip("0"))


@pytest.mark.parametrize(("value", "unit", "lang", "shown"), [
    (195.9601973124681, "", "zh", "195.96"),
    (0.6399999999999999, "", "zh", "0.64"),
    (4316271.65, "", "zh", "431.63万"),
    (4316271.65, "元", "zh", "431.63万元"),
    (4316271.65, "万元", "zh", "431.63亿元"),  # 万元 moves up to 亿元, not "万万元"
    (43163.0, "万元", "zh", "43163万元"),  # five integer digits stay as they are
    (4316271.65, "", "en", "4.32 million"),
    (44.0, "个", "zh", "44个"),
    (44.0, "个", "en", "44 个"),
    (0.013, "", "zh", "0.013"),  # I28's target: never 0.01
    (0.0001234, "", "zh", "0.000123"),
    (0.310427, "", "zh", "0.31"),
    (1234.567, "", "zh", "1234.6"),
    (1234.567, "", "en", "1,234.6"),
    (99999.7, "", "zh", "10万"),
    (12.5, "%", "zh", "12.5%"),
    (12.5, "%", "en", "12.5%"),
    (-2.661, "", "zh", "-2.66"),
    (0, "人", "zh", "0人"),
    (-0.0, "", "zh", "0"),
    (7, "", "zh", "7"),
    (Decimal("0.1250"), "", "zh", "0.125"),
])
def test_examples(value: object, unit: str, lang: str, shown: str) -> None:
    assert number(value, unit, lang=lang) == shown


def test_signed_and_percent() -> None:
    assert number(2.661, signed=True, lang="zh") == "+2.66"
    assert number(-2.661, signed=True, lang="zh") == "-2.66"
    assert number(0.0, signed=True, lang="zh") == "0"
    assert percent(0.012345, lang="zh") == "1.23%"
    assert percent(0.0001, lang="en") == "0.01%"
    assert percent(-0.05, signed=True, lang="zh") == "-5%"
    assert percent(None) == MISSING


@pytest.mark.parametrize("missing", [None, math.nan, math.inf, -math.inf])
def test_missing_is_a_dash(missing: float | None) -> None:
    assert number(missing, "万元") == MISSING
    assert percent(missing) == MISSING


@pytest.mark.parametrize("bad", ["1.5", True, [1.0]])
def test_not_a_number_is_refused(bad: object) -> None:
    with pytest.raises(TypeError, match="not a number"):
        number(bad)


def test_language_in_force() -> None:
    from stpi.i18n import set_lang

    try:
        set_lang("en")
        assert number(123456.0) == "123,460"
        set_lang("zh")
        assert number(123456.0) == "12.35万"
    finally:
        set_lang(None)


@given(finite, langs)
def test_never_more_than_most_significant_digits(x: float, lang: str) -> None:
    shown = number(x, lang=lang)
    assert shown == "0" or significant(shown) <= MOST, shown
    assert "e" not in shown.replace("million", "").replace("billion", "").replace("trillion", "")


@given(finite.filter(lambda x: x != 0), langs)
def test_never_rounds_a_nonzero_away_and_keeps_its_sign(x: float, lang: str) -> None:
    read = parse(number(x, lang=lang))
    assert read != 0
    assert (read < 0) == (x < 0)


@given(finite.filter(lambda x: x != 0), langs)
def test_close_to_the_value(x: float, lang: str) -> None:
    """At least LEAST significant digits: the relative error is at most half a unit in the LEAST-th digit."""
    read = parse(number(x, lang=lang))
    assert abs(read - Decimal(x)) <= abs(Decimal(x)) * Decimal(5) / Decimal(10) ** LEAST


@given(finite, finite, langs)
def test_monotone(a: float, b: float, lang: str) -> None:
    low, high = sorted((a, b))
    assert parse(number(low, lang=lang)) <= parse(number(high, lang=lang))


@given(finite.filter(lambda x: x > 0), langs)
def test_sign_round_trips(x: float, lang: str) -> None:
    assert number(-x, lang=lang) == "-" + number(x, lang=lang)
    assert number(x, signed=True, lang=lang) == "+" + number(x, lang=lang)


@given(st.floats(min_value=1e-9, max_value=1e15), st.sampled_from(["元", "万元", "亿元", "人", "个"]))
def test_a_scaled_unit_means_the_same_amount(x: float, unit: str) -> None:
    """Moving a scale word between the number and the unit (万元 → 亿元) never changes the amount."""
    shown = number(x, unit, lang="zh")
    found = re.match(r"^([\d.]+)(万亿|亿|万)?(.*)$", shown)
    assert found
    digits, word, rest = found.groups()
    had = next((w for w in ("万亿", "亿", "万") if unit.startswith(w)), "")
    now = next((w for w in ("万亿", "亿", "万") if rest.startswith(w)), "")
    assert rest[len(now):] == unit[len(had):]
    scale = _WORDS[word or None] * _WORDS[now or None] / _WORDS[had or None]
    assert abs(Decimal(digits) * Decimal(scale) - Decimal(x)) <= Decimal(x) * Decimal(5) / Decimal(10) ** LEAST
