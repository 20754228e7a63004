"""Golden files for the scored 自评表 in Markdown and the JSON trace of the bundled examples (reviewed by eye once;
`python -m pytest tests/test_golden_outputs.py --update-golden` rewrites them after an intended change)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from runs import scored

from scoring.model.run import Run
from scoring.render.json import render_json
from scoring.render.markdown import render_markdown

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture(scope="module")
def examples_run() -> Run:
    return scored(EXAMPLES, "mof-project")


def test_markdown_golden(examples_run: Run, golden: Callable[[str, str], None]) -> None:
    golden("score-examples.md", render_markdown(examples_run))


def test_json_trace_golden(examples_run: Run, golden: Callable[[str, str], None]) -> None:
    text = render_json(examples_run).replace(examples_run.ruleset.fingerprint, "FINGERPRINT")
    golden("trace-examples.json", text)


def test_json_trace_adds_up(examples_run: Run) -> None:
    """The trace is data, not only text: every department's total is its projects' budget-weighted total, and
    every project's total is the sum of its rounded indicator points (the one rounding rule, issue 9)."""
    trace = json.loads(render_json(examples_run))
    items: dict[tuple[str, str], float] = {}
    for it in trace["items"]:
        key = (it["dept_code"], it["project_code"])
        items[key] = items.get(key, 0.0) + float(it["points"])
    for p in trace["projects"]:
        assert p["total"] == pytest.approx(items[(p["dept_code"], p["project_code"])], abs=1e-9)
    for d in trace["departments"]:
        projects = [p for p in trace["projects"] if p["dept_code"] == d["dept_code"]]
        weighted = sum(p["total"] * p["budget_final"] for p in projects) / sum(p["budget_final"] for p in projects)
        assert d["total"] == pytest.approx(round(weighted + 1e-12, 2), abs=0.005)
    assert trace["counts"]["read"] == trace["counts"]["scored"] + trace["counts"]["rejected"]
