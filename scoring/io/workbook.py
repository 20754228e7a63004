"""Reader for the perfscore workbook: the sheets `perfscore template` writes (单位信息, 预算收支, 项目支出, 绩效指标 …).

A sheet's table comes from its name (exact, or ending in one: "2024绩效指标"); other sheets are ignored.
Cells are read as the user sees them: an Excel date in 年度 is its year (`scoring.io.raw`), a number
formatted as a percentage (0.95 shown as 95%) is the text "95%". A formula saved without a cached value
(a file written by a program, never opened in Excel) reads as blank, with a notice naming the cell.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from scoring.adapters.xlsx import SUFFIXES, Grid, column_letter, read_grids, sheet_names
from scoring.core.errors import DataError, Source
from scoring.io.raw import build_frame, sheet_table
from scoring.io.reader import Reader
from scoring.model.tables import Table


def has_template_sheets(path: Path) -> bool:
    """Whether any sheet is named after an input table (only the sheet names are read)."""
    return any(sheet_table(name) is not None for name in sheet_names(path))


def read_workbook(path: Path, notices: list[DataError]) -> Iterator[tuple[Table, pd.DataFrame]]:
    """The raw tables of the sheets named after input tables."""
    grids = read_grids(path, lambda title: sheet_table(title) is not None, shown=True)
    notices.extend(_uncached_formulas(path, grids))
    for grid in grids:
        table = sheet_table(grid.title)
        assert table is not None  # read_grids kept only such sheets
        yield table, build_frame(table, grid.rows, path, grid.title, notices)


def _uncached_formulas(path: Path, grids: Iterable[Grid]) -> list[DataError]:
    """One notice per sheet whose formula cells have no cached result (saved by a program, never by Excel):
    they read as blank, and the user sees a formula, so say which cells."""
    out = []
    for grid in grids:
        if grid.uncached:
            (r, c), v = min(grid.uncached.items())
            out.append(
                DataError(
                    f"{len(grid.uncached)} 个公式单元格没有缓存的计算结果，按空值读取（如 {column_letter(c + 1)}{r + 1}「{v}」）",
                    source=Source(path, grid.title, r + 1),
                    hint="请在 Excel 或 WPS 中打开并保存后重试；本意是文字的，请在前面加英文单引号或写全角“＝”",
                )
            )
    return out


WORKBOOK = Reader(
    "workbook",
    "perfscore 模板工作簿（单位信息、项目支出、绩效指标等工作表）",
    read_workbook,
    suffixes=SUFFIXES,
    recognises=has_template_sheets,
)
