"""A generated smoke run: score a synthetic department built from the ruleset itself, so `ruleset check` proves it.

The data touch every level of the weight tree, every method rule's selector and boundary values
(actual exactly at, just below, far below and far above the target; execution 0 %, 100 % and over
budget; a project with no indicators at all). The run fails when anything raises, or when a total
leaves [0, total] or an indicator earns more than its weight.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.core.errors import PerfscoreError, RulesetError
from scoring.core.tolerance import POINTS_TOL as TOL
from scoring.rstest import _raw as case_tables  # the table builder of embedded tests
from scoring.rules.ruleset import Ruleset

SYMBOL = {">=": "≥", "<=": "≤", "=": "=", "<": "<", ">": ">"}


@dataclass(frozen=True, slots=True)
class SmokeReport:
    """What the smoke run scored: counts, the methods exercised and the range of totals."""

    departments: int
    projects: int
    items: int
    rejected: int
    methods: tuple[tuple[str, int], ...]
    low: float
    high: float

    def summary(self, total: float) -> str:
        used = "、".join(f"{name}×{n}" for name, n in self.methods)
        return (
            f"冒烟评分通过：{self.departments} 个部门、{self.projects} 个项目、{self.items} 条计分行"
            f"（方法 {used}），总分在 [{self.low:.2f}, {self.high:.2f}] 内，未超出 [0, {total:g}]"
            + (f"；{self.rejected} 行按规则集被拒绝" if self.rejected else "")
        )


def _year(rs: Ruleset) -> int:
    lo, hi = rs.years
    return lo or hi or 2024 if not rs.applies_to(2024) else 2024


def _targets(unit: str = "人次") -> list[tuple[str, str]]:
    """(年度指标值, 实际完成值) pairs at the boundaries of every comparator."""
    return [
        (f"≥100{unit}", f"100{unit}"),
        (f"≥100{unit}", f"99.99{unit}"),
        (f"≥100{unit}", f"0{unit}"),
        (f"≥100{unit}", f"1000{unit}"),
        (f"≤80{unit}", f"80{unit}"),
        (f"≤80{unit}", f"160{unit}"),
        (f"=0{unit}", f"0{unit}"),
        (f"=0{unit}", f"2{unit}"),
        (f"90{unit}-100{unit}", f"95{unit}"),
        (f"90{unit}-100{unit}", f"120{unit}"),
        (f"<5{unit}", f"5{unit}"),
        (f"80{unit}", f"100{unit}"),
    ]


def _words(rs: Ruleset) -> list[str]:
    """One word for each qualitative level, and one that matches none."""
    params = rs.qualitative_params() or {}
    return [str(lv["match"][0]) for lv in params.get("levels", ()) if lv.get("match")] + ["无从评价"]


def _first(value: Any) -> str | None:
    if value is None:
        return None
    return str(value[0]) if isinstance(value, list) else str(value)


def _project_rows(rs: Ruleset) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    spots = [(lv.name, c.name) for lv in rs.levels if lv.open for c in (lv.children or ())] + [
        (lv.name, "") for lv in rs.levels if lv.open and not lv.children
    ]
    if rs.scope == "department":  # project rows feed `from: projects` indicators by their 10号 category
        spots = [("产出指标", f"{c}指标") for c in ("数量", "质量", "时效", "成本")] + [
            ("效益指标", "社会效益指标"),
            ("满意度指标", "服务对象满意度指标"),
        ]
    n = 0
    for level1, level2 in spots:
        for target, actual in _targets():
            n += 1
            rows.append(
                {
                    "一级指标": level1,
                    "二级指标": level2,
                    "三级指标": f"指标{n}",
                    "年度指标值": target,
                    "实际完成值": actual,
                }
            )
        for word in _words(rs):
            n += 1
            rows.append(
                {
                    "一级指标": level1,
                    "二级指标": level2,
                    "三级指标": f"定性{n}",
                    "年度指标值": "有效提升",
                    "实际完成值": word,
                }
            )
    # one row per method rule, picked by its own selector, so every rule's method runs
    default = spots[0] if spots else ("", "")
    for rule in rs.method_rules:
        w = rule.when
        level1 = _first(w.get("level1")) or default[0]
        level2 = _first(w.get("level2")) or (default[1] if level1 == default[0] else "")
        comp = _first(w.get("comparator"))
        unit = _first(w.get("unit")) or "人次"
        name = _first(w.get("indicator"))
        if w.get("qualitative") is True:
            pairs = [("有效提升", word) for word in _words(rs)]
        elif comp == "range":
            pairs = [(f"90{unit}-100{unit}", f"{a}{unit}") for a in (95, 80, 130)]
        else:
            sym = SYMBOL.get(comp or ">=", "≥")
            pairs = [(f"{sym}100{unit}", f"{a}{unit}") for a in (100, 50, 0, 250)]
        for target, actual in pairs:
            n += 1
            rows.append(
                {
                    "一级指标": level1,
                    "二级指标": level2,
                    "三级指标": name or f"规则{n}",
                    "年度指标值": target,
                    "实际完成值": actual,
                }
            )
    return rows


def smoke_case(rs: Ruleset) -> dict[str, Any]:
    """The synthetic data, written like an embedded test case (`tests:` → `data:`)."""
    year = _year(rs)
    depts = [
        {"部门编码": f"S{i}", "部门名称": f"冒烟测试局{i}", "年度": year, "编制人数": 20, "在职人数": staff}
        for i, staff in ((1, 20), (2, 0), (3, 40))
    ]
    projects = []
    indicators = []
    rows = _project_rows(rs)
    for d in depts:
        code = d["部门编码"]
        for p, (initial, final, spent) in enumerate(
            ((100, 100, 100), (100, 100, 0), (100, 80, 130), (50, 80, 79.99)), start=1
        ):
            projects.append(
                {
                    "部门编码": code,
                    "项目编码": f"{code}P{p}",
                    "项目名称": f"项目{p}",
                    "年初预算数": initial,
                    "全年预算数": final,
                    "全年执行数": spent,
                    "结转结余": final - min(spent, final),
                }
            )
        # project 2 sets no indicators (every open level missing); the others share the boundary rows
        for p in (1, 3, 4):
            indicators += [{"部门编码": code, "项目编码": f"{code}P{p}", **r} for r in rows]
    budget = [
        {
            "部门编码": d["部门编码"],
            "科目": aliases[0] if aliases else key,
            "年初预算数": 100 * k,
            "全年预算数": 110 * k,
            "全年执行数": 99 * k,
            "上年执行数": 100 * k,
        }
        for k, d in enumerate(depts, start=1)
        for key, aliases in rs.library.budget_lines.items()
    ]
    dept_rows = []
    for k, d in enumerate(depts):
        for lv in rs.levels:
            for fi in (*lv.indicators, *(fi for c in lv.children for fi in c.indicators)):
                if fi.source != "input":
                    continue
                words = _words(rs)
                target = fi.target or "有效"  # no target: the department writes a worded one
                actual = words[k % len(words)] if fi.target is None else ("0次", "2次", "100次")[k]
                dept_rows.append(
                    {
                        "部门编码": d["部门编码"],
                        "一级指标": lv.name,
                        "三级指标": fi.id,
                        "年度指标值": target,
                        "实际完成值": actual,
                    }
                )
    data: dict[str, Any] = {"单位信息": depts, "预算收支": budget, "项目支出": projects, "绩效指标": indicators}
    if dept_rows:
        data["整体绩效指标"] = dept_rows
    return {"name": "冒烟评分", "data": data}


def smoke_run(rs: Ruleset) -> SmokeReport:
    """Score the synthetic data; RulesetError when anything raises or a score leaves its bounds."""
    from scoring.api import run_raw

    def fail(message: str) -> RulesetError:
        return RulesetError(
            f"冒烟评分失败：{message}", file=rs.path, hint="规则集能通过检查，但按它评分会出错，请报告此问题"
        )

    try:
        run = run_raw(case_tables(smoke_case(rs), rs), rs, year=_year(rs))
    except PerfscoreError as exc:
        raise fail(str(exc)) from exc
    except Exception as exc:  # the point of the smoke run: whatever the scorer raises, say so plainly
        raise fail(f"{type(exc).__name__}: {exc}") from exc
    res = run.result
    totals = pd.concat([res.departments["total"], res.projects["total"] if len(res.projects) else None])
    if totals.isna().any():
        raise fail("有总分为空（NaN）")
    if (totals < -TOL).any() or (totals > rs.total + TOL).any():
        raise fail(f"总分 {totals.min():.4f}–{totals.max():.4f} 超出 [0, {rs.total:g}]")
    items = res.items
    over = items[(items["points"] > items["weight"] + TOL) | (items["points"] < -TOL) | items["points"].isna()]
    if len(over):
        r = over.iloc[0]
        raise fail(f"指标「{r['name']}」得 {r['points']} 分，超出其分值 {r['weight']}")
    methods = Counter(str(x).split("{")[0] for x in items.loc[items["kind"] != "missing", "method"].dropna() if str(x))
    n_projects = len(res.projects) if len(res.projects) else len(run.dataset.projects)
    return SmokeReport(
        len(res.departments),
        n_projects,
        len(items),
        len(run.dataset.rejections),
        tuple(sorted(methods.items())),
        float(totals.min()),
        float(totals.max()),
    )
