"""Readers for CSV input: a folder holding one CSV per table (单位信息.csv, 绩效指标.csv …), or one lone CSV.

A file's table comes from its name (exact, or ending in one: "2024绩效指标.csv"); a lone CSV named
otherwise is the table whose required headers it holds. Text is decoded as UTF-8, GB18030 or UTF-16
(`text_encodings`); the delimiter is a comma, or a tab when the first line holds more tabs (Excel/WPS
"文本文件（制表符分隔）" or "Unicode 文本").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.core.errors import DataError, Source
from scoring.io.raw import (
    CHUNK_ROWS,
    Columns,
    build_columns,
    build_frame,
    build_frame_from_grid,
    head_text,
    read_text,
    sheet_table,
    text_encodings,
)
from scoring.io.reader import Reader
from scoring.model.tables import TABLES, Table

SMALL_FILE_BYTES = 1024 * 1024
"""CSV files up to this size (a department's own file in a folder of departments) are parsed by the csv module into
`Columns`, which the loader gathers into one DataFrame per table for all files: pandas' read_csv and a DataFrame
per file cost several milliseconds a file, which for thousands of department folders was most of the load."""
FAST_PATH_BYTES = 256 * 1024 * 1024
"""Plain CSV files up to this size are read whole by pandas in one step (a province's bulk export, issue 15);
its peak memory, the text plus its cells, is a few times the file, about what the stream holds. Larger files and
files that are not plain (quotes, ragged rows…) are parsed as they stream from disk (issue 11)."""


def read_csv(
    path: Path, table: Table, notices: list[DataError] | None = None, *, chunk_rows: int | None = None
) -> pd.DataFrame:
    """One CSV file as the raw rows of `table`: read whole by pandas when it is plain and at most FAST_PATH_BYTES,
    else parsed as it streams (`chunk_rows` rows to a DataFrame at a time; giving it forces the stream)."""
    if chunk_rows is None and path.stat().st_size <= FAST_PATH_BYTES:
        text = read_text(path)
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
        grid = _plain_grid(text, delimiter)
        if grid is not None:
            padded = delimiter != "," or _PADDED.search(text) is not None
            found = build_frame_from_grid(table, grid, path, notices, padded=padded)
            if found is not None:
                return found
        del text, grid
    return _stream_csv(path, table, notices, CHUNK_ROWS if chunk_rows is None else chunk_rows)


def _stream_csv(path: Path, table: Table, notices: list[DataError] | None, chunk_rows: int) -> pd.DataFrame:
    """One CSV file as the raw rows of `table`, parsed as it streams from disk (`chunk_rows` rows to a DataFrame
    at a time), so memory grows with the finished table, not with the file's text plus a list per row.

    The encoding is tried in order (`text_encodings`); a file that stops decoding part-way is parsed again in the
    next one, its notices kept only from the read that succeeded."""
    for encoding in text_encodings(path):
        found: list[DataError] = []
        try:
            with path.open(encoding=encoding, newline="") as fh:
                first = fh.readline()
                fh.seek(0)
                delimiter = "\t" if first.count("\t") > first.count(",") else ","
                frame = build_frame(table, _csv_rows(fh, delimiter, path), path, None, found, chunk_rows=chunk_rows)
        except UnicodeError:
            continue
        if notices is not None:
            notices.extend(found)
        return frame
    raise DataError("无法识别文件编码", source=Source(path), hint="请另存为 UTF-8 或 GB18030 编码")


_PADDED = re.compile(r"(?:^|,)[^\S\n]|[^\S\n](?:,|$)", re.MULTILINE)
"""White space at either end of a cell of a comma-separated text (re's \\s is str.isspace, what strip removes)."""


def _plain_grid(text: str, delimiter: str) -> pd.DataFrame | None:
    """The cells of a plain CSV, read by pandas in one step (a province's bulk export: millions of rows, issue 15),
    or None when the csv module must read it row by row: quotes (a cell may span lines, or swallow rows), a bare
    carriage return, a NUL, a cell over CSV_FIELD_LIMIT, or a row narrower or wider than the first (csv leaves a
    missing cell None, pandas would give "")."""
    if '"' in text or "\x00" in text or text.count("\r") != text.count("\r\n") or not text.strip():
        return None
    data = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)  # delimiter and newline are single bytes in UTF-8
    ends = np.flatnonzero(data == ord("\n"))
    if not len(ends) or ends[-1] != len(data) - 1:
        ends = np.append(ends, len(data))
    starts = np.concatenate(([0], ends[:-1] + 1))
    if int((ends - starts).max()) > CSV_FIELD_LIMIT:
        return None
    is_delim = (data == ord(delimiter)).astype(np.int64)
    per_line = np.add.reduceat(np.append(is_delim, 0), starts)
    if starts[0] == ends[0]:
        return None
    per_line[starts == ends] = per_line[0]  # empty lines: blank rows, skipped either way
    if (per_line != per_line[0]).any():
        return None
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            dtype=str,
            na_filter=False,
            skip_blank_lines=False,
            quoting=csv.QUOTE_NONE,
            engine="c",
        )
    except (ValueError, pd.errors.ParserError):  # EmptyDataError is a ValueError
        return None


CSV_FIELD_LIMIT = 131_072
"""The most characters one CSV cell may hold (Python's csv default); more is a stray quote or not a table."""
_QUOTE_HINT = '检查该行英文双引号 " 是否成对；文字中的引号请用中文引号“”，或按 CSV 规则写成两个 ""'


def _csv_rows(lines: Iterable[str], delimiter: str, path: Path) -> Iterator[list[object]]:
    """Parse CSV lines as they come, refusing the file (so only its department is rejected) when a cell is over
    CSV_FIELD_LIMIT or an unclosed quote has swallowed whole rows into one cell."""
    csv.field_size_limit(CSV_FIELD_LIMIT)
    reader = csv.reader(lines, delimiter=delimiter)
    width: int | None = None
    start = 1
    try:
        for r in reader:
            width = len(r) if width is None else width
            for cell in r:
                if "\n" not in cell:
                    continue
                swallowed = [x for x in cell.split("\n")[1:] if x.count(delimiter) >= max(2, width // 2)]
                if swallowed or (cell.endswith("\n") and reader.line_num - start > 1):
                    raise DataError(
                        f"引号未闭合，其后 {reader.line_num - start} 行被并入同一个单元格",
                        source=Source(path, None, start),
                        hint=_QUOTE_HINT,
                    )
            yield list(r)
            start = reader.line_num + 1
    except csv.Error as exc:
        what = (
            f"单元格超过 {CSV_FIELD_LIMIT} 个字符（CSV 单元格上限）"
            if "field limit" in str(exc)
            else f"无法解析 CSV（{exc}）"
        )
        raise DataError(what, source=Source(path, None, start), hint=_QUOTE_HINT) from exc


def _is_csv_folder(path: Path) -> bool:
    return path.is_dir() and any(sheet_table(p.stem) for p in path.glob("*.csv"))


def read_csv_columns(path: Path, table: Table, notices: list[DataError] | None = None) -> Columns:
    """A small CSV file (SMALL_FILE_BYTES) as `Columns`: the rows `read_csv` gives, before they become a frame."""
    text = read_text(path)
    first = text.split("\n", 1)[0]
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    return build_columns(table, _csv_rows(io.StringIO(text, newline=""), delimiter, path), path, None, notices)


def _read_any(path: Path, table: Table, notices: list[DataError]) -> pd.DataFrame | Columns:
    if path.stat().st_size <= SMALL_FILE_BYTES:
        return read_csv_columns(path, table, notices)
    return read_csv(path, table, notices)


def _read_folder(path: Path, notices: list[DataError]) -> Iterator[tuple[Table, pd.DataFrame | Columns]]:
    for p in sorted(path.glob("*.csv")):
        table = sheet_table(p.stem)
        if table is not None:
            yield table, _read_any(p, table, notices)


def _guess_csv_table(path: Path) -> Table:
    """A lone CSV named otherwise is the indicator table if its header says so."""
    head = head_text(path, 2000)
    for table in reversed(TABLES):
        if all(c.header in head for c in table.columns if c.required):
            return table
    raise DataError(
        "无法判断此 CSV 属于哪张表", source=Source(path), hint="文件名应为 单位信息 / 预算收支 / 项目支出 / 绩效指标"
    )


def _read_file(path: Path, notices: list[DataError]) -> Iterator[tuple[Table, pd.DataFrame | Columns]]:
    table = sheet_table(path.stem) or _guess_csv_table(path)
    yield table, _read_any(path, table, notices)


CSV_FOLDER = Reader(
    "csv-folder",
    "CSV 文件夹（单位信息.csv、绩效指标.csv 等，每表一个文件）",
    _read_folder,
    folder=True,
    recognises=_is_csv_folder,
)
CSV_FILE = Reader(
    "csv-file", "单个 CSV 文件（按文件名或表头判断是哪张表）", _read_file, suffixes=(".csv",), in_folders=False
)  # inside a folder a CSV is one table of the CSV folder
