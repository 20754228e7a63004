"""Every row read is scored or rejected (读取 N 行 = 评分 M 行 + 拒绝 K 行), each rejection names its file, sheet,
row and column, whatever cells are broken; --strict turns any rejection into a non-zero exit."""

from __future__ import annotations

import csv
import io
import re
import shutil
import tempfile
from functools import cache
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scoring import api
from scoring.cli import app
from scoring.core.errors import IncompleteError
from scoring.io.load import load_path
from scoring.model.dataset import Dataset
from scoring.model.run import Run
from scoring.model.tables import TABLES
from scoring.pipeline.validate import validate
from scoring.rules.ruleset import Ruleset, load_ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lusong-chengguan"
SHEETS = {t.sheet: t for t in TABLES}
FILES = sorted(p.stem for p in EXAMPLE.glob("*.csv"))
ROWS = {
    stem: list(csv.reader(io.StringIO((EXAMPLE / f"{stem}.csv").read_text(encoding="utf-8-sig")))) for stem in FILES
}

JUNK = st.sampled_from(
    [
        "",
        " ",
        "abc",
        "≥",
        "≤万元",
        "12件13次",
        "—",
        "-5",
        "1e999",
        "１２３",
        "＞＝９５％",
        "0",
        "0.5",
        "3700元",
        "95%",
        "未达成",
        "达成预期指标",
        "nan",
        "#DIV/0!",
        "2023",
        "P99",
        "不存在的一级",
        "1,234.5",
        "１，２３４",
        "产出指标",
        "满意度指标",
        "数量指标",
        "100%-90%",
        "约",
        "'",
        '"',
        "\n",
    ]
) | st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=6)  # xlsx cannot hold control characters


@st.composite
def corruptions(draw: st.DrawFn) -> list[tuple[str, int, int, str]]:
    """Up to 6 (file stem, row index, column index, new text) edits of the example's cells; row 0 is the header."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        stem = draw(st.sampled_from(FILES))
        rows = ROWS[stem]
        r = draw(st.integers(1, len(rows) - 1) | st.just(0))
        c = draw(st.integers(0, len(rows[0]) - 1))
        out.append((stem, r, c, draw(JUNK)))
    return out


def write_corrupted(dest: Path, edits: list[tuple[str, int, int, str]], fmt: str) -> Path:
    """The example with the edits applied, as a CSV folder or as one workbook."""
    tables = {stem: [list(r) for r in rows] for stem, rows in ROWS.items()}
    for stem, r, c, text in edits:
        tables[stem][r][c] = text
    dest.mkdir(parents=True)
    if fmt == "csv":
        for stem, rows in tables.items():
            buf = io.StringIO()
            csv.writer(buf).writerows(rows)
            (dest / f"{stem}.csv").write_text(buf.getvalue(), encoding="utf-8")
        return dest
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for stem, rows in tables.items():
        ws = wb.create_sheet(stem)
        for row in rows:
            ws.append([None if v == "" else v for v in row])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    path = dest / "部门.xlsx"
    wb.save(path)
    return path


def row_keys(ds: Dataset) -> set[tuple[str, str | None, int]]:
    keys = set()
    for frame in (ds.departments, ds.budget, ds.projects, ds.indicators):
        keys |= {
            (str(f), s if isinstance(s, str) else None, int(r))
            for f, s, r in zip(frame["_file"], frame["_sheet"], frame["_row"], strict=True)
        }
    return keys


def rejected_rows(ds: Dataset) -> set[tuple[str, str | None, int]]:
    return {(str(r.source.file), r.source.sheet, int(r.source.row or 0)) for r in ds.rejections}


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset("mof-project")


@cache
def mof_project() -> Ruleset:
    return load_ruleset("mof-project")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@settings(max_examples=40, deadline=None)
@given(edits=corruptions())
def test_every_row_is_scored_or_rejected(fmt: str, edits: list[tuple[str, int, int, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_corrupted(Path(tmp) / "dept", edits, fmt)
        ds = validate(load_path(path), mof_project())
        used, rejected = row_keys(ds), rejected_rows(ds)
        assert not used & rejected, "a row both scored and rejected"
        assert ds.rows_read == ds.rows_used + len(rejected)  # N = M + K, K counted in rows
        assert ds.rows_used == len(used)
        for p in ds.problems:  # a header lost or renamed is reported against the file, never raised
            assert Path(str(p.source.file)).is_relative_to(tmp)
        for r in ds.rejections:
            s = r.source
            table = SHEETS[r.table]
            assert Path(str(s.file)).is_file() and Path(str(s.file)).is_relative_to(tmp)
            assert s.sheet == (table.sheet if fmt == "xlsx" else None)
            if fmt == "csv":
                assert Path(str(s.file)).stem == table.sheet
            assert isinstance(s.row, int) and s.row >= 2
            assert s.column in {c.header for c in table.columns}
            assert r.reason and re.search(r"[\u4e00-\u9fff]", r.reason), "reasons are in Chinese"
            text = str(r)
            assert f"第{s.row}行" in text and f"「{s.column}」列" in text


def test_a_row_with_several_bad_cells_is_one_rejected_row(tmp_path: Path, ruleset: Ruleset) -> None:
    """Validation reports every bad cell of a row (fix the file in one pass) but the row is rejected once."""
    path = write_corrupted(
        tmp_path / "d",
        [("绩效指标", 1, 3, ""), ("绩效指标", 1, 4, ""), ("项目支出", 2, 3, "abc"), ("项目支出", 2, 4, "xyz")],
        "csv",
    )
    ds = validate(load_path(path), ruleset)
    assert len(ds.rejections) == 4 + 6  # 2 + 2 bad cells, and P02's 6 indicator rows lose their project
    assert len(rejected_rows(ds)) == 1 + 1 + 6
    assert ds.rows_read == ds.rows_used + len(rejected_rows(ds))


def test_counts_line_counts_rows_not_cells(tmp_path: Path) -> None:
    path = write_corrupted(tmp_path / "d", [("绩效指标", 1, 3, ""), ("绩效指标", 1, 4, "")], "csv")
    read, used, rejected = api.run_path(path).counts
    assert (read, used, rejected) == (54, 53, 1)


# ------------------------------------------------------------------ CLI


def test_cli_prints_counts_and_strict_passes_clean_data() -> None:
    res = CliRunner().invoke(app, ["score", str(EXAMPLE), "--strict"])
    assert res.exit_code == 0, res.output
    assert "读取 54 行，评分 54 行，拒绝 0 行" in res.output


def test_cli_exits_4_on_a_rejection_with_or_without_strict(tmp_path: Path) -> None:
    """Issue 9: a rejected row makes the department's score provisional; the exit status says so always."""
    bad = tmp_path / "城管局"
    shutil.copytree(EXAMPLE, bad)
    p = bad / "绩效指标.csv"
    p.write_text(p.read_text(encoding="utf-8-sig").replace("结案率,≥95%,96.39%", "结案率,≥95%,很高"), encoding="utf-8")
    runner = CliRunner()
    lenient = runner.invoke(app, ["score", str(bad)])
    assert lenient.exit_code == IncompleteError.exit_code, lenient.output
    assert "读取 54 行，评分 53 行，拒绝 1 行" in lenient.output
    assert "绩效指标.csv 第4行 「实际完成值」列" in lenient.output
    strict = runner.invoke(app, ["score", str(bad), "--strict"])
    assert strict.exit_code == IncompleteError.exit_code
    assert "评分未完成：有 1 行被拒绝" in strict.stderr


def test_cli_one_broken_department_never_stops_the_others(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "城管局")
    (tmp_path / "坏文件.xlsx").write_bytes(b"not a zip")
    res = CliRunner().invoke(app, ["score", str(tmp_path)])
    assert res.exit_code == IncompleteError.exit_code, res.output  # the other department is still scored and shown
    assert "株洲市芦淞区城市管理和综合执法局" in res.output
    assert "坏文件.xlsx" in res.output and "无法打开 Excel 文件" in res.output


def test_cli_strict_counts_unreadable_files(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "城管局")
    (tmp_path / "坏文件.xlsx").write_bytes(b"not a zip")
    res = CliRunner().invoke(app, ["score", str(tmp_path), "--strict"])
    assert res.exit_code == IncompleteError.exit_code
    assert "0 行被拒绝，1 个文件（或单元格）无法读取" in res.stderr


def test_folder_without_any_department_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "说明.txt").write_text("nothing here", encoding="utf-8")
    res = CliRunner().invoke(app, ["score", str(tmp_path)])
    assert res.exit_code == 3
    assert "没有找到部门数据" in res.stderr


# ------------------------------------------------------------------ issue 9, case 5: money identities in every scope


def _money_run(
    tmp_path: Path,
    ruleset: str,
    *,
    project: dict[str, object],
    dept: dict[str, object],
    budget: list[dict[str, object]],
) -> Run:
    from dept_files import DEPT, FULL, PROJECT, score_dept

    return score_dept(
        tmp_path / ruleset,
        ruleset,
        indicators=list(FULL),
        projects=[{**PROJECT, **project}],
        dept={**DEPT, **dept},
        budget=budget,
    )


BUDGET_OVER = [  # 三公经费 8.60 spent of 8.00 budgeted; 一般公共预算 100.00 of 100.00
    {"科目": "一般公共预算", "年初预算数": 100, "全年预算数": 100, "全年执行数": 100},
    {"科目": "项目支出", "年初预算数": 100, "全年预算数": 100, "全年执行数": 100},
    {"科目": "三公经费", "年初预算数": 8, "全年预算数": 8, "全年执行数": 8.6},
]


@pytest.mark.parametrize("ruleset", ["mof-project", "province-dept"])
def test_money_identities_checked_whatever_the_scope(tmp_path: Path, ruleset: str) -> None:
    # 全年预算 500, 执行 497, 结转结余 0: 500 − 497 = 3 ≠ 0 (before: unflagged). 在职 63 > 编制 60; 三公 8.6 > 8.
    run = _money_run(
        tmp_path,
        ruleset,
        project={"全年预算数": 500, "年初预算数": 500, "全年执行数": 497, "结转结余": 0},
        dept={"编制人数": 60, "在职人数": 63},
        budget=BUDGET_OVER,
    )
    fails = {r.check_id: r.message for r in run.checks.itertuples() if r.status == "fail"}
    assert (
        fails["carryover-identity"]
        == "测试项目：结转结余0.00万元，而全年预算数500.00万元 − 全年执行数497.00万元，两者不符"
    )
    assert fails["sangong-within-budget"] == "测试局：三公经费全年执行数8.60万元超过全年预算数8.00万元"
    assert fails["staff-within-establishment"] == "测试局：在职人数63人，超过编制人数60人"
    assert "spent-within-budget" not in fails


def test_project_ruleset_finds_sangong_and_staff_problems(tmp_path: Path) -> None:
    run = _money_run(tmp_path, "mof-project", project={}, dept={"编制人数": 60, "在职人数": 63}, budget=BUDGET_OVER)
    found = {f.rule_id: f.problem for f in run.findings}
    assert found["sangong-over-budget-check"] == "测试局：三公经费全年执行数8.60万元超过全年预算数8.00万元。"
    assert found["staff-over-establishment-check"] == "测试局：在职人数63人，超过编制人数60人。"


def test_overspending_is_flagged(tmp_path: Path) -> None:
    run = _money_run(tmp_path, "mof-project", project={"全年执行数": 105, "结转结余": 0}, dept={}, budget=[])
    fails = {r.check_id: r.message for r in run.checks.itertuples() if r.status == "fail"}
    assert fails["spent-within-budget"] == "测试项目：全年执行数105.00万元超过全年预算数100.00万元（超支）"
    assert "overspent" in {f.rule_id for f in run.findings}


def test_carryover_within_rounding_passes(tmp_path: Path) -> None:
    # 100 − 96.96 = 3.04 against 结转结余 3.0: within the 0.05 万元 rounding tolerance.
    run = _money_run(tmp_path, "mof-project", project={"全年执行数": 96.96, "结转结余": 3.0}, dept={}, budget=[])
    assert "carryover-identity" not in set(run.checks["check_id"])
