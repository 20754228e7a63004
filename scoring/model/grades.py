"""Grades as counted: the one rule every output uses to count departments or projects per grade.

A provisional unit (rows rejected, scoring not complete: its grade reads "良（暂定）") counts under its base
grade (良), and each count says how many of its units are provisional: "良 12（其中暂定 2）". Counts are never
split into "良" and "良（暂定）" columns, so they always add up to the number of units counted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

PROVISIONAL_GRADE = "（暂定）"  # appended to the grade of a provisional unit (issue 9)
NO_GRADE = "（无等级）"  # a unit without a grade (blank): still counted, so the counts add up


def base_grade(grade: object) -> str:
    """The grade without its provisional mark: "良（暂定）" → "良"; blank → NO_GRADE."""
    if grade is None or (isinstance(grade, float) and grade != grade) or grade is pd.NA:
        return NO_GRADE
    return str(grade).removesuffix(PROVISIONAL_GRADE).strip() or NO_GRADE


@dataclass(frozen=True, slots=True)
class GradeCount:
    """How many units have `grade` (provisional ones included), and how many of them are provisional."""

    grade: str
    count: int
    provisional: int = 0

    @property
    def note(self) -> str:
        """ "（其中暂定 2）", or "" when none is provisional."""
        return f"（其中暂定 {self.provisional}）" if self.provisional else ""

    def __str__(self) -> str:
        return f"{self.grade} {self.count}{self.note}"


def count_grades(units: pd.DataFrame, order: Sequence[str]) -> list[GradeCount]:
    """Units (rows with a grade column, and a provisional column when scoring marked any) per base grade: every
    grade of `order` (best first) even at 0, then any other grade met, in order of appearance. The counts add up
    to len(units); a unit is provisional when its provisional flag is set or its grade carries （暂定）."""
    if units.empty or "grade" not in units.columns:
        return [GradeCount(g, 0) for g in order]
    grades = units["grade"].tolist()
    flags: list[bool] = (
        [
            flag is True or (isinstance(flag, int | float) and flag == flag and bool(flag))
            for flag in units["provisional"].tolist()
        ]
        if "provisional" in units.columns
        else [False] * len(grades)
    )
    counts: dict[str, list[int]] = {g: [0, 0] for g in order}
    for grade, flag in zip(grades, flags, strict=True):
        cell = counts.setdefault(base_grade(grade), [0, 0])
        cell[0] += 1
        if flag or str(grade).endswith(PROVISIONAL_GRADE):
            cell[1] += 1
    return [GradeCount(g, n, k) for g, (n, k) in counts.items()]
