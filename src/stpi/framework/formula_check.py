"""Static analysis of a formula: signs of denominators, dimensions and scales.

The rules are stated in :func:`stpi.framework.formula.check_formula`; this module walks
the tree once and works out, for every subexpression, what is known about it.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from stpi.errors import Problem
from stpi.framework.expression import evaluate_node, literal, names_in
from stpi.framework.units import DIMENSIONLESS, Unit, parse_unit

if TYPE_CHECKING:
    from stpi.framework.formula import Variable

__all__ = ["Checker", "Known"]

# Signs, from most to least known.
POS, NONNEG, NONZERO, UNKNOWN = "+", ">=0", "!=0", "?"


@dataclass(frozen=True)
class Known:
    """What the check knows about a subexpression.

    ``unit`` is None when unknown (an unknown variable, or a mismatch already reported);
    ``scaled`` says whether ``unit.scale`` is meaningful (see rule 4); ``pure`` that the
    subexpression holds no number; ``const`` is its value when it holds no variable;
    ``pop`` that it is a population (times numbers); ``per`` that it divides by one.
    """

    unit: Unit | None
    sign: str = UNKNOWN
    scaled: bool = True
    pure: bool = True
    const: float | None = None
    pop: bool = False
    per: bool = False


def _mul_sign(a: str, b: str) -> str:
    if a == POS and b == POS:
        return POS
    if a in (POS, NONZERO) and b in (POS, NONZERO):
        return NONZERO
    if a in (POS, NONNEG) and b in (POS, NONNEG):
        return NONNEG
    return UNKNOWN


def _sum_sign(signs: list[str]) -> str:
    if all(s in (POS, NONNEG) for s in signs):
        return POS if POS in signs else NONNEG
    return UNKNOWN


def _nonzero(sign: str) -> bool:
    return sign in (POS, NONZERO)


class Checker:
    """Walks a formula tree, collecting problems."""

    def __init__(self, variables: Mapping[str, Variable], *, file: str, row: int | None, text: str) -> None:
        self.variables = variables
        self.file, self.row, self.text = file, row, text
        self.problems: list[Problem] = []
        self._bad_units: set[str] = set()

    def problem(self, reason: str, value: str | None) -> None:
        """Record one problem at the formula's location."""
        self.problems.append(Problem(self.file, self.row, "formula", reason, value))

    def visit(self, node: ast.expr) -> Known:
        """What is known about ``node``; problems found on the way are recorded."""
        if not names_in(node):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.UnaryOp):
            inner = self.visit(node.operand)
            if isinstance(node.op, ast.UAdd):
                return inner
            sign = NONZERO if _nonzero(inner.sign) else UNKNOWN
            return replace(inner, sign=sign, pop=False)
        if isinstance(node, ast.BinOp):
            return self._binop(node)
        assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)  # whitelist
        args = [self.visit(arg) for arg in node.args]
        if node.func.id == "abs":
            return replace(args[0], sign=POS if _nonzero(args[0].sign) else NONNEG, pop=False)
        signs = [a.sign for a in args]
        if node.func.id == "max":
            sign = POS if POS in signs else NONNEG if NONNEG in signs else UNKNOWN
        else:
            sign = POS if all(s == POS for s in signs) else NONNEG if all(s in (POS, NONNEG) for s in signs) else UNKNOWN
        return self._combine(node, args, sign)

    def _constant(self, node: ast.expr) -> Known:
        with np.errstate(all="ignore"):
            value = float(evaluate_node(node, {}))
        usable = math.isfinite(value) and value != 0.0
        sign = POS if usable and value > 0 else NONZERO if usable else NONNEG if value == 0 else UNKNOWN
        # As a factor a number converts units (``* 100`` for %): it divides the scale.
        return Known(Unit(1.0 / value) if usable else DIMENSIONLESS, sign, scaled=usable, pure=False, const=value)

    def _name(self, name: str) -> Known:
        var = self.variables.get(name)
        if var is None:
            return Known(None)  # reported once, as an unknown variable
        try:
            unit: Unit | None = parse_unit(var.unit)
        except ValueError as exc:
            unit = None
            if name not in self._bad_units:
                self._bad_units.add(name)
                self.problem(f"变量单位无法识别 unit of variable not recognised: {exc}", name)
        sign = POS if var.positive else NONNEG if var.nonnegative else UNKNOWN
        return Known(unit, sign, pop=var.kind == "population")

    def _binop(self, node: ast.BinOp) -> Known:
        a = self.visit(node.left)
        if isinstance(node.op, ast.Pow):
            n = int(literal(node.right))
            sign = a.sign if n % 2 else POS if _nonzero(a.sign) else NONNEG
            unit = None if a.unit is None else a.unit**n
            return replace(a, unit=unit, sign=sign, pop=False, const=None)
        b = self.visit(node.right)
        if isinstance(node.op, (ast.Add, ast.Sub)):
            sign = _sum_sign([a.sign, b.sign]) if isinstance(node.op, ast.Add) else UNKNOWN
            return self._combine(node, [a, b], sign)
        if isinstance(node.op, ast.Div):
            return self._divide(node, a, b)
        unit = None if a.unit is None or b.unit is None else a.unit * b.unit
        pop = (a.pop and b.const is not None) or (b.pop and a.const is not None)
        return Known(unit, _mul_sign(a.sign, b.sign), a.scaled and b.scaled, a.pure and b.pure, None, pop, a.per or b.per)

    def _divide(self, node: ast.BinOp, a: Known, b: Known) -> Known:
        if not _nonzero(b.sign) and names_in(node.right) <= set(self.variables):  # unknowns: reported
            self.problem(
                "分母可能为零 the denominator may be zero; 可将其变量标为 positive 或写作 max(…, 1) "
                "mark its variables positive: true or write max(…, 1)",
                ast.unparse(node.right),
            )
        if a.unit is None or b.unit is None:
            unit = None
        elif b.pop:  # per-population: keep the numerator's dimension, divide its scale
            unit = Unit(a.unit.scale / b.unit.scale, a.unit.dims)
        else:
            unit = a.unit / b.unit
        sign = _mul_sign(a.sign, b.sign) if _nonzero(b.sign) else UNKNOWN
        pop = a.pop and b.const is not None
        return Known(unit, sign, a.scaled and b.scaled, a.pure and b.pure, None, pop, a.per or b.per or b.pop)

    def _combine(self, node: ast.expr, args: list[Known], sign: str) -> Known:
        """Operands of ``+ - min max``: one dimension; if none holds a number, one scale."""
        per = any(a.per for a in args)
        quantities = [a for a in args if a.const is None]
        if any(a.unit is None for a in quantities):
            return Known(None, sign, scaled=False, pure=False, per=per)
        first = quantities[0].unit
        assert first is not None
        for other in quantities[1:]:
            assert other.unit is not None
            if not other.unit.same_dimension(first):
                self.problem(
                    f"加减或比较的量纲不同 operands have different dimensions: "
                    f"{first.dimension_text()} 与 and {other.unit.dimension_text()}",
                    ast.unparse(node),
                )
                return Known(None, sign, scaled=False, pure=False, per=per)
        pure = all(a.pure for a in args)
        same = all(q.unit is not None and q.unit.same_scale(first) for q in quantities)
        if pure and not same:
            self.problem(
                f"加减或比较的数量级不同 operands have different scales: {' 与 and '.join(str(q.unit) for q in quantities)}",
                ast.unparse(node),
            )
        return Known(first, sign, scaled=pure and same and all(a.scaled for a in args), pure=pure, per=per)

    def check_result(self, result: Known, unit: str, per: float | None) -> None:
        """Rules 3 and 4: the result's dimension, then its scale, against the declared unit."""
        try:
            declared = parse_unit(unit)
        except ValueError as exc:
            self.problem(f"指标单位无法识别 indicator unit not recognised: {exc}", unit)
            return
        if result.unit is None:
            return
        if not result.unit.same_dimension(declared):
            self.problem(
                f"单位不符 unit mismatch: 公式结果的量纲为 the formula gives {result.unit.dimension_text()}, "
                f"指标单位 the indicator's unit {unit!r} 为 is {declared.dimension_text()}",
                self.text,
            )
            return
        if not result.scaled or (result.per and per is None):
            return
        expected = declared.scale / (per if result.per and per else 1.0)
        if not math.isclose(result.unit.scale, expected, rel_tol=1e-9):
            factor = result.unit.scale / expected
            self.problem(
                f"换算系数不符 scale mismatch: 结果须再乘以 {factor:g} 才以 {unit!r} 计 "
                f"the result must be multiplied by {factor:g} to be in {unit!r}; "
                "检查 100、10000 等系数和变量单位 check factors such as 100 or 10000 and the variables' units",
                self.text,
            )
