"""Findings: rules from a ruleset's ``findings:`` section that turn facts into problems, causes and measures.

Each rule names a fact kind (``on``), a condition (``when``, scoring.expr grammar) and three
templates. Templates are a restricted ``str.format``: only ``{field}`` and ``{field:spec}`` with
spec ``pct`` (0.9639 → 96.39%), ``.Nf`` (N decimals) or ``wan`` (1255.111 → 1,255.11万元; money
is already in 万元). Display rounding is half-up on the number as written (2.675 → 2.68), never
banker's rounding; a null value shows as "—". Rules, fields and placeholders are checked against
the fact schema when the ruleset loads, so a bad rule fails before any data is read.

Merging: findings of one rule in one department merge when they render the same texts, or —
with ``merge_key`` — when the rendered key is the same; the merged finding lists every subject
and joins the distinct texts with "；".
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from scoring.adapters.durable import CompiledRuleSpec, RuleEngine
from scoring.core.severity import SEVERITIES
from scoring.model.result import Finding
from scoring.rules import expr as ex
from scoring.rules.finding_rules import FindingRule, _decimal, _plain, render

Engine = Literal["durable", "reference"]






# -------------------------------------------------------------------------------------- templates


















# ---------------------------------------------------------------------------------------- compile




# -------------------------------------------------------------------------------------------- run


def _subject(fact: Mapping[str, object]) -> str:
    """What a finding is about, as a reader names it."""
    def text(key: str) -> str:
        v = fact.get(key)
        return "" if v is None else str(v)

    kind = fact.get("kind")
    if kind == "indicator":
        name = text("name") or text("indicator_id")
        project = text("project_name") or text("project_code")
        return f"{project}·{name}" if project and name else name or project
    if kind == "project":
        return text("project_name") or text("project_code")
    if kind == "department":
        return text("dept_name") or text("dept_code")
    if kind == "check":
        return text("title") or text("check_id") or text("subject")
    return text("subject") or text("name") or text("dept_code")


def _join(texts: Sequence[str]) -> str:
    unique = list(dict.fromkeys(texts))
    if len(unique) == 1:
        return unique[0]
    end = "。" if all(t.endswith("。") for t in unique) else ""
    return "；".join(t.rstrip("。") for t in unique) + end


def _freeze(schema: Mapping[str, Mapping[str, type]] | None) -> tuple[tuple[str, tuple[tuple[str, type], ...]], ...]:
    if schema is None:
        return ()
    return tuple((kind, tuple(fields.items())) for kind, fields in schema.items())


@functools.lru_cache(maxsize=8)
def _engine(rules: tuple[FindingRule, ...], frozen: tuple[tuple[str, tuple[tuple[str, type], ...]], ...]) -> Any:
    schema = {kind: dict(fields) for kind, fields in frozen} if frozen else None
    return RuleEngine([CompiledRuleSpec(r.id, r.on, r.when) for r in rules], schema=schema)


def match(
    rules: Sequence[FindingRule], facts: Sequence[Mapping[str, object]], *,
    engine: Engine = "durable", schema: Mapping[str, Mapping[str, type]] | None = None,
) -> list[tuple[str, int]]:
    """(rule id, fact index) for every rule that holds on a fact of its kind, by fact then rule order."""
    if engine == "reference":
        return [(r.id, i) for i, f in enumerate(facts) for r in rules if f.get("kind") == r.on and ex.holds(r.when, f)]
    if engine != "durable":
        raise ValueError(f"未知的规则引擎 '{engine}'（可用 durable / reference）")
    if not rules:
        return []
    return [(m.rule_id, m.fact_index) for m in _engine(tuple(rules), _freeze(schema)).run(facts)]


def run_findings(
    rules: Sequence[FindingRule], facts: Sequence[Mapping[str, object]], *,
    engine: Engine = "durable", schema: Mapping[str, Mapping[str, type]] | None = None,
) -> tuple[Finding, ...]:
    """Findings for facts: ordered high → medium → low, then by rule order, then by fact order.

    Findings of one rule and department merge when their texts are equal, or when the rule has a
    ``merge_key`` and the rendered keys are equal. Facts without ``dept_code`` are allowed.
    """
    position = {r.id: n for n, r in enumerate(rules)}
    by_id = {r.id: r for r in rules}
    groups: dict[tuple[object, ...], list[tuple[int, tuple[str, str, str]]]] = {}
    for rule_id, index in match(rules, facts, engine=engine, schema=schema):
        rule, fact = by_id[rule_id], facts[index]
        texts = (render(rule.problem, fact), render(rule.cause, fact), render(rule.measure, fact))
        dept = fact.get("dept_code")
        dept_code = None if dept is None else str(dept)
        key: tuple[object, ...] = (rule_id, dept_code, "key", render(rule.merge_key, fact)) if rule.merge_key \
            else (rule_id, dept_code, "text", *texts)
        groups.setdefault(key, []).append((index, texts))
    found = []
    for key, members in groups.items():
        rule = by_id[str(key[0])]
        indices = [i for i, _ in members]
        subjects = tuple(dict.fromkeys(s for i in indices if (s := _subject(facts[i]))))
        problem = _join([t[0] for _, t in members])
        if rule.problem_merged and len(members) > 1:
            extra = {"subjects": "、".join(f"“{s}”" for s in subjects), "count": float(len(members))}
            problem = render(rule.problem_merged, {**facts[indices[0]], **extra})
        finding = Finding(
            rule_id=rule.id, severity=rule.severity, category=rule.category,
            problem=problem, cause=_join([t[1] for _, t in members]),
            measure=_join([t[2] for _, t in members]), dept_code=None if key[1] is None else str(key[1]),
            subjects=subjects, facts=tuple(facts[i] for i in indices),
        )
        found.append(((SEVERITIES.index(rule.severity), position[rule.id], min(indices)), finding))
    found.sort(key=lambda pair: pair[0])
    return tuple(f for _, f in found)


# ---------------------------------------------------------------------------------------- explain


def _show(value: ex.Scalar) -> str:
    if value is None:
        return "空值"
    if isinstance(value, str):
        return f"“{value}”"
    return ("true" if value else "false") if isinstance(value, bool) else _plain(_decimal(value))


def _values(e: ex.Expr, fact: Mapping[str, object]) -> str:
    names = list(dict.fromkeys(n.name for n in e.walk() if isinstance(n, ex.Field)))
    return "，".join(f"{n} = {_show(ex.scalar(fact.get(n)))}" for n in names)


def why_not(e: ex.Expr, fact: Mapping[str, object]) -> list[str]:
    """The smallest parts of a condition that are false for a fact, each with the values it read."""
    match e:
        case ex.BoolOp(op="and", left=a, right=b):
            return [r for part in (a, b) if not ex.holds(part, fact) for r in why_not(part, fact)]
        case ex.BoolOp(op="or", left=a, right=b):
            return why_not(a, fact) + why_not(b, fact)
        case ex.Not(operand=x):
            values = _values(x, fact)
            return [f"{ex.to_text(e)} 不成立：{ex.to_text(x)} 为真" + (f"（{values}）" if values else "")]
    values = _values(e, fact)
    return [f"{ex.to_text(e)} 不成立" + (f"（{values}）" if values else "")]


@dataclass(frozen=True, slots=True)
class FactNote:
    fact_index: int
    subject: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleExplanation:
    """For one rule: the facts it fired on, and for the others which part of the condition was false."""

    rule_id: str
    severity: str
    on: str
    when: str
    fired: tuple[FactNote, ...]
    not_fired: tuple[FactNote, ...]

    def __str__(self) -> str:
        lines = [f"[{self.severity}] {self.rule_id}（{self.on}）：{self.when}"]
        if not self.fired and not self.not_fired:
            lines.append("  没有适用的事实")
        for note in self.fired:
            lines.append(f"  触发：{note.subject or '第' + str(note.fact_index + 1) + '条'}")
        for note in self.not_fired:
            lines.append(f"  未触发：{note.subject or '第' + str(note.fact_index + 1) + '条'} —— {'；'.join(note.reasons)}")
        return "\n".join(lines)


def explain(
    rules: Sequence[FindingRule], facts: Sequence[Mapping[str, object]], dept_code: str,
    indicator: str | None = None,
) -> list[RuleExplanation]:
    """Per rule, for one department (and optionally one indicator, by id or name): fired or why not.

    Uses the reference evaluator, which the durable engine is tested to agree with.
    """
    out = []
    for rule in rules:
        if indicator is not None and rule.on != "indicator":
            continue
        fired, missed = [], []
        for i, fact in enumerate(facts):
            if fact.get("kind") != rule.on or fact.get("dept_code") != dept_code:
                continue
            if indicator is not None and indicator not in (fact.get("indicator_id"), fact.get("name")):
                continue
            if ex.holds(rule.when, fact):
                fired.append(FactNote(i, _subject(fact)))
            else:
                missed.append(FactNote(i, _subject(fact), tuple(why_not(rule.when, fact))))
        out.append(RuleExplanation(rule.id, rule.severity, rule.on, ex.to_text(rule.when), tuple(fired), tuple(missed)))
    return out
