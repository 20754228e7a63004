"""What-if: score the same departments with two rulesets (or two versions of one) and show what changed.

Rule authors use it before adopting a new provincial standard: totals, grades and ranks per
department, the indicators whose points moved most, and the findings that appear or disappear.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from tabulate import tabulate

from scoring import api
from scoring.adapters.xlsx import (
    INT_FMT,
    SCORE_FMT,
    fit_widths,
    header,
    new_workbook,
    print_landscape,
    put,
    save,
    table_sheet,
)
from scoring.core.display import finite_or_none, round_half_up
from scoring.core.display import fmt2 as _num
from scoring.core.display import signed_text as _signed
from scoring.core.frames import iter_rows
from scoring.core.tolerance import EPS
from scoring.io.readers import load
from scoring.model.run import Run
from scoring.rules.ruleset import Ruleset, load_ruleset


@dataclass(frozen=True)
class Comparison:
    """departments: dept_code, dept_name, total_a, total_b, delta, grade_a, grade_b, rank_a, rank_b.
    items: dept_code, project_code, name, points_a, points_b, delta (only rows that moved), largest first.
    findings: dept_code, change (新增/消失), rule_id, problem.
    transitions: the grade-transition matrix — index A's grades, columns B's grades (best first, "—" for a
    department one side did not grade), cells the number of departments.
    drivers: name, departments, delta, mean — the indicators whose points moved, summed over departments,
    largest absolute change first (what drives the change in totals)."""

    a: Run
    b: Run
    departments: pd.DataFrame
    items: pd.DataFrame
    findings: pd.DataFrame
    transitions: pd.DataFrame
    drivers: pd.DataFrame


def compare(
    path: Path, ruleset_a: str | Path | Ruleset, ruleset_b: str | Path | Ruleset, year: int | None = None
) -> Comparison:
    """Load once, score twice."""
    raw = load(path)
    rs_a = ruleset_a if isinstance(ruleset_a, Ruleset) else load_ruleset(ruleset_a)
    rs_b = ruleset_b if isinstance(ruleset_b, Ruleset) else load_ruleset(ruleset_b)
    a, b = api.run_raw(raw, rs_a, year), api.run_raw(raw, rs_b, year)
    cols = ["dept_code", "dept_name", "total", "grade", "rank"]
    d = a.result.departments[cols].merge(
        b.result.departments[cols], on=["dept_code", "dept_name"], how="outer", suffixes=("_a", "_b")
    )
    d["delta"] = d["total_b"] - d["total_a"]
    d = d.sort_values("delta", key=lambda s: -s.abs(), kind="stable").reset_index(drop=True)
    key = ["dept_code", "project_code", "name"]
    pa = a.result.items.groupby(key)["points"].sum().rename("points_a")
    pb = b.result.items.groupby(key)["points"].sum().rename("points_b")
    it = pd.concat([pa, pb], axis=1).reset_index()
    it["delta"] = it["points_b"].fillna(0) - it["points_a"].fillna(0)
    it = it[(it["delta"].abs() > EPS) | it["points_a"].isna() | it["points_b"].isna()]
    it = it.sort_values("delta", key=lambda s: -s.abs(), kind="stable").reset_index(drop=True)
    return Comparison(
        a,
        b,
        d[["dept_code", "dept_name", "total_a", "total_b", "delta", "grade_a", "grade_b", "rank_a", "rank_b"]],
        it,
        _finding_changes(a, b),
        _transitions(d, rs_a, rs_b),
        _drivers(it),
    )


NO_GRADE = "—"


def _transitions(d: pd.DataFrame, rs_a: Ruleset, rs_b: Ruleset) -> pd.DataFrame:
    """How many departments move from each of A's grades to each of B's (a full square, zeros included)."""
    order_a = [g.name for g in rs_a.grades] + [NO_GRADE]
    order_b = [g.name for g in rs_b.grades] + [NO_GRADE]
    ga = d["grade_a"].fillna(NO_GRADE).astype(str)
    gb = d["grade_b"].fillna(NO_GRADE).astype(str)
    counts = pd.crosstab(ga, gb)
    return counts.reindex(index=order_a, columns=order_b, fill_value=0).astype(int)


def _drivers(items: pd.DataFrame) -> pd.DataFrame:
    """Indicators by name: in how many departments their points moved, and by how much in all."""
    if items.empty:
        return pd.DataFrame(columns=["name", "departments", "delta", "mean"])
    g = items.groupby("name", sort=False)
    out = pd.DataFrame({"departments": g["dept_code"].nunique(), "delta": g["delta"].sum()}).reset_index()
    out["mean"] = out["delta"] / out["departments"]
    return out.sort_values("delta", key=lambda s: -s.abs(), kind="stable").reset_index(drop=True)


def _finding_changes(a: Run, b: Run) -> pd.DataFrame:
    """Per department and rule: findings that appear, disappear, or now concern other subjects."""

    def keyed(run: Run) -> dict[tuple[str, str], tuple[tuple[str, ...], str]]:
        out: dict[tuple[str, str], tuple[tuple[str, ...], str]] = {}
        for f in run.findings:
            subjects, problems = out.get((str(f.dept_code), f.rule_id), ((), ""))
            out[(str(f.dept_code), f.rule_id)] = ((*subjects, *f.subjects), problems or f.problem)
        return out

    ka, kb = keyed(a), keyed(b)
    rows = []
    for key in [*ka, *(k for k in kb if k not in ka)]:
        if key not in kb:
            rows.append({"dept_code": key[0], "change": "消失", "rule_id": key[1], "problem": ka[key][1]})
        elif key not in ka:
            rows.append({"dept_code": key[0], "change": "新增", "rule_id": key[1], "problem": kb[key][1]})
        elif set(ka[key][0]) != set(kb[key][0]):
            more = [s for s in kb[key][0] if s not in ka[key][0]]
            gone = [s for s in ka[key][0] if s not in kb[key][0]]
            text = "；".join(
                part
                for part in (
                    "新增涉及 " + "、".join(more) if more else "",
                    "不再涉及 " + "、".join(gone) if gone else "",
                )
                if part
            )
            rows.append({"dept_code": key[0], "change": "变化", "rule_id": key[1], "problem": text})
    return pd.DataFrame(rows, columns=["dept_code", "change", "rule_id", "problem"])


def render_comparison(c: Comparison, top: int = 20) -> str:
    ra, rb = c.a.ruleset, c.b.ruleset
    out = [f"A：{ra.title}（{ra.name} {ra.version}）", f"B：{rb.title}（{rb.name} {rb.version}）", ""]
    d = c.departments
    rows = [
        [
            r.dept_name,
            _num(r.total_a),
            _num(r.total_b),
            _signed(r.delta),
            f"{r.grade_a or '—'} → {r.grade_b or '—'}",
            f"{_int(r.rank_a)} → {_int(r.rank_b)}",
        ]
        for r in iter_rows(d)
    ]
    out.append(tabulate(rows, ["部门", "A 得分", "B 得分", "变化", "等级", "排名"], disable_numparse=True))
    changed = int((d["grade_a"] != d["grade_b"]).sum())
    out += ["", f"{len(d)} 个部门中 {changed} 个等级变化；平均得分变化 {_signed(d['delta'].mean())} 分"]
    if changed:
        t = c.transitions
        out += ["", "等级变化矩阵（行：A 等级，列：B 等级，单元格为部门数）："]
        out.append(
            tabulate(
                [[f"A {g}", *(str(v) for v in t.loc[g])] for g in t.index],
                ["", *(f"B {g}" for g in t.columns)],
                disable_numparse=True,
            )
        )
    if len(c.drivers):
        dr = c.drivers.head(top)
        out += ["", "驱动变化的指标（按各部门得分变化之和）："]
        out.append(
            tabulate(
                [[r.name, str(int(r.departments)), _signed(r.delta), _signed(r.mean)] for r in iter_rows(dr)],
                ["指标", "涉及部门", "得分变化合计", "平均每部门"],
                disable_numparse=True,
            )
        )
    if len(c.items):
        it = c.items.head(top)
        out += ["", f"得分变化最大的指标（前 {len(it)} 条，共 {len(c.items)} 条）："]
        out.append(
            tabulate(
                [
                    [
                        r.dept_code,
                        r.project_code or "（部门整体）",
                        r.name,
                        _num(r.points_a),
                        _num(r.points_b),
                        _signed(r.delta),
                    ]
                    for r in iter_rows(it)
                ],
                ["部门编码", "项目", "指标", "A", "B", "变化"],
                disable_numparse=True,
            )
        )
    if len(c.findings):
        out += ["", "问题发现的变化："] + [
            f"  [{r.change}] {r.dept_code} {r.rule_id}：{r.problem}" for r in iter_rows(c.findings)
        ]
    return "\n".join(out)


def comparison_json(c: Comparison) -> str:
    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = json.loads(df.to_json(orient="records", force_ascii=False))
        return out

    return (
        json.dumps(
            {
                "a": {"name": c.a.ruleset.name, "version": c.a.ruleset.version},
                "b": {"name": c.b.ruleset.name, "version": c.b.ruleset.version},
                "departments": records(c.departments),
                "items": records(c.items),
                "findings": records(c.findings),
                "transitions": {
                    str(g): {str(h): int(v) for h, v in row.items()} for g, row in c.transitions.iterrows()
                },
                "drivers": records(c.drivers),
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n"
    )


def _r2(v: Any) -> float | None:
    """A score as the table states it: two places, half-up (None for a side that did not score)."""
    x = finite_or_none(v)
    return None if x is None else round_half_up(x, 2)


def _rank(v: Any) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def build_comparison_workbook(c: Comparison) -> Any:
    """The comparison as a workbook: 部门 (totals, grades, ranks, A and B), 等级变化矩阵, 驱动指标, 指标变化,
    问题变化. Scores are stored rounded to the two places shown."""
    ra, rb = c.a.ruleset, c.b.ruleset
    wb, _ = new_workbook(None)
    d = c.departments
    rows = [
        [
            str(r.dept_code),
            str(r.dept_name),
            _r2(r.total_a),
            _r2(r.total_b),
            _r2(r.delta),
            r.grade_a or NO_GRADE,
            r.grade_b or NO_GRADE,
            _rank(r.rank_a),
            _rank(r.rank_b),
        ]
        for r in iter_rows(d)
    ]
    ws = table_sheet(
        wb,
        "部门",
        ["部门编码", "部门", "A 得分", "B 得分", "变化", "A 等级", "B 等级", "A 排名", "B 排名"],
        rows,
        {2: SCORE_FMT, 3: SCORE_FMT, 4: "+0.00;-0.00;0.00", 7: INT_FMT, 8: INT_FMT},
        top=4,
    )
    put(ws, 1, 1, f"A：{ra.title}（{ra.name} {ra.version}）", bold=True, border=False)
    put(ws, 2, 1, f"B：{rb.title}（{rb.name} {rb.version}）", bold=True, border=False)
    changed = int((d["grade_a"].fillna(NO_GRADE) != d["grade_b"].fillna(NO_GRADE)).sum())
    put(ws, 3, 1, f"{len(d)} 个部门中 {changed} 个等级变化；平均得分变化 {_signed(d['delta'].mean())} 分", border=False)

    t = c.transitions
    m = wb.create_sheet("等级变化矩阵")
    put(m, 1, 1, "行：A 的等级；列：B 的等级；单元格为部门数（对角线为等级未变）", border=False)
    header(m, 2, ["A ＼ B", *(f"B {g}" for g in t.columns), "合计"])
    for i, g in enumerate(t.index, start=3):
        put(m, i, 1, f"A {g}", bold=True)
        for j, v in enumerate(t.loc[g], start=2):
            put(m, i, j, int(v), INT_FMT, bold=t.columns[j - 2] == g)
        put(m, i, len(t.columns) + 2, int(t.loc[g].sum()), INT_FMT)
    last = len(t.index) + 3
    put(m, last, 1, "合计", bold=True)
    for j, col in enumerate(t.columns, start=2):
        put(m, last, j, int(t[col].sum()), INT_FMT)
    put(m, last, len(t.columns) + 2, int(t.values.sum()), INT_FMT, bold=True)
    fit_widths(m, start_row=2)
    print_landscape(m, title_rows="2:2")

    table_sheet(
        wb,
        "驱动指标",
        ["指标", "涉及部门", "得分变化合计", "平均每部门"],
        [[str(r.name), int(r.departments), _r2(r.delta), _r2(r.mean)] for r in iter_rows(c.drivers)],
        {1: INT_FMT, 2: SCORE_FMT, 3: SCORE_FMT},
    )
    table_sheet(
        wb,
        "指标变化",
        ["部门编码", "项目", "指标", "A 得分", "B 得分", "变化"],
        [
            [
                str(r.dept_code),
                r.project_code or "（部门整体）",
                str(r.name),
                _r2(r.points_a),
                _r2(r.points_b),
                _r2(r.delta),
            ]
            for r in iter_rows(c.items)
        ],
        {3: SCORE_FMT, 4: SCORE_FMT, 5: SCORE_FMT},
    )
    table_sheet(
        wb,
        "问题变化",
        ["部门编码", "变化", "规则", "问题"],
        [[str(r.dept_code), str(r.change), str(r.rule_id), str(r.problem)] for r in iter_rows(c.findings)],
        {},
    )
    return wb


def render_comparison_xlsx(c: Comparison, out: Path) -> Path:
    """Write the comparison workbook to `out` (atomically) and return it."""
    return save(build_comparison_workbook(c), out)


def _int(v: float | None) -> str:
    return "—" if v is None or pd.isna(v) else str(int(v))
