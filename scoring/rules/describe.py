"""A compiled ruleset described in Chinese, every parameter shown: what `perfscore ruleset show` prints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from scoring.core.tolerance import POINTS_TOL as TOL
from scoring.core.yamlio import strip_lines
from scoring.rules.ruleset import FixedIndicator, Grade, Level, MethodSpec, Ruleset

SOURCES = {"formula": "由预算数据推导", "input": "部门填报", "projects": "汇总项目指标"}


def flow(value: Any) -> str:
    """A value as one line of YAML flow style, as a rule author would write it."""
    return str(yaml.safe_dump(strip_lines(value), default_flow_style=True, allow_unicode=True, width=10_000)).strip()


def method_text(spec: MethodSpec | None, default: str = "按计分方法规则") -> str:
    if spec is None:
        return default
    return spec.name + (f" {flow(dict(spec.params))}" if spec.params else "")


def grade_interval(grade: Grade, ruleset: Ruleset) -> str:
    """Brackets as `grade_of` decides: [min, max), the top grade [min, total] since the total itself belongs to it."""
    closed = grade.max >= ruleset.total - TOL
    lo = max(grade.min, 0.0)
    hi = min(grade.max, ruleset.total)
    return f"[{lo:g}, {hi:g}{']' if closed else ')'}"


def _fixed(fi: FixedIndicator, indent: str) -> str:
    parts = [
        f"{indent}{fi.id}  {fi.points:g} 分",
        f"来源 {fi.source}（{SOURCES[fi.source]}）",
        f"方法 {method_text(fi.method)}",
        f"目标 {fi.target or '（部门填报）'}",
    ]
    if fi.category:
        parts.append(f"汇总类别 {fi.category}")
    return "  ".join(parts)


def _level(lv: Level, indent: str) -> list[str]:
    bits = [f"{indent}{lv.name}  {lv.points:g} 分" if lv.points else f"{indent}{lv.name}"]
    if lv.aliases:
        bits.append(f"别名 {'、'.join(lv.aliases)}")
    if lv.open:
        bits.append("open：单位自设指标在本级分配" + ("（先按二级平均）" if lv.split == "by_child" else "（各行平均）"))
    if lv.metric:
        bits.append(f"metric {lv.metric}  方法 {method_text(lv.method, 'budget_execution')}")
    out = ["  ".join(bits)]
    out += [_fixed(fi, indent + "    ") for fi in lv.indicators]
    for child in lv.children:
        out += _level(child, indent + "  ")
    return out


def _when(when: Mapping[str, Any]) -> str:
    return flow(dict(when)) if when else "其余全部"


def describe_ruleset(rs: Ruleset) -> str:
    """Every part of a ruleset with its parameters: weight tree, methods, grades, checks, findings, tests."""
    lo, hi = rs.years
    years = f"{lo or '不限'}–{hi or '不限'}" if (lo or hi) else "不限"
    scope = {"project": "逐项目评分（部门得分按全年预算数加权平均）", "department": "部门整体评分"}[rs.scope]
    missing = {"withhold": "withhold（该级不得分）", "redistribute": "redistribute（按已设置级次折算）"}[
        rs.missing_level
    ]
    lines = [
        rs.label,
        f"依据：{rs.source_doc or '（未写 source）'}",
        f"适用年度：{years}；{scope}；总分 {rs.total:g}",
        f"未设置某一级指标时：{missing}",
        "",
        "权重树：",
    ]
    for lv in rs.levels:
        lines += _level(lv, "  ")
    own = [
        i for i in rs.library.indicators.values() if i.id in {str(r.get("id")) for r in rs.raw.get("indicators") or ()}
    ]
    if own:
        lines += ["", "自设指标："]
        lines += [
            f"  {i.id}  方向 {i.direction}  单位 {i.unit or '—'}"
            + (f"  别名 {'、'.join(i.aliases)}" if i.aliases else "")
            for i in own
        ]
    lines += ["", "计分方法（自上而下取第一条匹配）："]
    lines += [f"  {i}. {_when(r.when)} → {method_text(r.method)}" for i, r in enumerate(rs.method_rules, start=1)]
    if rs.blank_comparators:
        lines += ["", "未写比较符的目标："]
        lines += [f"  {_when(b.when)} → {b.comparator}" for b in rs.blank_comparators]
    oa = rs.overachievement
    lines += [
        "",
        f"超额完成：实际/目标 ≥ {oa.threshold:g} 时{'须' if oa.require_reason else '不须'}说明偏差原因；"
        f"未说明扣 {oa.penalty:g} 倍分值，每超出 1 倍再扣 {oa.per_excess:g}，最多扣 {oa.cap:g}"
        + ("；说明了原因也扣" if oa.even_with_reason else ""),
    ]
    lines += ["", "等级：" + "，".join(f"{g.name} {grade_interval(g, rs)}" for g in rs.grades)]
    lines += ["", f"一致性检查 {len(rs.checks)} 条："]
    for c in rs.checks:
        params = {"left": c.left, "right": list(c.right)} if c.kind == "sum" else dict(c.params or {})
        lines.append(f"  {c.id}  {c.kind}/{c.on}/{c.severity}  {c.title}" + (f"  {flow(params)}" if params else ""))
    lines += [f"问题发现规则 {len(rs.findings)} 条：" + "、".join(f.id for f in rs.findings)]
    lines += [f"内嵌测试 {len(rs.tests)} 个"]
    return "\n".join(lines) + "\n"
