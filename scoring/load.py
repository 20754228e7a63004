"""Load department data (xlsx workbooks, CSV folders, folders of departments) into raw tables.

Cells are kept as written (text stays text); `scoring.validate` turns them into typed values.
Every row carries its source: `_file`, `_sheet`, `_row` (the 1-based row the user sees).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from scoring.errors import DataError, Source
from scoring.indicators import normalize_name
from scoring.schema import SOURCE_COLUMNS, TABLES, Table

ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass(frozen=True)
class RawData:
    """The four input tables as read, one row per spreadsheet row, plus the files read."""

    tables: dict[str, pd.DataFrame]
    files: tuple[Path, ...] = ()
    problems: tuple[DataError, ...] = field(default=())

    def __getitem__(self, key: str) -> pd.DataFrame:
        return self.tables[key]


def read_text(path: Path) -> str:
    """Decode a text file written in UTF-8 (with or without BOM) or GB18030/GBK, without being told which."""
    data = path.read_bytes()
    for enc in ENCODINGS:
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataError("无法识别文件编码", source=Source(path), hint="请另存为 UTF-8 或 GB18030 编码")


def _empty(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*table.fields, *SOURCE_COLUMNS)})


def _frame(table: Table, rows: list[list[object]], file: Path, sheet: str | None) -> pd.DataFrame:
    """Find the header row (first of the top 10 rows naming a required column) and map columns to fields."""
    headers = table.header_map()
    required = {c.field for c in table.columns if c.required}
    for h, row in enumerate(rows[:10]):
        fields = [headers.get(normalize_name(str(v))) if v is not None else None for v in row]
        if required & set(filter(None, fields)):
            break
    else:
        raise DataError(
            f"找不到表头（应包含 {'、'.join(c.header for c in table.columns if c.required)}）",
            source=Source(file, sheet, 1), hint="请使用 perfscore template 生成的模板",
        )
    records = []
    for offset, row in enumerate(rows[h + 1:], start=h + 2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue  # blank spacer row
        rec: dict[str, object] = {f: None for f in table.fields}
        for f, v in zip(fields, row, strict=False):
            if f is not None:
                rec[f] = v.strip() if isinstance(v, str) else v
        rec.update({"_file": str(file), "_sheet": sheet, "_row": offset})
        records.append(rec)
    if not records:
        return _empty(table)
    return pd.DataFrame.from_records(records, columns=[*table.fields, *SOURCE_COLUMNS])


def _sheet_table(name: str) -> Table | None:
    """The table a sheet or CSV file name means: exact names first, then a name ending in one ("2024绩效指标")."""
    norm = normalize_name(name)
    exact = next((t for t in TABLES if norm in (normalize_name(t.sheet), t.key)), None)
    if exact is not None:
        return exact
    ends = [t for t in TABLES if norm.endswith(normalize_name(t.sheet))]
    return max(ends, key=lambda t: len(t.sheet)) if ends else None


def _read_xlsx(path: Path) -> Iterator[tuple[Table, pd.DataFrame]]:
    import openpyxl  # local: only xlsx inputs need it

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)  # data_only: cached formula values
    try:
        for ws in wb.worksheets:
            table = _sheet_table(ws.title)
            if table is not None:
                rows = [list(r) for r in ws.iter_rows(values_only=True)]
                yield table, _frame(table, rows, path, ws.title)
    finally:
        wb.close()


def _read_csv(path: Path, table: Table) -> pd.DataFrame:
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(read_text(path)))]
    return _frame(table, rows, path, None)


def _department_sources(path: Path) -> Iterator[Path]:
    """Expand a path into department sources: xlsx files, and folders holding the CSV tables."""
    if path.is_file():
        yield path
        return
    csvs = [p for p in path.glob("*.csv") if _sheet_table(p.stem)]
    if csvs:
        yield path
    for child in sorted(path.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            yield from _department_sources(child)
        elif child.suffix.lower() in (".xlsx", ".xlsm") and not child.name.startswith("~$"):
            yield child


def _read_source(src: Path) -> Iterator[tuple[Table, pd.DataFrame]]:
    if src.is_dir():
        for p in sorted(src.glob("*.csv")):
            table = _sheet_table(p.stem)
            if table is not None:
                yield table, _read_csv(p, table)
    elif src.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _read_xlsx(src)
    elif src.suffix.lower() == ".csv":
        table = _sheet_table(src.stem) or _guess_csv_table(src)
        yield table, _read_csv(src, table)
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
    return load_sources(_department_sources(path))


def load_sources(sources: Iterable[Path]) -> RawData:
    parts: dict[str, list[pd.DataFrame]] = {t.key: [] for t in TABLES}
    problems: list[DataError] = []
    files: list[Path] = []
    for src in sources:
        files.append(src)
        try:
            loaded = list(_read_source(src))
        except DataError as exc:  # one broken department never stops the others
            problems.append(exc)
            continue
        dept_frames = dict((t.key, df) for t, df in loaded)
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
