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

Engines (issue 15, findings at scale). ``columns``, the default: every condition is evaluated over whole
columns (``scoring.rules.expr.columns``, the reference evaluator's semantics), the matched rows are grouped
column-wise, and durable_rules runs the combining rules over one fact per department that says what matched
(``_combine``); dicts are read and templates filled only for reported facts. ``durable``: every fact goes
through durable_rules row by row — the reference the differential test (tests/test_findings_columns.py)
holds the default to, finding for finding. ``reference``: the expression evaluator row by row.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import operator
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from scoring.adapters.durable import CompiledRuleSpec, DurableError, FactError, RuleEngine
from scoring.core.severity import SEVERITIES
from scoring.model.result import Finding
from scoring.pipeline.facts import Facts
from scoring.rules import expr as ex
from scoring.rules.finding_columns import (
    Bools,
    Ints,
    KindColumns,
    Objects,
    cause_given,
    dept_keys,
    render_rows,
    subjects,
)
from scoring.rules.finding_rules import FindingRule, _decimal, _plain, render, template_fields

Engine = Literal["columns", "durable", "reference"]
ENGINES: tuple[Engine, ...] = ("columns", "durable", "reference")


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


def _cause(rule: FindingRule, fact: Mapping[str, object]) -> str:
    """The department's own explanation when the rule quotes one and the fact carries it (`cause_given`,
    e.g. "单位说明（{name}）：{deviation_reason}"); the rule's generic cause only when it is absent."""
    if rule.cause_given:
        names = [name for name, _ in template_fields(rule.cause_given)]
        if all(str(fact.get(n) or "").strip() for n in names):
            return rule.cause_given
    return rule.cause


_ENDS, _STRIP = operator.methodcaller("endswith", "。"), operator.methodcaller("rstrip", "。")


def _join(texts: list[str]) -> str:
    if texts and texts.count(texts[0]) == len(texts):  # one text, however many times (list.count runs in C)
        return texts[0]
    unique = list(dict.fromkeys(texts))
    if len(unique) == 1:
        return unique[0]
    end = "。" if all(map(_ENDS, unique)) else ""
    return "；".join(map(_STRIP, unique)) + end


def _freeze(schema: Mapping[str, Mapping[str, type]] | None) -> tuple[tuple[str, tuple[tuple[str, type], ...]], ...]:
    if schema is None:
        return ()
    return tuple((kind, tuple(fields.items())) for kind, fields in schema.items())


@functools.lru_cache(maxsize=8)
def _engine(rules: tuple[FindingRule, ...], frozen: tuple[tuple[str, tuple[tuple[str, type], ...]], ...]) -> Any:
    schema = {kind: dict(fields) for kind, fields in frozen} if frozen else None
    return RuleEngine([CompiledRuleSpec(r.id, r.on, r.when) for r in rules], schema=schema)


def _unknown(engine: str) -> ValueError:
    return ValueError(f"未知的规则引擎 '{engine}'（可用 {' / '.join(ENGINES)}）")


def match(
    rules: Sequence[FindingRule],
    facts: Sequence[Mapping[str, object]],
    *,
    engine: Engine = "columns",
    schema: Mapping[str, Mapping[str, type]] | None = None,
) -> list[tuple[str, int]]:
    """(rule id, fact index) for every rule that holds on a fact of its kind, by fact then rule order."""
    if engine == "reference":
        return [(r.id, i) for i, f in enumerate(facts) for r in rules if f.get("kind") == r.on and ex.holds(r.when, f)]
    if engine not in ENGINES:
        raise _unknown(engine)
    if not rules:
        return []
    if engine == "columns":
        table = _Table(rules, facts, schema)
        pairs = [
            (int(table.kinds[r.on].index[row]), n)
            for n, r in enumerate(rules)
            if r.on in table.kinds
            for row in table.matched(r)
        ]
        return [(rules[n].id, i) for i, n in sorted(pairs)]
    return [(m.rule_id, m.fact_index) for m in _engine(tuple(rules), _freeze(schema)).run(facts)]


def run_findings(
    rules: Sequence[FindingRule],
    facts: Sequence[Mapping[str, object]],
    *,
    engine: Engine = "columns",
    schema: Mapping[str, Mapping[str, type]] | None = None,
) -> tuple[Finding, ...]:
    """Findings for facts: ordered high → medium → low, then by rule order, then by fact order.

    Findings of one rule and department merge when their texts are equal, or when the rule has a
    ``merge_key`` and the rendered keys are equal. Facts without ``dept_code`` are allowed.
    Every engine gives the same findings; ``columns`` is the fast one (see the module docstring).
    """
    if engine == "columns":
        with _collector_paused():
            return _run_columns(rules, facts, schema)
    if engine not in ENGINES:
        raise _unknown(engine)
    position = {r.id: n for n, r in enumerate(rules)}
    by_id = {r.id: r for r in rules}
    groups: dict[tuple[object, ...], list[tuple[int, tuple[str, str, str]]]] = {}
    for rule_id, index in match(rules, facts, engine=engine, schema=schema):
        rule, fact = by_id[rule_id], facts[index]
        texts = (render(rule.problem, fact), render(_cause(rule, fact), fact), render(rule.measure, fact))
        dept = fact.get("dept_code")
        dept_code = None if dept is None else str(dept)
        key: tuple[object, ...] = (
            (rule_id, dept_code, "key", render(rule.merge_key, fact))
            if rule.merge_key
            else (rule_id, dept_code, "text", *texts)
        )
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
            rule_id=rule.id,
            severity=rule.severity,
            category=rule.category,
            problem=problem,
            cause=_join([t[1] for _, t in members]),
            measure=_join([t[2] for _, t in members]),
            dept_code=None if key[1] is None else str(key[1]),
            subjects=subjects,
            facts=tuple(facts[i] for i in indices),
        )
        found.append(((SEVERITIES.index(rule.severity), position[rule.id], min(indices)), finding))
    found.sort(key=lambda pair: pair[0])
    return tuple(f for _, f in found)


# ---------------------------------------------------------------------------------------- columns


# Column types (pandas.api.types.infer_dtype, nulls skipped) whose every value a rule may read as it is.
_CLEAN: dict[type | None, tuple[str, ...]] = {
    None: ("empty", "string", "floating", "boolean"),
    float: ("empty", "floating"),
    str: ("empty", "string"),
    bool: ("empty", "boolean"),
}


class _Table:
    """The facts of a run split by kind into columns, and each rule's matched rows (conditions column-wise).

    Facts built by ``build_facts`` (``Facts``) are read from their frames; any other sequence of dicts is read
    into columns field by field. As with durable, a fact without a text ``kind`` is a FactError, and so, with a
    schema, is a value of the wrong type in a field a rule reads.
    """

    def __init__(
        self,
        rules: Sequence[FindingRule],
        facts: Sequence[Mapping[str, object]],
        schema: Mapping[str, Mapping[str, type]] | None,
    ) -> None:
        self.facts = facts
        self.fields: dict[str, list[str]] = {}
        for r in rules:
            self.fields.setdefault(r.on, [])
            self.fields[r.on].extend(n for n in r.when.fields() if n not in self.fields[r.on])
        self.kinds: dict[str, KindColumns] = {}
        if isinstance(facts, Facts):
            for part, (kind, start) in enumerate(zip(facts.kinds, facts.offsets, strict=False)):
                if kind in self.fields:
                    names, arrays = facts.arrays(part)
                    index = np.arange(start, facts.offsets[part + 1])
                    self.kinds[kind] = KindColumns(
                        kind,
                        index,
                        self._reader(index),
                        dict(zip(names, arrays, strict=True)),
                        take=self._taker(facts, index),
                        frame=facts.frames[part],
                    )
        else:
            by_kind: dict[str, list[int]] = {}
            for i, fact in enumerate(facts):
                fact_kind = fact.get("kind")
                if not isinstance(fact_kind, str):
                    raise FactError("缺少 kind 字段或 kind 不是字符串", index=i)
                by_kind.setdefault(fact_kind, []).append(i)
            for fact_kind, rows in by_kind.items():
                if fact_kind in self.fields:
                    index = np.array(rows, dtype=np.intp)
                    self.kinds[fact_kind] = KindColumns(fact_kind, index, self._reader(index))
        for kind, columns in self.kinds.items():
            self._check(columns, None if schema is None else schema.get(kind, {}))
        self._matched: dict[str, Ints] = {}

    def _reader(self, index: Ints) -> Any:
        facts = self.facts
        return lambda row: facts[int(index[row])]

    @staticmethod
    def _taker(facts: Facts, index: Ints) -> Any:
        return lambda rows: facts.views(index[rows].tolist())

    def _check(self, columns: KindColumns, schema: Mapping[str, type] | None) -> None:
        """FactError for the first value a rule reads that is not a number, text, boolean or null — or, with a
        schema, not of the field's type (what durable's ``Conditions.prepare`` refuses)."""
        simple = {float, str, bool, type(None)} if schema is None else set()
        bad: tuple[int, str, str] | None = None
        for name in self.fields[columns.kind]:
            expected = None if schema is None else ex.schema_type(schema[name]) if name in schema else None
            values = columns.column(name)
            if pd.api.types.infer_dtype(values, skipna=True) in _CLEAN[expected]:
                continue  # every value is null or of the expected type (inferred in C)
            for row, raw in enumerate(values):
                if type(raw) in simple or (bad is not None and int(columns.index[row]) >= bad[0]):
                    continue
                try:
                    value = ex.scalar(raw)
                except TypeError as exc:
                    message = str(exc)
                else:
                    if value is None or expected is None or type(value) is expected:
                        continue
                    message = f"应为{ex.type_name(expected)}，实际为{ex.type_name(type(value))} {value!r}"
                bad = (int(columns.index[row]), name, message)
                break
        if bad is not None:
            raise FactError(bad[2], index=bad[0], kind=columns.kind, field=bad[1])

    def matched(self, rule: FindingRule) -> Ints:
        """Rows (of the rule's kind) where the rule holds, in fact order."""
        if rule.id not in self._matched:
            columns = self.kinds.get(rule.on)
            self._matched[rule.id] = (
                np.zeros(0, dtype=np.intp) if columns is None else columns.holds(rule.when, self.fields[rule.on])
            )
        return self._matched[rule.id]


@dataclass(slots=True)
class _Matched:
    """One rule's matched rows (of its kind, in fact order) grouped into findings: same department and merge key,
    or without a merge key the same texts. Groups are numbered in order of their first row."""

    position: int
    rule: FindingRule
    columns: KindColumns
    rows: Ints
    given: Bools  # per matched row: the cause quotes the department's own explanation (cause_given)
    codes: Ints  # per matched row: its group
    order: Ints  # offsets into rows, group by group, each group's increasing
    starts: list[int]  # per group: where its offsets start in order
    sizes: list[int]  # per group: how many rows
    depts: list[str | None]  # per group
    texts: list[tuple[str, str, str]] | None  # per group, when the texts are the key: problem, cause, measure
    _order: list[int] | None = None

    def members(self, g: int) -> list[int]:
        if self._order is None:
            self._order = self.order.tolist()
        start = self.starts[g]
        return self._order[start : start + self.sizes[g]]


def _group_codes(parts: Sequence[Sequence[Any] | Objects]) -> Ints:
    """A group number per row: rows equal in every part share one, numbered in order of first appearance."""
    codes: Ints | None = None
    for part in parts:
        part_codes, uniques = pd.factorize(np.asarray(part, dtype=object), use_na_sentinel=False)
        if codes is None:
            codes = part_codes
        else:  # pairs of codes, numbered again: stays below len(rows) ** 2
            codes, _ = pd.factorize(codes.astype(np.int64) * len(uniques) + part_codes)
    assert codes is not None
    return codes.astype(np.intp)


def _matched(rule: FindingRule, position: int, columns: KindColumns, rows: Ints) -> _Matched:
    given = cause_given(rule, columns, rows)
    depts = dept_keys(columns, rows)
    if rule.merge_key:
        codes = _group_codes([depts, render_rows(rule.merge_key, columns, rows)])
        texts = None
    else:
        parts = [
            render_rows(rule.problem, columns, rows),
            _causes(rule, columns, rows, given),
            render_rows(rule.measure, columns, rows),
        ]
        codes = _group_codes([depts, *parts])
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    first = order[starts].tolist()
    if not rule.merge_key:
        texts = list(zip(*(part[first].tolist() for part in parts), strict=True))
    return _Matched(
        position,
        rule,
        columns,
        rows,
        given,
        codes,
        order,
        starts.tolist(),
        sizes.tolist(),
        [depts[k] for k in first],
        texts,
    )


def _causes(rule: FindingRule, columns: KindColumns, rows: Ints, given: Bools) -> Objects:
    """Each row's cause: the department's own explanation where given, the rule's cause elsewhere."""
    out = np.empty(len(rows), dtype=object)
    if given.any():
        out[given] = render_rows(str(rule.cause_given), columns, rows[given])
    if not given.all():
        out[~given] = render_rows(rule.cause, columns, rows[~given])
    return out


FINDINGS_KIND = "department-findings"


def _combine_specs(rules: Sequence[FindingRule]) -> tuple[CompiledRuleSpec, ...]:
    """The rules durable runs over the per-department facts: which finding rules are reported in a department
    (``report``), whether some of its findings merge under ``problem_merged`` (``merged``), and whether some
    quote the department's own explanation (``given``). A department fact holds, per finding rule at position p,
    ``n<p>`` (matched facts), ``m<p>`` (facts in findings of more than one fact) and ``c<p>`` (facts whose
    ``cause_given`` is filled); a field is absent (null) when the rule matched nothing there."""
    specs = []
    for p, rule in enumerate(rules):
        specs.append(CompiledRuleSpec(f"report:{p}", FINDINGS_KIND, ex.parse(f"n{p} > 0")))
        if rule.problem_merged:
            specs.append(CompiledRuleSpec(f"merged:{p}", FINDINGS_KIND, ex.parse(f"m{p} > 0")))
        if rule.cause_given:
            specs.append(CompiledRuleSpec(f"given:{p}", FINDINGS_KIND, ex.parse(f"c{p} > 0")))
    return tuple(specs)


@functools.lru_cache(maxsize=8)
def _combine_engine(rules: tuple[FindingRule, ...]) -> Any:
    specs = _combine_specs(rules)
    schema = {FINDINGS_KIND: {"kind": str, "dept_code": str, **{n: float for s in specs for n in s.expr.fields()}}}
    return RuleEngine(specs, schema=schema)


def _combine(rules: Sequence[FindingRule], matched: list[_Matched]) -> set[tuple[str | None, str]]:
    """Run the combining rules in durable over one fact per department; (department, decision) that fired."""
    depts: dict[str | None, dict[str, object]] = {}
    for m in matched:
        p, rule = m.position, m.rule
        sizes = np.array(m.sizes, dtype=float)
        seen: dict[str | None, int] = {}  # not pandas.factorize: it would turn None into NaN
        codes = np.array([seen.setdefault(d, len(seen)) for d in m.depts], dtype=np.intp)
        fields = {f"n{p}": np.bincount(codes, weights=sizes)}
        if rule.problem_merged:
            fields[f"m{p}"] = np.bincount(codes, weights=np.where(sizes > 1, sizes, 0.0))
        if rule.cause_given:
            fields[f"c{p}"] = np.bincount(codes, weights=np.bincount(m.codes, weights=m.given, minlength=len(sizes)))
        for d, dept in enumerate(seen):
            fact = depts.setdefault(dept, {"kind": FINDINGS_KIND, "dept_code": dept})
            for name, counts in fields.items():
                fact[name] = float(counts[d])
    facts = list(depts.values())
    return {
        (cast("str | None", facts[m.fact_index]["dept_code"]), m.rule_id)
        for m in _combine_engine(tuple(rules)).run(facts)
    }


def _findings(m: _Matched, fired: set[tuple[str | None, str]]) -> list[tuple[tuple[int, int, int], Finding]]:
    """The findings of one rule, texts filled column-wise for the rows whose texts are reported."""
    rule, p, columns, rows = m.rule, m.position, m.columns, m.rows
    report, merged_key, given_key = f"report:{p}", f"merged:{p}", f"given:{p}"
    chosen = {d: (d, given_key) in fired for d in dict.fromkeys(m.depts)}
    for dept in chosen:
        if (dept, report) not in fired:
            raise DurableError(f"durable_rules 未报告规则 {rule.id}（部门 {dept}）")
    sizes = np.array(m.sizes, dtype=np.intp)
    merged = sizes > 1
    if rule.problem_merged and merged.any():  # as durable chose, per department
        merged &= np.array([(d, merged_key) in fired for d in m.depts], dtype=bool)
    else:
        merged[:] = False
    at = columns.index[rows].tolist()
    dicts = list(columns.facts(rows))
    named = subjects(columns, rows).tolist()
    firsts = m.order[m.starts].tolist() if len(m.starts) else []
    problems: list[str] = []
    causes: list[str] = []
    measures: list[str] = []
    if m.texts is None:  # merge_key: a merged finding's problem is problem_merged, the others join their members'
        needed = np.sort(m.order[np.repeat(~merged, sizes)])
        filled = np.full(len(rows), "", dtype=object)
        filled[needed] = render_rows(rule.problem, columns, rows[needed])
        problems = filled.tolist()
        given = m.given
        if rule.cause_given:
            given = given & np.array([chosen[d] for d in m.depts], dtype=bool)[m.codes]
        causes = _causes(rule, columns, rows, given).tolist()
        measures = render_rows(rule.measure, columns, rows).tolist()
        one_problem, one_cause, one_measure = (_uniform(texts, m) for texts in (problems, causes, measures))
    rule_id, severity, category = rule.id, rule.severity, rule.category
    sev = SEVERITIES.index(severity)
    out = []
    for g, (k0, size, dept) in enumerate(zip(firsts, m.sizes, m.depts, strict=True)):
        if size == 1:
            subject = named[k0]
            problem, cause, measure = m.texts[g] if m.texts is not None else (problems[k0], causes[k0], measures[k0])
            out.append(
                (
                    (sev, p, at[k0]),
                    Finding(
                        rule_id,
                        severity,
                        category,
                        problem,
                        cause,
                        measure,
                        dept,
                        (subject,) if subject else (),
                        (dicts[k0],),
                    ),
                )
            )
            continue
        pick = operator.itemgetter(*m.members(g))  # a tuple of the members' values, in C
        members = pick(dicts)
        who = tuple(dict.fromkeys(filter(None, pick(named))))
        if m.texts is not None:  # the texts are the key: every member's are these
            problem, cause, measure = m.texts[g]
        else:
            problem = "" if merged[g] else problems[k0] if one_problem[g] else _join(list(pick(problems)))
            cause = causes[k0] if one_cause[g] else _join(list(pick(causes)))
            measure = measures[k0] if one_measure[g] else _join(list(pick(measures)))
        if merged[g]:
            extra = {"subjects": "、".join(f"“{s}”" for s in who), "count": float(size)}
            problem = render(str(rule.problem_merged), {**members[0], **extra})
        out.append(
            ((sev, p, at[k0]), Finding(rule_id, severity, category, problem, cause, measure, dept, who, members))
        )
    return out


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while findings are built: tens of thousands of tuples and findings, none
    in a cycle, would otherwise set off full collections over every live object (measured at 1,000 departments:
    1.47 s CPU with the collector, 0.98 s without). Reference counting still frees everything as usual."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _uniform(texts: list[str], m: _Matched) -> list[bool]:
    """Per group, whether its rows all have the same text (then the joined text is that text), column-wise."""
    if not m.starts:
        return []
    codes = pd.factorize(np.asarray(texts, dtype=object))[0][m.order]
    starts = np.asarray(m.starts, dtype=np.intp)
    same: list[bool] = (np.minimum.reduceat(codes, starts) == np.maximum.reduceat(codes, starts)).tolist()
    return same


def _run_columns(
    rules: Sequence[FindingRule], facts: Sequence[Mapping[str, object]], schema: Mapping[str, Mapping[str, type]] | None
) -> tuple[Finding, ...]:
    """run_findings, column-wise (see the module docstring); the same findings as the per-row engines."""
    if not rules:
        return ()
    table = _Table(rules, facts, schema)
    matched = []
    for p, rule in enumerate(rules):
        columns = table.kinds.get(rule.on)
        rows = table.matched(rule)
        if columns is not None and len(rows):
            matched.append(_matched(rule, p, columns, rows))
    if not matched:
        return ()
    fired = _combine(rules, matched)
    found = [pair for m in matched for pair in _findings(m, fired)]
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
            lines.append(
                f"  未触发：{note.subject or '第' + str(note.fact_index + 1) + '条'} —— {'；'.join(note.reasons)}"
            )
        return "\n".join(lines)


def explain(
    rules: Sequence[FindingRule],
    facts: Sequence[Mapping[str, object]],
    dept_code: str,
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
