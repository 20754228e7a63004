"""The input readers in one registry, and `load(path)`: one department or a folder of many into raw tables.

`load` expands a path into department sources (the path itself when it is a file; a folder that a folder
reader recognises, then every sub-folder and every file a reader claims, in name order) and gives each
source to the first registered reader that claims it by name and recognises it by content. A source
that cannot be read becomes a problem of the run (`RawData.problems`): one broken department never
stops the others.

To add an input format, write a module with a `Reader` (see `scoring.io.reader`) and add it to
`READERS` below, in the place that sets its priority; tests can `register` one for a while.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.core.errors import DataError, Source
from scoring.io.csv_tables import CSV_FILE, CSV_FOLDER
from scoring.io.mof import MOF
from scoring.io.parquet import PARQUET_FOLDER
from scoring.io.raw import Columns, RawData, concat_columns, empty_frame, fill_dept_code
from scoring.io.reader import Reader
from scoring.io.workbook import WORKBOOK
from scoring.model.tables import TABLES

READERS: list[Reader] = [CSV_FOLDER, PARQUET_FOLDER, WORKBOOK, MOF, CSV_FILE]
"""The registered readers, first choice first: a workbook with template sheets is read as the perfscore
workbook even if it also holds a MoF-layout sheet."""


def register(reader: Reader, *, first: bool = False) -> Reader:
    """Add a reader (last, or `first`); a reader of the same name is replaced in its place."""
    for i, known in enumerate(READERS):
        if known.name == reader.name:
            READERS[i] = reader
            return reader
    READERS.insert(0 if first else len(READERS), reader)
    return reader


def unregister(name: str) -> None:
    """Remove the reader of that name (tests that registered one)."""
    READERS[:] = [r for r in READERS if r.name != name]


def reader_for(source: Path) -> Reader:
    """The reader of one source; DataError when no reader claims it or none recognises its content."""
    claiming = [r for r in READERS if r.claims(source)]
    if not claiming:
        suffixes = list(dict.fromkeys(s for r in READERS for s in r.suffixes))
        raise DataError(
            "不支持的文件类型", source=Source(source), hint=f"支持 {'、'.join(suffixes)} 或包含它们的文件夹"
        )
    for reader in claiming:
        if reader.recognises(source):
            return reader
    raise DataError(
        "无法识别文件内容，不是以下任何一种格式：" + "；".join(r.title for r in claiming),
        source=Source(source),
        hint="请使用 perfscore template 生成的模板",
    )


def sources(path: Path, seen: set[Path] | None = None) -> Iterator[Path]:
    """Expand a path into department sources (see the module docstring). A folder reached again (a symlink to
    itself or an ancestor) is walked once, so loops end."""
    if path.is_file():
        yield path
        return
    seen = set() if seen is None else seen
    if (real := path.resolve()) in seen:
        return
    seen.add(real)
    if any(r.folder and r.recognises(path) for r in READERS):
        yield path
    for child in sorted(path.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            yield from sources(child, seen)
        elif not child.name.startswith("~$") and any(r.in_folders and r.claims(child) for r in READERS):
            yield child  # ~$ files are Excel's lock files of open workbooks


def load(path: Path) -> RawData:
    """Read one department (a file or a CSV folder) or a folder of many into raw tables."""
    if not path.exists():
        raise DataError("路径不存在", source=Source(path))
    found = list(sources(path))
    if not found:
        raise DataError(
            "没有找到部门数据",
            source=Source(path),
            hint="应为 xlsx 工作簿，或含 单位信息.csv、绩效指标.csv 等表的文件夹；perfscore template 可生成模板",
        )
    return load_sources(found)


def _one_frame(parts: list[pd.DataFrame | Columns]) -> pd.DataFrame:
    """One table's parts from every source as one DataFrame, in source order: gathered column by column when all
    are `Columns`, else each made a frame and concatenated (the same frame either way)."""
    if all(isinstance(p, Columns) for p in parts):
        gathered = concat_columns([p for p in parts if isinstance(p, Columns)])
        if gathered is not None:
            return gathered
    frames = [p.frame() if isinstance(p, Columns) else p for p in parts]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)


def load_sources(found: Iterable[Path]) -> RawData:
    """Read the given sources, each with its reader, into one set of raw tables: one frame per table for all
    sources (concatenated once), 部门编码 filled for every single-department source in one step."""
    parts: dict[str, list[pd.DataFrame | Columns]] = {t.key: [] for t in TABLES}
    owners: dict[str, list[int]] = {t.key: [] for t in TABLES}  # the source number of each part
    single: dict[int, object] = {}  # source number → the code of its one department
    problems: list[DataError] = []
    files: list[Path] = []
    for number, src in enumerate(found):
        files.append(src)
        try:
            loaded = list(reader_for(src).read(src, problems))
        except DataError as exc:  # one broken department never stops the others
            problems.append(exc)
            continue
        for table, df in loaded:
            if len(df):
                parts[table.key].append(df)
                owners[table.key].append(number)
    tables = {}
    for t in TABLES:
        frames = parts[t.key]
        if not frames:
            tables[t.key] = empty_frame(t)
            continue
        df = _one_frame(frames)
        if t.key == "departments":
            starts = np.cumsum([0, *(len(f) for f in frames[:-1])])
            single = {
                n: df["dept_code"].iloc[s] for n, s, f in zip(owners[t.key], starts, frames, strict=True) if len(f) == 1
            }
        elif single:
            owner = np.repeat(owners[t.key], [len(f) for f in frames])
            fill_dept_code(df, owner, single)
        tables[t.key] = df
    return RawData(tables, tuple(files), tuple(problems))
