"""A run as plain data (the JSON trace): ruleset identity, counts, every scored item with its source, checks,
findings and rejections. The json renderer prints it; the store keeps it per department."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from scoring.model.dataset import Rejection
from scoring.model.run import Run


def _frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(df.to_json(orient="records", force_ascii=False))
    return out


def trace(run: Run) -> dict[str, Any]:
    """Everything as data: ruleset identity, per-indicator trace (inputs, method, points, reason), findings."""
    rs = run.ruleset
    read, used, rejected = run.counts
    items = run.result.items.rename(columns={"_file": "file", "_sheet": "sheet", "_row": "row"})
    departments = _frame_records(run.result.departments)
    for d in departments:  # each department carries its own rejected rows: why its score is provisional
        d["rejections"] = [_rejection(r) for r in run.dataset.rejections_of(str(d["dept_code"]))]
    return {
        "ruleset": {"name": rs.name, "version": rs.version, "title": rs.title, "fingerprint": rs.fingerprint},
        "counts": {"read": read, "scored": used, "rejected": rejected},
        "complete": not (run.dataset.rejections or run.dataset.problems),
        "departments": departments,
        "projects": _frame_records(run.result.projects) if len(run.result.projects) else [],
        "items": _frame_records(items),
        "checks": _frame_records(run.checks),
        "findings": [f.to_dict() for f in run.findings],
        "rejections": [_rejection(r) for r in run.dataset.rejections],
    }


def _rejection(r: Rejection) -> dict[str, Any]:
    return {"table": r.table, "file": str(r.source.file), "sheet": r.source.sheet, "row": r.source.row,
            "column": r.source.column, "value": None if r.value is None else str(r.value),
            "reason": r.reason, "hint": r.hint, "dept_code": r.dept_code, "project_code": r.project_code}
