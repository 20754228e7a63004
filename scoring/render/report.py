"""The self-evaluation report a department submits, as a document model that Markdown and docx render.

The structure follows the ruleset's scope. 项目支出 (scope project): the 项目支出绩效自评报告 outline of
财预〔2020〕10号 — 基本情况, 自评工作开展情况, 综合评价结论, 绩效目标完成情况 (funds, then each project),
问题及原因, 改进措施, 结果应用和公开, 其他说明. 部门整体 (scope department): the provincial 部门整体支出
outline 一…九, with 六（二） per project wherever the data hold projects.

The text is the department's own: no ruleset ids, no other departments' scores or ranks, the standard
cited by its document name. What only the department knows (机构设置, 职能, what each project's money
bought) is carried from the input when given, else left as a marked placeholder 【待单位补充：…】 a
reviewer sees at once. Problems sharing a cause are stated once with that cause; measures are merged by
kind of cause into a few concrete paragraphs naming the projects and the year they apply to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from scoring.adapters.docx import write_official_document
from scoring.core.display import fmt2, pct_text
from scoring.core.display import wan_text as _wan
from scoring.core.escape import md_rows, md_text
from scoring.core.frames import iter_rows, row
from scoring.model.grades import GradeCount, count_grades
from scoring.model.result import Finding
from scoring.model.run import Run
from scoring.model.tables import INDICATORS
from scoring.render.common import item_table

NUMERALS = "一二三四五六七八九十"
PLACEHOLDER = "【待单位补充：{}】"
LOST_EPSILON = 0.005  # below half a displayed cent no point was lost

# Optional text columns a department may fill in (单位信息: 机构设置, 主要职能; 项目支出: 项目概况); read
# when the input has them, so a report never drops what the department wrote.
ORGANIZATION_FIELDS = ("organization", "functions")
PROJECT_TEXT_FIELD = "description"


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


def placeholder(what: str) -> str:
    """A marked gap only the department can fill: 【待单位补充：机构设置…】."""
    return PLACEHOLDER.format(what)


@dataclass
class Block:
    """One piece of a report: a heading (h1 title, h2 一、, h3 （一）, h4 1.), a paragraph, or a table."""

    kind: str  # "h1" | "h2" | "h3" | "h4" | "p" | "table"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)


@dataclass
class Report:
    dept_code: str
    title: str
    blocks: list[Block]


def _given(value: Any) -> str:
    """Text the department provided, or "" when the cell is blank or the column absent."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def basis(run: Run) -> str:
    """The standard by its document name (财政部《项目支出绩效评价管理办法》（财预〔2020〕10号）), never the
    ruleset's id; a source with only a document number is cited by that number."""
    src = run.ruleset.source_doc.strip()
    if "《" in src:
        return src
    numbers = [re.sub(r"^(参照|依据|根据|按照)", "", n) for n in re.findall(r"[\u4e00-\u9fa5]+〔\d{4}〕\d+号", src)]
    if numbers:
        return "、".join(numbers) + "文件"
    return "上级财政部门规定的绩效自评评分标准"


def _weights(run: Run) -> str:
    return "、".join(f"{lv.name}{float(lv.points):g}分" for lv in run.ruleset.levels)


def _budget_rows(run: Run, code: str, keys: tuple[str, ...]) -> list[list[str]]:
    b = run.dataset.budget
    b = b[(b["dept_code"] == code) & b["line_key"].isin(keys)]
    return [[r.line, _wan(r.budget_initial), _wan(r.budget_final), _wan(r.spent)] for r in iter_rows(b)]


def _projects(run: Run, code: str, fund: bool | None = None) -> pd.DataFrame:
    p = run.dataset.projects
    p = p[p["dept_code"] == code]
    return p if fund is None else p[p["is_fund"] == fund]


def _provisional(d: pd.Series) -> str:
    """The sentence an incomplete department's report must carry: its score is not final (issue 9)."""
    if not bool(d.get("provisional", False)):
        return ""
    return f"有{int(d['n_rejected'])}行数据未通过校验，评分未完成，得分和等级为暂定。"


WEIGHTED = "（各项目得分按全年预算数加权平均）"


def _score(r: Any, how: str = "") -> str:
    """ "得分 92.09 分", or for a provisional score "得分暂定为 92.09 分（评分未完成）" — never a bare figure."""
    if bool(getattr(r, "provisional", False)):
        return f"得分{how}暂定为{fmt2(r.total)}分（评分未完成）"
    return f"得分{r.total_text}分{how}"


def build_report(run: Run, dept_code: str) -> Report:
    """The report for one department, in the structure its ruleset's scope calls for."""
    d = row(run.result.departments.set_index("dept_code"), dept_code)
    info = row(run.dataset.departments.set_index("dept_code"), dept_code)
    year = int(d["year"])
    if run.ruleset.scope == "department":
        title = f"{year}年度{d['dept_name']}部门整体支出绩效自评报告"
        blocks = [Block("h1", title), *_department_report(run, dept_code, d, info)]
    else:
        title = f"{year}年度{d['dept_name']}项目支出绩效自评报告"
        blocks = [Block("h1", title), *_project_report(run, dept_code, d, info)]
    return Report(dept_code, title, blocks)


def _spread(run: Run, scored: pd.DataFrame) -> str:
    """The projects per grade, by the one counting rule (a provisional 良（暂定） is a 良, noted as 暂定)."""
    counts = [
        c for c in count_grades(scored, [g.name for g in sorted(run.ruleset.grades, key=lambda g: -g.min)]) if c.count
    ]
    if len(counts) == 1:
        return f"{len(scored)}个项目评价等级均为“{counts[0].grade}”{_of_which(counts[0])}。"
    return (
        f"{len(scored)}个项目中，评价等级为" + "，".join(f"“{c.grade}”{c.count}个{_of_which(c)}" for c in counts) + "。"
    )


def _of_which(c: GradeCount) -> str:
    return f"（其中暂定{c.provisional}个）" if c.provisional else ""


# ---------------------------------------------------------------------------------------------------------
# 项目支出绩效自评报告


def _project_report(run: Run, code: str, d: pd.Series, info: pd.Series) -> Iterator[Block]:
    year = int(d["year"])
    scored = run.result.projects
    scored = scored[scored["dept_code"] == code]
    n = len(scored)
    yield Block("h2", "一、基本情况")
    yield Block("h3", "（一）单位基本情况")
    yield from _organization(info)
    yield Block("h3", "（二）项目基本情况")
    yield from _project_overview(run, code, year)
    yield Block("h3", "（三）绩效目标设定情况")
    yield Block("p", _indicator_setting(run, code))

    yield Block("h2", "二、绩效自评工作开展情况")
    yield Block(
        "p",
        f"根据{basis(run)}要求，本单位对{year}年度纳入绩效自评范围的{n}个项目开展了绩效自评。"
        f"自评对照年初批复的绩效目标，逐项核实预算执行和各项绩效指标的完成情况，按{_weights(run)}"
        f"（满分{run.ruleset.total:g}分）逐项计分，并对未完成目标和偏离目标较大的指标分析原因。",
    )

    yield Block("h2", "三、综合评价情况及评价结论")
    yield Block(
        "p",
        f"经自评，本单位{year}年度项目支出绩效自评综合{_score(d, WEIGHTED)}，"
        f"评价等级为“{d['grade']}”。{_spread(run, scored)}{_provisional(d)}"
        if n
        else f"本单位{year}年度无纳入绩效自评的项目。",
    )
    if n:
        yield Block(
            "table",
            headers=["项目名称", "全年预算数（万元）", "全年执行数（万元）", "预算执行率", "自评得分", "评价等级"],
            rows=[
                [
                    r.project_name,
                    _wan(r.budget_final),
                    _wan(r.spent),
                    pct_text(r.execution_rate),
                    str(r.total_text),
                    str(r.grade),
                ]
                for r in iter_rows(scored)
            ],
        )

    yield Block("h2", "四、绩效目标完成情况分析")
    yield Block("h3", "（一）资金投入情况分析")
    yield from _funds(run, code)
    yield Block("h3", "（二）各项目绩效目标完成情况")
    for i, r in enumerate(iter_rows(scored), start=1):
        yield Block("h4", f"{i}.{r.project_name}")
        carry = "" if pd.isna(r.carryover) else f"，结转结余{_wan(r.carryover)}万元"
        yield Block(
            "p",
            f"该项目全年预算{_wan(r.budget_final)}万元，实际支出{_wan(r.spent)}万元，"
            f"预算执行率{pct_text(r.execution_rate)}{carry}；自评{_score(r)}，等级为“{r.grade}”。",
        )
        yield Block("p", _project_narrative(run, code, str(r.project_code), str(r.project_name)))
        yield from _completion(run, code, str(r.project_code), str(r.project_name))
        headers, rows = item_table(run, code, r.project_code)
        yield Block("table", rows=rows, headers=headers)

    yield from _problems_and_measures(run, code, year, ("五", "六"))
    yield Block("h2", "七、绩效自评结果拟应用和公开情况")
    yield Block("p", _application(year))
    yield Block("h2", "八、其他需要说明的问题")
    yield Block("p", _other_notes(run, code))


def _organization(info: pd.Series) -> Iterator[Block]:
    """机构设置 and 职能 as the department wrote them, else a placeholder; staff numbers from the data."""
    org, duties = (_given(info.get(f)) for f in ORGANIZATION_FIELDS)
    yield Block("p", sentence(org) if org else placeholder("单位性质、内设机构（股室）和所属二级机构设置情况"))
    yield Block("p", sentence(duties) if duties else placeholder("单位主要职能和年度重点工作"))
    staff = []
    if pd.notna(info.get("staff_authorized")):
        staff.append(f"编制人数{int(info['staff_authorized'])}人")
    if pd.notna(info.get("staff_actual")):
        staff.append(f"年末在职人数{int(info['staff_actual'])}人")
    if staff:
        yield Block("p", f"{info['dept_name']}{'，'.join(staff)}。")


def _project_overview(run: Run, code: str, year: int) -> Iterator[Block]:
    p = _projects(run, code)
    if p.empty:
        yield Block("p", "本年度无纳入绩效自评的项目。")
        return
    final, spent = p["budget_final"].sum(min_count=1), p["spent"].sum(min_count=1)
    fund = p[p["is_fund"]]
    split = (
        f"，其中一般公共预算项目{len(p) - len(fund)}个、政府性基金预算项目{len(fund)}个"
        if len(fund)
        else "，均为一般公共预算项目"
    )
    rate = pct_text(spent / final) if pd.notna(final) and final else pct_text(None)
    yield Block(
        "p",
        f"本单位{year}年度纳入绩效自评的项目共{len(p)}个{split}；全年预算合计{_wan(final)}万元，"
        f"实际支出{_wan(spent)}万元，预算执行率{rate}。",
    )
    yield Block(
        "table",
        headers=[
            "序号",
            "项目名称",
            "资金性质",
            "年初预算数（万元）",
            "全年预算数（万元）",
            "全年执行数（万元）",
            "结转结余（万元）",
        ],
        rows=[
            [
                str(i),
                r.project_name,
                _given(r.fund_type) or "一般公共预算",
                _wan(r.budget_initial),
                _wan(r.budget_final),
                _wan(r.spent),
                _wan(r.carryover),
            ]
            for i, r in enumerate(iter_rows(p), start=1)
        ],
    )


def _set_items(run: Run, code: str, project_code: str | None = None) -> pd.DataFrame:
    """Indicators the department set (not the execution rate the ruleset computes, not missing levels)."""
    it = run.result.items
    it = it[(it["dept_code"] == code) & (it["kind"] == "input")]
    return it if project_code is None else it[it["project_code"] == project_code]


def _indicator_setting(run: Run, code: str) -> str:
    it = _set_items(run, code)
    if it.empty:
        return "各项目未设置绩效指标。"
    by_level = it.groupby("level1", sort=False).size()
    levels = "、".join(
        f"{name}{int(by_level[name])}个" for name in [lv.name for lv in run.ruleset.levels] if name in by_level
    )
    qual = int(it["qualitative"].fillna(False).astype(bool).sum())
    return (
        f"各项目共设置三级绩效指标{len(it)}个，其中{levels}；定量指标{len(it) - qual}个，定性指标{qual}个。"
        "各项目年度总体绩效目标见本报告第四部分。"
    )


def _funds(run: Run, code: str) -> Iterator[Block]:
    p = _projects(run, code)
    rows = _budget_rows(run, code, ("general", "basic", "personnel", "public", "project", "fund", "total"))
    if rows:
        yield Block("p", "本单位年度预算收支情况如下表。")
        yield Block(
            "table", rows=rows, headers=["科目", "年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）"]
        )
    if not p.empty:
        initial, final = p["budget_initial"].sum(min_count=1), p["budget_final"].sum(min_count=1)
        spent, carry = p["spent"].sum(min_count=1), p["carryover"].sum(min_count=1)
        adjusted = p[(p["budget_initial"] - p["budget_final"]).abs() > LOST_EPSILON]
        adj = (
            "，年中预算调整的项目有"
            + "、".join(
                f"“{r.project_name}”（{_wan(r.budget_initial)}万元调整为{_wan(r.budget_final)}万元）"
                for r in iter_rows(adjusted)
            )
            if len(adjusted)
            else "，年中未调整预算"
        )
        yield Block(
            "p",
            f"纳入自评的项目年初预算合计{_wan(initial)}万元，全年预算合计{_wan(final)}万元{adj}。"
            f"全年实际支出{_wan(spent)}万元，年末结转结余{_wan(carry)}万元。",
        )
    yield Block("p", placeholder("资金到位情况和资金管理情况（资金管理制度、审批程序、专款专用等）"))


def _project_narrative(run: Run, code: str, project_code: str, name: str) -> str:
    p = _projects(run, code)
    given = ""
    if PROJECT_TEXT_FIELD in p.columns:
        match = p[p["project_code"] == project_code]
        given = _given(match[PROJECT_TEXT_FIELD].iloc[0]) if len(match) else ""
    return (
        sentence(given)
        if given
        else placeholder(f"“{name}”年度总体绩效目标、资金主要用途、全年完成的主要工作和取得的成效")
    )


def _completion(run: Run, code: str, project_code: str, name: str) -> Iterator[Block]:
    """Which indicators met their target, which did not and why (the department's 偏差原因, else a placeholder)."""
    it = _set_items(run, code, project_code)
    if it.empty:
        yield Block("p", "该项目未设置绩效指标。")
        return
    lost = it[it["weight"].astype(float) - it["points"].astype(float) > LOST_EPSILON]
    over = it[it["overachieved"].fillna(False).astype(bool)]
    text = f"“{name}”设置绩效指标{len(it)}个，完成年度指标值{len(it) - len(lost)}个"
    text += (
        "，全部完成。"
        if lost.empty
        else (
            f"；未完成{len(lost)}个："
            + "；".join(f"“{r.name}”年度指标值{r.target_text}，实际完成{r.actual_text}" for r in iter_rows(lost))
            + "。"
        )
    )
    if len(over):
        text += (
            "超额完成较多的指标有"
            + "、".join(f"“{r.name}”（年度指标值{r.target_text}，实际完成{r.actual_text}）" for r in iter_rows(over))
            + "。"
        )
    yield Block("p", text + _unscored(run, code, project_code))
    for r in iter_rows(pd.concat([lost, over[~over.index.isin(lost.index)]])):
        reason = _given(r.deviation_reason)
        yield Block(
            "p",
            f"“{r.name}”偏差原因：{sentence(reason)}"
            if reason
            else placeholder(f"“{name}”的“{r.name}”偏离年度指标值的原因及改进措施"),
        )


def _unscored(run: Run, code: str, project_code: str) -> str:
    """The project's indicator rows that failed validation: named, with what was wrong, never left out silently."""
    seen: dict[tuple[str, int | None], list[str]] = {}
    for r in run.dataset.rejections_of(code):
        if r.project_code == project_code and r.table == INDICATORS.sheet:
            value = "" if r.value is None or str(r.value).strip() == "" else f"「{r.value}」"
            what = f"{r.source.column or ''}{value}"
            seen.setdefault((r.name, r.source.row), []).append(f"{what}，{r.reason}" if what else r.reason)
    if not seen:
        return ""
    parts = "；".join(
        ("“" + name + "”" if name else f"第{row}行的指标") + "；".join(why) for (name, row), why in seen.items()
    )
    return f"另有{len(seen)}个指标的数据未通过校验，未计分，项目得分为暂定（{parts}），请单位核实后重新填报。"


def _application(year: int) -> str:
    return (
        f"本次自评结果将作为本单位编制{year + 1}年度预算、安排项目资金和设定绩效目标的重要依据，"
        "自评发现问题的整改情况纳入下一年度绩效运行监控；自评报告按规定随部门决算一并公开。"
    )


def _other_notes(run: Run, code: str) -> str:
    checks = run.checks
    if len(checks) and (checks[(checks["dept_code"] == code) & (checks["status"] == "rounding")]).shape[0]:
        return "本报告金额单位为万元，保留两位小数，合计数与各分项之和的尾差系四舍五入所致。"
    return "无。"


# ---------------------------------------------------------------------------------------------------------
# 部门整体支出绩效自评报告


def _department_report(run: Run, code: str, d: pd.Series, info: pd.Series) -> Iterator[Block]:
    year = int(d["year"])
    yield Block("h2", "一、部门（单位）基本情况")
    yield from _organization(info)
    yield from _budget_sections(run, code, year)
    yield Block("h2", "六、资金使用及绩效情况")
    yield Block("h3", "（一）整体支出绩效情况")
    levels = run.result.items[run.result.items["dept_code"] == code]
    parts = "、".join(
        f"{lv.name}{fmt2(levels[levels['level1'] == lv.name]['points'].sum())}分（满分{float(lv.points):g}分）"
        for lv in run.ruleset.levels
    )
    yield Block(
        "p",
        f"根据{basis(run)}，本单位按{_weights(run)}的部门整体支出绩效评价共性指标开展自评，"
        f"{year}年度部门整体支出绩效自评{_score(d)}，评价等级为“{d['grade']}”。其中，{parts}。" + _provisional(d),
    )
    yield Block("p", placeholder("部门整体支出取得的主要成效（年度重点工作完成情况）"))
    headers, rows = item_table(run, code)
    yield Block("table", rows=rows, headers=headers)
    projects = _projects(run, code)
    if not projects.empty:
        yield Block("h3", "（二）项目支出绩效情况")
        for i, r in enumerate(iter_rows(projects), start=1):
            yield Block("h4", f"{i}.{r.project_name}")
            adjust = (
                r.budget_final - r.budget_initial if pd.notna(r.budget_final) and pd.notna(r.budget_initial) else None
            )
            carry = "" if pd.isna(r.carryover) else f"，结转结余{_wan(r.carryover)}万元"
            rate = pct_text(r.spent / r.budget_final) if pd.notna(r.budget_final) and r.budget_final else pct_text(None)
            yield Block(
                "p",
                f"该项目全年预算{_wan(r.budget_final)}万元，年中调整{_wan(adjust)}万元，实际支出{_wan(r.spent)}万元，"
                f"预算执行率{rate}{carry}。",
            )
            yield Block("p", _project_narrative(run, code, str(r.project_code), str(r.project_name)))
            ind = run.dataset.indicators
            ind = ind[(ind["dept_code"] == code) & (ind["project_code"] == r.project_code)]
            if len(ind):
                yield Block(
                    "table",
                    headers=["一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "偏差原因"],
                    rows=[
                        [
                            _given(x.category1) or _given(x.level1),
                            _given(x.category2) or _given(x.level2),
                            _given(x.name),
                            _given(x.target_text),
                            _given(x.actual_text),
                            _given(x.reason),
                        ]
                        for x in iter_rows(ind)
                    ],
                )
    yield from _problems_and_measures(run, code, year, ("七", "八"))
    yield Block("h2", "九、部门整体支出绩效自评结果拟应用和公开情况")
    yield Block("p", _application(year))


def _budget_sections(run: Run, code: str, year: int) -> Iterator[Block]:
    headers = ["科目", "年初预算数（万元）", "全年预算数（万元）", "全年执行数（万元）"]
    yield Block("h2", "二、一般公共预算支出情况")
    yield Block("h3", "（一）基本支出情况")
    rows = _budget_rows(run, code, ("general", "basic", "personnel", "public", "project", "total"))
    yield Block("table", rows=rows, headers=headers) if rows else Block("p", placeholder("一般公共预算收支情况"))
    yield Block("h3", "（二）项目支出情况")
    yield _project_list(_projects(run, code, fund=False), "一般公共预算")
    yield Block("h2", "三、政府性基金预算支出情况")
    fund_rows = _budget_rows(run, code, ("fund",))
    fund = _projects(run, code, fund=True)
    if not fund_rows and fund.empty:
        yield Block("p", f"本单位{year}年度无政府性基金预算支出。")
    else:
        if fund_rows:
            yield Block("table", rows=fund_rows, headers=headers)
        yield _project_list(fund, "政府性基金预算")
    yield Block("h2", "四、国有资本经营预算支出情况")
    yield Block("p", f"本单位{year}年度无国有资本经营预算支出。")
    yield Block("h2", "五、社会保险基金预算支出情况")
    yield Block("p", f"本单位{year}年度无社会保险基金预算支出。")


def _project_list(p: pd.DataFrame, kind: str) -> Block:
    if p.empty:
        return Block("p", f"本年度无{kind}项目支出。")
    parts = [f"{i}.{r.project_name}{_wan(r.spent)}万元" for i, r in enumerate(iter_rows(p), start=1)]
    return Block("p", "；".join(parts) + "。")


# ---------------------------------------------------------------------------------------------------------
# 存在的问题及原因分析, 下一步改进措施

# Measures are merged by kind of cause (the finding's category). Each group opens with what is to be done
# and by when, in the department's voice; the findings' own measures (which name the projects) follow.
MEASURE_GROUPS: dict[str, tuple[str, str]] = {
    "预算执行": ("加快预算执行进度", "自{next}年起按月跟踪项目支出进度，对执行偏慢的项目及时预警督办。"),
    "预算编制": ("提高预算编制的精准度", "{next}年度预算编制前完成项目储备和测算论证。"),
    "资金管理": ("严格资金管理", "{next}年上半年完成已发现问题的整改。"),
    "预算配置": ("从严控制人员和“三公”经费", "自{next}年起按季统计在职人数和“三公”经费支出。"),
    "绩效目标完成": ("抓好绩效目标落实", "{next}年度对未完成的指标逐项建立整改清单，按季度通报整改进度。"),
    "目标设置": ("完善绩效目标和指标设置", "申报{next}年度绩效目标时完成指标修订。"),
    "满意度": ("开展服务对象满意度调查", "{next}年度自评前完成调查。"),
    "数据质量": ("规范绩效数据统计", "自{next}年起按月归集绩效数据。"),
    "共性指标": ("对照共性指标补齐管理短板", "{next}年度逐项落实整改。"),
    "数据一致性": ("确保报表数据勾稽一致", "{next}年度报送决算和自评数据前逐项核对预算、执行和结转结余。"),
    "三公经费": ("从严控制“三公”经费", "自{next}年起按季统计“三公”经费支出，超预算的一律先报批后支出。"),
    "人员管理": ("严格编制和人员管理", "{next}年度内完成在职人数与编制核定的对账。"),
    "成本控制": ("加强项目成本控制", "{next}年度项目实施前完成成本测算。"),
    "自评质量": ("提高自评填报质量", "{next}年度自评时逐项填写偏差原因并附佐证材料。"),
    "评分未完成": ("补正未通过校验的数据", "收到本报告后即按“被拒绝的行”逐项补正数据，重新评分后再报送。"),
    "总体评价": ("巩固和提升整体绩效水平", "{next}年度对标优秀单位查找差距，逐项落实整改。"),
}
# A category without its own paragraph reads: 针对<category>方面的问题加强整改 + this, with the category named, so
# two such paragraphs never repeat a sentence.
OTHER_MEASURE = "{next}年度对{category}方面的问题逐项落实整改。"
# Categories whose measures read together when there are more than six groups.
_MERGE_ORDER = (
    ("满意度", "目标设置"),
    ("数据质量", "目标设置"),
    ("自评质量", "目标设置"),
    ("预算编制", "预算执行"),
    ("共性指标", "资金管理"),
    ("预算配置", "资金管理"),
    ("三公经费", "资金管理"),
    ("人员管理", "资金管理"),
    ("数据一致性", "资金管理"),
    ("成本控制", "资金管理"),
)
MAX_MEASURES = 6


def _problem_groups(found: list[Finding]) -> list[tuple[list[str], str]]:
    """Findings sharing a cause become one problem: (problem texts, cause), in severity order."""
    groups: dict[str, list[str]] = {}
    for f in found:
        texts = groups.setdefault(sentence(f.cause), [])
        if sentence(f.problem) not in texts:
            texts.append(sentence(f.problem))
    return [(texts, cause) for cause, texts in groups.items()]


_QUOTED = re.compile(r"“[^”]*”(?:、“[^”]*”)*")


def _merge_measures(measures: list[str]) -> list[str]:
    """Measures that differ only in the projects they quote become one naming all of them; identical ones once."""
    out: list[str] = []
    shapes: dict[str, tuple[int, list[str]]] = {}
    for m in measures:
        shape = _QUOTED.sub("“”", m)
        quoted = _QUOTED.findall(m)
        if shape in shapes and len(quoted) == 1:
            idx, names = shapes[shape]
            for name in re.findall(r"“[^”]*”", quoted[0]):
                if name not in names:
                    names.append(name)
            out[idx] = _QUOTED.sub("、".join(names), m, count=1)
        elif m not in out:
            if len(quoted) == 1:
                shapes[shape] = (len(out), re.findall(r"“[^”]*”", quoted[0]))
            out.append(m)
    return out


def _named(f: Finding) -> str:
    """A measure that says “上述项目” names them instead: the measures section is read on its own."""
    projects = list(dict.fromkeys(s.split("·")[0] for s in f.subjects))
    if "上述项目" in f.measure and projects:
        return f.measure.replace("上述项目", "、".join(f"“{p}”" for p in projects))
    return f.measure


def measure_paragraphs(found: list[Finding], year: int) -> list[tuple[str, str]]:
    """(title, text) per merged measure, at most six, each saying who does what by when."""
    groups: dict[str, list[str]] = {}
    for f in found:
        groups.setdefault(f.category, []).append(sentence(_named(f)))
    for small, into in _MERGE_ORDER:
        if len(groups) <= MAX_MEASURES - 1:  # leave room for applying the results
            break
        if small in groups and into in groups:
            groups[into] += groups.pop(small)
    if len(groups) > MAX_MEASURES - 1:  # still too many: the last groups read together, none is dropped
        names = list(groups)
        keep, rest = names[: MAX_MEASURES - 2], names[MAX_MEASURES - 2 :]
        merged = {name: groups[name] for name in keep}
        merged["、".join(rest)] = [m for name in rest for m in groups[name]]
        groups = merged
    out = []
    for category, measures in groups.items():
        title, when = MEASURE_GROUPS.get(category, (f"针对{category}方面的问题加强整改", OTHER_MEASURE))
        out.append((title, when.format(next=year + 1, category=category) + "".join(_merge_measures(measures))))
    out.append(
        (
            "强化自评结果应用",
            f"将本次自评发现问题的整改情况纳入{year + 1}年度绩效运行监控，整改不到位的项目在"
            f"{year + 2}年度预算安排中相应调减，推动预算安排与绩效结果挂钩。",
        )
    )
    return out


def _problems_and_measures(run: Run, code: str, year: int, numbers: tuple[str, str]) -> Iterator[Block]:
    found = [f for f in run.findings if f.dept_code == code]
    yield Block("h2", f"{numbers[0]}、存在的问题及原因分析")
    if not found:
        yield Block("p", "经对照评分标准逐项核查，本年度未发现需要整改的问题。")
    for i, (problems, cause) in enumerate(_problem_groups(found), start=1):
        yield Block("p", f"（{cn(i)}）{''.join(problems)}")
        yield Block("p", f"原因分析：{cause}")
    yield Block("h2", f"{numbers[1]}、下一步改进措施")
    if not found:
        yield Block("p", "继续保持现有预算执行和绩效管理水平，按时开展绩效运行监控和绩效自评。")
        return
    for i, (title, text) in enumerate(measure_paragraphs(found, year), start=1):
        yield Block("p", f"（{cn(i)}）{title}。{text}")


def render_report_markdown(report: Report) -> str:
    from tabulate import tabulate

    out: list[str] = []
    marks = {"h1": "# ", "h2": "## ", "h3": "### ", "h4": "#### "}
    for b in report.blocks:
        if b.kind in marks:
            out += [marks[b.kind] + md_text(b.text), ""]
        elif b.kind == "table":
            out += [tabulate(md_rows(b.rows), b.headers, tablefmt="github", disable_numparse=True), ""]
        else:
            out += [md_text(b.text), ""]
    return "\n".join(out).rstrip() + "\n"


def render_report_docx(report: Report, path: str) -> None:
    """The report as a Word document laid out as a Chinese official document (GB/T 9704 as the reference)."""
    write_official_document(report.blocks, path)
