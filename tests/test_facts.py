"""Facts read the roles of the weight tree from the ruleset: has_output / has_benefit / has_satisfaction follow
a level's declared `role:` (or the role its 10号 name implies), not fixed level names."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import api
from scoring.core.errors import RulesetError
from scoring.rules.ruleset import load_ruleset

RENAMED = """\
format: 1
name: renamed-levels
scope: project
levels:
  - {name: 预算执行率, points: 10, metric: execution_rate, method: budget_execution}
  - {name: 干了什么, points: 50, open: true, role: output}
  - {name: 成效, points: 30, open: true, role: [benefit]}
  - name: 群众怎么看
    points: 10
    open: true
    children: [{name: 问卷调查, role: satisfaction}, {name: 座谈}]
"""

INDICATORS = """\
项目编码,一级指标,二级指标,三级指标,年度指标值,实际完成值
P1,干了什么,,修路里程,≥10公里,12公里
P1,成效,,通行时间缩短,≥10%,12%
P1,群众怎么看,问卷调查,群众满意度,≥90%,93%
P2,干了什么,,修桥座数,≥2座,2座
P2,群众怎么看,座谈,座谈意见,达成预期指标,达成预期指标
"""


def _department(folder: Path) -> Path:
    folder.mkdir()
    (folder / "单位信息.csv").write_text("部门编码,部门名称,年度\nT1,测试局,2024\n", encoding="utf-8")
    (folder / "项目支出.csv").write_text(
        "项目编码,项目名称,全年预算数,全年执行数\nP1,修路,100,100\nP2,修桥,50,50\n", encoding="utf-8"
    )
    (folder / "绩效指标.csv").write_text(INDICATORS, encoding="utf-8")
    return folder


def _roles_by_project(tmp_path: Path, ruleset_text: str) -> dict[str, tuple[bool, bool, bool]]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(ruleset_text, encoding="utf-8")
    run = api.run_path(_department(tmp_path / "dept"), rules, 2024)
    assert run.dataset.rejections == ()
    return {
        str(f["project_code"]): (bool(f["has_output"]), bool(f["has_benefit"]), bool(f["has_satisfaction"]))
        for f in run.facts
        if f["kind"] == "project"
    }


def test_renamed_levels_keep_their_roles(tmp_path: Path) -> None:
    # P1 has a row under each level; P2 only under 干了什么 and under the 座谈 二级 that declares no role.
    assert _roles_by_project(tmp_path, RENAMED) == {"P1": (True, True, True), "P2": (True, False, False)}


def test_without_roles_renamed_levels_imply_none(tmp_path: Path) -> None:
    plain = RENAMED.replace(", role: output", "").replace(", role: [benefit]", "").replace(", role: satisfaction", "")
    assert _roles_by_project(tmp_path, plain) == {"P1": (False, False, False), "P2": (False, False, False)}


def test_mof_level_names_imply_their_roles() -> None:
    rs = load_ruleset("mof-project")
    assert {lv.name: lv.roles for lv in rs.levels} == {
        "预算执行率": (),
        "产出指标": ("output",),
        "效益指标": ("benefit",),
        "满意度指标": ("satisfaction",),
    }
    satisfaction = next(lv for lv in rs.levels if lv.name == "满意度指标")
    assert [c.roles for c in satisfaction.children] == [("satisfaction",)]


def test_an_unknown_role_names_the_known_ones(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RENAMED.replace("role: [benefit]", "role: [benifit]"), encoding="utf-8")
    with pytest.raises(RulesetError) as err:
        load_ruleset(rules)
    assert str(err.value) == f"{rules}:7 规则 成效：未知 role 'benifit'（是否为 'benefit'？）"
