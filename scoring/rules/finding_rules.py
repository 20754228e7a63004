"""Finding rules from a ruleset's `findings:` section and their message templates, compiled before any data is read."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from scoring.core.errors import RulesetError, did_you_mean
from scoring.core.severity import SEVERITIES, SEVERITY_ALIASES
from scoring.core.yamlio import FILE_KEY, LINE_KEY
from scoring.rules import expr as ex

REQUIRED = ("id", "on", "when", "severity", "category", "problem", "cause", "measure")


OPTIONAL = ("merge_key", "problem_merged", "cause_given")


TEMPLATE_KEYS = ("problem", "cause", "measure", "merge_key", "problem_merged", "cause_given")


# problem_merged (optional) replaces the joined problems when several facts merge into one finding;
# besides the fact's fields it may use {subjects} (the merged subjects, “…”、“…”) and {count}.
MERGED_FIELDS: Mapping[str, type] = {"subjects": str, "count": float}


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
    cause_given: str | None = None  # used instead of cause when every field it names is filled ("单位说明：…")


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


def format_numbers(values: Sequence[float], spec: str = "") -> list[str]:
    """format_value of each finite float, the same texts without the per-value dispatch (findings fill a
    template for many facts at once)."""
    if not spec:
        return [_plain(Decimal(repr(v))) for v in values]
    fixed = _FIXED.fullmatch(spec)
    places = 2 if spec in ("pct", "wan") else int(fixed.group(1)) if fixed else None
    if places is None:
        return [format_value(v, spec) for v in values]  # raises what format_value raises
    quantum = Decimal(1).scaleb(-places)
    if spec == "pct":
        return [_plain((Decimal(repr(v)) * 100).quantize(quantum, rounding=ROUND_HALF_UP)) + "%" for v in values]
    if spec == "wan":
        return [f"{Decimal(repr(v)).quantize(quantum, rounding=ROUND_HALF_UP):,.2f}万元" for v in values]
    return [format(Decimal(repr(v)).quantize(quantum, rounding=ROUND_HALF_UP), "f") for v in values]


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


def compile_findings(
    raw: Sequence[Mapping[str, Any]],
    *,
    file: str | Path,
    schema: Mapping[str, Mapping[str, type]],
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

        def fail(
            message: str, hint: str = "", rule_name: str = rule_name, line: int | None = line, where: Path | str = where
        ) -> RulesetError:
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
            raise fail(
                f"severity 应为 high / medium / low，而不是 '{item['severity']}'", did_you_mean(severity, SEVERITIES)
            )

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

        rules.append(
            FindingRule(
                id=rule_id,
                on=on,
                when=when,
                severity=severity,
                category=item["category"],
                problem=item["problem"],
                cause=item["cause"],
                measure=item["measure"],
                merge_key=merge_key,
                line=line,
                problem_merged=item.get("problem_merged"),
                cause_given=item.get("cause_given"),
            )
        )
    return tuple(rules)
