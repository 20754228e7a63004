"""The Parquet bulk reader (issue 15): a folder of one Parquet file per table reads and scores like the CSV folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from scoring import api
from scoring.core.errors import DataError
from scoring.io.parquet import PARQUET_FOLDER, read_parquet
from scoring.io.readers import load, reader_for
from scoring.model.run import Run
from scoring.model.tables import DEPARTMENTS, INDICATORS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import build, write  # noqa: E402


def _outcome(run: Run) -> tuple[object, ...]:
    """What a user reads of a run besides the score frames, without file names (they differ by extension)."""
    return (
        run.counts,
        [(f.rule_id, f.dept_code, f.subjects, f.problem, f.cause, f.measure) for f in run.findings],
        [(r.table, r.source.row, r.source.column, r.reason) for r in run.dataset.rejections],
    )


def test_generated_province_scores_the_same_from_parquet_as_from_csv(tmp_path: Path) -> None:
    tables = build(12, projects=3, indicators=8, seed=3, bad_share=0.05)
    write(tables, tmp_path / "csv", "bulk")
    write(tables, tmp_path / "pq", "bulk", "parquet")
    assert reader_for(tmp_path / "pq") is PARQUET_FOLDER
    from_csv, from_parquet = (api.run_path(tmp_path / d, year=2024) for d in ("csv", "pq"))
    assert from_csv.dataset.rejections  # the 5 % bad rows are there to be rejected alike
    assert _outcome(from_parquet) == _outcome(from_csv)
    pd.testing.assert_frame_equal(
        from_parquet.result.items.drop(columns="_file"), from_csv.result.items.drop(columns="_file")
    )
    pd.testing.assert_frame_equal(from_parquet.result.departments, from_csv.result.departments)
    assert len(from_parquet.result.departments) == 12


def _write(path: Path, df: pd.DataFrame) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_parquet(path, index=False)
    return path


def test_headers_by_alias_text_stripped_blank_and_sample_rows_dropped(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "单位信息.parquet",
        pd.DataFrame(
            {
                "部门编码": ["示例001", " 430203017 ", None],
                "部门名称": ["示例单位", "芦淞区城管局", None],
                "年度": pd.to_datetime(pd.Series(["2024-01-01", "2024-12-31", None])),
            }
        ),
    )
    notices: list[DataError] = []
    df = read_parquet(path, DEPARTMENTS, notices)
    assert df["dept_code"].tolist() == ["430203017"]
    assert df["year"].tolist() == [2024]  # a date stored for 年度 is its year
    assert df["_row"].tolist() == [3]  # record 2 of the file, under one header row
    assert len(notices) == 1 and "已跳过 1 行模板示例" in str(notices[0])


def test_a_file_without_the_required_headers_is_one_problem_of_the_run(tmp_path: Path) -> None:
    _write(
        tmp_path / "bulk" / "单位信息.parquet", pd.DataFrame({"部门编码": ["1"], "部门名称": ["甲"], "年度": [2024]})
    )
    _write(tmp_path / "bulk" / "绩效指标.parquet", pd.DataFrame({"备注": ["x"]}))
    with pytest.raises(Exception, match="找不到表头（应包含 一级指标、三级指标、年度指标值）"):
        read_parquet(tmp_path / "bulk" / "绩效指标.parquet", INDICATORS)
    raw = load(tmp_path / "bulk")
    assert [str(p.args[0]) for p in raw.problems] == ["找不到表头（应包含 一级指标、三级指标、年度指标值）"]


def test_a_corrupt_parquet_file_is_a_data_error_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bulk" / "单位信息.parquet"
    bad.parent.mkdir()
    bad.write_bytes(b"PAR1 not really parquet")
    raw = load(tmp_path / "bulk")
    assert len(raw.problems) == 1 and "无法读取 Parquet 文件" in str(raw.problems[0])
