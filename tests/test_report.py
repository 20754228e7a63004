"""The self-evaluation report: sections 七/八 name the real weak projects and numbers, and only those."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from runs import scored
from typer.testing import CliRunner

from scoring import api
from scoring.cli import app
from scoring.render.report import build_report, render_report_docx, render_report_markdown

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def section(text: str, start: str, end: str) -> str:
    return text[text.index(start) : text.index(end)]


def sentences(markdown: str) -> list[str]:
    """The prose sentences of a report (tables and headings left out), split at 。."""
    prose = [line for line in markdown.splitlines() if line and not line.startswith(("|", "#"))]
    return [s.strip() for line in prose for s in line.split("。") if s.strip()]


@pytest.fixture(scope="module")
def education() -> str:
    run = scored(EXAMPLES / "district-education", "mof-project")
    return render_report_markdown(build_report(run, "430299101"))


@pytest.fixture(scope="module")
def education_dept() -> str:
    run = scored(EXAMPLES / "district-education", "province-dept")
    return render_report_markdown(build_report(run, "430299101"))


def heads(text: str, mark: str) -> list[str]:
    return [line[len(mark) :] for line in text.splitlines() if line.startswith(mark)]


def test_project_scope_follows_the_project_report_outline(education: str) -> None:
    # 财预〔2020〕10号 项目支出绩效自评报告: 基本情况 … 其他需要说明的问题, each project under 四（二）.
    assert education.startswith("# 2024年度示例区教育局项目支出绩效自评报告\n")
    assert heads(education, "## ") == [
        "一、基本情况",
        "二、绩效自评工作开展情况",
        "三、综合评价情况及评价结论",
        "四、绩效目标完成情况分析",
        "五、存在的问题及原因分析",
        "六、下一步改进措施",
        "七、绩效自评结果拟应用和公开情况",
        "八、其他需要说明的问题",
    ]
    assert heads(education, "#### ") == [
        "1.学生资助补助项目",
        "2.校舍维修改造项目",
        "3.教师培训项目",
        "4.教育信息化建设项目",
    ]
    part = section(education, "### （二）各项目绩效目标完成情况", "## 五、")
    assert part.index("#### 1.") < part.index("#### 4.")


def test_department_scope_follows_the_whole_department_outline_with_projects(education_dept: str) -> None:
    assert education_dept.startswith("# 2024年度示例区教育局部门整体支出绩效自评报告\n")
    assert [h[:2] for h in heads(education_dept, "## ")] == [
        "一、",
        "二、",
        "三、",
        "四、",
        "五、",
        "六、",
        "七、",
        "八、",
        "九、",
    ]
    six = section(education_dept, "## 六、", "## 七、")
    assert "### （一）整体支出绩效情况" in six and "### （二）项目支出绩效情况" in six
    assert heads(six, "#### ") == ["1.学生资助补助项目", "2.校舍维修改造项目", "3.教师培训项目", "4.教育信息化建设项目"]
    # E02: 202.64 → 132.91 is a −69.73 adjustment; its 偏差原因 is the department's own text, carried.
    assert "该项目全年预算132.91万元，年中调整-69.73万元，实际支出96.00万元，预算执行率72.23%" in six
    assert "部分学校维修项目因设计变更推迟至下年实施" in six
    # 81.28 = 7.27 + 27.67 + 27.66 + 18.68: the total is the sum of the shown 一级 totals (one rounding rule)
    assert "自评得分81.28分，评价等级为“良”。其中，投入7.27分（满分15分）、过程27.67分（满分35分）" in six


def test_problems_name_weak_projects_and_numbers(education: str) -> None:
    problems = section(education, "## 五、", "## 六、")
    # E02: 96 / 132.91 = 72.23% executed; 202.64 → 132.91 is a 34.41% adjustment; 36.91 carried over.
    assert "“校舍维修改造项目”全年预算132.91万元，实际支出96.00万元，预算执行率仅72.23%" in problems
    assert "年初预算202.64万元，全年预算调整为132.91万元，调整幅度34.41%" in problems
    assert "年末结转结余36.91万元" in problems
    # E04 executed 250 / 300 = 83.33%: the medium-severity rule, after the high one.
    assert problems.index("72.23%") < problems.index("“教育信息化建设项目”预算执行率为83.33%")
    # Below-target indicators with their numbers: 8600 / 12000 = 71.67%, 12.5 × (1 − 0.7167) = 3.54 lost.
    assert "“维修校舍面积”年度目标≥12000平方米，实际完成8600平方米，完成率71.67%，扣3.54分" in problems
    assert "“培训教师人次”实际完成2000人次，为年度目标≥800人次的250%" in problems
    assert "学生资助补助项目" not in problems  # met every target, spent 98%


@pytest.mark.parametrize("ruleset", ["mof-project", "province-dept"])
def test_problems_share_causes_and_measures_are_merged(ruleset: str) -> None:
    run = api.run_path(EXAMPLES / "district-education", ruleset, 2024)
    text = render_report_markdown(build_report(run, "430299101"))
    numbers = ("五", "六", "七") if ruleset == "mof-project" else ("七", "八", "九")
    problems = section(text, f"## {numbers[0]}、", f"## {numbers[1]}、")
    measures = section(text, f"## {numbers[1]}、", f"## {numbers[2]}、")
    causes = {f.cause for f in run.findings}
    n = sum(1 for line in problems.splitlines() if line.startswith("（"))
    assert problems.count("原因分析：") == n == len(causes)  # one numbered problem per distinct cause
    listed = [line for line in measures.splitlines() if line.startswith("（")]
    assert 3 <= len(listed) <= 6
    assert "针对问题" not in measures
    # Concrete: every project a finding names is named again in the measures, with the year they apply to.
    for f in run.findings:
        for subject in f.subjects:
            project = subject.split("·")[0]
            if project in {str(p) for p in run.dataset.projects["project_name"]}:
                assert f"“{project}”" in measures, project
    assert "2025年" in measures


def test_report_never_repeats_a_sentence() -> None:
    for ruleset in ("mof-project", "province-dept"):
        run = api.run_path(EXAMPLES, ruleset, 2024)
        for code in run.result.departments["dept_code"]:
            said = sentences(render_report_markdown(build_report(run, code)))
            repeated = {s for s in said if said.count(s) > 1}
            assert not repeated, (ruleset, code, repeated)


def test_no_internal_identifiers_or_other_departments() -> None:
    for ruleset in ("mof-project", "province-dept", "variant-10-90"):
        run = api.run_path(EXAMPLES, ruleset, 2024)
        names = list(run.result.departments["dept_name"])
        for code, own in zip(run.result.departments["dept_code"], names, strict=True):
            text = render_report_markdown(build_report(run, code))
            for word in (run.ruleset.name, run.ruleset.version, "perfscore", "规则集", "排名", "参评", "mof-"):
                assert word not in text, (ruleset, own, word)
            for f in run.findings:
                assert f.rule_id not in text, (ruleset, own, f.rule_id)
            for other in names:
                assert other == own or other not in text, (ruleset, own, other)
    run = scored(EXAMPLES, "mof-project")
    text = render_report_markdown(build_report(run, "430299101"))
    assert "根据财政部《项目支出绩效评价管理办法》（财预〔2020〕10号）要求" in text


def test_what_only_the_department_knows_is_a_marked_placeholder(education: str) -> None:
    basics = section(education, "## 一、", "## 二、")
    assert "【待单位补充：单位性质、内设机构（股室）和所属二级机构设置情况】" in basics
    assert "【待单位补充：单位主要职能和年度重点工作】" in basics
    for name in ("学生资助补助项目", "校舍维修改造项目", "教师培训项目", "教育信息化建设项目"):
        assert f"【待单位补充：“{name}”年度总体绩效目标、资金主要用途、全年完成的主要工作和取得的成效】" in education
    # E02 暑期完工率 missed its target and the department gave no 偏差原因; 维修校舍面积 has one, carried.
    assert "【待单位补充：“校舍维修改造项目”的“暑期完工率”偏离年度指标值的原因及改进措施】" in education
    assert "“维修校舍面积”偏差原因：部分学校维修项目因设计变更推迟至下年实施。" in education


@pytest.mark.parametrize("ruleset", ["mof-project", "province-dept"])
def test_text_the_department_wrote_is_carried(tmp_path: Path, ruleset: str) -> None:
    import shutil

    folder = Path(shutil.copytree(EXAMPLES / "district-education", tmp_path / "e"))
    (folder / "单位信息.csv").write_text(
        "部门编码,部门名称,年度,编制人数,在职人数,机构设置,主要职能\n"
        "430299101,示例区教育局,2024,60,63,内设办公室、财务股、基础教育股3个股室,负责全区基础教育管理\n",
        encoding="utf-8",
    )
    projects = folder / "项目支出.csv"
    lines = projects.read_text(encoding="utf-8").splitlines()
    written = "完成12所学校校舍维修，消除D级危房2处"
    lines = [lines[0] + ",说明", *(f"{line},{written if line.startswith('E02,') else ''}" for line in lines[1:])]
    projects.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = render_report_markdown(build_report(api.run_path(folder, ruleset, 2024), "430299101"))
    basics = section(text, "## 一、", "## 二、")
    assert "内设办公室、财务股、基础教育股3个股室。" in basics and "负责全区基础教育管理。" in basics
    assert "【待单位补充：单位性质" not in basics and "【待单位补充：单位主要职能" not in basics
    assert f"{written}。" in text
    assert "【待单位补充：“校舍维修改造项目”年度总体绩效目标" not in text
    assert "【待单位补充：“教师培训项目”年度总体绩效目标" in text  # left blank: still marked


def test_department_without_weaknesses_gets_no_invented_problems() -> None:
    run = api.run_path(EXAMPLES / "district-health", "mof-project", 2024)
    assert run.findings == ()
    text = render_report_markdown(build_report(run, "430299201"))
    assert "本年度未发现需要整改的问题" in section(text, "## 五、", "## 六、")


def test_lusong_report_golden(golden: Callable[[str, str], None]) -> None:
    run = scored(EXAMPLES / "lusong-chengguan", "mof-project")
    golden("report-lusong-chengguan.md", render_report_markdown(build_report(run, "430203017")))


def test_merged_findings_list_their_subjects() -> None:
    run = scored(EXAMPLES / "lusong-chengguan", "mof-project")
    merged = [f for f in run.findings if f.rule_id == "no-satisfaction-indicator"]
    assert len(merged) == 1
    assert merged[0].problem == "“钟鼓岭提质改造项目”、“特许经营权咨询服务项目”2个项目未设置服务对象满意度指标"
    assert merged[0].subjects == ("钟鼓岭提质改造项目", "特许经营权咨询服务项目")


def test_two_runs_in_one_process_give_identical_findings() -> None:
    a = api.run_path(EXAMPLES, "mof-project", 2024).findings
    b = api.run_path(EXAMPLES, "mof-project", 2024).findings
    ref = api.run_path(EXAMPLES, "mof-project", 2024, engine="reference").findings
    strip = [(f.rule_id, f.dept_code, f.problem, f.cause, f.measure) for f in a]
    assert strip == [(f.rule_id, f.dept_code, f.problem, f.cause, f.measure) for f in b]
    assert strip == [(f.rule_id, f.dept_code, f.problem, f.cause, f.measure) for f in ref]


def test_docx_report_reads_back(tmp_path: Path) -> None:
    from docx import Document

    run = scored(EXAMPLES / "district-education", "mof-project")
    out = tmp_path / "报告.docx"
    render_report_docx(build_report(run, "430299101"), str(out))
    doc = Document(str(out))
    texts = [p.text for p in doc.paragraphs]
    assert "五、存在的问题及原因分析" in texts and "六、下一步改进措施" in texts
    assert any("预算执行率仅72.23%" in t for t in texts)
    tables = [t for t in doc.tables if t.rows[0].cells[0].text == "一级指标"]
    assert len(tables) == 4  # one scored table per project
    header = [c.text for c in tables[0].rows[0].cells]
    # no 自评得分 column: the example publishes no scores of its own
    assert header == ["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "分值", "得分", "说明"]
    e02 = [[c.text for c in row.cells] for row in tables[1].rows]
    assert [
        "产出指标",
        "数量指标",
        "维修校舍面积",
        "≥12000平方米",
        "8600平方米",
        "12.50",
        "8.96",
        "完成率 71.67%",
    ] in e02


def _east_asia(element: object) -> str | None:
    from docx.oxml.ns import qn

    fonts = element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")  # type: ignore[attr-defined]
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


def test_docx_layout_follows_gbt_9704(tmp_path: Path) -> None:
    """A4, 版心 156 × 225 mm, 3号仿宋 with fixed 28.95 pt lines and a 2-character indent, 黑体/楷体 headings,
    "— 1 —" page numbers, tables as wide as the text with a repeated header and right-aligned numbers."""
    import zipfile

    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Length, Mm, Pt

    run = scored(EXAMPLES / "district-education", "mof-project")
    out = tmp_path / "报告.docx"
    render_report_docx(build_report(run, "430299101"), str(out))
    doc = Document(str(out))
    sec = doc.sections[0]

    def mm(v: int) -> float:
        return round(float(Length(v).mm), 1)  # twips in the file: compare to a tenth of a millimetre

    assert (mm(sec.page_width), mm(sec.page_height)) == (210.0, 297.0)  # not US Letter
    assert (mm(sec.top_margin), mm(sec.left_margin)) == (37.0, 28.0)
    assert mm(sec.page_width - sec.left_margin - sec.right_margin) == 156.0
    assert mm(sec.page_height - sec.top_margin - sec.bottom_margin) == 225.0

    normal = doc.styles["Normal"]
    assert _east_asia(normal.element) == "仿宋_GB2312" and normal.font.size == Pt(16)
    fmt = normal.paragraph_format
    assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY and 28 <= fmt.line_spacing.pt <= 29
    assert fmt.first_line_indent == Pt(32)  # two characters of 16 pt
    body = next(p for p in doc.paragraphs if "预算执行率仅72.23%" in p.text)
    assert body.style.name == "Normal"
    assert body.paragraph_format.first_line_indent is None  # inherits the indent, nothing overrides it

    by_text = {p.text: p for p in doc.paragraphs}
    title = by_text["2024年度示例区教育局项目支出绩效自评报告"]
    assert title.style.name == "Title" and _east_asia(title.style.element) == "方正小标宋简体"
    assert title.style.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _east_asia(by_text["五、存在的问题及原因分析"].style.element) == "黑体"
    assert _east_asia(by_text["（一）单位基本情况"].style.element) == "楷体_GB2312"
    project = by_text["2.校舍维修改造项目"]
    assert project.style.name == "Heading 3" and project.style.font.bold  # below （二）, not beside it
    for name in ("Title", "Heading 1", "Heading 2", "Heading 3"):
        fonts = doc.styles[name].element.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
        assert fonts.get(qn("w:eastAsiaTheme")) is None, name  # a theme font would override the face named

    footer = sec.footer.paragraphs[0]
    assert footer.text == "— 1 —" and "PAGE" in footer._p.xml
    with zipfile.ZipFile(out) as z:
        font_table = z.read("word/fontTable.xml").decode("utf-8")
    assert 'w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in font_table  # the named fallback face

    text_width = sec.page_width - sec.left_margin - sec.right_margin
    for table in doc.tables:
        grid = sum(int(c.get(qn("w:w"))) for c in table._tbl.tblGrid.findall(qn("w:gridCol")))  # twips
        assert abs(grid * 635 - text_width) < Mm(0.5), [c.text for c in table.rows[0].cells]
        rows = table.rows
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for r in rows)
    first = next(t for t in doc.tables if t.rows[0].cells[0].text == "一级指标")
    heads = [c.text for c in first.rows[0].cells]
    area = first.rows[1]  # 学生资助补助项目, 预算执行率
    align = {h: area.cells[i].paragraphs[0].alignment for i, h in enumerate(heads)}
    assert align["分值"] == align["得分"] == WD_ALIGN_PARAGRAPH.RIGHT
    assert align["三级指标"] == align["说明"] == WD_ALIGN_PARAGRAPH.LEFT
    assert area.cells[heads.index("分值")].text == "10.00"  # two places


def test_report_cli_writes_one_file_per_department(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(EXAMPLES), "--year", "2024", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.glob("*.md"))
    assert names == sorted(
        [
            "2024年度示例区卫生健康局项目支出绩效自评报告.md",
            "2024年度示例区教育局项目支出绩效自评报告.md",
            "2024年度株洲市芦淞区城市管理和综合执法局项目支出绩效自评报告.md",
        ]
    )


def test_new_finding_in_yaml_reaches_the_report(tmp_path: Path) -> None:
    """A rule author adds a finding without touching Python and sees it in the report."""
    rules = tmp_path / "mine.yaml"
    rules.write_text(
        """\
format: 1
extends: mof-project
name: with-training-rule
findings:
  - id: big-training-programme
    on: indicator
    when: name == "培训教师人次" and actual >= 1000
    severity: low
    category: 成本控制
    problem: "“{project_name}”全年培训{actual_text}，规模较大"
    cause: "培训计划未按需分层。"
    measure: "按岗位需求分层分批组织培训。"
""",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["report", str(EXAMPLES / "district-education"), "-r", str(rules)])
    assert result.exit_code == 0, result.output
    assert "“教师培训项目”全年培训2000人次，规模较大。" in result.output
    assert "按岗位需求分层分批组织培训。" in result.output


def test_department_scope_findings() -> None:
    """部门整体: findings from the common indicators and from the projects' funds."""
    run = scored(EXAMPLES / "district-education", "province-dept")
    by_rule = {f.rule_id: f for f in run.findings}
    assert by_rule["staff-over-quota"].problem == "在职人员控制率为105.00%，实有人数超过编制数，扣2.50分"
    # (8.6 − 7.9) / 7.9 = 8.86%; 5 − 0.5 × 8.86 = 0.57 points kept, 4.43 lost
    assert by_rule["sangong-rising"].problem == "“三公”经费较上年增长8.86%，扣4.43分"
    assert by_rule["sangong-over-budget"].severity == "high"
    assert by_rule["funds-noncompliant"].problem == "资金使用合规性检查发现问题1次，扣1.00分"
    assert "预算执行率仅72.23%" in by_rule["execution-very-low"].problem  # E02, from the project table
    healthy = api.run_path(EXAMPLES / "district-health", "province-dept", 2024)
    assert healthy.findings == ()


def test_missing_budget_is_said_not_silently_zero(tmp_path: Path) -> None:
    import shutil

    folder = Path(shutil.copytree(EXAMPLES / "district-health", tmp_path / "h"))
    p = folder / "项目支出.csv"
    p.write_text(
        p.read_text(encoding="utf-8").replace(
            "H02,疫苗冷链运维项目,一般公共预算,300.00,300.00,298.00", "H02,疫苗冷链运维项目,一般公共预算,300.00,,298.00"
        ),
        encoding="utf-8",
    )
    run = api.run_path(folder, "mof-project", 2024)
    items = run.result.items
    row = items[(items["project_code"] == "H02") & (items["name"] == "预算执行率")].iloc[0]
    assert float(row["points"]) == 0.0
    assert "全年预算数缺失或为 0，无法计算执行率，本项不得分" in str(row["explanation"])
    assert [f.rule_id for f in run.findings] == ["budget-missing"]
