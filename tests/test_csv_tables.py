"""CSV reading streams and chunks (scoring/io/csv_tables.py): the same table as one whole-file read, in memory
that is a small multiple of the file, whatever the chunk size."""

from __future__ import annotations

import csv
import io
import random
import sys
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from scoring.core.errors import DataError
from scoring.io import csv_tables
from scoring.io.csv_tables import read_csv
from scoring.io.raw import build_frame, read_text
from scoring.io.readers import load
from scoring.model.tables import INDICATORS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from generate import build, write  # noqa: E402

HEADER = ["部门编码", "项目编码", "一级指标", "二级指标", "三级指标", "年度指标值", "实际完成值", "备注"]


def indicator_csv(path: Path, rows: int, *, encoding: str = "utf-8", late_chinese: bool = False) -> Path:
    """An indicator table of `rows` rows with what real exports hold: a title line above the header, blank
    lines, template samples, quoted cells with commas and newlines, short and long rows, spaces to strip.
    late_chinese: ASCII only until the last row (so a GB18030 file decodes as UTF-8 until its end)."""
    rnd = random.Random(rows)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(["2024年度项目绩效指标"])
    w.writerow(HEADER)
    w.writerow(["示例001", "P0", "产出指标", "数量指标", "示例", "≥1", "1"])
    for i in range(rows):
        dept = f"D{i // 100:05d}"
        if i % 997 == 0:
            w.writerow([])
            continue
        name = (
            f"zhibiao{i % 10}" if late_chinese else f"指标{i % 10}，“说明”\n第二行" if i % 501 == 0 else f"指标{i % 10}"
        )
        level = "output" if late_chinese else "产出指标"
        row = [
            f" {dept} ",
            f"P{i % 10:03d}",
            level,
            "quantity" if late_chinese else "数量指标",
            name,
            f">={rnd.randint(1, 5000)}",
            f"{rnd.random() * 100:.2f}",
            "",
        ]
        w.writerow(row[: 5 + i % 4] if i % 313 == 0 else row)
    if late_chinese:
        w.writerow(["D99999", "P999", "产出指标", "数量指标", "最后一行", "≥1", "1"])
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def whole_file_read(path: Path) -> pd.DataFrame:
    """The table as the reader built it before streaming: the whole text, then every row, then one frame."""
    return build_frame(INDICATORS, list(csv.reader(io.StringIO(read_text(path)))), path, None, [], chunk_rows=10**9)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return indicator_csv(tmp_path_factory.mktemp("csv") / "绩效指标.csv", 15_000)  # ≈ 1 MB


@pytest.mark.parametrize("chunk_rows", [1, 7, 4_096, 10**9], ids=["one", "seven", "4096", "unchunked"])
def test_chunked_read_equals_whole_file_read(big: Path, chunk_rows: int) -> None:
    notices: list[DataError] = []
    got = read_csv(big, INDICATORS, notices, chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(got, whole_file_read(big))
    assert len(got) == 15_000 - len(range(0, 15_000, 997))
    assert [str(n) for n in notices] == [
        f"{big} 第3行 「部门编码」列：已跳过 1 行模板示例（第 3 行，部门编码以“示例”开头）"
        "（填写本单位数据时请覆盖或删除示例行）"
    ]


def test_rows_keep_their_numbers_across_chunks(big: Path) -> None:
    got = read_csv(big, INDICATORS, chunk_rows=7)
    first = got.iloc[0]
    assert (first["dept_code"], first["_row"]) == ("D00000", 5)  # title, header, sample, blank line (i = 0)
    assert got["_row"].is_monotonic_increasing and got["_row"].is_unique


@pytest.mark.parametrize("encoding", ["gb18030", "utf-16", "utf-8-sig"])
def test_encoding_decided_at_the_end_of_the_file(tmp_path: Path, encoding: str) -> None:
    """A GB18030 file whose first Chinese character is in its last row decodes as UTF-8 until then: it is read
    again as GB18030, and its notices are given once."""
    path = indicator_csv(tmp_path / "绩效指标.csv", 3_000, encoding=encoding, late_chinese=True)
    notices: list[DataError] = []
    got = read_csv(path, INDICATORS, notices, chunk_rows=100)
    pd.testing.assert_frame_equal(got, whole_file_read(path))
    assert got["name"].iloc[-1] == "最后一行" and len(notices) == 1


def test_undecodable_file_is_a_data_error(tmp_path: Path) -> None:
    path = tmp_path / "绩效指标.csv"
    path.write_bytes(",".join(HEADER).encode() + b"\n\xff\xfe\x00\x81\x30\n")
    with pytest.raises(DataError, match="无法识别文件编码"):
        read_csv(path, INDICATORS)


def traced_peak(read: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_peak_memory_is_a_small_multiple_of_the_file(big: Path) -> None:
    """The whole-text read holds the text, a list and a dict per row at once (≈ 21× the file in Python objects
    here; a 106 MB CSV took 2.3 GB). Streaming holds one chunk's records, a pointer a cell and the distinct texts
    (≈ 5× here, with chunks of 1,000 rows for a file of 15,000)."""
    size = big.stat().st_size
    streamed = traced_peak(lambda: read_csv(big, INDICATORS, chunk_rows=1_000))
    whole = traced_peak(lambda: whole_file_read(big))
    assert streamed < 7 * size, f"峰值 {streamed / size:.1f} 倍文件大小"
    assert whole > 3 * streamed


def _departments_tree(root: Path) -> Path:
    """Six department folders as a province's units send them: one leaves the optional 项目支出 column 资金性质
    out (so that column is blank in its file only), one leaves 部门编码 blank in 绩效指标 (filled from 单位信息),
    one holds a small file in GB18030 and one a tab-separated file."""
    tables = build(6, projects=2, indicators=3, seed=5)
    write(tables, root, "folders")
    folders = sorted(p for p in root.iterdir() if p.is_dir())
    proj = folders[1] / "项目支出.csv"
    df = pd.read_csv(proj, dtype=str)
    df.drop(
        columns=[c for c in df.columns if c not in ("部门编码", "项目编码", "项目名称", "全年预算数", "全年执行数")]
    ).to_csv(proj, index=False)
    ind = folders[2] / "绩效指标.csv"
    df = pd.read_csv(ind, dtype=str)
    df["部门编码"] = ""
    df.to_csv(ind, index=False)
    gb = folders[3] / "绩效指标.csv"
    gb.write_bytes(gb.read_text(encoding="utf-8").encode("gb18030"))
    tab = folders[4] / "项目支出.csv"
    pd.read_csv(tab, dtype=str).to_csv(tab, index=False, sep="\t")
    return root


def test_folder_of_departments_loads_as_one_frame_per_file_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Small files are gathered column by column into one DataFrame per table (issue 15); the tables equal those
    of the former path, a DataFrame per file concatenated, cell for cell and dtype for dtype."""
    root = _departments_tree(tmp_path / "in")
    gathered = load(root)
    monkeypatch.setattr(csv_tables, "SMALL_FILE_BYTES", 0)  # every file read whole into its own DataFrame
    per_file = load(root)
    assert gathered.problems == per_file.problems
    for key, frame in per_file.tables.items():
        pd.testing.assert_frame_equal(gathered.tables[key], frame, check_exact=True)
    ind = gathered["indicators"]
    assert ind["dept_code"].notna().all() and (ind["dept_code"] != "").all()  # blank codes filled
    assert len(gathered["projects"]) == 12 and len(ind) == 36
