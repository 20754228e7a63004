"""Rule conditions in durable_rules' JSON condition language: compiled from expressions, with typed slots.

Pure Python: nothing here imports durable, so each condition and each prepared fact can be tested as
JSON. ``scoring.adapters.durable`` hands the result to durable's C engine. The design answers these
measured traits of durable_rules 2.0.28 (see /work/shared/notes/durable-rules.md):

* Wrong types compare silently (``"abc" > 1e16`` and ``true == 1.0`` match, ``false < 1``
  matches) → values are stored in typed slots: a number of field ``x`` goes to ``x#n``, a string
  to ``x#s``, a boolean to ``x#b``. A condition only ever reads the slot of its own type, so a
  mistyped value can never match it. With a schema, a mistyped value is a FactError.
* A comparison with a field that is missing matches (``x < m.y`` matches when y is absent)
  → every field-vs-field comparison is guarded by ``$ex`` on both slots.
* durable's JSON reader rejects exponents without a fraction (``1e-05``, ``1e+16``) →
  numbers are written as ``1.0e-05``.
* The engine's own state object ``$s`` is also a fact: a rule that does not require a
  field of ours (say ``$nex``) matches it and re-fires forever on every state update →
  every rule starts with ``#kind == <kind>``, and every prepared fact carries ``#idx`` (its index
  in the run, first, so an action's message yields it without json.loads) for a catch-all rule.
* Without an ``id`` a fact's identity is a 32-bit hash of its content → every prepared fact
  carries the unique ``id`` its caller gives it.
* One rule may hold at most 15 and/or groups (MAX_SEQUENCE_EXPRESSIONS = 32 slots, two per
  group) → a top-level ``or`` is split into several durable rules, and only if one part is still
  too large is a boolean sub-expression precomputed (see below).

What runs in durable and what is precomputed in Python
------------------------------------------------------
Conditions are built directly in durable's JSON condition language — what its Python DSL
``m.x < 1``, ``&``, ``|``, ``-m.x`` compiles to (``{"$lt": {"x": 1}}``, ``$and``, ``$or``,
``$nex``) — since ``durable.lang`` objects register in a process-global table and go through
``json.dumps``.

In durable: the whole boolean structure (and / or / not, ``not`` pushed down to the leaves by
De Morgan with null-aware complements: ``not (x < 1)`` → ``x#n >= 1 or x#n missing``),
comparisons of a field with a constant (``< <= > >= == !=``), field-vs-field comparisons
(``m.a < m.b`` with existence guards), ``in`` / ``not in`` as an or of equalities, and
``== null`` / ``!= null`` as ``$nex`` / ``$ex``. Constant sub-expressions are folded.

Precomputed with the reference evaluator into a synthetic slot (``#e1#n``…) of the fact before
it is asserted: every arithmetic operand — ``+ - * /``, unary minus, ``abs``, ``min``, ``max``.
durable can do ``$add/$sub/$mul/$div``, but its results are not rounded (``0.9 <= 0.3 * 3`` is
false in durable and true under our semantics), a missing operand makes the comparison match,
and division by zero does not give null. A comparison used as a value (``(a < b) == flag``)
is precomputed too, as is, for rules over the size limit, the largest boolean sub-expression.
``Conditions.plan`` shows, per rule, the durable conditions and the precomputed expressions.

Numbers (field values and constants) are rounded to ``expr.PRECISION`` places before they reach
durable, so durable's exact double comparisons agree with the reference evaluator.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from json.encoder import encode_basestring as _encode_string  # what json.dumps(ensure_ascii=False) uses
from typing import Any, TypeAlias

from scoring.core.errors import InputError, PerfscoreError
from scoring.rules import expr as ex

Cond: TypeAlias = "bool | dict[str, Any]"

MAX_LOGIC_NODES = 15  # and/or groups one durable rule can hold (MAX_SEQUENCE_EXPRESSIONS 32, 2 slots each)
TYPE_CODES = ("n", "s", "b")  # slot suffixes: number, string, boolean
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_COMPLEMENT = {"$lt": "$gte", "$gte": "$lt", "$lte": "$gt", "$gt": "$lte", "$eq": "$neq", "$neq": "$eq"}


class FactError(InputError):
    """A fact that cannot be given to the rule engine: wrong type, missing kind."""

    def __init__(self, message: str, *, index: int, kind: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.index, self.kind, self.field = index, kind, field

    def __str__(self) -> str:
        where = f"第{self.index + 1}条事实" + (f"（{self.kind}）" if self.kind else "")
        return f"{where}{'字段「' + self.field + '」' if self.field else ''}：{self.args[0]}"


class ConditionError(PerfscoreError):
    """A condition durable_rules cannot express even after precomputing parts of it."""


@dataclass(frozen=True, slots=True)
class CompiledRuleSpec:
    """One rule for the engine: it applies to facts whose ``kind`` equals kind."""

    rule_id: str
    kind: str
    expr: ex.Expr


@dataclass(frozen=True, slots=True, order=True)
class Match:
    """A rule that holds on the fact at fact_index of a run."""

    rule_id: str
    fact_index: int


@dataclass(frozen=True, slots=True)
class RulePlan:
    """How one rule runs: its durable conditions (JSON) and the expressions precomputed in Python."""

    rule_id: str
    kind: str
    durable: tuple[str, ...]
    precomputed: tuple[str, ...]


# ------------------------------------------------------------------------------------------- JSON


def number_json(value: float) -> str:
    text = repr(value)
    mantissa, e, exponent = text.partition("e")
    if e and "." not in mantissa:  # durable's reader needs a fraction before the exponent
        text = f"{mantissa}.0e{exponent}"
    return text


def value_json(value: ex.Scalar) -> str:
    """A fact value as stored in a slot: numbers rounded to the compared precision."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is float:
        return number_json(round(value, ex.PRECISION))
    return _encode_string(str(value))


def to_json(value: object) -> str:
    """JSON as durable's reader accepts it (json.dumps would write 1e-05)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return number_json(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ",".join(to_json(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{to_json(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} for durable")


# ------------------------------------------------------------------------------ condition algebra


def _join(op: str, parts: Sequence[Cond], unit: bool) -> Cond:
    """Flatten an and/or: `unit` is the neutral constant (True for and), its negation absorbs everything."""
    out: list[dict[str, Any]] = []
    for p in parts:
        if p is (not unit):
            return not unit
        if p is unit:
            continue
        assert isinstance(p, dict)
        out.extend(p.get(op, [p]))
    if not out:
        return unit
    return out[0] if len(out) == 1 else {op: out}


def _and(parts: Sequence[Cond]) -> Cond:
    return _join("$and", parts, True)


def _or(parts: Sequence[Cond]) -> Cond:
    return _join("$or", parts, False)


def exists(slot: str, present: bool = True) -> dict[str, Any]:
    return {"$ex" if present else "$nex": {slot: 1}}


def _atom(op: str, slot: str, value: object) -> dict[str, Any]:
    return {slot: value} if op == "$eq" else {op: {slot: value}}


def negate(c: Cond) -> Cond:
    """The exact complement of a condition (logic is two-valued: a missing slot fails every test)."""
    if isinstance(c, bool):
        return not c
    if "$and" in c:
        return _or([negate(p) for p in c["$and"]])
    if "$or" in c:
        return _and([negate(p) for p in c["$or"]])
    if "$ex" in c:
        return {"$nex": c["$ex"]}
    if "$nex" in c:
        return {"$ex": c["$nex"]}
    key = next(iter(c))
    op, (slot, value) = (key, next(iter(c[key].items()))) if key.startswith("$") else ("$eq", (key, c[key]))
    missing = [exists(slot, False)]
    if isinstance(value, dict):  # field reference {"$m": other}
        missing.append(exists(value["$m"], False))
    return _or([_atom(_COMPLEMENT[op], slot, value), *missing])


def count_groups(c: Cond) -> int:
    if isinstance(c, bool):
        return 0
    for key in ("$and", "$or"):
        if key in c:
            return 1 + sum(count_groups(p) for p in c[key])
    return 0


# -------------------------------------------------------------------------------------- compiler


def _code(value: ex.Scalar) -> str:
    return "b" if isinstance(value, bool) else "n" if isinstance(value, float) else "s"


def _slot_value(value: ex.Scalar) -> ex.Scalar:
    return round(value, ex.PRECISION) if isinstance(value, float) and not isinstance(value, bool) else value


@dataclass
class _Operand:
    literal: bool
    value: ex.Scalar = None  # the constant, when literal
    null_literal: bool = False  # the literal `null` (semantics rule 4)
    name: str = ""  # the field or synthetic field, when not literal
    codes: tuple[str, ...] = TYPE_CODES


class _KindCompiler:
    """Compiles the rules of one fact kind; collects the synthetic fields they need."""

    def __init__(self, kind: str, schema: Mapping[str, type] | None, counter: itertools.count[int]) -> None:
        self.kind, self.schema, self.counter = kind, schema, counter
        self.synthetic: dict[str, tuple[str, ex.Expr, str]] = {}  # repr(expr) → (name, expr, code)

    def field_codes(self, name: str) -> tuple[str, ...]:
        if self.schema is not None and name in self.schema:
            t = self.schema[name]
            return ("b",) if t is bool else ("s",) if t is str else ("n",)
        return TYPE_CODES

    def precompute(self, e: ex.Expr, code: str) -> str:
        key = repr(e)
        if key not in self.synthetic:
            self.synthetic[key] = (f"#e{next(self.counter)}", e, code)
        return self.synthetic[key][0]

    def operand(self, e: ex.Expr) -> _Operand:
        if isinstance(e, ex.Literal):
            return _Operand(True, e.value, null_literal=e.value is None)
        if not e.fields():
            return _Operand(True, ex.evaluate(e, {}))
        if isinstance(e, ex.Field):
            return _Operand(False, name=e.name, codes=self.field_codes(e.name))
        code = "n" if isinstance(e, ex.BinOp | ex.Neg | ex.Call) else "b"
        return _Operand(False, name=self.precompute(e, code), codes=(code,))

    def compare(self, op: str, left: ex.Expr, right: ex.Expr) -> Cond:
        a, b = self.operand(left), self.operand(right)
        if op in ("==", "!=") and (a.null_literal or b.null_literal):
            other = b if a.null_literal else a
            want_null = op == "=="
            if other.literal:
                return (other.value is None) == want_null
            slots = [f"{other.name}#{c}" for c in other.codes]
            if want_null:
                return _and([exists(s, False) for s in slots])
            return _or([exists(s) for s in slots])
        if a.literal and b.literal:
            return ex.compare_values(op, a.value, b.value)
        if a.literal:
            a, b, op = b, a, _FLIP[op]
        dop = _OPS.get(op, "$eq")
        if b.literal:
            if b.value is None:
                return False
            code = _code(b.value)
            if (op in ex.ORDER_OPS and code != "n") or code not in a.codes:
                return False
            return _atom(dop, f"{a.name}#{code}", _slot_value(b.value))
        codes = [c for c in a.codes if c in b.codes and (c == "n" or op not in ex.ORDER_OPS)]
        return _or(
            [
                _and(
                    [
                        exists(f"{a.name}#{c}"),
                        exists(f"{b.name}#{c}"),
                        _atom(dop, f"{a.name}#{c}", {"$m": f"{b.name}#{c}"}),
                    ]
                )
                for c in codes
            ]
        )

    def condition(self, e: ex.Expr) -> Cond:
        """The durable condition under which e holds."""
        if not e.fields():
            return ex.holds(e, {})
        match e:
            case ex.Field(name=name):
                return {f"{name}#b": True} if "b" in self.field_codes(name) else False
            case ex.Not(operand=x):
                return negate(self.condition(x))
            case ex.BoolOp(op="and", left=a, right=b):
                return _and([self.condition(a), self.condition(b)])
            case ex.BoolOp(left=a, right=b):
                return _or([self.condition(a), self.condition(b)])
            case ex.Compare(op=op, left=a, right=b):
                return self.compare(op, a, b)
            case ex.In(operand=x, items=items, negated=neg):
                found = _or([self.compare("==", x, item) for item in items])
                return negate(found) if neg else found
        return False  # arithmetic is a number or null, never exactly true

    def pieces(self, e: ex.Expr) -> list[Cond]:
        """Durable conditions (kind guard included) whose union is exactly where e holds."""
        whole = _and([{"#kind": self.kind}, self.condition(e)])
        if count_groups(whole) <= MAX_LOGIC_NODES:
            return [] if whole is False else [whole]
        out: list[Cond] = []
        for disjunct in _disjuncts(e):
            while True:
                c = self.condition(disjunct)
                parts = c["$or"] if isinstance(c, dict) and "$or" in c else [c]
                guarded = [_and([{"#kind": self.kind}, p]) for p in parts]
                if all(count_groups(g) <= MAX_LOGIC_NODES for g in guarded):
                    out.extend(g for g in guarded if g is not False)
                    break
                disjunct = self.shrink(disjunct)
        return out

    def shrink(self, e: ex.Expr) -> ex.Expr:
        """Replace e's largest boolean sub-expression by a precomputed boolean field."""
        candidates: list[ex.Expr] = [n for n in e.walk() if n is not e and isinstance(n, ex.BoolOp | ex.Not | ex.In)]
        if not candidates:
            raise ConditionError(f"条件过于复杂，durable_rules 无法表达：{e!r}")
        target = max(candidates, key=lambda n: count_groups(self.condition(n)))
        name = self.precompute(target, "b")
        return _replace(e, target, ex.Field(name))


def _disjuncts(e: ex.Expr) -> list[ex.Expr]:
    if isinstance(e, ex.BoolOp) and e.op == "or":
        return _disjuncts(e.left) + _disjuncts(e.right)
    return [e]


def _replace(e: ex.Expr, target: ex.Expr, new: ex.Expr) -> ex.Expr:
    if e is target:
        return new
    match e:
        case ex.Not(operand=x):
            return ex.Not(_replace(x, target, new))
        case ex.Neg(operand=x):
            return ex.Neg(_replace(x, target, new))
        case ex.BoolOp(op=op, left=a, right=b):
            return ex.BoolOp(op, _replace(a, target, new), _replace(b, target, new))
        case ex.BinOp(op=op, left=a, right=b):
            return ex.BinOp(op, _replace(a, target, new), _replace(b, target, new))
        case ex.Compare(op=op, left=a, right=b):
            return ex.Compare(op, _replace(a, target, new), _replace(b, target, new))
        case ex.In(operand=x, items=items, negated=neg):
            return ex.In(_replace(x, target, new), items, neg)
        case ex.Call(func=func, args=args):
            return ex.Call(func, tuple(_replace(a, target, new) for a in args))
    return e


# ------------------------------------------------------------------------------ compiled rule sets


@dataclass(frozen=True, slots=True)
class _KindPlan:
    kind_json: str  # '"#kind":"project"'
    fields: tuple[tuple[str, type | None], ...]  # fields read, with the schema type if any
    synthetic: tuple[tuple[str, ex.Expr, str], ...]  # (name, expression, type code) in order
    keys: Mapping[str, str]  # "name#n" → '"name#n":' (JSON written once, not per fact)


class Conditions:
    """The durable conditions of a list of rules, and how to write a fact for them.

    ``conditions`` maps a durable rule key (``r<position>_<piece>``) to its condition and
    ``rule_of_key`` the key to the rule's position; a rule gives several keys when it is split at
    a top-level ``or``, none when it can never hold. ``schema`` (kind → field → type) is optional:
    with it, every rule is type-checked and a mistyped fact value raises FactError.
    """

    def __init__(
        self, rules: Sequence[CompiledRuleSpec], schema: Mapping[str, Mapping[str, type]] | None = None
    ) -> None:
        ids = [r.rule_id for r in rules]
        if len(set(ids)) != len(ids):
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"规则编号重复：{', '.join(dup)}")
        self.rules = tuple(rules)
        counter = itertools.count(1)
        compilers: dict[str, _KindCompiler] = {}
        self.conditions: dict[str, Cond] = {}
        self.rule_of_key: dict[str, int] = {}
        texts_of: list[list[str]] = []
        for position, spec in enumerate(self.rules):
            kind_schema = None if schema is None else schema.get(spec.kind, {})
            if kind_schema is not None:
                ex.infer(spec.expr, kind_schema)
            comp = compilers.setdefault(spec.kind, _KindCompiler(spec.kind, kind_schema, counter))
            texts = []
            for j, piece in enumerate(comp.pieces(spec.expr)):
                key = f"r{position}_{j}"
                self.conditions[key] = piece
                self.rule_of_key[key] = position
                texts.append(to_json(piece))
            texts_of.append(texts)

        self._kinds: dict[str, _KindPlan] = {}
        for kind, comp in compilers.items():
            names = sorted({n for r in self.rules if r.kind == kind for n in r.expr.fields()})
            kind_schema = None if schema is None else schema.get(kind, {})
            fields = tuple((n, None if kind_schema is None else ex.schema_type(kind_schema[n])) for n in names)
            slots = [f"{n}#{c}" for n in [*names, *(s[0] for s in comp.synthetic.values())] for c in TYPE_CODES]
            self._kinds[kind] = _KindPlan(
                f'"#kind":{to_json(kind)}', fields, tuple(comp.synthetic.values()), {k: to_json(k) + ":" for k in slots}
            )
        self.plan = tuple(
            RulePlan(
                spec.rule_id,
                spec.kind,
                tuple(texts),
                tuple(
                    f"{name} = {ex.to_text(e) if '#' not in repr(e) else repr(e)}"
                    for name, e, _ in self._kinds[spec.kind].synthetic
                    if any(f'"{name}#' in t for t in texts)
                ),
            )
            for spec, texts in zip(self.rules, texts_of, strict=True)
        )

    def prepare(self, index: int, fact: Mapping[str, object], fact_id: int) -> str | None:
        """The fact as durable JSON with its typed and precomputed slots; None when no rule reads its kind.

        ``index`` (the fact's place in the run) is written first as ``#idx``; ``fact_id`` must be
        unique among the facts durable holds at once.
        """
        kind = fact.get("kind")
        if not isinstance(kind, str):
            raise FactError("缺少 kind 字段或 kind 不是字符串", index=index)
        plan = self._kinds.get(kind)
        if plan is None:
            return None  # no rule reads this kind: nothing could match
        # Written by hand: this loop is most of a run's cost (durable itself takes a few percent).
        # "#idx" comes first so that _read can take it from an action's message without json.loads.
        parts = [f'{{"#idx":{index},"id":{fact_id},{plan.kind_json}']
        keys = plan.keys
        for name, expected in plan.fields:
            raw = fact.get(name)
            if raw is None:
                continue  # null: the slot stays empty
            kind_of = type(raw)
            if kind_of is float:  # fast paths for what facts mostly hold; ex.scalar for the rest
                if raw - raw != 0:  # type: ignore[operator]  # NaN or ±inf: null
                    continue
                value: ex.Scalar = raw  # type: ignore[assignment]
            elif kind_of is str or kind_of is bool:
                value = raw  # type: ignore[assignment]
            else:
                try:
                    value = ex.scalar(raw)
                except TypeError as exc:
                    raise FactError(str(exc), index=index, kind=kind, field=name) from None
                if value is None:
                    continue
            if expected is not None and type(value) is not expected:
                raise FactError(
                    f"应为{ex.type_name(expected)}，实际为{ex.type_name(type(value))} {value!r}",
                    index=index,
                    kind=kind,
                    field=name,
                )
            parts.append(keys[f"{name}#{_code(value)}"] + value_json(value))
        if plan.synthetic:
            env = dict(fact)
            for name, e, code in plan.synthetic:
                value = ex.evaluate(e, env) if code == "n" else ex.holds(e, env)
                env[name] = value
                if value is not None:
                    parts.append(keys[f"{name}#{code}"] + value_json(value))
        return ",".join(parts) + "}"
