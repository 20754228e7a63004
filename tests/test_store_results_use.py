"""Results use (结果应用): grade → suggested budget treatment, and 执行率 < 60 % two years running → 收回/调减.

Generated departments (tests/yeardata.py), (全年预算数, 全年执行数):
    A 优  2023 (100, 50) 50 %   2024 (100, 59) 59 %  → 优先保障, and execution: both years below 60 %
    B 差  2023 (100, 50) 50 %   2024 (100, 60) 60 %  → 压减 −10 %; 60 % is not below 60 %: no execution one
    C 中  2024 only (100, 10)                         → 适当压减 −5 %; one year is not two running
    D 良  no budget                                   → 维持
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from yeardata import put_year

from scoring.cli import app
from scoring.core.errors import RulesetError
from scoring.store.results_use import load_results_use, suggest_budget


def stored(location: str) -> None:
    put_year(
        location,
        2023,
        [("A", "甲局", 95, "优", []), ("B", "乙局", 50, "差", [])],
        budget={"A": (100, 50), "B": (100, 50)},
    )
    put_year(
        location,
        2024,
        [
            ("A", "甲局", 92, "优", []),
            ("B", "乙局", 55, "差", []),
            ("C", "丙局", 70, "中", []),
            ("D", "丁局", 85, "良", []),
        ],
        budget={"A": (100, 59), "B": (100, 60), "C": (100, 10)},
    )


def test_known_suggestions(store_location: str) -> None:
    stored(store_location)
    got = [(s.dept_code, s.kind, s.treatment, s.adjust) for s in suggest_budget(store_location, 2024)]
    assert got == [
        ("A", "grade", "优先保障", None),
        ("A", "execution", "收回或调减", None),
        ("B", "grade", "压减", -0.10),
        ("C", "grade", "适当压减", -0.05),
        ("D", "grade", "维持", None),
    ]
    a_exec = suggest_budget(store_location, 2024)[1]
    assert (
        a_exec.basis == "预算执行率连续 2 年低于 60%（2023 年 50.00%、2024 年 59.00%），建议收回结余资金或调减下年预算"
    )


def test_mapping_is_read_from_yaml(tmp_path: Path) -> None:
    stored(str(tmp_path / "st"))
    own = tmp_path / "use.yaml"
    own.write_text(
        "version: 1\ngrades:\n  差: {treatment: 压减, adjust: -0.2, text: 压减 20%}\n"
        "execution: {below: 0.6, years: 1, treatment: 调减}\n",
        encoding="utf-8",
    )
    got = suggest_budget(tmp_path / "st", 2024, mapping=load_results_use(own))
    # years: 1 → any department below 60 % in 2024 alone: A 59 %, C 10 %; B 60 % is not below.
    assert [(s.dept_code, s.treatment, s.adjust) for s in got] == [
        ("A", "调减", None),
        ("B", "压减", -0.2),
        ("C", "调减", None),
    ]
    own.write_text("grades:\n  差: {treatment: 压减, adjust: -30}\n", encoding="utf-8")
    with pytest.raises(RulesetError, match="adjust"):
        load_results_use(own)


def test_cli_budget(tmp_path: Path) -> None:
    stored(str(tmp_path / "st"))
    res = CliRunner().invoke(app, ["advice", "--budget", "--store", str(tmp_path / "st"), "--year", "2024"])
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("结果应用建议（供审核参考，不是预算安排决定）")
    res = CliRunner().invoke(
        app, ["advice", "--budget", "--store", str(tmp_path / "st"), "--year", "2024", "-f", "json"]
    )
    assert [r["adjust"] for r in json.loads(res.stdout)] == [None, None, -0.1, -0.05, None]
    bad = tmp_path / "bad.yaml"
    bad.write_text("grades: {}\nextra: 1\n", encoding="utf-8")
    res = CliRunner().invoke(
        app, ["advice", "--budget", "--store", str(tmp_path / "st"), "--year", "2024", "--mapping", str(bad)]
    )
    assert res.exit_code == 2 and "bad.yaml" in res.stderr and "Traceback" not in res.output
