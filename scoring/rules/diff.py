"""What changes between two rulesets, in Chinese: weights, methods, thresholds, grades, checks and findings.

`perfscore ruleset diff A B` prints it as a table or Markdown, so a bureau can circulate what a new
standard changes before anyone scores with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scoring.core.yamlio import strip_lines
from scoring.rules.describe import flow, grade_interval, method_text
from scoring.rules.ruleset import Level, Ruleset

ABSENT = "（无）"
CATEGORIES = ("总体", "权重", "计分方法", "阈值", "等级", "检查", "问题规则")


@dataclass(frozen=True, slots=True)
class Change:
    category: str  # one of CATEGORIES
    item: str
    a: str
    b: str


def _levels(rs: Ruleset) -> tuple[dict[str, str], dict[str, str]]:
    """(weights, methods) keyed by the path of each level and set indicator, e.g. 过程/预算执行/预算执行率."""
    weights: dict[str, str] = {}
    methods: dict[str, str] = {}

    def walk(lv: Level, prefix: str) -> None:
        key = f"{prefix}{lv.name}"
        how = ("，单位自设（open）" if lv.open else "") + ("，按二级平均" if lv.split == "by_child" else "")
        weights[key] = (f"{lv.points:g} 分" if lv.points else "不计分值") + how
        if lv.metric:
            methods[key] = f"{lv.metric}：{method_text(lv.method, 'budget_execution')}"
        for fi in lv.indicators:
            weights[f"{key}/{fi.id}"] = f"{fi.points:g} 分（{fi.source}）"
            methods[f"{key}/{fi.id}"] = method_text(fi.method) + (f"，目标 {fi.target}" if fi.target else "")
        for child in lv.children:
            walk(child, key + "/")

    for lv in rs.levels:
        walk(lv, "")
    return weights, methods


def _by_id(rs: Ruleset, section: str) -> dict[str, dict[str, Any]]:
    return {str(x.get("id")): strip_lines(x) for x in rs.raw.get(section) or () if isinstance(x, Mapping)}


def _sections(rs: Ruleset) -> dict[str, dict[str, str]]:
    weights, level_methods = _levels(rs)
    lo, hi = rs.years
    oa = rs.overachievement
    return {
        "总体": {
            "标题": rs.title,
            "依据": rs.source_doc or ABSENT,
            "范围": rs.scope,
            "总分": f"{rs.total:g}",
            "适用年度": f"{lo or '不限'}–{hi or '不限'}",
            "未设置某级指标时": rs.missing_level,
        },
        "权重": weights,
        "计分方法": {
            **level_methods,
            **{f"规则：{flow(dict(r.when)) if r.when else '其余全部'}": method_text(r.method) for r in rs.method_rules},
        },
        "阈值": {
            "超额完成倍数": f"{oa.threshold:g}",
            "须说明偏差原因": "是" if oa.require_reason else "否",
            "未说明原因扣减比例": f"{oa.penalty:g}",
            "按偏离度每倍扣减": f"{oa.per_excess:g}",
            "最多扣减比例": f"{oa.cap:g}",
            "说明原因也扣减": "是" if oa.even_with_reason else "否",
            **{f"未写比较符：{flow(dict(b.when))}": b.comparator for b in rs.blank_comparators},
        },
        "等级": {g.name: grade_interval(g, rs) for g in rs.grades},
        "检查": {cid: flow({k: v for k, v in c.items() if k != "id"}) for cid, c in _by_id(rs, "checks").items()},
        "问题规则": {},  # compared rule by rule in diff_rulesets
    }


def _findings(a: Ruleset, b: Ruleset) -> list[Change]:
    """A rule added or removed is one row (its condition); a rule changed is one row per changed key."""
    fa, fb = _by_id(a, "findings"), _by_id(b, "findings")
    out = []
    for fid in [*fa, *(k for k in fb if k not in fa)]:
        if fid not in fa or fid not in fb:
            rule = fa.get(fid) or fb[fid]
            text = f"{rule.get('severity', '')}｜{rule.get('when', '')}"
            out.append(Change("问题规则", fid, text if fid in fa else ABSENT, text if fid in fb else ABSENT))
            continue
        keys = list(fa[fid]) + [k for k in fb[fid] if k not in fa[fid]]
        out += [
            Change("问题规则", f"{fid}（{k}）", str(fa[fid].get(k, ABSENT)), str(fb[fid].get(k, ABSENT)))
            for k in keys
            if fa[fid].get(k) != fb[fid].get(k)
        ]
    return out


def diff_rulesets(a: Ruleset, b: Ruleset) -> list[Change]:
    """Every item whose value differs between `a` and `b` (added or removed items show （无） on one side)."""
    sa, sb = _sections(a), _sections(b)
    out = []
    for cat in CATEGORIES:
        if cat == "问题规则":
            out += _findings(a, b)
            continue
        left, right = sa[cat], sb[cat]
        keys = list(left) + [k for k in right if k not in left]
        out += [
            Change(cat, k, left.get(k, ABSENT), right.get(k, ABSENT))
            for k in keys
            if left.get(k, ABSENT) != right.get(k, ABSENT)
        ]
    return out


def _cut(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def render_diff(a: Ruleset, b: Ruleset, changes: list[Change], fmt: str = "table") -> str:
    """The changes as a console table or a Markdown document (titles name both rulesets)."""
    from tabulate import tabulate

    head = [f"A：{a.label}", f"B：{b.label}"]
    if not changes:
        return "\n".join([*head, "", "两个规则集的权重、方法、阈值、等级、检查与问题规则完全相同。"]) + "\n"
    counts = "，".join(f"{cat} {n} 处" for cat in CATEGORIES if (n := sum(c.category == cat for c in changes)))
    if fmt == "md":
        rows = [[c.category, c.item, c.a, c.b] for c in changes]
        table = tabulate(rows, ["类别", "项目", "A", "B"], tablefmt="pipe", disable_numparse=True)
        lines = ["# 规则集差异", "", *(f"- {h}" for h in head), f"- 共 {len(changes)} 处不同：{counts}", "", table]
        return "\n".join(lines) + "\n"
    rows = [[c.category, _cut(c.item, 40), _cut(c.a), _cut(c.b)] for c in changes]
    table = tabulate(rows, ["类别", "项目", "A", "B"], disable_numparse=True)
    return "\n".join([*head, f"共 {len(changes)} 处不同：{counts}", "", table]) + "\n"
