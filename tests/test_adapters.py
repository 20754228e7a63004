"""The heavy-library adapters: xlsx cells read as the user sees them (real extent, merged ranges, percentages,
formulas without a cached value), the house style written and read back, and docx lines read in order."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import docx
import openpyxl
import pytest

from scoring.adapters import docx as docx_adapter
from scoring.adapters import xlsx
from scoring.core.errors import DataError
from scoring.io.load import load_path


def _rewrite_dimension(path: Path, ref: str) -> None:
    """Replace every sheet's <dimension ref> the way some writing programs get it wrong."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
            dst.writestr(item, data)
    tmp.replace(path)


def test_read_grids_reads_the_real_extent_not_the_claimed_dimension(tmp_path: Path) -> None:
    path = tmp_path / "dim.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "表"
    for r in range(1, 6):
        ws.cell(row=r, column=1, value=f"r{r}")
    ws.cell(row=3, column=4, value=7)
    wb.save(path)
    _rewrite_dimension(path, "A1")
    probe = openpyxl.load_workbook(path, read_only=True)  # what a reader trusting the tag sees
    assert len(list(probe["表"].iter_rows(values_only=True))) == 1
    probe.close()
    (grid,) = xlsx.read_grids(path)
    assert grid.rows == [
        ["r1", None, None, None],
        ["r2", None, None, None],
        ["r3", None, None, 7],
        ["r4", None, None, None],
        ["r5", None, None, None],
    ]


def test_a_template_workbook_with_a_wrong_dimension_loads_every_row(tmp_path: Path) -> None:
    path = tmp_path / "dept.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位信息"
    ws.append(["部门编码", "部门名称", "年度"])
    ws.append(["D1", "甲局", 2024])
    ws.append(["D2", "乙局", 2024])
    wb.save(path)
    _rewrite_dimension(path, "A1:A1")
    assert load_path(path)["departments"]["dept_name"].tolist() == ["甲局", "乙局"]


def test_read_grids_fills_merged_ranges_and_shows_percentages(tmp_path: Path) -> None:
    path = tmp_path / "m.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "产出指标"
    ws.merge_cells("A1:A3")
    ws["B1"] = 0.9639
    ws["B1"].number_format = "0.00%"
    ws["B2"] = 0.95
    wb.save(path)
    (merged,) = xlsx.read_grids(path, merged=True, shown=True)
    assert [row[0] for row in merged.rows] == ["产出指标"] * 3
    assert merged.rows[0][1] == "96.39%" and merged.rows[1][1] == 0.95  # only the %-formatted cell
    (plain,) = xlsx.read_grids(path)
    assert [row[0] for row in plain.rows] == ["产出指标", None, None] and plain.rows[0][1] == 0.9639


def test_read_grids_names_formulas_without_a_cached_value(tmp_path: Path) -> None:
    path = tmp_path / "f.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"], ws["A2"], ws["B3"] = 1, "=A1*2", "=SUM(A1:A2)"  # openpyxl saves formulas with no cached value
    wb.save(path)
    (grid,) = xlsx.read_grids(path)
    assert grid.uncached == {(1, 0): "=A1*2", (2, 1): "=SUM(A1:A2)"}
    assert grid.rows[1][0] is None


@pytest.mark.parametrize("content", [b"not a zip", b""], ids=["garbage", "empty"])
def test_unreadable_workbook_is_a_data_error_with_a_fix(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "坏.xlsx"
    path.write_bytes(content)
    for call in (lambda: xlsx.read_grids(path), lambda: xlsx.sheet_names(path)):
        with pytest.raises(DataError, match="无法打开 Excel 文件") as info:
            call()
        assert "另存为 .xlsx" in info.value.hint


@pytest.mark.parametrize(
    ("text", "width"),
    [
        ("P01 项目", 8),
        ("abc", 3),
        ("（全角）", 8),
        ("≥95%", 4),
        ("", 0),
    ],
    ids=["mixed", "ascii", "fullwidth", "ambiguous-narrow", "empty"],
)
def test_display_width(text: str, width: int) -> None:
    assert xlsx.display_width(text) == width


def test_written_cells_keep_text_and_style_read_back(tmp_path: Path) -> None:
    wb, ws = xlsx.new_workbook("表")
    assert ws is not None
    xlsx.header(ws, 1, ["指标", "年度指标值", "得分"], required=[True, False, False])
    nxt = xlsx.write_rows(ws, 2, [["立案数", "=4次", 9.456], ["结案率", "≥95%", 10]], {2: xlsx.SCORE_FMT})
    xlsx.fit_widths(ws)
    out = xlsx.save(wb, tmp_path / "sub" / "out.xlsx")
    assert nxt == 4
    back = openpyxl.load_workbook(out)["表"]
    assert [[c.value for c in row] for row in back.iter_rows()] == [
        ["指标", "年度指标值", "得分"],
        ["立案数", "=4次", 9.456],
        ["结案率", "≥95%", 10],
    ]
    assert back["B2"].data_type == "s"  # "=4次" is text, not a formula Excel cannot compute
    assert back["C2"].number_format == "0.00"
    assert back["A1"].font.bold and back["A1"].font.color.rgb.endswith("C00000")
    assert back["B1"].fill.fgColor.rgb.endswith("DDEBF7")
    # widest cell + 2, at least 8: 年度指标值 is 10 columns wide in Excel's font, 9.456 shows as 9.46
    assert back.column_dimensions["B"].width == 12 and back.column_dimensions["C"].width == 8


def test_docx_lines_are_paragraphs_and_table_rows_in_order(tmp_path: Path) -> None:
    path = tmp_path / "r.docx"
    document = docx.Document()
    document.add_paragraph("一、基本情况")
    table = document.add_table(rows=2, cols=3)
    for r, values in enumerate([("项目", "预算", "支出"), ("道路", "10", "9")]):
        for c, v in enumerate(values):
            table.cell(r, c).text = v
    table.cell(0, 1).merge(table.cell(0, 2))
    document.add_paragraph("二、绩效情况")
    document.save(str(path))
    assert docx_adapter.read_lines(path) == ("一、基本情况", "项目\t预算 支出", "道路\t10\t9", "二、绩效情况")


@dataclass
class _Block:
    kind: str
    text: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


def test_docx_official_document_writes_headings_tables_and_fonts(tmp_path: Path) -> None:
    blocks = [
        _Block("h1", "标题"),
        _Block("p", "正文【待单位补充：职能】"),
        _Block("table", headers=["甲", "乙"], rows=[["1", "2.50"]]),
    ]
    docx_adapter.write_official_document(blocks, tmp_path / "w.docx")
    back = docx.Document(str(tmp_path / "w.docx"))
    assert [p.text for p in back.paragraphs] == ["标题", "正文【待单位补充：职能】"]
    assert back.paragraphs[0].style.name == "Title"
    section = back.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    assert [[c.text for c in r.cells] for r in back.tables[0].rows] == [["甲", "乙"], ["1", "2.50"]]
    assert back.tables[0].rows[1].cells[1].paragraphs[0].alignment == 2  # numbers right-aligned
    assert sum(c.width.cm for c in back.tables[0].columns) == pytest.approx(15.6, abs=0.01)  # the text width
    placeholder = back.paragraphs[1].runs[-1]
    assert placeholder.text == "【待单位补充：职能】" and placeholder.font.highlight_color is not None


def test_scoring_a_csv_folder_loads_no_heavy_library() -> None:
    """The adapters import their library on first use, so a CSV run starts without openpyxl, python-docx, jinja2."""
    code = (
        "import sys; from pathlib import Path; from scoring.api import run_path; "
        "run_path(Path('examples/lusong-chengguan'), year=2024); "
        "print(sorted(m for m in ('openpyxl', 'docx', 'jinja2') if m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
