"""One rule for counting grades (scoring.model.grades): a provisional 良（暂定） counts as 良 and is noted as 其中暂定,
in the 汇总表, the one-screen overview, the HTML overview and the report; the counts add up to the units."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from dept_files import FULL, PROJECT, write_dept
from openpyxl import load_workbook

from scoring import api
from scoring.model.grades import GradeCount, base_grade, count_grades
from scoring.model.run import Run
from scoring.render.batch import build_summary
from scoring.render.html import context
from scoring.render.report import build_report
from scoring.render.table import render_overview

OUTPUT, BENEFIT, SATISFACTION = FULL
GRADES = ("优", "良", "中", "差")


@pytest.mark.parametrize(
    ("grades", "provisional", "expected"),
    [
        (
            ["优", "良（暂定）", "良", "差（暂定）"],
            [False, True, False, True],
            [GradeCount("优", 1), GradeCount("良", 2, 1), GradeCount("中", 0), GradeCount("差", 1, 1)],
        ),
        (["良（暂定）"], None, [GradeCount("优", 0), GradeCount("良", 1, 1), GradeCount("中", 0), GradeCount("差", 0)]),
        ([], None, [GradeCount(g, 0) for g in GRADES]),
        (
            ["优", "合格", None],
            None,
            [
                GradeCount("优", 1),
                GradeCount("良", 0),
                GradeCount("中", 0),
                GradeCount("差", 0),
                GradeCount("合格", 1),
                GradeCount("（无等级）", 1),
            ],
        ),
    ],
    ids=["mixed", "mark-only", "none", "other-grades"],
)
def test_count_grades(grades: list[str | None], provisional: list[bool] | None, expected: list[GradeCount]) -> None:
    frame = pd.DataFrame({"grade": pd.Series(grades, dtype=object)})
    if provisional is not None:
        frame["provisional"] = provisional
    counts = count_grades(frame, GRADES)
    assert counts == expected
    assert sum(c.count for c in counts) == len(grades)


def test_grade_count_text() -> None:
    assert str(GradeCount("良", 12, 2)) == "良 12（其中暂定 2）"
    assert str(GradeCount("优", 3)) == "优 3"
    assert base_grade("中（暂定）") == "中"


# Five departments scored under mof-project (执行率 10 + 产出 50 + 效益 30 + 满意度 10, every project spends all
# its budget). By hand: A earns everything, 100 → 优. B's 产出 is 70 of 100 人次, 50 × 0.7 = 35, so 85 → 良.
# C's 满意度 row cannot be read ("见附件") and is rejected: 90 without it → 优（暂定）. D has C's rejected row and 90 of
# 100 人次 (45): 85 → 良（暂定）. E's 效益 row is rejected: 70 → 中（暂定）.
UNREADABLE_SATISFACTION = {**SATISFACTION, "实际完成值": "见附件"}
UNREADABLE_BENEFIT = {**BENEFIT, "实际完成值": "较上年提高5%"}
DEPARTMENTS = {
    "A": [OUTPUT, BENEFIT, SATISFACTION],
    "B": [{**OUTPUT, "实际完成值": "70人次"}, BENEFIT, SATISFACTION],
    "C": [OUTPUT, BENEFIT, UNREADABLE_SATISFACTION],
    "D": [{**OUTPUT, "实际完成值": "90人次"}, BENEFIT, UNREADABLE_SATISFACTION],
    "E": [OUTPUT, UNREADABLE_BENEFIT, SATISFACTION],
}
EXPECTED = {"优": (2, 1), "良": (2, 1), "中": (1, 1), "差": (0, 0)}  # grade: (departments, of which provisional)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    root = tmp_path_factory.mktemp("grades")
    for code, indicators in DEPARTMENTS.items():
        write_dept(
            root / code,
            indicators=indicators,
            dept={"部门编码": code, "部门名称": f"{code}局", "年度": 2024, "主管部门": "区政府办"},
        )
    return api.run_path(root, "mof-project", 2024, engine="reference")


def test_the_batch_is_as_worked_by_hand(run: Run) -> None:
    d = run.result.departments.set_index("dept_code")
    assert d["grade"].to_dict() == {"A": "优", "B": "良", "C": "优（暂定）", "D": "良（暂定）", "E": "中（暂定）"}


def test_summary_workbook_counts_provisional_under_the_base_grade(run: Run) -> None:
    book = build_summary(run)
    ws = book["等级分布"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=1)]
    assert rows[0] == ["等级", "部门数", "其中暂定", "占比"]
    assert {r[0]: (r[1], r[2]) for r in rows[1:5]} == EXPECTED
    assert rows[5][:3] == ["合计", 5, 3]  # adds up to the departments
    assert len(rows) == 6  # no 优（暂定） row of its own
    sup = book["按主管部门"]
    heads = [c.value for c in sup[1]]
    (group,) = [dict(zip(heads, (c.value for c in r), strict=True)) for r in sup.iter_rows(min_row=2)]
    assert (group["部门数"], group["优"], group["良"], group["中"], group["差"], group["其中暂定"]) == (
        5,
        2,
        2,
        1,
        0,
        3,
    )


def test_summary_file_round_trip(run: Run, tmp_path: Path) -> None:
    book = build_summary(run)
    book.save(tmp_path / "s.xlsx")
    ws = load_workbook(tmp_path / "s.xlsx")["等级分布"]
    assert sum(ws.cell(r, 2).value for r in range(2, 6)) == 5


def test_overview_screen_uses_the_same_rule(run: Run) -> None:
    line = next(ln for ln in render_overview(run).splitlines() if ln.startswith("等级分布："))
    assert line == "等级分布：优 2（其中暂定 1）  良 2（其中暂定 1）  中 1（其中暂定 1）  差 0"


def test_html_distribution_uses_the_same_rule(run: Run) -> None:
    (dept, projects) = context(run)["distribution"]
    assert {c["name"]: (c["count"], c["provisional"]) for c in dept["cells"]} == EXPECTED
    assert (dept["n"], dept["provisional"]) == (5, 3)
    assert sum(c["count"] for c in projects["cells"]) == 5  # one project each, graded as its department


def test_report_spread_counts_provisional_projects_under_their_grade(tmp_path: Path) -> None:
    """Two projects, one with a rejected 满意度 row: 2 projects, both 优, one of them provisional."""
    second = {**PROJECT, "项目编码": "P2", "项目名称": "第二项目"}
    folder = write_dept(
        tmp_path / "T",
        projects=(PROJECT, second),
        indicators=[
            OUTPUT,
            BENEFIT,
            SATISFACTION,
            *({**r, "项目编码": "P2"} for r in (OUTPUT, BENEFIT, UNREADABLE_SATISFACTION)),
        ],
    )
    run = api.run_path(folder, "mof-project", 2024, engine="reference")
    text = "".join(b.text for b in build_report(run, "T1").blocks)
    assert "2个项目评价等级均为“优”（其中暂定1个）。" in text
