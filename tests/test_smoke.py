"""`ruleset check` proves what it passes: the generated smoke run, and a property test over generated rulesets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_invariants import department, raw_of
from typer.testing import CliRunner

from scoring.api import run_raw
from scoring.cli import app
from scoring.core.errors import RulesetError
from scoring.core.resources import ruleset_files
from scoring.rules import methods as m
from scoring.rules.ruleset import load_ruleset
from scoring.smoke import smoke_case, smoke_run


@pytest.mark.parametrize("name", [p.stem for p in ruleset_files()])
def test_smoke_run_exercises_every_level_and_method_rule(name: str) -> None:
    rs = load_ruleset(name)
    report = smoke_run(rs)
    used = dict(report.methods)
    # every method a rule or a level names is exercised at least once
    named = (
        {r.method.name for r in rs.method_rules}
        | {
            fi.method.name
            for lv in rs.levels
            for fi in (*lv.indicators, *(f for c in lv.children for f in c.indicators))
            if fi.method
        }
        | {lv.method.name for lv in rs.levels if lv.method}
    )
    if rs.scope == "department":
        named -= {"exact", "inverse_ratio"}  # department rows come from the ruleset's own targets (≥ / set methods)
    assert named <= set(used), named - set(used)
    assert 0 <= report.low <= report.high <= rs.total
    # every open level of a project ruleset gets rows under each of its 二级
    if rs.scope == "project":
        rows = smoke_case(rs)["data"]["绩效指标"]
        for lv in rs.levels:
            if lv.open:
                assert {c.name for c in lv.children} <= {r["二级指标"] for r in rows}


def test_smoke_run_catches_a_method_that_gives_no_points(monkeypatch: pytest.MonkeyPatch) -> None:
    real = m.METHODS["ratio"]

    def generous(g: pd.DataFrame, params: m.Params) -> m.MethodResult:
        res = real.func(g, params)
        return m.MethodResult(res.points.where(res.completion > 0.5), res.completion, res.how)  # NaN below half

    monkeypatch.setitem(m.METHODS, "ratio", m.Method("ratio", real.title, generous, real.check, real.doc, real.params))
    with pytest.raises(RulesetError, match="冒烟评分失败"):
        smoke_run(load_ruleset("mof-project"))


def test_smoke_run_catches_a_method_that_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    real = m.METHODS["qualitative"]

    def broken(g: pd.DataFrame, params: m.Params) -> m.MethodResult:
        raise TypeError("boom")

    monkeypatch.setitem(
        m.METHODS, "qualitative", m.Method("qualitative", real.title, broken, real.check, real.doc, real.params)
    )
    res = CliRunner().invoke(app, ["ruleset", "check", "mof-project"])
    assert res.exit_code == 2
    assert "冒烟评分失败：TypeError: boom" in res.stderr


def test_check_reports_the_smoke_run() -> None:
    res = CliRunner().invoke(app, ["ruleset", "check", "mof-project"])
    assert res.exit_code == 0, res.output
    assert "冒烟评分通过：3 个部门、12 个项目" in res.stdout
    assert "未超出 [0, 100]" in res.stdout


# ---------------------------------------------------------------- generated rulesets

BANDS = [{"min": 90, "share": 1}, {"min": 60, "max": 90, "share": 0.6}, {"max": 60, "share": 0}]


@st.composite
def method(draw: st.DrawFn) -> Any:
    name = draw(st.sampled_from(["ratio", "inverse_ratio", "exact", "binary", "range", "linear", "deduction", "bands"]))
    if name == "linear":
        zero, full = draw(st.sampled_from([(0, 100), (200, 0), (50, 120)]))
        return {"name": "linear", "zero": zero, "full": full, "on": draw(st.sampled_from(["actual", "completion"]))}
    if name == "deduction":
        return {
            "name": "deduction",
            "per": draw(st.sampled_from([0.1, 0.5, 1, 3])),
            "step": draw(st.sampled_from([1, 5])),
        }
    if name == "bands":
        return {
            "name": "bands",
            "bands": BANDS,
            "on": draw(st.sampled_from(["actual", "completion"])),
            "closed": draw(st.sampled_from(["left", "right"])),
        }
    return name


@st.composite
def ruleset_doc(draw: st.DrawFn) -> dict[str, Any]:
    """A project ruleset: execution as a 一级 or inside 产出, the 10号 levels with random weights and methods."""
    names = [
        ("产出指标", ["数量指标", "质量指标", "成本指标"]),
        ("效益指标", ["社会效益指标"]),
        ("满意度指标", ["服务对象满意度指标"]),
    ]
    kept = [n for n in names if draw(st.booleans())] or names[:1]
    execution = draw(st.integers(min_value=0, max_value=30))
    weights = [draw(st.integers(min_value=1, max_value=60)) for _ in kept]
    total = execution + sum(weights)
    exec_method = draw(st.one_of(st.just("budget_execution"), method()))
    levels: list[dict[str, Any]] = []
    inside = draw(st.booleans()) and execution > 0
    if not inside:
        levels.append({"name": "预算执行率", "points": execution, "metric": "execution_rate", "method": exec_method})
    for (name, children), w in zip(kept, weights, strict=True):
        kids: list[dict[str, Any]] = [{"name": c} for c in children]
        points = w
        if inside and name == kept[0][0]:
            kids.append({"name": "预算执行", "points": execution, "metric": "execution_rate", "method": exec_method})
            points += execution
        levels.append(
            {
                "name": name,
                "points": points,
                "open": True,
                "children": kids,
                "split": draw(st.sampled_from(["equal", "by_child"])),
            }
        )
    rules: list[dict[str, Any]] = [
        {
            "when": {"qualitative": True},
            "method": {
                "name": "qualitative",
                "levels": [
                    {"share": 1, "match": ["达成预期指标"]},
                    {"share": 0.5, "match": ["部分达成"]},
                    {"share": 0, "match": ["未达成"]},
                ],
            },
        }
    ]
    for comp in draw(st.lists(st.sampled_from([">=", "<=", "="]), max_size=3, unique=True)):
        rules.append({"when": {"comparator": comp}, "method": draw(method())})
    rules.append({"method": draw(method())})
    return {
        "format": 1,
        "name": "generated",
        "total": total,
        "levels": levels,
        "methods": rules,
        "missing_level": draw(st.sampled_from(["withhold", "redistribute"])),
        "overachievement": {
            "threshold": 1.3,
            "penalty": draw(st.sampled_from([0, 0.2])),
            "per_excess": draw(st.sampled_from([0, 0.5])),
        },
    }


# Each example compiles, smoke-checks and scores a generated ruleset: 15 on a developer machine, 250 in CI.
@settings(
    max_examples=max(15, settings().max_examples // 4),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(ruleset_doc(), department())
def test_a_ruleset_that_passes_check_scores_any_valid_dataset(
    tmp_path: Path, doc: dict[str, Any], projects: list[dict[str, object]]
) -> None:
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    try:
        rs = load_ruleset(path)
        smoke_run(rs)
    except RulesetError:
        assume(False)  # refused by check: the property says nothing about it
        raise
    run = run_raw(raw_of([projects]), rs, 2024, engine="reference")
    it = run.result.items
    assert ((it["points"] >= -1e-9) & (it["points"] <= it["weight"] + 1e-9)).all()
    totals = pd.concat([run.result.projects["total"], run.result.departments["total"]])
    assert totals.notna().all()
    assert ((totals >= -1e-9) & (totals <= rs.total + 1e-9)).all()


def test_found_by_the_property_test_execution_inside_a_level_with_its_own_method(tmp_path: Path) -> None:
    """执行率 inside 产出 scored by bands: 72% falls in the [60, 90) band → 0.6 × 20 = 12 points."""
    path = tmp_path / "r.yaml"
    path.write_text(
        """\
format: 1
name: ezhou-bands
total: 50
levels:
  - name: 产出指标
    points: 50
    open: true
    children:
      - {name: 数量指标}
      - name: 预算执行
        points: 20
        metric: execution_rate
        method: {name: bands, bands: [{min: 90, share: 1}, {min: 60, max: 90, share: 0.6}, {max: 60, share: 0}]}
tests:
  - name: 执行率 72%
    data:
      单位信息: [{部门编码: T1, 部门名称: 测试局, 年度: 2024}]
      项目支出: [{项目编码: P1, 项目名称: 项目, 全年预算数: 100, 全年执行数: 72}]
      绩效指标:
        - {项目编码: P1, 一级指标: 产出指标, 二级指标: 数量指标, 三级指标: 人次, 年度指标值: "≥100人次", 实际完成值: 100人次}
    expect: {total: 42, grade: 良, indicators: {预算执行率: 12, 人次: 30}}
""",
        encoding="utf-8",
    )
    rs = load_ruleset(path)
    smoke_run(rs)
    # total 50 without grades: 10号 bands scaled to the total (优 ≥45, 良 ≥40, 中 ≥30)
    assert [(g.name, g.min) for g in rs.grades] == [("优", 45), ("良", 40), ("中", 30), ("差", 0)]
    from scoring.rstest import run_tests

    assert [r.failures for r in run_tests(rs)] == [()]
