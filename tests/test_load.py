"""Loading real inputs: encodings, full-width and thousands-separated numbers, percentages, Excel dates and
percent cells, folders of departments, a department given twice, and broken files that must not stop the rest."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from scoring import api
from scoring.io.load import load_path
from scoring.model.dataset import Dataset
from scoring.pipeline.validate import validate
from scoring.rules.ruleset import Ruleset, load_ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lusong-chengguan"
CODE = "430203017"


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset("mof-project")


def copy_example(dest: Path, encoding: str = "utf-8", edit: dict[str, list[tuple[str, str]]] | None = None) -> Path:
    """The example department saved in another encoding, with text replacements per file stem."""
    dest.mkdir(parents=True)
    for p in EXAMPLE.glob("*.csv"):
        text = p.read_text(encoding="utf-8-sig")
        for old, new in (edit or {}).get(p.stem, []):
            assert old in text, (p.stem, old)
            text = text.replace(old, new)
        (dest / p.name).write_bytes(text.encode(encoding))
    return dest


def _frames(ds: Dataset) -> dict[str, pd.DataFrame]:
    return {
        k: getattr(ds, k).drop(columns=["_file", "_sheet"]) for k in ("departments", "budget", "projects", "indicators")
    }


def assert_same(a: Dataset, b: Dataset) -> None:
    assert a.rejections == b.rejections == ()
    for key, frame in _frames(a).items():
        pd.testing.assert_frame_equal(frame, _frames(b)[key], obj=key)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"], ids=["utf8-bom", "gbk", "gb18030"])
def test_encodings_load_identically(tmp_path: Path, ruleset: Ruleset, encoding: str) -> None:
    plain = validate(load_path(copy_example(tmp_path / "utf8")), ruleset)
    other = copy_example(tmp_path / encoding, encoding)
    if encoding != "utf-8-sig":
        with pytest.raises(UnicodeDecodeError):
            (other / "绩效指标.csv").read_text(encoding="utf-8")
    assert_same(plain, validate(load_path(other), ruleset))


def test_fullwidth_thousands_and_percent_forms_read_as_plain(tmp_path: Path, ruleset: Ruleset) -> None:
    """WPS/Excel users write ＞＝９５％, 1,255.11 and 0.9639: each means what the plain form means."""
    plain = validate(load_path(copy_example(tmp_path / "plain")), ruleset)
    odd = copy_example(
        tmp_path / "odd",
        "gbk",
        {
            "预算收支": [("一般公共预算,1255.11,1255.11,1255.11", '一般公共预算,"1,255.11","1,255.11",１２５５．１１')],
            "项目支出": [
                (
                    "P02,市政工程维护中心运行维护项目,一般公共预算,193.16",
                    "P02,市政工程维护中心运行维护项目,一般公共预算,１９３．１６",
                )
            ],
            "绩效指标": [
                ("结案率,≥95%,96.39%", "结案率,＞＝９５％,0.9639"),
                ("立案数,≥100000件,112252件", '立案数,"≥100,000件","112,252件"'),
                ("垃圾容器更新率,≥95%,90%", "垃圾容器更新率,≥95%,０.９"),
            ],
        },
    )
    other = validate(load_path(odd), ruleset)
    assert other.rejections == ()
    for key in ("departments", "budget", "projects"):
        pd.testing.assert_frame_equal(_frames(plain)[key], _frames(other)[key], obj=key)
    cols = ["name", "comparator", "target", "unit", "actual", "actual_unit"]
    pd.testing.assert_frame_equal(plain.indicators[cols], other.indicators[cols])


def test_scores_do_not_depend_on_how_a_percentage_is_written(tmp_path: Path) -> None:
    a = api.run_path(copy_example(tmp_path / "a"))
    b = api.run_path(copy_example(tmp_path / "b", edit={"绩效指标": [("96.39%", "0.9639"), ("81.32%", "81.32")]}))
    pd.testing.assert_series_equal(a.result.items["points"], b.result.items["points"])


def _typed(v: str) -> object:
    """What Excel stores for typed text: numbers as numbers (codes too), blanks as nothing."""
    if v == "":
        return None
    try:
        f = float(v)
    except ValueError:
        return v
    return int(f) if f.is_integer() else f


def _workbook_from_example(
    path: Path, cells: dict[tuple[str, str], object] | None = None, formats: dict[tuple[str, str], str] | None = None
) -> Path:
    """The example as an xlsx with one sheet per CSV; cells/formats keyed by (sheet, ref) override."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for p in sorted(EXAMPLE.glob("*.csv")):
        ws = wb.create_sheet(p.stem)
        for line in p.read_text(encoding="utf-8-sig").splitlines():
            ws.append([_typed(v) for v in line.split(",")])
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # typed as '=1个: text, not a formula
    for (sheet, ref), value in (cells or {}).items():
        wb[sheet][ref] = value
    for (sheet, ref), fmt in (formats or {}).items():
        wb[sheet][ref].number_format = fmt
    wb.save(path)
    return path


def test_excel_date_in_year_and_percent_formatted_cells(tmp_path: Path, ruleset: Ruleset) -> None:
    """年度 typed as a date is its year; 0.9639 shown as 96.39% is read as "96.39%"; 0.9 as 90%."""
    plain = validate(load_path(_workbook_from_example(tmp_path / "plain.xlsx")), ruleset)
    book = _workbook_from_example(
        tmp_path / "odd.xlsx",
        cells={("单位信息", "C2"): datetime(2024, 12, 31), ("绩效指标", "F4"): 0.9639, ("绩效指标", "F20"): 0.9},
        formats={("单位信息", "C2"): "yyyy-mm-dd", ("绩效指标", "F4"): "0.00%", ("绩效指标", "F20"): "0%"},
    )
    raw = load_path(book)
    assert raw["departments"]["year"].tolist() == [2024]
    assert raw["indicators"].loc[raw["indicators"]["name"] == "结案率", "actual"].tolist() == ["96.39%"]
    assert raw["indicators"].loc[raw["indicators"]["name"] == "垃圾容器更新率", "actual"].tolist() == ["90%"]
    assert_same(plain, validate(raw, ruleset))


def test_plain_date_object_in_year(tmp_path: Path) -> None:
    book = _workbook_from_example(tmp_path / "d.xlsx", cells={("单位信息", "C2"): date(2024, 1, 1)})
    assert load_path(book)["departments"]["year"].tolist() == [2024]


def _second_department(dest: Path) -> Path:
    return copy_example(dest, edit={"单位信息": [(CODE, "430203018"), ("城市管理和综合执法局", "市场监督管理局")]})


def test_folder_of_departments_loads_in_one_call(tmp_path: Path, ruleset: Ruleset) -> None:
    root = tmp_path / "全区"
    copy_example(root / "城管局")
    _second_department(root / "市监局")
    _workbook_from_example(root / "第三个.xlsx", cells={("单位信息", "A2"): "430203019"})
    raw = load_path(root)
    assert sorted(raw["departments"]["dept_code"].astype(str)) == [CODE, "430203018", "430203019"]
    assert raw.problems == ()
    run = api.run_path(root)
    assert run.dataset.rejections == ()
    assert len(run.result.departments) == 3
    assert len(run.result.projects) == 24


def test_same_department_twice_names_both_files(tmp_path: Path, ruleset: Ruleset) -> None:
    first = copy_example(tmp_path / "a-城管局")
    second = copy_example(tmp_path / "b-城管局-重复", "gbk")
    ds = validate(load_path(tmp_path), ruleset)
    dup = [r for r in ds.rejections if r.table == "单位信息"]
    assert len(dup) == 1
    text = str(dup[0])
    assert str(first / "单位信息.csv") in text and str(second / "单位信息.csv") in text
    assert "部门编码重复" in text
    assert dup[0].source.row == 2 and dup[0].source.column == "部门编码"
    assert len(ds.departments) == 1


def test_same_department_twice_counts_its_rows_once(tmp_path: Path) -> None:
    """The duplicate's other rows are rejected too, so nothing is counted twice and N = M + K."""
    copy_example(tmp_path / "a")
    copy_example(tmp_path / "b")
    once = api.run_path(EXAMPLE)
    twice = api.run_path(tmp_path)
    read, used, rejected = twice.counts
    assert read == 2 * once.counts[0]
    assert used == once.counts[1]
    assert read == used + rejected
    assert twice.result.departments["total"].tolist() == once.result.departments["total"].tolist()
    assert all("b" in Path(r.source.file).parent.name for r in twice.dataset.rejections)


def test_broken_files_do_not_stop_the_others(tmp_path: Path) -> None:
    copy_example(tmp_path / "城管局")
    (tmp_path / "损坏.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (tmp_path / "空白表头").mkdir()
    (tmp_path / "空白表头" / "单位信息.csv").write_text("随便写的,没有表头\n1,2\n", encoding="utf-8")
    (tmp_path / "无关.xlsx").write_bytes(b"")
    wb = openpyxl.Workbook()
    wb.active["A1"] = "这个工作簿既不是模板也不是自评表"
    wb.save(tmp_path / "其他.xlsx")
    run = api.run_path(tmp_path)
    assert run.result.departments["dept_code"].tolist() == [CODE]
    problems = {Path(str(p.source.file)).name: str(p) for p in run.dataset.problems}
    assert set(problems) == {"损坏.xlsx", "单位信息.csv", "无关.xlsx", "其他.xlsx"}
    assert "无法打开 Excel 文件" in problems["损坏.xlsx"]
    assert "找不到表头" in problems["单位信息.csv"]
    assert "项目支出绩效自评表" in problems["其他.xlsx"]


def test_example_folder_copied_whole_is_one_department(tmp_path: Path) -> None:
    dest = tmp_path / "x"
    shutil.copytree(EXAMPLE, dest)
    raw = load_path(dest)
    assert raw["departments"]["dept_code"].astype(str).tolist() == [CODE]
    assert set(raw["indicators"]["dept_code"].astype(str)) == {CODE}  # filled from 单位信息


def test_formula_without_cached_value_is_named(tmp_path: Path) -> None:
    """A formula saved by a program (no cached result) reads as blank; a notice names the cell and formula."""
    book = _workbook_from_example(tmp_path / "f.xlsx", cells={("绩效指标", "F4"): "=95+1.39"})
    wb = openpyxl.load_workbook(book)
    wb["绩效指标"]["F4"].data_type = "f"
    wb.save(book)
    raw = load_path(book)
    assert raw["indicators"].loc[raw["indicators"]["_row"] == 4, "actual"].isna().all()
    assert len(raw.problems) == 1
    note = raw.problems[0]
    assert (note.source.sheet, note.source.row) == ("绩效指标", 4)
    assert "F4「=95+1.39」" in str(note) and "没有缓存的计算结果" in str(note)


def test_a_header_close_to_a_known_one_is_named(tmp_path: Path, ruleset: Ruleset) -> None:
    """全年执行 (for 全年执行数) would be a column silently lost: a notice names it; 备注 is left alone."""
    dept = copy_example(tmp_path / "d", edit={"项目支出": [("全年执行数", "全年执行"), ("数据期间", "数据期间,备注")]})
    raw = load_path(dept)
    assert raw["projects"]["spent"].isna().all()
    assert len(raw.problems) == 1
    note = raw.problems[0]
    assert (Path(str(note.source.file)).name, note.source.row, note.source.column) == ("项目支出.csv", 1, "全年执行")
    assert "未识别的列「全年执行」" in str(note) and "全年执行数" in str(note)


def test_utf16_tab_separated_export_loads_identically(tmp_path: Path, ruleset: Ruleset) -> None:
    """Excel/WPS "Unicode 文本" saves UTF-16 with tabs: same data, same result."""
    plain = validate(load_path(copy_example(tmp_path / "utf8")), ruleset)
    other = copy_example(tmp_path / "utf16")
    for p in other.glob("*.csv"):
        p.write_bytes(p.read_text(encoding="utf-8").replace(",", "\t").encode("utf-16"))
    assert (other / "绩效指标.csv").read_bytes()[:2] == b"\xff\xfe"
    assert_same(plain, validate(load_path(other), ruleset))
