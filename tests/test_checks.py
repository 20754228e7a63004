"""Consistency checks: sums with rounding tolerance, rates against counts, 元 written for 万元, 分值 totals."""

from __future__ import annotations

import csv
import shutil
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from scoring import api
from scoring.core.errors import RulesetError
from scoring.pipeline import checks
from scoring.rules import check_rules
from scoring.rules.check_rules import Check
from scoring.rules.ruleset import load_ruleset

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def checks_of(path: Path) -> dict[str, list[dict[str, object]]]:
    run = api.run_path(path, "mof-project", 2024)
    out: dict[str, list[dict[str, object]]] = {}
    for rec in run.checks.to_dict("records"):
        out.setdefault(str(rec["check_id"]), []).append({str(k): v for k, v in rec.items()})
    return out


def edit(folder: Path, name: str, old: str, new: str) -> None:
    p = folder / name
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def lusong(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLES / "lusong-chengguan", tmp_path / "lusong"))


def test_example_has_only_rounding_differences() -> None:
    found = checks_of(EXAMPLES / "lusong-chengguan")
    # 383.85 + 80.45 = 464.30 vs 464.29; the seven 一般公共预算 projects add to 790.83 vs 790.82.
    assert {k: [r["status"] for r in v] for k, v in found.items()} == {
        "projects-add-up": ["rounding"],
        "basic-add-up": ["rounding"],
    }
    assert found["basic-add-up"][0]["difference"] == pytest.approx(-0.01)


def test_real_mismatch_is_not_rounding(lusong: Path) -> None:
    edit(lusong, "预算收支.csv", "人员经费,383.85,383.85,383.85", "人员经费,383.85,383.85,373.85")
    row = checks_of(lusong)["basic-add-up"][0]
    assert row["status"] == "fail" and row["difference"] == pytest.approx(9.99)
    assert "464.29 万元 ≠ 454.30 万元" in str(row["message"])


def test_rate_that_disagrees_with_its_counts(lusong: Path) -> None:
    # 108196 / 112252 = 96.39%: reporting 98.39% is two points off.
    edit(lusong, "绩效指标.csv", "结案率,≥95%,96.39%", "结案率,≥95%,98.39%")
    rows = checks_of(lusong)["rates-match-counts"]
    assert len(rows) == 1
    assert rows[0]["expected"] == pytest.approx(108196 / 112252 * 100)
    assert "报告结案率 98.39%，但按结案数 108196、立案数 112252 计算为 96.39%" in str(rows[0]["message"])


def test_amount_written_in_yuan(lusong: Path) -> None:
    edit(
        lusong,
        "项目支出.csv",
        "P05,垃圾分类项目,一般公共预算,61.49,61.49,61.49",
        "P05,垃圾分类项目,一般公共预算,61.49,61.49,614900",
    )
    rows = checks_of(lusong)["amounts-in-wan"]
    assert [r["subject"] for r in rows] == ["垃圾分类项目"]
    assert "疑似以元填报（折合 61.49 万元）" in str(rows[0]["message"])


def test_given_weights_must_add_to_ninety(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(EXAMPLES / "district-health", tmp_path / "h"))
    p = folder / "绩效指标.csv"
    lines = p.read_text(encoding="utf-8").splitlines()
    weights = {"H01": ["20", "20", "10", "30", "10"], "H02": ["20", "10", "10", "30", "20"]}  # both add to 90
    weights["H02"][0] = "25"  # H02 now adds to 95
    out = [lines[0] + ",分值"]
    seen: dict[str, int] = {}
    for line in lines[1:]:
        code = line.split(",")[0]
        out.append(f"{line},{weights[code][seen.get(code, 0)]}")
        seen[code] = seen.get(code, 0) + 1
    p.write_text("\n".join(out) + "\n", encoding="utf-8")
    rows = checks_of(folder)["weights-add-up"]
    assert [(r["subject"], r["actual"]) for r in rows] == [("疫苗冷链运维项目", 95.0)]
    run = api.run_path(folder, "mof-project", 2024)
    assert any(f.rule_id == "check-failed" and "疫苗冷链运维项目" in f.problem for f in run.findings)


def test_every_compiled_kind_has_a_runner() -> None:
    assert list(check_rules.CHECK_KINDS) == ["sum", "assert", "rates", "magnitude", "weights", "text"]
    assert set(checks.RUNNERS) == set(check_rules.CHECK_KINDS)


def test_unknown_kind_lists_the_registered_ones(tmp_path: Path) -> None:
    rules = tmp_path / "r.yaml"
    rules.write_text("format: 1\nextends: mof-project\nname: r\nchecks:\n  - {id: x, kind: sums}\n", encoding="utf-8")
    with pytest.raises(RulesetError) as err:
        load_ruleset(rules)
    assert str(err.value) == (
        f"{rules}:5 规则 x：检查的 kind/on/severity 取值有误（kind: sum|assert|rates|magnitude|"
        "weights|text，on: department|project，severity: high|medium|low）"
    )


def test_a_new_check_kind_is_one_compiler_and_one_runner(
    tmp_path: Path, lusong: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(check_rules, "CHECK_KINDS", dict(check_rules.CHECK_KINDS))
    monkeypatch.setattr(checks, "RUNNERS", dict(checks.RUNNERS))

    @check_rules.check_kind("over-cap")
    def compile_cap(item: Mapping[str, Any], base: Check, ctx: check_rules.CompileContext) -> Check:
        return replace(base, params={"cap": float(item["cap"])})

    @checks.runs("over-cap")
    def run_cap(chk: Check, data: checks.CheckInput) -> list[dict[str, Any]]:
        assert chk.params is not None
        p = data.projects
        return [
            {
                "dept_code": r.dept_code,
                "check_id": chk.id,
                "title": chk.title,
                "severity": chk.severity,
                "status": "fail",
                "subject": r.project_name,
                "expected": chk.params["cap"],
                "actual": r.spent,
                "difference": None,
                "message": f"{r.project_name} 超过 {chk.params['cap']:g} 万元",
            }
            for r in p[p["spent"] > chk.params["cap"]].itertuples()
        ]

    rules = tmp_path / "r.yaml"
    rules.write_text(
        "format: 1\nextends: mof-project\nname: r\nchecks:\n"
        "  - {id: big, kind: over-cap, cap: 150, title: 大额项目, severity: low}\n",
        encoding="utf-8",
    )
    run = api.run_path(lusong, rules, 2024)
    got = run.checks[run.checks["check_id"] == "big"]
    with (lusong / "项目支出.csv").open(encoding="utf-8-sig") as f:
        expected = [r["项目名称"] for r in csv.DictReader(f) if float(r["全年执行数"]) > 150]
    assert expected == ["市政工程维护中心运行维护项目", "小游园提质改造项目"]  # read from the file itself
    assert list(got["subject"]) == expected and set(got["status"]) == {"fail"}
