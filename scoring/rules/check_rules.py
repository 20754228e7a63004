"""Consistency-check rules from a ruleset's `checks:` section, compiled before any data is read (run by scoring.pipeline.checks)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from scoring.core.errors import RulesetError, did_you_mean
from scoring.core.severity import SEVERITIES
from scoring.core.yamlio import file_of, line_of
from scoring.rules import expr
from scoring.rules.indicators import Library

PROJECT_FIELDS = ("dept_code", "project_code", "project_name", "budget_initial", "budget_final", "spent",
                  "carryover", "period_months", "execution_rate", "adjustment_rate")


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    kind: Literal["sum", "assert", "rates", "magnitude", "weights", "text"]
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


def compile_checks(raw: Iterable[Mapping[str, Any]], *, file: Path | str, library: Library) -> tuple[Check, ...]:
    origin = file
    dept_fields = library.department_fields()
    out: list[Check] = []
    for item in raw:
        cid = str(item.get("id") or "")
        line = line_of(item)
        file = file_of(item, origin)
        if not cid:
            raise RulesetError("检查缺少 id", file=file, line=line)
        kind = item.get("kind", "assert")
        on = item.get("on", "department" if kind == "sum" else "project")
        severity = item.get("severity", "medium")
        kinds = ("sum", "assert", "rates", "magnitude", "weights", "text")
        if kind not in kinds or on not in ("department", "project") or severity not in SEVERITIES:
            raise RulesetError("检查的 kind/on/severity 取值有误", file=file, rule=cid, line=line,
                               hint="kind: " + "|".join(kinds) + "，on: department|project，severity: high|medium|low")
        if kind == "text":
            wanted = tuple(str(k) for k in item.get("kinds") or ("年度", "数据期间", "金额单位"))
            out.append(Check(cid, str(item.get("title", cid)), "text", "department", severity, line=line,
                             kinds=wanted))
            continue
        if kind in ("rates", "magnitude", "weights"):
            defaults = {"rates": {"tolerance": 0.05}, "magnitude": {"factor": 1000.0, "minimum": 10000.0},
                        "weights": {"expect": 90.0, "tolerance": 0.01}}[kind]
            params = {k: float(item.get(k, v)) for k, v in defaults.items()}
            out.append(Check(cid, str(item.get("title", cid)), kind, "project", severity,
                             message=str(item.get("message", "")), line=line, params=params))
            continue
        known = dept_fields if on == "department" else PROJECT_FIELDS
        if kind == "sum":
            left, right = str(item.get("left", "")), tuple(str(r) for r in item.get("right") or ())
            for f in (left, *right):
                if f not in known:
                    raise RulesetError(f"未知字段 '{f}'", file=file, rule=cid, line=line, hint=did_you_mean(f, known))
            out.append(Check(cid, str(item.get("title", cid)), "sum", on, severity, left, right,
                             float(item.get("tolerance", 0.01)), None, str(item.get("message", "")), line))
        else:
            try:
                cond = expr.parse(str(item.get("expect", "")))
            except ValueError as exc:
                raise RulesetError(f"表达式无法解析：{exc}", file=file, rule=cid, line=line) from exc
            unknown = expr.check_fields(cond, known)
            if unknown:
                raise RulesetError(f"未知字段 '{unknown[0]}'", file=file, rule=cid, line=line,
                                   hint=did_you_mean(unknown[0], known))
            out.append(Check(cid, str(item.get("title", cid)), "assert", on, severity, None, (), 0.0, cond,
                             str(item.get("message", "")), line))
    return tuple(out)

