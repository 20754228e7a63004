"""核对 rows written by `perfscore extract` travel with the data and become findings when scored."""

from __future__ import annotations

import shutil
from pathlib import Path

from scoring import api

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_text_notes_become_checks_and_findings(tmp_path: Path) -> None:
    folder = Path(shutil.copytree(EXAMPLES / "lusong-chengguan", tmp_path / "d"))
    (folder / "核对.csv").write_text(
        "类别,严重程度,状态,对象,说明\n"
        "年度,中,不符,2023年,文中出现 2023 年，与评价年度 2024 年不符\n"
        "年度,高,不符,2023年,文中出现 2023 年，与评价年度 2024 年不符；该句有金额\n"
        "数据期间,中,提示,1—10月,数据只覆盖 1—10月\n"
        "勾稽关系,低,尾差,基本支出,已由 perfscore 自己的检查覆盖\n",
        encoding="utf-8",
    )
    run = api.run_path(folder, "mof-project", 2024)
    read, used, rejected = run.counts
    assert (read, used, rejected) == (58, 58, 0)  # 54 data rows + 4 核对 rows
    text = run.checks[run.checks["check_id"] == "report-text"]
    assert list(zip(text["title"], text["status"], strict=True)) == [
        ("年度", "fail"),
        ("年度", "fail"),
        ("数据期间", "note"),
    ]
    years = [f for f in run.findings if f.rule_id == "year-mismatch"]
    assert len(years) == 1
    assert years[0].problem.startswith("自评报告中有2处年份与评价年度不符")
    assert not any(f.rule_id == "check-failed" and "2023" in f.problem for f in run.findings)


def test_notes_are_not_in_the_template() -> None:
    from scoring.model.tables import INPUT_TABLES, NOTES

    assert NOTES not in INPUT_TABLES
