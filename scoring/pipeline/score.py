"""Score every indicator of every department at once: weights, methods, overrides, totals and grades.

All arithmetic is vectorised pandas over the whole indicator table (one call per method and parameter
set, never one per indicator). One rounding rule end to end (issue 9): the weights an open level splits
among its rows are rounded to the ruleset's `precision` (default 2 places) so that they still add up to the
level; each indicator's points are rounded half-up to the same precision; project and department totals
are sums (or, for a department of projects, the budget-weighted mean) of those rounded figures, rounded
again; and the grade is read from that rounded total, the figure every output displays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from scoring.core.display import fmt_num, half_up, pct
from scoring.core.frames import records
from scoring.core.text import text_col
from scoring.core.tolerance import NOISE_PLACES
from scoring.core.values import ParsedValue, try_parse_value
from scoring.model.dataset import Dataset
from scoring.model.derived import department_fields, with_fund_ratios
from scoring.model.grades import PROVISIONAL_GRADE
from scoring.model.result import ITEM_COLUMNS, ScoreResult
from scoring.rules import expr
from scoring.rules import methods as m
from scoring.rules.ruleset import FixedIndicator, Level, MethodSpec, Ruleset

# ------------------------------------------------------------------ building items


def _input_items(ds: Dataset, ruleset: Ruleset, open_levels: set[str], fixed_ids: set[str]) -> pd.DataFrame:
    ind = ds.indicators
    if ruleset.scope == "project":
        rows = ind[(ind["project_code"] != "") & ind["level1"].isin(open_levels)]
    else:
        rows = ind[(ind["project_code"] == "") & ind["level1"].isin(open_levels) & ~ind["indicator_id"].isin(fixed_ids)]
    out = rows.rename(columns={"reason": "deviation_reason"}).copy()
    out["kind"] = "input"
    out["weight_given"] = out["weight"]
    return out


def _metric_items(ds: Dataset, ruleset: Ruleset) -> pd.DataFrame:
    """执行率 items computed per project from its funds (财预〔2020〕10号: 全年执行数 / 全年预算数)."""
    frames = []
    # 执行率 may be a 一级 of its own (财预〔2020〕10号) or sit inside another level (e.g. 产出/预算执行).
    spots = [(lv, lv.name, "") for lv in ruleset.levels] + [
        (c, lv.name, c.name) for lv in ruleset.levels for c in lv.children
    ]
    for lv, level1, level2 in spots:
        if lv.metric != "execution_rate" or ruleset.scope != "project":
            continue
        p = ds.projects
        rate = with_fund_ratios(p)["execution_rate"] * 100
        frames.append(
            pd.DataFrame(
                {
                    "dept_code": p["dept_code"],
                    "project_code": p["project_code"],
                    "level1": level1,
                    "level2": level2,
                    "name": "预算执行率",
                    "indicator_id": "预算执行率",
                    "kind": "metric",
                    "target_text": "100%",
                    "actual_text": fmt_num(rate, suffix="%"),
                    "comparator": ">=",
                    "target": 100.0,
                    "high": np.nan,
                    "unit": "%",
                    "actual": rate,
                    "qualitative": False,
                    "weight": lv.points,
                    "weight_given": lv.points,
                    "published_score": p["published_score"],
                    "method": (lv.method or MethodSpec("budget_execution")).key,
                    "_file": p["_file"],
                    "_sheet": p["_sheet"],
                    "_row": p["_row"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _formula_values(fields: pd.DataFrame, formula: str) -> pd.Series:
    parsed = expr.parse(formula)
    rows = records(fields.reset_index())
    values = [expr.evaluate(parsed, {k: (None if pd.isna(v) else v) for k, v in r.items()}) for r in rows]
    return pd.Series([np.nan if v is None else float(v) for v in values], index=fields.index, dtype=float)


def _fixed_items(ds: Dataset, ruleset: Ruleset, project_completion: dict[str, pd.Series]) -> pd.DataFrame:
    """Rows for the ruleset's own indicators, one per department: the value comes from a formula over
    the budget tables, from the department's 整体绩效指标 row, or from its projects' mean completion.
    A row the department filled in always wins over the ruleset's default target."""
    frames = []
    fields = department_fields(ds, ruleset.library)
    depts = ds.departments.set_index("dept_code")
    given = ds.indicators[ds.indicators["project_code"] == ""].drop_duplicates(["dept_code", "indicator_id"])
    given = given.set_index(["dept_code", "indicator_id"])
    for lv in ruleset.levels:
        for child, fi in _fixed_in(lv):
            codes = depts.index
            row = given.reindex(pd.MultiIndex.from_arrays([codes, [fi.id] * len(codes)]))
            row.index = codes
            has_row = row["target_text"].notna()
            if fi.source == "formula":
                actual = _formula_values(fields.reindex(codes), ruleset.library.indicators[fi.id].formula or "")
            elif fi.source == "projects":
                actual = project_completion.get(fi.category or "", pd.Series(dtype=float)).reindex(codes) * 100
            else:
                actual = pd.Series(np.nan, index=codes)
            parsed = try_parse_value(fi.target) if fi.target else None
            tgt = parsed if isinstance(parsed, ParsedValue) else None
            base = pd.DataFrame(
                {
                    "level1": lv.name,
                    "level2": child,
                    "name": fi.id,
                    "indicator_id": fi.id,
                    "kind": "reported" if fi.source == "input" else fi.source,
                    "weight": fi.points,
                    "weight_given": fi.points,
                    "method": fi.method.key if fi.method else None,
                    "actual": actual,
                    "actual_text": fmt_num(actual, suffix="%"),
                    "target_text": tgt.raw if tgt else "—",
                    "comparator": tgt.comparator if tgt else np.nan,
                    "target": tgt.value if tgt else np.nan,
                    "high": tgt.high if tgt else np.nan,
                    "unit": tgt.unit if tgt else np.nan,
                    "qualitative": False,
                    "_file": depts["_file"],
                    "_sheet": depts["_sheet"],
                    "_row": depts["_row"],
                },
                index=codes,
            )
            base = base.astype(
                {
                    "target_text": object,
                    "comparator": object,
                    "unit": object,
                    "qualitative": bool,
                    "actual_text": object,
                    "_file": object,
                    "_sheet": object,
                    "_row": object,
                }
            )
            cols = [
                "target_text",
                "comparator",
                "target",
                "high",
                "unit",
                "actual",
                "actual_text",
                "qualitative",
                "_file",
                "_sheet",
                "_row",
            ]
            for col in cols:
                base[col] = base[col].astype(object).where(~has_row, row[col]) if has_row.any() else base[col]
            base["actual"] = base["actual"].astype(float)
            base["target"] = base["target"].astype(float)
            base["high"] = base["high"].astype(float)
            base["deviation_reason"] = row["reason"]
            for col in ("override_score", "override_reason", "published_score"):
                base[col] = row[col]
            base.loc[base["actual"].isna() & ~base["qualitative"].astype(bool), "kind"] = "missing"
            frames.append(base.reset_index(names="dept_code"))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _open_points(level: Level) -> float:
    """What an open level leaves for the department's own rows: its points less fixed and computed parts."""
    fixed = sum(fi.points for _, fi in _fixed_in(level))
    metrics = sum(c.points for c in level.children if c.metric)
    return level.points - fixed - metrics


def _fixed_in(level: Level) -> list[tuple[str, FixedIndicator]]:
    out = [("", fi) for fi in level.indicators]
    for child in level.children:
        out += [(child.name, fi) for fi in child.indicators]
    return out


# ------------------------------------------------------------------ weights and methods


def precision(ruleset: Ruleset) -> int:
    """Decimal places scores are rounded to: the ruleset's `precision:` (default 2, as 自评表 print them)."""
    places = ruleset.raw.get("precision", 2) if isinstance(ruleset.raw, Mapping) else 2
    return int(places) if isinstance(places, int) and 0 <= places <= 6 else 2


def _rounded_shares(weights: pd.Series, keys: list[pd.Series], places: int, rows: pd.DataFrame) -> pd.Series:
    """Round each group's weights to `places` so that they still sum to the group's rounded total:
    50 split three ways is 16.67 + 16.67 + 16.66, never 3 × 16.67 = 50.01. The spare units go to the
    largest remainders, ties to the row that comes first in the department's file (file, sheet, row,
    name), so that the order rows arrive in never changes a score."""
    unit = 10.0**-places
    scaled = (weights / unit).round(NOISE_PLACES)
    floor = np.floor(scaled)
    frac = (scaled - floor).round(NOISE_PLACES)
    want = scaled.groupby(keys).transform("sum").round()
    short = (want - floor.groupby(keys).transform("sum")).round()
    cols = {f"_k{i}": k.to_numpy() for i, k in enumerate(keys)}
    order = pd.DataFrame({"f": frac, **cols}, index=weights.index).join(
        rows[["_file", "_sheet", "_row", "name"]].astype(str)
    )
    order["_row"] = pd.to_numeric(order["_row"], errors="coerce")
    order = order.sort_values(
        ["f", "_file", "_sheet", "_row", "name"], ascending=[False, True, True, True, True], kind="stable"
    )
    rank = order.groupby(list(cols), sort=False).cumcount()
    extra = (rank.reindex(weights.index) < short).astype(float)
    out: pd.Series = (floor + extra) * unit
    return out


def _allocate(items: pd.DataFrame, ruleset: Ruleset, group: list[str]) -> pd.DataFrame:
    """Split each open level's points among a project's (or department's) own rows; honour given 分值."""
    out = items.copy()
    open_points = {lv.name: _open_points(lv) for lv in ruleset.levels if lv.open}
    split = {lv.name: lv.split for lv in ruleset.levels}
    is_open = out["kind"] == "input"
    o = out[is_open]
    keys = [*group, "level1"]
    level_pts = o["level1"].map(open_points).astype(float)  # an empty map keeps the (string) dtype of level1
    given = o["weight_given"].fillna(0).groupby([o[k] for k in keys]).transform("sum")
    n_free = o["weight_given"].isna().groupby([o[k] for k in keys]).transform("sum")
    remaining = (level_pts - given).clip(lower=0)
    equal = remaining / n_free.where(n_free > 0)
    by_child = o["level1"].map(split) == "by_child"
    if by_child.any():
        free = o["weight_given"].isna()
        n_child = o[free].groupby([o[k] for k in keys])["level2"].transform("nunique").reindex(o.index)
        per_child_rows = (
            o[free].groupby([*(o[k] for k in keys), o["level2"]])["level2"].transform("size").reindex(o.index)
        )
        equal = equal.mask(by_child & free, remaining / n_child / per_child_rows)
    free = o["weight_given"].isna() & equal.notna()
    if free.any():
        f = o[free]
        equal = equal.mask(free, _rounded_shares(equal[free], [f[k] for k in keys], precision(ruleset), f))
    out.loc[is_open, "weight"] = o["weight_given"].fillna(equal)
    return out


def _missing_levels(items: pd.DataFrame, ds: Dataset, ruleset: Ruleset, group: list[str]) -> pd.DataFrame:
    """Placeholder rows for open levels a project (department) set no indicators for (withhold mode)."""
    if ruleset.missing_level != "withhold":
        return items
    units = ds.projects[group] if ruleset.scope == "project" else ds.departments[group]
    frames = [items]
    for lv in ruleset.levels:
        if not lv.open:
            continue
        pts = _open_points(lv)
        present = items[(items["level1"] == lv.name) & (items["kind"] == "input")][group].drop_duplicates()
        absent = units.merge(present, how="left", indicator=True)
        absent = absent[absent["_merge"] == "left_only"].drop(columns="_merge")
        if len(absent) and pts > 0:
            absent = absent.assign(
                level1=lv.name,
                level2="",
                name=f"（未设置{lv.name}）",
                indicator_id="",
                kind="missing",
                weight=pts,
                weight_given=np.nan,
                target_text="—",
                actual_text="—",
                qualitative=False,
            )
            frames.append(absent)
    return pd.concat(frames, ignore_index=True)


def _rejected_levels(items: pd.DataFrame, rej: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """`_rejected`: how many of a missing level's rows were rejected; such a level was set, not absent."""
    out = items.copy()
    rows = rej[rej["table"].isin(["绩效指标", "整体绩效指标"]) & (rej["level1"] != "")]
    counts = rows.groupby([*group, "level1"]).size().rename("_rejected")
    out = out.drop(columns=["_rejected"], errors="ignore").join(counts, on=[*group, "level1"])
    out["_rejected"] = out["_rejected"].fillna(0).where(out["kind"] == "missing", 0).astype(int)
    return out


def _assign_methods(items: pd.DataFrame, ruleset: Ruleset) -> pd.DataFrame:
    out = items.copy()
    library = (
        out["indicator_id"]
        .map(lambda i: ind.direction if (ind := ruleset.library.indicators.get(i)) else "higher")
        .astype(object)
    )
    # A number written without ≥/≤/=: the ruleset's blank_comparator rules first (成本 → ≤, as the
    # primer's tables do), then the library's direction for the indicator, else ≥.
    blank = out["comparator"].isna() & out["target"].notna()
    for blank_rule in ruleset.blank_comparators:
        hit = blank & _selected(out, blank_rule.when)
        out.loc[hit, "comparator"] = blank_rule.comparator
        blank &= ~hit
    out["comparator"] = out["comparator"].where(~blank, library.map({"lower": "<=", "higher": ">=", "exact": "="}))
    # The direction follows the comparator as written or filled in; the library decides the rest.
    by_comparator = out["comparator"].map({"<=": "lower", "<": "lower", "=": "exact"}).astype(object)
    out["direction"] = by_comparator.fillna(library)
    pending = out["method"].isna() & (out["kind"] != "missing")
    for rule in ruleset.method_rules:
        mask = pending & _selected(out, rule.when)
        out.loc[mask, "method"] = rule.method.key
        pending &= ~mask
    return out


def _selected(items: pd.DataFrame, when: Mapping[str, Any]) -> pd.Series:
    """Rows a `when:` selector picks: every named field equals the value or one of the listed values."""
    fields = {
        "level1": items["level1"],
        "level2": items["level2"],
        "comparator": items["comparator"],
        "qualitative": items["qualitative"].astype(bool),
        "indicator": items["indicator_id"],
        "direction": items.get("direction", pd.Series(None, index=items.index)),
        "unit": items["unit"],
    }
    mask = pd.Series(True, index=items.index)
    for key, wanted in when.items():
        mask &= fields[key].isin(wanted if isinstance(wanted, list) else [wanted])
    return mask


def _method_table(ruleset: Ruleset) -> dict[str, MethodSpec]:
    specs = [r.method for r in ruleset.method_rules]
    for lv in ruleset.levels:
        specs += [x.method for x in (lv, *lv.children) if x.method]  # a 二级 metric (执行率 inside 产出) has one too
        specs += [fi.method for _, fi in _fixed_in(lv) if fi.method]
    specs.append(MethodSpec("budget_execution"))
    return {s.key: s for s in specs}


def _apply_methods(items: pd.DataFrame, ruleset: Ruleset) -> pd.DataFrame:
    out = items.copy()
    out["points_computed"] = 0.0
    out["completion"] = np.nan
    out["how"] = ""
    table = _method_table(ruleset)
    scorable = out["kind"] != "missing"
    for key, idx in out[scorable].groupby("method").groups.items():
        spec = table[str(key)]
        g = out.loc[idx]
        res = m.METHODS[spec.name].func(g, spec.params)
        out.loc[idx, "points_computed"] = res.points.astype(float)
        out.loc[idx, "completion"] = res.completion.astype(float)
        out.loc[idx, "how"] = res.how
        out.loc[idx, "method"] = spec.name
    return out


def _overachievement(items: pd.DataFrame, ruleset: Ruleset) -> pd.DataFrame:
    """Actual ≥ threshold × target (e.g. 130%): 偏差原因 required, optional penalty (10号：按偏离度适度调减)."""
    out = items.copy()
    oa = ruleset.overachievement
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = out["actual"].astype(float) / out["target"].astype(float).where(out["target"] > 0)
    out["overachieved"] = (
        (out["direction"] == "higher") & (raw.round(NOISE_PLACES) >= oa.threshold) & (out["kind"] == "input")
    )
    no_reason = text_col(out["deviation_reason"]).str.strip() == ""
    out["reason_missing"] = out["overachieved"] & no_reason & oa.require_reason
    # Share of the weight withheld: a fixed penalty when unexplained, plus a cut that grows with the
    # deviation above the threshold (财预〔2020〕10号：按偏离度适度调减), never more than `cap`.
    cut_to = out["reason_missing"] | (out["overachieved"] & oa.even_with_reason)
    share = oa.penalty * out["reason_missing"] + oa.per_excess * (raw - oa.threshold).clip(lower=0).fillna(0)
    out["oa_cut"] = share.where(cut_to, 0.0).clip(upper=oa.cap)
    out["points_computed"] = (out["points_computed"] - out["oa_cut"] * out["weight"]).clip(lower=0)
    return out


def _notes(items: pd.DataFrame, ruleset: Ruleset) -> pd.Series:
    """What changed the points after the method: over-achievement, its cut, 人工调整 ("" when nothing)."""
    oa = ruleset.overachievement
    over = (
        "实际值达目标的 "
        + pct(items["actual"] / items["target"].where(items["target"] > 0))
        + "，超过 "
        + f"{oa.threshold:.0%}"
    )
    note = pd.Series("", index=items.index, dtype=object)
    note = note.mask(items["overachieved"] & ~items["reason_missing"], over + "，已说明偏差原因")
    note = note.mask(items["reason_missing"], over + "，未说明偏差原因")
    note = note.mask(items["oa_cut"] > 0, note + "，按偏离度扣减 " + pct(items["oa_cut"]) + " 分值")
    adjusted = (
        "人工调整为 "
        + fmt_num(items["override_score"])
        + " 分（计算得分 "
        + fmt_num(items["points_computed"])
        + "，理由："
        + text_col(items["override_reason"]).replace("", "未说明")
        + "）"
    )
    has = items["override_score"].notna()
    note = note.mask(has & (note != ""), note + "；" + adjusted).mask(has & (note == ""), adjusted)
    diff = items["points"] - items["published_score"]
    differs = diff.abs() >= 0.005  # a published 得分 the department computed otherwise
    said = (
        "与单位自评得分 "
        + fmt_num(items["published_score"])
        + " 相差 "
        + fmt_num(diff).where(diff < 0, "+" + fmt_num(diff))
        + " 分"
    )
    return note.mask(differs & (note != ""), note + "；" + said).mask(differs & (note == ""), said)


def _explain(items: pd.DataFrame, ruleset: Ruleset) -> pd.Series:
    """The whole reason in one sentence: inputs, method outcome, points given of the weight, then notes."""
    w = fmt_num(items["weight"])
    p = fmt_num(items["points"])
    comp = text_col(items["comparator"]).replace({">=": "≥", "<=": "≤", "range": ""})
    written = items["target_text"].astype(str)
    target = np.where(written.str.match(r"^[≥≤<>=＞＜]") | items["target"].isna(), written, comp + written)
    text = (
        items["name"].astype(str)
        + "：实际 "
        + items["actual_text"].astype(str)
        + "，目标 "
        + target
        + "，"
        + items["how"].astype(str)
        + "，得 "
        + p
        + "/"
        + w
        + " 分"
    )
    missing = items["kind"] == "missing"
    text = text.mask(
        missing & (items["indicator_id"] == ""), "未设置" + items["level1"].astype(str) + "，本级 " + w + " 分未得"
    )
    if "_rejected" in items:
        rejected = missing & (items["_rejected"] > 0)
        text = text.mask(
            rejected,
            items["level1"].astype(str)
            + "有 "
            + items["_rejected"].astype(str)
            + " 行指标未通过校验（见拒绝清单），本级 "
            + w
            + " 分暂未计分，评分未完成",
        )
    text = text.mask(
        missing & (items["indicator_id"] != ""), items["name"].astype(str) + "：缺少数据，" + w + " 分未得"
    )
    return text.mask(items["note"] != "", text + "；" + items["note"])


# ------------------------------------------------------------------ rejected rows: incomplete scoring

INCOMPLETE, COMPLETE = "未完成评分", "完成评分"


def rejected_rows(ds: Dataset, ruleset: Ruleset) -> pd.DataFrame:
    """One row per rejected input row: dept_code, project_code, level1 (the ruleset's name when the written
    一级 resolves, else as written), table. A row with several bad cells counts once."""
    seen: dict[tuple[str, str, str | None, int | None], dict[str, str]] = {}
    for r in ds.rejections:
        lv = ruleset.level_for(r.level1) if r.level1 else None
        seen.setdefault(
            (r.table, str(r.source.file), r.source.sheet, r.source.row),
            {
                "dept_code": r.dept_code,
                "project_code": r.project_code,
                "table": r.table,
                "level1": lv.name if lv is not None else r.level1,
            },
        )
    cols = ["dept_code", "project_code", "level1", "table"]
    return pd.DataFrame(list(seen.values()), columns=cols) if seen else pd.DataFrame(columns=cols)


def _mark_incomplete(table: pd.DataFrame, rej: pd.DataFrame, keys: list[str], places: int) -> pd.DataFrame:
    """status / provisional / n_rejected / total_text columns. The grade of an incomplete unit reads "良（暂定）"
    and its total_text "92.10（未完成）", so every output that prints them says they are not final
    (issue 9: nothing silent)."""
    out = table.copy()
    counts = rej.groupby(keys).size().rename("_n")
    out = out.join(counts, on=keys) if len(counts) else out.assign(_n=0)
    out["n_rejected"] = out.pop("_n").fillna(0).astype(int)
    out["provisional"] = out["n_rejected"] > 0
    out["status"] = np.where(out["provisional"], INCOMPLETE, COMPLETE)
    out["grade"] = out["grade"].astype(object).where(~out["provisional"], out["grade"].astype(str) + PROVISIONAL_GRADE)
    shown = fmt_num(out["total"].astype(float), places)
    out["total_text"] = shown.where(~out["provisional"], shown + "（未完成）")
    return out


# ------------------------------------------------------------------ totals


def _project_completion(ds: Dataset, ruleset: Ruleset) -> dict[str, pd.Series]:
    """Mean completion of project indicators per department and 二级 (for from: projects indicators)."""
    rows = ds.indicators[ds.indicators["project_code"] != ""].copy()
    if rows.empty:
        return {}
    rows["kind"], rows["weight"], rows["method"] = "input", 1.0, None
    rows = _apply_methods(_assign_methods(rows, ruleset), ruleset)
    rows["completion"] = rows["completion"].clip(upper=1)
    out: dict[str, pd.Series] = {}
    for col in ("category1", "category2"):  # "数量" matches 二级 数量指标; "效益" matches 一级 效益指标 as written
        for key, g in rows.groupby(rows[col].astype(str).str.removesuffix("指标")):
            out.setdefault(str(key), g.groupby("dept_code")["completion"].mean())
    return out


def score(ds: Dataset, ruleset: Ruleset) -> ScoreResult:
    """Score a validated dataset with a compiled ruleset."""
    group = ["dept_code", "project_code"] if ruleset.scope == "project" else ["dept_code"]
    open_levels = {lv.name for lv in ruleset.levels if lv.open}
    fixed_ids = {fi.id for lv in ruleset.levels for _, fi in _fixed_in(lv)}
    parts = [_input_items(ds, ruleset, open_levels, fixed_ids), _metric_items(ds, ruleset)]
    if ruleset.scope == "department":
        parts.append(_fixed_items(ds, ruleset, _project_completion(ds, ruleset)))
    items = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=list(ITEM_COLUMNS))
    )
    for col in ITEM_COLUMNS:
        if col not in items:
            items[col] = np.nan
    if ruleset.scope == "department":
        items["project_code"] = ""
    items = _allocate(items, ruleset, group)
    items = _missing_levels(items, ds, ruleset, group)
    items = _rejected_levels(items, rejected_rows(ds, ruleset), group)
    items = _assign_methods(items, ruleset)
    items = _apply_methods(items, ruleset)
    items = _overachievement(items, ruleset)
    items["points"] = items["points_computed"].where(
        items["override_score"].isna(), items["override_score"].clip(lower=0)
    )
    # Every indicator score lies in [0, weight], an adjusted one too (validation rejects overrides above a
    # given 分值; one above a share the level allocated is capped here and the note says so).
    items["points"] = half_up(items["points"].clip(lower=0, upper=items["weight"]), precision(ruleset))
    items["note"] = _notes(items, ruleset)  # after points: it compares them with the published 得分
    items["explanation"] = _explain(items, ruleset)
    items = _ordered(items, ruleset)
    projects = _project_totals(items, ds, ruleset) if ruleset.scope == "project" else pd.DataFrame()
    departments = _department_totals(items, projects, ds, ruleset)
    rej = rejected_rows(ds, ruleset)
    if len(projects):
        projects = _mark_incomplete(
            projects, rej[rej["project_code"] != ""], ["dept_code", "project_code"], precision(ruleset)
        )
    departments = _mark_incomplete(departments, rej, ["dept_code"], precision(ruleset))
    return ScoreResult(items[[*ITEM_COLUMNS, "direction"]], projects, departments, ruleset, ds)


def _ordered(items: pd.DataFrame, ruleset: Ruleset) -> pd.DataFrame:
    """Rows in the ruleset's level order, then input row order: the order people read a 自评表 in."""
    order = {lv.name: i for i, lv in enumerate(ruleset.levels)}
    # Ruleset-defined indicators keep the ruleset's order (they were built in it); input rows follow the sheet.
    row = items["_row"].astype(float).where(items["kind"].isin(["input", "metric"]), -1.0)
    items = items.assign(_lv=items["level1"].map(order), _r=row)
    return (
        items.sort_values(["dept_code", "project_code", "_lv", "_r"], kind="stable")
        .drop(columns=["_lv", "_r"])
        .reset_index(drop=True)
    )


def _project_totals(items: pd.DataFrame, ds: Dataset, ruleset: Ruleset) -> pd.DataFrame:
    sums = items.groupby(["dept_code", "project_code"])[["points", "weight"]].sum()
    p = ds.projects.set_index(["dept_code", "project_code"])
    out = p[["project_name", "budget_initial", "budget_final", "spent", "carryover", "period_months"]].join(sums)
    places = precision(ruleset)
    for col in ("points", "weight"):
        out[col] = half_up(out[col].fillna(0), places)
    if ruleset.missing_level == "redistribute":
        out["total"] = out["points"] / out["weight"].where(out["weight"] > 0) * ruleset.total
    else:
        out["total"] = out["points"]
    out["total"] = half_up(out["total"].fillna(0).clip(lower=0, upper=ruleset.total), places)
    out = with_fund_ratios(out)
    out["grade"] = out["total"].map(ruleset.grade_of)
    return out.reset_index()


def _department_totals(items: pd.DataFrame, projects: pd.DataFrame, ds: Dataset, ruleset: Ruleset) -> pd.DataFrame:
    # 主管部门 / 行业 / status ride along when the input has them, so the bureau's 汇总表 can group by them.
    carried = [c for c in ("supervisor", "sector", "status") if c in ds.departments.columns]
    d = ds.departments.set_index("dept_code")[["dept_name", "year", *carried]].copy()
    if ruleset.scope == "project":
        # A department's project score is the budget-weighted mean of its projects' totals
        # (equal weights when no budget is given), so large projects count for more.
        pr = projects.assign(w=projects["budget_final"].fillna(0))
        pr["w"] = pr["w"].where(pr.groupby("dept_code")["w"].transform("sum") > 0, 1.0)
        pr["wt"] = pr["w"] * pr["total"]
        g = pr.groupby("dept_code")
        agg = pd.DataFrame(
            {
                "total": g["wt"].sum() / g["w"].sum(),
                "n_projects": g.size(),
                "budget_final": g["budget_final"].sum(),
                "spent": g["spent"].sum(),
            }
        )
        d = d.join(agg)
    else:
        tot = items.groupby("dept_code")["points"].sum().rename("total")
        n = ds.projects.groupby("dept_code").size().rename("n_projects")
        d = d.join(tot).join(n)
        d["budget_final"] = ds.projects.groupby("dept_code")["budget_final"].sum()
        d["spent"] = ds.projects.groupby("dept_code")["spent"].sum()
    d["total"] = half_up(d["total"].fillna(0.0).clip(lower=0, upper=ruleset.total), precision(ruleset))
    d["n_projects"] = d["n_projects"].fillna(0).astype(int)
    d["grade"] = d["total"].map(ruleset.grade_of)
    d["rank"] = d["total"].rank(ascending=False, method="min").astype(int)
    return d.reset_index().sort_values(["rank", "dept_code"]).reset_index(drop=True)
