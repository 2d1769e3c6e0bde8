"""Checks on read rows that need no file: codes, regions, duplicates, bounds, year-over-year notes."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from stpi.errors import Problem
from stpi.framework.plausibility import Rule, is_default
from stpi.ingest.layout import HUGE
from stpi.ingest.numbers import is_count_unit

__all__ = ["NOTE_MAX", "SOURCE_MAX", "Bounds", "Checks", "Entry", "History", "check_entries", "check_entry", "duplicate_reason", "name_problems", "shorten", "text_problems"]

Bounds = tuple[float | None, float | None]
# Last year's figures for the years a file holds: (region code or name, year, code) → the figure of year − 1.
History = Callable[[frozenset[int]], Mapping[tuple[str, int, str], float]]
SOURCE_MAX, NOTE_MAX = 200, 1000  # characters, for every door: file, form and API
_SHOWN = 80  # characters of a bad value repeated in a problem


@dataclass
class Entry:
    """One data row as read from a file, before the cross-row checks.

    ``fields`` maps a key (region, year, code, value, source, note) to the column label used
    in problems; ``bounds`` and ``previous`` come from the template's ``_meta`` when known.
    ``bad`` is set once any problem is found in the row.
    """

    file: str
    sheet: str | None
    line: int
    region: str
    year: int | None
    code: str
    text: str
    value: float | None
    source: str = ""
    note: str = ""
    unit: str = ""
    bounds: Bounds = (None, None)
    previous: float | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    bad: bool = False

    def problem(self, key: str, reason: str, value: str | None) -> Problem:
        """A problem located at this row and the column of ``key``; marks the row bad."""
        self.bad = True
        return Problem(self.file, self.line, self.fields.get(key, key), reason, None if value is None else shorten(value), code=self.code or None)


@dataclass(frozen=True)
class Checks:
    """What the caller knows without the file: valid codes and regions, bounds, last year.

    ``None`` switches a check off. ``rules`` maps a code to (lower, upper) bounds and takes
    precedence over a template's own bounds; ``previous`` maps (region, code) to last year's
    value and takes precedence over the template's 上年值. ``last_year`` maps (region, year,
    code) to the figure of the year before, for files of several years; where it has no value
    the template's 上年值 is used.
    """

    known_codes: frozenset[str] | None = None
    known_regions: frozenset[str] | None = None
    rules: Mapping[str, Bounds] | None = None
    units: Mapping[str, str] | None = None
    previous: Mapping[tuple[str, str], float] | None = None
    change_threshold: float = 0.5
    expect_year: int | None = None
    last_year: Mapping[tuple[str, int, str], float] | None = None
    plausible: Mapping[str, Rule] | None = None  # code → valid range and change limit (stpi.framework.plausibility)
    names: Mapping[str, str] | None = None  # code → name, so every problem names its indicator or raw statistic

    def change_limit(self, code: str) -> float:
        """The year-over-year limit of a code: the framework's where stated, else the file's (default 50%)."""
        rule = (self.plausible or {}).get(code)
        return rule.change_limit if rule is not None and not is_default(rule.provenance) else self.change_threshold

    def unit(self, entry: Entry) -> str:
        """The unit of an entry's code: the caller's if given, else the file's."""
        return (self.units or {}).get(entry.code, entry.unit)


def check_entries(entries: list[Entry], checks: Checks) -> list[Problem]:
    """Every problem found across the rows; rows with a problem are marked ``bad``."""
    problems: list[Problem] = []
    first: dict[tuple[str, int, str], int] = {}
    for e in entries:
        problems += _identity(e, checks)
        if e.region and e.code and e.year is not None:
            key = (e.region, e.year, e.code)
            if key in first:
                problems.append(e.problem("code", duplicate_reason(first[key]), f"{e.region} {e.year} {e.code}"))
            else:
                first[key] = e.line
        if e.value is not None:
            found = _value(e, e.value, checks)
            problems += found or _change(e, e.value, checks)
    return name_problems(problems, checks.names)


def check_entry(e: Entry, checks: Checks) -> list[Problem]:
    """The checks of one row on its own (everything but duplicates)."""
    problems = _identity(e, checks)
    if e.value is not None:
        problems += _value(e, e.value, checks) or _change(e, e.value, checks)
    return name_problems(problems, checks.names)


def name_problems(problems: list[Problem], names: Mapping[str, str] | None, codes: Mapping[tuple[str, int], str] | None = None) -> list[Problem]:
    """Each problem names its indicator or raw statistic: the code (from ``codes`` by file and row when unset) and its name."""
    out = []
    for p in problems:
        code = p.code or (codes or {}).get((p.file, p.row or 0))
        name = p.name or (names or {}).get(code or "")
        out.append(p if (code, name) == (p.code, p.name) else replace(p, code=code, name=name))
    return out


def duplicate_reason(first: int) -> str:
    """The message for a row repeating an earlier one."""
    return f"重复的数据行(首次出现于第{first}行) duplicate row (first at row {first})"


def _identity(e: Entry, checks: Checks) -> list[Problem]:
    out = []
    if not e.region:
        out.append(e.problem("region", "地区为空 empty region", None))
    elif checks.known_regions is not None and e.region not in checks.known_regions:
        out.append(e.problem("region", "未知地区 unknown region", e.region))
    if not e.code:
        out.append(e.problem("code", "代码为空 empty code", None))
    elif checks.known_codes is not None and e.code not in checks.known_codes:
        out.append(e.problem("code", "未知指标代码 unknown indicator or variable code", e.code))
    if checks.expect_year is not None and e.year is not None and e.year != checks.expect_year:
        reason = f"年份应为 {checks.expect_year} the year must be {checks.expect_year}"
        out.append(e.problem("year", reason, str(e.year)))
    return out + text_problems(e)


def text_problems(e: Entry) -> list[Problem]:
    """A source or note longer than its limit (the same on every door)."""
    return [
        e.problem(key, f"{label}不能超过 {limit} 个字(现有 {len(text):,} 个) the {key} may have at most {limit} characters", text)
        for key, label, text, limit in (("source", "数据来源", e.source, SOURCE_MAX), ("note", "备注", e.note, NOTE_MAX))
        if len(text) > limit
    ]


def shorten(text: str) -> str:
    """A value as a problem repeats it: at most a line's worth."""
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def _value(e: Entry, value: float, checks: Checks) -> list[Problem]:
    if abs(value) > HUGE:
        reason = "数值过大(绝对值超过 1e15),疑为输入错误 number too large (above 1e15), likely a typing error"
        return [e.problem("value", reason, e.text)]
    unit = checks.unit(e)
    if value < 0 and is_count_unit(unit):
        return [e.problem("value", f"单位为“{unit}”的计数不能为负数 a count ({unit}) cannot be negative", e.text)]
    rule = (checks.plausible or {}).get(e.code)  # the framework's rule first: its message says where it comes from
    if rule is not None and not rule.range.contains(value):
        return [e.problem("value", range_reason(rule), e.text)]
    lower, upper = (checks.rules or {}).get(e.code, e.bounds)
    if lower is not None and value < lower:
        return [e.problem("value", f"低于合理范围下限 {_num(lower)} below the lower bound {_num(lower)}", e.text)]
    if upper is not None and value > upper:
        return [e.problem("value", f"高于合理范围上限 {_num(upper)} above the upper bound {_num(upper)}", e.text)]
    return []


def range_reason(rule: Rule, what: str = "") -> str:
    """The message for a value outside its valid range, with the rule and where it comes from."""
    return f"{what}超出合理范围 {rule.range} outside the valid range {rule.range} (规则 rule: {rule.provenance})"


def _num(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _change(e: Entry, value: float, checks: Checks) -> list[Problem]:
    """A note is required when the value moved more than the threshold from last year's."""
    if checks.previous is not None:
        previous = checks.previous.get((e.region, e.code))
    elif checks.last_year is not None and e.year is not None:
        previous = checks.last_year.get((e.region, e.year, e.code), e.previous)
    else:
        previous = e.previous
    if previous is None or e.note:
        return []
    change = abs(value - previous) / abs(previous) if previous else (math.inf if value else 0.0)
    threshold = checks.change_limit(e.code)
    if change <= threshold:
        return []
    limit = f"{threshold:.0%}"
    shown = "∞" if math.isinf(change) else f"{change:.0%}"
    reason = (
        f"与上年值 {_num(previous)} 相比变化 {shown},超过 {limit},须在备注中说明原因 "
        f"change of {shown} from last year's {_num(previous)} exceeds {limit}: a note is required"
    )
    return [e.problem("note", reason, e.text)]
