"""The one module that imports openpyxl: read worksheets as grids of values, write workbooks in one house style.

Reading (`read_grids`): every cell as the user sees it in Excel, the sheet's real extent, merged ranges
filled with their top-left value when asked, and the formula cells saved without a cached value (a file
written by a program and never opened in Excel: openpyxl reads them as blank, the user sees a formula).

- Extent: a read-only openpyxl sheet trusts the <dimension> tag the writing program put in the file, and
  some programs write "A1" there for a whole table, so only the first cell would be read. The tag is
  ignored; rows are read as far as the file holds cells, then padded to one width.
- Values: a number formatted as a percentage (0.95 shown as 95%) is read as the text "95%" when
  `shown=True`; dates come as `datetime` (the caller decides what a date means in its column).

Writing: the styles below are the only ones perfscore uses (header row, sample/to-fill cells, derived
values, totals, links, number formats), `display_width` is the only column-width measure, and text that
starts with "=" is always stored as text, never as a formula Excel cannot compute ("=4次" in 年度指标值).
Styles are plain data (a fill colour, a `FontSpec`, "center"/"wrap") that callers pass to `put`/`style`;
the openpyxl objects are made here.

openpyxl is imported on first use, not with this module: scoring a CSV folder never loads it.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

from scoring.core.atomic import save_atomic
from scoring.core.errors import DataError, PerfscoreError, Source
from scoring.core.escape import xml_text, xml_value
from scoring.core.limits import MAX_CELLS, MAX_UNZIPPED_MB, MAX_ZIP_RATIO, RATIO_FLOOR, Limit, size_text

if TYPE_CHECKING:  # the types callers annotate with; the library itself is imported where it is used
    from openpyxl.cell.cell import Cell as Cell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.styles.borders import Border
    from openpyxl.workbook.workbook import Workbook as Workbook
    from openpyxl.worksheet.worksheet import Worksheet as Worksheet

# ------------------------------------------------------------------ house style

SUFFIXES: Final = (".xlsx", ".xlsm")  # the workbooks openpyxl reads (not .xls, not .xlsb)

SCORE_FMT: Final = "0.00"
MONEY_FMT: Final = "#,##0.00"
PCT_FMT: Final = "0.00%"
INT_FMT: Final = "0"
TEXT_FMT: Final = "@"  # a text column: Excel keeps "=4次" as text and codes keep their leading zeros


# Every cell is set in 宋体 (SimSun), the face of printed 自评表; the font records charset 134 (GB2312) so that
# an office suite without 宋体 substitutes its own Chinese serif (LibreOffice on Linux: Noto Serif CJK SC, the
# named fallback) instead of a Latin face that would show boxes.
BODY_FONT: Final = "宋体"
FALLBACK_FONT: Final = "Noto Serif CJK SC"
GB2312_CHARSET: Final = 134
BODY_SIZE: Final = 11


@dataclass(frozen=True, slots=True)
class FontSpec:
    """A font as data: bold/italic, size in points, colour RRGGBB, underlined (always in BODY_FONT)."""

    bold: bool = False
    italic: bool = False
    size: float | None = None
    color: str | None = None
    underline: bool = False


Align = Literal["center", "wrap"]

HEAD_FILL: Final = "DDEBF7"  # header rows (light blue)
TODO_FILL: Final = "FFF2CC"  # cells a person fills in or overwrites (light yellow)
REVIEW_FILL: Final = "FCE4D6"  # values to confirm: derived, or read loosely (light orange)
TOTAL_FILL: Final = "F2F2F2"  # 总分 / 等级 rows (grey)
BOLD: Final = FontSpec(bold=True)
SAMPLE_FONT: Final = FontSpec(italic=True, color="7F7F7F")  # template sample rows
LINK_FONT: Final = FontSpec(color="0563C1", underline=True)
CENTER: Final[Align] = "center"  # centred both ways, wrapped: headers and labels
WRAP: Final[Align] = "wrap"  # top-aligned, wrapped: long text
_BORDER_COLOR: Final = "999999"  # thin grey grid
_REQUIRED_COLOR: Final = "C00000"  # a required column's header (dark red)
_INVALID_SHEET_CHARS: Final = re.compile(r"[\[\]:*?/\\]")
_OPEN_HINT: Final = "文件可能已损坏、加密或不是 .xlsx；请用 Excel 另存为 .xlsx 后重试"


def title_font(size: float) -> FontSpec:
    """A bold title of `size` points (sheet titles, the first line of 填表说明)."""
    return FontSpec(bold=True, size=size)


@cache
def _fill(color: str) -> PatternFill:
    from openpyxl.styles import PatternFill

    return PatternFill("solid", fgColor=color)


@cache
def _font(spec: FontSpec) -> Font:
    from openpyxl.styles import Font

    return Font(
        name=BODY_FONT,
        charset=GB2312_CHARSET,
        bold=spec.bold,
        italic=spec.italic,
        size=spec.size or BODY_SIZE,
        color=spec.color,
        underline="single" if spec.underline else None,
    )


@cache
def _alignment(align: Align) -> Alignment:
    from openpyxl.styles import Alignment

    if align == "center":
        return Alignment(horizontal="center", vertical="center", wrap_text=True)
    return Alignment(vertical="top", wrap_text=True)


@cache
def _border(on: bool) -> Border:
    from openpyxl.styles import Border, Side

    if not on:
        return Border()
    thin = Side(style="thin", color=_BORDER_COLOR)
    return Border(left=thin, right=thin, top=thin, bottom=thin)


class _Memo:
    """Per workbook: the style array (font, fill, border… ids) each styling of each starting style led to, and the
    style arrays a merge left on its cells. openpyxl hashes every style object on every assignment (most of a
    自评表's writing time); a repeated styling is the same ids, so it is looked up once per workbook."""

    def __init__(self) -> None:
        self.styles: dict[tuple[Any, ...], Any] = {}
        self.merges: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def _ids(cell: Any) -> tuple[int, ...] | None:
    """A cell's style ids (None: no cell, or a cell never styled)."""
    array = None if cell is None else cell._style
    return None if array is None else tuple(array)


_MEMOS: weakref.WeakKeyDictionary[Any, _Memo] = weakref.WeakKeyDictionary()


def _memo(wb: Any) -> _Memo:
    memo = _MEMOS.get(wb)
    if memo is None:
        memo = _MEMOS[wb] = _Memo()
    return memo


def style(
    cell: Cell,
    *,
    fill: str | None = None,
    font: FontSpec | None = None,
    align: Align | None = None,
    border: bool | None = None,
) -> Cell:
    """Give a cell house-style parts: a fill colour, a font, an alignment, the thin grid border (or none)."""
    from openpyxl.styles.cell_style import StyleArray

    if font is None and fill is None and align is None and border is None:
        return cell
    styles = _memo(cell.parent.parent).styles
    key = (_ids(cell), font, fill, align, border)
    done = styles.get(key)
    if done is not None:
        cell._style = StyleArray(done)
        return cell
    if font is not None:
        cell.font = _font(font)
    if fill is not None:
        cell.fill = _fill(fill)
    if align is not None:
        cell.alignment = _alignment(align)
    if border is not None:
        cell.border = _border(border)
    styles[key] = tuple(cell._style)
    return cell


def display_width(text: str) -> int:
    """Columns a string takes in Excel's default font: CJK and full-width characters count double."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def column_letter(col: int) -> str:
    """1 → A, 28 → AB."""
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(col)
    return letter


def sheet_title(name: str, taken: Iterable[str]) -> str:
    """A valid, unique sheet name: no []:*?/\\, at most 31 characters, unique ignoring case (as Excel does)."""
    base = _INVALID_SHEET_CHARS.sub("_", xml_text(name).replace("\n", " ")).strip().strip("'") or "Sheet"
    used = {t.casefold() for t in taken}
    candidate, n = base[:31], 1
    while candidate.casefold() in used:
        n += 1
        suffix = f"({n})"
        candidate = base[: 31 - len(suffix)] + suffix
    return candidate


# ------------------------------------------------------------------ reading


@dataclass(frozen=True, slots=True)
class Grid:
    """One worksheet as values: rows[r][c] is Excel row r+1, column c+1; every row has the same length."""

    title: str
    rows: list[list[object]]
    uncached: Mapping[tuple[int, int], str]
    """0-based (row, column) → formula text, for formula cells saved without a cached value."""


def _open_error(path: Path, exc: Exception) -> DataError:
    return DataError(f"无法打开 Excel 文件（{type(exc).__name__}: {exc}）", source=Source(path), hint=_OPEN_HINT)


def _limit_hint(limit: Limit) -> str:
    return f"文件可能已损坏或为恶意构造；如确为合法的大型工作簿，可设置环境变量 {limit.env} 提高上限"


def check_zip(path: Path) -> None:
    """Refuse, before openpyxl parses anything, a workbook whose members unpack to more than MAX_UNZIPPED_MB in all
    or one whose member compresses more than MAX_ZIP_RATIO times (a zip bomb). Only the zip's directory is read;
    a member whose directory entry lies about its size fails its CRC check when read (zipfile stops at the size
    declared), so the declared sizes bound what is unpacked. DataError naming the file and what was found."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except Exception as exc:  # not a zip, truncated, unreadable: the same error openpyxl's would become
        raise _open_error(path, exc) from exc
    total, limit = sum(i.file_size for i in infos), MAX_UNZIPPED_MB.value()
    if total > limit << 20:
        raise DataError(
            f"解压后 {size_text(total)}，超过上限 {limit} MB", source=Source(path), hint=_limit_hint(MAX_UNZIPPED_MB)
        )
    most = MAX_ZIP_RATIO.value()
    for i in infos:
        if i.file_size >= RATIO_FLOOR and i.file_size > most * max(i.compress_size, 1):
            raise DataError(
                f"压缩包成员「{i.filename}」由 {size_text(i.compress_size)} 解压为 {size_text(i.file_size)}，"
                f"压缩比 {i.file_size // max(i.compress_size, 1)} 倍，超过上限 {most} 倍，疑为压缩炸弹",
                source=Source(path),
                hint=_limit_hint(MAX_ZIP_RATIO),
            )


class _CellBudget:
    """The cells one workbook read may take (MAX_CELLS, over all its sheets): rows are counted as they stream in,
    so a sheet of a hundred million rows stops at the limit instead of filling memory first."""

    def __init__(self, path: Path) -> None:
        self.path, self.limit, self.used = path, MAX_CELLS.value(), 0

    def check(self, cells: int, title: str, found: str) -> None:
        """DataError when `cells` more would pass the limit; `found` says what was found ("读到第 9 行")."""
        if self.used + cells > self.limit:
            before = f"，此前各表已读 {self.used:,} 个" if self.used else ""
            raise DataError(
                f"{found}，单元格超过上限 {self.limit:,} 个{before}",
                source=Source(self.path, title),
                hint=_limit_hint(MAX_CELLS),
            )

    def rows(self, rows: Iterable[Sequence[object]], title: str) -> list[list[object]]:
        """The rows as lists padded to one width (a sheet's real extent). A row counts as at least one cell, so
        millions of empty rows stop too; the padded rectangle must fit as well (one cell at XFD200000 would
        otherwise pad 200,000 rows to 16,384 columns)."""
        out: list[list[object]] = []
        seen = 0
        for row in rows:
            seen += max(len(row), 1)
            if self.used + seen > self.limit:
                self.check(seen, title, f"读到第 {len(out) + 1:,} 行已有 {seen:,} 个单元格")
            out.append(list(row))
        width = max((len(r) for r in out), default=0)
        self.check(len(out) * width, title, f"{len(out):,} 行 × {width:,} 列 = {len(out) * width:,} 个单元格")
        self.used += len(out) * width
        for r in out:
            r.extend([None] * (width - len(r)))
        return out


@contextmanager
def _workbook(path: Path, **options: Any) -> Iterator[Workbook]:
    """openpyxl's workbook of `path`, closed after use. The file is opened here: when load_workbook fails part-way
    (a corrupt member) it leaves the zip it opened unclosed, and a batch of broken files would leak handles."""
    from openpyxl import load_workbook

    with path.open("rb") as fh:
        wb = load_workbook(fh, **options)
        try:
            yield wb
        finally:
            wb.close()


def sheet_names(path: Path) -> tuple[str, ...]:
    """The workbook's sheet names, without reading any cells; DataError if the file cannot be opened or is over
    the size limits (`check_zip`)."""
    check_zip(path)
    try:
        with _workbook(path, read_only=True) as wb:
            return tuple(wb.sheetnames)
    except Exception as exc:  # a corrupt or encrypted file must not stop the other departments
        raise _open_error(path, exc) from exc


def percent_text(v: float | int) -> str:
    """0.9639 → '96.39%' (Decimal, so no 96.39000000000001)."""
    try:
        d = Decimal(repr(float(v))) * 100
    except InvalidOperation:
        return f"{v}"
    text = f"{d:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _shown(cell: Any) -> object:
    """A cell as the user sees it: a number formatted as a percentage becomes '95%' text."""
    v = cell.value
    if isinstance(v, int | float) and not isinstance(v, bool) and "%" in str(getattr(cell, "number_format", "")):
        return percent_text(v)
    return v


def _read_only_rows(ws: Any, shown: bool, budget: _CellBudget) -> list[list[object]]:
    ws.reset_dimensions()  # the real extent, not the <dimension> the writing program claimed
    if shown:
        return budget.rows(([_shown(c) for c in row] for row in ws.iter_rows()), ws.title)
    return budget.rows(ws.iter_rows(values_only=True), ws.title)


def _merged_rows(ws: Any, shown: bool, budget: _CellBudget) -> list[list[object]]:
    # A full (not read-only) sheet knows its extent; check it before iter_rows creates a cell for every position.
    budget.check(
        ws.max_row * ws.max_column,
        ws.title,
        f"{ws.max_row:,} 行 × {ws.max_column:,} 列 = {ws.max_row * ws.max_column:,} 个单元格",
    )
    rows = budget.rows(
        ([_shown(c) for c in row] if shown else [c.value for c in row] for row in ws.iter_rows()), ws.title
    )
    for rng in ws.merged_cells.ranges:
        if rng.min_row > len(rows) or rng.min_col > len(rows[rng.min_row - 1]):
            continue  # a range beyond the cells (a hand-edited file): nothing to fill
        top = rows[rng.min_row - 1][rng.min_col - 1]
        for r in range(rng.min_row - 1, min(rng.max_row, len(rows))):
            for c in range(rng.min_col - 1, min(rng.max_col, len(rows[r]))):
                rows[r][c] = top
    return rows


def _formula_text(v: object) -> str:
    return v if isinstance(v, str) else str(getattr(v, "text", v))  # an array formula keeps its text in .text


def read_grids(
    path: Path,
    wanted: Callable[[str], bool] = lambda _title: True,
    *,
    merged: bool = False,
    shown: bool = False,
    formulas: bool = True,
) -> list[Grid]:
    """The sheets whose title is `wanted`, in workbook order. Formulas are read through their cached values.

    merged=True fills each merged range with its top-left value (this reads the whole workbook into
    memory: openpyxl's streaming mode does not report merged ranges). shown=True reads percentages as
    the text the user sees. formulas=False skips looking for formulas without a cached value (a second
    pass over the file). DataError (with a fix) if the file cannot be opened or read.
    """
    check_zip(path)
    sheets: dict[str, list[list[object]]] = {}
    uncached: dict[str, dict[tuple[int, int], str]] = {}
    try:
        if merged:  # the full load below holds every cell as an object: count them first, streaming
            _count_cells(path, wanted)
        budget = _CellBudget(path)
        with _workbook(path, read_only=not merged, data_only=True) as values:  # data_only: cached formula values
            for ws in values.worksheets:
                if wanted(ws.title):
                    sheets[ws.title] = _merged_rows(ws, shown, budget) if merged else _read_only_rows(ws, shown, budget)
        if sheets and formulas:
            with _workbook(path, read_only=True, data_only=False) as book:
                uncached = {title: _uncached(book[title], rows) for title, rows in sheets.items()}
    except PerfscoreError:  # a limit, or a bad limit setting: as raised
        raise
    except Exception as exc:  # a corrupt or encrypted file must not stop the other departments
        raise _open_error(path, exc) from exc
    return [Grid(title, rows, uncached.get(title, {})) for title, rows in sheets.items()]


_MERGE_REF: Final = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})\"")


def _merged_area(path: Path) -> int:
    """Cells covered by the merged ranges of every sheet, read from the sheet XML: a full load makes an object for
    cells of each range, and one range A1:XFD1048576 would take all memory (found by tests/test_xlsx_fuzz.py)."""
    import zipfile

    from openpyxl.utils import column_index_from_string

    area = 0
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                for m in _MERGE_REF.finditer(zf.read(name)):
                    c1, r1, c2, r2 = (g.decode() for g in m.groups())
                    cols = abs(column_index_from_string(c2) - column_index_from_string(c1)) + 1
                    area += cols * (abs(int(r2) - int(r1)) + 1)
    return area


def _count_cells(path: Path, wanted: Callable[[str], bool]) -> None:
    """Stream the wanted sheets once, only to hold them (and all merged ranges) to MAX_CELLS before a full load."""
    budget = _CellBudget(path)
    merged = _merged_area(path)
    budget.check(merged, "", f"合并单元格区域共 {merged:,} 个单元格")
    with _workbook(path, read_only=True, data_only=True) as book:
        for ws in book.worksheets:
            if wanted(ws.title):
                ws.reset_dimensions()
                seen = 0
                for n, row in enumerate(ws.iter_rows(values_only=True), start=1):
                    seen += max(len(row), 1)
                    if budget.used + seen > budget.limit:
                        budget.check(seen, ws.title, f"读到第 {n:,} 行已有 {seen:,} 个单元格")
                budget.used += seen


def _uncached(ws: Any, rows: list[list[object]]) -> dict[tuple[int, int], str]:
    """Formula cells (of the formulas-not-values read of the sheet) whose cached value in `rows` is blank."""
    ws.reset_dimensions()
    return {
        (r, c): _formula_text(cell.value)
        for r, row in enumerate(ws.iter_rows())
        for c, cell in enumerate(row)
        if getattr(cell, "data_type", None) == "f" and r < len(rows) and c < len(rows[r]) and rows[r][c] is None
    }


# ------------------------------------------------------------------ writing


def new_workbook(first_sheet: str | None = None) -> tuple[Workbook, Worksheet | None]:
    """An empty workbook and its first sheet named `first_sheet`; with None, no sheet at all."""
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    wb = Workbook()
    # The workbook's default font (style 0) is 宋体 too, so cells without a style of their own are not Calibri.
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    wb._fonts = IndexedList([Font(name=BODY_FONT, charset=GB2312_CHARSET, sz=BODY_SIZE)])
    ws = wb.active
    assert isinstance(ws, Worksheet)
    if first_sheet is None:
        wb.remove(ws)
        return wb, None
    ws.title = first_sheet
    return wb, ws


def _as_text(cell: Cell) -> None:
    """Keep a value like '=1个' (年度指标值) as text: openpyxl would store it as a formula Excel cannot compute."""
    if isinstance(cell.value, str) and cell.value.startswith("="):
        cell.data_type = "s"
        cell.quotePrefix = True


def put(
    ws: Worksheet,
    row: int,
    col: int,
    value: Any,
    fmt: str | None = None,
    *,
    bold: bool = False,
    fill: str | None = None,
    align: Align | None = None,
    border: bool = True,
    font: FontSpec | None = None,
) -> Cell:
    """Write one cell: `fmt` applies to numbers only; text starting with "=" stays text; control characters an
    xlsx cannot hold are stripped (a name with \x0b must not crash the writer)."""
    cell: Cell = ws.cell(row=row, column=col, value=xml_value(value))
    _as_text(cell)
    if fmt and isinstance(value, int | float):
        cell.number_format = fmt
    return style(
        cell,
        fill=fill,
        font=font if font is not None else (BOLD if bold else None),
        align=align,
        border=True if border else None,
    )


def header(
    ws: Worksheet, row: int, headers: Sequence[str], col: int = 1, *, required: Sequence[bool] | None = None
) -> list[Cell]:
    """A header row: bold, light blue, centred and bordered; `required` columns' names in dark red."""
    out = []
    for i, h in enumerate(headers):
        font = None
        if required is not None:
            font = FontSpec(bold=True, color=_REQUIRED_COLOR if required[i] else "000000")
        out.append(put(ws, row, col + i, h, bold=True, fill=HEAD_FILL, align=CENTER, font=font))
    return out


def write_rows(
    ws: Worksheet,
    top: int,
    rows: Iterable[Sequence[Any]],
    formats: dict[int, str] | None = None,
    wrap: Iterable[int] = (),
    *,
    border: bool = True,
) -> int:
    """Rows of values from row `top`; formats and wrap are 0-based column indexes. Returns the next free row."""
    formats = formats or {}
    wrap_cols = set(wrap)
    r = top - 1
    for r, values in enumerate(rows, start=top):
        for c, v in enumerate(values):
            put(ws, r, c + 1, v, formats.get(c), align=WRAP if c in wrap_cols else None, border=border)
    return r + 1


def merge(ws: Worksheet, row1: int, col1: int, row2: int, col2: int, *, border: bool | None = True) -> None:
    """Merge a range (a single cell is left alone); every cell of it keeps the border (border=None: the borders
    as openpyxl's merge leaves them)."""
    if (row1, col1) == (row2, col2):
        return
    _merge_cells(ws, row1, col1, row2, col2)
    if border is not None:
        for r in range(row1, row2 + 1):
            for c in range(col1, col2 + 1):
                style(ws.cell(row=r, column=c), border=border)


def _merge_cells(ws: Worksheet, row1: int, col1: int, row2: int, col2: int) -> None:
    """`ws.merge_cells`, remembered per workbook: what it leaves on the range's cells (the top-left cell keeps its
    value, the rest become MergedCells; borders and protection copied from the top-left cell, the bottom-right's
    border taken into it) depends only on the range's shape and the style ids of those two cells."""
    from openpyxl.cell.cell import MergedCell
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.worksheet.cell_range import CellRange
    from openpyxl.worksheet.merge import MergedCellRange

    start, end = ws._cells.get((row1, col1)), ws._cells.get((row2, col2))
    merges = _memo(ws.parent).merges
    key = (row2 - row1, col2 - col1, _ids(start), _ids(end))
    coords = [(r, c) for r in range(row1, row2 + 1) for c in range(col1, col2 + 1)]
    done = merges.get(key)
    if start is None or done is None:
        ws.merge_cells(start_row=row1, start_column=col1, end_row=row2, end_column=col2)
        merges[key] = tuple(tuple(ws._cells[rc]._style) for rc in coords)
        return
    mcr = MergedCellRange.__new__(MergedCellRange)  # as MergedCellRange(ws, coord), without restyling the cells
    CellRange.__init__(mcr, min_col=col1, min_row=row1, max_col=col2, max_row=row2)
    mcr.ws, mcr.start_cell = ws, start
    ws.merged_cells.add(mcr)
    for rc, array in zip(coords, done, strict=True):
        cell = start if rc == (row1, col1) else MergedCell(ws, *rc)
        ws._cells[rc] = cell
        cell._style = StyleArray(array)


def fit_widths(
    ws: Worksheet, *, fixed: Mapping[int, float] | None = None, start_row: int = 1, minimum: int = 8, maximum: int = 60
) -> None:
    """Column widths from the widest value (display width + 2, numbers as shown), within minimum..maximum;
    rows above `start_row` (merged titles) do not count; `fixed` columns (1-based) take the width given."""
    fixed = fixed or {}
    widths: dict[int, int] = {}
    for row in ws.iter_rows(min_row=start_row):
        for cell in row:
            if cell.value is None or not hasattr(cell, "column"):
                continue
            v = cell.value
            shown = f"{v:,.2f}" if isinstance(v, float) else str(v)
            assert cell.column is not None
            widths[cell.column] = max(widths.get(cell.column, 0), display_width(shown))
    for col, w in widths.items():
        ws.column_dimensions[column_letter(col)].width = fixed.get(col, min(max(w + 2, minimum), maximum))
    set_widths(ws, fixed)


def set_widths(ws: Worksheet, widths: Mapping[int, float]) -> None:
    """Set column widths by 1-based column number."""
    for col, width in widths.items():
        ws.column_dimensions[column_letter(col)].width = width


def text_column(ws: Worksheet, col: int) -> None:
    """Format a whole column as text, so what a person types there later stays text."""
    ws.column_dimensions[column_letter(col)].number_format = TEXT_FMT


def as_text_cell(cell: Cell) -> None:
    """Store this cell as text in a text-formatted cell ("=0次" stays text, "001" keeps its zeros)."""
    cell.data_type, cell.number_format = "s", TEXT_FMT


def link(cell: Cell, sheet: str) -> None:
    """Make the cell a link to A1 of `sheet`, shown as a link."""
    cell.hyperlink = f"#'{sheet}'!A1"
    cell.font = _font(LINK_FONT)


def add_comment(cell: Cell, text: str, *, width: int | None = None, height: int | None = None) -> None:
    """A note on the cell, signed perfscore."""
    from openpyxl.comments import Comment

    if width is None and height is None:
        cell.comment = Comment(text, "perfscore")
    else:
        cell.comment = Comment(text, "perfscore", height=height or 79, width=width or 144)


def add_validation(ws: Worksheet, area: str, **options: Any) -> None:
    """A data validation (drop-down list, whole-number range, input prompt) over `area` ("B2:B1001");
    `options` are those of the OOXML dataValidation element (type, formula1, prompt, error, …)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    dv = DataValidation(**options)
    dv.add(area)
    ws.add_data_validation(dv)


def define_name(wb: Workbook, name: str, ref: str) -> None:
    """A workbook-level name for a range, e.g. for INDIRECT() in a dependent drop-down."""
    from openpyxl.workbook.defined_name import DefinedName

    wb.defined_names[name] = DefinedName(name, attr_text=ref)


def print_landscape(ws: Worksheet, title_rows: str | None = None) -> None:
    """Printed as people print a 自评表: A4 landscape, all columns on one page width, centred, page numbers at
    the foot; `title_rows` ("8:8") repeat on every printed page (the table header)."""
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if title_rows is not None:
        ws.print_title_rows = title_rows
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def save(wb: Workbook, path: Path) -> Path:
    """Write the workbook atomically (creating the folder; a killed run leaves the previous file) and return its path."""
    save_atomic(path, wb.save)
    return path


def table_sheet(
    wb: Workbook,
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Mapping[int, str],
    *,
    top: int = 1,
    wrap: Iterable[int] = (),
    fixed: Mapping[int, float] | None = None,
    empty: str = "无",
) -> Worksheet:
    """A sheet holding one table: header at row `top`, its rows below (or `empty` in the first cell), widths fitted,
    the header frozen and repeated on every printed page, A4 landscape (the 汇总表's and the comparison's sheets)."""
    ws = wb.create_sheet(title)
    header(ws, top, headers)
    write_rows(ws, top + 1, rows, dict(formats), wrap)
    if not rows:
        ws.cell(row=top + 1, column=1, value=empty)
    fit_widths(ws, fixed=fixed, start_row=top)
    ws.freeze_panes = ws.cell(row=top + 1, column=1)
    print_landscape(ws, title_rows=f"{top}:{top}")
    return ws
