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
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from scoring import expr as ex
from scoring.errors import RulesetError, did_you_mean

Engine = Literal["durable", "reference"]
SEVERITIES = ("high", "medium", "low")
SEVERITY_ALIASES = {"高": "high", "中": "medium", "低": "low"}
SEVERITY_ZH = {"high": "重要", "medium": "一般", "low": "提示"}  # how reports and exports name them
REQUIRED = ("id", "on", "when", "severity", "category", "problem", "cause", "measure")
OPTIONAL = ("merge_key", "problem_merged")
TEMPLATE_KEYS = ("problem", "cause", "measure", "merge_key", "problem_merged")
# problem_merged (optional) replaces the joined problems when several facts merge into one finding;
# besides the fact's fields it may use {subjects} (the merged subjects, “…”、“…”) and {count}.
MERGED_FIELDS: Mapping[str, type] = {"subjects": str, "count": float}
LINE_KEY = "__line__"
FILE_KEY = "__file__"  # the fragment a rule was included from (see scoring.yamlio)
NULL_TEXT = "—"
_FIXED = re.compile(r"\.(\d{1,2})f")
_NAME = re.compile(r"[^\W\d]\w*")


@dataclass(frozen=True, slots=True)
class FindingRule:
    id: str
    on: str
    when: ex.Expr
    severity: str
    category: str
    problem: str
    cause: str
    measure: str
    merge_key: str | None = None
    line: int | None = None
    problem_merged: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: str
    category: str
    problem: str
    cause: str
    measure: str
    dept_code: str | None
    subjects: tuple[str, ...]
    facts: tuple[Mapping[str, object], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the facts."""
        return {"rule_id": self.rule_id, "severity": self.severity, "category": self.category,
                "problem": self.problem, "cause": self.cause, "measure": self.measure,
                "dept_code": self.dept_code, "subjects": list(self.subjects)}


# -------------------------------------------------------------------------------------- templates


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value))  # the number as written, so 2.675 rounds to 2.68


def _half_up(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_value(value: object, spec: str = "") -> str:
    """One template value: null → "—"; spec '', 'pct', 'wan' or '.Nf'; half-up rounding."""
    v = ex.scalar(value)
    if v is None:
        return NULL_TEXT
    if not spec:
        if isinstance(v, bool):
            return "是" if v else "否"
        return _plain(_decimal(v)) if isinstance(v, float) else v
    if not isinstance(v, float):
        raise ValueError(f"格式 {spec} 只能用于数值，而值是 {v!r}")
    if spec == "pct":
        return _plain(_half_up(_decimal(v) * 100, 2)) + "%"
    if spec == "wan":
        return f"{_half_up(_decimal(v), 2):,.2f}万元"
    fixed = _FIXED.fullmatch(spec)
    if fixed:
        return format(_half_up(_decimal(v), int(fixed.group(1))), "f")
    raise ValueError(f"不支持的格式 '{spec}'（可用 pct、wan、.Nf）")


class _Formatter(string.Formatter):
    """str.format restricted to {field} and {field:spec}: no index, attribute, conversion or nesting."""

    def get_field(self, field_name: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[Any, str]:
        if not _NAME.fullmatch(field_name):
            raise ValueError(f"占位符只能是字段名：{{{field_name}}}")
        return kwargs.get(field_name), field_name

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion:
            raise ValueError(f"不支持 !{conversion} 转换")
        return value

    def format_field(self, value: Any, format_spec: str) -> str:
        return format_value(value, format_spec)


_FORMATTER = _Formatter()


def render(template: str, fact: Mapping[str, object]) -> str:
    """Fill a template from a fact."""
    return _FORMATTER.vformat(template, (), fact)


def template_fields(template: str) -> list[tuple[str, str]]:
    """(field, spec) pairs of a template; raises ValueError for anything but {field} / {field:spec}."""
    out = []
    for _, name, spec, conversion in _FORMATTER.parse(template):
        if name is None:
            continue
        if not _NAME.fullmatch(name):
            raise ValueError(f"占位符只能是字段名，不能是 {{{name}}}（不支持位置、下标或属性）")
        if conversion:
            raise ValueError(f"占位符 {{{name}!{conversion}}} 不支持 !{conversion} 转换")
        spec = spec or ""
        if spec and spec not in ("pct", "wan") and not _FIXED.fullmatch(spec):
            raise ValueError(f"占位符 {{{name}:{spec}}} 的格式不受支持（可用 pct、wan、.Nf）")
        out.append((name, spec))
    return out


# ---------------------------------------------------------------------------------------- compile


def compile_findings(
    raw: Sequence[Mapping[str, Any]], *, file: str | Path, schema: Mapping[str, Mapping[str, type]],
) -> tuple[FindingRule, ...]:
    """Check and compile a ``findings:`` section; raises RulesetError naming file, rule and line."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise RulesetError("findings 应为规则列表", file=file)
    rules: list[FindingRule] = []
    seen: dict[str, int | None] = {}
    for n, item in enumerate(raw, start=1):
        if not isinstance(item, Mapping):
            raise RulesetError(f"findings 第{n}项应为映射（id、on、when…），而不是 {type(item).__name__}", file=file)
        # YAML 1.1 (PyYAML) reads the bare key `on:` as the boolean True
        item = {("on" if key is True else key): value for key, value in item.items()}  # type: ignore[comparison-overlap]
        line = item.get(LINE_KEY)
        line = line if isinstance(line, int) else None
        rule_name = str(item.get("id") or f"findings 第{n}项")

        where = item.get(FILE_KEY) or file

        def fail(message: str, hint: str = "", rule_name: str = rule_name, line: int | None = line,
                 where: Path | str = where) -> RulesetError:
            return RulesetError(message, file=where, rule=rule_name, line=line, hint=hint)

        for key in item:
            if key not in (LINE_KEY, FILE_KEY) and key not in REQUIRED and key not in OPTIONAL:
                raise fail(f"未知的键 '{key}'", did_you_mean(str(key), REQUIRED + OPTIONAL))
        missing = [k for k in REQUIRED if item.get(k) in (None, "")]
        if missing:
            raise fail(f"缺少必填项：{'、'.join(missing)}")
        for key in ("id", "on", "category", "problem", "cause", "measure"):
            if not isinstance(item[key], str):
                raise fail(f"'{key}' 应为文字，而不是 {item[key]!r}")
        rule_id: str = item["id"]
        if rule_id in seen:
            first = seen[rule_id]
            raise fail(f"规则编号 '{rule_id}' 重复" + (f"（首次出现在第{first}行）" if first else ""))
        seen[rule_id] = line

        on: str = item["on"]
        if on not in schema:
            raise fail(f"未知的事实类型 on: '{on}'（可用 {' / '.join(schema)}）", did_you_mean(on, schema))
        fields = schema[on]

        severity = SEVERITY_ALIASES.get(str(item["severity"]), str(item["severity"]))
        if severity not in SEVERITIES:
            raise fail(f"severity 应为 high / medium / low，而不是 '{item['severity']}'",
                       did_you_mean(severity, SEVERITIES))

        when_raw = item["when"]
        if isinstance(when_raw, bool):
            when_raw = "true" if when_raw else "false"
        if not isinstance(when_raw, str):
            raise fail(f"when 应为条件表达式，而不是 {when_raw!r}")
        try:
            when = ex.parse(when_raw)
        except ex.ExprSyntaxError as exc:
            raise fail(f"when 条件无法解析：{exc.message}\n{exc.snippet()}") from None
        unknown = ex.check_fields(when, fields)
        if unknown:
            raise fail(f"when 条件引用了 {on} 事实没有的字段 '{unknown[0]}'", did_you_mean(unknown[0], fields))
        try:
            result = ex.infer(when, fields)
        except ex.ExprTypeError as exc:
            raise fail(f"when 条件类型错误：{exc.message}", exc.hint) from None
        if result is not bool:
            raise fail(f"when 条件应为真/假判断，而 '{when_raw}' 的结果是{ex.type_name(result)}")

        merge_key = item.get("merge_key")
        if merge_key is not None and not isinstance(merge_key, str):
            raise fail(f"merge_key 应为模板文字，而不是 {merge_key!r}")
        for key in TEMPLATE_KEYS:
            template = item.get(key)
            if template is None:
                continue
            try:
                placeholders = template_fields(template)
            except ValueError as exc:
                raise fail(f"{key} 模板有误：{exc}") from None
            allowed = {**fields, **MERGED_FIELDS} if key == "problem_merged" else fields
            for name, spec in placeholders:
                if name not in allowed:
                    raise fail(f"{key} 模板中的 {{{name}}} 不是 {on} 事实的字段", did_you_mean(name, fields))
                if spec and ex.schema_type(allowed[name]) is not float:
                    raise fail(f"{key} 模板中的 {{{name}:{spec}}}：格式 {spec} 只能用于数值字段")

        rules.append(FindingRule(
            id=rule_id, on=on, when=when, severity=severity, category=item["category"],
            problem=item["problem"], cause=item["cause"], measure=item["measure"],
            merge_key=merge_key, line=line, problem_merged=item.get("problem_merged"),
        ))
    return tuple(rules)


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
    from scoring.rules_adapter import CompiledRuleSpec, RuleEngine

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
