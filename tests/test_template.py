"""perfscore template: the workbook read back (cells, comments, drop-downs), the CSV folder, and the round trip:
a template filled with the example department scores exactly like the same data saved as a GBK CSV folder."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.datavalidation import DataValidation
from typer.testing import CliRunner

from scoring import api
from scoring.cli import app
from scoring.io.load import SAMPLE_MARK, load_path
from scoring.io.template import OPTIONS_SHEET, README_SHEET, TEXT_FIELDS, write_template
from scoring.model.tables import DEPT_INDICATORS, INDICATORS
from scoring.model.tables import INPUT_TABLES as TABLES
from scoring.pipeline.validate import validate
from scoring.rules.ruleset import load_ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "lusong-chengguan"
SHEETS = [t.sheet for t in TABLES]


@pytest.fixture(scope="module")
def book_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "自评模板.xlsx", year=2024)[0]


@pytest.fixture(scope="module")
def book(book_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(book_path)


def _list_values(wb: openpyxl.Workbook, formula: str) -> list[str]:
    """The values a list validation offers: its formula names a range of the 选项 sheet."""
    sheet, ref = formula.split("!")
    ws = wb[sheet.strip("'")]
    return [str(c.value) for row in ws[ref.replace("$", "")] for c in row]


def _validation(ws: openpyxl.worksheet.worksheet.Worksheet, column: str) -> DataValidation:
    """The data validation covering row 2 of the column headed `column`."""
    letter = next(c.column_letter for c in ws[1] if c.value == column)
    found = [dv for dv in ws.data_validations.dataValidation if f"{letter}2" in dv.sqref]
    assert len(found) == 1, f"{ws.title}「{column}」列应有一个数据验证"
    return found[0]


def test_sheets_in_order_with_options_hidden(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == [README_SHEET, *SHEETS, OPTIONS_SHEET]
    assert book[OPTIONS_SHEET].sheet_state == "hidden"
    assert all(book[s].sheet_state == "visible" for s in SHEETS)


@pytest.mark.parametrize("table", TABLES, ids=[t.sheet for t in TABLES])
def test_headers_comments_freeze_widths(book: openpyxl.Workbook, table: object) -> None:
    ws = book[table.sheet]  # type: ignore[attr-defined]
    cols = table.columns  # type: ignore[attr-defined]
    assert [c.value for c in ws[1]] == [c.header for c in cols]
    for cell, col in zip(ws[1], cols, strict=True):
        text = cell.comment.text
        assert text.startswith(f"【{col.header}】{'必填' if col.required else '选填'}")
        assert len(text.splitlines()) >= 2, f"「{col.header}」的批注应说明填写内容"
        if col.comment:
            assert col.comment in text
        assert cell.font.bold
        assert ws.column_dimensions[cell.column_letter].width >= 10
    assert ws.freeze_panes == "A2"
    for cell, col in zip(ws[1], cols, strict=True):  # text columns: "=4次" typed in Excel stays text
        fmt = ws.column_dimensions[cell.column_letter].number_format
        assert (fmt == "@") == (col.field in TEXT_FIELDS), col.header


@pytest.mark.parametrize("table", TABLES, ids=[t.sheet for t in TABLES])
def test_samples_are_marked(book: openpyxl.Workbook, table: object) -> None:
    ws = book[table.sheet]  # type: ignore[attr-defined]
    codes = [r[0].value for r in ws.iter_rows(min_row=2)]
    assert 1 <= len(codes) <= 3
    assert all(str(c).startswith(SAMPLE_MARK) for c in codes)
    assert all(r[0].font.italic for r in ws.iter_rows(min_row=2))


def test_drop_downs_come_from_the_ruleset_and_library(book: openpyxl.Workbook) -> None:
    rs = load_ruleset("mof-project")
    ind = book[INDICATORS.sheet]
    level1 = _validation(ind, "一级指标")
    assert level1.type == "list"
    assert _list_values(book, level1.formula1) == ["产出指标", "效益指标", "满意度指标"]  # 预算执行率 is computed
    # 二级 narrows to the row's 一级 (column C): INDIRECT of the workbook name 二级_<一级>
    assert _validation(ind, "二级指标").formula1 == 'INDIRECT("二级_"&$C2)'
    for lv in rs.levels:
        if lv.children and lv.metric is None:
            named = book.defined_names[f"二级_{lv.name}"]
            assert _list_values(book, named.attr_text) == [c.name for c in lv.children]
    assert _list_values(book, book.defined_names["二级_产出指标"].attr_text) == [
        "数量指标",
        "质量指标",
        "时效指标",
        "成本指标",
    ]
    lines = _list_values(book, _validation(book["预算收支"], "科目").formula1)
    assert lines == [names[0] for names in rs.library.budget_lines.values()]
    assert {"一般公共预算", "基本支出", "人员经费", "公用经费", "项目支出", "政府性基金", "三公经费"} <= set(lines)
    assert _list_values(book, _validation(book["项目支出"], "资金性质").formula1)[:2] == ["一般公共预算", "政府性基金"]
    dept = book[DEPT_INDICATORS.sheet]  # a project ruleset does not read 整体绩效指标: no level lists there
    assert [dv for dv in dept.data_validations.dataValidation if dv.type == "list"] == []
    # units live inside 年度指标值 ("≥95%"): an input prompt lists them, and the 选项 sheet has the list
    prompt = _validation(ind, "年度指标值")
    assert "万元" in prompt.prompt and "平方米" in prompt.prompt and len(prompt.prompt) <= 255
    units = [c.value for c in book[OPTIONS_SHEET]["F"]]
    assert units[0] == "计量单位" and "人次" in units
    year = _validation(book["单位信息"], "年度")
    assert (year.type, year.formula1, year.formula2) == ("whole", "2000", "2100")


def test_department_ruleset_lists_its_own_levels(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", ruleset="province-dept")[0])
    dept = wb[DEPT_INDICATORS.sheet]
    assert _list_values(wb, _validation(dept, "一级指标").formula1) == ["投入", "过程", "产出", "效果"]
    names = _list_values(wb, _validation(dept, "三级指标").formula1)
    assert names == ["绩效目标合理性", "绩效指标明确性", "管理制度健全性", "资金使用合规性", "预决算信息公开性"]
    samples = [r[3].value for r in dept.iter_rows(min_row=2)]
    assert samples == names[:3]


def test_loader_reads_both_templates_back_and_skips_samples(book_path: Path, tmp_path: Path) -> None:
    folder = write_template(tmp_path / "csv", fmt="csv")[0].parent
    for path in (book_path, folder):
        raw = load_path(path)
        assert all(len(df) == 0 for df in raw.tables.values()), path
        assert len(raw.problems) == len(TABLES)
        assert all("模板示例" in str(p) and p.source.column == "部门编码" for p in raw.problems)
    assert {p.source.sheet for p in load_path(book_path).problems} == set(SHEETS)


def test_csv_template_is_utf8_with_bom(tmp_path: Path) -> None:
    written = write_template(tmp_path / "模板", fmt="csv")
    assert sorted(p.name for p in written) == sorted([f"{s}.csv" for s in SHEETS] + ["填表说明.txt"])
    for table in TABLES:
        data = (tmp_path / "模板" / f"{table.sheet}.csv").read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        header = next(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert header == [c.header for c in table.columns]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("ruleset", ["mof-project", "province-dept"])
def test_samples_are_valid_data(tmp_path: Path, ruleset: str, fmt: str) -> None:
    """With the 示例 mark removed, every sample row passes validation under the ruleset it was made for."""
    if fmt == "csv":
        path = tmp_path / "csv"
        write_template(path, fmt="csv", ruleset=ruleset, year=2024)
        for p in path.glob("*.csv"):
            p.write_text(p.read_text(encoding="utf-8-sig").replace("示例001", "T001"), encoding="utf-8-sig")
    else:
        path = write_template(tmp_path / "t.xlsx", ruleset=ruleset, year=2024)[0]
        wb = openpyxl.load_workbook(path)
        for table in TABLES:
            for row in wb[table.sheet].iter_rows(min_row=2, max_col=1):
                row[0].value = "T001"
        wb.save(path)
    ds = validate(load_path(path), load_ruleset(ruleset), 2024)
    assert ds.rejections == ()
    assert (len(ds.departments), len(ds.budget), len(ds.projects)) == (1, 3, 2)


# ------------------------------------------------------------------ CLI


def test_cli_template_xlsx_and_csv(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["template", "--out", str(tmp_path / "自评模板.xlsx")])
    assert res.exit_code == 0, res.output
    assert "已写入模板" in res.output
    assert openpyxl.load_workbook(tmp_path / "自评模板.xlsx").sheetnames[1] == "单位信息"
    res = runner.invoke(app, ["template", "--out", str(tmp_path / "自评模板.xlsx"), "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "自评模板" / "绩效指标.csv").exists()  # .xlsx dropped: CSV goes to a folder


def test_cli_template_refuses_a_folder_for_xlsx(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["template", "--out", str(tmp_path)])
    assert res.exit_code == 2
    assert "是文件夹" in res.output


def test_cli_template_bad_ruleset_names_it(tmp_path: Path) -> None:
    res = CliRunner().invoke(app, ["template", "--out", str(tmp_path / "t.xlsx"), "--ruleset", "no-such-ruleset"])
    assert res.exit_code == 2
    assert "no-such-ruleset" in res.output


# ------------------------------------------------------------------ round trip (issue 5, done when)


def _example_rows(table: object) -> list[dict[str, str]]:
    path = EXAMPLE / f"{table.sheet}.csv"  # type: ignore[attr-defined]
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def _as_typed(value: str, numeric: bool) -> object:
    """What Excel stores when a person types the text: numbers become numbers."""
    if value == "":
        return None
    if numeric:
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    return int(value) if value.isdigit() else value  # 部门编码 430203017 typed in Excel is a number


def fill_template(template: Path, out: Path) -> Path:
    """Overwrite the template's samples with the example department, as a person filling it in would."""
    wb = openpyxl.load_workbook(template)
    for table in TABLES:
        ws = wb[table.sheet]
        rows = _example_rows(table)
        for r in range(2, max(ws.max_row, len(rows) + 1) + 1):
            data = rows[r - 2] if r - 2 < len(rows) else {}
            for c, col in enumerate(table.columns, start=1):
                cell = ws.cell(row=r, column=c)
                cell.value = _as_typed(data.get(col.header, ""), col.numeric)  # None clears a sample cell
                if cell.value is not None and ws.column_dimensions[cell.column_letter].number_format == "@":
                    cell.value, cell.data_type = str(cell.value), "s"  # a text column: "=1个" is not a formula
    wb.save(out)
    return out


def save_gbk_folder(out: Path) -> Path:
    out.mkdir(parents=True)
    for p in EXAMPLE.glob("*.csv"):
        (out / p.name).write_bytes(p.read_text(encoding="utf-8-sig").encode("gbk"))
    return out


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=[c for c in ("_file", "_sheet") if c in df]).reset_index(drop=True)


@pytest.mark.parametrize("ruleset", ["mof-project", "province-dept"])
def test_filled_template_and_gbk_csv_score_identically(book_path: Path, tmp_path: Path, ruleset: str) -> None:
    xlsx = fill_template(book_path, tmp_path / "芦淞城管.xlsx")
    gbk = save_gbk_folder(tmp_path / "gbk")
    with pytest.raises(UnicodeDecodeError):
        (gbk / "绩效指标.csv").read_text(encoding="utf-8")  # really GBK, not UTF-8
    a, b = api.run_path(xlsx, ruleset, 2024), api.run_path(gbk, ruleset, 2024)
    assert a.counts == b.counts
    assert a.dataset.rejections == () and a.dataset.problems == ()
    pd.testing.assert_frame_equal(_comparable(a.result.items), _comparable(b.result.items))
    pd.testing.assert_frame_equal(_comparable(a.result.departments), _comparable(b.result.departments))
    if ruleset == "mof-project":
        pd.testing.assert_frame_equal(_comparable(a.result.projects), _comparable(b.result.projects))
        assert len(a.result.projects) == 8
    assert set(a.result.items["_sheet"].dropna()) <= set(SHEETS)  # the xlsx rows name their sheet


# ------------------------------------------------------------------ 主管部门 and 行业


def test_supervisor_and_sector_in_template_and_result(book: openpyxl.Workbook, tmp_path: Path) -> None:
    """单位信息 carries 主管部门 and 行业 (功能分类): in the template, read from CSV under an alias and from the
    perfscore workbook, blank allowed, and carried into ScoreResult.departments for the 汇总表."""
    heads = [c.value for c in book["单位信息"][1]]
    assert heads[-2:] == ["主管部门", "行业"]
    folder = tmp_path / "csv"
    folder.mkdir()
    for f in EXAMPLE.glob("*.csv"):
        (folder / f.name).write_bytes(f.read_bytes())
    info = pd.read_csv(folder / "单位信息.csv", dtype=str)
    extra = info.iloc[[0]].assign(部门编码="430203099", 部门名称="芦淞区某某中心")
    info = pd.concat([info, extra]).assign(主管部门=["芦淞区人民政府", ""], 功能分类=["城乡社区支出", "教育支出"])
    info.to_csv(folder / "单位信息.csv", index=False)
    ds = validate(load_path(folder), load_ruleset("mof-project"), 2024)
    d = ds.departments.set_index("dept_code")
    assert d.loc["430203017", "supervisor"] == "芦淞区人民政府"
    assert d.loc["430203017", "sector"] == "城乡社区支出"
    blank: object = d.loc["430203099", "supervisor"]
    assert blank is None or blank != blank or blank == ""  # blank allowed: missing, not rejected
    assert not [r for r in ds.rejections if r.table == "departments"]
    run = api.run_path(folder, "mof-project", 2024)
    res = run.result.departments.set_index("dept_code")
    assert [res.at["430203017", "supervisor"], res.at["430203017", "sector"]] == ["芦淞区人民政府", "城乡社区支出"]
    # The perfscore workbook: same columns, read back by header.
    path = write_template(tmp_path / "t.xlsx", year=2024)[0]
    wb = openpyxl.load_workbook(path)
    ws = wb["单位信息"]
    col = {c.value: c.column_letter for c in ws[1]}
    ws["A2"], ws[f"{col['主管部门']}2"], ws[f"{col['行业']}2"] = "T001", "某某区人民政府", "教育支出"
    wb.save(path)
    ds = validate(load_path(path), load_ruleset("mof-project"), 2024)
    assert ds.departments[["supervisor", "sector"]].values.tolist() == [["某某区人民政府", "教育支出"]]
