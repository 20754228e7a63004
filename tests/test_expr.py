"""The expression grammar: parsing, precedence, errors with carets, canonical printing, semantics, types."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.rules.expr import (
    BinOp,
    BoolOp,
    Call,
    Compare,
    Expr,
    ExprSyntaxError,
    ExprTypeError,
    Field,
    In,
    Literal,
    Neg,
    Not,
    check_fields,
    evaluate,
    holds,
    infer,
    parse,
    scalar,
    to_text,
)

a, b, c, x = Field("a"), Field("b"), Field("c"), Field("x")


def lit(v: float | str | bool | None) -> Literal:
    return Literal(v)


# ------------------------------------------------------------------------------------------ parsing

VALID = [
    (
        "execution_rate < 0.9 and budget_final > 0",
        BoolOp("and", Compare("<", Field("execution_rate"), lit(0.9)), Compare(">", Field("budget_final"), lit(0.0))),
    ),
    (
        'category in ["产出-数量", "产出-质量"] and completion < 1',
        BoolOp(
            "and",
            In(Field("category"), (lit("产出-数量"), lit("产出-质量"))),
            Compare("<", Field("completion"), lit(1.0)),
        ),
    ),
    ("not has_satisfaction", Not(Field("has_satisfaction"))),
    (
        "abs(budget_final - budget_initial) / budget_initial >= 0.2",
        Compare(
            ">=",
            BinOp(
                "/", Call("abs", (BinOp("-", Field("budget_final"), Field("budget_initial")),)), Field("budget_initial")
            ),
            lit(0.2),
        ),
    ),
    (
        "actual >= 1.3 * target and not has_reason",
        BoolOp("and", Compare(">=", Field("actual"), BinOp("*", lit(1.3), Field("target"))), Not(Field("has_reason"))),
    ),
    ('level1 == "产出指标"', Compare("==", Field("level1"), lit("产出指标"))),
    (
        "period_months != null and period_months < 12",
        BoolOp(
            "and", Compare("!=", Field("period_months"), lit(None)), Compare("<", Field("period_months"), lit(12.0))
        ),
    ),
    ("95%", lit(0.95)),
    ("0.1%", lit(0.001)),
    (
        "x not in [1, -2, 50%, null, true, 'a']",
        In(x, (lit(1.0), lit(-2.0), lit(0.5), lit(None), lit(True), lit("a")), negated=True),
    ),
    ("x in []", In(x, ())),
    ("'it\\'s'", lit("it's")),
    ('"a\\"b\\\\c\\n"', lit('a"b\\c\n')),
    ("“中文引号”", lit("中文引号")),
    ("min(a, b, c) <= max(a, 1)", Compare("<=", Call("min", (a, b, c)), Call("max", (a, lit(1.0))))),
    ("-x", Neg(x)),
    ("-2", lit(-2.0)),
    ("- -2", Neg(lit(-2.0))),
    ("-(2)", Neg(lit(2.0))),
    ("a - -2", BinOp("-", a, lit(-2.0))),
    ("true or false", BoolOp("or", lit(True), lit(False))),
    (
        "执行率 ≥ 95% 且 非税收入 > 0",
        BoolOp("and", Compare(">=", Field("执行率"), lit(0.95)), Compare(">", Field("非税收入"), lit(0.0))),
    ),
    ("非 是否达标 或 a", BoolOp("or", Not(Field("是否达标")), a)),
    ("（a ＋ b）＊ c ＜＝ 1", Compare("<=", BinOp("*", BinOp("+", a, b), c), lit(1.0))),
    ("a ≠ b", Compare("!=", a, b)),
    ("_x1 == 1", Compare("==", Field("_x1"), lit(1.0))),
]


@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_parse_valid(text: str, expected: Expr) -> None:
    assert parse(text) == expected
    assert parse(to_text(expected)) == expected


INVALID = [
    ("", "表达式为空", 0),
    ("a < b < c", "不支持连续比较", 6),
    ("a == b in [1]", "不支持连续比较", 7),
    ("a && b", "and", 2),
    ("a || b", "or", 2),
    ("!a", "not", 0),
    ("x = 1", "==", 2),
    ("(a < 1", "')'", 6),
    ("a < 1)", "多余", 5),
    ("foo(x)", "未知函数", 0),
    ("abbs(x)", "abs", 0),
    ("abs(a, b)", "1 个参数", 0),
    ("min(a)", "至少 2 个", 0),
    ('"abc', "引号", 0),
    ('"a\\q"', "转义", 2),
    ("a in b", "'['", 5),
    ("a in [b]", "常量", 6),
    ("[1, 2]", "in", 0),
    ("0.9且b", "缺少运算符", 3),
    ("2x", "缺少运算符", 1),
    ("a % b", "%", 2),
    ("a >", "数值、字段", 3),
    ("a < 1 b", "多余", 6),
    ("a $ b", "无法识别", 2),
    ("1.", "无法识别", 1),
    ("a in [1 2]", "','", 8),
]


@pytest.mark.parametrize(("text", "fragment", "position"), INVALID, ids=[t or "<empty>" for t, _, _ in INVALID])
def test_parse_invalid(text: str, fragment: str, position: int) -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse(text)
    assert fragment in info.value.message
    assert info.value.position == position
    assert isinstance(info.value, ValueError)


def test_syntax_error_caret_lines_up_under_cjk() -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse("执行率 < 0.9 且 (预算 > 0")
    lines = str(info.value).splitlines()
    assert lines[0].startswith("表达式语法错误：")
    # "执行率 < 0.9 且 (预算 > 0" — the end is 17 characters in, 3 + 1 + 2 (CJK) wider on screen
    assert lines[2] == "  " + " " * (len("执行率 < 0.9 且 (预算 > 0") + 6) + "^"


PRECEDENCE = [
    ("a or b and c", BoolOp("or", a, BoolOp("and", b, c))),
    ("a and b or c", BoolOp("or", BoolOp("and", a, b), c)),
    ("not a and b", BoolOp("and", Not(a), b)),
    ("not a == b", Not(Compare("==", a, b))),
    ("not not a", Not(Not(a))),
    ("a + b * c", BinOp("+", a, BinOp("*", b, c))),
    ("a - b - c", BinOp("-", BinOp("-", a, b), c)),
    ("a / b / c", BinOp("/", BinOp("/", a, b), c)),
    ("a - (b - c)", BinOp("-", a, BinOp("-", b, c))),
    ("-a * b", BinOp("*", Neg(a), b)),
    ("a + b < c * 2", Compare("<", BinOp("+", a, b), BinOp("*", c, lit(2.0)))),
    ("a < 1 or b in [2] and not c", BoolOp("or", Compare("<", a, lit(1.0)), BoolOp("and", In(b, (lit(2.0),)), Not(c)))),
    ("a and (b or c)", BoolOp("and", a, BoolOp("or", b, c))),
    ("a or b or c", BoolOp("or", BoolOp("or", a, b), c)),
]


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE, ids=[t for t, _ in PRECEDENCE])
def test_precedence(text: str, expected: Expr) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("expr", "text"),
    [
        (BoolOp("and", a, BoolOp("and", b, c)), "a and (b and c)"),
        (BinOp("-", a, BinOp("+", b, c)), "a - (b + c)"),
        (Neg(lit(2.0)), "-(2)"),
        (Neg(lit(-2.0)), "-(-2)"),
        (Neg(Neg(a)), "--a"),
        (Compare("==", Compare("<", a, b), lit(True)), "(a < b) == true"),
        (lit(1e-05), "0.00001"),
        (lit(1e16), "10000000000000000"),
        (lit(0.95), "0.95"),
        (lit('say "hi"\\'), '"say \\"hi\\"\\\\"'),
    ],
    ids=[
        "right-and",
        "right-minus",
        "neg-literal",
        "neg-negative",
        "neg-neg",
        "nested-compare",
        "small",
        "large",
        "percent",
        "escapes",
    ],
)
def test_to_text(expr: Expr, text: str) -> None:
    assert to_text(expr) == text
    assert parse(text) == expr


def test_to_text_rejects_invalid_field_names() -> None:
    with pytest.raises(ValueError):
        to_text(Field("and"))
    with pytest.raises(ValueError):
        to_text(Field("1a"))


def test_fields_and_check_fields() -> None:
    e = parse("abs(b - a) / a >= 0.2 and not flag and name in ['x']")
    assert e.fields() == frozenset({"a", "b", "flag", "name"})
    assert check_fields(e, ["a", "flag"]) == ["b", "name"]
    assert check_fields(e, ["a", "b", "flag", "name"]) == []


def test_literal_equality_is_type_aware() -> None:
    """Python has True == 1.0; the AST must not, or `x == true` and `x == 1` share a cache entry."""
    assert parse("x == true") != parse("x == 1")
    assert hash(Literal(False)) != hash(Literal(0.0)) or Literal(False) != Literal(0.0)
    assert Literal(0.0) == Literal(-0.0)  # both print as 0
    assert len({parse("x in [1]"), parse("x in [true]")}) == 2


def test_positions_do_not_affect_equality() -> None:
    assert parse("a  <  1") == parse("a < 1")
    assert parse("a < 1").pos == 2


# ---------------------------------------------------------------------------------------- semantics

SEMANTICS = [
    # rule 2: compare at 10 decimals
    ("0.3 * 3 >= 0.9", {}, True),
    ("x >= 0.9", {"x": 0.8999999999999999}, True),
    ("x >= 0.9", {"x": 0.89999999999}, True),  # 11th decimal rounds up
    ("x >= 0.9", {"x": 0.8999999999}, False),  # 10th decimal is real
    ("x == 0.3", {"x": 0.1 + 0.2}, True),
    # rule 1: null and division by zero in arithmetic
    ("x + 1", {}, None),
    ("x / y", {"x": 1, "y": 0}, None),
    ("x / y > 0", {"x": 1, "y": 0}, False),
    ("abs(x)", {"x": -2}, 2.0),
    ("min(x, y)", {"x": 1, "y": None}, None),
    ("max(x, y, 3)", {"x": 1, "y": 5}, 5.0),
    ("-x", {"x": "a"}, None),
    ("x * 2", {"x": True}, None),  # booleans are not numbers
    # rule 3/4: comparisons with null or mixed types are false
    ("x < 1", {}, False),
    ("x != 1", {}, False),
    ("x == y", {}, False),
    ("x == null", {}, True),
    ("x == null", {"x": float("nan")}, True),
    ("x != null", {"x": 0}, True),
    ("null == null", {}, True),
    ("x == 1", {"x": "1"}, False),
    ("x != 1", {"x": "1"}, False),
    ("x == 1", {"x": True}, False),
    ("x < 'b'", {"x": "a"}, False),
    ("x == 'a'", {"x": "a"}, True),
    ("x != 'a'", {"x": "b"}, True),
    ("x == true", {"x": True}, True),
    ("x == y", {"x": 2, "y": 2.0}, True),
    # rule 5: in / not in
    ("x in [1, 2]", {"x": 2}, True),
    ("x in [1, null]", {}, True),
    ("x in ['1']", {"x": 1}, False),
    ("x not in [1, 2]", {"x": 3}, True),
    ("x not in [1, 2]", {}, True),
    # rule 6: two-valued logic
    ("not (x < 1)", {}, True),
    ("not flag", {}, True),
    ("not flag", {"flag": 1}, True),
    ("flag", {"flag": 1}, 1.0),
    ("flag and true", {"flag": 1}, False),
    ("flag or x > 0", {"flag": True}, True),
    ("not (x < 1 and y < 1)", {"x": 0}, True),
]


@pytest.mark.parametrize(("text", "fact", "expected"), SEMANTICS, ids=[f"{t} @ {f}" for t, f, _ in SEMANTICS])
def test_evaluate(text: str, fact: dict[str, object], expected: object) -> None:
    assert evaluate(parse(text), fact) == expected


def test_fact_values_are_normalised() -> None:
    assert scalar(np.int64(3)) == 3.0 and isinstance(scalar(np.int64(3)), float)
    assert scalar(np.bool_(True)) is True
    assert scalar(Decimal("1.5")) == 1.5
    assert scalar(float("inf")) is None
    assert scalar(float("nan")) is None
    assert scalar(10**400) is None
    with pytest.raises(TypeError):
        scalar([1])
    assert holds(parse("x >= 3"), {"x": np.int64(3)})


# -------------------------------------------------------------------------------------------- types

SCHEMA = {"rate": float, "n": int, "name": str, "flag": bool}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rate < 0.9 and not flag", bool),
        ("rate * n", float),
        ("name == null", bool),
        ("name in ['a', null]", bool),
        ("abs(rate - 1)", float),
        ("name", str),
        ("null", type(None)),
    ],
    ids=lambda v: str(v),
)
def test_infer(text: str, expected: type) -> None:
    assert infer(parse(text), SCHEMA) is expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("name > 3", "数值"),
        ("name == 3", "不能比较"),
        ("rate and flag", "布尔值"),
        ("not rate", "布尔值"),
        ("name + 1", "数值"),
        ("rate < null", "null"),
        ("flag < true", "数值"),
        ("name in [1]", "in 列表"),
        ("rte < 1", "未知字段"),
        ("min(rate, name) > 1", "数值"),
    ],
    ids=lambda v: str(v),
)
def test_infer_rejects(text: str, fragment: str) -> None:
    with pytest.raises(ExprTypeError) as info:
        infer(parse(text), SCHEMA)
    assert fragment in str(info.value)


def test_infer_unknown_field_hint() -> None:
    with pytest.raises(ExprTypeError) as info:
        infer(parse("rte < 1"), SCHEMA)
    assert "rate" in info.value.hint


# ---------------------------------------------------------------------------- round trip (property)

NAMES = st.sampled_from(["a", "b", "执行率", "非税收入", "_x", "x1"])
NUMBERS = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12) | st.sampled_from(
    [0.0, 0.9, 0.8999999999, 1e-05, 1e16, -0.5]
)
STRINGS = st.text(alphabet=st.sampled_from(list("ab中文\"'\\\n\t ")), max_size=6)
LITERALS = st.builds(Literal, NUMBERS | STRINGS | st.booleans() | st.none())


def _exprs() -> st.SearchStrategy[Expr]:
    leaves = LITERALS | st.builds(Field, NAMES)

    def extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
        return st.one_of(
            st.builds(Neg, children),
            st.builds(Not, children),
            st.builds(BinOp, st.sampled_from(["+", "-", "*", "/"]), children, children),
            st.builds(Compare, st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children, children),
            st.builds(In, children, st.lists(LITERALS, max_size=3).map(tuple), st.booleans()),
            st.builds(BoolOp, st.sampled_from(["and", "or"]), children, children),
            st.builds(Call, st.just("abs"), st.tuples(children)),
            st.builds(Call, st.sampled_from(["min", "max"]), st.lists(children, min_size=2, max_size=3).map(tuple)),
        )

    return st.recursive(leaves, extend, max_leaves=12)


@settings(max_examples=500, deadline=None)
@given(_exprs())
def test_to_text_round_trips(e: Expr) -> None:
    assert parse(to_text(e)) == e


@settings(max_examples=200, deadline=None)
@given(_exprs(), st.dictionaries(NAMES, NUMBERS | STRINGS | st.booleans() | st.none()))
def test_evaluate_is_total(e: Expr, fact: dict[str, object]) -> None:
    """Any expression on any fact evaluates (no exceptions) to a scalar; conditions to a bool."""
    value = evaluate(e, fact)
    assert value is None or isinstance(value, bool | str) or (isinstance(value, float) and math.isfinite(value))
    assert isinstance(holds(e, fact), bool)
