"""Load department data (xlsx workbooks, CSV folders, folders of departments) into raw tables.

Cells are kept as written (text stays text); `scoring.validate` turns them into typed values.
Every row carries its source: `_file`, `_sheet`, `_row` (the 1-based row the user sees).

A few cells are read as the user sees them rather than as stored: an Excel date in 年度 is its year, and a
number formatted as a percentage in Excel (0.95 shown as 95%) is read as the text "95%". Rows whose 部门编码
starts with 「示例」 are the samples of `perfscore template`: they are skipped, with a notice. A workbook
without the template sheets is read as the MoF 项目支出绩效自评表 layout (`scoring.load_mof`).
Notices (skipped samples, formulas without cached values, unreadable files) go to `RawData.problems`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.core.errors import DataError, Source
from scoring.model.tables import SOURCE_COLUMNS, TABLES, Table
from scoring.rules.indicators import normalize_name

ENCODINGS = ("utf-8-sig", "gb18030")
SAMPLE_MARK = "示例"
"""A 部门编码 starting with this marks a sample row of `perfscore template`; such rows are skipped."""


@dataclass(frozen=True)
class RawData:
    """The four input tables as read, one row per spreadsheet row, plus the files read."""

    tables: dict[str, pd.DataFrame]
    files: tuple[Path, ...] = ()
    problems: tuple[DataError, ...] = field(default=())

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self.tables[key]


def read_text(path: Path) -> str:
    """Decode a text file written in UTF-8 (with or without BOM), GB18030/GBK, or UTF-16 (Excel's
    "Unicode 文本" export), without being told which."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16")
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataError("无法识别文件编码", source=Source(path), hint="请另存为 UTF-8 或 GB18030 编码")


def _empty(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*table.fields, *SOURCE_COLUMNS)})


def _frame(table: Table, rows: list[list[object]], file: Path | str, sheet: str | None,
           notices: list[DataError] | None = None) -> pd.DataFrame:
    """Find the header row (first of the top 10 rows naming a required column) and map columns to fields.

    Template sample rows (部门编码 starting with 示例) are skipped; one notice per sheet says how many.
    """
    headers = table.header_map()
    required = {c.field for c in table.columns if c.required}
    for h, row in enumerate(rows[:10]):  # noqa: B007 - h is the header row, used after the loop
        fields = [headers.get(normalize_name(str(v))) if v is not None else None for v in row]
        if required & set(filter(None, fields)):
            break
    else:
        raise DataError(
            f"找不到表头（应包含 {'、'.join(c.header for c in table.columns if c.required)}）",
            source=Source(file, sheet, 1), hint="请使用 perfscore template 生成的模板",
        )
    if notices is not None:
        notices.extend(_unknown_columns(table, rows[h], fields, file, sheet, h + 1))
    records = []
    samples: list[int] = []
    for offset, row in enumerate(rows[h + 1:], start=h + 2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue  # blank spacer row
        rec: dict[str, object] = dict.fromkeys(table.fields)
        for f, v in zip(fields, row, strict=False):
            if f is not None:
                rec[f] = v.strip() if isinstance(v, str) else v
        if isinstance(year := rec.get("year"), date):  # 年度 typed as an Excel date: its year
            rec["year"] = year.year
        if str(rec.get("dept_code") or "").startswith(SAMPLE_MARK):
            samples.append(offset)
            continue
        rec.update({"_file": str(file), "_sheet": sheet, "_row": offset})
        records.append(rec)
    if samples and notices is not None:
        rows_text = "、".join(map(str, samples[:5])) + ("…" if len(samples) > 5 else "")
        notices.append(DataError(f"已跳过 {len(samples)} 行模板示例（第 {rows_text} 行，部门编码以“示例”开头）",
                                 source=Source(file, sheet, samples[0], "部门编码"),
                                 hint="填写本单位数据时请覆盖或删除示例行"))
    if not records:
        return _empty(table)
    return pd.DataFrame.from_records(records, columns=[*table.fields, *SOURCE_COLUMNS])


def _unknown_columns(table: Table, header: list[object], fields: list[str | None], file: Path | str,
                     sheet: str | None, row: int) -> list[DataError]:
    """A header that is close to a known one but not it ("全年执行" for 全年执行数) is a column silently lost:
    say so. Headers like 备注 that resemble nothing are extra columns, left alone."""
    from scoring.core.errors import did_you_mean

    taken = {f for f in fields if f}
    missing = [c.header for c in table.columns if c.field not in taken]
    out = []
    for v, f in zip(header, fields, strict=False):
        text = "" if v is None else str(v).strip()
        if f is None and text and (hint := did_you_mean(text, missing)):
            out.append(DataError(f"未识别的列「{text}」，已忽略", source=Source(file, sheet, row, text),
                                 hint=hint))
    return out


def _sheet_table(name: str) -> Table | None:
    """The table a sheet or CSV file name means: exact names first, then a name ending in one ("2024绩效指标")."""
    norm = normalize_name(name)
    exact = next((t for t in TABLES if norm in (normalize_name(t.sheet), t.key)), None)
    if exact is not None:
        return exact
    ends = [t for t in TABLES if norm.endswith(normalize_name(t.sheet))]
    return max(ends, key=lambda t: len(t.sheet)) if ends else None


def _percent_text(v: float | int) -> str:
    """0.9639 → '96.39%' (Decimal, so no 96.39000000000001)."""
    try:
        d = Decimal(repr(float(v))) * 100
    except InvalidOperation:
        return f"{v}"
    text = f"{d:f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text) + "%"


def _cell_value(cell: Any) -> object:
    """A cell as the user sees it: a number formatted as a percentage becomes '95%' text."""
    v = cell.value
    if isinstance(v, int | float) and not isinstance(v, bool) and "%" in str(getattr(cell, "number_format", "")):
        return _percent_text(v)
    return v


def _read_xlsx(path: Path, notices: list[DataError] | None = None) -> Iterator[tuple[Table, pd.DataFrame]]:
    import openpyxl  # local: only xlsx inputs need it

    sheets: list[tuple[Table, str, list[list[object]]]] = []
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)  # data_only: cached formula values
        try:
            for ws in wb.worksheets:
                table = _sheet_table(ws.title)
                if table is not None:
                    sheets.append((table, ws.title, [[_cell_value(c) for c in r] for r in ws.iter_rows()]))
        finally:
            wb.close()
        if sheets and notices is not None:
            notices.extend(_uncached_formulas(path, sheets))
    except Exception as exc:  # a corrupt or encrypted file must not stop the other departments
        raise DataError(f"无法打开 Excel 文件（{type(exc).__name__}: {exc}）", source=Source(path),
                        hint="文件可能已损坏、加密或不是 .xlsx；请用 Excel 另存为 .xlsx 后重试") from exc
    if not sheets:  # no template sheets: the MoF 项目支出绩效自评表 layout, one project per sheet
        from scoring.io.mof import read_mof

        yield from read_mof(path, notices)
        return
    for table, title, rows in sheets:
        yield table, _frame(table, rows, path, title, notices)


def _uncached_formulas(path: Path, sheets: list[tuple[Table, str, list[list[object]]]]) -> list[DataError]:
    """One notice per sheet whose formula cells have no cached result (saved by a program, never by Excel):
    they read as blank, and the user sees a formula, so say which cells."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    out = []
    wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for _table, title, values in sheets:
            found = [(r, c, v) for r, row in enumerate(wb[title].iter_rows(values_only=True))
                     for c, v in enumerate(row)
                     if isinstance(v, str) and v.startswith("=") and r < len(values) and c < len(values[r])
                     and values[r][c] is None]
            if found:
                r, c, v = found[0]
                out.append(DataError(
                    f"{len(found)} 个公式单元格没有缓存的计算结果，按空值读取（如 {get_column_letter(c + 1)}{r + 1}「{v}」）",
                    source=Source(path, title, r + 1),
                    hint="请在 Excel 或 WPS 中打开并保存后重试；本意是文字的，请在前面加英文单引号或写全角“＝”"))
    finally:
        wb.close()
    return out


def _read_csv(path: Path, table: Table, notices: list[DataError] | None = None) -> pd.DataFrame:
    text = read_text(path)
    # Commas usually; tabs when saved as Excel/WPS "文本文件（制表符分隔）" or "Unicode 文本".
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows = _csv_rows(text, delimiter, path)
    return _frame(table, rows, path, None, notices)


CSV_FIELD_LIMIT = 131_072
"""The most characters one CSV cell may hold (Python's csv default); more is a stray quote or not a table."""
_QUOTE_HINT = "检查该行英文双引号 \" 是否成对；文字中的引号请用中文引号“”，或按 CSV 规则写成两个 \"\""


def _csv_rows(text: str, delimiter: str, path: Path) -> list[list[object]]:
    """Parse CSV text, refusing the file (so only its department is rejected) when a cell is over
    CSV_FIELD_LIMIT or an unclosed quote has swallowed whole rows into one cell."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    rows: list[list[object]] = []
    start = 1
    try:
        for r in reader:
            width = len(rows[0]) if rows else len(r)
            for cell in r:
                swallowed = [x for x in cell.split("\n")[1:] if x.count(delimiter) >= max(2, width // 2)]
                if "\n" in cell and (swallowed or (cell.endswith("\n") and reader.line_num - start > 1)):
                    raise DataError(f"引号未闭合，其后 {reader.line_num - start} 行被并入同一个单元格",
                                    source=Source(path, None, start), hint=_QUOTE_HINT)
            rows.append(list(r))
            start = reader.line_num + 1
    except csv.Error as exc:
        what = (f"单元格超过 {CSV_FIELD_LIMIT} 个字符（CSV 单元格上限）" if "field limit" in str(exc)
                else f"无法解析 CSV（{exc}）")
        raise DataError(what, source=Source(path, None, start), hint=_QUOTE_HINT) from exc
    return rows


def _department_sources(path: Path, seen: set[Path] | None = None) -> Iterator[Path]:
    """Expand a path into department sources: xlsx files, and folders holding the CSV tables.
    A folder reached again (a symlink to itself or an ancestor) is walked once, so loops end."""
    if path.is_file():
        yield path
        return
    seen = set() if seen is None else seen
    if (real := path.resolve()) in seen:
        return
    seen.add(real)
    csvs = [p for p in path.glob("*.csv") if _sheet_table(p.stem)]
    if csvs:
        yield path
    for child in sorted(path.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            yield from _department_sources(child, seen)
        elif child.suffix.lower() in (".xlsx", ".xlsm") and not child.name.startswith("~$"):
            yield child


def _read_source(src: Path, notices: list[DataError] | None = None) -> Iterator[tuple[Table, pd.DataFrame]]:
    if src.is_dir():
        for p in sorted(src.glob("*.csv")):
            table = _sheet_table(p.stem)
            if table is not None:
                yield table, _read_csv(p, table, notices)
    elif src.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _read_xlsx(src, notices)
    elif src.suffix.lower() == ".csv":
        table = _sheet_table(src.stem) or _guess_csv_table(src)
        yield table, _read_csv(src, table, notices)
    else:
        raise DataError("不支持的文件类型", source=Source(src), hint="支持 .xlsx、.csv 或包含它们的文件夹")


def _guess_csv_table(path: Path) -> Table:
    """A lone CSV named otherwise is the indicator table if its header says so."""
    head = read_text(path)[:2000]
    for table in reversed(TABLES):
        if all(c.header in head for c in table.columns if c.required):
            return table
    raise DataError("无法判断此 CSV 属于哪张表", source=Source(path),
                    hint="文件名应为 单位信息 / 预算收支 / 项目支出 / 绩效指标")


def load_path(path: Path) -> RawData:
    """Read one department (xlsx or CSV folder) or a folder of many into raw tables."""
    if not path.exists():
        raise DataError("路径不存在", source=Source(path))
    sources = list(_department_sources(path))
    if not sources:
        raise DataError("没有找到部门数据", source=Source(path),
                        hint="应为 xlsx 工作簿，或含 单位信息.csv、绩效指标.csv 等表的文件夹；perfscore template 可生成模板")
    return load_sources(sources)


def load_sources(sources: Iterable[Path]) -> RawData:
    parts: dict[str, list[pd.DataFrame]] = {t.key: [] for t in TABLES}
    problems: list[DataError] = []
    files: list[Path] = []
    for src in sources:
        files.append(src)
        try:
            loaded = list(_read_source(src, problems))
        except DataError as exc:  # one broken department never stops the others
            problems.append(exc)
            continue
        dept_frames = {t.key: df for t, df in loaded}
        _fill_dept_code(dept_frames)
        for key, df in dept_frames.items():
            parts[key].append(df)
    tables = {
        t.key: (pd.concat([p for p in parts[t.key] if len(p)], ignore_index=True)
                if any(len(p) for p in parts[t.key]) else _empty(t))
        for t in TABLES
    }
    return RawData(tables, tuple(files), tuple(problems))


def _fill_dept_code(frames: dict[str, pd.DataFrame]) -> None:
    """A single-department source may leave 部门编码 blank outside 单位信息: fill it from there."""
    depts = frames.get("departments")
    if depts is None or len(depts) != 1:
        return
    code = depts["dept_code"].iloc[0]
    for key, df in frames.items():
        if key != "departments" and len(df):
            blank = df["dept_code"].isna() | (df["dept_code"].astype(str).str.strip() == "")
            df.loc[blank, "dept_code"] = code
