"""One scoring run: everything renderers and stores need."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from scoring.model.dataset import Dataset
from scoring.model.result import Finding, ScoreResult
from scoring.rules.ruleset import Ruleset


@dataclass(frozen=True)
class Run:
    """Everything one scoring run produced, for renderers and stores."""

    ruleset: Ruleset
    dataset: Dataset
    checks: pd.DataFrame
    result: ScoreResult
    findings: tuple[Finding, ...]
    facts: Sequence[dict[str, object]]  # pipeline.facts.Facts from a run: each dict is built when first read

    @property
    def counts(self) -> tuple[int, int, int]:
        """(rows read, rows used, rows rejected); read = used + rejected always."""
        ds = self.dataset
        return ds.rows_read, ds.rows_used, ds.rows_rejected
