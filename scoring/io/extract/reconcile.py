"""Reconcile what the pass found: the two project lists matched into numbered projects, budget lines in library
order, indicator rows, and the checks between values (a rate against its counts, 元 written as 万元).
"""

from __future__ import annotations

import bisect
import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Final

from scoring.core.tolerance import EPS, MONEY_PLACES
from scoring.core.values import parse_value
from scoring.io.extract.model import BudgetLine, Figure, IndicatorRow, Project
from scoring.io.extract.narrative import rate_flags, read_figures, read_indicators, settle
from scoring.io.extract.patterns import _COLUMN_NAMES, _fmt, _generic_category, _partial_periods, levels_of
from scoring.io.extract.scan import Extractor, ListItem, Section
from scoring.io.extract.segment import _sentence_span
from scoring.model.tables import BUDGET, DEPT_INDICATORS, INDICATORS, PROJECTS
from scoring.rules import expr
from scoring.rules.indicators import normalize_name

LARGE_WAN: Final = 100_000.0  # 万元：单笔金额达到 10 亿元，多半是把“元”写成了“万元”
NAME_SIMILARITY: Final = 0.6


def _core_name(name: str) -> str:
    return re.sub(r"项目|经费|资金|专项|工作|费用|费", "", normalize_name(name))


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, _core_name(a), _core_name(b)).ratio()


def _pairs(items: Sequence[ListItem], sections: Sequence[Section]) -> dict[int, int]:
    """section index → list item index (see the module docstring for the rule)."""
    candidates = []
    for i, it in enumerate(items):
        for j, sec in enumerate(sections):
            spent = sec.fields.get("spent")
            same = it.spent is not None and spent is not None and abs(it.spent - spent[0]) < 0.005
            sim = _similarity(it.name, sec.name)
            if same or sim >= NAME_SIMILARITY:
                candidates.append((same, sim, i, j))
    candidates.sort(reverse=True)
    out: dict[int, int] = {}
    used: set[int] = set()
    for _same, _sim, i, j in candidates:
        if i not in used and j not in out:
            out[j] = i
            used.add(i)
    return out


def budget_lines(ex: Extractor) -> tuple[BudgetLine, ...]:
    """预算收支 rows in library order. 收入 stands for 全年预算数 when no 全年/调整后预算 is written."""
    out = []
    for key in ex.library.budget_lines:
        have = ex.budget.get(key)
        if not have:
            continue
        initial = have.get("budget_initial", (None,))[0]
        final = have.get("budget_final", have.get("income", (None,)))[0]
        spent = have.get("spent", (None,))[0]
        out.append(BudgetLine(key, ex.library.budget_lines[key][0], initial, final, spent))
    return tuple(out)


def reconcile_projects(ex: Extractor) -> tuple[tuple[Project, ...], dict[int, str]]:
    """Reconcile list items with sections into numbered projects; section index → 项目编码."""
    pairs = _pairs(ex.items, ex.sections)
    order: list[tuple[Section | None, ListItem | None]] = [
        (sec, ex.items[pairs[j]] if j in pairs else None) for j, sec in enumerate(ex.sections)
    ]
    order += [(None, it) for i, it in enumerate(ex.items) if i not in pairs.values()]
    projects: list[Project] = []
    codes: dict[int, str] = {}
    periods = list(_partial_periods(ex.text))
    for n, (sec, item) in enumerate(order, start=1):
        code = f"P{n:02d}"
        if sec is not None:
            codes[ex.sections.index(sec)] = code
        name = sec.name if sec is not None else item.name if item is not None else ""
        fields = sec.fields if sec is not None else {}

        def pick(
            fld: str, listed: float | None, _fields: Mapping[str, tuple[float, str, int]] = fields, _name: str = name
        ) -> float | None:
            written = _fields.get(fld)
            if listed is not None and written is not None and abs(listed - written[0]) >= 0.005:
                ex.issue(
                    "项目核对",
                    "high",
                    "不符",
                    _name,
                    f"{_name}：项目支出情况中{_COLUMN_NAMES[fld]} {_fmt(listed)} 万元，绩效情况中为 "
                    f"{written[1]}（{_fmt(written[0])} 万元）；已采用前者",
                    written[2],
                )
            if listed is not None:
                return listed
            return written[0] if written is not None else None

        spent = pick("spent", item.spent if item else None)
        carryover = pick("carryover", item.carryover if item else None)
        adjust = pick("adjust", item.adjust if item else None)
        final = pick("budget_final", item.budget_final if item else None)
        initial = pick("budget_initial", item.budget_initial if item else None)
        anchor = sec.start if sec is not None else item.offset if item is not None else 0
        if final is None and spent is not None and carryover is not None:
            final = round(spent + carryover, MONEY_PLACES)
            ex.fact(
                PROJECTS.sheet,
                name,
                "budget_final",
                final,
                anchor,
                anchor,
                "derived:spent+carryover",
                "推算",
                code,
                "全年预算数 = 实际支出 + 结余结转",
            )
        if initial is None and final is not None and adjust is not None:
            initial = round(final - adjust, MONEY_PLACES)
            ex.fact(
                PROJECTS.sheet,
                name,
                "budget_initial",
                initial,
                anchor,
                anchor,
                "derived:final-adjust",
                "推算",
                code,
                "年初预算数 = 全年预算数 − 年中调增（减）",
            )
        fund_key = item.fund if item is not None else None
        fund_type = "政府性基金" if fund_key == "fund" else "一般公共预算"
        if item is None or fund_key is None:
            ex.issue("项目核对", "low", "提示", name, f"{name}：资金性质未注明，按一般公共预算填写", anchor)
        period = ""
        if sec is not None:
            inside = [p for p in periods if sec.start <= p[0] < sec.end]
            if inside:
                period = inside[0][2]
                ex.fact(
                    PROJECTS.sheet, name, "period", period, inside[0][0], inside[0][1], "project:period", project=code
                )
        list_name = item.name if item is not None and sec is not None and item.name != sec.name else ""
        if sec is not None and item is None:
            ex.issue("项目核对", "medium", "提示", name, f"{name}：预算执行情况的项目列表中没有对应项目", sec.start)
        if item is not None and sec is None:
            ex.issue("项目核对", "medium", "提示", name, f"{name}：项目支出绩效情况中没有对应的项目段落", item.offset)
        if list_name:
            how = (
                "金额相同"
                if item is not None
                and item.spent is not None
                and sec is not None
                and "spent" in sec.fields
                and abs(item.spent - sec.fields["spent"][0]) < 0.005
                else "名称相近"
            )
            ex.fact(
                PROJECTS.sheet,
                name,
                "list_name",
                list_name,
                item.offset if item else anchor,
                (item.offset if item else anchor) + len(list_name),
                "project:reconcile",
                project=code,
                note=f"项目列表中的「{list_name}」与绩效情况中的「{name}」按{how}对应",
            )
        projects.append(Project(code, name, fund_type, initial, final, spent, carryover, period, list_name))
    # Tag project facts with their codes now that the codes are known.
    by_name = {p.name: p.code for p in projects} | {p.list_name: p.code for p in projects if p.list_name}
    ex.facts[:] = [
        replace(f, project=by_name.get(f.subject, f.project)) if f.table == PROJECTS.sheet else f for f in ex.facts
    ]
    return tuple(projects), codes


def indicator_rows(ex: Extractor, section_codes: Mapping[int, str], generic: bool = True) -> tuple[IndicatorRow, ...]:
    rows: list[IndicatorRow] = []
    seen: set[tuple[str, str]] = set()
    periods = list(_partial_periods(ex.text))  # once, in text order: a scan per indicator was quadratic
    period_starts = [p[0] for p in periods]
    for start, end, name, category, actual, confidence, pattern, note in ex.indicators():
        project = next((section_codes[j] for j, s in enumerate(ex.sections) if s.start <= start < s.end), "")
        levels = levels_of(category)
        i = bisect.bisect_left(period_starts, _sentence_span(ex.text, start)[0])  # the first in this sentence
        period = periods[i] if i < len(periods) and periods[i][0] < start else None
        notes = [n for n in (note, f"数据期间 {period[2]}" if period else "") if n]
        table = INDICATORS.sheet if project else DEPT_INDICATORS.sheet
        skip = True
        if levels is None:
            notes.append("投入/过程类指标由预算数据计算，未写入绩效指标")
        elif (project, name) in seen:
            notes.append("同一项目已有此指标，未重复写入")
        elif not generic and pattern.startswith("generic:"):
            notes.append("通用模式所得，按 --no-generic 未写入绩效指标")
        else:
            skip = False
        ex.fact(table, name, "actual", actual, start, end, pattern, confidence, project, "；".join(notes))
        if skip or levels is None:
            continue
        seen.add((project, name))
        ind = ex.library.resolve(name)
        rows.append(IndicatorRow(project, levels[0], levels[1], name, actual, confidence, ind.id if ind else ""))
    return tuple(rows)


def formula_checks(ex: Extractor, rows: Sequence[IndicatorRow]) -> None:
    """A rate written beside its counts must agree with the library formula (结案率 = 结案数 / 立案数 × 100)
    to the precision it is written in (96.39% → ±0.005)."""
    by_project: dict[str, dict[str, IndicatorRow]] = {}
    for r in rows:
        if r.indicator_id:
            by_project.setdefault(r.project, {})[r.indicator_id] = r
    for project_code, found in by_project.items():
        values = {k: parse_value(r.actual).value for k, r in found.items()}
        for ind_id, row in found.items():
            ind = ex.library.indicators[ind_id]
            if not ind.formula:
                continue
            formula = expr.parse(ind.formula)
            if not formula.fields() or not formula.fields() <= values.keys():
                continue  # a formula over budget fields, or a count the report does not give
            computed = expr.evaluate(formula, values)
            written = values[ind_id]
            if not isinstance(computed, float) or written is None:
                continue
            digits = len(row.actual.split(".")[1].rstrip("%")) if "." in row.actual else 0
            if abs(computed - written) > 0.5 * 10**-digits + EPS:
                parts = "、".join(f"{k} {found[k].actual}" for k in sorted(formula.fields()))
                offset = next((f.offset for f in ex.facts if f.subject == ind_id and f.project == project_code), None)
                ex.issue(
                    "指标",
                    "medium",
                    "不符",
                    ind_id,
                    f"{project_code} {ind_id} 写为 {row.actual}，按 {parts} 计算为 {computed:.2f}"
                    f"（公式 {ind.formula}）",
                    offset,
                )


def amount_checks(ex: Extractor, budget: Sequence[BudgetLine]) -> None:
    """Amounts written in 万元 that are too large for a department: most likely 元 written as 万元."""
    total = next((b.spent for b in budget if b.key in ("total", "general") and b.spent), None)
    for f in ex.facts:
        if f.table not in (BUDGET.sheet, PROJECTS.sheet) or not isinstance(f.value, float) or "万元" not in f.text:
            continue
        too_big = f.value >= LARGE_WAN or (total is not None and f.subject not in ("合计",) and f.value > 10 * total)
        if too_big:
            ex.issue(
                "金额单位",
                "high",
                "不符",
                f.subject,
                f"{f.subject}：{f.text} 金额过大，疑似把元写成了万元（按元计为 {_fmt(f.value / 10_000)} 万元）",
                f.offset,
            )


_FIGURE_COLUMN: Final = {
    "initial": "budget_initial",
    "final": "budget_final",
    "received": "income",
    "spent": "spent",
    "carryover": "carryover",
}


def headline_figures(
    ex: Extractor, budget: tuple[BudgetLine, ...], projects: tuple[Project, ...]
) -> tuple[tuple[Figure, ...], tuple[BudgetLine, ...], tuple[Project, ...]]:
    """The report's headline figures by its phrasings; they fill 预算收支/项目支出 when those are still empty."""
    reading = read_figures(ex.text)
    unit, by_project = settle(reading)
    settled = [*unit.values()] + [
        f if f.project == name else replace(f, project=name) for name, figs in by_project.items() for f in figs.values()
    ]
    quiet = bool(budget or projects)  # the 科目/section passes read this report; the figures only add checks
    if not budget and unit:
        get = {m: (f.value if f else None) for m in ("initial", "final", "spent") for f in (unit.get(m),)}
        budget = (
            BudgetLine(
                "total", ex.library.budget_lines.get("total", ("合计",))[0], get["initial"], get["final"], get["spent"]
            ),
        )
    if not projects and by_project:
        rows = []
        for n, (name, figs) in enumerate(by_project.items(), start=1):
            val = {
                m: (f.value if f else None) for m in ("initial", "final", "spent", "carryover") for f in (figs.get(m),)
            }
            rows.append(
                Project(f"P{n:02d}", name, "一般公共预算", val["initial"], val["final"], val["spent"], val["carryover"])
            )
        projects = tuple(rows)
    if not quiet:
        for f in settled:
            table = PROJECTS.sheet if f.project else BUDGET.sheet
            ex.fact(
                table,
                f.project or "合计",
                _FIGURE_COLUMN[f.meaning],
                f.value,
                f.offset,
                f.offset + len(f.text),
                f"figure:{f.meaning}",
                f.confidence,
                note=f"按「{f.phrase}」" if f.phrase else "",
            )
        for u in reading.unsure:
            ex.issue(
                "金额含义",
                "low",
                "提示",
                u.text,
                f"{u.text} 前后没有说明其含义的词语（年初预算、调整后预算、到位、执行等），未提取；请对照原句填写",
                u.offset,
            )
    for subject, message, fig in () if quiet else rate_flags(unit):
        ex.issue("资金", "medium", "提示", subject, message, fig.offset, f"figure:{subject}")
    return tuple(settled), budget, projects


def prose_indicators(
    ex: Extractor, rows: tuple[IndicatorRow, ...], projects: Sequence[Project]
) -> tuple[IndicatorRow, ...]:
    """Indicators a narrative report states in prose or a pipe table, when the section passes found none.

    They belong to the report's project when it has exactly one, else to the unit (整体绩效指标). Confidence is
    中: the name is the report's own words, for the reviewer to match to the library."""
    if rows:
        return rows
    project = projects[0].code if len(projects) == 1 else ""
    table = INDICATORS.sheet if project else DEPT_INDICATORS.sheet
    out: list[IndicatorRow] = []
    seen: set[str] = set()
    for ind in read_indicators(ex.text):
        if ind.name in seen:
            continue
        seen.add(ind.name)
        resolved = ex.library.resolve(ind.name)
        kind = "rate" if (ind.actual or ind.target).endswith("%") else "count"
        category = resolved.category if resolved else _generic_category(ind.name, kind)
        levels = levels_of(category) or ("产出指标", "数量指标")
        if ind.level2 and ind.level2.endswith("指标") and "满意" not in ind.name:
            level1 = "效益指标" if "效益" in ind.level2 else levels[0]
            levels = (level1, ind.level2)
        for fld, value in (("target", ind.target), ("actual", ind.actual)):
            if value:
                ex.fact(table, ind.name, fld, value, ind.offset, ind.end, ind.pattern, "中", project)
        out.append(
            IndicatorRow(
                project, levels[0], levels[1], ind.name, ind.actual, "中", resolved.id if resolved else "", ind.target
            )
        )
    return tuple(out)
