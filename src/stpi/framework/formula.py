"""Derived indicators: formulas over the raw statistics that departments count.

An indicator such as 万人R&D人员数 is computed from raw statistics, e.g.
``rd_personnel / resident_population`` with the population in 万人. This module holds
the raw statistics (:class:`Variable`), parses formulas safely (see
:mod:`stpi.framework.expression`: a whitelist over :mod:`ast`, never ``eval``),
evaluates them on numpy arrays, checks them statically (:func:`check_formula`) and
loads both from YAML (:func:`load_variables`).
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import yaml

from stpi.tables import load_yaml
from stpi.errors import InputError, Problem
from stpi.framework.expression import evaluate_node, names_in, parse_expression
from stpi.framework.formula_check import Checker
from stpi.framework.model import Provenance
from stpi.framework.units import parse_unit

__all__ = [
    "KINDS",
    "Formula",
    "Variable",
    "check_formula",
    "check_formulas",
    "load_variables",
    "parse_formula",
]

#: Kinds of raw statistic. Only ``population`` changes a check: dividing by it is
#: dimension-neutral (see :func:`check_formula`); the others describe the statistic.
KINDS = ("population", "count", "amount", "average")


@dataclass(frozen=True)
class Variable:
    """A raw statistic that a department counts, e.g. R&D人员 (persons).

    ``nonnegative`` and ``positive`` are promises about every valid value; the
    zero-denominator check relies on ``positive``. ``kind="population"`` marks the base
    of per-N rates (people, enterprises, staff): dividing by it keeps the numerator's unit.
    """

    code: str
    name: str
    name_en: str = ""
    unit: str = ""
    definition: str = ""
    source: str = ""
    nonnegative: bool = True
    positive: bool = False
    kind: str = "count"
    valid_range: str = ""  # plausibility (stpi.framework.plausibility): "" = from the unit and the promises above
    change_limit: float | None = None
    plausibility_provenance: Provenance | None = None


@dataclass(frozen=True)
class Formula:
    """A parsed, whitelisted formula. Build it with :func:`parse_formula`.

    ``per`` is the base of a per-N indicator (10000 for 万人…), ``provenance`` says where
    the formula comes from, ``note`` explains it; ``file`` and ``row`` locate it in error
    messages.
    """

    text: str
    tree: ast.Expression = field(compare=False, repr=False)
    variables: tuple[str, ...] = ()
    per: float | None = None
    provenance: Provenance | None = None
    note: str = ""
    file: str = field(default="<formula>", compare=False)
    row: int | None = field(default=None, compare=False)

    def evaluate(self, env: Mapping[str, npt.ArrayLike]) -> npt.NDArray[np.float64]:
        """Evaluate the formula elementwise.

        Parameters
        ----------
        env : mapping of str to array_like
            A value for every name in :attr:`variables`; arrays of any shapes that
            broadcast together, e.g. (regions, years) and (regions, 1).

        Returns
        -------
        numpy.ndarray of float64
            The broadcast shape of the inputs. NaN propagates; division by zero gives NaN
            and overflow ±inf, without warnings.

        Raises
        ------
        InputError
            When a variable has no value, a value is not numeric, or shapes do not broadcast.
        """
        arrays, problems = {}, []
        for name in self.variables:
            if name not in env:
                problems.append(self._problem("缺少变量的值 no value given for variable", name))
                continue
            try:
                arrays[name] = np.asarray(env[name], dtype=np.float64)
            except (TypeError, ValueError):
                problems.append(self._problem("变量的值不是数值 values are not numeric", name))
        if not problems:
            try:
                np.broadcast_shapes(*(a.shape for a in arrays.values()))
            except ValueError:
                shapes = ", ".join(f"{k}{a.shape}" for k, a in arrays.items())
                problems.append(self._problem("数组形状无法广播 array shapes do not broadcast", shapes))
        if problems:
            raise InputError(problems)
        with np.errstate(all="ignore"):
            return np.asarray(evaluate_node(self.tree.body, arrays), dtype=np.float64)

    def _problem(self, reason: str, value: str) -> Problem:
        return Problem(self.file, self.row, "formula", f"{reason} (公式 formula: {self.text})", value)


def parse_formula(text: str, *, file: str = "<formula>", row: int | None = None) -> Formula:
    """Parse a formula such as ``rd_expenditure / (gdp * 10000) * 100``.

    Parameters
    ----------
    text : str
        The formula; the grammar is described in :mod:`stpi.framework.expression`
        (numbers, names, ``+ - * /``, unary ``-``, ``** 2``, ``** 3``, ``abs``, ``min``,
        ``max``), at most 500 characters.
    file, row : str, int or None, keyword-only
        Where the formula comes from, for error messages.

    Returns
    -------
    Formula
        With the text as given, its tree and its sorted variable names.

    Raises
    ------
    InputError
        With one :class:`~stpi.errors.Problem` (field ``formula``) per construct rejected.
    """
    text = str(text)
    tree, reasons = parse_expression(text)
    if tree is None:
        raise InputError([Problem(file, row, "formula", reason, text) for reason in reasons])
    return Formula(text=text, tree=tree, variables=tuple(sorted(names_in(tree))), file=file, row=row)


def check_formula(
    formula: Formula,
    variables: Mapping[str, Variable],
    *,
    unit: str | None = None,
    per: float | None = None,
    file: str | None = None,
    row: int | None = None,
) -> list[Problem]:
    """Check a formula statically, without data.

    Parameters
    ----------
    formula : Formula
        The parsed formula.
    variables : mapping of str to Variable
        The raw statistics the formula may use.
    unit : str or None, keyword-only
        The indicator's declared unit; None skips the result-unit checks.
    per : float or None, keyword-only
        The base of a per-N indicator (10000 for 万人…); defaults to ``formula.per``.
    file, row : keyword-only
        Location for the problems; default to the formula's own.

    Returns
    -------
    list of Problem
        Empty when the formula passes. The rules:

        1. **Unknown variables**: every name must be in ``variables``.
        2. **Possibly-zero denominators**: a denominator must be known nonzero. Signs are
           tracked as positive, nonnegative, nonzero or unknown: a nonzero constant, a
           variable with ``positive=True``, products and quotients of nonzero terms,
           ``-x``, ``abs(x)`` and ``x ** n`` of such, a sum of nonnegative terms of
           which one is positive, ``max`` with a positive argument and ``min`` of
           positive arguments are nonzero. Any difference, and any variable merely
           ``nonnegative``, may be zero. (Evaluation gives NaN there anyway.)
        3. **Dimensions**: variable units are read with :func:`~stpi.framework.units.parse_unit`;
           numbers are pure. ``+``, ``-``, ``min`` and ``max`` need operands of one
           dimension (a bare number takes the other operand's unit); ``*``, ``/`` and
           ``**`` combine units. Dividing by a ``kind="population"`` variable (or that
           variable times or divided by numbers) keeps the numerator's dimension,
           because per-N indicators state the counted unit (人, 件, 户…) and keep
           "per 10,000 population" in their name. The result must have the dimension
           of ``unit``.
        4. **Scale**: in a formula made of ``* / **`` and unary signs only, numbers are
           unit conversions (``* 100`` for %, ``* 10000`` for 万…), and the result's
           scale must equal the declared unit's scale, divided by ``per`` when the
           formula divides by a population. Terms of a sum that contain no number must
           share one scale (万元 + 亿元 is reported); a term with a number makes the
           scale unknown, and unknown scales are not checked. Neither is the scale of
           a per-population formula without ``per``.
        5. **Per-N**: when ``per`` is given, the formula must divide by a population.
    """
    checker = Checker(
        variables,
        file=formula.file if file is None else file,
        row=formula.row if row is None else row,
        text=formula.text,
    )
    for name in formula.variables:
        if name not in variables:
            checker.problem("未知变量 unknown variable", name)
    result = checker.visit(formula.tree.body)
    per = formula.per if per is None else per
    if unit is not None:
        checker.check_result(result, unit, per)
    if per is not None and not result.per:
        checker.problem(
            "按人口平均的指标须除以人口类变量 a per-N indicator must divide by a variable of kind 'population'",
            formula.text,
        )
    return checker.problems


def check_formulas(
    variables: Mapping[str, Variable], formulas: Mapping[str, Formula], *, units: Mapping[str, str]
) -> list[Problem]:
    """Check every formula against its indicator's unit; ``units`` maps indicator code to unit.

    Also reports formulas for indicators that are not in ``units``.
    """
    problems: list[Problem] = []
    for code, formula in formulas.items():
        if code not in units:
            problems.append(Problem(formula.file, formula.row, "indicator", "指标代码不在框架中 indicator not in the framework", code))
        else:
            problems += check_formula(formula, variables, unit=units[code])
    return problems


# ----------------------------------------------------------------------------- loading

_CODE = re.compile(r"[a-z][a-z0-9_]*\Z")
_VARIABLE_KEYS = {"code", "name", "name_en", "unit", "kind", "definition", "source", "nonnegative", "positive", "valid_range", "change_limit", "plausibility_provenance"}
_FORMULA_KEYS = {"indicator", "formula", "provenance", "per", "note"}


def load_variables(path: str | Path) -> tuple[dict[str, Variable], dict[str, Formula]]:
    """Load raw statistics and indicator formulas from YAML.

    Parameters
    ----------
    path : str or Path
        A file with a ``variables:`` list (code, name, name_en, unit, kind, definition,
        source, optional nonnegative and positive) and a ``formulas:`` list (indicator,
        formula, provenance, optional per and note).

    Returns
    -------
    variables : dict of str to Variable
        By code, in file order.
    formulas : dict of str to Formula
        By indicator code, in file order.

    Raises
    ------
    InputError
        With every problem found: bad codes, units, kinds or flags, duplicate codes,
        formulas that do not parse or use unknown variables, missing provenance.
    """
    file = str(path)
    try:
        doc = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError([Problem(file, None, None, f"无法读取变量文件 cannot read variables file: {exc}")]) from exc
    if not isinstance(doc, dict):
        raise InputError([Problem(file, None, None, "应为映射 expected a mapping with 'variables' and 'formulas'")])
    problems: list[Problem] = []
    variables = _collect(doc, "variables", file, problems, _variable)
    formulas = _collect(doc, "formulas", file, problems, _formula)
    for formula in formulas.values():
        for name in formula.variables:
            if name not in variables:
                problems.append(Problem(file, formula.row, "formula", "未知变量 unknown variable", name))
    if problems:
        raise InputError(problems)
    return variables, formulas


_T = TypeVar("_T")
_Builder = Callable[[dict[str, Any], str, int, list[Problem]], "tuple[str, _T] | None"]


def _collect(doc: dict[str, Any], section: str, file: str, problems: list[Problem], build: _Builder[_T]) -> dict[str, _T]:
    """Build every item of one list; key the results by code, reporting duplicates."""
    items = doc.get(section)
    if not isinstance(items, list):
        problems.append(Problem(file, None, section, f"应有 {section} 列表 expected a '{section}' list"))
        return {}
    out: dict[str, _T] = {}
    for row, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(file, row, section, "应为映射 each item must be a mapping"))
            continue
        for key in sorted(set(item) - (_VARIABLE_KEYS if section == "variables" else _FORMULA_KEYS)):
            problems.append(Problem(file, row, str(key), "未知字段 unknown field"))
        built = build(item, file, row, problems)
        if built is None:
            continue
        code, value = built
        if code in out:
            problems.append(Problem(file, row, "code", "代码重复 duplicate code", code))
        out[code] = value
    return out


def _text(item: dict[str, Any], key: str) -> str:
    value = item.get(key)
    return "" if value is None else str(value).strip()


def _flag(item: dict[str, Any], key: str, default: bool, file: str, row: int, problems: list[Problem]) -> bool:
    value = item.get(key, default)
    if not isinstance(value, bool):
        problems.append(Problem(file, row, key, "应为 true 或 false must be true or false", str(value)))
        return default
    return value


def _variable(item: dict[str, Any], file: str, row: int, problems: list[Problem]) -> tuple[str, Variable] | None:
    code, unit, kind = _text(item, "code"), _text(item, "unit"), _text(item, "kind")
    before = len(problems)
    if not _CODE.match(code):
        problems.append(Problem(file, row, "code", "代码须为小写英文蛇形命名 code must be snake_case", code))
    if not _text(item, "name"):
        problems.append(Problem(file, row, "name", "缺少名称 missing name"))
    try:
        parse_unit(unit)
    except ValueError as exc:
        problems.append(Problem(file, row, "unit", str(exc), unit))
    if kind not in KINDS:
        problems.append(Problem(file, row, "kind", f"类别应为 kind must be one of: {', '.join(KINDS)}", kind))
    nonnegative = _flag(item, "nonnegative", True, file, row, problems)
    positive = _flag(item, "positive", False, file, row, problems)
    if positive and not nonnegative:
        problems.append(Problem(file, row, "positive", "positive 与 nonnegative: false 矛盾 positive contradicts nonnegative: false"))
    valid_range, limit, prov = _plausibility(item, file, row, problems)
    if len(problems) > before:
        return None
    fields = {k: _text(item, k) for k in ("name", "name_en", "definition", "source")}
    return code, Variable(code=code, unit=unit, kind=kind, nonnegative=nonnegative, positive=positive, valid_range=valid_range,
                          change_limit=limit, plausibility_provenance=prov, **fields)


def _plausibility(item: dict[str, Any], file: str, row: int, problems: list[Problem]) -> tuple[str, float | None, Provenance | None]:
    """The optional valid_range, change_limit and plausibility_provenance of a raw statistic."""
    from stpi.framework.plausibility import parse_range  # plausibility imports this module

    valid_range, limit, prov = _text(item, "valid_range"), item.get("change_limit"), None
    if valid_range:
        try:
            parse_range(valid_range)
        except ValueError as exc:
            problems.append(Problem(file, row, "valid_range", str(exc), valid_range))
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, float)) or not 0 < limit < math.inf):
        problems.append(Problem(file, row, "change_limit", "变化限度须为正数(0.5 即 50%) change_limit must be a positive number (0.5 = 50%)", str(limit)))
        limit = None
    if _text(item, "plausibility_provenance"):
        try:
            prov = Provenance.parse(_text(item, "plausibility_provenance"))
        except ValueError as exc:
            problems.append(Problem(file, row, "plausibility_provenance", str(exc), _text(item, "plausibility_provenance")))
    return valid_range, None if limit is None else float(limit), prov


def _formula(item: dict[str, Any], file: str, row: int, problems: list[Problem]) -> tuple[str, Formula] | None:
    code, before = _text(item, "indicator"), len(problems)
    if not code:
        problems.append(Problem(file, row, "indicator", "缺少指标代码 missing indicator code"))
    provenance: Provenance | None = None
    try:
        provenance = Provenance.parse(_text(item, "provenance"))
    except ValueError as exc:
        problems.append(Problem(file, row, "provenance", f"来源说明无效 invalid provenance: {exc}", _text(item, "provenance")))
    per = item.get("per")
    if per is not None and (isinstance(per, bool) or not isinstance(per, (int, float)) or not 0 < per < math.inf):
        problems.append(Problem(file, row, "per", "per 须为正数 per must be a positive number", str(per)))
    formula: Formula | None = None
    try:
        formula = parse_formula(_text(item, "formula"), file=file, row=row)
    except InputError as exc:
        problems += exc.problems
    if formula is None or len(problems) > before:
        return None
    per = None if per is None else float(per)
    return code, replace(formula, per=per, provenance=provenance, note=_text(item, "note"))
