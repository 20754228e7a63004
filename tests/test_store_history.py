"""history across years: all departments side by side, the indicators that moved most, a department's chart.

Run on both store backends with generated departments whose figures are literals (tests/yeardata.py), and once
through the CLI on the real pipeline (tests/data/overview scored as 2023 and 2024).
"""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import pytest
from runs import scored
from typer.testing import CliRunner
from yeardata import put_year

from scoring import api
from scoring.cli import app
from scoring.core.errors import UsageError
from scoring.store.backend import StoreError
from scoring.store.location import open_store
from scoring.store.results import store_run
from scoring.store.yearly import compare_years, render_years

DATA = Path(__file__).resolve().parent / "data"


def two_years(location: str) -> None:
    put_year(
        location,
        2023,
        [
            ("A", "甲局", 88.0, "良", [("结案率", "%", 90, 99), ("培训人次", "人", 100, 150)]),
            ("B", "乙局", 92.0, "优", [("结案率", "%", 95, 95)]),
            ("C", "丙局", 70.0, "中", []),
        ],
    )
    put_year(
        location,
        2024,
        [
            ("A", "甲局", 91.5, "优", [("结案率", "%", 90, 90), ("培训人次", "人", 100, 120)]),
            ("B", "乙局", 85.0, "良", [("结案率", "%", 95, 76)]),
            ("D", "丁局", 60.0, "中", []),
        ],
    )


def test_departments_side_by_side(store_location: str) -> None:
    two_years(store_location)
    yoy = compare_years(open_store(store_location), [2024, 2023], top=2)
    d = yoy.departments
    assert yoy.years == (2023, 2024) and yoy.ruleset == "mof-project"
    assert d["dept_code"].tolist() == ["A", "B", "C", "D"]  # by change, largest rise first; unmatched last
    assert d["delta"].tolist()[:2] == pytest.approx([3.5, -7.0])
    assert all(math.isnan(v) for v in d["delta"].tolist()[2:])
    assert d["grade_change"].tolist() == ["良→优", "优→良", "", ""]
    assert d["grade_2023"].tolist() == ["良", "优", "中", ""]
    # Completion moved: A 培训人次 150%→120% (−30pp), B 结案率 100%→80% (−20pp), A 结案率 110%→100% (−10pp).
    m = yoy.movers
    assert m[["dept_code", "indicator_id"]].values.tolist() == [["A", "培训人次"], ["B", "结案率"]]
    assert m["delta"].tolist() == pytest.approx([-0.3, -0.2])
    assert m["completion_first"].tolist() == pytest.approx([1.5, 1.0])


def test_renderings(store_location: str) -> None:
    two_years(store_location)
    yoy = compare_years(open_store(store_location), [2023, 2024])
    table = render_years(yoy)
    assert "2023→2024 年度对比（规则集 mof-project）：4 个部门，得分上升 1 个、下降 1 个，等级变化 2 个" in table
    assert re.search(r"甲局\s+88\.00\s+良\s+91\.50\s+优\s+\+3\.50\s+良→优", table)
    assert re.search(r"甲局\s+P1\s+培训人次\s+150\.00%\s+120\.00%\s+-30\.00pp", table)
    md = render_years(yoy, "md")
    assert "| B | 乙局 | 92.00 | 优 | 85.00 | 良 | -7.00 | 优→良 |" in md
    data = json.loads(render_years(yoy, "json"))
    assert [r["dept_code"] for r in data["departments"]] == ["A", "B", "C", "D"]
    assert data["movers"][0]["indicator_id"] == "培训人次"
    with pytest.raises(UsageError, match="不支持格式"):
        render_years(yoy, "xlsx")


def test_needs_two_years_and_one_ruleset(store_location: str) -> None:
    two_years(store_location)
    put_year(store_location, 2024, [("A", "甲局", 80.0, "良", [])], ruleset="province-dept")
    store = open_store(store_location)
    with pytest.raises(UsageError, match="至少两个"):
        compare_years(store, [2024])
    with pytest.raises(UsageError, match="--ruleset"):
        compare_years(store, [2023, 2024])
    with pytest.raises(StoreError, match="没有 2023 年（规则集 province-dept）的结果"):
        compare_years(store, [2023, 2024], "province-dept")
    put_year(store_location, 2023, [("B", "乙局", 81.0, "良", [])], ruleset="province-dept")
    assert compare_years(store, [2023, 2024], "province-dept").departments["dept_code"].tolist() == ["A", "B"]


@pytest.fixture(scope="module")
def overview_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/overview stored for 2024 and, with 维修面积 600 of 1000 instead of 800, for 2023."""
    root = tmp_path_factory.mktemp("hist")
    folder = root / "overview"
    shutil.copytree(DATA / "overview", folder)
    (folder / "单位信息.csv").write_text(
        (folder / "单位信息.csv").read_text(encoding="utf-8").replace(",2024,", ",2023,"), encoding="utf-8"
    )
    ind = folder / "绩效指标.csv"
    ind.write_text(
        ind.read_text(encoding="utf-8").replace("≥1000平方米,800平方米", "≥1000平方米,600平方米"), encoding="utf-8"
    )
    store_run(api.run_path(folder, "mof-project", 2023), root / "st")
    store_run(scored(DATA / "overview", "mof-project"), root / "st")
    return root / "st"


def test_cli_history_across_years(overview_store: Path) -> None:
    res = CliRunner().invoke(app, ["history", "--year", "2023", "--year", "2024", "--store", str(overview_store)])
    assert res.exit_code == 0, res.output
    # 2023: T01 loses 5 of 25 on 维修面积 (60%) → (120×78.5 + 50×90)/170 = 81.88; 2024 85.41; +3.53. Both years
    # have overview's rejected row, so both grades are provisional (issue 9).
    assert re.search(r"990001\s+.+?\s+81\.88\s+良（暂定）\s+85\.41\s+良（暂定）\s+\+3\.53", res.stdout), res.stdout
    assert re.search(r"维修面积\s+60\.00%\s+80\.00%\s+\+20\.00pp", res.stdout)
    res = CliRunner().invoke(app, ["history", "--store", str(overview_store)])
    assert res.exit_code == 2 and "--year" in res.stderr


def test_cli_department_chart(overview_store: Path, tmp_path: Path) -> None:
    out = tmp_path / "h.html"
    res = CliRunner().invoke(app, ["history", "990001", "--store", str(overview_store), "-f", "html", "-o", str(out)])
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "测试&lt;区&gt;城管 &amp;" in page  # the name is escaped, not markup
    # Two points (2023, 2024) on a 0–100 scale 156 px high from y=16: 81.88 → 44.3, 85.41 → 38.8.
    pts = re.search(r'class="series"[^>]*points="([^"]+)"', page)
    assert pts is not None
    ys = [float(p.split(",")[1]) for p in pts.group(1).split()]
    assert ys == pytest.approx([16 + (1 - 0.818824) * 156, 16 + (1 - 0.854118) * 156], abs=0.06)
    res = CliRunner().invoke(app, ["history", "990001", "--store", str(overview_store), "--json"])
    assert [r["year"] for r in json.loads(res.stdout)] == [2023, 2024]
