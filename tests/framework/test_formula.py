"""Derived-indicator formulas: safe parsing, evaluation, static checks, the embedded file."""

from __future__ import annotations

import ast
import builtins
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stpi.errors import InputError, Problem
from stpi.framework import embedded_framework
from stpi.framework.formula import (
    Formula,
    Variable,
    check_formula,
    check_formulas,
    load_variables,
    parse_formula,
)

PROVENANCE = "assumed: 按指标名称推定的计算口径 formula inferred from the indicator's name; confirm with the statistics bureau"

VARIABLES = {
    v.code: v
    for v in [
        Variable("rd_personnel", "R&D人员", unit="人", positive=True),
        Variable("population", "常住人口", unit="万人", kind="population", positive=True),
        Variable("population_persons", "常住人口", unit="人", kind="population", positive=True),
        Variable("rd_expenditure", "R&D经费支出", unit="万元", kind="amount"),
        Variable("gdp", "地区生产总值", unit="亿元", kind="amount", positive=True),
        Variable("revenue", "营业收入", unit="万元", kind="amount"),
        Variable("rd_fte", "R&D人员全时当量", unit="人年", positive=True),
        Variable("patents", "发明专利", unit="件"),
        Variable("profit", "利润", unit="万元", kind="amount", nonnegative=False),
    ]
}


def reasons(text: str) -> list[str]:
    with pytest.raises(InputError) as info:
        parse_formula(text)
    return [p.reason for p in info.value.problems]


def check(text: str, unit: str | None = None, per: float | None = None) -> list[str]:
    return [p.reason for p in check_formula(parse_formula(text), VARIABLES, unit=unit, per=per)]


# ----------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "variables"),
    [
        ("rd_personnel / population * 10000", ("population", "rd_personnel")),
        ("R和D人员 / 常住人口 * 1e4", ("R和D人员", "常住人口")),
        ("max(a, 1) - min(b, c, 2)", ("a", "b", "c")),
        ("abs(-a) + +b", ("a", "b")),
        ("a ** 2 + b ** 3", ("a", "b")),
        ("（a＋b）×2÷c", ("a", "b", "c")),
        ("1.5e3 * x - 0.25", ("x",)),
        ("  a  ", ("a",)),
        ("100", ()),
    ],
)
def test_parses_good_formulas(text: str, variables: tuple[str, ...]) -> None:
    formula = parse_formula(text)
    assert formula.text == text
    assert formula.variables == variables


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("__import__('os').system('ls')", "attribute access"),
        ("os.system('ls')", "only these functions may be called"),
        ("a.b", "attribute access is not allowed: a.b"),
        ("a.__class__", "attribute access"),
        ("lambda: 1", "lambda is not allowed"),
        ("'abc'", "strings are not allowed"),
        ("f'{a}'", "strings are not allowed"),
        ("b'x'", "strings are not allowed"),
        ("foo(a)", "unknown function 'foo'; 可用 allowed: abs, max, min"),
        ("eval('1')", "unknown function 'eval'"),
        ("_a + 1", "names starting with '_' are not allowed: _a"),
        ("__builtins__", "names starting with '_'"),
        ("x" * 501, "formula too long: 501"),
        ("a[0]", "subscripts are not allowed"),
        ("[x for x in y]", "comprehensions are not allowed"),
        ("min(x for x in y)", "comprehensions are not allowed"),
        ("a > b", "comparisons are not allowed"),
        ("a and b", "and/or are not allowed"),
        ("a if b else c", "conditional expressions are not allowed"),
        ("(x := 1)", "assignment is not allowed"),
        ("a ** b", "only ** 2 and ** 3 are allowed"),
        ("a ** 4", "only ** 2 and ** 3"),
        ("a // b", "operator not allowed: //"),
        ("a % b", "operator not allowed: %"),
        ("~a", "operator not allowed: ~"),
        ("R&D人员 / 常住人口", "names may contain only letters"),
        ("min(a)", "min takes at least 2 arguments"),
        ("abs(a, b)", "abs takes exactly 1 argument"),
        ("max(a, b, key=c)", "keyword arguments are not allowed"),
        ("min(*a)", "syntax not allowed (Starred)"),
        ("min + 1", "function name used as a variable: min"),
        ("True", "only numeric constants"),
        ("None", "only numeric constants"),
        ("1j", "only numeric constants"),
        ("1e999", "constants must be finite"),
        ("1" + "0" * 400, "constants must be finite"),
        ("", "empty formula"),
        ("   ", "empty formula"),
        ("a +", "syntax error"),
        ("(a", "syntax error"),
        ("-" * 150 + "a", "nested too deeply"),
        ("{1: 2}", "syntax not allowed (Dict)"),
    ],
)
def test_rejects_with_a_clear_reason(text: str, reason: str) -> None:
    assert any(reason in r for r in reasons(text)), reasons(text)


def test_problems_carry_location_field_and_text() -> None:
    with pytest.raises(InputError) as info:
        parse_formula("__import__('os')", file="vars.yaml", row=7)
    problems = info.value.problems
    assert len(problems) == 2  # the call and the string: every problem, not the first
    assert all(p.file == "vars.yaml" and p.row == 7 and p.field == "formula" for p in problems)
    assert all(p.value == "__import__('os')" for p in problems)
    assert problems[0].reason.startswith("未知函数")  # Chinese first


def test_defaults_locate_problems_in_formula() -> None:
    with pytest.raises(InputError) as info:
        parse_formula("a.b")
    assert info.value.problems[0].file == "<formula>" and info.value.problems[0].row is None


def test_never_uses_eval_or_exec(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("eval/exec must not be called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    formula = parse_formula("max(a, 1) / 2")
    assert formula.evaluate({"a": [4.0]}).tolist() == [2.0]
    check_formula(formula, {})


# ----------------------------------------------------------------------------- evaluation


def test_evaluates_hand_examples_exactly() -> None:
    i10 = parse_formula("rd_personnel / population")
    assert i10.evaluate({"rd_personnel": 854.0, "population": 238.6}) == 854.0 / 238.6
    i12 = parse_formula("rd_expenditure / (gdp * 10000) * 100")
    assert i12.evaluate({"rd_expenditure": 15000.0, "gdp": 600.0}) == pytest.approx(0.25, abs=1e-15)
    f = parse_formula("max(a, b) - min(a, b) + abs(-a) * 2 - b ** 2 + a ** 3")
    assert f.evaluate({"a": 3, "b": 5}) == 5 - 3 + 6 - 25 + 27
    assert parse_formula("-a + +a - 1.5").evaluate({"a": 2.0}) == -1.5
    assert parse_formula("（a＋b）×2÷c").evaluate({"a": 1, "b": 2, "c": 4}) == 1.5


def test_result_is_float_and_ints_are_not_integer_divided() -> None:
    out = parse_formula("a / b").evaluate({"a": np.array([1, 7]), "b": np.array([2, 2])})
    assert out.dtype == np.float64
    assert out.tolist() == [0.5, 3.5]
    assert parse_formula("100").evaluate({}).shape == ()


def test_broadcasts_over_regions_and_years() -> None:
    rng = np.random.default_rng(0)
    rd = rng.uniform(0, 1000, size=(14, 5))  # regions × years
    population = rng.uniform(20, 400, size=(14, 1))  # one figure per region
    out = parse_formula("rd / population * 10000").evaluate({"rd": rd, "population": population})
    assert out.shape == (14, 5)
    np.testing.assert_array_equal(out, rd / population * 10000)
    out = parse_formula("rd / population").evaluate({"rd": rd, "population": population[:, 0][:, None]})
    assert out.shape == (14, 5)


def test_nan_propagates_and_division_by_zero_gives_nan_silently() -> None:
    f = parse_formula("a / b")
    out = f.evaluate({"a": [1.0, 0.0, -1.0, np.nan, 1.0, 2.0], "b": [0.0, 0.0, -0.0, 1.0, np.nan, 4.0]})
    np.testing.assert_array_equal(out, [np.nan, np.nan, np.nan, np.nan, np.nan, 0.5])
    assert np.isnan(parse_formula("max(a, 1)").evaluate({"a": np.nan}))
    assert np.isnan(parse_formula("min(1, a)").evaluate({"a": np.nan}))
    assert np.isnan(parse_formula("a / (b - b)").evaluate({"a": 1.0, "b": 3.0}))
    assert np.isinf(parse_formula("a * a").evaluate({"a": 1e200}))  # overflow: no warning either


def test_evaluation_errors_name_the_variable() -> None:
    f = parse_formula("a / b", file="v.yaml", row=3)
    with pytest.raises(InputError) as info:
        f.evaluate({"a": 1.0})
    assert [(p.file, p.row, p.value) for p in info.value.problems] == [("v.yaml", 3, "b")]
    with pytest.raises(InputError, match="not numeric"):
        f.evaluate({"a": ["x"], "b": [1.0]})
    with pytest.raises(InputError, match="do not broadcast"):
        f.evaluate({"a": np.ones(3), "b": np.ones(4)})


# An expression tree: ("var", name) | ("const", x) | ("bin", op, l, r) | ("neg", x)
# | ("abs", x) | ("call", "min"/"max", [args]) | ("pow", x, n).
Node = tuple[Any, ...]

_leaves = st.one_of(
    st.sampled_from(["a", "b", "c"]).map(lambda n: ("var", n)),
    st.integers(0, 1000).map(lambda v: ("const", v)),
    st.floats(0, 1e3, allow_nan=False).map(lambda v: ("const", v)),
)


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.tuples(st.just("bin"), st.sampled_from("+-*/"), children, children),
        st.tuples(st.just("neg"), children),
        st.tuples(st.just("abs"), children),
        st.tuples(st.just("call"), st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3)),
        st.tuples(st.just("pow"), children, st.sampled_from([2, 3])),
    )


def render(node: Node) -> str:
    kind = node[0]
    if kind in ("var", "const"):
        return repr(node[1]) if kind == "const" else str(node[1])
    if kind == "bin":
        return f"({render(node[2])} {node[1]} {render(node[3])})"
    if kind == "neg":
        return f"(-{render(node[1])})"
    if kind == "abs":
        return f"abs({render(node[1])})"
    if kind == "call":
        return f"{node[1]}({', '.join(render(a) for a in node[2])})"
    return f"({render(node[1])} ** {node[2]})"


def direct(node: Node, env: dict[str, np.ndarray]) -> np.ndarray:
    """The specification, straight in numpy: x / 0 is NaN."""
    kind = node[0]
    if kind == "var":
        return env[node[1]]
    if kind == "const":
        return np.asarray(float(node[1]))
    if kind == "bin":
        a, b = direct(node[2], env), direct(node[3], env)
        if node[1] == "/":
            return np.where(b == 0, np.nan, a / b)
        return np.asarray({"+": np.add, "-": np.subtract, "*": np.multiply}[node[1]](a, b))
    if kind == "neg":
        return -direct(node[1], env)
    if kind == "abs":
        return np.asarray(np.abs(direct(node[1], env)))
    if kind == "call":
        args = [direct(a, env) for a in node[2]]
        out = args[0]
        for arg in args[1:]:
            out = np.asarray((np.minimum if node[1] == "min" else np.maximum)(out, arg))
        return out
    return np.asarray(np.power(direct(node[1], env), node[2]))


def _values(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    elements = st.one_of(st.floats(-1e3, 1e3, allow_nan=False), st.just(0.0), st.just(np.nan))
    return hnp.arrays(np.float64, shape, elements=elements)


@settings(max_examples=200, deadline=None)
@given(tree=st.recursive(_leaves, _extend, max_leaves=12), a=_values((3, 2)), b=_values((3, 2)), c=_values((3, 1)))
def test_random_expressions_evaluate_like_numpy(tree: Node, a: np.ndarray, b: np.ndarray, c: np.ndarray) -> None:
    text = render(tree)
    assume(len(text) <= 500)
    formula = parse_formula(text)
    env = {"a": a, "b": b, "c": c}
    with np.errstate(all="ignore"):
        expected = np.broadcast_to(direct(tree, env), np.broadcast_shapes(*(env[v].shape for v in formula.variables)))
    np.testing.assert_array_equal(formula.evaluate(env), expected)
    assert set(formula.variables) <= {"a", "b", "c"}


# ----------------------------------------------------------------------------- static checks


@pytest.mark.parametrize(
    ("text", "unit", "per"),
    [
        ("rd_personnel / population", "人", 10000),  # population in 万人: already per 10,000
        ("rd_personnel / population_persons * 10000", "人", 10000),
        ("rd_personnel / population * 10", "人", 100000),  # per 100,000
        ("patents / population", "件", 10000),
        ("rd_expenditure / (gdp * 10000) * 100", "%", None),
        ("rd_expenditure / gdp / 100", "%", None),
        ("rd_expenditure / revenue * 100", "%", None),  # revenue may be zero: not a unit problem
        ("rd_expenditure / rd_fte", "万元/人年", None),
        ("rd_expenditure / rd_personnel", "万元/人", None),
        ("rd_expenditure * 10000 / rd_personnel", "元/人", None),
        ("(profit + rd_expenditure) / (gdp * 10000) * 100", "%", None),
        ("0.5 * rd_expenditure + 0.5 * profit", "万元", None),  # weights are not conversions
        ("rd_expenditure + 1", "万元", None),
        ("max(rd_expenditure, profit)", "万元", None),
        ("rd_personnel / population", "人", None),  # no per: scale not checked
    ],
)
def test_units_that_match(text: str, unit: str, per: float | None) -> None:
    assert [r for r in check(text, unit, per) if "denominator" not in r] == []


@pytest.mark.parametrize(
    ("text", "unit", "per", "reason"),
    [
        ("rd_personnel / gdp", "人", None, "unit mismatch: 公式结果的量纲为 the formula gives 人/元"),
        ("rd_expenditure / gdp * 100", "%", None, "multiplied by 0.0001"),  # 万元 / 亿元
        ("rd_expenditure / (gdp * 10000)", "%", None, "multiplied by 100"),
        ("rd_personnel / population * 10000", "人", 10000, "multiplied by 0.0001"),  # 万人 twice
        ("rd_personnel / population_persons", "人", 10000, "multiplied by 10000"),
        ("rd_expenditure / rd_personnel", "万元/人年", None, "unit mismatch"),
        ("patents / population", "个", 10000, "unit mismatch"),
        ("rd_personnel + gdp", None, None, "operands have different dimensions: 人 与 and 元"),
        ("max(rd_personnel, gdp)", None, None, "operands have different dimensions"),
        ("rd_expenditure + gdp", None, None, "operands have different scales"),
        ("rd_personnel * 10000", "人", 10000, "must divide by a variable of kind 'population'"),
        ("rd_personnel / population", "人/元", None, "unit mismatch"),
        ("rd_personnel", "(人)", None, "indicator unit not recognised"),
    ],
)
def test_unit_mismatches(text: str, unit: str | None, per: float | None, reason: str) -> None:
    found = check(text, unit, per)
    assert any(reason in r for r in found), found


def test_population_rule_needs_kind_population() -> None:
    counted = dict(VARIABLES, population=Variable("population", "常住人口", unit="万人", positive=True))
    problems = check_formula(parse_formula("rd_personnel / population"), counted, unit="人")
    assert [p.reason.split(":")[0] for p in problems] == ["单位不符 unit mismatch"]


def test_unknown_variables_are_reported_once_and_do_not_cascade() -> None:
    problems = check_formula(
        parse_formula("rd_personnel / populaton + populaton * x", file="v.yaml", row=4), VARIABLES, unit="人"
    )
    assert [(p.reason, p.value, p.row) for p in problems] == [
        ("未知变量 unknown variable", "populaton", 4),
        ("未知变量 unknown variable", "x", 4),
    ]


def test_a_variable_with_a_bad_unit_is_reported() -> None:
    bad = {"a": Variable("a", "A", unit="(元)", positive=True)}
    problems = check_formula(parse_formula("a / a + a"), bad, unit="元")
    assert len(problems) == 1 and "unit of variable not recognised" in problems[0].reason


@pytest.mark.parametrize(
    ("denominator", "flagged"),
    [
        ("revenue", True),  # nonnegative only: may be zero
        ("profit", True),
        ("gdp", False),  # positive
        ("gdp - gdp", True),  # any difference
        ("gdp + revenue", False),  # nonnegative + positive
        ("revenue + patents", True),
        ("profit + gdp", True),  # profit may be negative
        ("max(revenue, 1)", False),
        ("max(revenue, patents)", True),
        ("min(gdp, 2)", False),
        ("min(gdp, revenue)", True),
        ("0", True),
        ("(1 - 1)", True),
        ("100", False),
        ("-2", False),
        ("-gdp", False),
        ("abs(revenue)", True),
        ("abs(-gdp)", False),
        ("gdp ** 2", False),
        ("(gdp * revenue)", True),
        ("(gdp * rd_fte / population)", False),
    ],
)
def test_possibly_zero_denominators(denominator: str, flagged: bool) -> None:
    problems = check_formula(parse_formula(f"rd_expenditure / ({denominator})"), VARIABLES, unit=None)
    zero = [p for p in problems if "denominator may be zero" in p.reason]
    assert bool(zero) is flagged
    if flagged:
        assert zero[0].value == ast.unparse(ast.parse(denominator, mode="eval"))


def test_check_defaults_and_overrides() -> None:
    formula = parse_formula("rd_personnel / population", file="a.yaml", row=2)
    assert check_formula(formula, VARIABLES, unit="人") == []
    problems = check_formula(formula, VARIABLES, unit="个", file="b.yaml", row=9)
    assert [(p.file, p.row, p.field) for p in problems] == [("b.yaml", 9, "formula")]


# ----------------------------------------------------------------------------- the embedded file


def embedded_path() -> Path:
    return Path(str(resources.files("stpi") / "data" / "gansu-city-variables.yaml"))


def test_embedded_file_loads_and_every_formula_passes_the_framework_units() -> None:
    variables, formulas = load_variables(embedded_path())
    framework = embedded_framework()
    units = {n.code: n.unit for n in framework.leaves}
    assert check_formulas(variables, formulas, units=units) == []
    assert set(formulas) <= set(units)
    assert {"I02", "I06", "I10", "I12", "I13", "I20", "I23", "I31"} <= set(formulas)
    for code, formula in formulas.items():
        assert str(formula.provenance) == PROVENANCE, code
        assert formula.provenance is not None and formula.provenance.kind == "assumed"
        name = framework.node(code).name
        per_n = name.startswith(("万人", "万名", "每万", "十万人"))
        assert (formula.per is not None) is per_n, code
        assert check_formula(formula, variables, unit=units[code]) == []
    used = {name for f in formulas.values() for name in f.variables}
    assert used == set(variables)  # no raw statistic without a use


def test_embedded_formulas_on_hand_examples() -> None:
    _, formulas = load_variables(embedded_path())
    assert formulas["I10"].evaluate({"rd_personnel": 854.0, "resident_population": 238.6}) == pytest.approx(3.579, abs=1e-3)
    assert formulas["I12"].evaluate({"rd_expenditure": 15000.0, "gdp": 600.0}) == pytest.approx(0.25)
    assert formulas["I05"].evaluate({"incubated_enterprises": 4.0, "resident_population": 238.6}) == pytest.approx(4 / 2.386e6 * 1e5)
    out = formulas["I31"].evaluate({"broadband_subscribers": 70.2, "resident_population": 238.6})
    assert out == pytest.approx(70.2e4 / 238.6e4 * 1e4)
    assert formulas["I27"].evaluate(
        {"industrial_profit": -10.0, "industrial_taxes": 30.0, "industrial_interest": 5.0, "industrial_avg_assets": 250.0}
    ) == pytest.approx(10.0)


def test_loader_reports_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "vars.yaml"
    path.write_text(
        """
variables:
- {code: RD, name: R&D人员, unit: 人, kind: count}
- {code: pop, name: 人口, unit: 万人, kind: people, positive: yes-please}
- {code: gdp, name: GDP, unit: (亿元), kind: amount}
- {code: staff, name: 职工, unit: 人, kind: count, nonnegative: false, positive: true}
- {code: ok, name: 正常, unit: 人, kind: count, colour: red}
- {code: ok, name: 重复, unit: 人, kind: count}
formulas:
- {indicator: I10, formula: ok / missing, provenance: "assumed: 推定 inferred"}
- {indicator: I11, formula: ok.x, provenance: "assumed: 推定 inferred"}
- {indicator: I12, formula: ok, provenance: "somebody said so"}
- {indicator: "", formula: ok, provenance: "assumed: 推定 inferred", per: ten}
""",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_variables(path)
    found = {(p.row, p.field) for p in info.value.problems}
    assert found == {
        (1, "code"),
        (2, "kind"),
        (2, "positive"),
        (3, "unit"),
        (4, "positive"),
        (5, "colour"),
        (6, "code"),  # duplicate
        (1, "formula"),  # unknown variable 'missing'
        (2, "formula"),  # attribute access
        (3, "provenance"),
        (4, "indicator"),
        (4, "per"),
    }
    assert all(isinstance(p, Problem) and p.file == str(path) for p in info.value.problems)


@pytest.mark.parametrize("text", ["", "[1, 2]", "variables: {}\nformulas: []", ": : :"])
def test_loader_rejects_malformed_documents(tmp_path: Path, text: str) -> None:
    path = tmp_path / "vars.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError):
        load_variables(path)


def test_loader_rejects_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_variables(tmp_path / "absent.yaml")


def test_formula_equality_ignores_location() -> None:
    assert parse_formula("a + b", file="x", row=1) == parse_formula("a + b")
    assert isinstance(parse_formula("a"), Formula)
