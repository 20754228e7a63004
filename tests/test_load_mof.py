"""The MoF 项目支出绩效自评表 layout: merged cells, spacer rows, formulas, one project per sheet, published 得分
kept beside perfscore's own score. Workbooks come from tests/mof_builder.py; one is committed in tests/data/."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from mof_builder import DEPT, PROJECTS, build_workbook, cached_values, set_cached_values

from scoring import api
from scoring.io.load import load_path
from scoring.io.mof import derived_dept_code
from scoring.pipeline.validate import validate
from scoring.render.table import render_table
from scoring.rules.ruleset import load_ruleset

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = DATA / "mof-自评表-芦淞城管.xlsx"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def raw():  # type: ignore[no-untyped-def]
    return load_path(FIXTURE)


def test_committed_fixture_matches_the_builder(tmp_path: Path, raw) -> None:  # type: ignore[no-untyped-def]
    build_workbook(tmp_path / "mof.xlsx")
    fresh = load_path(tmp_path / "mof.xlsx")
    for key, df in raw.tables.items():
        pd.testing.assert_frame_equal(df.drop(columns="_file"), fresh[key].drop(columns="_file"), obj=key)


def test_one_department_from_the_workbook(raw) -> None:  # type: ignore[no-untyped-def]
    d = raw["departments"]
    assert d[["dept_code", "dept_name", "year"]].values.tolist() == [[derived_dept_code(DEPT), DEPT, 2024]]
    assert (d["_sheet"].item(), d["_row"].item()) == ("数字化城管", 4)  # the 主管部门 row
    assert raw.problems == ()
    assert len(raw["budget"]) == 0


def test_one_project_per_sheet_with_its_funds(raw) -> None:  # type: ignore[no-untyped-def]
    p = raw["projects"]
    assert p["project_code"].tolist() == ["P01", "P02", "P03"]
    assert p["project_name"].tolist() == [x.name for x in PROJECTS]
    assert p[["budget_initial", "budget_final", "spent"]].values.tolist() == [list(x.funds) for x in PROJECTS]
    assert p["_sheet"].tolist() == [x.sheet for x in PROJECTS] and set(p["_row"]) == {6}  # 年度资金总额 row
    assert "填报说明" not in set(p["_sheet"])  # a sheet that is not a 自评表 is left alone


def test_indicator_rows_merged_levels_spacers_and_published_scores(raw) -> None:  # type: ignore[no-untyped-def]
    ind = raw["indicators"]
    assert len(ind) == sum(len(x.rows) for x in PROJECTS)
    expected = [
        (l1, l2, name, target, actual, w, s) for x in PROJECTS for l1, l2, name, target, actual, w, s, _ in x.rows
    ]
    got = ind[["level1", "level2", "name", "target", "actual", "weight", "published_score"]].values.tolist()
    assert got == [list(e) for e in expected]  # merged 一级/二级 filled, "产出指标(50分)" read as 产出指标,
    #                                             blank (unmerged) 一级/二级 carried down, spacer rows skipped
    first = ind[ind["project_code"] == "P01"]
    assert first["_row"].tolist() == [15, 16, 17, 18, 19, 21, 22]  # row 20 is a spacer; rows as Excel shows
    assert first["published_score"].iloc[0] == 10  # a formula (=G15) read through its cached value
    assert ind.loc[ind["name"] == "按期结案率", "reason"].item() == "部分案件涉及多部门协调，处置周期较长"


def test_formula_without_cached_value_reads_blank_with_a_notice(tmp_path: Path) -> None:
    """Saved by a program, never by Excel: no cached value. The cell reads blank and a notice names it;
    the rest of the workbook is unaffected."""
    path = tmp_path / "未计算.xlsx"
    build_workbook(path, cached=False)
    raw = load_path(path)
    ind = raw["indicators"]
    assert pd.isna(ind["published_score"].iloc[0])
    assert ind["published_score"].iloc[1:].notna().all()
    # the 执行率 得分 of each funds block (row 6, =E6/D6*10-style formulas) and the one indicator 得分
    where = [(n.source.sheet, n.source.row, n.source.column) for n in raw.problems]
    assert where == [
        ("数字化城管", 6, "得分"),
        ("数字化城管", 15, "得分"),
        ("城管考评", 6, "得分"),
        ("小游园", 6, "得分"),
    ]
    assert all("没有缓存的计算结果" in str(n) for n in raw.problems)
    assert raw["projects"]["published_score"].isna().all()


def test_data_only_reading_uses_cached_values_as_excel_would() -> None:
    """Hand check of the fixture: formula cells hold both the formula and the value Excel would cache."""
    formulas = openpyxl.load_workbook(FIXTURE)["数字化城管"]
    values = openpyxl.load_workbook(FIXTURE, data_only=True)["数字化城管"]
    assert formulas["H15"].value == "=G15" and values["H15"].value == 10
    assert formulas["G6"].value == "=E6/D6" and values["G6"].value == 1
    assert formulas["H24"].value == "=SUM(H15:H23)" and values["H24"].value == 89  # the 总分 row


def test_derived_department_code_is_stable() -> None:
    code = derived_dept_code(DEPT)
    assert re.fullmatch(r"N-[0-9A-F]{8}", code)
    assert derived_dept_code(f" {DEPT[:3]} {DEPT[3:]}") == code  # spaces do not change it
    assert derived_dept_code("株洲市芦淞区教育局") != code


def _build_edited(
    path: Path, edits: dict[str, tuple[dict[str, object], tuple[str, ...]]], year: int | None = 2024
) -> Path:
    """build_workbook, then per sheet: unmerge ranges and set cells; cached values written last (as Excel
    would on saving; openpyxl drops them when it saves a loaded workbook)."""
    formulas = build_workbook(path, year=year, cached=False)
    wb = openpyxl.load_workbook(path)
    for sheet, (cells, unmerge) in edits.items():
        ws = wb[sheet]
        for rng in unmerge:
            ws.unmerge_cells(rng)
        for ref, value in cells.items():
            ws[ref] = value
    wb.save(path)
    set_cached_values(path, cached_values(PROJECTS, formulas))
    return path


def test_given_department_code_and_differing_supervisors(tmp_path: Path) -> None:
    raw = load_path(
        _build_edited(
            tmp_path / "mof.xlsx",
            {
                "城管考评": ({"A2": "（2024年度）", "G2": "部门编码", "H2": 430203017}, ("A2:I2",)),
                "小游园": ({"C4": "株洲市芦淞区园林局"}, ("C4:E4",)),
            },
        )
    )
    assert raw["departments"]["dept_code"].tolist() == ["430203017"]
    assert raw["departments"]["dept_name"].tolist() == [DEPT]  # the 主管部门 of most sheets
    assert set(raw["projects"]["dept_code"]) == {"430203017"}
    assert len(raw.problems) == 1 and "主管部门不一致" in str(raw.problems[0])


def test_placeholder_money_and_missing_year(tmp_path: Path) -> None:
    """'—' in a money cell is blank, not a rejection; a workbook with no year anywhere is rejected row by row."""
    raw = load_path(_build_edited(tmp_path / "无年度.xlsx", {"数字化城管": ({"C6": "—"}, ())}, year=None))
    assert raw["projects"]["budget_initial"].isna().tolist() == [True, False, False]
    assert any("未找到评价年度" in str(p) for p in raw.problems)
    ds = validate(raw, load_ruleset("mof-project"))
    assert ds.rows_used == 0
    assert ds.rows_read == len({(r.source.sheet, r.source.row) for r in ds.rejections})
    assert "必填项「年度」为空" in str(ds.rejections[0])


def test_year_from_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "2023年项目支出绩效自评表.xlsx"
    build_workbook(path, year=None)
    assert load_path(path)["departments"]["year"].tolist() == [2023]


# ------------------------------------------------------------------ scoring (issue 5, done when)


def test_mof_workbook_scores_with_published_scores_beside(raw) -> None:  # type: ignore[no-untyped-def]
    run = api.run_path(FIXTURE, "mof-project", 2024)
    assert run.dataset.rejections == ()
    read, used, rejected = run.counts
    assert (read, used, rejected) == (1 + 3 + 18, 22, 0)
    items = run.result.items
    own = items[items["kind"] == "input"]
    assert own["published_score"].notna().all()
    row = own[own["name"] == "按期结案率"].iloc[0]
    assert row["published_score"] == 9
    assert row["points"] == pytest.approx(9.04)  # 10号: 未达到按 实际/目标 × 分值 = 9.0356, rounded first
    assert row["weight"] == 10  # the published 分值
    assert len(run.result.projects) == 3
    table = render_table(run, detail=True)
    line = next(ln for ln in table.splitlines() if "按期结案率" in ln)
    assert "9.04" in line and "9.00" in line  # perfscore's 得分 and the published 自评得分 on one line


def test_mof_workbook_and_csv_departments_in_one_folder(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(ROOT / "examples" / "lusong-chengguan", tmp_path / "城管局-csv")
    shutil.copy(FIXTURE, tmp_path / "城管局-自评表.xlsx")
    run = api.run_path(tmp_path, "mof-project", 2024)
    assert sorted(run.result.departments["dept_code"]) == sorted(["430203017", derived_dept_code(DEPT)])
    assert run.dataset.rejections == ()


def test_headers_with_column_letters_are_read(tmp_path: Path) -> None:
    """Many forms head the columns 年度指标值（A） / 实际完成值（B） / 分值（C）."""
    raw = load_path(
        _build_edited(
            tmp_path / "字母.xlsx",
            {
                p.sheet: (
                    {"E14": "年度指标值（A）", "F14": "实际完成值(B)", "G14": "分值（C）", "H14": "得分（D）"},
                    (),
                )
                for p in PROJECTS
            },
        )
    )
    fresh = load_path(FIXTURE)["indicators"]
    cols = ["name", "target", "actual", "weight", "published_score"]
    pd.testing.assert_frame_equal(raw["indicators"][cols], fresh[cols])


def test_a_department_overall_table_is_not_read_as_projects(tmp_path: Path) -> None:
    """部门整体支出绩效自评表 is another form: the workbook is reported, not misread."""
    path = tmp_path / "整体.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "部门整体支出绩效自评表"
    ws["A3"], ws["B3"] = "部门名称", DEPT
    wb.save(path)
    raw = load_path(path)
    assert all(len(df) == 0 for df in raw.tables.values())
    assert len(raw.problems) == 1 and "项目支出绩效自评表" in str(raw.problems[0])


def test_published_execution_score_kept_beside_perfscores() -> None:
    """The funds block's 得分 is the department's own 执行率 score; the scored table shows both."""
    raw = load_path(FIXTURE)
    assert raw["projects"]["published_score"].tolist() == [10, 10, 10]
    from scoring import api

    items = api.run_path(FIXTURE).result.items
    exec_rows = items[items["name"] == "预算执行率"]
    assert exec_rows["published_score"].tolist() == [10.0, 10.0, 10.0]
    assert exec_rows["points"].tolist() == [10.0, 10.0, 10.0]


# ------------------------------------------------------------------ issue 9, case 6: the funds block read whole

FORMS = Path(__file__).resolve().parent / "data" / "forms"


def _form_workbook(name: str, path: Path) -> tuple[Path, dict[str, object]]:
    """A published 自评表 as transcribed in tests/data/forms (cells as printed, merged ranges kept)."""
    import yaml

    form = yaml.safe_load((FORMS / name).read_text(encoding="utf-8"))
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "自评表"
    for r, row in enumerate(form["rows"], start=1):
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(r, c, v)
    for rng in form["merged"]:
        ws.merge_cells(rng)
    wb.save(path)
    return path, form["expected"]


def test_zero_total_row_scores_from_its_source_rows(tmp_path: Path) -> None:
    """安徽棠溪镇 2022 委托业务项目: 年度资金总额 printed 0 0 0 (执行率 0, 得分 0) while 其中：本年财政拨款
    carries 90 / 89.974 / 89.974. Before: 执行率 0 and "全年预算数缺失". Worked by hand: 89.974 / 89.974 = 100%
    → 10 of 10; the printed 得分 0 differs by 10."""
    book, expected = _form_workbook("01-anhui-tangxizhen-weituoyewu-2022.yaml", tmp_path / "棠溪镇2022.xlsx")
    run = api.run_path(book, "mof-project", 2022, engine="reference")
    p = run.result.projects.iloc[0]
    assert (p["budget_initial"], p["budget_final"], p["spent"]) == (90.0, expected["budget_final"], expected["spent"])
    assert p["execution_rate"] == pytest.approx(expected["execution_rate"])
    it = run.result.items.set_index("name")
    assert it.loc["预算执行率", "points"] == expected["execution_points"] == 10.0
    assert it.loc["预算执行率", "note"] == "与单位自评得分 0.00 相差 +10.00 分"
    [chk] = run.checks[run.checks["check_id"] == "funds-block"].itertuples()
    assert chk.status == "fail"
    assert chk.message == (
        "“委托业务项目”资金表“年度资金总额”行为空或为 0，而其中各项资金合计全年预算数 89.97 万元、"
        "全年执行数 89.97 万元，已按各项资金合计计算预算执行率"
    )
    assert "budget-missing" not in {f.rule_id for f in run.findings}
    # The transcribed indicators keep their published 分值: 8 × 5 + 10 × 4 = 80 of the 90 set out.
    assert sorted(run.result.items.loc[run.result.items["kind"] == "input", "weight"]) == sorted(
        float(i["weight"])
        for i in expected["indicators"]  # type: ignore[attr-defined]
    )


@pytest.mark.parametrize(
    ("cell", "status", "message"),
    [
        (
            "120",
            "fail",
            "“数字化城管指挥中心运行项目”资金表“年度资金总额”全年预算数 129.44 万元 ≠ 其中各项资金合计 120.00 万元，"
            "相差 +9.44 万元",
        ),
        (
            "129.42",
            "rounding",
            "“数字化城管指挥中心运行项目”资金表“年度资金总额”全年预算数 129.44 万元 ≠ 其中各项资金合计 "
            "129.42 万元，相差 +0.02 万元（尾差，属四舍五入）",
        ),
    ],
    ids=["mismatch", "rounding"],
)
def test_total_must_equal_its_sources(tmp_path: Path, cell: str, status: str, message: str) -> None:
    book = _build_edited(tmp_path / "自评表.xlsx", {"数字化城管": ({"D7": float(cell)}, ())})
    run = api.run_path(book, "mof-project", 2024, engine="reference")
    rows = run.checks[run.checks["check_id"] == "funds-block"]
    assert [(r.status, r.message) for r in rows.itertuples()] == [("fail" if status == "fail" else "note", message)]
    # The total row still decides the money: 129.44 of 129.44 → 10.
    p = run.result.projects.set_index("project_name").loc["数字化城管指挥中心运行项目"]
    assert p["budget_final"] == 129.44


def test_agreeing_funds_block_adds_no_check() -> None:
    run = api.run_path(FIXTURE, "mof-project", 2024, engine="reference")
    assert "funds-block" not in set(run.checks["check_id"])
