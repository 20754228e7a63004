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
from pathlib import Path

import pandas as pd

from scoring.adapters.xlsx import Grid, column_letter, read_grids
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


def _read_xlsx(path: Path, notices: list[DataError] | None = None) -> Iterator[tuple[Table, pd.DataFrame]]:
    grids = read_grids(path, lambda title: _sheet_table(title) is not None, shown=True)
    if grids and notices is not None:
        notices.extend(_uncached_formulas(path, grids))
    if not grids:  # no template sheets: the MoF 项目支出绩效自评表 layout, one project per sheet
        from scoring.io.mof import read_mof

        yield from read_mof(path, notices)
        return
    for grid in grids:
        table = _sheet_table(grid.title)
        assert table is not None
        yield table, _frame(table, grid.rows, path, grid.title, notices)


def _uncached_formulas(path: Path, grids: Iterable[Grid]) -> list[DataError]:
    """One notice per sheet whose formula cells have no cached result (saved by a program, never by Excel):
    they read as blank, and the user sees a formula, so say which cells."""
    out = []
    for grid in grids:
        if grid.uncached:
            (r, c), v = min(grid.uncached.items())
            out.append(DataError(
                f"{len(grid.uncached)} 个公式单元格没有缓存的计算结果，按空值读取（如 {column_letter(c + 1)}{r + 1}「{v}」）",
                source=Source(path, grid.title, r + 1),
                hint="请在 Excel 或 WPS 中打开并保存后重试；本意是文字的，请在前面加英文单引号或写全角“＝”"))
    return out


def _read_csv(path: Path, table: Table, notices: list[DataError] | None = None) -> pd.DataFrame:
    text = read_text(path)
    # Commas usually; tabs when saved as Excel/WPS "文本文件（制表符分隔）" or "Unicode 文本".
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    rows: list[list[object]] = [list(r) for r in csv.reader(io.StringIO(text), delimiter=delimiter)]
    return _frame(table, rows, path, None, notices)


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
