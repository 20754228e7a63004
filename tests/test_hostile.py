"""The hostile corpus (tests/hostile/): every case gives a clear error, an isolated batch, or an intact output.

The batch is read as a whole: bad departments are rejected with their reasons, every other department is scored,
and the counts always add up (读取 N 行 = 评分 M 行 + 拒绝 K 行). Hypothesis feeds the CSV reader random bytes and
random CSV-like text with the same two promises: no traceback, N = M + K.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
from pathlib import Path

import openpyxl
import pytest
from helpers import deadline
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scoring import api
from scoring.cli import app
from scoring.core.errors import IncompleteError, PerfscoreError
from scoring.io.csv_tables import CSV_FIELD_LIMIT
from scoring.io.readers import load as load_path
from scoring.model.run import Run
from scoring.pipeline.validate import validate
from scoring.rules.ruleset import Ruleset, load_ruleset
from scoring.store.results import export_csv, history

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "hostile"
OVERVIEW = HERE / "data" / "overview"
# Departments the batch must score (all but the stray quote and the oversized cell).
SCORED = {
    "990102",
    "990103",
    "990104",
    "990105",
    "990106",
    "990107",
    "990108",
    "990109",
    "990110",
    "X/1",
    "X_1",
    "990121",
}


def department(folder: Path, code: str, name: str) -> Path:
    shutil.copytree(OVERVIEW, folder)
    (folder / "单位信息.csv").write_text(
        f"部门编码,部门名称,年度,编制人数,在职人数\n{code},{name},2024,10,9\n", encoding="utf-8"
    )
    return folder


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile") / "batch"
    shutil.copytree(CORPUS, root, ignore=shutil.ignore_patterns("*.md"))
    big = department(root / "big-field", "990120", "超长单元格局")
    with (big / "绩效指标.csv").open("a", encoding="utf-8") as fh:
        fh.write("T02,效益指标,社会效益指标,说明,提升,达成预期指标," + "长" * (CSV_FIELD_LIMIT + 10) + "\n")
    loops = department(root / "symlink-loops", "990121", "循环链接局")
    os.symlink("..", loops / "up")  # two links back up the tree: a walk that follows them never ends
    os.symlink("../..", loops / "up2")
    os.symlink(".", loops / "self")
    return root


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset("mof-project")


@pytest.fixture(scope="module")
def run(batch: Path, ruleset: Ruleset) -> Run:
    with deadline(120):
        return api.run_raw(load_path(batch), ruleset, 2024)


def test_batch_scores_every_good_department(run: Run) -> None:
    assert set(run.result.departments["dept_code"]) == SCORED
    read, scored, rejected = run.counts
    assert read == scored + rejected and scored > 0


@pytest.mark.parametrize(
    ("case", "file", "message"),
    [
        ("stray-quote", "项目支出.csv", "引号未闭合，其后 1 行被并入同一个单元格"),
        ("big-field", "绩效指标.csv", f"单元格超过 {CSV_FIELD_LIMIT} 个字符"),
    ],
    ids=["stray-quote", "big-field"],
)
def test_bad_file_rejects_its_department_with_reason(run: Run, case: str, file: str, message: str) -> None:
    problems = [p for p in run.dataset.problems if Path(str(p.source.file)).parent.name == case]
    assert len(problems) == 1
    assert Path(str(problems[0].source.file)).name == file
    assert message in str(problems[0]) and "引号" in str(problems[0])  # the hint says what to look for


def test_huge_amount_rejects_the_row(run: Run) -> None:
    rows = [r for r in run.dataset.rejections if "huge-amount" in str(r.source.file)]
    assert rows and rows[0].source.row == 2 and "数值超出范围" in rows[0].reason
    assert "990102" in set(run.result.departments["dept_code"])  # the department is scored on the rest


def test_symlink_loops_are_walked_once(run: Run) -> None:
    files = [str(f) for f in run.dataset.departments["_file"]]
    assert sum("循环" in f or "symlink-loops" in f for f in files) == 1
    assert len(files) == len(set(files))


def test_cli_batch_every_output(batch: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    for argv in (
        ["score", str(batch), "-y", "2024", "-f", "xlsx", "-o", "out/s.xlsx", "--store", "st"],
        ["report", str(batch), "-y", "2024", "-o", "out/reports"],
    ):
        with deadline(120):
            res = runner.invoke(app, argv)
        # the corpus has rejected rows on purpose: every output is written and the run says so with exit 4
        assert res.exit_code == IncompleteError.exit_code, (argv, res.output, res.exception)
    # Nothing written outside the chosen folders.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "st"]
    reports = sorted(p.name for p in (tmp_path / "out" / "reports").iterdir())
    assert len(reports) == len(SCORED)
    assert sum("同名局" in n for n in reports) == 2
    wb = openpyxl.load_workbook(tmp_path / "out" / "s.xlsx", read_only=True)
    assert wb.sheetnames  # a valid workbook with the control characters cleaned
    wb.close()
    # The store: X/1 and X_1 apart, formula cells neutralised on export.
    assert len(history("st", "X/1")) == 1 and len(history("st", "X_1")) == 1
    export_csv("st", tmp_path / "out" / "e.csv")
    with (tmp_path / "out" / "e.csv").open(encoding="utf-8-sig", newline="") as fh:
        names = {r["dept_code"]: r["dept_name"] for r in csv.DictReader(fh)}
    assert names["990104"] == "'" + '=HYPERLINK("http://evil.example","点此")'


# ------------------------------------------------------------------ fuzzing the CSV reader

TABLE_FILES = ("单位信息.csv", "预算收支.csv", "项目支出.csv", "绩效指标.csv")
CELL = st.one_of(
    st.text(alphabet=st.characters(codec="utf-8"), max_size=12),
    st.sampled_from(
        [
            "",
            '"',
            '""',
            ",",
            "\n",
            "\r\n",
            "\t",
            "1e26",
            "-1e30",
            "NaN",
            "inf",
            "≥95%",
            "1—12月",
            "T01",
            "T02",
            "990001",
            "2024",
            "=1+1",
            "\x00",
            "\x0b",
            "一般公共预算",
            "产出指标",
            "数量指标",
        ]
    ),
)


def read_with(table: str, data: bytes, ruleset: Ruleset) -> None:
    """Replace one table of a good department with `data` and read and validate it: either a clear error or
    counts that add up. (Validation is where rows are counted; the batch test above runs the whole pipeline.)"""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "d"
        shutil.copytree(OVERVIEW, folder)
        (folder / table).write_bytes(data)
        try:
            ds = validate(load_path(folder), ruleset, 2024)
        except PerfscoreError:
            return  # a clear error with its exit code; anything else fails the test with its traceback
        assert ds.rows_read == ds.rows_used + ds.rows_rejected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=st.sampled_from(TABLE_FILES), data=st.binary(max_size=400))
def test_fuzz_csv_random_bytes(ruleset: Ruleset, table: str, data: bytes) -> None:
    read_with(table, data, ruleset)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    table=st.sampled_from(TABLE_FILES), rows=st.lists(st.lists(CELL, max_size=9), max_size=6), raw_join=st.booleans()
)
def test_fuzz_csv_like_text(ruleset: Ruleset, table: str, rows: list[list[str]], raw_join: bool) -> None:
    """Rows under the real header: either written by csv.writer (valid quoting) or joined raw (broken quoting)."""
    header = (
        (OVERVIEW / table).read_text(encoding="utf-8").splitlines()[0]
        if table != "单位信息.csv"
        else ("部门编码,部门名称,年度,编制人数,在职人数")
    )
    if raw_join:
        body = "\n".join(",".join(r) for r in rows)
    else:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(rows)
        body = buf.getvalue()
    read_with(table, (header + "\n" + body).encode("utf-8", errors="surrogatepass"), ruleset)
