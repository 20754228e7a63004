"""The readers registry: each source goes to the reader that claims and recognises it, and a new input format
is one registered reader (shown with a toy JSON reader that scores the example exactly like its CSV folder)."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from scoring.api import run_raw
from scoring.core.errors import DataError
from scoring.io import readers
from scoring.io.csv_tables import CSV_FILE, CSV_FOLDER
from scoring.io.mof import MOF
from scoring.io.raw import RawData, build_frame, read_text, sheet_table
from scoring.io.reader import Reader
from scoring.io.workbook import WORKBOOK
from scoring.model.tables import Table
from scoring.rules.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lusong-chengguan"
MOF_BOOK = Path(__file__).parent / "data" / "mof-自评表-芦淞城管.xlsx"


def _read_json(path: Path, notices: list[DataError]) -> Iterator[tuple[Table, pd.DataFrame]]:
    """Toy format: {"<sheet name>": [[header…], [row…], …], …}."""
    for name, rows in json.loads(path.read_text(encoding="utf-8")).items():
        table = sheet_table(name)
        if table is not None:
            yield table, build_frame(table, rows, path, name, notices)


JSON = Reader("json", "JSON 表格（每张表一个键）", _read_json, suffixes=(".json",))


@pytest.fixture
def json_reader() -> Iterator[Reader]:
    readers.register(JSON)
    yield JSON
    readers.unregister(JSON.name)


def _example_as_json(path: Path) -> Path:
    tables = {p.stem: list(csv.reader(read_text(p).splitlines())) for p in sorted(EXAMPLE.glob("*.csv"))}
    path.write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
    return path


def _plain(raw: RawData) -> dict[str, Any]:
    return {k: df.drop(columns=["_file", "_sheet"]).to_dict("records") for k, df in raw.tables.items()}


def test_a_registered_reader_reads_its_format_and_scores_like_the_csv_folder(
    json_reader: Reader, tmp_path: Path
) -> None:
    path = _example_as_json(tmp_path / "芦淞城管.json")
    assert readers.reader_for(path) is JSON
    from_json, from_csv = readers.load(path), readers.load(EXAMPLE)
    assert _plain(from_json) == _plain(from_csv)
    assert from_json["indicators"]["_file"].unique().tolist() == [str(path)]
    rs = load_ruleset("mof-project")
    totals = [run_raw(raw, rs, 2024).result.departments["total"].tolist() for raw in (from_json, from_csv)]
    assert totals[0] == totals[1] and len(totals[0]) == 1


def test_a_registered_reader_is_found_inside_folders_and_gone_when_unregistered(tmp_path: Path) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "csv-dept")
    (tmp_path / "sub").mkdir()
    _example_as_json(tmp_path / "sub" / "json-dept.json")
    readers.register(JSON)
    try:
        assert list(readers.sources(tmp_path)) == [tmp_path / "csv-dept", tmp_path / "sub" / "json-dept.json"]
        assert len(readers.load(tmp_path)["departments"]) == 2
    finally:
        readers.unregister(JSON.name)
    assert list(readers.sources(tmp_path)) == [tmp_path / "csv-dept"]
    with pytest.raises(DataError, match="不支持的文件类型") as info:
        readers.reader_for(tmp_path / "sub" / "json-dept.json")
    assert info.value.hint == "支持 .xlsx、.xlsm、.csv 或包含它们的文件夹"


def _template_book(path: Path, *, extra_mof_sheet: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "单位信息"
    ws.append(["部门编码", "部门名称", "年度"])
    ws.append(["D1", "甲局", 2024])
    if extra_mof_sheet:
        wb.create_sheet("项目1")["A1"] = "项目支出绩效自评表"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda tmp: EXAMPLE, CSV_FOLDER),
        (lambda tmp: EXAMPLE / "单位信息.csv", CSV_FILE),
        (lambda tmp: _template_book(tmp / "t.xlsx"), WORKBOOK),
        (lambda tmp: _template_book(tmp / "both.xlsx", extra_mof_sheet=True), WORKBOOK),
        (lambda tmp: MOF_BOOK, MOF),
    ],
    ids=["csv-folder", "lone-csv", "template-workbook", "template-wins-over-mof", "mof-layout"],
)
def test_each_source_goes_to_the_reader_that_recognises_it(
    make: Callable[[Path], Path], expected: Reader, tmp_path: Path
) -> None:
    assert readers.reader_for(make(tmp_path)) is expected


def test_mof_workbook_is_read_by_the_registered_mof_reader() -> None:
    raw = readers.load(MOF_BOOK)
    book = openpyxl.load_workbook(MOF_BOOK, read_only=True)
    sheets = book.sheetnames
    book.close()
    # one project per form sheet, in sheet order; the instructions sheet is not a form
    assert sheets == ["数字化城管", "城管考评", "小游园", "填报说明"]
    assert raw["projects"]["_sheet"].tolist() == sheets[:3]
    assert raw["departments"]["dept_name"].tolist() == ["株洲市芦淞区城市管理和综合执法局"]


def test_a_workbook_no_reader_recognises_is_one_problem_naming_the_formats(tmp_path: Path) -> None:
    path = tmp_path / "其他.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "会议纪要"
    wb.save(path)
    raw = readers.load(path)
    (problem,) = raw.problems
    assert "无法识别文件内容" in str(problem)
    assert WORKBOOK.title in str(problem) and MOF.title in str(problem)
    assert all(df.empty for df in raw.tables.values())


def test_a_reader_registered_first_takes_priority(tmp_path: Path) -> None:
    book = _template_book(tmp_path / "t.xlsx")
    seen: list[Path] = []

    def read(path: Path, notices: list[DataError]) -> Iterator[tuple[Table, pd.DataFrame]]:
        seen.append(path)
        return iter(())

    readers.register(Reader("probe", "探针", read, suffixes=(".xlsx",)), first=True)
    try:
        readers.load(book)
    finally:
        readers.unregister("probe")
    assert seen == [book]
    assert readers.reader_for(book) is WORKBOOK
