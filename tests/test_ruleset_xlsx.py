"""Review in Excel, lossless: export → import gives a ruleset that compiles to the same model and scores alike."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook
from test_smoke import ruleset_doc
from typer.testing import CliRunner

from scoring import api
from scoring.cli import app
from scoring.core.errors import RulesetError
from scoring.core.resources import ruleset_files
from scoring.io.ruleset_xlsx import export_ruleset, import_ruleset, ruleset_yaml
from scoring.rules.ruleset import Ruleset, load_ruleset

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SKIP = {"line", "file", "path", "library", "raw", "extends"}  # where it was written, not what it says


def model(obj: Any) -> Any:
    """A compiled ruleset as plain data, without source positions: two rulesets that say the same are equal."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: model(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.name not in SKIP}
    if isinstance(obj, dict) or hasattr(obj, "items"):
        return {str(k): model(v) for k, v in obj.items() if k not in ("__line__", "__file__")}
    if isinstance(obj, list | tuple):
        return [model(v) for v in obj]
    if isinstance(obj, int | float) and not isinstance(obj, bool):
        return float(obj)
    return obj


def round_trip(rs: Ruleset, tmp: Path) -> Ruleset:
    book = tmp / f"{rs.name}.xlsx"
    export_ruleset(rs, book)
    back = tmp / f"{rs.name}-back.yaml"
    back.write_text(ruleset_yaml(import_ruleset(book), book.name), encoding="utf-8")
    return load_ruleset(back)


@pytest.mark.parametrize("name", [p.stem for p in ruleset_files()])
def test_every_shipped_ruleset_round_trips_to_the_same_model_and_scores(tmp_path: Path, name: str) -> None:
    rs = load_ruleset(name)
    back = round_trip(rs, tmp_path)
    assert model(back) == model(rs)
    a, b = api.run_path(EXAMPLES, rs), api.run_path(EXAMPLES, back)
    pd.testing.assert_frame_equal(
        a.result.departments[["dept_code", "total", "grade"]], b.result.departments[["dept_code", "total", "grade"]]
    )
    assert list(a.result.items["points"]) == list(b.result.items["points"])
    assert [f.rule_id for f in a.findings] == [f.rule_id for f in b.findings]


def test_the_workbook_reads_as_a_ruleset(tmp_path: Path) -> None:
    book = tmp_path / "规则.xlsx"
    export_ruleset(load_ruleset("province-dept"), book)
    wb = load_workbook(book)
    assert wb.sheetnames == [
        "说明",
        "设置",
        "权重",
        "计分方法",
        "未写比较符",
        "自设指标",
        "等级",
        "检查",
        "问题规则",
        "测试",
    ]
    weights = [list(r) for r in wb["权重"].iter_rows(min_row=1, max_row=5, values_only=True)]
    assert weights[0][:4] == ["级次", "名称", "别名", "分值"]
    assert weights[1][:4] == ["一级", "投入", "[投入指标]", 15]
    assert weights[2][:4] == ["二级", "目标设定", None, 5]
    assert weights[3][:4] == ["指标", "绩效目标合理性", None, 2] and weights[3][8] == "input"
    grades = [list(r) for r in wb["等级"].iter_rows(min_row=2, values_only=True)]
    assert grades == [["优", 90, 100], ["良", 80, 90], ["中", 60, 80], ["差", 0, 60]]
    settings_ = dict(wb["设置"].iter_rows(min_row=2, values_only=True))
    assert settings_["scope"] == "department" and settings_["version"] == "2024.1"


def test_an_edit_in_excel_comes_back(tmp_path: Path) -> None:
    book = tmp_path / "规则.xlsx"
    export_ruleset(load_ruleset("mof-project"), book)
    wb = load_workbook(book)
    wb["等级"]["B2"] = 95  # 优 from 95
    wb["等级"]["C3"] = 95  # 良 up to 95
    for row in wb["权重"].iter_rows(min_row=2):
        if row[1].value == "预算执行率":
            row[7].value = "{name: budget_execution, round: 0}"
    wb.save(book)
    out = tmp_path / "edited.yaml"
    res = CliRunner().invoke(app, ["ruleset", "import", str(book), "-o", str(out)])
    assert res.exit_code == 0, res.output
    rs = load_ruleset(out)
    assert [(g.name, g.min, g.max) for g in rs.grades][:2] == [("优", 95, 100), ("良", 80, 95)]
    assert rs.levels[0].method is not None and dict(rs.levels[0].method.params) == {"round": 0}


@pytest.mark.parametrize(
    ("sheet", "cell", "value", "message"),
    [
        ("权重", "A1", "层级", "未知的列「层级」"),
        ("计分方法", "B2", "{name: [", "工作表「计分方法」第2行「计分方法（method）」列：单元格不是有效的 YAML"),
        ("权重", "A2", "第一级", "级次应为 一级 / 二级 / 指标，而不是 '第一级'"),
        ("等级", "B2", "九十", "应为 数值，而不是 文字 '九十'"),
    ],
    ids=["unknown-column", "bad-yaml", "bad-tier", "text-number"],
)
def test_a_bad_edit_is_refused_with_its_place(tmp_path: Path, sheet: str, cell: str, value: str, message: str) -> None:
    book = tmp_path / "规则.xlsx"
    export_ruleset(load_ruleset("mof-project"), book)
    wb = load_workbook(book)
    wb[sheet][cell] = value
    wb.save(book)
    res = CliRunner().invoke(app, ["ruleset", "import", str(book)])
    assert res.exit_code == 2, res.output
    assert message in res.stderr and "Traceback" not in res.output


def test_not_a_workbook(tmp_path: Path) -> None:
    fake = tmp_path / "规则.xlsx"
    fake.write_text("not a zip", encoding="utf-8")
    with pytest.raises(RulesetError, match="无法读取工作簿"):
        import_ruleset(fake)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(ruleset_doc())
def test_round_trip_of_generated_rulesets(tmp_path: Path, doc: dict[str, Any]) -> None:
    path = tmp_path / "generated.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    rs = load_ruleset(path)
    assert model(round_trip(rs, tmp_path)) == model(rs)
