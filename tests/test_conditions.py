"""Conditions in durable's JSON language and prepared facts, checked as text without the C engine.

Every expected string is written by hand from scoring/rules/conditions.py's docstring: typed slots
(``x#n`` / ``x#s`` / ``x#b``), a ``#kind`` guard first, ``not`` pushed to the leaves with null-aware
complements, ``$ex`` guards on field-vs-field comparisons, numbers rounded to 10 places and written
with a fraction before any exponent, arithmetic precomputed into ``#e1#n``…
"""

from __future__ import annotations

import datetime

import pytest

from scoring.rules import expr as ex
from scoring.rules.conditions import (
    MAX_LOGIC_NODES,
    CompiledRuleSpec,
    Conditions,
    FactError,
    number_json,
    to_json,
)

K = '{"#kind":"project"}'


def spec(rule_id: str, text: str, kind: str = "project") -> CompiledRuleSpec:
    return CompiledRuleSpec(rule_id, kind, ex.parse(text))


def durable_json(text: str, schema: dict[str, type] | None = None) -> tuple[str, ...]:
    return Conditions([spec("r", text)], None if schema is None else {"project": schema}).plan[0].durable


def only(cond: str) -> tuple[str, ...]:
    """The single durable rule for a condition under the kind guard."""
    return (f'{{"$and":[{K},{cond}]}}',)


# -------------------------------------------------------------------------------------- conditions

CONDITIONS = [
    ("x < 1", only('{"$lt":{"x#n":1.0}}')),
    ("1 < x", only('{"$gt":{"x#n":1.0}}')),  # constant on the left: flipped
    ("x != 1", only('{"$neq":{"x#n":1.0}}')),
    ('x == "a"', only('{"x#s":"a"}')),
    ("x == true", only('{"x#b":true}')),
    ("flag", only('{"flag#b":true}')),
    ("not flag", only('{"$or":[{"$neq":{"flag#b":true}},{"$nex":{"flag#b":1}}]}')),
    ("not (x < 1)", only('{"$or":[{"$gte":{"x#n":1.0}},{"$nex":{"x#n":1}}]}')),
    (
        "not (x > 1 and y < 2)",
        only('{"$or":[{"$lte":{"x#n":1.0}},{"$nex":{"x#n":1}},{"$gte":{"y#n":2.0}},{"$nex":{"y#n":1}}]}'),
    ),
    ("x == null", (f'{{"$and":[{K},{{"$nex":{{"x#n":1}}}},{{"$nex":{{"x#s":1}}}},{{"$nex":{{"x#b":1}}}}]}}',)),
    ("x != null", only('{"$or":[{"$ex":{"x#n":1}},{"$ex":{"x#s":1}},{"$ex":{"x#b":1}}]}')),
    ("a < b", (f'{{"$and":[{K},{{"$ex":{{"a#n":1}}}},{{"$ex":{{"b#n":1}}}},{{"$lt":{{"a#n":{{"$m":"b#n"}}}}}}]}}',)),
    (
        "a == b",
        only(
            '{"$or":['
            '{"$and":[{"$ex":{"a#n":1}},{"$ex":{"b#n":1}},{"a#n":{"$m":"b#n"}}]},'
            '{"$and":[{"$ex":{"a#s":1}},{"$ex":{"b#s":1}},{"a#s":{"$m":"b#s"}}]},'
            '{"$and":[{"$ex":{"a#b":1}},{"$ex":{"b#b":1}},{"a#b":{"$m":"b#b"}}]}]}'
        ),
    ),
    ('x in ["a", 1]', only('{"$or":[{"x#s":"a"},{"x#n":1.0}]}')),
    ('x not in ["a"]', only('{"$or":[{"$neq":{"x#s":"a"}},{"$nex":{"x#s":1}}]}')),
    (
        "x in [null, 2]",
        only('{"$or":[{"$and":[{"$nex":{"x#n":1}},{"$nex":{"x#s":1}},{"$nex":{"x#b":1}}]},{"x#n":2.0}]}'),
    ),
    (
        "x > 1 and (y < 2 or z == 'a')",
        (f'{{"$and":[{K},{{"$gt":{{"x#n":1.0}}}},{{"$or":[{{"$lt":{{"y#n":2.0}}}},{{"z#s":"a"}}]}}]}}',),
    ),
    ("x > 0.00001", only('{"$gt":{"x#n":1.0e-05}}')),  # durable cannot read 1e-05
    ("x >= 0.30000000000000004", only('{"$gte":{"x#n":0.3}}')),  # constants rounded to 10 places
    ("x >= 10000000000000000", only('{"$gte":{"x#n":1.0e+16}}')),
    ("1 + 1 == 2", (K,)),  # folded to true: the kind guard alone
    ("1 > 2 and x > 0", ()),  # folded to false: no durable rule at all
    ('x < "a"', ()),  # strings are never ordered (rule 3)
    ("x + 1", ()),  # a number is never exactly true (rule 6)
]


@pytest.mark.parametrize(("text", "expected"), CONDITIONS, ids=[t for t, _ in CONDITIONS])
def test_condition_json(text: str, expected: tuple[str, ...]) -> None:
    assert durable_json(text) == expected


def test_schema_narrows_slots() -> None:
    assert durable_json("x != null", {"x": float}) == only('{"$ex":{"x#n":1}}')
    assert durable_json("x == null", {"x": str}) == only('{"$nex":{"x#s":1}}')
    assert durable_json("x == y", {"x": str, "y": str}) == (
        f'{{"$and":[{K},{{"$ex":{{"x#s":1}}}},{{"$ex":{{"y#s":1}}}},{{"x#s":{{"$m":"y#s"}}}}]}}',
    )
    assert durable_json("flag", {"flag": bool}) == only('{"flag#b":true}')
    assert durable_json("n", {"n": float}) == ()  # a number field is never exactly true


def test_schema_type_checks_rules() -> None:
    with pytest.raises(ex.ExprTypeError, match="不能比较字符串与数值"):
        Conditions([spec("r", "x == 1")], {"project": {"x": str}})


def test_plan_keeps_logic_in_durable_and_precomputes_arithmetic() -> None:
    chg, in_, ff = Conditions(
        [
            spec("chg", "abs(budget_final - budget_initial) / budget_initial >= 0.2 and not has_reason"),
            spec("in", 'level1 in ["产出指标", "效益指标"]'),
            spec("ff", "spent > budget_final"),
        ]
    ).plan
    assert chg.durable == only(
        '{"$gte":{"#e1#n":0.2}},{"$or":[{"$neq":{"has_reason#b":true}},{"$nex":{"has_reason#b":1}}]}'
    )
    assert chg.precomputed == ("#e1 = abs(budget_final - budget_initial) / budget_initial",)
    assert in_.durable == only('{"$or":[{"level1#s":"产出指标"},{"level1#s":"效益指标"}]}') and in_.precomputed == ()
    assert ff.durable == (
        f'{{"$and":[{K},{{"$ex":{{"spent#n":1}}}},{{"$ex":{{"budget_final#n":1}}}},'
        '{"$gt":{"spent#n":{"$m":"budget_final#n"}}}]}',
    )
    assert ff.precomputed == ()


def test_comparison_used_as_a_value_is_precomputed() -> None:
    (plan,) = Conditions([spec("r", "(a < b) == flag")]).plan
    assert plan.precomputed == ("#e1 = a < b",)
    assert plan.durable == only('{"$ex":{"#e1#b":1}},{"$ex":{"flag#b":1}},{"#e1#b":{"$m":"flag#b"}}')


def test_wide_or_is_split_into_one_durable_rule_per_disjunct() -> None:
    wide = " or ".join(f"(x{i} > 1 and y{i} < 1)" for i in range(20))
    (plan,) = Conditions([spec("wide", wide)]).plan
    assert len(plan.durable) == 20 and plan.precomputed == ()
    assert plan.durable[0] == only('{"$gt":{"x0#n":1.0}},{"$lt":{"y0#n":1.0}}')[0]
    assert plan.durable[19] == only('{"$gt":{"x19#n":1.0}},{"$lt":{"y19#n":1.0}}')[0]


def test_deep_condition_is_shrunk_below_the_group_limit() -> None:
    deep = "x0 > 0"
    for i in range(1, 20):
        deep = f"(({deep}) or x{i} > {i}) and y{i} < {i}"
    conditions = Conditions([spec("deep", deep)])
    (plan,) = conditions.plan
    assert plan.precomputed and all(p.startswith("#e") for p in plan.precomputed)
    assert all(t.count("$and") + t.count("$or") <= MAX_LOGIC_NODES for t in plan.durable)
    assert set(conditions.rule_of_key.values()) == {0} and len(conditions.conditions) == len(plan.durable)


def test_rule_keys_name_rule_and_piece() -> None:
    conditions = Conditions([spec("a", "x > 1 or y > 1"), spec("b", "1 > 2"), spec("c", "x < 0")])
    assert conditions.rule_of_key == {"r0_0": 0, "r2_0": 2}  # "b" can never hold: no durable rule
    assert to_json(conditions.conditions["r2_0"]) == only('{"$lt":{"x#n":0.0}}')[0]


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="规则编号重复：a"):
        Conditions([spec("a", "x > 1"), spec("a", "x > 2")])


# ------------------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1.0, "1.0"),
        (0.3, "0.3"),
        (1e-05, "1.0e-05"),
        (1e16, "1.0e+16"),
        (2.5e-07, "2.5e-07"),
        (-3e20, "-3.0e+20"),
        (6e15, "6000000000000000.0"),  # Python writes an exponent only from 1e16 up
    ],
    ids=repr,
)
def test_number_json_has_a_fraction_before_any_exponent(value: float, text: str) -> None:
    assert number_json(value) == text


# ------------------------------------------------------------------------------------ fact preparation

RULE = "x > 1 and s == 'a' and flag and 0.3 * n >= 0.9"


def test_prepared_fact_fills_typed_and_precomputed_slots() -> None:
    conditions = Conditions([spec("r", RULE)])
    fact = {"kind": "project", "x": 0.30000000000000004, "s": "a", "flag": True, "n": 3, "other": [1]}
    # fields in name order, then precomputed slots; 0.3 * 3 = 0.8999999999999999 is written rounded
    assert conditions.prepare(4, fact, 9) == (
        '{"#idx":4,"id":9,"#kind":"project","flag#b":true,"n#n":3.0,"s#s":"a","x#n":0.3,"#e1#n":0.9}'
    )


def test_prepared_fact_leaves_nulls_and_mistyped_values_out_of_number_slots() -> None:
    conditions = Conditions([spec("r", RULE)])
    fact = {"kind": "project", "flag": False, "n": None, "x": float("nan"), "s": 1.5}
    assert conditions.prepare(0, fact, 1) == '{"#idx":0,"id":1,"#kind":"project","flag#b":false,"s#n":1.5}'
    fact = {"kind": "project", "x": "2", "n": 2e16, "flag": 1e-300}
    assert conditions.prepare(1, fact, 2) == (
        '{"#idx":1,"id":2,"#kind":"project","flag#n":0.0,"n#n":2.0e+16,"x#s":"2","#e1#n":6000000000000000.0}'
    )


def test_fact_of_a_kind_no_rule_reads_is_skipped() -> None:
    assert Conditions([spec("r", RULE)]).prepare(0, {"kind": "indicator", "x": 5}, 1) is None


@pytest.mark.parametrize(
    ("fact", "schema", "message"),
    [
        ({"x": 1}, None, "第1条事实：缺少 kind 字段或 kind 不是字符串"),
        ({"kind": 3}, None, "缺少 kind 字段"),
        (
            {"kind": "project", "x": "0.95"},
            {"x": float},
            "第1条事实（project）字段「x」：应为数值，实际为字符串 '0.95'",
        ),
        ({"kind": "project", "x": True}, {"x": float}, "应为数值，实际为布尔值 True"),
        ({"kind": "project", "x": datetime.date(2024, 1, 1)}, None, "字段「x」：不支持的字段值类型 date"),
    ],
    ids=["no-kind", "kind-not-text", "string-for-number", "bool-for-number", "date"],
)
def test_unpreparable_facts_raise_fact_error(
    fact: dict[str, object],
    schema: dict[str, type] | None,
    message: str,
) -> None:
    conditions = Conditions([spec("r", "x > 1")], None if schema is None else {"project": schema})
    with pytest.raises(FactError) as info:
        conditions.prepare(0, fact, 1)
    assert message in str(info.value)
    assert info.value.index == 0
