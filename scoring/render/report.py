"""The self-evaluation report in its usual structure (一 基本情况 … 六 绩效情况 with the scored table,
七 存在的问题及原因分析, 八 下一步改进措施, 九 结果应用), as a document model that Markdown and docx render.

Problems come ordered by severity with duplicates already merged by the findings stage; each problem
is followed by its cause, and each measure names the problem it answers. A department with no
findings gets no invented problems.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scoring.core.display import pct_text
from scoring.core.display import wan_text as _wan
from scoring.core.frames import iter_rows, row
from scoring.model.run import Run
from scoring.render.text import item_table

NUMERALS = "一二三四五六七八九十"


def cn(n: int) -> str:
    """1 → 一, 12 → 十二 (section and list numbering)."""
    if n <= 10:
        return NUMERALS[n - 1]
    tens, ones = divmod(n, 10)
    return (NUMERALS[tens - 1] if tens > 1 else "") + "十" + (NUMERALS[ones - 1] if ones else "")


def sentence(text: str) -> str:
    """A finding's text as a sentence: ends with 。 (merged texts are joined with ；)."""
    text = text.strip()
    return text if text.endswith(("。", "！", "？")) else text + "。"


@dataclass
class Block:
    """One piece of a report: a heading, a paragraph, or a table."""

    kind: str  # "h1" | "h2" | "h3" | "p" | "table"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)


@dataclass
class Report:
    dept_code: str
    title: str
    blocks: list[Block]


def _budget_rows(run: Run, code: str, keys: tuple[str, ...]) -> list[list[str]]:
    b = run.dataset.budget
    b = b[(b["dept_code"] == code) & b["line_key"].isin(keys)]
    return [[r.line, _wan(r.budget_initial), _wan(r.budget_final), _wan(r.spent)] for r in iter_rows(b)]


def _projects(run: Run, code: str, fund: bool) -> pd.DataFrame:
    p = run.dataset.projects
    p = p[p["dept_code"] == code]
    return p[p["is_fund"] == fund]


def build_report(run: Run, dept_code: str) -> Report:
    d = row(run.result.departments.set_index("dept_code"), dept_code)
    info = row(run.dataset.departments.set_index("dept_code"), dept_code)
    scope_title = "整体支出" if run.ruleset.scope == "department" else "项目支出"
    title = f"{int(d['year'])}年度{d['dept_name']}{scope_title}绩效自评报告"
    blocks: list[Block] = [Block("h1", title)]
    blocks += list(_basics(run, dept_code, info))
    blocks += list(_budget_sections(run, dept_code))
    blocks += list(_performance(run, dept_code, d))
    blocks += list(_problems_and_measures(run, dept_code))
    blocks += [Block("h2", "九、自评结果拟应用和公开情况"),
               Block("p", "本次自评结果将作为下一年度预算编制和项目安排的重要参考，失分项目的整改情况纳入下年绩效目标；"
                          "自评报告随部门决算一并公开。")]
    return Report(dept_code, title, blocks)


def _basics(run: Run, code: str, info: pd.Series) -> Iterator[Block]:
    yield Block("h2", "一、部门（单位）基本情况")
    n = len(run.dataset.projects[run.dataset.projects["dept_code"] == code])
    staff = []
    if pd.notna(info.get("staff_authorized")):
        staff.append(f"编制人数{int(info['staff_authorized'])}人")
    if pd.notna(info.get("staff_actual")):
        staff.append(f"在职人数{int(info['staff_actual'])}人")
    staff_text = "，".join(staff) + "；" if staff else ""
    yield Block("p", f"{info['dept_name']}（部门编码 {code}）{staff_text}本年度纳入绩效自评的项目共{n}个。")


def _budget_sections(run: Run, code: str) -> Iterator[Block]:
    headers = ["科目", "年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）"]
    yield Block("h2", "二、一般公共预算支出情况")
    yield Block("h3", "（一）基本支出情况")
    rows = _budget_rows(run, code, ("general", "basic", "personnel", "public", "project", "total"))
    yield Block("table", rows=rows, headers=headers) if rows else Block("p", "未填报预算收支数据。")
    yield Block("h3", "（二）项目支出情况")
    general = _projects(run, code, fund=False)
    yield _project_list(general)
    yield Block("h2", "三、政府性基金预算支出情况")
    fund_rows = _budget_rows(run, code, ("fund",))
    fund = _projects(run, code, fund=True)
    if not fund_rows and fund.empty:
        yield Block("p", "无。")
    else:
        if fund_rows:
            yield Block("table", rows=fund_rows, headers=headers)
        yield _project_list(fund)
    yield Block("h2", "四、国有资本经营预算支出情况")
    yield Block("p", "无。")
    yield Block("h2", "五、社会保险基金预算支出情况")
    yield Block("p", "无。")


def _project_list(p: pd.DataFrame) -> Block:
    if p.empty:
        return Block("p", "无。")
    parts = [f"{i}.{r.project_name}{_wan(r.spent)}万元" for i, r in enumerate(iter_rows(p), start=1)]
    return Block("p", "；".join(parts) + "。")


def _performance(run: Run, code: str, d: pd.Series) -> Iterator[Block]:
    yield Block("h2", "六、资金使用及绩效情况")
    yield Block("h3", "（一）整体支出绩效情况")
    many = len(run.result.departments) > 1
    rank = f"，在本次参评的{len(run.result.departments)}个部门中排名第{int(d['rank'])}" if many else ""
    how = "按各项目全年预算数加权" if run.ruleset.scope == "project" else "按部门整体共性指标"
    yield Block("p", f"依据《{run.ruleset.title}》（{run.ruleset.name} {run.ruleset.version}），{how}计算，"
                     f"本部门自评得分{d['total_text']}分，等级为“{d['grade']}”{rank}。"
                     + (f"有{int(d['n_rejected'])}行数据未通过校验，评分未完成，得分和等级为暂定。" if d["provisional"] else ""))
    if run.ruleset.scope == "department":
        headers, rows = item_table(run, code)
        yield Block("table", rows=rows, headers=headers)
        return
    yield Block("h3", "（二）项目支出绩效情况")
    projects = run.result.projects
    for i, r in enumerate(iter_rows(projects[projects["dept_code"] == code]), start=1):
        yield Block("h3", f"{i}.{r.project_name}")
        rate = pct_text(r.execution_rate)
        carry = "" if pd.isna(r.carryover) else f"，结转结余{_wan(r.carryover)}万元"
        yield Block("p", f"全年预算{_wan(r.budget_final)}万元，实际支出{_wan(r.spent)}万元，预算执行率{rate}{carry}。"
                         f"项目自评得分{r.total_text}分，等级为“{r.grade}”。")
        headers, rows = item_table(run, code, r.project_code)
        yield Block("table", rows=rows, headers=headers)


def _problems_and_measures(run: Run, code: str) -> Iterator[Block]:
    found = [f for f in run.findings if f.dept_code == code]
    yield Block("h2", "七、存在的问题及原因分析")
    if not found:
        yield Block("p", "经对照评分规则逐项核查，本年度未发现需要整改的问题。")
    for i, f in enumerate(found, start=1):
        yield Block("p", f"（{cn(i)}）{sentence(f.problem)}")
        yield Block("p", f"原因分析：{sentence(f.cause)}")
    yield Block("h2", "八、下一步改进措施")
    if not found:
        yield Block("p", "继续保持现有预算执行和绩效管理水平，按时开展绩效监控和自评。")
    # One measure per distinct text: problems answered by the same measure share one paragraph (issue 9).
    answers: dict[str, list[int]] = {}
    for i, f in enumerate(found, start=1):
        answers.setdefault(sentence(f.measure), []).append(i)
    for n, (measure, problems) in enumerate(answers.items(), start=1):
        yield Block("p", f"（{cn(n)}）针对问题{'、'.join(f'（{cn(i)}）' for i in problems)}：{measure}")


def render_report_markdown(report: Report) -> str:
    from tabulate import tabulate

    out: list[str] = []
    marks = {"h1": "# ", "h2": "## ", "h3": "### "}
    for b in report.blocks:
        if b.kind in marks:
            out += [marks[b.kind] + b.text, ""]
        elif b.kind == "table":
            out += [tabulate(b.rows, b.headers, tablefmt="github", disable_numparse=True), ""]
        else:
            out += [b.text, ""]
    return "\n".join(out).rstrip() + "\n"


# Column widths (cm) for the scored table on an A4/Letter portrait page; 说明 takes what is left.
_DOCX_WIDTHS = {"一级指标": 1.5, "二级指标": 1.7, "三级指标": 2.5, "年度指标值": 1.9, "实际完成值": 1.9, "分值": 1.4,
                "得分": 1.4, "自评得分": 1.4}
_DOCX_TEXT_WIDTH = 16.5


def render_report_docx(report: Report, path: str) -> None:
    """The same report as a Word document: 黑体 headings, 宋体 text, tables sized for the page."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    for name, face, size in (("Normal", "宋体", 11), ("Title", "黑体", 20), ("Heading 1", "黑体", 15),
                             ("Heading 2", "黑体", 13)):
        style = doc.styles[name]
        style.font.name = face
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), face)
    levels = {"h1": 0, "h2": 1, "h3": 2}
    for b in report.blocks:
        if b.kind in levels:
            heading = doc.add_heading(b.text, level=levels[b.kind])
            if b.kind == "h1":
                heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif b.kind == "table":
            _docx_table(doc, b, Cm, Pt)
        else:
            doc.add_paragraph(b.text)
    doc.save(path)


def _docx_table(doc: Any, block: Block, cm: Any, pt: Any) -> None:
    table = doc.add_table(rows=1, cols=len(block.headers))
    table.style = "Table Grid"
    table.autofit = False
    fixed = [_DOCX_WIDTHS.get(h) for h in block.headers]
    known = sum(w for w in fixed if w)
    rest = [h for h, w in zip(block.headers, fixed, strict=True) if not w]
    widths = [w or max(2.0, (_DOCX_TEXT_WIDTH - known) / len(rest)) for w in fixed]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = cm(width)  # the grid widths, which LibreOffice and WPS read
    for row_values in [block.headers, *block.rows]:
        cells = table.rows[0].cells if row_values is block.headers else table.add_row().cells
        for cell, text, width in zip(cells, row_values, widths, strict=True):
            cell.text = str(text)
            cell.width = cm(width)
            for run in cell.paragraphs[0].runs:
                run.font.size = pt(9)
                run.font.bold = row_values is block.headers
