"""Reader for Parquet bulk input: a folder holding one Parquet file per table (单位信息.parquet, 项目支出.parquet …).

How a province's 预算管理一体化 system exports (issue 15): each table once, for every department, keyed by
部门编码, columns headed as the template heads them. A file's table comes from its name as for the CSV folder.
Each file becomes one frame in one step (column-wise, no Python per row): columns mapped to fields by header,
cells kept as stored (numbers stay numbers; `validate` types them), text stripped, blank rows and template
sample rows (部门编码 starting with 示例) dropped. `_row` is the record number + 1, the row the same table
would be on if exported to CSV or Excel under one header row.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scoring.core.errors import DataError, Source
from scoring.io.raw import SAMPLE_MARK, _unknown_columns, empty_frame, sheet_table
from scoring.io.reader import Reader
from scoring.model.tables import SOURCE_COLUMNS, Table
from scoring.rules.indicators import normalize_name

SUFFIX = ".parquet"


def read_parquet(path: Path, table: Table, notices: list[DataError] | None = None) -> pd.DataFrame:
    """One Parquet file as the raw rows of `table`."""
    try:
        stored = pd.read_parquet(path)
    except ImportError as exc:
        raise DataError("读取 Parquet 需要 pyarrow", source=Source(path), hint="pip install pyarrow") from exc
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid/ArrowIOError derive from these
        raise DataError(
            f"无法读取 Parquet 文件（{exc}）",
            source=Source(path),
            hint="请确认文件完整，且由 pandas/pyarrow 等按 Parquet 格式写出",
        ) from exc
    headers = table.header_map()
    fields = [headers.get(normalize_name(str(c))) for c in stored.columns]
    required = [c for c in table.columns if c.required]
    if not {c.field for c in required} & set(filter(None, fields)):
        raise DataError(
            f"找不到表头（应包含 {'、'.join(c.header for c in required)}）",
            source=Source(path, None, 1),
            hint="列名应与 perfscore template 的表头一致",
        )
    if notices is not None:
        notices.extend(_unknown_columns(table, list(stored.columns), fields, path, None, 1))
    if stored.empty:
        return empty_frame(table)
    frame = pd.DataFrame(index=stored.index)
    for name, field in zip(stored.columns, fields, strict=True):
        if field is not None and field not in frame:  # the first of two columns for one field, as build_frame
            col = stored[name]
            if field == "year" and pd.api.types.is_datetime64_any_dtype(col.dtype):
                col = col.dt.year  # 年度 stored as a date: its year, as build_frame does for Excel dates
            frame[field] = _cells(col)
    for field in table.fields:
        if field not in frame:
            frame[field] = None
    frame = frame[list(table.fields)]
    blank = frame.apply(lambda col: col.isna() | (col.astype(str) == "")).all(axis=1)
    frame["_file"], frame["_sheet"], frame["_row"] = str(path), None, stored.index.to_numpy() + 2
    frame = frame[~blank.to_numpy()]
    samples = frame["dept_code"].astype(str).str.startswith(SAMPLE_MARK) & frame["dept_code"].notna()
    if samples.any() and notices is not None:
        rows = frame.loc[samples, "_row"].tolist()
        rows_text = "、".join(map(str, rows[:5])) + ("…" if len(rows) > 5 else "")
        notices.append(
            DataError(
                f"已跳过 {len(rows)} 行模板示例（第 {rows_text} 行，部门编码以“示例”开头）",
                source=Source(path, None, rows[0], "部门编码"),
                hint="填写本单位数据时请覆盖或删除示例行",
            )
        )
    frame = frame[~samples.to_numpy()]
    if frame.empty:
        return empty_frame(table)
    # infer_objects: the dtypes build_frame gets from from_records (all-text columns become str), so both
    # readers hand validate the same frames
    out: pd.DataFrame = frame[[*table.fields, *SOURCE_COLUMNS]].reset_index(drop=True).infer_objects()
    return out


def _cells(col: pd.Series) -> pd.Series:
    """A stored column as raw cells: Python objects with None for missing, text stripped."""
    if pd.api.types.is_string_dtype(col.dtype) and col.dtype != object:
        col = col.str.strip()  # Arrow-backed text: stripped column-wise
    out = col.astype(object).where(col.notna(), None)
    if col.dtype == object:  # mixed cells (rare in Parquet): strip the text ones
        out = out.map(lambda v: v.strip() if isinstance(v, str) else v)
    return out


def _is_parquet_folder(path: Path) -> bool:
    return path.is_dir() and any(sheet_table(p.stem) for p in path.glob(f"*{SUFFIX}"))


def _read_folder(path: Path, notices: list[DataError]) -> list[tuple[Table, pd.DataFrame]]:
    out = []
    for p in sorted(path.glob(f"*{SUFFIX}")):
        table = sheet_table(p.stem)
        if table is not None:
            out.append((table, read_parquet(p, table, notices)))
    return out


PARQUET_FOLDER = Reader(
    "parquet-folder",
    "Parquet 文件夹（单位信息.parquet、绩效指标.parquet 等，每表一个文件）",
    _read_folder,
    folder=True,
    recognises=_is_parquet_folder,
)
