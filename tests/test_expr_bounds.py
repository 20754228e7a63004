"""Bounded expressions (issue 11): hostile nesting and literal sizes give a clear error, never a RecursionError,
an infinite literal or a durable error code; expressions just inside the limits work in every consumer."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from helpers import BASE
from typer.testing import CliRunner

from scoring.adapters.durable import RuleEngine
from scoring.cli import app
from scoring.core.errors import RulesetError
from scoring.rules import expr as ex
from scoring.rules.conditions import CompiledRuleSpec, Match
from scoring.rules.expr.errors import SNIPPET_CONTEXT
from scoring.rules.expr.lexer import MAX_INTEGER_DIGITS, MAX_NUMBER_DIGITS, MAX_STRING_LENGTH
from scoring.rules.expr.parser import MAX_DEPTH
from scoring.rules.ruleset import load_ruleset

DEEP = "嵌套过深"

HOSTILE = [
    ("(" * 3000 + "x" + ")" * 3000 + " > 1", DEEP, MAX_DEPTH),  # the 65th "(" is refused
    ("not " * 3000 + "x", DEEP, 4 * MAX_DEPTH),
    ("非 " * 3000 + "x", DEEP, 2 * MAX_DEPTH),
    ("-" * 3000 + "x > 1", DEEP, MAX_DEPTH),
    ("abs(" * 3000 + "x" + ")" * 3000 + " > 1", DEEP, 4 * MAX_DEPTH),
    ("x in [1] and " * 3000 + "x > 1", DEEP, None),  # flat in the text, 3,000 deep in the tree
    ("x" + " + x" * 3000 + " > 1", DEEP, None),
    ("x > " + "1" * 400, "整数部分有 400 位，最多 20 位", 4),
    ("x > -" + "9" * 21, "整数部分有 21 位", 5),
    ("x in [" + "1" * 400 + "]", "整数部分有 400 位", 6),
    ("x > 0." + "0" * 399 + "1", "共 401 位数字，最多 340 位", 4),
    ("x > " + "1" * 400 + "%", "整数部分有 400 位", 4),
    ("x == '" + "a" * 5000 + "'", "字符串过长", 5),
]


@pytest.mark.parametrize(
    ("text", "fragment", "position"),
    HOSTILE,
    ids=[
        "parens",
        "nots",
        "chinese-nots",
        "minuses",
        "calls",
        "and-chain",
        "plus-chain",
        "400-digits",
        "21-digits-negative",
        "in-list",
        "long-fraction",
        "percent",
        "long-string",
    ],
)
def test_hostile_expressions_are_syntax_errors(text: str, fragment: str, position: int | None) -> None:
    with pytest.raises(ex.ExprSyntaxError) as info:
        ex.parse(text)
    assert fragment in info.value.message
    if position is not None:  # the caret sits on the token that crosses the limit
        assert info.value.position == position
    lines = str(info.value).splitlines()
    assert len(lines) == 3 and max(map(len, lines)) < 2 * SNIPPET_CONTEXT + 10  # a short, readable message


def test_lone_surrogate_is_refused_and_the_message_prints() -> None:
    """Text decoded with surrogateescape can hold a lone surrogate; no engine can be given it as UTF-8."""
    with pytest.raises(ex.ExprSyntaxError) as info:
        ex.parse('x == "a\udc80b"')
    assert "U+DC80" in info.value.message and info.value.position == 7
    assert "\ufffd" in str(info.value)
    str(info.value).encode("utf-8")  # the message itself can be written out


def test_limits_are_where_the_documentation_says() -> None:
    assert ex.parse("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH) == ex.Field("x")
    assert ex.parse("not " * (MAX_DEPTH - 1) + "x") is not None  # 63 nots over a field: 64 levels
    with pytest.raises(ex.ExprSyntaxError):
        ex.parse("not " * MAX_DEPTH + "x")
    assert ex.parse("9" * MAX_INTEGER_DIGITS) == ex.Literal(float("9" * MAX_INTEGER_DIGITS))
    assert ex.parse("0." + "0" * (MAX_NUMBER_DIGITS - 2) + "5") == ex.Literal(5 * 10.0 ** -(MAX_NUMBER_DIGITS - 1))
    assert ex.parse("'" + "字" * MAX_STRING_LENGTH + "'") == ex.Literal("字" * MAX_STRING_LENGTH)


def test_every_float_to_text_writes_reads_back() -> None:
    """MAX_NUMBER_DIGITS is chosen so that the printer can write every float below 10^20 in full."""
    for value in (2.2250738585072014e-308, 5e-324, 1.7976931348623157e-300, 99999999999999999999.0 / 10, 1e19):
        assert ex.parse(ex.to_text(ex.Literal(value))) == ex.Literal(value)


@pytest.mark.parametrize("value", [1e20, 1e300, -1e25, "x" * (MAX_STRING_LENGTH + 1)], ids=repr)
def test_to_text_refuses_what_parse_would_refuse(value: float | str) -> None:
    with pytest.raises(ValueError, match="无法书写|过长"):
        ex.to_text(ex.Literal(value))


def test_deepest_allowed_expressions_work_in_every_consumer() -> None:
    """At MAX_DEPTH the evaluator, type checker, printer and durable compiler all still work."""
    alternating = "x0 > 0"
    for i in range(1, 31):  # 2 levels per step: ((…) or xi > i) and yi < i
        alternating = f"(({alternating}) or x{i} > 2) and y{i} < 36"
    texts = {
        "nots": "not " * (MAX_DEPTH - 3) + "x0 > 0",
        "chain": " and ".join(f"x{i % 10} >= {int(i < 10)}" for i in range(MAX_DEPTH - 1)),
        "arith": "x0" + " + x1" * (MAX_DEPTH - 3) + " > 1",
        "alternating": alternating,
    }
    rules = [CompiledRuleSpec(name, "project", ex.parse(text)) for name, text in texts.items()]
    schema = {f"{p}{i}": float for p in "xy" for i in range(31)}
    rng = random.Random(7)
    facts: list[dict[str, object]] = [
        {"kind": "project", **{f"{p}{i}": float(rng.randrange(5 if p == "x" else 40)) for p in "xy" for i in range(31)}}
        for _ in range(300)
    ]
    for r in rules:
        assert ex.infer(r.expr, schema) is bool
        assert ex.parse(ex.to_text(r.expr)) == r.expr
    expected = [Match(r.rule_id, i) for i, f in enumerate(facts) for r in rules if ex.holds(r.expr, f)]
    for name in texts:  # not vacuous: each rule holds on some facts and fails on others
        assert 0 < sum(m.rule_id == name for m in expected) < len(facts), name
    with RuleEngine(rules) as engine:
        assert engine.run(facts) == expected


# ---------------------------------------------------------------------- through the ruleset compiler


FINDING = """\
findings:
  - id: hostile
    on: project
    when: "{when}"
    severity: high
    category: 预算执行
    problem: 问题
    cause: 原因
    measure: 措施
"""


@pytest.mark.parametrize(
    ("section", "text", "fragment"),
    [
        ("finding", "not " * 3000 + "has_satisfaction", DEEP),
        ("finding", "(" * 3000 + "execution_rate < 1" + ")" * 3000, DEEP),
        ("finding", "execution_rate < " + "1" * 400, "整数部分有 400 位"),
        ("check", "(" * 3000 + "spent <= budget_final" + ")" * 3000, DEEP),
        ("check", "spent <= " + "1" * 400, "整数部分有 400 位"),
    ],
    ids=["finding-nots", "finding-parens", "finding-400-digits", "check-parens", "check-400-digits"],
)
def test_ruleset_compiler_reports_hostile_expressions(tmp_path: Path, section: str, text: str, fragment: str) -> None:
    if section == "finding":
        extra = FINDING.format(when=text)
    else:
        extra = f'checks:\n  - id: hostile\n    on: project\n    expect: "{text}"\n'
    path = tmp_path / "r.yaml"
    path.write_text(BASE + extra, encoding="utf-8")
    with pytest.raises(RulesetError) as info:
        load_ruleset(path)
    message = str(info.value)
    assert fragment in message and "hostile" in message and "r.yaml" in message
    assert len(message) < 600


def test_cli_ruleset_check_reports_hostile_expression(tmp_path: Path) -> None:
    """What the user sees: exit code 2 (RulesetError), file, line, rule and a short caret line; no traceback."""
    path = tmp_path / "r.yaml"
    path.write_text(BASE + FINDING.format(when="not " * 3000 + "has_satisfaction"), encoding="utf-8")
    result = CliRunner().invoke(app, ["ruleset", "check", str(path)])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)  # an exit, not a crash
    assert "r.yaml:13 规则 hostile：when 条件无法解析：表达式嵌套过深" in result.output
    assert "Traceback" not in result.output and len(result.output) < 600
