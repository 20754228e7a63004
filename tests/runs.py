"""Scored runs of the bundled examples, computed once per test process and shared by every test that only reads
them (issue 8: 30 tests scored the same examples again). A test that changes a run must score its own."""

from __future__ import annotations

import functools
from pathlib import Path

from scoring import api
from scoring.model.run import Run

TESTS = Path(__file__).resolve().parent
EXAMPLES = TESTS.parent / "examples"


@functools.cache
def scored(path: Path, ruleset: str = "mof-project", year: int = 2024) -> Run:
    """The run of `path` (the examples folder, one example department, or tests/data/overview)."""
    return api.run_path(path, ruleset, year)
