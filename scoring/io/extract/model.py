"""What an extraction produces: facts with where they were read, 核对 issues, and the rows of the input tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from scoring.core.severity import Severity

Confidence = Literal["高", "中", "低", "推算"]
SOURCE_SHEET: Final = "提取来源"
CHECK_SHEET: Final = "核对"
ROUNDING: Final = 0.05  # 万元：不超过此差额视为四舍五入尾差（与 rulesets/fragments/common-checks.yaml 一致）


@dataclass(frozen=True, slots=True)
class Fact:
    """One value read from the report, with where and how it was found."""

    table: str  # the sheet it goes to: 单位信息 / 预算收支 / 项目支出 / 绩效指标 / 整体绩效指标
    subject: str  # 科目, 项目名称 or 指标名称; the department name for 单位信息
    field: str  # schema field (spent, budget_final, dept_name, actual …)
    value: str | float | int
    text: str  # as written in the report: "1,255.11万元", "112252件"
    offset: int  # 0-based character offset of `text` in the report text
    sentence: str
    pattern: str  # id of the pattern that found it: "立案数/1", "budget:amount", "generic:count" …
    confidence: Confidence = "高"
    project: str = ""  # 项目编码 the fact belongs to
    note: str = ""


@dataclass(frozen=True, slots=True)
class Issue:
    """One row of the 核对 sheet: a text check or a sum check that did not pass cleanly."""

    kind: str  # 年度 / 数据期间 / 金额单位 / 勾稽关系 / 项目核对 / 单位信息 / 指标
    severity: Severity
    status: str  # 不符 / 尾差 / 提示
    subject: str
    message: str
    sentence: str = ""
    offset: int | None = None
    check_id: str = ""


@dataclass(frozen=True, slots=True)
class BudgetLine:
    """One row of 预算收支 (万元); None where the report does not say."""

    key: str
    line: str
    budget_initial: float | None = None
    budget_final: float | None = None
    spent: float | None = None


@dataclass(frozen=True, slots=True)
class Project:
    """One row of 项目支出 (万元)."""

    code: str
    name: str
    fund_type: str
    budget_initial: float | None
    budget_final: float | None
    spent: float | None
    carryover: float | None
    period: str = ""
    list_name: str = ""  # the name in the 项目支出情况 list when it differs


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One row of 绩效指标 (or 整体绩效指标 when project is ""); the target is left for the reviewer unless the
    report states it (a 绩效目标 paragraph or an indicator table)."""

    project: str
    level1: str
    level2: str
    name: str
    actual: str
    confidence: Confidence
    indicator_id: str = ""
    target: str = ""


@dataclass(frozen=True, slots=True)
class Figure:
    """One headline amount (万元) and what it means, for the unit (project "") or a named project."""

    meaning: str  # initial 年初预算 / final 全年预算 / received 到位 / spent 执行 / carryover 结转结余
    value: float
    text: str  # as written: "985万元"
    offset: int
    sentence: str
    phrase: str  # the governing phrase ("年初批复预算"); for a derived figure, the phrase that implies it
    project: str = ""
    confidence: Confidence = "高"


@dataclass(frozen=True)
class Extraction:
    """Everything read from one report, ready to be written as an input workbook."""

    source: Path
    text: str
    dept_code: str
    dept_name: str
    year: int | None
    staff_authorized: int | None
    staff_actual: int | None
    budget: tuple[BudgetLine, ...]
    projects: tuple[Project, ...]
    indicators: tuple[IndicatorRow, ...]
    facts: tuple[Fact, ...]
    issues: tuple[Issue, ...]
    figures: tuple[Figure, ...] = ()  # the report's headline figures by meaning, read by its phrasings

    def figure(self, meaning: str, project: str = "") -> float | None:
        """The headline figure (万元) of a meaning for the unit or a project; None when not written."""
        return next((f.value for f in self.figures if f.meaning == meaning and f.project == project), None)

    def budget_value(self, line: str, column: str = "spent") -> float | None:
        """The amount (万元) of a budget line by key or 科目 name; None when not extracted."""
        for b in self.budget:
            if line in (b.key, b.line):
                value: float | None = getattr(b, column)
                return value
        return None
