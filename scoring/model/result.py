"""What scoring and findings produce: the scored tables (ScoreResult) and findings (Finding)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.model.dataset import Dataset
from scoring.rules.ruleset import Ruleset

ITEM_COLUMNS = (
    "dept_code",
    "project_code",
    "level1",
    "level2",
    "name",
    "indicator_id",
    "kind",
    "target_text",
    "actual_text",
    "comparator",
    "target",
    "high",
    "unit",
    "actual",
    "qualitative",
    "weight",
    "weight_given",
    "method",
    "completion",
    "points_computed",
    "override_score",
    "override_reason",
    "points",
    "published_score",
    "deviation_reason",
    "overachieved",
    "reason_missing",
    "oa_cut",
    "how",
    "note",
    "explanation",
    "_file",
    "_sheet",
    "_row",
)


@dataclass(frozen=True)
class ScoreResult:
    """Scored tables.

    items:       one row per scored indicator (ITEM_COLUMNS); kind is input (a row the department set),
                 metric (执行率), formula / projects / reported (a ruleset indicator: derived, aggregated,
                 or filled in on 整体绩效指标), missing; points is after 人工调整, points_computed before it; explanation is the Chinese reason.
    projects:    dept_code, project_code, project_name, budget_initial, budget_final, spent, execution_rate,
                 points, weight, total, grade, status, provisional, n_rejected, total_text (project scope; empty for
                 department scope)
    departments: dept_code, dept_name, year, total, grade, rank, n_projects, budget_final, spent, status,
                 provisional, n_rejected, total_text (the total as displayed: "92.10（未完成）")

    Totals are rounded to the ruleset's precision and graded as rounded. A unit with rejected input rows
    (n_rejected > 0) is status 未完成评分, provisional, and its grade reads "良（暂定）": its total leaves out
    the rejected rows and is not final.
    """

    items: pd.DataFrame
    projects: pd.DataFrame
    departments: pd.DataFrame
    ruleset: Ruleset
    dataset: Dataset


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    severity: str
    category: str
    problem: str
    cause: str
    measure: str
    dept_code: str | None
    subjects: tuple[str, ...]
    facts: tuple[Mapping[str, object], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, without the facts."""
        return {
            "rule_id": self.rule_id,
            "severity": self.severity,
            "category": self.category,
            "problem": self.problem,
            "cause": self.cause,
            "measure": self.measure,
            "dept_code": self.dept_code,
            "subjects": list(self.subjects),
        }
