"""Year over year from the store: every department side by side across fiscal years, and one department's line.

`compare_years` puts each department's total and grade for each year in one row, with the change from the first
year to the last, and lists the indicators (same department, project and indicator) whose completion moved most.
`render_years` shows it as table, md or json; `history_html` draws one department's totals as a small inline SVG
line chart in a self-contained page (no script, no network).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd
from tabulate import tabulate

from scoring.core.display import fmt2
from scoring.core.errors import UsageError
from scoring.core.escape import md_rows
from scoring.core.frames import iter_rows
from scoring.store.backend import ResultStore, StoreError

GRADE_ORDER = {"优": 4, "良": 3, "中": 2, "差": 1}


@dataclass(frozen=True)
class YearOverYear:
    """Departments side by side over `years` (first → last) under one ruleset.

    departments: dept_code, dept_name, then total_<year> and grade_<year> per year, delta (last − first total,
    NaN when a year is missing), grade_change ("良→优", "" when unchanged or missing).
    movers: dept_code, dept_name, project_code, indicator_id, name, unit, completion_first, completion_last,
    delta; the `top` largest |delta| first.
    """

    ruleset: str
    years: tuple[int, ...]
    departments: pd.DataFrame
    movers: pd.DataFrame


def pick_ruleset(store: ResultStore, years: Sequence[int], ruleset: str | None) -> str:
    """The ruleset to compare under: the one given, or the only one stored for these years."""
    stored = sorted({str(r) for y in years for r in store.departments(y)["ruleset"]})
    if ruleset is not None:
        if ruleset not in stored:
            raise StoreError(
                f"存储 {store.location} 中没有规则集「{ruleset}」在 {'、'.join(map(str, years))} 年的结果"
                f"（已有：{'、'.join(stored) or '无'}）"
            )
        return ruleset
    if not stored:
        raise StoreError(f"存储 {store.location} 中没有 {'、'.join(map(str, years))} 年的结果")
    if len(stored) > 1:
        raise UsageError(f"这些年度存有多个规则集的结果：{'、'.join(stored)}", hint="请用 --ruleset 指定一个")
    return stored[0]


def compare_years(store: ResultStore, years: Sequence[int], ruleset: str | None = None, top: int = 10) -> YearOverYear:
    """All departments stored for any of `years`, side by side; see YearOverYear."""
    ys = tuple(sorted(set(years)))
    if len(ys) < 2:
        raise UsageError("跨年度对比需要至少两个不同的 --year", hint="例如 --year 2023 --year 2024")
    rs = pick_ruleset(store, ys, ruleset)
    frames = {y: store.departments(y, rs).set_index("dept_code") for y in ys}
    empty = [str(y) for y in ys if not len(frames[y])]
    if empty:
        raise StoreError(
            f"存储 {store.location} 中没有 {'、'.join(empty)} 年（规则集 {rs}）的结果，无法跨年度对比"
            f" / nothing stored for that year"
        )
    codes = sorted(set().union(*(f.index for f in frames.values())))
    out = pd.DataFrame({"dept_code": codes})
    names = {}
    for y in ys:  # the latest name wins
        names.update(frames[y]["dept_name"].astype(str).to_dict())
    out["dept_name"] = out["dept_code"].map(names)
    for y in ys:
        out[f"total_{y}"] = out["dept_code"].map(frames[y]["total"]).astype(float)
        grades = frames[y]["grade"].astype(str).to_dict()
        out[f"grade_{y}"] = [grades.get(c, "") for c in out["dept_code"]]
    first, last = ys[0], ys[-1]
    out["delta"] = out[f"total_{last}"] - out[f"total_{first}"]
    out["grade_change"] = [
        f"{a}→{b}" if a and b and a != b else ""
        for a, b in zip(out[f"grade_{first}"], out[f"grade_{last}"], strict=True)
    ]
    out = out.sort_values(["delta", "dept_code"], ascending=[False, True], na_position="last").reset_index(drop=True)
    return YearOverYear(rs, ys, out, _movers(store, first, last, rs, top))


def _movers(store: ResultStore, first: int, last: int, ruleset: str, top: int) -> pd.DataFrame:
    cols = [
        "dept_code",
        "dept_name",
        "project_code",
        "indicator_id",
        "name",
        "unit",
        "completion_first",
        "completion_last",
        "delta",
    ]
    ind = store.indicators([first, last], ruleset)
    ind = ind[ind["completion"].notna()]
    key = ["dept_code", "project_code", "indicator_id"]
    a = ind[ind["year"] == first].drop_duplicates(key).set_index(key)
    b = ind[ind["year"] == last].drop_duplicates(key).set_index(key)
    both = (
        b[["dept_name", "name", "unit", "completion"]]
        .rename(columns={"completion": "completion_last"})
        .join(a[["completion"]].rename(columns={"completion": "completion_first"}), how="inner")
    )
    if not len(both):
        return pd.DataFrame(columns=cols)
    both = both.reset_index()
    both["delta"] = both["completion_last"] - both["completion_first"]
    both["size"] = both["delta"].abs()
    both = both.sort_values(["size", "dept_code", "indicator_id"], ascending=[False, True, True])
    return both[both["size"] > 0].head(top)[cols].reset_index(drop=True)


def _pct(v: float) -> str:
    return "—" if pd.isna(v) else f"{v * 100:.2f}%"


def _signed(v: float, pct: bool = False) -> str:
    if pd.isna(v):
        return "—"
    return f"{v * 100:+.2f}pp" if pct else f"{v:+.2f}"


def _tables(yoy: YearOverYear) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    head = (
        ["部门编码", "部门名称"] + [h for y in yoy.years for h in (f"{y}得分", f"{y}等级")] + ["得分变化", "等级变化"]
    )
    rows = [
        [str(r.dept_code), str(r.dept_name)]
        + [
            c
            for y in yoy.years
            for c in (
                fmt2(getattr(r, f"total_{y}")) if pd.notna(getattr(r, f"total_{y}")) else "—",
                getattr(r, f"grade_{y}") or "—",
            )
        ]
        + [_signed(r.delta), r.grade_change]
        for r in iter_rows(yoy.departments)
    ]
    mhead = ["部门", "项目", "指标", f"{yoy.years[0]}完成率", f"{yoy.years[-1]}完成率", "变化"]
    mrows = [
        [
            str(r.dept_name),
            str(r.project_code),
            str(r.name),
            _pct(r.completion_first),
            _pct(r.completion_last),
            _signed(r.delta, pct=True),
        ]
        for r in iter_rows(yoy.movers)
    ]
    return head, rows, mhead, mrows


def render_years(yoy: YearOverYear, fmt: str = "table") -> str:
    """The comparison as `table` (terminal), `md` or `json`."""
    first, last = yoy.years[0], yoy.years[-1]
    if fmt == "json":
        return json.dumps(
            {
                "ruleset": yoy.ruleset,
                "years": list(yoy.years),
                "departments": json.loads(yoy.departments.to_json(orient="records", force_ascii=False)),
                "movers": json.loads(yoy.movers.to_json(orient="records", force_ascii=False)),
            },
            ensure_ascii=False,
            indent=2,
        )
    head, rows, mhead, mrows = _tables(yoy)
    d = yoy.departments
    up = int((d["delta"] > 0).sum())
    down = int((d["delta"] < 0).sum())
    title = (
        f"{first}→{last} 年度对比（规则集 {yoy.ruleset}）：{len(d)} 个部门，得分上升 {up} 个、下降 {down} 个，"
        f"等级变化 {int((d['grade_change'] != '').sum())} 个"
    )
    mtitle = f"完成率变化最大的指标（{first}→{last}）"
    if fmt == "md":

        def md(h: list[str], r: list[list[str]]) -> str:
            lines = ["| " + " | ".join(h) + " |", "|" + "---|" * len(h)]
            return "\n".join(lines + ["| " + " | ".join(x) + " |" for x in md_rows(r)])

        return f"## {title}\n\n{md(head, rows)}\n\n### {mtitle}\n\n" + (md(mhead, mrows) if mrows else "（无）") + "\n"
    if fmt != "table":
        raise UsageError(f"history 跨年度对比不支持格式「{fmt}」", hint="可用 table、md、json")
    out = [title, tabulate(rows, head, disable_numparse=True), "", mtitle]
    out.append(tabulate(mrows, mhead, disable_numparse=True) if mrows else "（无）")
    return "\n".join(out) + "\n"


def _chart(rows: pd.DataFrame, width: int = 480, height: int = 200) -> str:
    """One polyline per ruleset of total (0–100) by year; every point labelled with its total and grade."""
    years = sorted({int(y) for y in rows["year"]})
    left, right, top, bottom = 40, 20, 16, 28
    span = max(len(years) - 1, 1)

    def x(y: int) -> float:
        return left + (years.index(y) / span if len(years) > 1 else 0.5) * (width - left - right)

    def yv(t: float) -> float:
        return top + (1 - max(0.0, min(100.0, t)) / 100) * (height - top - bottom)

    colours = ["#1f5fa8", "#c0392b", "#27864a", "#8e44ad"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="历年得分">'
    ]
    for g in (60, 80, 90, 100):  # the grade bands' lower edges: 中 60, 良 80, 优 90
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{yv(g):.1f}" y2="{yv(g):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{yv(g) + 4:.1f}" font-size="10" text-anchor="end">{g}</text>'
        )
    for y in years:
        parts.append(f'<text x="{x(y):.1f}" y="{height - 8}" font-size="11" text-anchor="middle">{y}</text>')
    for i, (rs, grp) in enumerate(rows.groupby("ruleset", sort=True)):
        colour = colours[i % len(colours)]
        pts = [(x(int(r.year)), yv(float(r.total)), r) for r in iter_rows(grp.sort_values("year"))]
        parts.append(
            f'<polyline class="series" data-ruleset="{html.escape(str(rs))}" fill="none" stroke="{colour}" '
            f'stroke-width="2" points="' + " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in pts) + '"/>'
        )
        for px, py, r in pts:
            label = html.escape(f"{fmt2(r.total)} {r.grade}")
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"><title>{int(r.year)} '
                f"{html.escape(str(rs))}：{label}</title></circle>"
                f'<text x="{px:.1f}" y="{py - 6:.1f}" font-size="10" text-anchor="middle">{label}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def history_html(rows: pd.DataFrame, dept_code: str) -> str:
    """A department's stored history (HISTORY_COLUMNS) as a self-contained page: the line chart and the table."""
    name = html.escape(str(rows["dept_name"].iloc[-1]))
    code = html.escape(dept_code)
    body = "".join(
        f"<tr><td>{int(r.year)}</td><td>{html.escape(str(r.ruleset))}</td>"
        f"<td>{html.escape(str(r.ruleset_version))}</td><td class=n>{fmt2(r.total)}</td>"
        f"<td>{html.escape(str(r.grade))}</td><td>{html.escape(str(r.stored_at))}</td></tr>"
        for r in iter_rows(rows)
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{name}（{code}）历年得分</title><style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px}.n{text-align:right}"
        f"</style></head><body><h1>{name}（{code}）历年得分 · totals by year</h1>\n{_chart(rows)}\n"
        "<table><tr><th>年度</th><th>规则集</th><th>版本</th><th>总分</th><th>等级</th><th>存入时间</th></tr>"
        f"{body}</table></body></html>\n"
    )
