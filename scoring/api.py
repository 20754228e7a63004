"""The pipeline in one call: load → validate → check → score → findings. The CLI, tests and README use it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from scoring import checks as checks_mod
from scoring import facts as facts_mod
from scoring import findings as findings_mod
from scoring.errors import DataError, RulesetError, Source
from scoring.load import RawData, load_path
from scoring.ruleset import Ruleset, load_ruleset
from scoring.score import ScoreResult, score
from scoring.validate import Dataset, validate


@dataclass(frozen=True)
class Run:
    """Everything one scoring run produced, for renderers and stores."""

    ruleset: Ruleset
    dataset: Dataset
    checks: pd.DataFrame
    result: ScoreResult
    findings: tuple[findings_mod.Finding, ...]
    facts: tuple[dict[str, object], ...]

    @property
    def counts(self) -> tuple[int, int, int]:
        """(rows read, rows used, rows rejected); read = used + rejected always."""
        ds = self.dataset
        return ds.rows_read, ds.rows_used, ds.rows_rejected


def run_raw(raw: RawData, ruleset: Ruleset, year: int | None = None, engine: findings_mod.Engine = "durable") -> Run:
    """Validate, check, score and derive findings. Without `year`, the data must be of one fiscal year."""
    if year is None:
        year = _single_year(raw)
    if year is not None and not ruleset.applies_to(year):
        lo, hi = ruleset.years
        raise RulesetError(f"规则集 {ruleset.name} 适用年度为 {lo or '不限'}–{hi or '不限'}，不含 {year}",
                           file=ruleset.path)
    ds = validate(raw, ruleset, year)
    chk = checks_mod.run_checks(ds, ruleset.checks, ruleset.library)
    result = score(ds, ruleset)
    facts = facts_mod.build_facts(result, chk)
    found = findings_mod.run_findings(ruleset.findings, facts, engine=engine)
    return Run(ruleset, ds, chk, result, found, tuple(facts))


def _single_year(raw: RawData) -> int | None:
    """The one fiscal year the departments declare; several years are not ranked together."""
    depts = raw["departments"]
    years = sorted({int(y) for y in pd.to_numeric(depts["year"], errors="coerce").dropna()})
    if len(years) > 1:
        files = depts.loc[pd.to_numeric(depts["year"], errors="coerce") == years[0], "_file"]
        raise DataError(f"数据包含多个年度：{'、'.join(map(str, years))}", source=Source(str(files.iloc[0])),
                        hint="不同年度不能一起排名，请用 --year 指定所评年度")
    return years[0] if years else None


def run_path(path: Path, ruleset: str | Path | Ruleset = "mof-project", year: int | None = None,
             engine: findings_mod.Engine = "durable") -> Run:
    """Score a department file or folder with a ruleset (name of a shipped one, a path, or compiled)."""
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    return run_raw(load_path(path), rs, year, engine)
