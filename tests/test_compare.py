"""compare: two rulesets over the same departments, with differences worked by hand."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import num
from typer.testing import CliRunner

from scoring.cli import app
from scoring.compare import compare

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
STRICT = """\
format: 1
extends: mof-project
name: strict-overachievement
version: "2024.1"
overachievement: {threshold: 1.2, penalty: 0.2}
"""


@pytest.fixture
def strict(tmp_path: Path) -> Path:
    p = tmp_path / "strict.yaml"
    p.write_text(STRICT, encoding="utf-8")
    return p


def test_compare_totals_items_and_findings(strict: Path) -> None:
    c = compare(EXAMPLES, "mof-project", strict, 2024)
    d = c.departments.set_index("dept_code")
    # ≥120% of target without a 偏差原因 loses 20%: P01 督查通报期数 (5/4) 10 → 8, P02 排水管道 (9.7/8) and
    # P04 市容整治 (85/60) 12.5 → 10; 取缔占道经营 (148%) gave a reason. Budget-weighted over 818.86 万元:
    lusong = (129.44 * -2 + 193.16 * -2.5 + 70.5 * -2.5) / 818.86
    # Each side's department total is rounded to 0.01 (issue 9), so the delta is within 0.01 of the exact one.
    assert num(d.loc["430203017", "delta"]) == pytest.approx(lusong, abs=0.01 + 1e-9)
    assert num(d.loc["430299201", "delta"]) == pytest.approx(0.0)
    it = c.items.set_index(["project_code", "name"])
    assert num(it.loc[("E03", "培训教师人次"), "delta"]) == pytest.approx(-5.0)  # 250%: 25 → 20
    assert ("P04", "取缔占道经营") not in it.index
    changed = c.findings[c.findings["dept_code"] == "430203017"]
    assert set(changed["change"]) == {"变化"}
    assert "新增涉及 数字化城管指挥中心运行项目·督查通报期数" in changed["problem"].iloc[0]


def test_compare_cli(strict: Path) -> None:
    res = CliRunner().invoke(app, ["compare", str(EXAMPLES), "-a", "mof-project", "-b", str(strict), "-y", "2024"])
    assert res.exit_code == 0, res.output
    assert re.search(r"株洲市芦淞区城市管理和综合执法局\s+98\.52\s+97\.40\s+-1\.12\s", res.output)
    assert "3 个部门中 0 个等级变化" in res.output


HIGH_BAR = """\
format: 1
extends: mof-project
name: high-bar
version: "2024.1"
grades:
  - {name: 优, min: 95}
  - {name: 良, min: 85, max: 95}
  - {name: 中, min: 60, max: 85}
  - {name: 差, max: 60}
"""


def test_grade_transition_matrix_and_drivers(tmp_path: Path) -> None:
    bar = tmp_path / "high-bar.yaml"
    bar.write_text(HIGH_BAR, encoding="utf-8")
    c = compare(EXAMPLES, "mof-project", bar, 2024)
    # Same points, stricter grades: 99.94 and 98.52 stay 优; 教育局 92.09 moves 优 → 良 (85 ≤ 92.09 < 95).
    t = c.transitions
    assert list(t.index) == ["优", "良", "中", "差", "—"] and list(t.columns) == ["优", "良", "中", "差", "—"]
    assert num(t.loc["优", "优"]) == 2 and num(t.loc["优", "良"]) == 1
    assert int(t.to_numpy().sum()) == 3  # every department counted once
    assert c.drivers.empty  # no indicator's points moved
    res = CliRunner().invoke(app, ["compare", str(EXAMPLES), "-a", "mof-project", "-b", str(bar), "-y", "2024"])
    assert res.exit_code == 0, res.output
    assert "等级变化矩阵" in res.output and re.search(r"A 优\s+2\s+1\s+0\s+0\s+0", res.output)


def test_drivers_sum_indicator_changes_over_departments() -> None:
    c = compare(EXAMPLES, "mof-project", "variant-10-90", 2024)
    # variant-10-90 drops 满意度: every satisfaction indicator's points vanish; the drivers table sums them per
    # name over departments, so each name's delta equals the sum of its item rows.
    by_name = c.items.groupby("name")["delta"].sum()
    drivers = c.drivers.set_index("name")
    for name, delta in by_name.items():
        assert num(drivers.at[name, "delta"]) == pytest.approx(float(delta))
    assert list(c.drivers["delta"].abs()) == sorted(c.drivers["delta"].abs(), reverse=True)


def test_compare_to_xlsx(tmp_path: Path) -> None:
    """compare -f xlsx -o F: departments with both totals, the transition matrix and the drivers, read back."""
    from openpyxl import load_workbook

    bar = tmp_path / "high-bar.yaml"
    bar.write_text(HIGH_BAR, encoding="utf-8")
    out = tmp_path / "比较.xlsx"
    res = CliRunner().invoke(
        app, ["compare", str(EXAMPLES), "-a", "mof-project", "-b", str(bar), "-y", "2024", "-f", "xlsx", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert f"已写入 {out}" in res.stderr
    book = load_workbook(out)
    assert book.sheetnames == ["部门", "等级变化矩阵", "驱动指标", "指标变化", "问题变化"]
    ws = book["部门"]
    assert [c.value for c in ws[4]] == [
        "部门编码",
        "部门",
        "A 得分",
        "B 得分",
        "变化",
        "A 等级",
        "B 等级",
        "A 排名",
        "B 排名",
    ]
    rows = {r[1].value: [c.value for c in r] for r in ws.iter_rows(min_row=5)}
    # Same points under both rulesets; 教育局 92.09 is 优 under A and 良 under B's 95 bar.
    edu = next(v for k, v in rows.items() if "教育" in k)
    assert edu[2] == edu[3] == 92.09 and edu[4] == 0 and edu[5:7] == ["优", "良"]
    assert ws.cell(5, 3).number_format == "0.00" and ws.cell(5, 3).font.name == "宋体"
    m = book["等级变化矩阵"]
    assert [c.value for c in m[2]] == ["A ＼ B", "B 优", "B 良", "B 中", "B 差", "B —", "合计"]
    assert [c.value for c in m[3]] == ["A 优", 2, 1, 0, 0, 0, 3]
    assert [c.value for c in m[8]] == ["合计", 2, 1, 0, 0, 0, 3]
    assert int(m.page_setup.paperSize) == 9 and m.page_setup.orientation == "landscape"
    assert book["驱动指标"].cell(2, 1).value == "无"  # no indicator moved


def test_compare_xlsx_drivers_and_bad_format(tmp_path: Path) -> None:
    out = tmp_path / "c.xlsx"
    res = CliRunner().invoke(
        app,
        [
            "compare",
            str(EXAMPLES),
            "-a",
            "mof-project",
            "-b",
            "variant-10-90",
            "-y",
            "2024",
            "-f",
            "xlsx",
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    c = compare(EXAMPLES, "mof-project", "variant-10-90", 2024)
    ws = load_workbook_sheet(out, "驱动指标")
    first = c.drivers.iloc[0]
    assert [ws.cell(2, k).value for k in (1, 2, 3)] == [
        first["name"],
        int(first["departments"]),
        round(float(first["delta"]), 2),
    ]
    bad = CliRunner().invoke(app, ["compare", str(EXAMPLES), "-a", "mof-project", "-b", "variant-10-90", "-f", "pdf"])
    assert bad.exit_code == 2 and "未知输出格式 'pdf'" in bad.stderr


def load_workbook_sheet(path: Path, sheet: str) -> Any:
    from openpyxl import load_workbook

    return load_workbook(path)[sheet]
