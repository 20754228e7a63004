"""A run as plain data (the JSON trace): ruleset identity, counts, every scored item with its source, checks,
findings and rejections. The json renderer prints it; the store keeps it per department."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from scoring.model.dataset import Rejection
from scoring.model.run import Run


def _frame_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(df.to_json(orient="records", force_ascii=False))
    return out


@dataclass(frozen=True, slots=True)
class TraceFrame:
    """A trace entry that is a frame: its rows as records (`DataFrame.to_json` values), each followed by the
    entries `extra` gives for it (None: none), so a writer can stream the rows without building them all."""

    frame: pd.DataFrame
    extra: Callable[[pd.DataFrame], list[dict[str, Any]]] | None = None

    def records(self) -> list[dict[str, Any]]:
        rows = _frame_records(self.frame)
        if self.extra is not None:
            for row, more in zip(rows, self.extra(self.frame), strict=True):
                row.update(more)
        return rows


def trace_parts(run: Run) -> list[tuple[str, Any]]:
    """The trace's top-level entries in order, the big ones left as `TraceFrame`s (see `trace`)."""
    rs = run.ruleset
    read, used, rejected = run.counts
    items = run.result.items.rename(columns={"_file": "file", "_sheet": "sheet", "_row": "row"})
    by_dept: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in run.dataset.rejections:
        by_dept[r.dept_code].append(_rejection(r))

    def own_rejections(depts: pd.DataFrame) -> list[dict[str, Any]]:
        # each department carries its own rejected rows: why its score is provisional
        return [{"rejections": by_dept.get(str(code), [])} for code in depts["dept_code"]]

    return [
        ("ruleset", {"name": rs.name, "version": rs.version, "title": rs.title, "fingerprint": rs.fingerprint}),
        ("counts", {"read": read, "scored": used, "rejected": rejected}),
        ("complete", not (run.dataset.rejections or run.dataset.problems)),
        ("departments", TraceFrame(run.result.departments, own_rejections)),
        ("projects", TraceFrame(run.result.projects) if len(run.result.projects) else []),
        ("items", TraceFrame(items)),
        ("checks", TraceFrame(run.checks)),
        ("findings", [f.to_dict() for f in run.findings]),
        ("rejections", [_rejection(r) for r in run.dataset.rejections]),
    ]


def trace(run: Run) -> dict[str, Any]:
    """Everything as data: ruleset identity, per-indicator trace (inputs, method, points, reason), findings."""
    return {k: v.records() if isinstance(v, TraceFrame) else v for k, v in trace_parts(run)}


def _rejection(r: Rejection) -> dict[str, Any]:
    return {
        "table": r.table,
        "file": str(r.source.file),
        "sheet": r.source.sheet,
        "row": r.source.row,
        "column": r.source.column,
        "value": None if r.value is None else str(r.value),
        "reason": r.reason,
        "hint": r.hint,
        "dept_code": r.dept_code,
        "project_code": r.project_code,
    }
