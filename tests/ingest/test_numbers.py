"""parse_number: what a Chinese user types, accepted when unambiguous, refused with a reason."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stpi.ingest import MISSING_TOKENS, is_count_unit, parse_number

finite = st.floats(allow_nan=False, allow_infinity=False)
_FULL = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def same(a: float | None, b: float) -> bool:
    """Equal, including the sign of zero."""
    return a is not None and a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def full_width(text: str, mask: list[bool]) -> str:
    """Text with the characters selected by ``mask`` turned full-width."""
    return "".join(_FULL.get(c, c) if m else c for c, m in zip(text, mask))


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("1234.5", "", 1234.5),
        ("1,234.5", "", 1234.5),
        ("1，234.5", "", 1234.5),
        ("12,345,678", "人", 12345678.0),
        ("１２３．４", "", 123.4),
        ("  12.5\u3000", "", 12.5),
        ("\u00a012.5", "", 12.5),
        ("−5", "", -5.0),
        ("－5", "", -5.0),
        ("+5", "", 5.0),
        (".5", "", 0.5),
        ("5.", "", 5.0),
        ("1.2e3", "", 1200.0),
        ("1.2E-3", "", 0.0012),
        ("12.3%", "%", 12.3),
        ("12.3 %", "%", 12.3),
        ("１２．３％", "%", 12.3),
        ("-0.5%", "%", -0.5),
        ("12.3", "%", 12.3),
        ("12人", "人", 12.0),
        ("3.5万元", "万元", 3.5),
        ("3.5 万元/人", "万元/人", 3.5),
        ("0", "", 0.0),
    ],
)
def test_accepted(text: str, unit: str, expected: float) -> None:
    assert parse_number(text, unit=unit) == expected


@pytest.mark.parametrize("text", ["", "   ", "-", "/", "—", "——", "―", "－", "／", "\u3000—\u3000"])
def test_explicitly_empty_is_missing(text: str) -> None:
    assert parse_number(text, unit="%") is None


@pytest.mark.parametrize(
    ("text", "unit", "reason"),
    [
        ("1,23", "", "千位分隔符"),
        ("1,2345.6", "", "千位分隔符"),
        (",123", "", "千位分隔符"),
        ("1.234,5", "", "小数点应为"),
        ("12..3", "", "小数点多于一个"),
        ("1.2.3", "", "小数点多于一个"),
        ("12。3", "", "。"),
        ("1 234", "", "空格"),
        ("约12", "", "约数"),
        ("12左右", "", "约数"),
        (">12", "", "约数"),
        ("12-15", "", "区间"),
        ("12~15", "", "区间"),
        ("12至15", "", "区间"),
        ("N/A", "", "不是数字"),
        ("无", "", "不是数字"),
        ("abc", "", "不是数字"),
        ("12abc", "", "不是数字"),
        ("inf", "", "无穷"),
        ("-Infinity", "", "无穷"),
        ("nan", "", "无穷"),
        ("1e400", "", "范围"),
        ("1.2万", "人", "万/亿"),
        ("1.2万", "万元", "万/亿"),
        ("3亿", "元", "万/亿"),
        ("12.3%", "人", "百分号"),
        ("12.3%", "", "百分号"),
        ("12.3%%", "%", "不是数字"),
        ("5‰", "", "‰"),
        ("12元", "万元", "不是数字"),
        ("(12)", "", "不是数字"),
        ("1_000", "", "不是数字"),
        ("٣", "", "不是数字"),
        ("1²", "", "不是数字"),
        ("0x10", "", "不是数字"),
        ("e5", "", "不是数字"),
        (".", "", "不是数字"),
        ("--5", "", "不是数字"),
    ],
)
def test_rejected_with_a_reason(text: str, unit: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)) as info:
        parse_number(text, unit=unit)
    message = str(info.value)
    assert re.search(r"[\u4e00-\u9fff]", message) and re.search(r"[A-Za-z]{3}", message), message


def test_text_only() -> None:
    with pytest.raises(TypeError):
        parse_number(12.5)  # type: ignore[arg-type]


def test_missing_tokens_are_documented() -> None:
    assert {"", "-", "/", "—"} <= MISSING_TOKENS


def test_count_units() -> None:
    assert is_count_unit("人") and is_count_unit("件") and is_count_unit(" 项 ")
    assert not is_count_unit("%") and not is_count_unit("万元") and not is_count_unit("")


@settings(max_examples=500)
@given(finite)
def test_repr_round_trips(x: float) -> None:
    assert same(parse_number(repr(x)), x)


@settings(max_examples=500)
@given(finite)
def test_grouped_form_round_trips(x: float) -> None:
    assert same(parse_number(f"{x:,}"), x)


@settings(max_examples=300)
@given(finite, st.data())
def test_full_width_equals_half_width(x: float, data: st.DataObject) -> None:
    for text in (repr(x), f"{x:,}"):
        mask = data.draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
        assert same(parse_number(full_width(text, mask)), x)


@settings(max_examples=300)
@given(finite, st.sampled_from([" ", "\u3000", "\u00a0", "\t"]), st.sampled_from(["", " ", "\u3000"]))
def test_percent_and_spaces(x: float, left: str, right: str) -> None:
    assert same(parse_number(f"{left}{x!r}%{right}", unit="%"), x)
    assert same(parse_number(f"{left}{x!r}{right}", unit="%"), x)
    with pytest.raises(ValueError):
        parse_number(f"{x!r}%", unit="人")


@settings(max_examples=200)
@given(st.floats(min_value=0.0, exclude_min=True, allow_infinity=False))
def test_unicode_minus(x: float) -> None:
    assert parse_number("\u2212" + repr(x)) == -x


@settings(max_examples=500)
@given(st.text(max_size=12), st.sampled_from(["", "%", "人", "万元"]))
def test_anything_parses_or_gives_a_reason(text: str, unit: str) -> None:
    try:
        value = parse_number(text, unit=unit)
    except ValueError as exc:
        assert str(exc)
    else:
        assert value is None or math.isfinite(value)
