"""Results use (结果应用): each department's grade and budget execution → a suggested budget treatment.

The mapping lives in rulesets/fragments/results-use.yaml (until the ruleset schema being rebuilt takes a
``results_use:`` section): a suggestion per grade (e.g. 差 → 压减下年预算 10 %) and one for a budget execution
rate (全年执行数 / 全年预算数) below a threshold for several years running (e.g. < 60 % two years → 收回/调减).
They are written as suggestions for the reviewer, never decisions (财预〔2020〕10号, 评价结果应用).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tabulate import tabulate

from scoring.core import resources
from scoring.core.errors import RulesetError, UsageError
from scoring.core.escape import md_rows
from scoring.core.frames import iter_rows
from scoring.core.yamlio import load_yaml, strip_lines
from scoring.store.backend import StoreError
from scoring.store.location import open_store
from scoring.store.yearly import pick_ruleset


@dataclass(frozen=True, slots=True)
class GradeRule:
    treatment: str
    text: str
    adjust: float | None = None


@dataclass(frozen=True, slots=True)
class ResultsUse:
    """The mapping as loaded: grade → GradeRule, and the repeated-low-execution rule."""

    grades: dict[str, GradeRule]
    below: float
    years: int
    treatment: str
    text: str


@dataclass(frozen=True, slots=True)
class BudgetSuggestion:
    """One suggestion for one department (a department may get a grade one and an execution one)."""

    year: int
    dept_code: str
    dept_name: str
    grade: str
    kind: str  # grade | execution
    treatment: str
    adjust: float | None
    basis: str


def default_path() -> Path:
    return resources.rulesets_dir() / "fragments" / "results-use.yaml"


def load_results_use(path: Path | None = None) -> ResultsUse:
    """Read and check the mapping; a wrong key or value fails with the file and what to fix."""
    file = path or default_path()
    try:
        raw: Any = strip_lines(load_yaml(file))
    except OSError as exc:
        raise RulesetError(f"无法读取结果应用配置：{exc.strerror or exc}", file=file) from exc
    if not isinstance(raw, dict) or set(raw) - {"version", "grades", "execution"} or "grades" not in raw:
        raise RulesetError("结果应用配置应只含 version、grades、execution", file=file)
    grades: dict[str, GradeRule] = {}
    for grade, spec in (raw["grades"] or {}).items():
        if not isinstance(spec, dict) or set(spec) - {"treatment", "text", "adjust"} or "treatment" not in spec:
            raise RulesetError(f"等级「{grade}」应写 treatment、text，可选 adjust", file=file, rule=str(grade))
        adjust = spec.get("adjust")
        if adjust is not None and not (isinstance(adjust, int | float) and -1 <= adjust <= 1):
            raise RulesetError(
                f"等级「{grade}」的 adjust 应为 -1 到 1 之间的比例（-0.10 = 压减 10%）", file=file, rule=str(grade)
            )
        grades[str(grade)] = GradeRule(
            str(spec["treatment"]), str(spec.get("text", spec["treatment"])), None if adjust is None else float(adjust)
        )
    ex = raw.get("execution") or {}
    if set(ex) - {"below", "years", "treatment", "text"}:
        raise RulesetError("execution 应只含 below、years、treatment、text", file=file, rule="execution")
    below, years = ex.get("below", 0.6), ex.get("years", 2)
    if not (isinstance(below, int | float) and 0 < below <= 1) or not (isinstance(years, int) and years >= 1):
        raise RulesetError("execution.below 应为 0–1 的比例，years 为正整数", file=file, rule="execution")
    return ResultsUse(
        grades,
        float(below),
        years,
        str(ex.get("treatment", "收回或调减")),
        str(ex.get("text", "预算执行率连续 {years} 年低于 {below}（{rates}）")),
    )


def suggest_budget(
    location: str | Path, year: int, *, ruleset: str | None = None, mapping: ResultsUse | None = None
) -> list[BudgetSuggestion]:
    """Suggestions for every department stored for `year`, by department code (grade first, then execution)."""
    use = mapping or load_results_use()
    store = open_store(location)
    if not store.exists():
        raise StoreError(f"{location} 不是 perfscore 存储（还没有存入过结果）")
    rs = pick_ruleset(store, [year], ruleset)
    span = list(range(year - use.years + 1, year + 1))
    rates: dict[str, dict[int, float]] = {}
    for y in span:
        for d in iter_rows(store.departments(y, rs)):
            if d.budget_final is not None and d.spent is not None and float(d.budget_final) > 0:
                rates.setdefault(str(d.dept_code), {})[y] = float(d.spent) / float(d.budget_final)
    out: list[BudgetSuggestion] = []
    for d in iter_rows(store.departments(year, rs).sort_values("dept_code")):
        code, grade = str(d.dept_code), str(d.grade)
        rule = use.grades.get(grade)
        if rule is not None:
            out.append(
                BudgetSuggestion(
                    year,
                    code,
                    str(d.dept_name),
                    grade,
                    "grade",
                    rule.treatment,
                    rule.adjust,
                    f"{rule.text}（{year} 年总分 {float(d.total):.2f}）",
                )
            )
        mine = rates.get(code, {})
        if len(mine) == use.years and all(mine[y] < use.below for y in span):
            shown = "、".join(f"{y} 年 {mine[y] * 100:.2f}%" for y in span)
            out.append(
                BudgetSuggestion(
                    year,
                    code,
                    str(d.dept_name),
                    grade,
                    "execution",
                    use.treatment,
                    None,
                    use.text.format(years=use.years, below=f"{use.below * 100:g}%", rates=shown),
                )
            )
    return out


def render_budget(suggestions: Sequence[BudgetSuggestion], fmt: str = "table") -> str:
    """Suggestions as `table`, `md` or `json`, under a heading that says they are suggestions."""
    if fmt == "json":
        return json.dumps([asdict(s) for s in suggestions], ensure_ascii=False, indent=2)
    head = ["部门", "等级", "建议", "调整比例", "依据"]
    rows = [
        [
            f"{s.dept_name}（{s.dept_code}）",
            s.grade,
            s.treatment,
            "" if s.adjust is None else f"{s.adjust * 100:+g}%",
            s.basis,
        ]
        for s in suggestions
    ]
    title = "结果应用建议（供审核参考，不是预算安排决定）"
    if fmt == "md":
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        return f"## {title}\n\n" + "\n".join(lines + ["| " + " | ".join(r) + " |" for r in md_rows(rows)]) + "\n"
    if fmt != "table":
        raise UsageError(f"不支持格式「{fmt}」", hint="可用 table、md、json")
    return title + "\n" + tabulate(rows, head, disable_numparse=True) + "\n"
