"""Validate raw tables into typed ones: every row is kept or rejected with file, sheet, row, column and reason.

Output frames (columns documented on `Dataset`) hold numbers as floats (money in 万元), parsed targets
and actuals, and the ruleset level each indicator row belongs to.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from scoring.core.errors import Source, did_you_mean
from scoring.core.text import text_col
from scoring.core.tolerance import EPS
from scoring.core.values import ParsedValue, ValueParseError, try_parse_value
from scoring.io.load import RawData
from scoring.model.dataset import Dataset, Rejection
from scoring.model.tables import (
    BUDGET,
    DEPARTMENTS,
    INDICATORS,
    NOTES,
    PROJECTS,
    SOURCE_COLUMNS,
    Column,
    Table,
)
from scoring.rules import qualitative
from scoring.rules.ruleset import Ruleset

MONEY_UNITS = {None, "万元"}
_T = TypeVar("_T")


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip())


def _groups(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The distinct cells of a column: (reps, index), reps[k] the position of a cell of group k, index[i] the
    group of row i. Text cells group by value; missing cells by type (None, NaN); any other cell (a number
    from Excel, where 1 == 1.0 == True would merge) is a group of its own."""
    codes, uniques = pd.factorize(col)
    codes = np.asarray(codes, dtype=np.int64)
    uniq = uniques.to_numpy(dtype=object) if isinstance(uniques, pd.Index) else np.asarray(uniques, dtype=object)
    is_text = np.fromiter((type(u) is str for u in uniq), bool, len(uniq))
    n_text = int(is_text.sum())
    remap = np.full(len(uniq) + 1, -1, dtype=np.int64)  # the last entry: a missing cell (code -1)
    remap[np.flatnonzero(is_text)] = np.arange(n_text)
    index = remap[codes]
    grouped = np.flatnonzero(index >= 0)
    # factorize numbers groups in order of appearance, so the first row of each group comes in group order
    _, first = np.unique(index[grouped], return_index=True)
    reps = [grouped[first]]
    odd = np.flatnonzero(index < 0)
    if len(odd):
        values = col.iloc[odd].to_numpy(dtype=object)
        missing = codes[odd] < 0
        kinds = [type(v) for v in values[missing]]
        slot: dict[type, int] = {}
        for kind, at in zip(kinds, odd[missing], strict=True):
            if kind not in slot:
                slot[kind] = n_text + len(slot)
                reps.append(np.array([at]))
        index[odd[missing]] = [slot[k] for k in kinds]
        own = odd[~missing]
        index[own] = n_text + len(slot) + np.arange(len(own))
        reps.append(own)
    return np.concatenate(reps).astype(np.int64), index


def _distinct(col: pd.Series, fn: Callable[[Any], _T]) -> tuple[list[_T], np.ndarray]:
    """`fn` of every cell, computed once per distinct cell (`_groups`): (results, index) with
    fn(col[i]) == results[index[i]]. Thousands of rows share a handful of targets, units and codes (issue 15:
    no Python per row)."""
    reps, index = _groups(col)
    return [fn(v) for v in col.iloc[reps].to_numpy(dtype=object)], index


def _map(col: pd.Series, fn: Callable[[Any], object]) -> pd.Series:
    """`col.map(fn)`, dtype included (pandas infers it from the results), with fn called once per distinct cell."""
    reps, index = _groups(col)
    return col.iloc[reps].map(fn).take(index).set_axis(col.index)


def _spread(results: list[Any], index: np.ndarray) -> np.ndarray:
    """Per-row object array from `_distinct`'s results."""
    table = np.empty(len(results), dtype=object)
    for i, r in enumerate(results):
        table[i] = r
    out: np.ndarray = table[index]
    return out


def _attr(results: list[Any], index: np.ndarray, name: str) -> np.ndarray:
    """One attribute of each row's `_distinct` result (None where a result lacks it), as an object array."""
    return _spread([getattr(r, name, None) for r in results], index)


class _Rejecter:
    """Collects rejections; `drop` removes the rejected rows from a frame."""

    def __init__(self) -> None:
        self.items: list[Rejection] = []

    def add(
        self,
        table: Table,
        df: pd.DataFrame,
        rows: Sequence[int] | np.ndarray,
        field: str | np.ndarray,
        reasons: str | Sequence[str] | np.ndarray,
        hints: str | Sequence[str] | np.ndarray = "",
    ) -> None:
        """One rejection per row position in `rows` (in that order), each naming `field` of `table` (one field
        for all rows, or an array of fields aligned with `rows`)."""
        pos = np.asarray(rows, dtype=np.int64)
        n = len(pos)
        if not n:
            return

        def cells(name: str, at: np.ndarray = pos) -> np.ndarray:
            if name not in df.columns:
                return np.full(len(at), None, dtype=object)
            return df[name].iloc[at].to_numpy(dtype=object)

        fields = np.full(n, field, dtype=object) if isinstance(field, str) else np.asarray(field, dtype=object)
        values = np.empty(n, dtype=object)
        for f in dict.fromkeys(fields.tolist()):
            mine = fields == f
            values[mine] = cells(f, pos[mine])
        headers = {c.field: c.header for c in table.columns}
        why = [reasons] * n if isinstance(reasons, str) else list(reasons)
        hint = [hints] * n if isinstance(hints, str) else list(hints)
        indicator = table.key in ("indicators", "dept_indicators")
        levels = cells("level1") if indicator else np.full(n, None, dtype=object)
        names = cells("name") if indicator else np.full(n, None, dtype=object)
        for file, sheet, row, f, value, dept, project, level1, name, r, h in zip(
            cells("_file").tolist(),
            cells("_sheet").tolist(),
            cells("_row").tolist(),
            fields.tolist(),
            values.tolist(),
            cells("dept_code").tolist(),
            cells("project_code").tolist(),
            levels.tolist(),
            names.tolist(),
            why,
            hint,
            strict=True,
        ):
            self.items.append(
                Rejection(
                    table.sheet,
                    Source(file, sheet, int(row), headers[f]),
                    value,
                    r,
                    h,
                    "" if _blank(dept) else _code_text(dept),
                    "" if _blank(project) else _code_text(project),
                    "" if not indicator or _blank(level1) else str(level1).strip(),
                    "" if not indicator or _blank(name) else str(name).strip(),
                )
            )

    def drop(self, df: pd.DataFrame, bad: np.ndarray) -> pd.DataFrame:
        return df[~bad].reset_index(drop=True)


def _blanks(col: pd.Series) -> np.ndarray:
    results, index = _distinct(col, _blank)
    out: np.ndarray = np.asarray(results, dtype=bool)[index]
    return out


def _required(df: pd.DataFrame, table: Table, rej: _Rejecter) -> np.ndarray:
    """Row mask of rows with an empty required cell (each such cell rejected, column by column)."""
    bad = np.zeros(len(df), dtype=bool)
    for col in table.columns:
        if col.required:
            blank = _blanks(df[col.field])
            rej.add(table, df, np.flatnonzero(blank), col.field, f"必填项「{col.header}」为空")
            bad |= blank
    return bad


_PLAIN_NUMBER = re.compile(r"[0-9]{1,15}(?:\.[0-9]+)?")
"""Text that reads as itself with no unit, sign or comparator: float(text), as try_parse_value reads it."""


def _number_cell(table: Table, col: Column) -> Callable[[Any], tuple[float, str | None]]:
    """One numeric cell read: (value, None), or (NaN, reason) when the row must be rejected. Blank → NaN."""

    def read(v: Any) -> tuple[float, str | None]:
        if type(v) is str and _PLAIN_NUMBER.fullmatch(v):
            return (float(v), None)
        if _blank(v):
            return (np.nan, None)
        parsed = try_parse_value(v)
        if isinstance(parsed, ValueParseError) or parsed.value is None or parsed.comparator not in (None, "="):
            return (np.nan, parsed.reason if isinstance(parsed, ValueParseError) else "应为数字")
        if parsed.value < 0:
            # Money, staff counts, 分值 and 得分 are never negative; a minus sign is a typing error or a
            # refund booked the wrong way, and scoring it would lift 执行率 or a total past its maximum.
            return (np.nan, f"「{col.header}」不能为负数")
        if col.comment.startswith("万元") and parsed.unit not in MONEY_UNITS:
            return (np.nan, f"金额单位应为万元，而不是「{parsed.unit}」")
        return (parsed.value, None)

    return read


def _numbers(df: pd.DataFrame, table: Table, rej: _Rejecter, bad: np.ndarray) -> pd.DataFrame:
    """Numeric columns to float; money in 万元 ('3700元' → 0.37). Blank → NaN; unreadable → rejected row."""
    out = df.copy()
    for col in table.columns:
        if not col.numeric:
            continue
        read = _number_cell(table, col)
        column = df[col.field]
        results, index = _distinct(column, read)
        values = np.fromiter((r[0] for r in results), float, len(results))
        reasons = _spread([r[1] for r in results], index)
        rows = np.flatnonzero(pd.notna(reasons))
        rej.add(table, df, rows, col.field, reasons[rows])
        bad[rows] = True
        out[col.field] = pd.Series(values[index], index=df.index, dtype=float)
    return out


def _code_text(v: object) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()


def _code_cell(v: object) -> str:
    return "" if _blank(v) else _code_text(v)


def _codes(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    """Codes are text: 431202001.0 from Excel becomes '431202001'."""
    out = df.copy()
    for c in cols:
        out[c] = _map(out[c], _code_cell)
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

    def __init__(self, depts: pd.DataFrame, bad: np.ndarray, first: dict[str, object], rej: _Rejecter) -> None:
        self.rej = rej
        codes = depts["dept_code"].to_numpy(dtype=object)
        self.known = set(codes[~bad])
        self.refused = set(codes[bad]) - self.known
        dup_codes = set(codes[bad]) & self.known
        self.origin = {code: _origin(first[code]) for code in dup_codes}

    def check(self, df: pd.DataFrame, table: Table, bad: np.ndarray) -> None:
        """Reject rows of unknown or refused departments, and rows of a second copy of a department."""
        codes = df["dept_code"]
        unknown = ~bad & ~codes.isin(self.known).to_numpy()
        refused = codes.isin(self.refused).to_numpy()
        why = np.where(refused, "所属部门在单位信息中未通过校验", "单位信息中没有此部门编码").astype(object)
        if self.origin:
            twice = np.flatnonzero(~bad & ~unknown & codes.isin(list(self.origin)).to_numpy())
            files = df["_file"].iloc[twice].to_numpy(dtype=object)
            for i, code, file in zip(twice, codes.iloc[twice], files, strict=True):
                if _origin(file) != self.origin[code]:
                    unknown[i] = True
                    why[i] = f"部门编码重复，已采用 {self.origin[code]} 中的数据"
        rows = np.flatnonzero(unknown)
        self.rej.add(table, df, rows, "dept_code", why[rows])
        bad[rows] = True


def _typed(
    raw: pd.DataFrame, table: Table, rej: _Rejecter, members: _Membership, *codes: str
) -> tuple[pd.DataFrame, np.ndarray]:
    """The steps every table after 单位信息 takes: codes as text, required cells, numbers, and the
    department each row belongs to. Returns the typed frame and the mask of rows already rejected."""
    df = _codes(raw, "dept_code", *codes)
    bad = _required(df, table, rej)
    df = _numbers(df, table, rej, bad)
    members.check(df, table, bad)
    return df, bad


def validate(raw: RawData, ruleset: Ruleset, year: int | None = None) -> Dataset:
    """Type and check every raw row against the ruleset's levels and the indicator library.

    整体绩效指标 rows are read only by department-scope rulesets; a project ruleset leaves that sheet unread.
    Work is column-wise: each distinct cell is read once (`_distinct`), rejections are built from masks.
    """
    rej = _Rejecter()
    used = [k for k in raw.tables if k != "dept_indicators" or ruleset.scope == "department"]
    rows_read = sum(len(raw[k]) for k in used)

    depts = _codes(raw["departments"], "dept_code")
    bad = _required(depts, DEPARTMENTS, rej)
    depts = _numbers(depts, DEPARTMENTS, rej, bad)
    codes = depts["dept_code"].to_numpy(dtype=object)
    files = depts["_file"].to_numpy(dtype=object)
    row_nums = depts["_row"].to_numpy(dtype=object)
    ok = np.flatnonzero(~bad)
    seen = pd.Series(codes[ok]).duplicated(keep="first").to_numpy()
    first_at = {c: i for i, c in zip(ok[~seen][::-1], codes[ok][~seen][::-1], strict=True)}
    dup = ok[seen]
    rej.add(
        DEPARTMENTS,
        depts,
        dup,
        "dept_code",
        [f"部门编码重复，已在 {files[first_at[codes[i]]]} 第{row_nums[first_at[codes[i]]]}行出现" for i in dup],
        "同一部门只能提交一次",
    )
    bad[dup] = True
    first_file: dict[str, object] = {c: files[i] for c, i in first_at.items()}
    if year is not None:
        ok = np.flatnonzero(~bad)
        years = depts["year"].to_numpy()[ok]
        other = ok[[int(y) != year for y in years]]
        rej.add(
            DEPARTMENTS,
            depts,
            other,
            "year",
            [f"年度为 {int(y)}，与所评年度 {year} 不符" for y in depts["year"].to_numpy()[other]],
        )
        bad[other] = True
    members = _Membership(depts, bad, first_file, rej)
    depts = rej.drop(depts, bad)
    depts["year"] = depts["year"].astype(int)

    budget, bad = _typed(raw["budget"], BUDGET, rej, members)
    lib = ruleset.library
    budget["line_key"] = _map(budget["line"], lambda s: lib.budget_line_key(str(s)) if not _blank(s) else None)
    unknown = np.flatnonzero(budget["line_key"].isna().to_numpy() & ~bad)
    if len(unknown):
        aliases = [a for names in lib.budget_lines.values() for a in names]
        rej.add(
            BUDGET,
            budget,
            unknown,
            "line",
            "未知预算科目",
            [
                did_you_mean(str(v), aliases) or "可用：" + "、".join(names[0] for names in lib.budget_lines.values())
                for v in budget["line"].iloc[unknown]
            ],
        )
        bad[unknown] = True
    budget = rej.drop(budget, bad)

    projects, bad = _typed(raw["projects"], PROJECTS, rej, members, "project_code")
    dup = np.flatnonzero(projects.duplicated(["dept_code", "project_code"], keep="first").to_numpy() & ~bad)
    rej.add(PROJECTS, projects, dup, "project_code", "项目编码在同一部门内重复")
    bad[dup] = True
    projects = rej.drop(projects, bad)
    projects["period_months"] = _map(projects["period"], _period_months)
    projects["is_fund"] = text_col(projects["fund_type"]).str.contains("基金")  # 政府性基金, else 一般公共预算

    ind_raw = raw["indicators"]
    if ruleset.scope == "department" and len(raw["dept_indicators"]):
        ind_raw = pd.concat([ind_raw, raw["dept_indicators"].assign(project_code="")], ignore_index=True)
    indicators = _validate_indicators(ind_raw, ruleset, rej, members, projects)
    notes, bad = _typed(raw["notes"], NOTES, rej, members)
    notes = rej.drop(notes, bad)
    return Dataset(depts, budget, projects, indicators, tuple(rej.items), rows_read, raw.problems, notes)


class _Problems:
    """The first problem of each indicator row, stage by stage: a row keeps the first stage it fails."""

    def __init__(self, bad: np.ndarray) -> None:
        n = len(bad)
        self.pending = ~bad
        self.field = np.full(n, None, dtype=object)
        self.reason = np.full(n, None, dtype=object)
        self.hint = np.full(n, "", dtype=object)

    def fail(
        self, mask: np.ndarray, field: str | np.ndarray, reason: str | np.ndarray, hint: str | np.ndarray = ""
    ) -> None:
        """Rows in `mask` (still pending) fail with field/reason/hint (scalars, or arrays aligned with rows)."""
        hit = mask & self.pending
        if not hit.any():
            return
        for target, value in ((self.field, field), (self.reason, reason), (self.hint, hint)):
            target[hit] = value[hit] if isinstance(value, np.ndarray) else value
        self.pending &= ~hit

    def fail_row(self, i: int, field: str, reason: str, hint: str = "") -> None:
        if self.pending[i]:
            self.field[i], self.reason[i], self.hint[i], self.pending[i] = field, reason, hint, False


def _validate_indicators(
    raw: pd.DataFrame,
    ruleset: Ruleset,
    rej: _Rejecter,
    members: _Membership,
    projects: pd.DataFrame,
) -> pd.DataFrame:
    df, bad = _typed(raw, INDICATORS, rej, members, "project_code")
    lib = ruleset.library
    qual = ruleset.qualitative_params()
    n = len(df)
    probs = _Problems(bad)
    project = df["project_code"].to_numpy(dtype=object)
    has_project = project != ""

    # 项目编码: a project of the 项目支出 table, or none (整体指标) only for a department-scope ruleset
    proj_keys = pd.MultiIndex.from_arrays([projects["dept_code"], projects["project_code"]])
    listed = (
        pd.MultiIndex.from_arrays([df["dept_code"], df["project_code"]]).isin(proj_keys)
        if n
        else np.zeros(0, dtype=bool)
    )
    probs.fail(has_project & ~listed, "project_code", "项目支出表中没有此项目编码")
    if ruleset.scope == "project":
        probs.fail(~has_project, "project_code", "项目编码为空", "部门整体指标请填入“整体绩效指标”表")

    # 一级/二级 resolved once per distinct pair as written
    written1 = pd.Series(_spread(*_distinct(df["level1"], str)), index=df.index, dtype=object)
    written2 = pd.Series(
        _spread(*_distinct(df["level2"], lambda v: "" if _blank(v) else str(v))), index=df.index, dtype=object
    )
    levels = _LevelCache(ruleset)
    pairs: list[tuple[str, str]] = []
    pair_codes = np.zeros(0, dtype=np.int64)
    if n:
        codes, uniques = pd.MultiIndex.from_arrays([written1, written2]).factorize()
        pair_codes, pairs = np.asarray(codes, dtype=np.int64), [(str(a), str(b)) for a, b in uniques]
    resolved = [levels.resolve(a, b) for a, b in pairs]
    res_rows = _spread(resolved, np.asarray(pair_codes, dtype=np.int64))
    unresolved = (
        np.fromiter((len(r) == 3 for r in resolved), bool, len(resolved))[pair_codes] if n else np.zeros(0, dtype=bool)
    )
    if unresolved.any():
        probs.fail(
            unresolved,
            np.array([r[0] if len(r) == 3 else None for r in res_rows], dtype=object),
            np.array([r[1] if len(r) == 3 else None for r in res_rows], dtype=object),
            np.array([r[2] if len(r) == 3 else "" for r in res_rows], dtype=object),
        )
    canon1 = _spread([r[0] if len(r) == 2 else None for r in resolved], pair_codes)
    canon2 = _spread([r[1] if len(r) == 2 else None for r in resolved], pair_codes)

    # An indicator row that repeats the 预算执行率 the ruleset already scores from 全年执行数/全年预算数. A finance
    # officer often copies the execution row into the indicator table, as the provincial forms print it (鄂州:
    # 执行率 inside 产出). Scoring it again counted the same money twice (114.70/100).
    spots = _execution_spots(ruleset)
    if ruleset.scope == "project" and spots:
        ids, at = _distinct(df["name"], lambda v: i.id if (i := lib.resolve(str(v))) else None)
        is_exec = np.asarray([i == EXECUTION_ID for i in ids], dtype=bool)[at]
        spot_pairs = np.fromiter(
            (len(r) == 2 and any(r[0] == l1 and (not l2 or r[1] == l2) for l1, l2, _ in spots) for r in resolved),
            bool,
            len(resolved),
        )
        l1, l2, pts = spots[0]
        where = f"{l1}/{l2}" if l2 else l1
        probs.fail(
            has_project & (is_exec | spot_pairs[pair_codes]),
            "name",
            f"预算执行率已由规则集按 全年执行数 / 全年预算数 计分（{where}，{pts:g} 分），此行重复，不另计分",
            "请删除此行；执行率由“项目支出”表的全年预算数和全年执行数计算",
        )

    # 人工调整得分 within [0, 分值] and explained (see _override_problem)
    score = df["override_score"].to_numpy(dtype=float)
    weight = df["weight"].to_numpy(dtype=float)
    adjusted = ~np.isnan(score) & probs.pending
    reasons = df["override_reason"]
    for i in np.flatnonzero(adjusted):
        problem = _override_problem(
            {"override_score": score[i], "weight": weight[i], "override_reason": reasons.iloc[i]},
            ruleset,
            str(canon1[i]),
        )
        if problem is not None:
            probs.fail_row(int(i), *problem)

    # 年度指标值 and 实际完成值, each distinct text parsed once
    t_res, t_at = _distinct(df["target"], try_parse_value)
    t_err = np.fromiter((isinstance(r, ValueParseError) for r in t_res), bool, len(t_res))[t_at]
    probs.fail(t_err, "target", _attr(t_res, t_at, "reason"))
    probs.fail(_blanks(df["actual"]), "actual", "实际完成值为空", "未完成请填写实际数，如 0")
    a_res, a_at = _distinct(df["actual"], try_parse_value)
    a_err = np.fromiter((isinstance(r, ValueParseError) for r in a_res), bool, len(a_res))[a_at]
    probs.fail(a_err, "actual", _attr(a_res, a_at, "reason"))
    pair = _pairs(t_res, t_at, a_res, a_at, qual, probs)

    rows = np.flatnonzero(probs.reason != None)  # noqa: E711 - elementwise over an object array
    rej.add(INDICATORS, df, rows, probs.field[rows], probs.reason[rows], probs.hint[rows])
    keep = probs.pending
    parsed = pd.DataFrame(
        {
            "level1": canon1[keep],
            "level2": canon2[keep],
            "category1": written1.to_numpy()[keep],
            "category2": written2.to_numpy()[keep],
            "target_text": _attr(t_res, t_at, "raw")[keep],
            "actual_text": _attr(a_res, a_at, "raw")[keep],
            "comparator": _attr(t_res, t_at, "comparator")[keep],
            "target": _attr(t_res, t_at, "value")[keep],
            "high": _attr(t_res, t_at, "high")[keep],
            "unit": _attr(t_res, t_at, "unit")[keep],
            "actual": pair["actual"][keep],
            "actual_unit": pair["actual_unit"][keep],
            "qualitative": pair["qualitative"][keep],
            "target_qualitative": pair["target_qualitative"][keep],
        },
        index=df.index[keep],
    ).infer_objects()
    if parsed.empty:
        parsed = pd.DataFrame(columns=list(_EMPTY_PARSED))
    out = df[keep].drop(columns=["level1", "level2", "target", "actual"]).join(parsed)
    out["indicator_id"] = _map(out["name"], lambda n: i.id if (i := lib.resolve(str(n))) else str(n))
    for c in ("reason", "override_reason", "level2"):
        out[c] = _map(out[c], lambda v: "" if _blank(v) else str(v))
    return out.reset_index(drop=True)[[*_COLUMNS, *SOURCE_COLUMNS]]


def _pairs(
    t_res: list[Any], t_at: np.ndarray, a_res: list[Any], a_at: np.ndarray, qual: object, probs: _Problems
) -> dict[str, np.ndarray]:
    """Reconcile parsed targets with their actuals, column-wise: units, percentages written as fractions,
    qualitative text. Fails rows in `probs`; returns the actual columns (value and unit as reconciled)."""
    t_qual = _attr(t_res, t_at, "text") != None  # noqa: E711
    a_qual = _attr(a_res, a_at, "text") != None  # noqa: E711
    a_value = _attr(a_res, a_at, "value")
    a_numeric = a_value != None  # noqa: E711
    t_value = _attr(t_res, t_at, "value")
    t_unit = _attr(t_res, t_at, "unit")
    a_unit = _attr(a_res, a_at, "unit")
    probs.fail(t_qual & a_numeric, "actual", "定性指标的实际完成值应为文字等级", "如 达成预期指标 / 部分达成 / 未达成")
    if isinstance(qual, Mapping):
        matched = np.fromiter(
            (
                not isinstance(r, ParsedValue)
                or r.text is None  # numbers failed above
                or qualitative.match_share(r.raw, qual) is not None
                for r in a_res
            ),
            bool,
            len(a_res),
        )[a_at]
        probs.fail(t_qual & ~matched, "actual", qualitative.UNMATCHED_REASON, qualitative.hint(qual))
    quant = ~t_qual
    probs.fail(
        quant & a_qual,
        "actual",
        "定量指标的实际完成值应为数值",
        np.array([f"目标为 {r.raw}" if isinstance(r, ParsedValue) else "" for r in t_res], dtype=object)[t_at]
        if len(t_res)
        else "",
    )
    for col, value, unit in (("target", t_value, t_unit), ("actual", a_value, a_unit)):
        negative = np.fromiter((v is not None and v < 0 for v in value), bool, len(value)) & np.fromiter(
            (u not in _NONNEGATIVE_EXEMPT for u in unit), bool, len(unit)
        )
        if (negative & quant).any():
            probs.fail(
                quant & negative,
                col,
                np.array([f"以「{u}」计的数量不能为负数" for u in unit], dtype=object),
                "未完成请填 0",
            )
    t_pct = t_unit == "%"
    a_none = a_unit == None  # noqa: E711
    fraction = (
        t_pct & a_none & a_numeric & np.fromiter((v is not None and abs(v) <= 1.5 for v in a_value), bool, len(a_value))
    )
    actual = a_value.copy()
    actual_unit = a_unit.copy()
    fix = quant & fraction
    actual[fix] = np.array([v * 100 for v in a_value[fix]], dtype=object)  # 0.95 written for 95%
    actual_unit[quant & (t_pct & a_none)] = "%"
    rest = quant & ~t_pct & a_none
    actual_unit[rest] = t_unit[rest]
    mixed = (
        quant
        & (t_unit != None)  # noqa: E711 - elementwise over an object array, not an identity test
        & (t_unit != actual_unit)
        & (
            np.isin(t_unit.astype(str), ["%", "万元"])
            | np.fromiter((u in ("%", "万元") for u in actual_unit), bool, len(actual_unit))
        )
    )
    if (mixed & probs.pending).any():
        probs.fail(
            mixed,
            "actual",
            np.array(
                [f"单位与目标不一致：目标为「{t}」，实际为「{a}」" for t, a in zip(t_unit, actual_unit, strict=True)],
                dtype=object,
            ),
        )
    return {
        "actual": actual,
        "actual_unit": actual_unit,
        "qualitative": a_qual.astype(bool),
        "target_qualitative": t_qual.astype(bool),
    }


_EMPTY_PARSED = (
    "level1",
    "level2",
    "category1",
    "category2",
    "target_text",
    "actual_text",
    "comparator",
    "target",
    "high",
    "unit",
    "actual",
    "actual_unit",
    "qualitative",
    "target_qualitative",
)
_COLUMNS = (
    "dept_code",
    "project_code",
    "level1",
    "level2",
    "category1",
    "category2",
    "name",
    "indicator_id",
    "target_text",
    "actual_text",
    "comparator",
    "target",
    "high",
    "unit",
    "actual",
    "actual_unit",
    "qualitative",
    "target_qualitative",
    "weight",
    "published_score",
    "reason",
    "override_score",
    "override_reason",
)


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
            return (
                "level1",
                f"本次评分规则中没有一级指标「{level1}」",  # the reason reaches the report: no ruleset name there
                (did_you_mean(level1, rs.level_names()) or "可用：" + "、".join(lv.name for lv in rs.levels))
                + f"；规则集 {rs.name}",
            )
        if level2 and level.children:
            child = rs.child_for(level, level2)
            if child is None:
                return (
                    "level2",
                    f"一级指标「{level.name}」下没有二级指标「{level2}」",
                    did_you_mean(level2, [n for c in level.children for n in c.names()])
                    or "可用：" + "、".join(c.name for c in level.children),
                )
            return (level.name, child.name)
        return (level.name, level2)


EXECUTION_ID = "预算执行率"


def _execution_spots(ruleset: Ruleset) -> list[tuple[str, str, float]]:
    """Where the ruleset scores 执行率 itself from the budget lines: (一级, 二级 or "", points)."""
    spots = [(lv.name, "", float(lv.points)) for lv in ruleset.levels if lv.metric == "execution_rate"]
    return spots + [
        (lv.name, c.name, float(c.points)) for lv in ruleset.levels for c in lv.children if c.metric == "execution_rate"
    ]


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
        return (
            "override_score",
            f"人工调整得分 {float(score):g} 超过{what} {bound:g}",
            "调整后的得分应在 0 与分值之间",
        )
    if _blank(row["override_reason"]):
        return ("override_reason", "有人工调整得分但未填写调整理由", "请在“调整理由”列说明调整依据")
    return None


_NONNEGATIVE_EXEMPT = frozenset({None, "%"})  # rates (变动率、增长率) may fall below zero; counts and money not
