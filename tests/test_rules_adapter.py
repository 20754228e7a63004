"""The durable_rules adapter: one test per measured durable trait (notes/durable-rules.md), run through the
C engine, plus fact typing. The JSON of conditions and facts is tested without the engine in test_conditions."""

from __future__ import annotations

import importlib.metadata

import pytest

from scoring.adapters.durable import RuleEngine
from scoring.rules.conditions import MAX_LOGIC_NODES, CompiledRuleSpec, FactError, Match
from scoring.rules.expr import holds, parse


def spec(rule_id: str, text: str, kind: str = "project") -> CompiledRuleSpec:
    return CompiledRuleSpec(rule_id, kind, parse(text))


RULES = [
    spec("low", "execution_rate < 0.9"),
    spec("very-low", "execution_rate < 0.8"),
    spec("positive", "budget_final > 0"),
    spec("qty", 'category in ["产出-数量", "产出-质量"] and completion < 1', kind="indicator"),
]


def reference(rules: list[CompiledRuleSpec], facts: list[dict[str, object]]) -> list[Match]:
    return [
        Match(r.rule_id, i) for i, f in enumerate(facts) for r in rules if f.get("kind") == r.kind and holds(r.expr, f)
    ]


# ------------------------------------------------------------------------------------ durable traits


def test_measured_durable_version_is_installed() -> None:
    """Trait: only an sdist exists and the adapter drives its C engine directly; pinned at 2.0.28."""
    assert importlib.metadata.version("durable-rules") == "2.0.28"


def test_two_engines_with_identical_rules_coexist() -> None:
    """Trait: ruleset names are process-global; a second registration of a name raises."""
    first, second = RuleEngine(RULES), RuleEngine(RULES)
    assert first.name != second.name
    assert first.name.rsplit("-", 1)[0] == second.name.rsplit("-", 1)[0]  # same content hash
    facts = [{"kind": "project", "execution_rate": 0.85, "budget_final": 10}]
    assert first.run(facts) == second.run(facts) == [Match("low", 0), Match("positive", 0)]


def test_many_runs_and_engines_in_one_process() -> None:
    facts = [{"kind": "project", "execution_rate": r / 100, "budget_final": 1} for r in range(60, 100)]
    expected = reference(RULES, facts)
    engine = RuleEngine(RULES)
    for _ in range(30):
        assert engine.run(facts) == expected
    for _ in range(30):
        with RuleEngine(RULES) as fresh:
            assert fresh.run(facts) == expected


def test_unmatched_facts_do_not_raise() -> None:
    """Trait: a fact no rule matches raises MessageNotHandledException inside durable."""
    engine = RuleEngine(RULES)
    facts = [
        {"kind": "project", "execution_rate": 1.0, "budget_final": 0},
        {"kind": "indicator", "category": "效益", "completion": 0.5},
        {"kind": "department", "total": 90},
    ]
    assert engine.run(facts) == []


def test_every_matching_rule_fires_for_a_fact() -> None:
    """Trait: post() lets only the first matching rule fire; facts must be asserted."""
    engine = RuleEngine(RULES)
    facts = [{"kind": "project", "execution_rate": 0.5, "budget_final": 3}]
    assert engine.run(facts) == [Match("low", 0), Match("very-low", 0), Match("positive", 0)]


def test_identical_rules_both_fire() -> None:
    engine = RuleEngine([spec("a", "x > 1"), spec("b", "x > 1"), spec("c", "1 < x")])
    assert engine.run([{"kind": "project", "x": 2}]) == [Match("a", 0), Match("b", 0), Match("c", 0)]


def test_identical_facts_all_match() -> None:
    """Trait: without an explicit id, identical content collides (MessageObservedException)."""
    engine = RuleEngine(RULES)
    fact = {"kind": "project", "execution_rate": 0.85, "budget_final": 1}
    matches = engine.run([fact] * 50)
    assert [m.fact_index for m in matches if m.rule_id == "low"] == list(range(50))
    assert len(engine.run([fact] * 50)) == 100  # and again in a second run: ids never repeat


@pytest.mark.parametrize("batch_size", [1, 100, 2500], ids=["one-by-one", "default", "large-batch"])
def test_large_run_produces_every_match(batch_size: int) -> None:
    """Trait: assert_facts() with ~1,000+ facts returns before all actions ran; we verify each one."""
    engine = RuleEngine(RULES, batch_size=batch_size)
    facts = [{"kind": "project", "execution_rate": (i % 100) / 100, "budget_final": i % 3} for i in range(5000)]
    matches = engine.run(facts)
    assert matches == reference(RULES, facts)
    assert len(matches) == 5000 * 0.9 + 5000 * 0.8 + round(5000 * 2 / 3)
    assert engine.resident_facts() == 0


def test_facts_are_retracted_after_each_run() -> None:
    """Trait: memory grows with every fact kept; facts never join, so each batch is retracted."""
    engine = RuleEngine(RULES)
    engine.run([{"kind": "project", "execution_rate": 0.5, "budget_final": 1}] * 1000)
    assert engine.resident_facts() == 0


def test_wrong_type_is_rejected_with_a_schema() -> None:
    """Trait: durable compares wrong types silently ("abc" matched rate >= 0.9)."""
    schema = {"project": {"execution_rate": float, "budget_final": float, "name": str}}
    engine = RuleEngine([spec("hi", "execution_rate >= 0.9")], schema=schema)
    with pytest.raises(FactError) as info:
        engine.run([{"kind": "project", "execution_rate": 0.95}, {"kind": "project", "execution_rate": "0.95"}])
    assert info.value.index == 1 and info.value.field == "execution_rate"
    assert "第2条事实" in str(info.value) and "应为数值" in str(info.value)
    with pytest.raises(FactError):
        engine.run([{"kind": "project", "execution_rate": True}])
    with pytest.raises(FactError):
        engine.run([{"kind": "project", "execution_rate": [0.9]}])


@pytest.mark.parametrize("value", ["abc", "0.95", True, False], ids=repr)
def test_wrong_type_never_matches_without_a_schema(value: object) -> None:
    """Without a schema, values sit in typed slots: a string or boolean never meets a number test."""
    engine = RuleEngine(
        [
            spec("ge", "x >= 0.9"),
            spec("lt", "x < 10000000000000000"),
            spec("eq1", "x == 1"),
            spec("ne1", "x != 1"),
            spec("null", "x == null"),
        ]
    )
    assert engine.run([{"kind": "project", "x": value}]) == []


def test_fact_durable_cannot_read_is_a_fact_error() -> None:
    """Pitfall found here: a string with a lone surrogate makes durable fail ("Invalid argument" or
    UnicodeEncodeError); the fact is named, the batch retracted, and the engine keeps working."""
    engine = RuleEngine([spec("a", 'x == "a"')])
    good: dict[str, object] = {"kind": "project", "x": "a"}
    bad: dict[str, object] = {"kind": "project", "x": "a\udc80"}
    facts = [good, good, good, bad]
    with pytest.raises(FactError) as info:
        engine.run(facts)
    assert info.value.index == 3 and "无法编码" in str(info.value) and "第4条事实" in str(info.value)
    assert engine.resident_facts() == 0
    assert engine.run(facts[:2]) == [Match("a", 0), Match("a", 1)]


def test_state_fact_does_not_trigger_rules() -> None:
    """Pitfall found here: durable's state object is a fact too; an unguarded `$nex` rule matched it
    and re-fired on every state update, forever. Every rule is guarded by the fact kind."""
    engine = RuleEngine([spec("missing", "x == null"), spec("not-true", "not flag")])
    assert engine.run([{"kind": "project"}]) == [Match("missing", 0), Match("not-true", 0)]


def test_numbers_durable_cannot_read_in_exponent_form() -> None:
    """Pitfall found here: durable's JSON reader rejects 1e-05 / 1e+16 (no fraction before the exponent)."""
    engine = RuleEngine([spec("tiny", "x > 0 and x < 0.0001"), spec("huge", "x >= 10000000000000000")])
    facts = [{"kind": "project", "x": 1e-05}, {"kind": "project", "x": 2e16}, {"kind": "project", "x": 1e-300}]
    assert engine.run(facts) == [Match("tiny", 0), Match("huge", 1)]  # 1e-300 rounds to 0 at 10 places


def test_missing_field_in_field_comparison_does_not_match() -> None:
    """Pitfall found here: durable matches `x < m.y` when y is absent; comparisons are guarded."""
    engine = RuleEngine([spec("lt", "x < y"), spec("eq", "x == y"), spec("ne", "x != y")])
    facts: list[dict[str, object]] = [
        {"kind": "project", "x": 1},
        {"kind": "project", "y": 1},
        {"kind": "project", "x": 1, "y": 2},
        {"kind": "project", "x": "a", "y": "a"},
        {"kind": "project", "x": 1, "y": "1"},
    ]
    assert engine.run(facts) == [Match("lt", 2), Match("ne", 2), Match("eq", 3)]


def test_boundary_rounding_matches_reference() -> None:
    """0.3 * 3 is 0.8999999999999999; at 10 decimals it is 0.9 (rule-engine-lessons point 7)."""
    rules = [spec("ge", "0.3 * x >= 0.9"), spec("ge2", "rate >= 0.9"), spec("eq", "rate == 0.3")]
    facts = [{"kind": "project", "x": 3, "rate": 0.8999999999999999}, {"kind": "project", "x": 2.99, "rate": 0.1 + 0.2}]
    assert RuleEngine(rules).run(facts) == reference(rules, facts) == [Match("ge", 0), Match("ge2", 0), Match("eq", 1)]


def test_nan_and_none_are_null() -> None:
    engine = RuleEngine([spec("null", "x == null"), spec("neg", "not (x < 1)")])
    facts: list[dict[str, object]] = [
        {"kind": "project", "x": float("nan")},
        {"kind": "project", "x": None},
        {"kind": "project", "x": 0},
    ]
    assert engine.run(facts) == [Match("null", 0), Match("neg", 0), Match("null", 1), Match("neg", 1)]


# ------------------------------------------------------------------- the plan (JSON: test_conditions)


def test_constant_conditions_fold() -> None:
    engine = RuleEngine([spec("always", "1 + 1 == 2"), spec("never", "1 > 2 and x > 0")])
    assert engine.plan[0].durable == ('{"#kind":"project"}',)
    assert engine.plan[1].durable == ()
    assert engine.run([{"kind": "project", "x": 1}]) == [Match("always", 0)]


def test_conditions_beyond_durables_size_limit_still_run() -> None:
    """durable allows 15 and/or groups per rule; bigger conditions are split at `or`, then shrunk."""
    wide = " or ".join(f"(x{i} > 1 and y{i} < 1)" for i in range(20))
    deep = "x0 > 0"
    for i in range(1, 20):
        deep = f"(({deep}) or x{i} > {i}) and y{i} < {i}"
    rules = [spec("wide", wide), spec("deep", deep)]
    engine = RuleEngine(rules)
    wide_plan, deep_plan = engine.plan
    assert len(wide_plan.durable) == 20 and wide_plan.precomputed == ()
    assert deep_plan.precomputed  # part of it had to be precomputed
    assert all(t.count("$and") + t.count("$or") <= MAX_LOGIC_NODES for t in wide_plan.durable + deep_plan.durable)
    facts = [
        {
            "kind": "project",
            **{f"x{i}": (i * k) % 7 - 2 for i in range(20)},
            **{f"y{i}": (i + k) % 5 for i in range(20)},
        }
        for k in range(200)
    ]
    assert engine.run(facts) == reference(rules, facts)


# ------------------------------------------------------------------------------------------ contract


def test_rule_applies_only_to_its_kind() -> None:
    engine = RuleEngine([spec("p", "x > 0", kind="project"), spec("i", "x > 0", kind="indicator")])
    facts = [{"kind": "indicator", "x": 1}, {"kind": "project", "x": 1}, {"kind": "other", "x": 1}]
    assert engine.run(facts) == [Match("i", 0), Match("p", 1)]


def test_output_is_sorted_by_fact_then_rule_order() -> None:
    rules = [spec("z", "x > 0"), spec("a", "x > 1")]
    facts = [{"kind": "project", "x": 2}, {"kind": "project", "x": 1}, {"kind": "project", "x": 5}]
    assert RuleEngine(rules).run(facts) == [Match("z", 0), Match("a", 0), Match("z", 1), Match("z", 2), Match("a", 2)]


def test_fact_without_kind_is_an_error() -> None:
    with pytest.raises(FactError, match="kind"):
        RuleEngine(RULES).run([{"execution_rate": 0.5}])


def test_duplicate_rule_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="重复"):
        RuleEngine([spec("a", "x > 1"), spec("a", "x > 2")])


def test_closed_engine_refuses_to_run() -> None:
    engine = RuleEngine(RULES)
    engine.close()
    engine.close()  # idempotent
    with pytest.raises(RuntimeError):
        engine.run([])


def test_no_rules_and_no_facts() -> None:
    assert RuleEngine([]).run([{"kind": "project"}]) == []
    assert RuleEngine(RULES).run([]) == []
