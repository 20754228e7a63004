"""Consistency checks declared in a ruleset's `checks:` section, run on validated data before scoring.

Kinds:
- `sum`: a department field equals the sum of others (一般公共预算 = 基本支出 + 项目支出), with a
  tolerance in 万元 that tells rounding (≤ tolerance, reported as 尾差) from a real mismatch;
- `assert`: an expression that must hold for every project or department (`spent <= budget_final`);
- `rates`: a rate a project reports agrees with the counts it reports, by the indicator library's
  formula (结案率 = 结案数 / 立案数 × 100), within `tolerance` percentage points;
- `magnitude`: money that looks written in 元 where 万元 is expected (an amount `factor` times the
  department's median project amount, and at least `minimum` 万元);
- `weights`: the 分值 a project gives its indicators add up to `expect` (e.g. 90 when 执行率 takes 10);
- `text`: the 核对 rows kept beside the data (from `perfscore extract`) whose 类别 is in `kinds`
  (年度, 数据期间, 金额单位): each becomes a check row titled by its 类别, status 不符 → fail, else note.
The results are facts for the findings rules.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from scoring.core.frames import records
from scoring.core.tolerance import EPS, MONEY_PLACES
from scoring.model.dataset import Dataset
from scoring.model.derived import department_fields, with_fund_ratios
from scoring.rules import expr
from scoring.rules.check_rules import PROJECT_FIELDS, Check
from scoring.rules.finding_rules import render
from scoring.rules.indicators import Library

STATUS_ZH = {"fail": "不符", "rounding": "尾差", "note": "提示"}  # how reports and exports name a check's status
CHECK_COLUMNS = (
    "dept_code",
    "check_id",
    "title",
    "severity",
    "status",
    "subject",
    "expected",
    "actual",
    "difference",
    "message",
)


def project_fields(ds: Dataset) -> pd.DataFrame:
    return with_fund_ratios(ds.projects)[list(PROJECT_FIELDS)]


@dataclass(frozen=True)
class CheckInput:
    """What every check kind may look at, computed once per run.

    departments: department_fields (declared budget lines and derived rates), indexed by dept_code;
    projects: PROJECT_FIELDS, one row per project."""

    dataset: Dataset
    library: Library
    departments: pd.DataFrame
    projects: pd.DataFrame


CheckRunner = Callable[[Check, CheckInput], list[dict[str, Any]]]

# kind → the function that runs it; each returns CHECK_COLUMNS rows. The compile side is
# scoring.rules.check_rules.CHECK_KINDS: a new kind is one compiler there and one runner here.
RUNNERS: dict[str, CheckRunner] = {}


def runs(kind: str) -> Callable[[CheckRunner], CheckRunner]:
    """Register the runner of a check kind."""

    def register(fn: CheckRunner) -> CheckRunner:
        RUNNERS[kind] = fn
        return fn

    return register


def run_checks(ds: Dataset, checks: Sequence[Check], library: Library) -> pd.DataFrame:
    """One row per check and subject that failed or matched only within rounding (CHECK_COLUMNS)."""
    if not checks:
        return pd.DataFrame(columns=list(CHECK_COLUMNS))
    data = CheckInput(ds, library, department_fields(ds, library), project_fields(ds))
    rows = [row for chk in checks for row in RUNNERS[chk.kind](chk, data)]
    return pd.DataFrame(rows, columns=list(CHECK_COLUMNS))


@runs("assert")
def _assert_rows(chk: Check, data: CheckInput) -> list[dict[str, Any]]:
    """Every project or department for which the expression is not true (and whose fields are filled in)."""
    assert chk.condition is not None  # compile_checks gives every assert check its condition
    frame = data.departments.reset_index() if chk.on == "department" else data.projects
    dept_names = dict(zip(data.dataset.departments["dept_code"], data.dataset.departments["dept_name"], strict=True))
    rows = []
    for rec in records(frame):
        fact = {k: (None if _isna(v) else v) for k, v in rec.items()}
        if expr.evaluate(chk.condition, fact) is not True and _has_inputs(chk, fact):
            subject = str(fact.get("project_name") or dept_names.get(fact["dept_code"]) or fact["dept_code"])
            rows.append(_row(chk, fact["dept_code"], subject, f"{subject}：{_message(chk, fact)}"))
    return rows


def _message(chk: Check, fact: Mapping[str, object]) -> str:
    """An assert check's message, its {field} / {field:wan} placeholders filled from the fact (as findings
    templates are), so that "三公经费支出{sangong_spent:wan}超过预算{sangong_budget_final:wan}" says the figures."""
    text = chk.message or chk.title
    try:
        return render(text, fact) if "{" in text else text
    except (KeyError, ValueError):
        return text


def _isna(v: object) -> bool:
    return v is None or (isinstance(v, float) and v != v)


def _has_inputs(chk: Check, fact: Mapping[str, object]) -> bool:
    """A check over fields a department did not fill in is not a failure: nothing to compare."""
    assert chk.condition is not None
    return all(fact.get(f) is not None for f in chk.condition.fields())


@runs("sum")
def _sum_rows(chk: Check, data: CheckInput) -> list[dict[str, Any]]:
    dept = data.departments
    rows = []
    have = dept[[chk.left, *chk.right]].notna().all(axis=1)
    given = dept[chk.left]
    total = dept[list(chk.right)].sum(axis=1)
    diff = (given - total).round(MONEY_PLACES)
    for code in dept.index[have]:
        d = float(diff[code])
        if abs(d) < EPS:
            continue
        status = "rounding" if abs(d) <= chk.tolerance + EPS else "fail"
        left, right = float(given[code]), float(total[code])
        note = "（尾差，属四舍五入）" if status == "rounding" else ""
        rows.append(
            _row(
                chk,
                code,
                chk.title,
                f"{chk.title}：{left:,.2f} 万元 ≠ {right:,.2f} 万元，相差 {d:+,.2f} 万元{note}",
                right,
                left,
                status,
                severity="low" if status == "rounding" else None,
            )
        )
    return rows


def _row(
    chk: Check,
    dept: object,
    subject: str,
    message: str,
    expected: float | None = None,
    actual: float | None = None,
    status: str = "fail",
    severity: str | None = None,
    title: str | None = None,
) -> dict[str, Any]:
    """One CHECK_COLUMNS row; the difference is actual − expected (rounded to MONEY_PLACES, 万元 noise)."""
    diff = None if expected is None or actual is None else round(actual - expected, MONEY_PLACES)
    return {
        "dept_code": dept,
        "check_id": chk.id,
        "title": title or chk.title,
        "severity": severity or chk.severity,
        "status": status,
        "subject": subject,
        "expected": expected,
        "actual": actual,
        "difference": diff,
        "message": message,
    }


def _project_key(key: Hashable) -> tuple[str, str]:
    """A (dept_code, project_code) index label; pandas types labels only as Hashable."""
    return cast(tuple[str, str], key)


def _project_names(ds: Dataset) -> dict[tuple[str, str], str]:
    p = ds.projects
    return dict(zip(zip(p["dept_code"], p["project_code"], strict=True), p["project_name"], strict=True))


@runs("rates")
def _rate_rows(chk: Check, data: CheckInput) -> list[dict[str, Any]]:
    """Rates against their counts, for every library indicator whose formula names other indicators."""
    assert chk.params is not None
    ds, library = data.dataset, data.library
    ind = ds.indicators[ds.indicators["actual"].notna() & (ds.indicators["project_code"] != "")]
    values = ind.drop_duplicates(["dept_code", "project_code", "indicator_id"]).pivot(
        index=["dept_code", "project_code"], columns="indicator_id", values="actual"
    )
    names = _project_names(ds)
    rows = []
    for spec in library.indicators.values():
        if not spec.formula or spec.id not in values:
            continue
        parsed = expr.parse(spec.formula)
        needed = sorted(parsed.fields(), key=spec.formula.index)  # in the formula's own order
        if not needed or not all(n in values for n in needed):
            continue
        for label, rec in values[[spec.id, *needed]].dropna().iterrows():
            key = _project_key(label)
            computed = expr.evaluate(parsed, {n: float(rec[n]) for n in needed})
            if not isinstance(computed, float):
                continue
            reported = float(rec[spec.id])
            if abs(reported - computed) > chk.params["tolerance"] + EPS:
                subject = f"{names.get(key, key[1])}·{spec.id}"
                counts = "、".join(f"{n} {rec[n]:g}" for n in needed)
                rows.append(
                    _row(
                        chk,
                        key[0],
                        subject,
                        f"“{names.get(key, key[1])}”报告{spec.id} {reported:g}%，但按{counts} 计算为 "
                        f"{computed:.2f}%（{spec.formula}）",
                        computed,
                        reported,
                    )
                )
    return rows


@runs("magnitude")
def _magnitude_rows(chk: Check, data: CheckInput) -> list[dict[str, Any]]:
    """Project amounts a thousandfold above the department's median look like 元 written for 万元."""
    assert chk.params is not None
    ds = data.dataset
    rows = []
    money = [("budget_initial", "年初预算数"), ("budget_final", "全年预算数"), ("spent", "全年执行数")]
    p = ds.projects
    for field, label in money:
        median = p.groupby("dept_code")[field].transform("median")
        odd = (p[field] >= chk.params["minimum"]) & (p[field] >= chk.params["factor"] * median)
        for r in p[odd].itertuples():
            value = float(getattr(r, field))
            rows.append(
                _row(
                    chk,
                    r.dept_code,
                    str(r.project_name),
                    f"“{r.project_name}”{label} {value:,.2f} 万元，远高于本部门其他项目，疑似以元填报"
                    f"（折合 {value / 10000:,.2f} 万元）",
                    None,
                    value,
                )
            )
    return rows


@runs("weights")
def _weight_rows(chk: Check, data: CheckInput) -> list[dict[str, Any]]:
    """Given 分值 that do not add up: only projects that filled in 分值 for every indicator."""
    assert chk.params is not None
    ds = data.dataset
    ind = ds.indicators[ds.indicators["project_code"] != ""]
    g = ind.groupby(["dept_code", "project_code"])["weight"]
    full = g.count() == g.size()
    sums = g.sum()[full]
    names = _project_names(ds)
    rows = []
    expect, tol = chk.params["expect"], chk.params["tolerance"]
    for label, total in sums.items():
        key = _project_key(label)
        if abs(float(total) - expect) > tol:
            name = names.get(key, key[1])
            rows.append(
                _row(
                    chk,
                    key[0],
                    str(name),
                    f"“{name}”各绩效指标分值合计 {float(total):g} 分，应为 {expect:g} 分",
                    expect,
                    float(total),
                )
            )
    return rows


@runs("text")
def _text_rows(chk: Check, data: CheckInput) -> list[dict[str, Any]]:
    """核对 rows of the wanted kinds, as check rows titled by their 类别 (年度, 数据期间, 金额单位)."""
    notes = data.dataset.notes
    if notes.empty:
        return []
    rows = []
    for r in notes[notes["kind"].isin(chk.kinds)].itertuples():
        status = "fail" if str(r.status) == "不符" else "note"
        rows.append(_row(chk, r.dept_code, str(r.subject or ""), str(r.message), status=status, title=str(r.kind)))
    return rows
