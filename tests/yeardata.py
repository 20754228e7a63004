"""Generated store contents for the history and advice tests: departments, years and indicators given by hand.

`put_year(location, year, depts)` stores one run for `year`; each department is (code, name, total, grade,
indicators), each indicator (indicator_id, unit, target, actual) of project P1, direction higher. Completion is
actual / target, so every expected figure in the tests can be worked out from the literals.
"""

from __future__ import annotations

from collections.abc import Sequence

from scoring.store.backend import IndicatorRow, RunRecord, StoredRow
from scoring.store.location import open_store

Indicator = tuple[str, str, float | None, float | None]
Dept = tuple[str, str, float, str, Sequence[Indicator]]


def put_year(
    location: str,
    year: int,
    depts: Sequence[Dept],
    ruleset: str = "mof-project",
    budget: dict[str, tuple[float, float]] | None = None,
) -> None:
    """Store `depts` for `year`; `budget` gives some departments' (全年预算数, 全年执行数)."""
    rows = []
    for code, name, total, grade, inds in depts:
        final, spent = (budget or {}).get(code, (None, None))
        rows.append(
            StoredRow(
                year=year,
                dept_code=code,
                dept_name=name,
                total=total,
                grade=grade,
                n_projects=1,
                budget_final=final,
                spent=spent,
                trace="{}",
                level1=(("产出指标", total),),
                indicators=tuple(
                    IndicatorRow(
                        project_code="P1",
                        pos=i,
                        indicator_id=iid,
                        name=iid,
                        level1="产出指标",
                        unit=unit,
                        comparator=">=",
                        direction="higher",
                        qualitative=False,
                        target=t,
                        actual=a,
                        completion=(a / t) if a is not None and t else None,
                    )
                    for i, (iid, unit, t, a) in enumerate(inds)
                ),
            )
        )
    open_store(location).put(RunRecord(ruleset, "1", "fp", f"{year + 1}-01-01T00:00:00+00:00", 0, 0, 0), rows)
