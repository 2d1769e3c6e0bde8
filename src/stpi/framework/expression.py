"""The safe arithmetic expression language of derived-indicator formulas.

User text is parsed with :func:`ast.parse` in ``eval`` mode and then checked node by
node against a whitelist; nothing is ever passed to :func:`eval` or :func:`exec`.
Allowed:

- numbers (``int`` or ``float`` literals, finite);
- variable names: identifiers (Chinese characters are fine) not starting with ``_``;
- binary ``+ - * /``, unary ``-`` and ``+``, parentheses;
- ``x ** 2`` and ``x ** 3`` (the exponent must be the literal 2 or 3);
- ``abs(x)``, ``min(a, b, ...)`` and ``max(a, b, ...)`` (elementwise, two or more arguments).

Everything else (attribute access, subscripts, other calls, strings, comparisons,
``lambda``, comprehensions …) is rejected with a reason. The full-width forms typed by
Chinese input methods (（ ） ＋ － ＊ ／ ， and × ÷) are read as their ASCII forms.
"""

from __future__ import annotations

import ast
import functools
import math
from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt

__all__ = ["FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "evaluate_node", "literal", "names_in", "parse_expression"]

FloatArray = npt.NDArray[np.float64]

MAX_LENGTH = 500
MAX_DEPTH = 100
FUNCTIONS = ("abs", "max", "min")

_FULLWIDTH = str.maketrans("（）＋－＊／，×÷．", "()+-*/,*/.")
_OPERATORS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|",
    ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>", ast.Not: "not", ast.Invert: "~",
}
_REJECTED: dict[type[ast.AST], str] = {
    ast.Attribute: "不允许属性访问 attribute access is not allowed",
    ast.Subscript: "不允许下标 subscripts are not allowed",
    ast.Lambda: "不允许 lambda 表达式 lambda is not allowed",
    ast.ListComp: "不允许推导式 comprehensions are not allowed",
    ast.SetComp: "不允许推导式 comprehensions are not allowed",
    ast.DictComp: "不允许推导式 comprehensions are not allowed",
    ast.GeneratorExp: "不允许推导式 comprehensions are not allowed",
    ast.Compare: "不允许比较 comparisons are not allowed",
    ast.BoolOp: "不允许逻辑运算 and/or are not allowed",
    ast.IfExp: "不允许条件表达式 conditional expressions are not allowed",
    ast.JoinedStr: "不允许字符串 strings are not allowed",
    ast.NamedExpr: "不允许赋值 assignment is not allowed",
}
_NAME_HINT = "变量名只能含字母、汉字、数字和下划线 names may contain only letters, 汉字, digits and _"


def parse_expression(text: str) -> tuple[ast.Expression | None, list[str]]:
    """Parse and whitelist-check ``text``.

    Parameters
    ----------
    text : str
        The formula as the user wrote it.

    Returns
    -------
    tree : ast.Expression or None
        The checked tree, or None when there are problems.
    reasons : list of str
        Every problem found, each a bilingual reason naming the offending fragment.
    """
    if not text.strip():
        return None, ["公式为空 empty formula"]
    if len(text) > MAX_LENGTH:
        return None, [f"公式过长 formula too long: {len(text)} 个字符 characters > {MAX_LENGTH}"]
    source = text.translate(_FULLWIDTH)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        at = f" (第{exc.offset}个字符 at character {exc.offset})" if exc.offset else ""
        hint = f"; {_NAME_HINT}" if exc.msg.startswith("invalid") else ""
        return None, [f"语法错误 syntax error: {exc.msg}{at}{hint}"]
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, [f"无法解析 cannot parse: {type(exc).__name__}"]
    if _depth(tree) > MAX_DEPTH:
        return None, [f"嵌套过深 nested too deeply: more than {MAX_DEPTH} levels"]
    reasons: list[str] = []
    _check(tree.body, source.strip(), reasons)
    return (None if reasons else tree), reasons


def _depth(tree: ast.AST) -> int:
    """Nesting depth, computed without recursion so that it is safe on any input."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _fragment(node: ast.AST, source: str) -> str:
    text = ast.get_source_segment(source, node) or type(node).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _check(node: ast.expr, source: str, out: list[str]) -> None:
    """Append a reason for every construct outside the whitelist under ``node``."""
    if isinstance(node, ast.Constant):
        _check_constant(node, source, out)
    elif isinstance(node, ast.Name):
        if node.id.startswith("_"):
            out.append(f"不允许以下划线开头的名称 names starting with '_' are not allowed: {node.id}")
        elif node.id in FUNCTIONS:
            out.append(f"函数名不能作变量 function name used as a variable: {node.id}")
    elif isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            out.append(f"不允许的运算符 operator not allowed: {_OPERATORS.get(type(node.op), '?')}")
        _check(node.operand, source, out)
    elif isinstance(node, ast.BinOp):
        _check_binop(node, source, out)
    elif isinstance(node, ast.Call):
        _check_call(node, source, out)
    else:
        reason = _REJECTED.get(type(node), f"不允许的语法 syntax not allowed ({type(node).__name__})")
        out.append(f"{reason}: {_fragment(node, source)}")


def _check_constant(node: ast.Constant, source: str, out: list[str]) -> None:
    value = node.value
    if isinstance(value, (str, bytes)):
        out.append(f"不允许字符串 strings are not allowed: {_fragment(node, source)}")
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        out.append(f"只允许数值常量 only numeric constants are allowed: {_fragment(node, source)}")
    elif not _finite(value):
        out.append(f"常量须为有限数 constants must be finite: {_fragment(node, source)}")


def _finite(value: float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int literal too large for a float
        return False


def literal(node: ast.expr) -> float:
    """The value of a whitelisted numeric literal."""
    if not isinstance(node, ast.Constant) or not isinstance(node.value, (int, float)):
        raise TypeError(f"not a numeric literal: {ast.dump(node)}")
    return float(node.value)


def _check_binop(node: ast.BinOp, source: str, out: list[str]) -> None:
    op = node.op
    if isinstance(op, ast.Pow):
        exponent = node.right
        if not (isinstance(exponent, ast.Constant) and type(exponent.value) is int and exponent.value in (2, 3)):
            out.append(f"乘方只允许常数指数 2 或 3 only ** 2 and ** 3 are allowed: {_fragment(node, source)}")
        _check(node.left, source, out)
        return
    if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
        symbol = _OPERATORS.get(type(op), "?")
        hint = f"; {_NAME_HINT}" if symbol == "&" else ""
        out.append(f"不允许的运算符 operator not allowed: {symbol}{hint}")
    _check(node.left, source, out)
    _check(node.right, source, out)


def _check_call(node: ast.Call, source: str, out: list[str]) -> None:
    func = node.func
    allowed = ", ".join(FUNCTIONS)
    if not isinstance(func, ast.Name):
        out.append(f"只能调用 only these functions may be called: {allowed}: {_fragment(node, source)}")
        _check(func, source, out)
    elif func.id not in FUNCTIONS:
        out.append(f"未知函数 unknown function {func.id!r}; 可用 allowed: {allowed}")
    elif func.id == "abs" and len(node.args) != 1:
        out.append(f"abs 须有 1 个参数 abs takes exactly 1 argument: {_fragment(node, source)}")
    elif func.id != "abs" and len(node.args) < 2:
        out.append(f"{func.id} 至少须有 2 个参数 {func.id} takes at least 2 arguments: {_fragment(node, source)}")
    if node.keywords:
        out.append(f"不允许关键字参数 keyword arguments are not allowed: {_fragment(node, source)}")
    for arg in node.args:
        _check(arg, source, out)


def names_in(node: ast.AST) -> set[str]:
    """The variable names used under ``node`` (function names excluded)."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} - set(FUNCTIONS)


def _divide(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a / b`` with NaN, not ±inf, where ``b`` is zero (call under ``np.errstate``)."""
    return np.where(b == 0, np.nan, a / b)


_BINARY: dict[type[ast.operator], Callable[[FloatArray, FloatArray], FloatArray]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: _divide,
}


def evaluate_node(node: ast.expr, env: Mapping[str, FloatArray]) -> FloatArray:
    """Evaluate a whitelisted node on float arrays, broadcasting.

    Call it under ``np.errstate(all="ignore")``: overflow gives ±inf silently, division by
    zero gives NaN, and NaN propagates through every operation, ``min`` and ``max`` included.
    """
    if isinstance(node, ast.Constant):
        return np.asarray(literal(node))
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        value = evaluate_node(node.operand, env)
        return np.negative(value) if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left = evaluate_node(node.left, env)
        if isinstance(node.op, ast.Pow):
            return np.power(left, int(literal(node.right)))
        return _BINARY[type(node.op)](left, evaluate_node(node.right, env))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        args = [evaluate_node(arg, env) for arg in node.args]
        if node.func.id == "abs":
            return np.abs(args[0])
        return functools.reduce(np.minimum if node.func.id == "min" else np.maximum, args)
    raise TypeError(f"not a whitelisted node: {ast.dump(node)}")  # parse_expression admits none
