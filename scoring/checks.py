"""Consistency checks declared in a ruleset's `checks:` section, run on validated data before scoring.

Two kinds:
- `sum`: a department field equals the sum of others (一般公共预算 = 基本支出 + 项目支出), with a
  tolerance in 万元 that tells rounding (≤ tolerance, reported as 尾差) from a real mismatch;
- `assert`: an expression that must hold for every project or department (`spent <= budget_final`).
The results are facts for the findings rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from scoring import expr
from scoring.errors import RulesetError, did_you_mean
from scoring.indicators import Library
from scoring.validate import Dataset, department_fields
from scoring.yamlio import line_of

PROJECT_FIELDS = ("dept_code", "project_code", "project_name", "budget_initial", "budget_final", "spent",
                  "carryover", "period_months", "execution_rate", "adjustment_rate")
SEVERITIES = ("high", "medium", "low")
CHECK_COLUMNS = ("dept_code", "check_id", "title", "severity", "status", "subject", "expected", "actual",
                 "difference", "message")


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    title: str
    kind: Literal["sum", "assert"]
    on: Literal["department", "project"]
    severity: str
    left: str | None = None
    right: tuple[str, ...] = ()
    tolerance: float = 0.01
    condition: expr.Expr | None = None
    message: str = ""
    line: int | None = None


def compile_checks(raw: Iterable[Mapping[str, Any]], *, file: Path | str, library: Library) -> tuple[Check, ...]:
    dept_fields = library.department_fields()
    out: list[Check] = []
    for item in raw:
        cid = str(item.get("id") or "")
        line = line_of(item)
        if not cid:
            raise RulesetError("检查缺少 id", file=file, line=line)
        kind = item.get("kind", "assert")
        on = item.get("on", "department" if kind == "sum" else "project")
        severity = item.get("severity", "medium")
        if kind not in ("sum", "assert") or on not in ("department", "project") or severity not in SEVERITIES:
            raise RulesetError("检查的 kind/on/severity 取值有误", file=file, rule=cid, line=line,
                               hint="kind: sum|assert，on: department|project，severity: high|medium|low")
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


def project_fields(ds: Dataset) -> pd.DataFrame:
    p = ds.projects.copy()
    p["execution_rate"] = p["spent"] / p["budget_final"].where(p["budget_final"] > 0)
    p["adjustment_rate"] = (p["budget_final"] - p["budget_initial"]).abs() / p["budget_initial"].where(
        p["budget_initial"] > 0)
    return p[list(PROJECT_FIELDS)]


def run_checks(ds: Dataset, checks: Sequence[Check], library: Library) -> pd.DataFrame:
    """One row per check and subject that failed or matched only within rounding (CHECK_COLUMNS)."""
    rows: list[dict[str, Any]] = []
    if not checks:
        return pd.DataFrame(columns=list(CHECK_COLUMNS))
    dept = department_fields(ds, library)
    proj = project_fields(ds)
    for chk in checks:
        if chk.kind == "sum":
            rows += _sum_rows(chk, dept)
        else:
            frame = dept.reset_index() if chk.on == "department" else proj
            for rec in frame.to_dict("records"):
                fact = {k: (None if _isna(v) else v) for k, v in rec.items()}
                if expr.evaluate(chk.condition, fact) is not True and _has_inputs(chk, fact):
                    subject = str(fact.get("project_name") or fact.get("dept_code"))
                    rows.append({"dept_code": fact["dept_code"], "check_id": chk.id, "title": chk.title,
                                 "severity": chk.severity, "status": "fail", "subject": subject,
                                 "expected": None, "actual": None, "difference": None,
                                 "message": f"{subject}：{chk.message or chk.title}"})
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


def _isna(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _has_inputs(chk: Check, fact: Mapping[str, object]) -> bool:
    """A check over fields a department did not fill in is not a failure: nothing to compare."""
    assert chk.condition is not None
    return all(fact.get(f) is not None for f in chk.condition.fields())


def _sum_rows(chk: Check, dept: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    have = dept[[chk.left, *chk.right]].notna().all(axis=1)  # type: ignore[list-item]
    total = dept[list(chk.right)].sum(axis=1)
    diff = (dept[chk.left] - total).round(6)
    for code in dept.index[have]:
        d = float(diff[code])
        if abs(d) < 1e-9:
            continue
        status = "rounding" if abs(d) <= chk.tolerance + 1e-9 else "fail"
        left, right = float(dept.at[code, chk.left]), float(total[code])
        note = "（尾差，属四舍五入）" if status == "rounding" else ""
        rows.append({"dept_code": code, "check_id": chk.id, "title": chk.title, "severity":
                     "low" if status == "rounding" else chk.severity, "status": status, "subject": chk.title,
                     "expected": right, "actual": left, "difference": d,
                     "message": f"{chk.title}：{left:,.2f} 万元 ≠ {right:,.2f} 万元，相差 {d:+,.2f} 万元{note}"})
    return rows
