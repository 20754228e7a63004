"""Consistency-check rules from a ruleset's `checks:` section, compiled before any data is read (run by scoring.pipeline.checks)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from scoring.core.errors import RulesetError, did_you_mean
from scoring.core.severity import SEVERITIES
from scoring.core.yamlio import file_of, line_of
from scoring.rules import expr
from scoring.rules.indicators import Library

PROJECT_FIELDS = (
    "dept_code",
    "project_code",
    "project_name",
    "budget_initial",
    "budget_final",
    "spent",
    "carryover",
    "period_months",
    "execution_rate",
    "adjustment_rate",
)


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    kind: str  # a key of CHECK_KINDS
    on: Literal["department", "project"]
    severity: str
    left: str | None = None
    right: tuple[str, ...] = ()
    tolerance: float = 0.01
    condition: expr.Expr | None = None
    message: str = ""
    line: int | None = None
    params: Mapping[str, float] | None = None
    kinds: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompileContext:
    """What a kind's compiler may need besides its YAML item: where it was written and the indicator library."""

    file: Path | str
    library: Library


CheckCompiler = Callable[[Mapping[str, Any], Check, CompileContext], Check]


@dataclass(frozen=True, slots=True)
class CheckKind:
    """How one `kind:` compiles: `compile(item, base, ctx)` returns `base` (id, title, kind, on, severity,
    line set) completed with the kind's own keys, or raises RulesetError."""

    compile: CheckCompiler
    default_on: Literal["department", "project"] = "project"


# kind → compiler, in the order the error hint lists them. scoring.pipeline.checks.RUNNERS runs each kind.
CHECK_KINDS: dict[str, CheckKind] = {}


def check_kind(
    name: str, *, default_on: Literal["department", "project"] = "project"
) -> Callable[[CheckCompiler], CheckCompiler]:
    """Register the compiler of a check kind (the run side registers with scoring.pipeline.checks.runs)."""

    def register(fn: CheckCompiler) -> CheckCompiler:
        CHECK_KINDS[name] = CheckKind(fn, default_on)
        return fn

    return register


def compile_checks(raw: Iterable[Mapping[str, Any]], *, file: Path | str, library: Library) -> tuple[Check, ...]:
    out: list[Check] = []
    for item in raw:
        cid = str(item.get("id") or "")
        line = line_of(item)
        where = file_of(item, file)
        if not cid:
            raise RulesetError("检查缺少 id", file=where, line=line)
        kind = item.get("kind", "assert")
        spec = CHECK_KINDS.get(kind)
        on = item.get("on", spec.default_on if spec else "project")
        severity = item.get("severity", "medium")
        if spec is None or on not in ("department", "project") or severity not in SEVERITIES:
            raise RulesetError(
                "检查的 kind/on/severity 取值有误",
                file=where,
                rule=cid,
                line=line,
                hint="kind: " + "|".join(CHECK_KINDS) + "，on: department|project，severity: high|medium|low",
            )
        base = Check(cid, str(item.get("title", cid)), kind, on, severity, line=line)
        out.append(spec.compile(item, base, CompileContext(where, library)))
    return tuple(out)


def _fields(on: str, ctx: CompileContext) -> Sequence[str]:
    return ctx.library.department_fields() if on == "department" else PROJECT_FIELDS


@check_kind("sum", default_on="department")
def _sum(item: Mapping[str, Any], base: Check, ctx: CompileContext) -> Check:
    """A field equals the sum of others, within `tolerance` 万元 (rounding, reported as 尾差)."""
    known = _fields(base.on, ctx)
    left, right = str(item.get("left", "")), tuple(str(r) for r in item.get("right") or ())
    for f in (left, *right):
        if f not in known:
            raise RulesetError(
                f"未知字段 '{f}'", file=ctx.file, rule=base.id, line=base.line, hint=did_you_mean(f, known)
            )
    return replace(
        base, left=left, right=right, tolerance=float(item.get("tolerance", 0.01)), message=str(item.get("message", ""))
    )


@check_kind("assert")
def _assert(item: Mapping[str, Any], base: Check, ctx: CompileContext) -> Check:
    """An expression over project or department fields that must hold (`expect:`)."""
    known = _fields(base.on, ctx)
    try:
        cond = expr.parse(str(item.get("expect", "")))
    except ValueError as exc:
        raise RulesetError(f"表达式无法解析：{exc}", file=ctx.file, rule=base.id, line=base.line) from exc
    unknown = expr.check_fields(cond, known)
    if unknown:
        raise RulesetError(
            f"未知字段 '{unknown[0]}'",
            file=ctx.file,
            rule=base.id,
            line=base.line,
            hint=did_you_mean(unknown[0], known),
        )
    return replace(base, tolerance=0.0, condition=cond, message=str(item.get("message", "")))


def _with_params(defaults: Mapping[str, float]) -> CheckCompiler:
    """A per-project check whose YAML gives only numbers, each with a default."""

    def compile_params(item: Mapping[str, Any], base: Check, ctx: CompileContext) -> Check:
        params: dict[str, float] = {}
        for k, v in defaults.items():
            given = item.get(k, v)
            if isinstance(given, bool) or not isinstance(given, int | float) or given != given:  # NaN too
                raise RulesetError(
                    f"检查参数 {k} 应为数值，而不是 '{given}'", file=ctx.file, rule=base.id, line=base.line
                )
            params[k] = float(given)
        return replace(base, on="project", message=str(item.get("message", "")), params=params)

    return compile_params


check_kind("rates")(_with_params({"tolerance": 0.05}))
check_kind("magnitude")(_with_params({"factor": 1000.0, "minimum": 10000.0}))
check_kind("weights")(_with_params({"expect": 90.0, "tolerance": 0.01}))


@check_kind("text")
def _text(item: Mapping[str, Any], base: Check, ctx: CompileContext) -> Check:
    """核对 rows of the given 类别 kept beside the data (from `perfscore extract`)."""
    wanted = tuple(str(k) for k in item.get("kinds") or ("年度", "数据期间", "金额单位"))
    return replace(base, on="department", kinds=wanted)
