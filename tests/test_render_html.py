"""The HTML overview: a golden file for a small department, escaping of every name and finding, no outside assets."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from markupsafe import escape
from runs import scored

from scoring.model.run import Run
from scoring.render.html import context, grade_classes, render_html

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def overview_run() -> Run:
    """One department whose names carry < > & " on purpose; one rejected row, failed checks, findings."""
    return scored(DATA / "overview", "mof-project")


@pytest.fixture(scope="module")
def examples_run() -> Run:
    return scored(EXAMPLES, "mof-project")


@pytest.fixture(scope="module")
def overview_html(overview_run: Run) -> str:
    return render_html(overview_run)


def test_golden(overview_run: Run, overview_html: str, golden: Callable[[str, str], None]) -> None:
    # The fingerprint changes with any edit to the shipped rulesets; it is not what this file guards.
    golden("overview.html", overview_html.replace(overview_run.ruleset.fingerprint, "FINGERPRINT"))


def test_is_deterministic(overview_run: Run, overview_html: str) -> None:
    assert render_html(overview_run) == overview_html


@pytest.mark.parametrize("run_name", ["overview_run", "examples_run"])
def test_every_department_name_appears_escaped(run_name: str, request: pytest.FixtureRequest) -> None:
    run: Run = request.getfixturevalue(run_name)
    html = render_html(run)
    for name in run.result.departments["dept_name"]:
        assert str(escape(name)) in html
    assert len(run.result.departments) >= 1


@pytest.mark.parametrize("run_name", ["overview_run", "examples_run"])
def test_every_finding_appears_escaped(run_name: str, request: pytest.FixtureRequest) -> None:
    run: Run = request.getfixturevalue(run_name)
    html = render_html(run)
    assert run.findings
    for f in run.findings:
        for text in (f.problem, f.cause, f.measure):
            assert str(escape(text)) in html, text


def test_nothing_unescaped(overview_run: Run, overview_html: str) -> None:
    dept_name = str(overview_run.result.departments["dept_name"].iloc[0])
    assert dept_name == '测试<区>城管 & "环卫"局'
    for raw in ("测试<区>", "道路<维修>", "通行<条件>", '"环卫"', "绿化&养护"):
        assert raw not in overview_html
    assert "测试&lt;区&gt;城管 &amp; &#34;环卫&#34;局" in overview_html
    assert "道路&lt;维修&gt;项目" in overview_html
    assert "绿化&amp;养护项目" in overview_html


def test_self_contained(overview_html: str) -> None:
    assert "<style>" in overview_html
    assert "<link" not in overview_html
    assert not re.search(r"<(script|img|iframe)[^>]*\bsrc=", overview_html)
    assert not re.search(r"(href|src)=\"(https?:)?//", overview_html)
    assert "@import" not in overview_html and "url(" not in overview_html


def test_sections_present(overview_html: str) -> None:
    for heading in ("部门排名", "等级分布", "逐项得分", "失分明细", "问题与措施", "一致性检查", "被拒绝的行"):
        assert f"<h2>{heading}</h2>" in overview_html
    assert "很多" in overview_html  # the rejected value
    assert "不符" in overview_html  # a failed check


def test_lost_points_largest_first(overview_run: Run) -> None:
    lost = context(overview_run)["lost"]
    values = [float(r["lost_sort"]) for r in lost]
    assert values == sorted(values, reverse=True)
    # T02 set no 满意度 indicator: its 10 points are the largest loss; 通行<条件> 部分达成 loses 30 − 21 = 9.
    assert (lost[0]["unit"], lost[0]["level1"], lost[0]["lost"]) == ("绿化&养护项目", "满意度指标", "10.00")
    assert (lost[1]["name"], lost[1]["lost"]) == ("通行<条件>", "9.00")
    assert all(float(r["lost_sort"]) > 0 for r in lost)


def test_bars_are_points_out_of_total(overview_run: Run) -> None:
    card = context(overview_run)["departments"][0]
    bars = {b.label: b for b in card["bars"]}
    assert bars["道路<维修>项目"].points == "83.50"
    assert bars["道路<维修>项目"].width == 83.5
    assert bars["道路<维修>项目"].grade == "良"
    assert bars["绿化&养护项目"].width == 90.0


def test_grade_classes_best_first(overview_run: Run) -> None:
    assert grade_classes(overview_run) == {"优": "g0", "良": "g1", "中": "g2", "差": "g3"}


def test_findings_grouped_by_severity(overview_run: Run) -> None:
    groups = context(overview_run)["findings"]
    assert [g["label"] for g in groups][:3] == ["重要", "一般", "提示"]
    assert sum(len(g["findings"]) for g in groups) == len(overview_run.findings)
    for g in groups:
        assert all(
            f["problem"] in {x.problem for x in overview_run.findings if x.severity == g["key"]} for f in g["findings"]
        )


def test_grade_distribution_counts(examples_run: Run) -> None:
    # Hand count from the README transcript: 99.94, 98.52, 92.09 are all 优; E02 82.16, E03 89.83 and
    # E04 85.83 are the only 良 among the 14 projects.
    dist = {u["label"]: {c["name"]: c["count"] for c in u["cells"]} for u in context(examples_run)["distribution"]}
    assert dist == {"部门": {"优": 3, "良": 0, "中": 0, "差": 0}, "项目": {"优": 11, "良": 3, "中": 0, "差": 0}}


def test_drill_down_holds_every_indicator_with_its_explanation(examples_run: Run) -> None:
    cards = context(examples_run)["departments"]
    rows = [i for d in cards for p in d["projects"] for i in p["indicators"]]
    assert len(rows) == len(examples_run.result.items)
    e02 = next(p for d in cards for p in d["projects"] if p["code"] == "E02")
    (area,) = [i for i in e02["indicators"] if i["name"] == "维修校舍面积"]
    assert (area["target"], area["actual"], area["weight"], area["points"], area["lost"]) == (
        "≥12000平方米",
        "8600平方米",
        "12.50",
        "8.96",
        True,
    )
    assert "完成率 71.67%" in area["explanation"]


def test_department_scope_drills_down_by_level() -> None:
    run = scored(EXAMPLES / "district-education", "province-dept")
    (card,) = context(run)["departments"]
    assert card["projects"] == []
    assert [lv["name"] for lv in card["levels"]] == [lv.name for lv in run.ruleset.levels]
    assert sum(len(lv["indicators"]) for lv in card["levels"]) == len(run.result.items)
    html = render_html(run)
    staff = next(i for lv in card["levels"] for i in lv["indicators"] if i["name"] == "在职人员控制率")
    assert str(escape(staff["explanation"])) in html
