"""The unit algebra of derived-indicator formulas."""

from __future__ import annotations

import pytest

from stpi.framework.units import DIMENSIONLESS, Unit, parse_unit


@pytest.mark.parametrize(
    ("text", "scale", "dims"),
    [
        ("人", 1.0, (("人", 1),)),
        ("万人", 1e4, (("人", 1),)),
        ("十万人", 1e5, (("人", 1),)),
        ("亿元", 1e8, (("元", 1),)),
        ("万元/人年", 1e4, (("人", -1), ("元", 1), ("年", -1))),
        ("万元/人", 1e4, (("人", -1), ("元", 1))),
        ("元/人/年", 1.0, (("人", -1), ("元", 1), ("年", -1))),
        ("人·年", 1.0, (("人", 1), ("年", 1))),
        ("人次", 1.0, (("人", 1), ("次", 1))),
        ("%", 0.01, ()),
        ("‰", 1e-3, ()),
        ("", 1.0, ()),
        ("1", 1.0, ()),
        ("倍", 1.0, ()),
        ("万", 1e4, ()),
        ("个", 1.0, (("个", 1),)),
        ("件", 1.0, (("件", 1),)),
        ("km/小时", 1.0, (("km", 1), ("小时", -1))),
        (" 万户 ", 1e4, (("户", 1),)),
    ],
)
def test_parse_unit(text: str, scale: float, dims: tuple[tuple[str, int], ...]) -> None:
    unit = parse_unit(text)
    assert unit.scale == pytest.approx(scale, rel=1e-12)
    assert unit.dims == dims


@pytest.mark.parametrize("text", ["(元)", "元//人", "元/", "a-b", "元+人"])
def test_unrecognised_units_raise_with_bilingual_reason(text: str) -> None:
    with pytest.raises(ValueError, match="单位"):
        parse_unit(text)


def test_algebra() -> None:
    assert parse_unit("万元") / parse_unit("人") == parse_unit("万元/人")
    assert parse_unit("人") / parse_unit("人") == Unit(1.0)
    assert (parse_unit("人") * parse_unit("年")).same_dimension(parse_unit("人年"))
    assert parse_unit("万元").same_dimension(parse_unit("亿元"))
    assert not parse_unit("万元").same_scale(parse_unit("亿元"))
    assert parse_unit("人") ** 2 == Unit(1.0, (("人", 2),))
    assert parse_unit("%").is_dimensionless and DIMENSIONLESS.is_dimensionless
    assert not parse_unit("个").same_dimension(parse_unit("件"))


def test_text() -> None:
    assert parse_unit("万元/人年").dimension_text() == "元/人·年"
    assert parse_unit("%").dimension_text() == "1"
    assert str(parse_unit("万元")) == "10000 元"
    assert str(parse_unit("人")) == "人"
