"""The terminal table of a department's stored history (formatting that used to sit in the CLI)."""

from __future__ import annotations

import json

import pandas as pd

from scoring.render.json import history_json
from scoring.render.table import render_history

ROWS = pd.DataFrame(
    {
        "year": [2023, 2024],
        "ruleset": ["mof-project", "mof-project"],
        "ruleset_version": ["2020.1", "2020.1"],
        "total": [88.125, 91.0],
        "grade": ["良", "优"],
        "n_projects": [3, 4],
        "stored_at": ["2024-02-01T08:00:00+00:00", "2025-02-01T08:00:00+00:00"],
        "dept_name": ["旧名局", "新名局"],
    }
)


def test_history_table_has_the_newest_name_and_half_up_totals() -> None:
    lines = render_history(ROWS, "430001").splitlines()
    assert lines[0] == "新名局（430001）"
    assert lines[1].split() == ["年度", "规则集", "版本", "得分", "等级", "项目数", "存入时间"]
    assert lines[3].split() == ["2023", "mof-project", "2020.1", "88.13", "良", "3", "2024-02-01T08:00:00+00:00"]
    assert lines[4].split()[3:5] == ["91.00", "优"]
    assert len(lines) == 5


def test_history_json_is_one_record_per_row() -> None:
    records = json.loads(history_json(ROWS))
    assert [(r["year"], r["total"], r["dept_name"]) for r in records] == [
        (2023, 88.125, "旧名局"),
        (2024, 91.0, "新名局"),
    ]
