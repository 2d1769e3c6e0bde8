"""Plausibility rules as data: each indicator's and raw statistic's valid range and year-over-year limit.

A rule comes from the framework (``valid_range``, ``change_limit``, ``plausibility_provenance`` on
a node; the same keys on a raw statistic) or, where none is given, from the unit, with provenance
``assumed: 按单位默认 default by unit``:

- ``%`` with 占比/比重/比值 in the name (a share): ``[0, 100]``; with 区位熵 (a location quotient)
  ``(0, ∞)``; with 指数/系数 (an index or coefficient) ``[0, ∞)``; other percentages (rates such as
  a profit rate, which may be negative) have no range;
- counts and other quantities (人, 个, 件, 万元/人 …): ``[0, ∞)``; a raw statistic marked
  ``positive``: ``(0, ∞)``, marked ``nonnegative: false``: none;
- every change limit: 50% (a larger change from last year's figure needs a note).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from stpi.framework.formula import Variable
from stpi.framework.model import Framework, Node, Provenance

__all__ = ["DEFAULT_CHANGE_LIMIT", "DEFAULT_RULE", "Range", "Rule", "default_range", "node_rule", "parse_range", "plausibility_rules", "variable_rule"]

DEFAULT_CHANGE_LIMIT = 0.5
DEFAULT_RULE = "按单位默认 default by unit"
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"^\s*([\[(])\s*({_NUMBER}|-?∞|-inf)?\s*,\s*({_NUMBER}|\+?∞|inf)?\s*([\])])\s*$")


@dataclass(frozen=True)
class Range:
    """An interval ``[lower, upper]``; ``None`` is unbounded; ``*_open`` excludes the end point."""

    lower: float | None = None
    upper: float | None = None
    lower_open: bool = False
    upper_open: bool = False

    def contains(self, x: float) -> bool:
        """True when ``x`` lies in the interval."""
        if self.lower is not None and (x < self.lower or (self.lower_open and x == self.lower)):
            return False
        return not (self.upper is not None and (x > self.upper or (self.upper_open and x == self.upper)))

    @property
    def unbounded(self) -> bool:
        """True when the range admits every number."""
        return self.lower is None and self.upper is None

    def __str__(self) -> str:
        lo = "(-∞" if self.lower is None else ("(" if self.lower_open else "[") + _num(self.lower)
        hi = "∞)" if self.upper is None else _num(self.upper) + (")" if self.upper_open else "]")
        return f"{lo}, {hi}"


def _num(x: float) -> str:
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def parse_range(text: str) -> Range:
    """Read ``[0, 100]``, ``(0, ∞)``, ``[0, )`` …; ``ValueError`` otherwise."""
    m = _RANGE.match(text)
    if not m:
        raise ValueError("合理范围应写作区间,如 [0, 100] 或 (0, ∞) a valid range is an interval such as [0, 100] or (0, ∞)")
    left, lo, hi, right = m.groups()
    lower = None if lo in (None, "-∞", "-inf") else float(lo)
    upper = None if hi in (None, "∞", "+∞", "inf") else float(hi)
    if lower is not None and upper is not None and lower > upper:
        raise ValueError("下限大于上限 the lower end is above the upper end")
    return Range(lower, upper, left == "(" and lower is not None, right == ")" and upper is not None)


@dataclass(frozen=True)
class Rule:
    """The plausibility rule of one code: its valid range, its year-over-year limit and where they come from."""

    code: str
    name: str
    unit: str
    range: Range
    change_limit: float
    provenance: Provenance

    def __str__(self) -> str:
        return f"{self.range}, ±{self.change_limit:.0%} ({self.provenance})"


def default_range(unit: str, name: str = "", *, nonnegative: bool = True, positive: bool = False) -> Range:
    """The valid range a unit (and the name's kind of measure) implies; see the module docstring."""
    if unit.strip() in ("%", "％", "‰"):
        if "区位熵" in name:
            return Range(0.0, None, lower_open=True)
        if any(word in name for word in ("占比", "比重", "比值")):
            return Range(0.0, 100.0 if unit.strip() != "‰" else 1000.0)
        if any(word in name for word in ("指数", "系数")):
            return Range(0.0, None)
        return Range()
    if "区位熵" in name or positive:
        return Range(0.0, None, lower_open=True)
    return Range(0.0, None) if nonnegative else Range()


def _default_provenance(rng: Range, unit: str) -> Provenance:
    return Provenance("assumed", f"{DEFAULT_RULE} ({unit or '无单位 no unit'}: {rng}; ±{DEFAULT_CHANGE_LIMIT:.0%})")


def node_rule(node: Node) -> Rule:
    """An indicator's rule: its own where given, else by unit."""
    rng = parse_range(node.valid_range) if node.valid_range else default_range(node.unit, node.name)
    limit = DEFAULT_CHANGE_LIMIT if node.change_limit is None else node.change_limit
    given = bool(node.valid_range) or node.change_limit is not None
    prov = node.plausibility_provenance or (_default_provenance(rng, node.unit) if not given else Provenance("assumed", "框架文件未注明来源 not stated in the framework"))
    return Rule(node.code, node.name, node.unit, rng, limit, prov)


def variable_rule(v: Variable) -> Rule:
    """A raw statistic's rule: its own where given, else from its unit and its nonnegative/positive promises."""
    rng = parse_range(v.valid_range) if v.valid_range else default_range(v.unit, v.name, nonnegative=v.nonnegative, positive=v.positive)
    limit = DEFAULT_CHANGE_LIMIT if v.change_limit is None else v.change_limit
    prov = v.plausibility_provenance or _default_provenance(rng, v.unit)
    return Rule(v.code, v.name, v.unit, rng, limit, prov)


def plausibility_rules(fw: Framework, variables: Mapping[str, Variable] | None = None) -> dict[str, Rule]:
    """The rule of every indicator of ``fw`` and every raw statistic, by code."""
    rules = {n.code: node_rule(n) for n in fw.leaves}
    for v in (variables or {}).values():
        rules.setdefault(v.code, variable_rule(v))
    return rules


def is_default(provenance: Provenance | None) -> bool:
    """True for the provenance a default rule gets (an export writes it; an import drops it again)."""
    return provenance is not None and provenance.kind == "assumed" and provenance.note.startswith(DEFAULT_RULE)


def relative_change(value: float, previous: float) -> float:
    """|value − previous| / |previous| (∞ from 0 to anything else)."""
    if previous:
        return abs(value - previous) / abs(previous)
    return math.inf if value else 0.0
