"""Write one department's tables as CSV files with the Chinese headers a department fills in, then score them.

Regression tests for issue 9 start from the cells as a finance officer types them ("≥95%", "没有达成预期指标",
"1000"), not from parsed frames, so that the whole path load → validate → check → score → findings is tested.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from scoring import api
from scoring.model.run import Run

Row = Mapping[str, object]

DEPT: Row = {"部门编码": "T1", "部门名称": "测试局", "年度": 2024}
PROJECT: Row = {
    "项目编码": "P1",
    "项目名称": "测试项目",
    "资金性质": "一般公共预算",
    "年初预算数": 100,
    "全年预算数": 100,
    "全年执行数": 100,
    "结转结余": 0,
}
# Indicators that earn every point of their level under mof-project, for filling the other levels.
FULL: tuple[Row, ...] = (
    {
        "一级指标": "产出指标",
        "二级指标": "数量指标",
        "三级指标": "培训人次",
        "年度指标值": "≥100人次",
        "实际完成值": "100人次",
    },
    {
        "一级指标": "效益指标",
        "二级指标": "社会效益指标",
        "三级指标": "服务能力",
        "年度指标值": "有效提升",
        "实际完成值": "达成预期指标",
    },
    {
        "一级指标": "满意度指标",
        "二级指标": "服务对象满意度指标",
        "三级指标": "学员满意度",
        "年度指标值": "≥90%",
        "实际完成值": "95%",
    },
)


def write_table(folder: Path, sheet: str, rows: Sequence[Row]) -> None:
    """One CSV table; headers are the union of the rows' keys in first-seen order."""
    headers = list(dict.fromkeys(k for r in rows for k in r))
    with (folder / f"{sheet}.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, headers)
        w.writeheader()
        for r in rows:
            w.writerow({k: "" if v is None else v for k, v in r.items()})


def write_dept(
    folder: Path,
    *,
    indicators: Sequence[Row] = (),
    projects: Sequence[Row] = (PROJECT,),
    dept: Row = DEPT,
    budget: Sequence[Row] = (),
) -> Path:
    """A department folder; indicator rows without 项目编码 go to the first project."""
    folder.mkdir(parents=True, exist_ok=True)
    write_table(folder, "单位信息", [dept])
    write_table(folder, "项目支出", projects)
    first = str(projects[0]["项目编码"]) if projects else ""
    if indicators:
        write_table(folder, "绩效指标", [{"项目编码": first, **r} for r in indicators])
    if budget:
        write_table(folder, "预算收支", budget)
    return folder


def score_dept(folder: Path, ruleset: str | Path = "mof-project", **tables: object) -> Run:
    """Write the department (keyword arguments as for write_dept) and score it for 2024."""
    write_dept(folder, **tables)  # type: ignore[arg-type]
    return api.run_path(folder, ruleset, 2024, engine="reference")
