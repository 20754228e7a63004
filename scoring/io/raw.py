"""Raw tables as read, before validation: the `RawData` every reader returns and the helpers readers share.

Cells are kept as written (text stays text); `scoring.pipeline.validate` turns them into typed values.
Every row carries its source: `_file`, `_sheet`, `_row` (the 1-based row the user sees).

`build_frame` finds a table's header row in a grid of cells and maps its columns to fields; rows whose
部门编码 starts with 「示例」 are the samples of `perfscore template`: they are skipped, with a notice.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.core.errors import DataError, Source, did_you_mean
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


def text_encodings(path: Path) -> tuple[str, ...]:
    """The encodings to try, in order, for a text file read as a stream: UTF-16 when it starts with a byte-order
    mark, else `ENCODINGS` (as `read_text` decides, without reading the whole file)."""
    with path.open("rb") as fh:
        bom = fh.read(2)
    return ("utf-16",) if bom in (b"\xff\xfe", b"\xfe\xff") else ENCODINGS


def head_text(path: Path, chars: int) -> str:
    """About the first `chars` characters of a text file, decoded as `read_text` would (a character cut at the end
    of the bytes read is left out); DataError when no encoding fits."""
    with path.open("rb") as fh:
        data = fh.read(chars * 4)
    for enc in text_encodings(path):
        try:
            return codecs.getincrementaldecoder(enc)().decode(data, final=False)[:chars]
        except UnicodeDecodeError:
            continue
    raise DataError("无法识别文件编码", source=Source(path), hint="请另存为 UTF-8 或 GB18030 编码")


def empty_frame(table: Table) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in (*table.fields, *SOURCE_COLUMNS)})


CHUNK_ROWS = 50_000
"""Rows gathered as records before they are packed into one object array per column: the records of one chunk
are the only per-row Python objects alive at once, so reading a 1 GB CSV holds a pointer a cell (and the distinct
texts), not a dict for every row."""
SHARED_VALUES = 65_536
"""Distinct values per column whose text objects are shared between rows (部门编码, 一级指标, 年度 repeat on every
row; a CSV reader makes a new string for each). Past this many, new values are kept as they are."""


def find_header(
    table: Table, rows: Sequence[Sequence[object]], file: Path | str, sheet: str | None
) -> tuple[int, list[str | None]]:
    """The header row (first of the top 10 rows naming a required column) and the field of each column."""
    headers = table.header_map()
    required = {c.field for c in table.columns if c.required}
    for h, row in enumerate(rows[:10]):
        fields = [headers.get(normalize_name(str(v))) if v is not None else None for v in row]
        if required & set(filter(None, fields)):
            return h, fields
    raise DataError(
        f"找不到表头（应包含 {'、'.join(c.header for c in table.columns if c.required)}）",
        source=Source(file, sheet, 1),
        hint="请使用 perfscore template 生成的模板",
    )


@dataclass(frozen=True, slots=True)
class Columns:
    """A table's rows as read, one object array of raw cells per column (fields, then SOURCE_COLUMNS), not yet a
    DataFrame. A folder of many departments' small files is gathered as these and becomes one DataFrame per table
    (`concat_columns`): building a DataFrame for each file cost more than reading the file (issue 15)."""

    table: Table
    arrays: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.arrays[self.table.fields[0]])

    def frame(self) -> pd.DataFrame:
        """The DataFrame `build_frame` gives for the same rows."""
        return _frame(self.table, dict(self.arrays))


def _frame(table: Table, arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    if not len(arrays[table.fields[0]]):
        return empty_frame(table)
    # Column by column, each typed from all its values (as one from_records over every row would: a chunk of
    # blanks must not make the column object), so only one column is ever held twice.
    return pd.DataFrame(
        {c: pd.Series(arrays.pop(c)).infer_objects() for c in [*table.fields, *SOURCE_COLUMNS]}, copy=False
    )


def concat_columns(parts: Sequence[Columns]) -> pd.DataFrame | None:
    """The parts (of one table, each non-empty) as one DataFrame, equal to concatenating each part's `frame()`;
    None when that cannot be promised: a column blank in some parts (typed object there) but not in all."""
    table = parts[0].table
    arrays: dict[str, np.ndarray] = {}
    for c in [*table.fields, *SOURCE_COLUMNS]:
        blank = [all(v is None for v in p.arrays[c]) for p in parts]  # stops at the first cell written
        if any(blank) and not all(blank):
            return None
        arrays[c] = np.concatenate([p.arrays[c] for p in parts])
    return _frame(table, arrays)


def build_frame(
    table: Table,
    rows: Iterable[Sequence[object]],
    file: Path | str,
    sheet: str | None,
    notices: list[DataError] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> pd.DataFrame:
    """Find the header row (first of the top 10 rows naming a required column) and map columns to fields.

    `rows` may be a stream (a CSV being parsed): it is read once, `chunk_rows` rows to a DataFrame at a time.
    Template sample rows (部门编码 starting with 示例) are skipped; one notice per sheet says how many.
    """
    return build_columns(table, rows, file, sheet, notices, chunk_rows=chunk_rows).frame()


def build_columns(
    table: Table,
    rows: Iterable[Sequence[object]],
    file: Path | str,
    sheet: str | None,
    notices: list[DataError] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> Columns:
    """`build_frame`'s rows as `Columns` (see there)."""
    stream = iter(rows)
    top = list(itertools.islice(stream, 10))
    h, fields = find_header(table, top, file, sheet)
    if notices is not None:
        notices.extend(_unknown_columns(table, list(top[h]), fields, file, sheet, h + 1))
    file_text = str(file)
    columns = [*table.fields, *SOURCE_COLUMNS]
    shared: dict[str, dict[str, str]] = {f: {} for f in table.fields}
    chunks: dict[str, list[np.ndarray]] = {c: [] for c in columns}
    records: list[dict[str, object]] = []
    samples: list[int] = []
    for offset, row in enumerate(itertools.chain(top[h + 1 :], stream), start=h + 2):
        if all(v is None or str(v).strip() == "" for v in row):
            continue  # blank spacer row
        rec: dict[str, object] = dict.fromkeys(table.fields)
        for f, v in zip(fields, row, strict=False):
            if f is not None:
                if isinstance(v, str):
                    v = v.strip()
                    known = shared[f]
                    v = known.get(v, v) if len(known) >= SHARED_VALUES else known.setdefault(v, v)
                rec[f] = v
        if isinstance(year := rec.get("year"), date):  # 年度 typed as an Excel date: its year
            rec["year"] = year.year
        if str(rec.get("dept_code") or "").startswith(SAMPLE_MARK):
            samples.append(offset)
            continue
        rec.update({"_file": file_text, "_sheet": sheet, "_row": offset})
        records.append(rec)
        if len(records) >= chunk_rows:
            _add_chunk(chunks, records)
            records = []
    _sample_notice(samples, file, sheet, notices)
    _add_chunk(chunks, records)
    empty = np.empty(0, dtype=object)
    return Columns(table, {c: np.concatenate(chunks.pop(c)) if chunks[c] else empty for c in columns})


def _sample_notice(samples: list[int], file: Path | str, sheet: str | None, notices: list[DataError] | None) -> None:
    if samples and notices is not None:
        rows_text = "、".join(map(str, samples[:5])) + ("…" if len(samples) > 5 else "")
        notices.append(
            DataError(
                f"已跳过 {len(samples)} 行模板示例（第 {rows_text} 行，部门编码以“示例”开头）",
                source=Source(file, sheet, samples[0], "部门编码"),
                hint="填写本单位数据时请覆盖或删除示例行",
            )
        )


def _add_chunk(chunks: dict[str, list[np.ndarray]], records: list[dict[str, object]]) -> None:
    """The records' values, column by column, as object arrays (one pointer a cell; a dict a row is gone)."""
    if not records:
        return
    for c, arrays in chunks.items():
        arrays.append(np.fromiter((r[c] for r in records), dtype=object, count=len(records)))


def build_frame_from_grid(
    table: Table, grid: pd.DataFrame, file: Path | str, notices: list[DataError] | None = None, *, padded: bool = True
) -> pd.DataFrame | None:
    """`build_frame` column-wise, for a grid of text cells with no missing cell (every row as wide as the
    first: a CSV read by pandas). The same frame, or None when a column maps to a field twice (build_frame
    keeps the last column's cell, even where a short row leaves it missing), so the caller reads row by row.
    `padded`: whether a cell may start or end with white space (when not, the cells need no strip)."""
    head = [[None if pd.isna(v) else v for v in r] for r in grid.iloc[:10].itertuples(index=False)]
    h, fields = find_header(table, head, file, None)
    named = [f for f in fields if f is not None]
    if len(named) != len(set(named)):
        return None
    if notices is not None:
        notices.extend(_unknown_columns(table, head[h], fields, file, None, h + 1))
    body = grid.iloc[h + 1 :]
    stripped = {i: body[c].str.strip() if padded else body[c] for i, c in enumerate(body.columns)}
    blank = np.ones(len(body), dtype=bool)
    for col in stripped.values():
        blank &= (col == "").to_numpy()
    rows = np.arange(h + 2, h + 2 + len(body))[~blank]
    frame = pd.DataFrame(index=pd.RangeIndex(len(rows)))
    for name in table.fields:
        if name in fields:
            frame[name] = stripped[fields.index(name)].to_numpy()[~blank]
        else:
            frame[name] = pd.Series([None] * len(rows), dtype=object)
    sample = (
        frame["dept_code"].str.startswith(SAMPLE_MARK).to_numpy(dtype=bool)
        if "dept_code" in fields
        else np.zeros(len(rows), dtype=bool)
    )
    _sample_notice(rows[sample].tolist(), file, None, notices)
    frame = frame[~sample].reset_index(drop=True)
    if frame.empty:
        return empty_frame(table)
    frame["_file"] = str(file)
    frame["_sheet"] = pd.Series([None] * len(frame), dtype=object)
    frame["_row"] = rows[~sample].astype(np.int64)
    return frame


def _unknown_columns(
    table: Table, header: list[object], fields: list[str | None], file: Path | str, sheet: str | None, row: int
) -> list[DataError]:
    """A header that is close to a known one but not it ("全年执行" for 全年执行数) is a column silently lost:
    say so. Headers like 备注 that resemble nothing are extra columns, left alone."""
    taken = {f for f in fields if f}
    missing = [c.header for c in table.columns if c.field not in taken]
    out = []
    for v, f in zip(header, fields, strict=False):
        text = "" if v is None else str(v).strip()
        if f is None and text and (hint := did_you_mean(text, missing)):
            out.append(DataError(f"未识别的列「{text}」，已忽略", source=Source(file, sheet, row, text), hint=hint))
    return out


def sheet_table(name: str) -> Table | None:
    """The table a sheet or CSV file name means: exact names first, then a name ending in one ("2024绩效指标")."""
    norm = normalize_name(name)
    exact = next((t for t in TABLES if norm in (normalize_name(t.sheet), t.key)), None)
    if exact is not None:
        return exact
    ends = [t for t in TABLES if norm.endswith(normalize_name(t.sheet))]
    return max(ends, key=lambda t: len(t.sheet)) if ends else None


def fill_dept_code(df: pd.DataFrame, owner: np.ndarray, single: dict[int, object]) -> None:
    """A single-department source may leave 部门编码 blank outside 单位信息: fill it from there, in place.

    `owner` holds the source number of each row of `df`; `single` the code of each source whose 单位信息
    has exactly one row."""
    codes = df["dept_code"]
    blank = (codes.isna() | (codes.astype(str).str.strip() == "")).to_numpy() & np.isin(owner, list(single))
    if blank.any():
        fill = pd.Series(owner[blank]).map(single).to_numpy(dtype=object)
        df.loc[blank, "dept_code"] = fill
