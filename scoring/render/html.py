"""Render a scoring run as one self-contained HTML overview (inline CSS, a few lines of inline JS, no assets).

The page: a sortable ranking with grade badges, the grade distribution, a drill-down per department
(total, grade, funds, a bar per project or per 一级指标) → project → indicator with each explanation, the
points withheld and why (largest first, sortable), findings grouped by severity, consistency checks and
rejected rows; a print stylesheet opens every drill-down and keeps rows whole on A4. Everything is computed
here; the Jinja2 template in `scoring/render/templates/overview.html.j2` only lays it out, with
autoescaping on for every value.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.adapters.jinja import render_template
from scoring.core.display import fmt2
from scoring.core.display import pct_text as _pct
from scoring.core.display import wan_text as _wan
from scoring.core.frames import iter_rows
from scoring.core.severity import SEVERITY_ZH
from scoring.model.grades import PROVISIONAL_GRADE, count_grades
from scoring.model.run import Run
from scoring.pipeline.checks import STATUS_ZH

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE = "overview.html.j2"
SEVERITIES = tuple(SEVERITY_ZH.items())
LOST_EPSILON = 0.005  # below half a display cent nothing visible was withheld


@dataclass(frozen=True, slots=True)
class Bar:
    """One horizontal bar: points out of the maximum."""

    label: str
    points: str
    maximum: str
    width: float  # percent of the track, 0–100
    grade: str
    grade_class: str


def _text(v: Any) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return ""
    return str(v)


def _width(points: float, maximum: float) -> float:
    if not maximum or pd.isna(points):
        return 0.0
    return round(min(max(float(points) / float(maximum), 0.0), 1.0) * 100, 1)


def grade_classes(run: Run) -> dict[str, str]:
    """CSS class per grade name, best grade first (g0 green … g3 red), whatever the ruleset calls them."""
    ordered = sorted(run.ruleset.grades, key=lambda g: -g.min)
    return {g.name: f"g{min(i, 3)}" for i, g in enumerate(ordered)}


def _indicators(items: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of one scored table for the drill-down, each with its full explanation."""
    return [
        {
            "level1": _text(r.level1),
            "level2": _text(r.level2),
            "name": _text(r.name),
            "target": _text(r.target_text),
            "actual": _text(r.actual_text),
            "weight": fmt2(r.weight),
            "points": fmt2(r.points),
            "lost": bool(float(r.weight) - float(r.points) > LOST_EPSILON),
            "explanation": _text(r.explanation),
        }
        for r in iter_rows(items)
    ]


def _drill_projects(run: Run, code: str, classes: dict[str, str]) -> list[dict[str, Any]]:
    """Project level of the drill-down (project scope): funds, total, grade and the indicator rows."""
    res = run.result
    if res.projects.empty:
        return []
    items = res.items[res.items["dept_code"] == code]
    return [
        {
            "code": _text(r.project_code),
            "name": _text(r.project_name),
            "budget_final": _wan(r.budget_final),
            "spent": _wan(r.spent),
            "execution_rate": _pct(r.execution_rate),
            "total": _text(r.total_text),
            "grade": _text(r.grade),
            "grade_class": classes.get(_final(r.grade), "g3"),
            "indicators": _indicators(items[items["project_code"] == r.project_code]),
        }
        for r in iter_rows(res.projects[res.projects["dept_code"] == code])
    ]


def _drill_levels(run: Run, code: str) -> list[dict[str, Any]]:
    """一级指标 level of the drill-down (department scope), in the ruleset's order."""
    items = run.result.items
    items = items[items["dept_code"] == code]
    out = []
    for lv in run.ruleset.levels:
        g = items[items["level1"] == lv.name]
        out.append(
            {
                "name": lv.name,
                "points": fmt2(float(g["points"].sum())),
                "maximum": f"{float(lv.points):g}",
                "indicators": _indicators(g),
            }
        )
    return out


def grade_distribution(run: Run, classes: dict[str, str]) -> list[dict[str, Any]]:
    """How many departments (and, for project scope, projects) fall in each grade, best grade first."""
    grades = sorted(run.ruleset.grades, key=lambda g: -g.min)
    units = [("部门", run.result.departments)]
    if run.ruleset.scope == "project" and not run.result.projects.empty:
        units.append(("项目", run.result.projects))
    out = []
    for label, frame in units:
        counts = count_grades(frame, [g.name for g in grades])  # a provisional 良（暂定） counts as 良
        n = len(frame)
        out.append(
            {
                "label": label,
                "n": n,
                "provisional": sum(c.provisional for c in counts),
                "cells": [
                    {
                        "name": c.grade,
                        "cls": classes.get(c.grade, "g3"),
                        "count": c.count,
                        "provisional": c.provisional,
                        "share": _pct(c.count / n if n else None),
                        "width": _width(c.count, n),
                    }
                    for c in counts
                ],
            }
        )
    return out


def _final(grade: object) -> str:
    """The grade name without "（暂定）", for its colour: a provisional 良 is still coloured as 良."""
    return _text(grade).removesuffix(PROVISIONAL_GRADE)


def _department_cards(run: Run, classes: dict[str, str]) -> list[dict[str, Any]]:
    rs = run.ruleset
    res = run.result
    projects = run.dataset.projects
    cards = []
    for d in iter_rows(res.departments):
        bars: list[Bar] = []
        if rs.scope == "project":
            p = res.projects[res.projects["dept_code"] == d.dept_code]
            bars = [
                Bar(
                    _text(r.project_name),
                    _text(r.total_text),
                    f"{rs.total:g}",
                    _width(r.total, rs.total),
                    _text(r.grade),
                    classes.get(_final(r.grade), "g3"),
                )
                for r in iter_rows(p)
            ]
            bars_title = "项目得分"
        else:
            it = res.items[res.items["dept_code"] == d.dept_code]
            for lv in rs.levels:
                g = it[it["level1"] == lv.name]
                pts, mx = float(g["points"].sum()), float(lv.points)
                share_grade = rs.grade_of(pts / mx * rs.total) if mx else ""
                bars.append(
                    Bar(lv.name, fmt2(pts), f"{mx:g}", _width(pts, mx), share_grade, classes.get(share_grade, "g3"))
                )
            bars_title = "一级指标得分"
        own = projects[projects["dept_code"] == d.dept_code]
        final, spent = own["budget_final"].sum(min_count=1), own["spent"].sum(min_count=1)
        rate = spent / final if pd.notna(final) and final else None
        cards.append(
            {
                "code": _text(d.dept_code),
                "name": _text(d.dept_name),
                "year": int(d.year),
                "rank": int(d.rank),
                "total": _text(d.total_text),
                "grade": _text(d.grade),
                "grade_class": classes.get(_final(d.grade), "g3"),
                "n_projects": int(d.n_projects),
                "budget_final": _wan(final),
                "spent": _wan(spent),
                "execution_rate": _pct(rate),
                "bars": bars,
                "bars_title": bars_title,
                "projects": _drill_projects(run, d.dept_code, classes) if rs.scope == "project" else [],
                "levels": _drill_levels(run, d.dept_code) if rs.scope != "project" else [],
            }
        )
    return cards


def _lost_points(run: Run) -> list[dict[str, Any]]:
    """Every indicator where points were withheld, largest loss first."""
    it = run.result.items
    lost = it["weight"].astype(float) - it["points"].astype(float)
    rows = it.assign(lost_pts=lost)[lost > LOST_EPSILON]
    names = run.result.departments.set_index("dept_code")["dept_name"]
    pnames = run.dataset.projects.set_index(["dept_code", "project_code"])["project_name"]
    order = {c: i for i, c in enumerate(run.result.departments["dept_code"])}
    rows = rows.assign(dept_order=rows["dept_code"].map(order)).sort_values(
        ["lost_pts", "dept_order", "project_code"], ascending=[False, True, True], kind="stable"
    )
    out = []
    for r in iter_rows(rows):
        unit = _text(pnames.get((r.dept_code, r.project_code), r.project_code)) if r.project_code else ""
        out.append(
            {
                "dept": _text(names.get(r.dept_code, r.dept_code)),
                "unit": unit,
                "level1": _text(r.level1),
                "level2": _text(r.level2),
                "name": _text(r.name),
                "weight": fmt2(r.weight),
                "points": fmt2(r.points),
                "lost": fmt2(r.lost_pts),
                "lost_sort": f"{float(r.lost_pts):.6f}",
                "reason": _text(r.explanation),
            }
        )
    return out


def _findings(run: Run) -> list[dict[str, Any]]:
    names = run.result.departments.set_index("dept_code")["dept_name"]
    groups = []
    for key, zh in SEVERITIES:
        found = [
            {
                "dept": _text(names.get(f.dept_code, f.dept_code)),
                "category": _text(f.category),
                "problem": _text(f.problem),
                "cause": _text(f.cause),
                "measure": _text(f.measure),
                "rule_id": _text(f.rule_id),
            }
            for f in run.findings
            if str(f.severity) == key
        ]
        groups.append({"key": key, "label": zh, "findings": found})
    other = [f for f in run.findings if str(f.severity) not in dict(SEVERITIES)]
    if other:
        groups.append(
            {
                "key": "low",
                "label": "其他",
                "findings": [
                    {
                        "dept": _text(f.dept_code),
                        "category": _text(f.category),
                        "problem": _text(f.problem),
                        "cause": _text(f.cause),
                        "measure": _text(f.measure),
                        "rule_id": _text(f.rule_id),
                    }
                    for f in other
                ],
            }
        )
    return groups


def _checks(run: Run) -> list[dict[str, str]]:
    names = run.result.departments.set_index("dept_code")["dept_name"]
    return [
        {
            "dept": _text(names.get(c.dept_code, c.dept_code)),
            "title": _text(c.title),
            "status": STATUS_ZH.get(_text(c.status), _text(c.status)),
            "status_key": _text(c.status),
            "message": _text(c.message),
        }
        for c in iter_rows(run.checks)
    ]


def _rejections(run: Run) -> list[dict[str, str]]:
    return [
        {"where": str(r.source), "value": _text(r.value), "reason": r.reason, "hint": r.hint}
        for r in run.dataset.rejections
    ]


def context(run: Run) -> dict[str, Any]:
    """Everything the template shows, as plain strings and numbers."""
    rs = run.ruleset
    read, used, rejected = run.counts
    classes = grade_classes(run)
    order = {name: i for i, name in enumerate(classes)}  # grades sort best first, not by their characters
    ranking = [
        {
            "rank": int(d.rank),
            "name": _text(d.dept_name),
            "code": _text(d.dept_code),
            "year": int(d.year),
            "total": _text(d.total_text),
            "total_sort": f"{float(d.total):.6f}",
            "grade": _text(d.grade),
            "grade_class": classes.get(_final(d.grade), "g3"),
            "grade_sort": order.get(_final(d.grade), len(order)),
            "n_projects": int(d.n_projects),
        }
        for d in iter_rows(run.result.departments)
    ]
    years = sorted({int(y) for y in run.result.departments["year"]})
    return {
        "title": f"{'、'.join(map(str, years))}年度绩效自评评分结果" if years else "绩效自评评分结果",
        "ruleset": {
            "name": rs.name,
            "version": rs.version,
            "title": rs.title,
            "source": rs.source_doc,
            "fingerprint": rs.fingerprint,
            "total": f"{rs.total:g}",
        },
        "counts": {"read": read, "scored": used, "rejected": rejected},
        "grades": [
            {"name": g.name, "cls": classes[g.name], "range": f"{g.min:g}–{g.max:g}"}
            for g in sorted(rs.grades, key=lambda g: -g.min)
        ],
        "ranking": ranking,
        "distribution": grade_distribution(run, classes),
        "departments": _department_cards(run, classes),
        "lost": _lost_points(run),
        "findings": _findings(run),
        "n_findings": len(run.findings),
        "checks": _checks(run),
        "rejections": _rejections(run),
        "problems": [str(p) for p in run.dataset.problems],
        "scope": rs.scope,
    }


def render_html(run: Run) -> str:
    """The overview page as one HTML string."""
    return render_template(TEMPLATE_DIR, TEMPLATE, context(run))
