"""The JSON trace of a run (every score with its reason and source cell), and stored history as JSON records."""

from __future__ import annotations

import json

import pandas as pd

from scoring.model.run import Run
from scoring.model.trace import trace


def render_json(run: Run) -> str:
    """The full trace (`scoring.model.trace`), indented, Chinese kept as written."""
    return json.dumps(trace(run), ensure_ascii=False, indent=2) + "\n"


def history_json(rows: pd.DataFrame) -> str:
    """`scoring.store.results.history` rows as a JSON array of records."""
    return str(rows.to_json(orient="records", force_ascii=False, indent=2))
