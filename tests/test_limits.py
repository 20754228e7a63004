"""Input limits (scoring/core/limits.py): a zip bomb or a sheet that claims billions of cells is refused with a
DataError naming the file and what was found, before it takes the machine's memory."""

from __future__ import annotations

import re
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest

from scoring.adapters.xlsx import check_zip, read_grids
from scoring.core.errors import InputError, UsageError
from scoring.core.limits import LIMITS, MAX_CELLS, MAX_UNZIPPED_MB, MAX_ZIP_RATIO, size_text
from scoring.io.readers import load

ROOT = Path(__file__).resolve().parent.parent
SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def workbook_with_sheet_xml(path: Path, sheet_data: str) -> Path:
    """A valid one-sheet workbook (sheet 绩效指标) whose <sheetData> is replaced by `sheet_data`."""
    base = path.with_suffix(".base.xlsx")
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "绩效指标"
    ws["A1"] = "部门编码"
    wb.save(base)
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == SHEET:
                data = (
                    f'<worksheet xmlns="{NS}"><dimension ref="A1"/><sheetData>{sheet_data}</sheetData></worksheet>'
                ).encode()  # a lying dimension, as some programs write
            out.writestr(info.filename, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    base.unlink()
    return path


def dense_rows(rows: int, cols: int = 1) -> str:
    """`rows` rows of `cols` numeric cells, without r= (rows and cells are then numbered in order, as the
    standard allows): the same few bytes repeated, so a few MB of XML deflates to a few KB."""
    return ("<row>" + "<c><v>1</v></c>" * cols + "</row>") * rows


@pytest.fixture
def bomb(tmp_path: Path) -> Path:
    """About 4 MB of sheet XML in a few KB of zip."""
    return workbook_with_sheet_xml(tmp_path / "炸弹.xlsx", dense_rows(50_000, 5))


@pytest.fixture
def past_ratio(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the bomb past the compression-ratio check, to reach the limits after it."""
    monkeypatch.setenv(MAX_ZIP_RATIO.env, "100000")


def test_bomb_is_a_small_file_that_unpacks_big(bomb: Path) -> None:
    with zipfile.ZipFile(bomb) as zf:
        sheet = zf.getinfo(SHEET)
    assert sheet.file_size > 3 << 20 and bomb.stat().st_size < 20 << 10


def test_unzipped_total_over_limit_is_refused_before_parsing(bomb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_UNZIPPED_MB.env, "2")
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"解压后 \d+\.\d MB，超过上限 2 MB") as info:
            read_grids(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(bomb) in str(info.value) and MAX_UNZIPPED_MB.env in str(info.value)
    assert peak < 1 << 20  # only the zip's directory was read


def test_bomb_in_a_folder_rejects_only_its_department(bomb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_UNZIPPED_MB.env, "2")
    raw = load(bomb)
    assert [str(p) for p in raw.problems] and "超过上限 2 MB" in str(raw.problems[0])


def test_compression_ratio_over_limit_is_refused(bomb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(
        InputError,
        match=r"「xl/worksheets/sheet1.xml」由 \d+\.\d KB 解压为 4.1 MB，压缩比 \d{3,} 倍，"
        r"超过上限 200 倍，疑为压缩炸弹",
    ) as info:
        read_grids(bomb)
    assert MAX_ZIP_RATIO.env in str(info.value)
    monkeypatch.setenv(MAX_ZIP_RATIO.env, "5000")
    check_zip(bomb)


def test_small_members_are_never_refused_for_their_ratio(tmp_path: Path) -> None:
    check_zip(workbook_with_sheet_xml(tmp_path / "small.xlsx", dense_rows(10_000)))  # ≈150 KB at ratio > 200


def test_cells_over_limit_stop_while_streaming(bomb: Path, past_ratio: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_CELLS.env, "1000")
    with pytest.raises(InputError, match="读到第 201 行已有 1,005 个单元格，单元格超过上限 1,000 个"):
        read_grids(bomb)
    with pytest.raises(InputError, match="单元格超过上限 1,000 个"):
        read_grids(bomb, merged=True)  # the full load (MoF forms) counts first, streaming


def test_cells_within_limit_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_CELLS.env, "10000")
    (grid,) = read_grids(workbook_with_sheet_xml(tmp_path / "ok.xlsx", dense_rows(2_000, 5)), formulas=False)
    assert len(grid.rows) == 2_000 and grid.rows[-1] == [1] * 5


def test_one_far_cell_does_not_pad_to_billions(tmp_path: Path) -> None:
    """A cell at XFD200000 would make 200,000 rows × 16,384 columns (3.3 billion cells; main was killed)."""
    path = workbook_with_sheet_xml(
        tmp_path / "far.xlsx",
        '<row r="1"><c r="A1" t="inlineStr"><is><t>部门编码</t></is>'
        '</c></row><row r="200000"><c r="XFD200000"><v>1</v></c></row>',
    )
    for merged in (False, True):
        with pytest.raises(InputError, match="200,000 行 × 16,384 列 = 3,276,800,000 个单元格，单元格超过上限"):
            read_grids(path, merged=merged)


def test_millions_of_empty_rows_stop_at_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(MAX_CELLS.env, "50000")
    path = workbook_with_sheet_xml(tmp_path / "tall.xlsx", '<row r="99999999"><c r="A99999999"><v>1</v></c></row>')
    with pytest.raises(InputError, match="读到第 50,001 行"):
        read_grids(path)


@pytest.mark.parametrize("value", ["many", "0", "-5", "1e9"], ids=["word", "zero", "negative", "float"])
def test_bad_limit_setting_is_a_usage_error(
    value: str, bomb: Path, past_ratio: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MAX_CELLS.env, value)
    with pytest.raises(UsageError, match=f"环境变量 {MAX_CELLS.env}='{re.escape(value)}' 不是正整数"):
        read_grids(bomb)


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 B"), (5000, "4.9 KB"), (2254857830, "2.1 GB"), (200 << 20, "200.0 MB")],
    ids=["zero", "kb", "gb", "mb"],
)
def test_size_text(n: int, text: str) -> None:
    assert size_text(n) == text


def test_readme_lists_every_limit() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## 输入上限 · Input limits", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| `(PERFSCORE_\w+)` \| ([\d,]+) ", section, re.M))
    assert rows == {limit.env: f"{limit.default:,}" for limit in LIMITS}


def test_one_huge_merged_range_is_refused_before_the_full_load(tmp_path: Path) -> None:
    """openpyxl makes objects for the cells of a merged range when it loads a whole workbook (the MoF reader):
    A1:XFD1048576 took 44 s and every byte of a 3 GB limit (found by tests/test_xlsx_fuzz.py)."""
    path = workbook_with_sheet_xml(tmp_path / "merge.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[SHEET] = members[SHEET].replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(InputError, match="合并单元格区域共 17,179,869,184 个单元格，单元格超过上限 5,000,000 个"):
        read_grids(path, merged=True)
