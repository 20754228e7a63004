"""Published 自评表 layouts of several provinces (tests/data/forms/*.yaml), built into xlsx, read by header words
and scored to the figures worked by hand in each file's `expected:` block (issue 14)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from scoring.api import run_path
from scoring.core.errors import DataError
from scoring.io.mof import read_mof

FORMS = Path(__file__).parent / "data" / "forms"
sys.path.insert(0, str(FORMS))

from form_builder import build_form, load_form  # noqa: E402

PATHS = sorted(FORMS.glob("0*.yaml"))


def _read(tmp_path: Path, path: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame], Path]:
    out = build_form(path, tmp_path / f"{path.stem}.xlsx")
    tables = {t.sheet: df for t, df in read_mof(out)}
    return load_form(path), tables, out


def _scorable(form: dict[str, Any]) -> bool:
    """The shipped ruleset applies from 2020 and a form needs its year printed (03 has none, 04 is 2019)."""
    return bool(form.get("year")) and form["year"] >= 2020


@pytest.mark.parametrize("path", PATHS, ids=[p.stem[:2] for p in PATHS])
def test_funds_block_read_by_header_words(tmp_path: Path, path: Path) -> None:
    form, tables, _ = _read(tmp_path, path)
    (project,) = tables["项目支出"].to_dict("records")
    exp = form["expected"]
    assert float(project["budget_final"]) == pytest.approx(exp["budget_final"], abs=0.01)
    assert float(project["spent"]) == pytest.approx(exp["spent"], abs=0.01)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem[:2] for p in PATHS])
def test_targets_joined_and_weights_read(tmp_path: Path, path: Path) -> None:
    form, tables, _ = _read(tmp_path, path)
    rows = {r["name"]: r for r in tables["绩效指标"].to_dict("records")}
    for ind in form["expected"]["indicators"]:
        row = rows[ind["name"]]
        if ind.get("target") is not None:
            assert str(row["target"]) == str(ind["target"]), ind["name"]
        if ind.get("weight") is not None:
            assert float(row["weight"]) == pytest.approx(float(ind["weight"])), ind["name"]


@pytest.mark.parametrize(
    "path", [p for p in PATHS if _scorable(load_form(p))], ids=[p.stem[:2] for p in PATHS if _scorable(load_form(p))]
)
def test_scored_to_the_hand_worked_figures(tmp_path: Path, path: Path) -> None:
    form, _, xlsx = _read(tmp_path, path)
    exp = form["expected"]
    run = run_path(xlsx)
    (project,) = run.result.projects.to_dict("records")
    assert project["execution_rate"] == pytest.approx(exp["execution_rate"], abs=1e-4)
    items = run.result.items
    (rate,) = items.loc[items["kind"] == "metric", "points"]
    assert rate == pytest.approx(exp["execution_points"], abs=0.01)
    scored = dict(zip(items["name"], items["points"], strict=True))
    checked = 0
    rejected = {r.source.row for r in run.dataset.rejections if r.table == "绩效指标"}
    for ind in exp["indicators"]:
        if ind["name"] not in scored:  # "9月前" / "7月": a value the engine does not read is rejected, with its row
            assert rejected, ind["name"]
            continue
        assert scored[ind["name"]] == pytest.approx(float(ind["printed_score"]), abs=0.01), ind["name"]
        checked += 1
    # 02 and 07 publish no 完成值: their rows are rejected with a reason and only the funds block is scored
    assert checked >= 5 or all(i.get("actual") is None for i in exp["indicators"])


def test_sichuan_split_target_keeps_comparator_and_unit(tmp_path: Path) -> None:
    _, tables, _ = _read(tmp_path, FORMS / "02-sichuan-qingshen-gongzixing-2023.yaml")
    assert tables["绩效指标"]["target"].tolist() == ["=100%", "=100%"]
    (project,) = tables["项目支出"].to_dict("records")
    assert (float(project["budget_initial"]), float(project["budget_final"])) == (238.93, 251.89)  # 调整后预算数


def test_zero_total_row_falls_back_to_its_source_rows(tmp_path: Path) -> None:
    """Anhui 01 prints 年度资金总额 0/0/0 over 其中：本年财政拨款 90/89.974/89.974."""
    _, tables, _ = _read(tmp_path, FORMS / "01-anhui-tangxizhen-weituoyewu-2022.yaml")
    (project,) = tables["项目支出"].to_dict("records")
    assert (float(project["budget_initial"]), float(project["budget_final"]), float(project["spent"])) == (
        90.0,
        89.974,
        89.974,
    )


def test_unrecognised_layout_refused_with_the_headers_found(tmp_path: Path) -> None:
    path = tmp_path / "odd.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["项目支出绩效自评表"])
    ws.append(["项目名称", "某项目"])
    ws.append(["资金", "预算金额", "花掉的钱"])
    ws.append(["一级指标", "三级指标", "指标值", "完成值", "分值"])
    wb.save(path)
    with pytest.raises(DataError) as err:
        list(read_mof(path))
    message = str(err.value)
    assert "无法识别的自评表版式" in message and "资金表头" in message
    assert "预算金额" in message and "一级指标" not in message.split("找到的表头有：")[0]


def _variant(
    tmp_path: Path, edits: Mapping[str, str | None], name: str = "02-sichuan-qingshen-gongzixing-2023.yaml"
) -> Path:
    """A built form with some cells rewritten (A1 notation; None clears the cell)."""
    out = Path(build_form(FORMS / name, tmp_path / "variant.xlsx"))
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    assert ws is not None
    for ref, value in edits.items():
        ws[ref] = value
    wb.save(out)
    return out


def test_funds_block_without_a_total_or_source_row_is_refused_not_scored_as_missing(tmp_path: Path) -> None:
    """The header words are known (调整后预算数/预算执行数) but no row is labelled 总额 or a source: the
    workbook is refused naming sheet, row and column — never read with 全年预算数 blank and scored 0."""
    labels = {"B9": "合计", "B10": "一般公共预算", "B11": "专户", "B12": "自有", "B13": "另外"}
    book = _variant(tmp_path, labels)
    with pytest.raises(DataError) as err:
        list(read_mof(book))
    e = err.value
    assert (e.source.sheet, e.source.row, e.source.column) == ("自评表", 9, "年度资金总额")
    assert "表头第8行" in str(e) and "合计、一般公共预算" in str(e)
    run = run_path(book)
    assert len(run.result.projects) == 0 and "budget-missing" not in {f.rule_id for f in run.findings}
    assert any("未找到“年度资金总额”" in str(p) for p in run.dataset.problems)


def test_only_initial_budget_column_is_the_denominator_with_a_notice(tmp_path: Path) -> None:
    """Shandong 04 heads its funds block 年初预算数(A) / 全年执行数(B) / 执行率(B/A): A is 全年预算数, said aloud."""
    out = build_form(FORMS / "04-shandong-licheng-wenhuaguan-2019.yaml", tmp_path / "04.xlsx")
    notices: list[DataError] = []
    tables = {t.sheet: df for t, df in read_mof(out, notices)}
    (project,) = tables["项目支出"].to_dict("records")
    assert float(project["budget_final"]) == 45.0
    assert [(n.source.row, n.source.column) for n in notices] == [(8, "年初预算数(A)")]
    assert "以年初预算数为分母" in str(notices[0])


def test_unreadable_source_amount_is_named_not_dropped(tmp_path: Path) -> None:
    """A source row's amount that is not 万元 is blank in the source columns, with a notice naming the cell."""
    book = _variant(tmp_path, {"D10": "见附表"})
    notices: list[DataError] = []
    tables = {t.sheet: df for t, df in read_mof(book, notices)}
    (project,) = tables["项目支出"].to_dict("records")
    assert project["current_budget_final"] is None and float(project["budget_final"]) == 251.89
    assert [(n.source.row, n.source.column) for n in notices] == [(10, "全年预算数")]
