"""Validate raw tables into typed ones: every row is kept or rejected with file, sheet, row, column and reason.

Output frames (columns documented on `Dataset`) hold numbers as floats (money in 万元), parsed targets
and actuals, and the ruleset level each indicator row belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from scoring.core.errors import Source, did_you_mean
from scoring.core.text import text_col
from scoring.core.tolerance import EPS
from scoring.core.values import ParsedValue, ValueParseError, try_parse_value
from scoring.io.load import RawData
from scoring.model.dataset import Dataset, Rejection
from scoring.model.tables import BUDGET, DEPARTMENTS, INDICATORS, NOTES, PROJECTS, SOURCE_COLUMNS, Table
from scoring.rules import qualitative
from scoring.rules.ruleset import Ruleset

MONEY_UNITS = {None, "万元"}






def _src(row: pd.Series | dict[str, Any], column: str) -> Source:
    return Source(row["_file"], row["_sheet"], int(row["_row"]), column)


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def _numbered_rows(df: pd.DataFrame) -> Iterator[tuple[int, pd.Series]]:
    """`df.iterrows()` typed as it is here: the loader numbers each table's rows 0, 1, … (pd.concat ignore_index)."""
    return cast(Iterator[tuple[int, pd.Series]], df.iterrows())


class _Rejecter:
    """Collects rejections; `drop` removes the rejected rows from a frame."""

    def __init__(self) -> None:
        self.items: list[Rejection] = []

    def add(self, table: Table, row: pd.Series | dict[str, Any], field: str, reason: str, hint: str = "") -> None:
        header = next(c.header for c in table.columns if c.field == field)
        dept, project = row.get("dept_code"), row.get("project_code")
        self.items.append(Rejection(table.sheet, _src(row, header), row.get(field), reason, hint,
                                    "" if _blank(dept) else _code_text(dept),
                                    "" if _blank(project) else _code_text(project),
                                    "" if table.key not in ("indicators", "dept_indicators") or _blank(row.get("level1"))
                                    else str(row.get("level1")).strip(),
                                    "" if table.key not in ("indicators", "dept_indicators") or _blank(row.get("name"))
                                    else str(row.get("name")).strip()))

    def drop(self, df: pd.DataFrame, bad: Iterable[int]) -> pd.DataFrame:
        return df.drop(index=list(set(bad))).reset_index(drop=True)


def _required(df: pd.DataFrame, table: Table, rej: _Rejecter) -> set[int]:
    bad: set[int] = set()
    for col in table.columns:
        if col.required:
            for idx in df.index[df[col.field].map(_blank)]:
                rej.add(table, df.loc[idx], col.field, f"必填项「{col.header}」为空")
                bad.add(idx)
    return bad


def _numbers(df: pd.DataFrame, table: Table, rej: _Rejecter, bad: set[int]) -> pd.DataFrame:
    """Numeric columns to float; money in 万元 ('3700元' → 0.37). Blank → NaN; unreadable → rejected row."""
    out = df.copy()
    for col in table.columns:
        if not col.numeric:
            continue
        values = []
        for idx, v in zip(df.index, df[col.field], strict=True):
            if _blank(v):
                values.append(np.nan)
                continue
            parsed = try_parse_value(v)
            if isinstance(parsed, ValueParseError) or parsed.value is None or parsed.comparator not in (None, "="):
                reason = parsed.reason if isinstance(parsed, ValueParseError) else "应为数字"
                rej.add(table, df.loc[idx], col.field, reason)
                bad.add(idx)
                values.append(np.nan)
            elif parsed.value < 0:
                # Money, staff counts, 分值 and 得分 are never negative; a minus sign is a typing error or a
                # refund booked the wrong way, and scoring it would lift 执行率 or a total past its maximum.
                rej.add(table, df.loc[idx], col.field, f"「{col.header}」不能为负数")
                bad.add(idx)
                values.append(np.nan)
            elif col.comment.startswith("万元") and parsed.unit not in MONEY_UNITS:
                rej.add(table, df.loc[idx], col.field, f"金额单位应为万元，而不是「{parsed.unit}」")
                bad.add(idx)
                values.append(np.nan)
            else:
                values.append(parsed.value)
        out[col.field] = pd.Series(values, index=df.index, dtype=float)
    return out


def _code_text(v: object) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()


def _codes(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    """Codes are text: 431202001.0 from Excel becomes '431202001'."""
    out = df.copy()
    for c in cols:
        out[c] = out[c].map(lambda v: "" if _blank(v) else _code_text(v))
    return out


def _period_months(text: object) -> float:
    """'1—10月' → 10, '10个月' → 10; blank or anything else ('全年', '1—12月') → 12, a full year.

    The cell goes through the same value parser as targets: '1—10月' is the range 1–10 in 月."""
    written = re.sub(r"^\s*(?:19|20)\d{2}\s*年度?", "", str(text))  # "2024年1—10月": the year is not a month
    parsed = None if _blank(written) else try_parse_value(written)
    if isinstance(parsed, ParsedValue) and parsed.unit in ("月", "个月") and parsed.value is not None:
        months = parsed.high - parsed.value + 1 if parsed.high is not None else parsed.value
        return float(min(max(months, 1), 12))
    return 12.0


def _origin(file: object) -> str:
    """Where a department was submitted from: its workbook, or the folder holding its CSV tables."""
    text = str(file)
    return str(Path(text).parent) if text.lower().endswith(".csv") else text


class _Membership:
    """Which department rows of the other tables belong to: accepted, refused, or a duplicate submission."""

    def __init__(self, depts: pd.DataFrame, bad: set[int], first: dict[str, pd.Series], rej: _Rejecter) -> None:
        self.rej = rej
        self.known = set(depts.loc[[i for i in depts.index if i not in bad], "dept_code"])
        self.refused = set(depts.loc[list(bad), "dept_code"]) - self.known
        dup_codes = set(depts.loc[list(bad), "dept_code"]) & self.known
        self.origin = {code: _origin(first[code]["_file"]) for code in dup_codes}

    def check(self, df: pd.DataFrame, table: Table, bad: set[int]) -> None:
        """Reject rows of unknown or refused departments, and rows of a second copy of a department."""
        for idx, code, file in zip(df.index, df["dept_code"], df["_file"], strict=True):
            if idx in bad:
                continue
            if code not in self.known:
                why = "所属部门在单位信息中未通过校验" if code in self.refused else "单位信息中没有此部门编码"
            elif code in self.origin and _origin(file) != self.origin[code]:
                why = f"部门编码重复，已采用 {self.origin[code]} 中的数据"
            else:
                continue
            self.rej.add(table, df.loc[idx], "dept_code", why)
            bad.add(idx)


def _typed(raw: pd.DataFrame, table: Table, rej: _Rejecter, members: _Membership, *codes: str
           ) -> tuple[pd.DataFrame, set[int]]:
    """The steps every table after 单位信息 takes: codes as text, required cells, numbers, and the
    department each row belongs to. Returns the typed frame and the indices of rows already rejected."""
    df = _codes(raw, "dept_code", *codes)
    bad = _required(df, table, rej)
    df = _numbers(df, table, rej, bad)
    members.check(df, table, bad)
    return df, bad


def validate(raw: RawData, ruleset: Ruleset, year: int | None = None) -> Dataset:
    """Type and check every raw row against the ruleset's levels and the indicator library.

    整体绩效指标 rows are read only by department-scope rulesets; a project ruleset leaves that sheet unread.
    """
    rej = _Rejecter()
    used = [k for k in raw.tables if k != "dept_indicators" or ruleset.scope == "department"]
    rows_read = sum(len(raw[k]) for k in used)

    depts = _codes(raw["departments"], "dept_code")
    bad = _required(depts, DEPARTMENTS, rej)
    depts = _numbers(depts, DEPARTMENTS, rej, bad)
    first_file: dict[str, pd.Series] = {}
    for idx, row in _numbered_rows(depts):
        if idx in bad:
            continue
        code = row["dept_code"]
        if code in first_file:
            other = first_file[code]
            rej.add(DEPARTMENTS, row, "dept_code",
                    f"部门编码重复，已在 {other['_file']} 第{other['_row']}行出现", "同一部门只能提交一次")
            bad.add(idx)
        else:
            first_file[code] = row
    for idx, row in _numbered_rows(depts):
        if idx not in bad and year is not None and int(row["year"]) != year:
            rej.add(DEPARTMENTS, row, "year", f"年度为 {int(row['year'])}，与所评年度 {year} 不符")
            bad.add(idx)
    members = _Membership(depts, bad, first_file, rej)
    depts = rej.drop(depts, bad)
    depts["year"] = depts["year"].astype(int)

    budget, bad = _typed(raw["budget"], BUDGET, rej, members)
    lib = ruleset.library
    budget["line_key"] = budget["line"].map(lambda s: lib.budget_line_key(str(s)) if not _blank(s) else None)
    for idx in budget.index[budget["line_key"].isna()]:
        if idx not in bad:
            aliases = [a for names in lib.budget_lines.values() for a in names]
            rej.add(BUDGET, budget.loc[idx], "line", "未知预算科目",
                    did_you_mean(str(budget.loc[idx, "line"]), aliases)
                    or "可用：" + "、".join(names[0] for names in lib.budget_lines.values()))
            bad.add(idx)
    budget = rej.drop(budget, bad)

    projects, bad = _typed(raw["projects"], PROJECTS, rej, members, "project_code")
    dup = projects.duplicated(["dept_code", "project_code"], keep="first")
    for idx in projects.index[dup]:
        if idx not in bad:
            rej.add(PROJECTS, projects.loc[idx], "project_code", "项目编码在同一部门内重复")
            bad.add(idx)
    projects = rej.drop(projects, bad)
    projects["period_months"] = projects["period"].map(_period_months)
    projects["is_fund"] = text_col(projects["fund_type"]).str.contains("基金")  # 政府性基金, else 一般公共预算

    ind_raw = raw["indicators"]
    if ruleset.scope == "department" and len(raw["dept_indicators"]):
        ind_raw = pd.concat([ind_raw, raw["dept_indicators"].assign(project_code="")], ignore_index=True)
    indicators = _validate_indicators(ind_raw, ruleset, rej, members, projects)
    notes, bad = _typed(raw["notes"], NOTES, rej, members)
    notes = rej.drop(notes, bad)
    return Dataset(depts, budget, projects, indicators, tuple(rej.items), rows_read, raw.problems, notes)


def _validate_indicators(
    raw: pd.DataFrame, ruleset: Ruleset, rej: _Rejecter, members: _Membership, projects: pd.DataFrame,
) -> pd.DataFrame:
    df, bad = _typed(raw, INDICATORS, rej, members, "project_code")
    proj_keys = set(zip(projects["dept_code"], projects["project_code"], strict=True))
    lib = ruleset.library
    qual = ruleset.qualitative_params()
    records: dict[int, dict[str, object]] = {}
    levels = _LevelCache(ruleset)
    rows = cast(dict[int, dict[str, Any]], df.to_dict("index"))  # numbered rows, as in _numbered_rows
    for idx, row in rows.items():
        if idx in bad:
            continue
        problem = _indicator_row(row, ruleset, proj_keys, qual, levels)
        if isinstance(problem, tuple):
            rej.add(INDICATORS, row, *problem)
            bad.add(idx)
        else:
            records[idx] = problem
    df = df.drop(index=list(bad))
    parsed = pd.DataFrame.from_dict(records, orient="index")
    if parsed.empty:
        parsed = pd.DataFrame(columns=list(_EMPTY_PARSED))
    out = df.drop(columns=["level1", "level2", "target", "actual"]).join(parsed)
    out["indicator_id"] = out["name"].map(lambda n: (i.id if (i := lib.resolve(str(n))) else str(n)))
    for c in ("reason", "override_reason", "level2"):
        out[c] = out[c].map(lambda v: "" if _blank(v) else str(v))
    return out.reset_index(drop=True)[[*_COLUMNS, *SOURCE_COLUMNS]]


_EMPTY_PARSED = ("level1", "level2", "category1", "category2", "target_text", "actual_text", "comparator", "target", "high", "unit",
                 "actual", "actual_unit", "qualitative", "target_qualitative")
_COLUMNS = ("dept_code", "project_code", "level1", "level2", "category1", "category2", "name", "indicator_id", "target_text",
            "actual_text", "comparator", "target", "high", "unit", "actual", "actual_unit", "qualitative",
            "target_qualitative", "weight", "published_score", "reason", "override_score", "override_reason")


class _LevelCache:
    """Level lookups memoised per distinct (一级, 二级) text: thousands of rows share a handful of names."""

    def __init__(self, ruleset: Ruleset) -> None:
        self.ruleset = ruleset
        self.memo: dict[tuple[str, str], tuple[str, str] | tuple[str, str, str]] = {}

    def resolve(self, level1: str, level2: str) -> tuple[str, str] | tuple[str, str, str]:
        """(canonical 一级, canonical 二级), or (column, reason, hint) for a rejection."""
        key = (level1, level2)
        if key not in self.memo:
            self.memo[key] = self._resolve(level1, level2)
        return self.memo[key]

    def _resolve(self, level1: str, level2: str) -> tuple[str, str] | tuple[str, str, str]:
        rs = self.ruleset
        level = rs.level_for(level1)
        if level is None:
            return ("level1", f"规则集 {rs.name} 中没有一级指标「{level1}」",
                    did_you_mean(level1, rs.level_names()) or "可用：" + "、".join(lv.name for lv in rs.levels))
        if level2 and level.children:
            child = rs.child_for(level, level2)
            if child is None:
                return ("level2", f"一级指标「{level.name}」下没有二级指标「{level2}」",
                        did_you_mean(level2, [n for c in level.children for n in c.names()])
                        or "可用：" + "、".join(c.name for c in level.children))
            return (level.name, child.name)
        return (level.name, level2)


def _indicator_row(
    row: dict[str, Any], ruleset: Ruleset, proj_keys: set[tuple[str, str]], qual: object, levels: _LevelCache,
) -> dict[str, object] | tuple[str, str] | tuple[str, str, str]:
    """Parsed fields for one indicator row, or (column, reason[, hint]) when it must be rejected."""
    if row["project_code"] and (row["dept_code"], row["project_code"]) not in proj_keys:
        return ("project_code", "项目支出表中没有此项目编码")
    if not row["project_code"] and ruleset.scope == "project":
        return ("project_code", "项目编码为空", "部门整体指标请填入“整体绩效指标”表")
    written2 = "" if _blank(row["level2"]) else str(row["level2"])
    resolved = levels.resolve(str(row["level1"]), written2)
    if len(resolved) == 3:
        return resolved
    level1, level2 = resolved
    duplicate = _duplicates_execution(row, ruleset, level1, level2)
    if duplicate is not None:
        return duplicate
    bounded = _override_problem(row, ruleset, level1)
    if bounded is not None:
        return bounded
    target = try_parse_value(row["target"])
    if isinstance(target, ValueParseError):
        return ("target", target.reason)
    if _blank(row["actual"]):
        return ("actual", "实际完成值为空", "未完成请填写实际数，如 0")
    actual = try_parse_value(row["actual"])
    if isinstance(actual, ValueParseError):
        return ("actual", actual.reason)
    return _pair(target, actual, level1, level2, qual, str(row["level1"]), written2)


EXECUTION_ID = "预算执行率"


def _execution_spots(ruleset: Ruleset) -> list[tuple[str, str, float]]:
    """Where the ruleset scores 执行率 itself from the budget lines: (一级, 二级 or "", points)."""
    spots = [(lv.name, "", float(lv.points)) for lv in ruleset.levels if lv.metric == "execution_rate"]
    return spots + [(lv.name, c.name, float(c.points)) for lv in ruleset.levels for c in lv.children
                    if c.metric == "execution_rate"]


def _duplicates_execution(row: dict[str, Any], ruleset: Ruleset, level1: str, level2: str
                          ) -> tuple[str, str, str] | None:
    """An indicator row that repeats the 预算执行率 the ruleset already scores from 全年执行数/全年预算数.

    A finance officer often copies the execution row into the indicator table, as the provincial forms
    print it (鄂州: 执行率 inside 产出). Scoring it again counted the same money twice (114.70/100)."""
    if ruleset.scope != "project" or not row["project_code"]:
        return None
    spots = _execution_spots(ruleset)
    if not spots:
        return None
    ind = ruleset.library.resolve(str(row["name"]))
    at_spot = any(level1 == l1 and (not l2 or level2 == l2) for l1, l2, _ in spots)
    if (ind is not None and ind.id == EXECUTION_ID) or at_spot:
        l1, l2, pts = spots[0]
        where = f"{l1}/{l2}" if l2 else l1
        return ("name", f"预算执行率已由规则集按 全年执行数 / 全年预算数 计分（{where}，{pts:g} 分），此行重复，不另计分",
                "请删除此行；执行率由“项目支出”表的全年预算数和全年执行数计算")
    return None


def _override_problem(row: dict[str, Any], ruleset: Ruleset, level1: str) -> tuple[str, str, str] | None:
    """人工调整得分 must lie in [0, 分值] (the level's points when no 分值 is given) and carry a 调整理由.

    An adjusted score is an official's decision that replaces the computed one; without a reason nobody
    can audit it, and above the weight it lifts the total past the ruleset's maximum."""
    score, weight = row["override_score"], row["weight"]
    if _blank(score):
        return None
    level = ruleset.level_for(level1)
    bound = float(weight) if not _blank(weight) else float(level.points if level is not None else ruleset.total)
    what = "分值" if not _blank(weight) else f"「{level1}」的分值"
    if float(score) > bound + EPS:
        return ("override_score", f"人工调整得分 {float(score):g} 超过{what} {bound:g}",
                "调整后的得分应在 0 与分值之间")
    if _blank(row["override_reason"]):
        return ("override_reason", "有人工调整得分但未填写调整理由", "请在“调整理由”列说明调整依据")
    return None


_NONNEGATIVE_EXEMPT = frozenset({None, "%"})  # rates (变动率、增长率) may fall below zero; counts and money not


def _pair(target: ParsedValue, actual: ParsedValue, level1: str, level2: str, qual: object,
          written1: str, written2: str) -> dict[str, object] | tuple[str, str] | tuple[str, str, str]:
    """Reconcile a parsed target with its actual: units, percentages written as fractions, qualitative text."""
    actual_value = actual.value
    actual_unit = actual.unit
    if target.is_qualitative:
        if actual.is_numeric:
            return ("actual", "定性指标的实际完成值应为文字等级", "如 达成预期指标 / 部分达成 / 未达成")
        if isinstance(qual, Mapping) and qualitative.match_share(actual.raw, qual) is None:
            return ("actual", qualitative.UNMATCHED_REASON, qualitative.hint(qual))
    else:
        if actual.is_qualitative:
            return ("actual", "定量指标的实际完成值应为数值", f"目标为 {target.raw}")
        for col, v in (("target", target), ("actual", actual)):
            if v.value is not None and v.value < 0 and v.unit not in _NONNEGATIVE_EXEMPT:
                return (col, f"以「{v.unit}」计的数量不能为负数", "未完成请填 0")
        if target.unit == "%" and actual.unit is None and actual_value is not None and abs(actual_value) <= 1.5:
            actual_value, actual_unit = actual_value * 100, "%"  # 0.95 written for 95%
        elif target.unit == "%" and actual.unit is None:
            actual_unit = "%"
        elif actual.unit is None:
            actual_unit = target.unit
        if {target.unit, actual_unit} & {"%", "万元"} and target.unit != actual_unit and target.unit is not None:
            return ("actual", f"单位与目标不一致：目标为「{target.unit}」，实际为「{actual_unit}」")
    return {
        "level1": level1, "level2": level2, "category1": written1, "category2": written2,
        "target_text": target.raw, "actual_text": actual.raw,
        "comparator": target.comparator, "target": target.value, "high": target.high, "unit": target.unit,
        "actual": actual_value, "actual_unit": actual_unit, "qualitative": actual.is_qualitative,
        "target_qualitative": target.is_qualitative,
    }




