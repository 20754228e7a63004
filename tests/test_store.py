"""The result store: one SQLite database, replace-on-restore, history across years and rulesets, export, CLI."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from runs import scored
from typer.testing import CliRunner

from scoring import api
from scoring.cli import app
from scoring.core.errors import IncompleteError
from scoring.model.run import Run
from scoring.store.location import open_store
from scoring.store.results import (
    StoreError,
    export_csv,
    history,
    resolve_department,
    store_run,
    stored_trace,
)
from scoring.store.sqlite import DB_FILE

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DATA = Path(__file__).resolve().parent / "data"
CODE = "990001"


@pytest.fixture(scope="module")
def run_2024() -> Run:
    return scored(DATA / "overview", "mof-project")


@pytest.fixture(scope="module")
def run_2023(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The same department a year earlier, with the 满意度 indicator T02 lacked in 2024."""
    folder = tmp_path_factory.mktemp("y2023") / "overview"
    shutil.copytree(DATA / "overview", folder)
    info = folder / "单位信息.csv"
    info.write_text(info.read_text(encoding="utf-8").replace(",2024,", ",2023,"), encoding="utf-8")
    with (folder / "绩效指标.csv").open("a", encoding="utf-8") as fh:
        fh.write("T02,满意度指标,服务对象满意度指标,市民满意度,≥90%,95%,\n")
    return api.run_path(folder, "mof-project", 2023)


def with_departments(run: Run, rows: list[dict[str, object]]) -> Run:
    """`run` with its department results replaced by `rows` (other columns copied from the first department)."""
    base = run.result.departments.iloc[0].to_dict()
    deps = pd.DataFrame([{**base, **r} for r in rows])
    return dataclasses.replace(run, result=dataclasses.replace(run.result, departments=deps))


def db_rows(root: Path) -> list[tuple[object, ...]]:
    """Read the database directly, independent of the store module."""
    with sqlite3.connect(root / DB_FILE) as con:
        return con.execute(
            "SELECT year, ruleset, dept_code, total FROM results ORDER BY year, ruleset, dept_code"
        ).fetchall()


def test_one_database_nothing_else(run_2024: Run, tmp_path: Path) -> None:
    stored = store_run(run_2024, tmp_path)
    assert [(s.year, s.dept_code) for s in stored] == [(2024, CODE)]
    # No CSV, trace or folder per year is written on a run: everything is in the database (and its WAL files).
    assert {p.name for p in tmp_path.iterdir()} <= {DB_FILE, f"{DB_FILE}-wal", f"{DB_FILE}-shm"}
    assert db_rows(tmp_path) == [
        (2024, "mof-project", CODE, pytest.approx(85.41))
    ]  # (120 × 83.5 + 50 × 90) / 170 = 85.4118, shown and stored rounded
    with sqlite3.connect(tmp_path / DB_FILE) as con:
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert con.execute("SELECT ruleset, rows_read, rows_scored, rows_rejected FROM runs").fetchall() == [
            ("mof-project", *run_2024.counts)
        ]
    trace = stored_trace(tmp_path, "mof-project", 2024, CODE)
    assert trace is not None
    assert trace["ruleset"]["name"] == "mof-project"
    assert [d["dept_code"] for d in trace["departments"]] == [CODE]
    assert {p["project_code"] for p in trace["projects"]} == {"T01", "T02"}
    assert len(trace["rejections"]) == 1  # the rejected row came from this department's own file


def test_restore_replaces_never_duplicates(run_2024: Run, tmp_path: Path) -> None:
    for _ in range(3):
        store_run(run_2024, tmp_path)
    assert db_rows(tmp_path) == [(2024, "mof-project", CODE, pytest.approx(run_2024.result.departments["total"][0]))]
    assert len(history(tmp_path, CODE)) == 1


def test_restore_with_new_result_overwrites(run_2024: Run, tmp_path: Path) -> None:
    store_run(run_2024, tmp_path)
    better = run_2024.result.departments.assign(total=99.5, grade="优")
    store_run(dataclasses.replace(run_2024, result=dataclasses.replace(run_2024.result, departments=better)), tmp_path)
    assert history(tmp_path, CODE)[["year", "total", "grade"]].values.tolist() == [[2024, 99.5, "优"]]


def test_codes_that_sanitise_alike_stay_apart(run_2024: Run, tmp_path: Path) -> None:
    """X/1 and X_1 once shared one trace file name; in the store they are two keys."""
    run = with_departments(
        run_2024,
        [
            {"dept_code": "X/1", "dept_name": "甲", "total": 91.0},
            {"dept_code": "X_1", "dept_name": "乙", "total": 72.0},
        ],
    )
    store_run(run, tmp_path)
    assert db_rows(tmp_path) == [(2024, "mof-project", "X/1", 91.0), (2024, "mof-project", "X_1", 72.0)]
    assert history(tmp_path, "X/1")["dept_name"].tolist() == ["甲"]
    assert history(tmp_path, "X_1")["dept_name"].tolist() == ["乙"]


def test_other_departments_are_kept_and_ranked(run_2024: Run, tmp_path: Path) -> None:
    lusong = scored(EXAMPLES / "lusong-chengguan", "mof-project")
    store_run(lusong, tmp_path)
    store_run(run_2024, tmp_path)
    store_run(run_2024, tmp_path)
    deps = open_store(tmp_path).departments(2024, "mof-project")
    assert deps["dept_code"].tolist() == ["430203017", CODE]
    assert deps["rank"].tolist() == [1, 2]  # ranked over everything stored for the year
    assert len(db_rows(tmp_path)) == 2


def test_history_across_years_and_rulesets(run_2024: Run, run_2023: Run, tmp_path: Path) -> None:
    store_run(run_2024, tmp_path)
    store_run(run_2023, tmp_path)
    dept_rules = scored(DATA / "overview", "province-dept")
    store_run(dept_rules, tmp_path)
    h = history(tmp_path, CODE)
    assert h[["year", "ruleset"]].values.tolist() == [
        [2023, "mof-project"],
        [2024, "mof-project"],
        [2024, "province-dept"],
    ]
    # 2023: T02 now has its 满意度 indicator → 100; T01 unchanged at 83.5.
    assert h["total"].iloc[0] == pytest.approx(88.35)  # (120 × 83.5 + 50 × 100) / 170 = 88.3529, rounded
    assert h["total"].iloc[1] == pytest.approx(85.41)  # (120 × 83.5 + 50 × 90) / 170 = 85.4118, rounded
    assert set(h["ruleset_version"]) == {run_2024.ruleset.version, dept_rules.ruleset.version}
    assert stored_trace(tmp_path, "province-dept", 2024, CODE) is not None
    assert stored_trace(tmp_path, "province-dept", 2023, CODE) is None


def test_unknown_department_suggests(run_2024: Run, tmp_path: Path) -> None:
    store_run(run_2024, tmp_path)
    assert resolve_department(tmp_path, CODE) == CODE
    assert resolve_department(tmp_path, '测试<区>城管 & "环卫"局') == CODE
    with pytest.raises(StoreError, match="990001"):
        resolve_department(tmp_path, "990011")


def test_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=DB_FILE):
        history(tmp_path, CODE)
    assert not (tmp_path / DB_FILE).exists()  # reading never creates a store


@pytest.mark.parametrize(
    "where",
    ["file", "under-file", "url", "pg-down"],
    ids=["a-file", "below-a-file", "other-url", "postgres-unreachable"],
)
def test_unusable_store_location(run_2024: Run, tmp_path: Path, where: str) -> None:
    (tmp_path / "f.txt").write_text("x", encoding="utf-8")
    location = {
        "file": str(tmp_path / "f.txt"),
        "under-file": str(tmp_path / "f.txt" / "st"),
        "url": "mysql://u@localhost/perfscore",
        "pg-down": f"postgresql://u:secret@/perfscore?host={tmp_path}/nosocket",
    }[where]
    with pytest.raises(
        StoreError,
        match={
            "file": "是一个文件",
            "under-file": "无法创建存储文件夹",
            "url": "不支持 mysql://",
            "pg-down": "无法使用存储 postgresql://u:\\*\\*\\*@",
        }[where],
    ):
        store_run(run_2024, location)
    assert (tmp_path / "f.txt").read_text(encoding="utf-8") == "x"


def test_damaged_database_is_a_clear_error(run_2024: Run, tmp_path: Path) -> None:
    (tmp_path / DB_FILE).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="不是有效的 perfscore 数据库"):
        store_run(run_2024, tmp_path)
    with pytest.raises(StoreError, match="不是有效的 perfscore 数据库"):
        history(tmp_path, CODE)


def test_version_one_store_is_migrated(run_2024: Run, tmp_path: Path) -> None:
    """A store written before the single-database layout (index rows + trace files) keeps its history."""
    with sqlite3.connect(tmp_path / DB_FILE) as con:
        con.execute(
            "CREATE TABLE results (year INTEGER NOT NULL, ruleset TEXT NOT NULL, ruleset_version TEXT NOT "
            "NULL, ruleset_fingerprint TEXT NOT NULL, dept_code TEXT NOT NULL, dept_name TEXT NOT NULL, "
            "total REAL NOT NULL, grade TEXT NOT NULL, n_projects INTEGER NOT NULL, trace TEXT NOT NULL, "
            "stored_at TEXT NOT NULL, PRIMARY KEY (year, ruleset, dept_code))"
        )
        con.execute(
            "INSERT INTO results VALUES (2022, 'mof-project', '2020.1', 'abc', ?, '旧名', 77.5, '中', 3, "
            "'2022/mof-project/990001.json', '2023-01-01T00:00:00+00:00')",
            (CODE,),
        )
    (tmp_path / "2022" / "mof-project").mkdir(parents=True)
    (tmp_path / "2022" / "mof-project" / "990001.json").write_text('{"departments": [{"x": 1}]}', encoding="utf-8")
    assert history(tmp_path, CODE)[["year", "total", "grade"]].values.tolist() == [[2022, 77.5, "中"]]
    assert stored_trace(tmp_path, "mof-project", 2022, CODE) == {"departments": [{"x": 1}]}
    store_run(run_2024, tmp_path)
    assert history(tmp_path, CODE)["year"].tolist() == [2022, 2024]


FORMULAS = [
    '=HYPERLINK("http://evil.example","点此")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "普通名称",
]


def test_export_csv_neutralises_formulas(run_2024: Run, tmp_path: Path) -> None:
    run = with_departments(
        run_2024, [{"dept_code": f"D{i}", "dept_name": name, "total": 90.0 - i} for i, name in enumerate(FORMULAS)]
    )
    store_run(run, tmp_path / "st")
    assert export_csv(tmp_path / "st", tmp_path / "out.csv") == len(FORMULAS)
    with (tmp_path / "out.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = [r["dept_name"] for r in rows]
    assert names == ["'" + n if n[0] in "=+-@\t" else n for n in FORMULAS]
    assert all(not v.startswith(("=", "+", "-", "@", "\t")) for r in rows for v in r.values())
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, len(FORMULAS) + 1)]
    assert [float(r["total"]) for r in rows] == [90.0 - i for i in range(len(FORMULAS))]


def test_export_keeps_versions_and_codes_text(run_2024: Run, tmp_path: Path) -> None:
    """A version like 2020.10 must not become the number 2020.1, nor a code lose its leading zeros."""
    v10 = dataclasses.replace(run_2024, ruleset=dataclasses.replace(run_2024.ruleset, version="2020.10"))
    store_run(with_departments(v10, [{"dept_code": "007"}]), tmp_path)
    export_csv(tmp_path, tmp_path / "o.csv", year=2024, ruleset="mof-project")
    back = pd.read_csv(tmp_path / "o.csv", dtype=str, encoding="utf-8-sig")
    assert back[["dept_code", "ruleset_version"]].values.tolist() == [["007", "2020.10"]]
    assert history(tmp_path, "007")["ruleset_version"].tolist() == ["2020.10"]
    assert export_csv(tmp_path, tmp_path / "none.csv", year=1999) == 0


def test_cli_store_history_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = ["score", str(DATA / "overview"), "--year", "2024", "-f", "xlsx", "--store", "st"]
    for _ in range(2):
        res = runner.invoke(app, args)
        assert res.exit_code == IncompleteError.exit_code, (
            res.output
        )  # overview has a rejected row: stored, provisional
    assert "已存入 st：1 个部门（2024/mof-project）" in res.stderr
    assert (tmp_path / "perfscore-mof-project-2024.xlsx").exists()
    res = runner.invoke(app, ["history", CODE, "--store", "st"])
    assert res.exit_code == 0, res.output
    assert res.stdout.count("mof-project") == 1
    assert "85.41" in res.stdout
    res = runner.invoke(app, ["history", CODE, "--store", "st", "--json"])
    assert json.loads(res.stdout)[0]["grade"] == "良（暂定）"  # a row of overview is rejected: provisional
    res = runner.invoke(app, ["history", "990011", "--store", "st"])
    assert res.exit_code == 1
    assert "990001" in res.stderr
    res = runner.invoke(app, ["export", "--store", "st", "-o", "out/得分.csv", "--year", "2024"])
    assert res.exit_code == 0, res.output
    back = pd.read_csv(tmp_path / "out" / "得分.csv", dtype=str, encoding="utf-8-sig")
    assert back[["dept_code", "grade", "rank"]].values.tolist() == [
        [CODE, "良（暂定）", "1"]
    ]  # provisional: overview has a rejected row


def test_cli_store_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("afile").write_text("x", encoding="utf-8")
    runner = CliRunner()
    res = runner.invoke(app, ["score", str(DATA / "overview"), "-f", "json", "-o", "o.json", "--store", "afile"])
    assert res.exit_code == 1
    assert "是一个文件" in res.stderr and "Traceback" not in res.output
    assert not Path("o.json").exists()  # refused before scoring, so nothing else was written
    Path("damaged").mkdir()
    Path("damaged", DB_FILE).write_bytes(b"\0" * 4096)
    res = runner.invoke(app, ["score", str(DATA / "overview"), "-f", "json", "-o", "o.json", "--store", "damaged"])
    assert res.exit_code == 1 and "不是有效的 perfscore 数据库" in res.stderr
    assert not Path("o.json").exists()
    res = runner.invoke(app, ["history", CODE, "--store", "nowhere"])
    assert res.exit_code == 1
    assert "不是 perfscore 存储目录" in res.stderr
    res = runner.invoke(app, ["export", "--store", "nowhere", "-o", "x.csv"])
    assert res.exit_code == 1
    assert not Path("x.csv").exists() and not Path("nowhere").exists()


def test_cli_html_default_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(app, ["score", str(DATA / "overview"), "-f", "html"])
    assert res.exit_code == IncompleteError.exit_code, res.output  # written, though a row is rejected
    out = tmp_path / "perfscore-mof-project-2024.html"
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert str(out) in res.stderr
    res = CliRunner().invoke(app, ["score", str(DATA / "overview"), "-f", "html", "-o", "sub/o.html"])
    assert (tmp_path / "sub" / "o.html").exists()


def test_version_two_store_is_migrated(run_2024: Run, tmp_path: Path) -> None:
    """A store from before run hashes, per-一级 scores and indicators (schema 2) keeps its rows and gains them."""
    # The version-2 tables as perfscore wrote them (scoring/store/sqlite.py at commit 44bc955).
    ddl = [
        "CREATE TABLE runs (run_id INTEGER PRIMARY KEY AUTOINCREMENT, ruleset TEXT NOT NULL, ruleset_version "
        "TEXT NOT NULL, ruleset_fingerprint TEXT NOT NULL, stored_at TEXT NOT NULL, rows_read INTEGER NOT NULL, "
        "rows_scored INTEGER NOT NULL, rows_rejected INTEGER NOT NULL)",
        "CREATE TABLE results (ruleset TEXT NOT NULL, year INTEGER NOT NULL, dept_code TEXT NOT NULL, dept_name "
        "TEXT NOT NULL, total REAL NOT NULL, grade TEXT NOT NULL, n_projects INTEGER NOT NULL, budget_final REAL, "
        "spent REAL, ruleset_version TEXT NOT NULL, ruleset_fingerprint TEXT NOT NULL, stored_at TEXT NOT NULL, "
        "run_id INTEGER NOT NULL REFERENCES runs (run_id), trace TEXT NOT NULL, "
        "PRIMARY KEY (ruleset, year, dept_code))",
    ]
    with sqlite3.connect(tmp_path / DB_FILE) as con:
        for statement in ddl:
            con.execute(statement)
        con.execute("INSERT INTO runs VALUES (1, 'mof-project', '2020.1', 'abc', '2024-01-01', 5, 5, 0)")
        con.execute(
            "INSERT INTO results VALUES ('mof-project', 2023, ?, '旧名', 77.5, '中', 3, 100, 90, '2020.1', "
            "'abc', '2024-01-01', 1, '{}')",
            (CODE,),
        )
        con.execute("PRAGMA user_version = 2")
    assert history(tmp_path, CODE)[["year", "total", "grade"]].values.tolist() == [[2023, 77.5, "中"]]
    store_run(run_2024, tmp_path)
    store = open_store(tmp_path)
    assert history(tmp_path, CODE)["year"].tolist() == [2023, 2024]
    assert store.level1_scores([2023]).empty  # nothing invented for the old row
    assert len(store.indicators([2024])) == len(run_2024.result.items)
    assert store.runs()["input_files"].map(len).tolist() == [0, 4]  # the old run's rows are still stored
    with sqlite3.connect(tmp_path / DB_FILE) as con:
        assert con.execute("PRAGMA user_version").fetchone() == (3,)
