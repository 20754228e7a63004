"""The xlsx 自评表 read back by cell: scores as numbers in the right cells, merged 一级/二级 cells, sheet names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from runs import scored

from scoring import api
from scoring.adapters.xlsx import display_width, sheet_title
from scoring.model.run import Run
from scoring.render.xlsx import FIXED_SHEETS, ITEM_HEADERS, render_xlsx

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="module")
def lusong_book(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    run = scored(EXAMPLES / "lusong-chengguan", "mof-project")
    out = render_xlsx(run, tmp_path_factory.mktemp("xlsx") / "lusong.xlsx")
    return load_workbook(out)


@pytest.fixture(scope="module")
def overview_run() -> Run:
    return scored(DATA / "overview", "mof-project")


@pytest.fixture(scope="module")
def overview_book(overview_run: Run, tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return load_workbook(render_xlsx(overview_run, tmp_path_factory.mktemp("xlsx") / "overview.xlsx"))


@pytest.fixture(scope="module")
def dept_book(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    run = scored(EXAMPLES / "lusong-chengguan", "province-dept")
    return load_workbook(render_xlsx(run, tmp_path_factory.mktemp("xlsx") / "dept.xlsx"))


def row_of(ws: Worksheet, column: int, value: str) -> int:
    hits = [r for r in range(1, ws.max_row + 1) if ws.cell(r, column).value == value]
    assert len(hits) == 1, f"{value!r} in column {column}: rows {hits}"
    return hits[0]


def merged(ws: Worksheet) -> set[str]:
    return {str(r) for r in ws.merged_cells.ranges}


# ------------------------------------------------------------------ sheet names


def test_sheet_names_project_scope(lusong_book: Workbook) -> None:
    assert lusong_book.sheetnames == [
        "汇总",
        "P01 数字化城管指挥中心运行项目",
        "P02 市政工程维护中心运行维护项目",
        "P03 钟鼓岭提质改造项目",
        "P04 城管考评、龙泉片区提质、中心广场等项目",
        "P05 垃圾分类项目",
        "P06 特许经营权咨询服务项目",
        "P07 营造节日气氛及绿化维护项目",
        "P08 小游园提质改造项目",
        "问题与措施",
        "一致性检查",
        "被拒绝的行",
    ]


def test_sheet_names_department_scope(dept_book: Workbook) -> None:
    assert dept_book.sheetnames == ["汇总", "株洲市芦淞区城市管理和综合执法局", *FIXED_SHEETS[1:]]


SHEET_TITLES = [
    ("plain", "P01 项目", [], "P01 项目"),
    ("invalid chars replaced", "a/b\\c?d*e[f]g:h", [], "a_b_c_d_e_f_g_h"),
    ("cut to 31", "一" * 40, [], "一" * 31),
    ("duplicate gets suffix", "汇总", ["汇总"], "汇总(2)"),
    ("case-insensitive duplicate", "abc", ["ABC"], "abc(2)"),
    ("suffix fits in 31", "一" * 40, ["一" * 31], "一" * 28 + "(2)"),
    ("third copy", "x", ["x", "x(2)"], "x(3)"),
    ("quotes stripped", "'名称'", [], "名称"),
]


@pytest.mark.parametrize(("name", "taken", "expected"), [s[1:] for s in SHEET_TITLES], ids=[s[0] for s in SHEET_TITLES])
def test_sheet_title(name: str, taken: list[str], expected: str) -> None:
    got = sheet_title(name, taken)
    assert got == expected
    assert len(got) <= 31


def test_display_width_counts_cjk_double() -> None:
    assert display_width("P01 项目") == 4 + 4


def test_same_project_in_two_departments_gets_two_sheets(tmp_path: Path) -> None:
    """Two departments with the same project code and a long name: names stay ≤ 31 and unique."""
    for code in ("990001", "990002"):
        shutil.copytree(DATA / "overview", tmp_path / "in" / code)
        info = tmp_path / "in" / code / "单位信息.csv"
        info.write_text(info.read_text(encoding="utf-8").replace("990001", code), encoding="utf-8")
        projects = tmp_path / "in" / code / "项目支出.csv"
        projects.write_text(
            projects.read_text(encoding="utf-8").replace("道路<维修>项目", "道路维修" * 10), encoding="utf-8"
        )
    run = api.run_path(tmp_path / "in", "mof-project", 2024)
    names = load_workbook(render_xlsx(run, tmp_path / "two.xlsx")).sheetnames
    long = ("T01 " + "道路维修" * 10)[:31]
    assert names[:5] == ["汇总", long, "T02 绿化&养护项目", long[:28] + "(2)", "T02 绿化&养护项目(2)"]
    assert all(len(n) <= 31 for n in names)


# ------------------------------------------------------------------ a project sheet, by cell


def test_hand_computed_project_score(lusong_book: Workbook) -> None:
    ws = lusong_book["P01 数字化城管指挥中心运行项目"]
    assert ws["A1"].value == "项目支出绩效自评表"
    assert ws["B3"].value == "数字化城管指挥中心运行项目"
    assert ws["B4"].value == "株洲市芦淞区城市管理和综合执法局"
    # 按期结案率: 5 产出 indicators share 50 → 10 each; 81.32% of a ≥90% target → 81.32 / 90 × 10.
    r = row_of(ws, 3, "按期结案率")
    assert ws.cell(r, 6).value == pytest.approx(10.0)
    assert isinstance(ws.cell(r, 7).value, float)
    assert ws.cell(r, 7).value == pytest.approx(9.04, abs=1e-9)  # 81.32 / 90 × 10 = 9.0356, rounded first
    assert ws.cell(r, 7).number_format == "0.00"
    assert "偏差原因：部分案件涉及多部门协调" in ws.cell(r, 9).value
    # 总分: 执行率 10 + 产出 40 + 9.035556 + 效益 30 + 满意度 10.
    t = row_of(ws, 1, "总分")
    assert ws.cell(t, 6).value == pytest.approx(100.0)
    assert ws.cell(t, 7).value == pytest.approx(10 + 40 + 9.04 + 30 + 10, abs=1e-9)  # rounded parts add up
    assert ws.cell(t, 7).number_format == "0.00"
    assert ws.cell(t + 1, 1).value == "等级"
    assert ws.cell(t + 1, 7).value == "优"


def test_funds_block(lusong_book: Workbook) -> None:
    ws = lusong_book["P01 数字化城管指挥中心运行项目"]
    assert [ws.cell(5, c).value for c in range(3, 9)] == [
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率",
        "得分",
    ]
    assert [ws.cell(6, c).value for c in range(3, 6)] == [pytest.approx(129.44)] * 3
    assert ws.cell(6, 6).value == pytest.approx(10.0)
    assert ws.cell(6, 7).value == pytest.approx(1.0)
    assert ws.cell(6, 7).number_format == "0.00%"
    assert ws.cell(6, 8).value == pytest.approx(10.0)
    # 其中：当年财政拨款 / 上年结转资金 / 其他资金 keep their rows (blank: the example has no split by source).
    assert [ws.cell(r, 2).value for r in range(6, 10)] == [
        "年度资金总额",
        "其中：当年财政拨款",
        "上年结转资金",
        "其他资金",
    ]
    assert all(ws.cell(r, c).value is None for r in range(7, 10) for c in range(3, 9))
    assert "A5:A9" in merged(ws)


def test_indicator_header_and_merged_levels(lusong_book: Workbook) -> None:
    ws = lusong_book["P01 数字化城管指挥中心运行项目"]
    head = row_of(ws, 1, "一级指标")
    assert tuple(ws.cell(head, c).value for c in range(1, 10)) == ITEM_HEADERS
    first = head + 1
    # 产出: 立案数, 结案数, 督查通报期数 (数量, grouped), 结案率 (质量), 按期结案率 (时效).
    assert [ws.cell(first + i, 3).value for i in range(5)] == [
        "立案数",
        "结案数",
        "督查通报期数",
        "结案率",
        "按期结案率",
    ]
    assert f"A{first}:A{first + 4}" in merged(ws)
    assert f"B{first}:B{first + 2}" in merged(ws)
    assert ws.cell(first, 1).value == "产出指标"
    assert ws.cell(first, 2).value == "数量指标"
    assert ws.cell(first + 3, 2).value == "质量指标"
    # 执行率 is scored in the funds block, not repeated among the indicators.
    assert "预算执行率" not in [ws.cell(r, 3).value for r in range(first, ws.max_row + 1)]


def test_withheld_level_shows_as_zero(lusong_book: Workbook) -> None:
    ws = lusong_book["P03 钟鼓岭提质改造项目"]
    r = row_of(ws, 1, "满意度指标")
    # No 三级 text on the placeholder row, so reading the sheet back does not invent an indicator.
    assert [ws.cell(r, c).value for c in (3, 4, 5)] == [None, None, None]
    assert ws.cell(r, 9).value == "未设置满意度指标，本级 10.00 分未得"
    assert ws.cell(r, 6).value == pytest.approx(10.0)
    assert ws.cell(r, 7).value == 0
    assert ws.cell(row_of(ws, 1, "总分"), 7).value == pytest.approx(90.0)


def test_own_data_by_cell(overview_book: Workbook) -> None:
    ws = overview_book["T01 道路<维修>项目"]
    # 产出 50 over 2 indicators: 维修面积 800/1000 × 25 = 20; 效益 部分达成 = 0.7 × 30 = 21.
    assert ws.cell(row_of(ws, 3, "维修面积"), 7).value == pytest.approx(20.0)
    assert ws.cell(row_of(ws, 3, "通行<条件>"), 7).value == pytest.approx(21.0)
    # 执行率 90 / 120 = 75% → 7.5; total 7.5 + 45 + 21 + 10.
    assert ws.cell(6, 8).value == pytest.approx(7.5)
    assert ws.cell(row_of(ws, 1, "总分"), 7).value == pytest.approx(83.5)


def test_targets_starting_with_equals_stay_text(lusong_book: Workbook) -> None:
    ws = lusong_book["P05 垃圾分类项目"]
    cell = ws.cell(row_of(ws, 3, "垃圾分类提档增效方案"), 4)
    assert (cell.value, cell.data_type) == ("=1个", "s")  # not a formula Excel would show as #NAME?


def test_round_trip_through_the_mof_reader(tmp_path: Path) -> None:
    """The export is a MoF 自评表 itself: scoring it again gives every project the same total."""
    run = scored(EXAMPLES / "lusong-chengguan", "mof-project")
    again = api.run_path(render_xlsx(run, tmp_path / "review.xlsx"), "mof-project", 2024)
    assert again.dataset.rejections == ()
    before = run.result.projects.set_index("project_code")["total"]
    after = again.result.projects.set_index("project_code")["total"]
    # The form states 分值 to two places (3 × 16.67 for a 50-point level), as printed forms do, so a project
    # read back may differ by the rounding of its weights: at most a cent.
    pd.testing.assert_series_equal(before, after, check_exact=False, atol=0.0101)
    assert (before.round(2) == after.round(2)).sum() >= len(before) - 1
    assert again.result.departments[["dept_code", "dept_name"]].values.tolist() == [
        ["430203017", "株洲市芦淞区城市管理和综合执法局"]
    ]
    # perfscore's own 得分 comes back as the published score beside the recomputed one.
    it = again.result.items
    row = it[(it["project_code"] == "P01") & (it["name"] == "按期结案率")].iloc[0]
    assert row["published_score"] == pytest.approx(row["points"], abs=0.005)  # the stated, rounded 9.04


# ------------------------------------------------------------------ 汇总 and the other sheets


def test_summary_ranking(overview_book: Workbook) -> None:
    ws = overview_book["汇总"]
    head = row_of(ws, 1, "排名")
    assert [ws.cell(head, c).value for c in range(1, 8)] == [
        "排名",
        "部门",
        "部门编码",
        "年度",
        "得分",
        "等级",
        "项目数",
    ]
    row = [ws.cell(head + 1, c).value for c in range(1, 8)]
    # budget-weighted mean: (120 × 83.5 + 50 × 90) / 170 = 85.4118 → 85.41; one row of the data is rejected,
    # so the grade is provisional (issue 9).
    assert row == [1, '测试<区>城管 & "环卫"局', "990001", 2024, pytest.approx(85.41), "良（暂定）", 2]
    assert ws.cell(head + 1, 5).number_format == "0.00"
    projects = row_of(ws, 1, "项目得分")
    assert ws.cell(projects + 2, 3).value == "道路<维修>项目"
    assert ws.cell(projects + 2, 3).hyperlink is not None
    assert ws.cell(projects + 2, 7).value == pytest.approx(83.5)


def test_findings_sheet(overview_run: Run, overview_book: Workbook) -> None:
    ws = overview_book["问题与措施"]
    assert [c.value for c in ws[1]][:7] == ["序号", "部门", "严重程度", "类别", "问题", "原因", "措施"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(overview_run.findings) > 0
    assert {r[4] for r in rows} == {f.problem for f in overview_run.findings}
    severities = [r[2] for r in rows]
    order = {"重要": 0, "一般": 1, "提示": 2}
    assert severities == sorted(severities, key=order.__getitem__)
    assert ws.cell(2, 5).alignment.wrap_text


def test_checks_and_rejections_sheets(overview_run: Run, overview_book: Workbook) -> None:
    checks = overview_book["一致性检查"]
    assert checks.max_row - 1 == len(overview_run.checks)
    statuses = [checks.cell(r, 4).value for r in range(2, checks.max_row + 1)]
    assert "不符" in statuses
    rej = overview_book["被拒绝的行"]
    assert rej.max_row - 1 == len(overview_run.dataset.rejections) == 1
    assert rej.cell(2, 4).value == 6  # the CSV row a person sees (header is row 1)
    assert rej.cell(2, 6).value == "很多"


def test_department_scope_sheet(dept_book: Workbook) -> None:
    ws = dept_book["株洲市芦淞区城市管理和综合执法局"]
    assert ws["A1"].value == "部门整体支出绩效自评表"
    r = row_of(ws, 3, "绩效指标明确性")
    assert ws.cell(r, 7).value == pytest.approx(ws.cell(r, 6).value * 0.6)  # 基本明确: 60% of its points
    t = row_of(ws, 1, "总分")
    items = [ws.cell(i, 7).value for i in range(row_of(ws, 1, "一级指标") + 1, t)]
    # department total = sum of its indicators, each cell rounded to the cent it states
    assert ws.cell(t, 7).value == pytest.approx(sum(items), abs=0.005 * len(items))


# ------------------------------------------------------------------ print: fonts, page, stated values


def test_every_sheet_prints_a4_landscape_with_repeated_headers(lusong_book: Workbook) -> None:
    for ws in lusong_book.worksheets:
        assert int(ws.page_setup.paperSize) == 9, ws.title  # 9 = A4 in OOXML
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows, ws.title
    ws = lusong_book["P01 数字化城管指挥中心运行项目"]
    head = row_of(ws, 1, "一级指标")
    assert ws.print_title_rows == f"${head}:${head}"  # the indicator header repeats on every printed page
    assert lusong_book["汇总"].print_title_rows == "$6:$6"
    assert ws.oddFooter.center.text == "第 &P 页，共 &N 页"


def test_cells_are_set_in_songti(lusong_book: Workbook) -> None:
    ws = lusong_book["P01 数字化城管指挥中心运行项目"]
    for cell in (ws["A1"], ws["C5"], ws.cell(row_of(ws, 3, "按期结案率"), 7), ws.cell(row_of(ws, 3, "立案数"), 3)):
        assert cell.font.name == "宋体", cell.coordinate
        assert cell.font.charset == 134  # GB2312: a machine without 宋体 substitutes a Chinese serif
    assert ws["A1"].font.b and ws["A1"].font.sz == 16
    # A cell perfscore never styled still reads in 宋体: the workbook's default font is not Calibri.
    assert ws.cell(ws.max_row + 5, 20).font.name == "宋体"


def test_numbers_are_stored_as_stated(lusong_book: Workbook) -> None:
    """Every score and amount holds at most two decimals, every rate at most four (0.00%)."""
    for ws in lusong_book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, float):
                    places = 4 if cell.number_format == "0.00%" else 2
                    assert cell.value == round(cell.value, places), (ws.title, cell.coordinate, cell.value)
    ws = lusong_book["P01 数字化城管指挥中心运行项目"]
    assert ws.cell(6, 7).value == 1.0 and ws.cell(6, 7).number_format == "0.00%"  # 执行率 129.44 / 129.44


def test_goal_block_carries_the_description_or_a_placeholder(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLES / "lusong-chengguan", tmp_path / "in")
    projects = tmp_path / "in" / "项目支出.csv"
    df = pd.read_csv(projects, dtype=str)
    df["项目概况"] = ["全年受理城市管理案件不少于10万件，按期结案率达到90%以上"] + [""] * (len(df) - 1)
    df.to_csv(projects, index=False)
    run = api.run_path(tmp_path / "in", "mof-project", 2024)
    book = load_workbook(render_xlsx(run, tmp_path / "goal.xlsx"))
    ws = book["P01 数字化城管指挥中心运行项目"]
    g = row_of(ws, 1, "年度总体目标")
    assert (ws.cell(g, 2).value, ws.cell(g, 6).value) == ("预期目标", "实际完成情况")
    assert ws.cell(g + 1, 2).value == "全年受理城市管理案件不少于10万件，按期结案率达到90%以上"
    assert ws.cell(g + 1, 6).value == "【待单位补充：年度总体目标实际完成情况】"
    assert f"B{g + 1}:E{g + 1}" in merged(ws)
    assert row_of(ws, 1, "一级指标") == g + 3
    other = book["P02 市政工程维护中心运行维护项目"]
    assert other.cell(row_of(other, 1, "年度总体目标") + 1, 2).value == "【待单位补充：年度总体目标】"


# ------------------------------------------------------------------ the 其中 rows of the funds block (issue 12)

SOURCE_ROWS = ("其中：当年财政拨款", "上年结转资金", "其他资金")


def _funds_rows(ws: Worksheet) -> dict[str, list[object]]:
    """年度资金总额 and the 其中 rows as written: 年初预算数, 全年预算数, 全年执行数, 分值, 执行率, 得分."""
    return {str(ws.cell(r, 2).value): [ws.cell(r, c).value for c in range(3, 9)] for r in range(6, 10)}


def _mof_with_sources(path: Path, sources: dict[str, tuple[object, object, object]]) -> Path:
    """The committed builder's workbook with the 数字化城管 source rows (B7:B9) rewritten, cached values kept."""
    from mof_builder import PROJECTS, build_workbook, cached_values, set_cached_values

    formulas = build_workbook(path, cached=False)
    wb = load_workbook(path)
    ws = wb["数字化城管"]
    for r, label in enumerate(SOURCE_ROWS, start=7):
        for col, v in zip("CDE", sources[label], strict=True):
            ws[f"{col}{r}"] = v
    wb.save(path)
    set_cached_values(path, cached_values(PROJECTS, formulas))
    return path


def test_source_rows_carry_the_mof_forms_figures(tmp_path: Path) -> None:
    """Read a MoF form with amounts by source, render, read the cells back: each source's 年初预算数 / 全年预算数
    / 全年执行数 as the input gives them; a blank source stays blank (unknown), never 0; 执行率 and 得分 on the
    total row only. 129.44 = 100 + 29.44 + 0."""
    book = _mof_with_sources(
        tmp_path / "自评表.xlsx",
        {"其中：当年财政拨款": (100, 100, 100), "上年结转资金": (29.44, 29.44, 29.44), "其他资金": (None, None, None)},
    )
    run = api.run_path(book, "mof-project", 2024)
    assert "funds-block" not in set(run.checks["check_id"])  # the sources add up to the total
    ws = load_workbook(render_xlsx(run, tmp_path / "scored.xlsx"))["P01 数字化城管指挥中心运行项目"]
    rows = _funds_rows(ws)
    assert rows["年度资金总额"][:3] == [129.44] * 3
    assert rows["其中：当年财政拨款"] == [100, 100, 100, None, None, None]
    assert rows["上年结转资金"] == [29.44, 29.44, 29.44, None, None, None]
    assert rows["其他资金"] == [None] * 6
    assert ws.cell(7, 3).number_format == ws.cell(6, 3).number_format  # money format as the total's


def test_source_rows_rounded_to_add_up_to_the_total(tmp_path: Path) -> None:
    """43.145 + 43.145 + 43.15 = 129.44 exactly. Half-up each would show 43.15 × 3 = 129.45 under a total of
    129.44; the cent the rounding adds goes back from the first of the tied parts: 43.15 + 43.14 + 43.15."""
    book = _mof_with_sources(
        tmp_path / "自评表.xlsx",
        {
            "其中：当年财政拨款": (43.145, 43.145, 43.145),
            "上年结转资金": (43.145, 43.145, 43.145),
            "其他资金": (43.15, 43.15, 43.15),
        },
    )
    run = api.run_path(book, "mof-project", 2024)
    assert "funds-block" not in set(run.checks["check_id"])
    ws = load_workbook(render_xlsx(run, tmp_path / "scored.xlsx"))["P01 数字化城管指挥中心运行项目"]
    rows = _funds_rows(ws)
    shown = [rows[label][1] for label in SOURCE_ROWS]
    assert shown == [43.15, 43.14, 43.15]
    assert round(sum(shown), 2) == rows["年度资金总额"][1] == 129.44  # type: ignore[arg-type]


def test_sources_that_do_not_add_up_are_shown_as_given(tmp_path: Path) -> None:
    """120 under a total of 129.44: no apportioning hides the gap; the funds-block check reports it."""
    book = _mof_with_sources(
        tmp_path / "自评表.xlsx",
        {"其中：当年财政拨款": (129.44, 120, 129.44), "上年结转资金": (0, 0, 0), "其他资金": (0, 0, 0)},
    )
    run = api.run_path(book, "mof-project", 2024)
    assert "funds-block" in set(run.checks["check_id"])
    rows = _funds_rows(load_workbook(render_xlsx(run, tmp_path / "scored.xlsx"))["P01 数字化城管指挥中心运行项目"])
    assert [rows[label][:3] for label in SOURCE_ROWS] == [[129.44, 120, 129.44], [0, 0, 0], [0, 0, 0]]


def test_provincial_source_rows_fold_into_the_mof_three(tmp_path: Path) -> None:
    """Sichuan 02: 其中：财政资金 238.93 / 251.89 / 251.89 is 当年财政拨款; 财政专户管理资金 0 + 单位资金 0 +
    其他资金 (blank) is 其他资金 0; no 上年结转 row, so that row is blank."""
    import sys

    sys.path.insert(0, str(DATA / "forms"))
    from form_builder import build_form

    book = build_form(DATA / "forms" / "02-sichuan-qingshen-gongzixing-2023.yaml", tmp_path / "02.xlsx")
    run = api.run_path(book, "variant-10-90", 2023)
    (name,) = [n for n in load_workbook(render_xlsx(run, tmp_path / "scored.xlsx")).sheetnames if n not in FIXED_SHEETS]
    rows = _funds_rows(load_workbook(tmp_path / "scored.xlsx")[name])
    assert rows["年度资金总额"][:3] == [238.93, 251.89, 251.89]
    assert rows["其中：当年财政拨款"][:3] == [238.93, 251.89, 251.89]
    assert rows["上年结转资金"][:3] == [None, None, None]
    assert rows["其他资金"][:3] == [0, 0, 0]


def test_source_columns_of_the_perfscore_workbook(tmp_path: Path) -> None:
    """The 项目支出 table's optional source columns (CSV here): given for P01, absent for the others (blank)."""
    folder = tmp_path / "城管局"
    shutil.copytree(EXAMPLES / "lusong-chengguan", folder)
    csv = folder / "项目支出.csv"
    df = pd.read_csv(csv, dtype=str)
    df["财政拨款全年预算数"] = ["100.5", *[""] * (len(df) - 1)]
    df["上年结转全年预算数"] = ["28.94", *[""] * (len(df) - 1)]
    df["其他资金全年预算数"] = ["0", *[""] * (len(df) - 1)]
    df.to_csv(csv, index=False)
    run = api.run_path(folder, "mof-project", 2024)
    assert run.dataset.rejections == ()
    book = load_workbook(render_xlsx(run, tmp_path / "scored.xlsx"))
    rows = _funds_rows(book["P01 数字化城管指挥中心运行项目"])
    assert [rows[label][:3] for label in SOURCE_ROWS] == [[None, 100.5, None], [None, 28.94, None], [None, 0, None]]
    assert all(_funds_rows(book["P02 市政工程维护中心运行维护项目"])[label] == [None] * 6 for label in SOURCE_ROWS)


def test_department_sheet_sums_sources_only_when_every_project_gives_them(tmp_path: Path) -> None:
    folder = tmp_path / "城管局"
    shutil.copytree(EXAMPLES / "lusong-chengguan", folder)
    csv = folder / "项目支出.csv"
    df = pd.read_csv(csv, dtype=str)
    df["财政拨款全年执行数"] = df["全年执行数"]  # every project: all of it 财政拨款
    df["其他资金全年执行数"] = ["0", *[""] * (len(df) - 1)]  # one project only: unknown for the department
    df.to_csv(csv, index=False)
    run = api.run_path(folder, "province-dept", 2024)
    ws = load_workbook(render_xlsx(run, tmp_path / "dept.xlsx"))["株洲市芦淞区城市管理和综合执法局"]
    rows = _funds_rows(ws)
    assert rows["其中：当年财政拨款"][2] == rows["年度资金总额"][2]
    assert rows["其他资金"][2] is None
