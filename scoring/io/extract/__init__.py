"""Extract facts from a narrative self-evaluation report (txt/docx) into the input workbook a person reviews.

The report is read as one text (UTF-8 or GB18030; a .docx gives its paragraphs and table rows in order,
cells joined by tabs). The extractor is generic: what it looks for comes from the indicator library
(`budget_lines` aliases and each indicator's `patterns:`), from the input schema's column names, and from
a few sentence shapes common to 自评报告 (amount after a 科目 name, "实际支出…万元", "<phrase><number><unit>").

Every fact keeps the sentence it came from, its 0-based character offset in the text and the id of the
pattern that found it. Text checks (other years, part-year data, 元 written for 万元, a rate that disagrees
with its counts under the library formula) and the ruleset's sum checks (run with
`scoring.pipeline.checks.run_checks` on the workbook as written) are reported as `Issue`s.

Budget columns: "预算（资金）" → 年初预算数; "全年/调整后预算" → 全年预算数; "收入" → 全年预算数 when no
全年预算 is written (a 财政拨款 unit's income is the budget it may spend); "支出" → 全年执行数. A column
the report does not give stays blank. A project's 全年预算数 not written is 实际支出 + 结余结转 and its
年初预算数 is 全年预算数 − 年中调增（减）; both are marked 推算.

Project reconciliation rule (the numbered list in 预算执行情况 vs the sections in 项目支出绩效情况):
pairs whose amounts agree to the cent are matched first (best name similarity breaks ties); the rest are
matched when their names are similar (difflib ratio ≥ 0.6 after dropping 项目/经费/资金 words). A
matched project takes the section's full name; its 全年执行数 comes from the list (the accounting figure)
when both give one and they differ (the difference is reported).

Headline figures (issue 14): reports of other provinces name the same figures differently (年初批复预算,
调整预算后, 实际到位, 已完成拨付 …); `narrative` reads them by the phrasings in phrasings.yaml, each figure by its
nearest governing phrase, a figure inside 含…/其中… left out, an unclear one shown in 核对 and not used. They
fill 预算收支 (合计) and 项目支出 only when the 科目 and project-section passes found nothing, and give the
到位率 / 执行率 / 预算调整幅度 checks.

The package, in the order a report goes through it: `read` (txt/docx → text), `segment` (headings,
sentences, table lines), `patterns` (amounts, flow words, generic phrases), `narrative` (the phrasings file:
unit name, headline figures, year context), `scan` (one pass collecting
facts and issues), `reconcile` (projects matched, rows built, values checked against each other), `write`
(the review workbook and the terminal summary); `model` holds the types they pass along. Names with a
leading underscore are shared between these modules only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from scoring.io.extract.model import (
    CHECK_SHEET,
    SOURCE_SHEET,
    BudgetLine,
    Extraction,
    Fact,
    Figure,
    IndicatorRow,
    Issue,
    Project,
)
from scoring.io.extract.patterns import levels_of
from scoring.io.extract.read import read_report
from scoring.io.extract.reconcile import (
    amount_checks,
    budget_lines,
    formula_checks,
    headline_figures,
    indicator_rows,
    prose_indicators,
    reconcile_projects,
)
from scoring.io.extract.scan import Extractor
from scoring.io.extract.write import summary, write_workbook
from scoring.rules.indicators import Library, default_library

__all__ = [
    "BudgetLine",
    "CHECK_SHEET",
    "Extraction",
    "Fact",
    "Figure",
    "IndicatorRow",
    "Issue",
    "Project",
    "SOURCE_SHEET",
    "extract_path",
    "extract_text",
    "levels_of",
    "read_report",
    "summary",
    "write_workbook",
]


def extract_text(
    text: str,
    *,
    year: int | None = None,
    code: str | None = None,
    library: Library | None = None,
    source: Path | str = "<报告>",
    generic: bool = True,
) -> Extraction:
    """Read facts from report text. `year` overrides the fiscal year in the title; `code` is the 部门编码.

    generic=False keeps the generic pattern's counts and rates in 提取来源 only, out of 绩效指标.
    """
    lib = library or default_library()
    ex = Extractor(text, lib, Path(source))
    dept_name, fiscal_year = ex.department(year)
    staff_auth, staff_actual = ex.staff()
    ex.tables()
    ex.budget_sentences()
    ex.project_sections()
    projects, section_codes = reconcile_projects(ex)
    budget = budget_lines(ex)
    indicators = indicator_rows(ex, section_codes, generic)
    formula_checks(ex, indicators)
    ex.text_checks(fiscal_year)
    figures, budget, projects = headline_figures(ex, budget, projects)
    indicators = prose_indicators(ex, indicators, projects)
    amount_checks(ex, budget)
    if code:
        dept_code = code
    else:
        digest = hashlib.sha1((dept_name or ex.source.name).encode("utf-8")).hexdigest()[:8].upper()
        dept_code = f"EX{digest}"
        ex.issue(
            "单位信息",
            "low",
            "提示",
            "部门编码",
            f"未指定部门编码，暂用 {dept_code}；请用 --code 指定或在“单位信息”表中改正",
        )
    facts = tuple(sorted(ex.facts, key=lambda f: f.offset))
    return Extraction(
        Path(source),
        ex.text,
        dept_code,
        dept_name,
        fiscal_year,
        staff_auth,
        staff_actual,
        budget,
        projects,
        indicators,
        facts,
        tuple(ex.issues),
        figures,
    )


def extract_path(
    path: Path,
    *,
    year: int | None = None,
    code: str | None = None,
    library: Library | None = None,
    generic: bool = True,
) -> Extraction:
    """Read a .txt or .docx report and extract its facts."""
    return extract_text(read_report(path), year=year, code=code, library=library, source=path, generic=generic)
