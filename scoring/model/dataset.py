"""The validated input that every stage after validation reads: Dataset and its rejections."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field

import pandas as pd

from scoring.core.errors import DataError, Source


@dataclass(frozen=True, slots=True)
class Rejection:
    """One input row not used, and why."""

    table: str
    source: Source
    value: object
    reason: str
    hint: str = ""
    dept_code: str = ""  # the department the row belongs to, as written ("" when unknown)
    project_code: str = ""  # its project, for 项目支出 and 绩效指标 rows
    level1: str = ""  # 一级指标 as written, for 绩效指标 rows (so findings never call the level "未设置")
    name: str = ""  # 三级指标 as written, for 绩效指标 rows (so a report names what it could not score)

    def __str__(self) -> str:
        shown = "" if self.value is None else f"值「{self.value}」："
        hint = f"（{self.hint}）" if self.hint else ""
        return f"{self.source}：{shown}{self.reason}{hint}"


@dataclass(frozen=True)
class Dataset:
    """Validated input.

    departments: dept_code, dept_name, year, staff_authorized, staff_actual, _file, _sheet, _row
    notes:       dept_code, kind, severity, status, subject, message, sentence (核对 rows kept beside the data)
    budget:      dept_code, line, line_key, budget_initial, budget_final, spent, prior_spent (万元), source cols
    projects:    dept_code, project_code, project_name, fund_type, budget_initial, budget_final, spent,
                 carryover (万元), period, period_months, is_fund (政府性基金 project), source cols
    indicators:  dept_code, project_code ('' = 部门整体), level1 (canonical), level2, category1/category2
                 (一级/二级 as written), name, indicator_id,
                 target_text, actual_text, comparator, target, high, unit, actual, actual_unit,
                 qualitative, target_qualitative, weight, published_score, reason, override_score,
                 override_reason, source cols
    """

    departments: pd.DataFrame
    budget: pd.DataFrame
    projects: pd.DataFrame
    indicators: pd.DataFrame
    rejections: tuple[Rejection, ...]
    rows_read: int
    problems: tuple[DataError, ...] = ()
    notes: pd.DataFrame = dc_field(default_factory=pd.DataFrame)

    @property
    def rows_used(self) -> int:
        return len(self.departments) + len(self.budget) + len(self.projects) + len(self.indicators) + len(self.notes)

    def rejections_of(self, dept_code: str) -> tuple[Rejection, ...]:
        """The rejections of one department's rows (a row with several bad cells appears once per cell)."""
        return tuple(r for r in self.rejections if r.dept_code == dept_code)

    @property
    def rows_rejected(self) -> int:
        """Distinct rows rejected (a row with several bad cells reports each cell but counts once)."""
        return len({(r.table, str(r.source.file), r.source.sheet, r.source.row) for r in self.rejections})
