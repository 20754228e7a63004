"""A department with rejected rows is 未完成评分 in every output, never a false finding (issue 9, case 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dept_files import FULL, score_dept, write_dept
from typer.testing import CliRunner

from scoring.cli import app
from scoring.model.run import Run

OUTPUT, BENEFIT, SATISFACTION = FULL
# The department did set a 效益 indicator; its actual "较上年提高5%" cannot be scored against "有效提升".
BENEFIT_AS_WRITTEN = {**BENEFIT, "实际完成值": "较上年提高5%"}
runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_dept(tmp_path / "测试局", indicators=[OUTPUT, BENEFIT_AS_WRITTEN, SATISFACTION])


@pytest.fixture
def run(folder: Path) -> Run:
    return score_dept(folder, indicators=[OUTPUT, BENEFIT_AS_WRITTEN, SATISFACTION])


def test_rejected_row_makes_the_department_provisional(run: Run) -> None:
    [rej] = run.dataset.rejections
    assert (rej.source.column, rej.dept_code, rej.project_code, rej.level1) == ("实际完成值", "T1", "P1", "效益指标")
    # 执行率 10 + 产出 50 + 效益 (its only row rejected) 0 + 满意度 10 = 70.00, graded 中 — but not final.
    d = run.result.departments.iloc[0]
    assert (d["total"], d["status"], bool(d["provisional"]), d["n_rejected"]) == (70.0, "未完成评分", True, 1)
    assert (d["grade"], d["total_text"]) == ("中（暂定）", "70.00（未完成）")
    p = run.result.projects.iloc[0]
    assert (p["status"], p["grade"], p["total_text"]) == ("未完成评分", "中（暂定）", "70.00（未完成）")


def test_findings_say_rows_were_rejected_not_unset(run: Run) -> None:
    ids = {f.rule_id for f in run.findings}
    assert "no-benefit-indicator" not in ids
    assert {"rows-rejected", "department-incomplete"} <= ids
    rows = next(f for f in run.findings if f.rule_id == "rows-rejected")
    assert rows.problem == "“测试项目”有1行数据未通过校验（效益指标），相应分值暂未计入，本项目得分为暂定"
    assert not any("未设置效益指标" in f.problem for f in run.findings)
    missing = run.result.items[run.result.items["kind"] == "missing"].iloc[0]
    assert missing["explanation"] == "效益指标有 1 行指标未通过校验（见拒绝清单），本级 30.00 分暂未计分，评分未完成"


def test_complete_department_is_final(tmp_path: Path) -> None:
    run = score_dept(tmp_path / "d", indicators=list(FULL))
    d = run.result.departments.iloc[0]
    assert (d["status"], bool(d["provisional"]), d["grade"], d["total_text"]) == ("完成评分", False, "优", "100.00")
    assert not {"rows-rejected", "department-incomplete"} & {f.rule_id for f in run.findings}


@pytest.mark.parametrize("strict", [[], ["--strict"]], ids=["default", "strict"])
def test_exit_4_and_outputs_still_written(folder: Path, tmp_path: Path, strict: list[str]) -> None:
    out = tmp_path / "out.json"
    res = runner.invoke(app, ["score", str(folder), "-y", "2024", "-f", "json", "-o", str(out), *strict])
    assert res.exit_code == 4
    assert "评分未完成：有 1 行被拒绝" in res.stderr
    trace = json.loads(out.read_text(encoding="utf-8"))
    assert trace["complete"] is False
    [d] = trace["departments"]
    assert (d["status"], d["provisional"], d["grade"], d["total_text"]) == (
        "未完成评分",
        True,
        "中（暂定）",
        "70.00（未完成）",
    )
    assert [r["reason"] for r in d["rejections"]] == [trace["rejections"][0]["reason"]]


def test_table_md_html_show_provisional(folder: Path, tmp_path: Path) -> None:
    table = runner.invoke(app, ["score", str(folder), "-y", "2024"])
    assert table.exit_code == 4 and "70.00（未完成）" in table.stdout and "中（暂定）" in table.stdout
    md = runner.invoke(app, ["score", str(folder), "-y", "2024", "-f", "md"])
    assert "## 测试局（70.00（未完成） 分，中（暂定））" in md.stdout
    html = tmp_path / "o.html"
    runner.invoke(app, ["score", str(folder), "-y", "2024", "-f", "html", "-o", str(html)])
    assert "70.00（未完成）" in html.read_text(encoding="utf-8")


def test_xlsx_report_and_store_show_provisional(folder: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    book = tmp_path / "o.xlsx"
    assert runner.invoke(app, ["score", str(folder), "-y", "2024", "-f", "xlsx", "-o", str(book)]).exit_code == 4
    cells = {str(c.value) for ws in load_workbook(book) for row in ws.iter_rows() for c in row if c.value is not None}
    assert "中（暂定）" in cells
    rep = runner.invoke(app, ["report", str(folder), "-y", "2024"])
    assert rep.exit_code == 4
    assert (
        "综合得分（各项目得分按全年预算数加权平均）暂定为70.00分（评分未完成）" in rep.stdout
        and "评价等级为“中（暂定）”" in rep.stdout
    )
    assert "有1行数据未通过校验，评分未完成，得分和等级为暂定。" in rep.stdout
    store = tmp_path / "store"
    assert runner.invoke(app, ["score", str(folder), "-y", "2024", "--store", str(store)]).exit_code == 4
    hist = runner.invoke(app, ["history", "T1", "--store", str(store), "--json"])
    assert json.loads(hist.stdout)[0]["grade"] == "中（暂定）"
    from scoring.store.results import stored_trace

    trace = stored_trace(str(store), "mof-project", 2024, "T1")
    assert trace is not None
    assert [(d["grade"], d["status"]) for d in trace["departments"]] == [("中（暂定）", "未完成评分")]


def test_report_names_the_indicator_it_could_not_score(run: Run) -> None:
    """The project's narrative counts only scored rows; the rejected one is named with its value and reason."""
    from scoring.render.report import build_report, render_report_markdown

    text = render_report_markdown(build_report(run, "T1"))
    assert (
        "“测试项目”设置绩效指标2个，完成年度指标值2个，全部完成。另有1个指标的数据未通过校验，未计分，项目得分为暂定"
        "（“服务能力”实际完成值「较上年提高5%」，数字前有无法识别的文字「较上年提高」），请单位核实后重新填报。"
    ) in text
    assert "自评得分暂定为70.00分（评分未完成）" in text
