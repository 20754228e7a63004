"""The result store: layout per year and ruleset, replace-on-restore, history across years and rulesets, CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from scoring import api
from scoring.cli import app
from scoring.store.results import (
    INDEX_FILE,
    StoreError,
    history,
    read_departments_csv,
    resolve_department,
    store_run,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DATA = Path(__file__).resolve().parent / "data"
CODE = "990001"


@pytest.fixture(scope="module")
def run_2024() -> api.Run:
    return api.run_path(DATA / "overview", "mof-project", 2024)


@pytest.fixture(scope="module")
def run_2023(tmp_path_factory: pytest.TempPathFactory) -> api.Run:
    """The same department a year earlier, with the 满意度 indicator T02 lacked in 2024."""
    folder = tmp_path_factory.mktemp("y2023") / "overview"
    shutil.copytree(DATA / "overview", folder)
    info = folder / "单位信息.csv"
    info.write_text(info.read_text(encoding="utf-8").replace(",2024,", ",2023,"), encoding="utf-8")
    with (folder / "绩效指标.csv").open("a", encoding="utf-8") as fh:
        fh.write("T02,满意度指标,服务对象满意度指标,市民满意度,≥90%,95%,\n")
    return api.run_path(folder, "mof-project", 2023)


def index_rows(root: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(root / INDEX_FILE) as con:
        return con.execute("SELECT year, ruleset, dept_code, total FROM results ORDER BY year, ruleset").fetchall()


def test_layout(run_2024: api.Run, tmp_path: Path) -> None:
    stored = store_run(run_2024, tmp_path)
    folder = tmp_path / "2024" / "mof-project"
    assert [(s.year, s.ruleset, s.dept_code) for s in stored] == [(2024, "mof-project", CODE)]
    assert stored[0].trace == folder / f"{CODE}.json"
    trace = json.loads((folder / f"{CODE}.json").read_text(encoding="utf-8"))
    assert trace["ruleset"]["name"] == "mof-project"
    assert [d["dept_code"] for d in trace["departments"]] == [CODE]
    assert {p["project_code"] for p in trace["projects"]} == {"T01", "T02"}
    assert len(trace["rejections"]) == 1  # the rejected row came from this department's own file
    csv = read_departments_csv(folder / "departments.csv")
    assert csv["dept_code"].tolist() == [CODE]
    assert csv["total"].iloc[0] == pytest.approx(85.41)  # (120 × 83.5 + 50 × 90) / 170, rounded
    assert csv["ruleset_version"].iloc[0] == str(run_2024.ruleset.version)


def test_restore_replaces_never_duplicates(run_2024: api.Run, tmp_path: Path) -> None:
    store_run(run_2024, tmp_path)
    store_run(run_2024, tmp_path)
    store_run(run_2024, tmp_path)
    assert index_rows(tmp_path) == [(2024, "mof-project", CODE, pytest.approx(run_2024.result.departments["total"][0]))]
    folder = tmp_path / "2024" / "mof-project"
    assert len(pd.read_csv(folder / "departments.csv")) == 1
    assert sorted(p.name for p in folder.iterdir()) == ["990001.json", "departments.csv"]
    assert len(history(tmp_path, CODE)) == 1


def test_restore_with_new_result_overwrites(run_2024: api.Run, run_2023: api.Run, tmp_path: Path) -> None:
    import dataclasses

    store_run(run_2024, tmp_path)
    better = run_2024.result.departments.assign(total=99.5, grade="优")
    changed = dataclasses.replace(run_2024, result=dataclasses.replace(run_2024.result, departments=better))
    store_run(changed, tmp_path)
    h = history(tmp_path, CODE)
    assert h[["year", "total", "grade"]].values.tolist() == [[2024, 99.5, "优"]]
    csv = pd.read_csv(tmp_path / "2024" / "mof-project" / "departments.csv")
    assert csv["total"].tolist() == [99.5]


def test_other_departments_are_kept(run_2024: api.Run, tmp_path: Path) -> None:
    lusong = api.run_path(EXAMPLES / "lusong-chengguan", "mof-project", 2024)
    store_run(lusong, tmp_path)
    store_run(run_2024, tmp_path)
    store_run(run_2024, tmp_path)
    csv = read_departments_csv(tmp_path / "2024" / "mof-project" / "departments.csv")
    assert sorted(csv["dept_code"]) == ["430203017", CODE]
    assert csv["rank"].tolist() == [1, 2]  # re-ranked over everything stored for the year
    assert len(index_rows(tmp_path)) == 2


def test_history_across_years_and_rulesets(run_2024: api.Run, run_2023: api.Run, tmp_path: Path) -> None:
    store_run(run_2024, tmp_path)
    store_run(run_2023, tmp_path)
    dept_rules = api.run_path(DATA / "overview", "province-dept", 2024)
    store_run(dept_rules, tmp_path)
    h = history(tmp_path, CODE)
    assert h[["year", "ruleset"]].values.tolist() == [[2023, "mof-project"], [2024, "mof-project"],
                                                      [2024, "province-dept"]]
    # 2023: T02 now has its 满意度 indicator → 100; T01 unchanged at 83.5.
    assert h["total"].iloc[0] == pytest.approx(88.35)  # (120 × 83.5 + 50 × 100) / 170 = 88.3529, rounded
    assert h["total"].iloc[1] == pytest.approx(85.41)  # (120 × 83.5 + 50 × 90) / 170 = 85.4118, rounded
    assert set(h["ruleset_version"]) == {run_2024.ruleset.version, dept_rules.ruleset.version}
    assert (tmp_path / "2023" / "mof-project" / f"{CODE}.json").exists()
    assert (tmp_path / "2024" / "province-dept" / f"{CODE}.json").exists()


def test_unknown_department_suggests(run_2024: api.Run, tmp_path: Path) -> None:
    store_run(run_2024, tmp_path)
    assert resolve_department(tmp_path, CODE) == CODE
    assert resolve_department(tmp_path, '测试<区>城管 & "环卫"局') == CODE
    with pytest.raises(StoreError, match="990001"):
        resolve_department(tmp_path, "990011")


def test_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=INDEX_FILE):
        history(tmp_path, CODE)


def test_cli_store_and_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["score", str(DATA / "overview"), "--year", "2024", "-f", "xlsx", "--store", "st"]
    for _ in range(2):
        res = runner.invoke(app, args)
        assert res.exit_code == 4, res.output  # one row of the data is rejected: stored, but provisional
    assert (tmp_path / "perfscore-mof-project-2024.xlsx").exists()
    assert "perfscore-mof-project-2024.xlsx" in res.stderr
    res = runner.invoke(app, ["history", CODE, "--store", "st"])
    assert res.exit_code == 0, res.output
    assert res.stdout.count("mof-project") == 1
    assert "85.41" in res.stdout
    res = runner.invoke(app, ["history", CODE, "--store", "st", "--json"])
    assert json.loads(res.stdout)[0]["grade"] == "良（暂定）"
    res = runner.invoke(app, ["history", "990011", "--store", "st"])
    assert res.exit_code == 1
    assert "990001" in res.stderr


def test_cli_html_default_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["score", str(DATA / "overview"), "-f", "html"])
    assert res.exit_code == 4, res.output  # written although a row is rejected
    out = tmp_path / "perfscore-mof-project-2024.html"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert str(out) in res.stderr
    res = CliRunner().invoke(app, ["score", str(DATA / "overview"), "-f", "html", "-o", "sub/o.html"])
    assert (tmp_path / "sub" / "o.html").exists()


def test_versions_stay_text(run_2024: api.Run, tmp_path: Path) -> None:
    """A version like 2020.10 must survive the departments.csv round trip (not become the number 2020.1)."""
    import dataclasses

    v10 = dataclasses.replace(run_2024, ruleset=dataclasses.replace(run_2024.ruleset, version="2020.10"))
    store_run(v10, tmp_path)
    store_run(v10, tmp_path)  # the second store reads the CSV back and rewrites it
    csv = read_departments_csv(tmp_path / "2024" / "mof-project" / "departments.csv")
    assert csv["ruleset_version"].tolist() == ["2020.10"]
    assert history(tmp_path, CODE)["ruleset_version"].tolist() == ["2020.10"]
