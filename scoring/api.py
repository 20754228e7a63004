"""The pipeline in one call: load → validate → check → score → findings. The CLI, tests and README use it.

Also `extract_report`: a narrative report → input workbook → the ruleset's checks on the workbook as written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from scoring.core import resources
from scoring.core.errors import DataError, RulesetError, Source
from scoring.core.yamlio import load_yaml
from scoring.io.extract import Extraction, Issue, extract_path, write_workbook
from scoring.io.raw import RawData
from scoring.io.readers import load
from scoring.model.run import Run
from scoring.model.tables import DEPARTMENTS
from scoring.pipeline import checks as checks_mod
from scoring.pipeline import facts as facts_mod
from scoring.pipeline import findings as findings_mod
from scoring.pipeline.checks import run_checks
from scoring.pipeline.score import score
from scoring.pipeline.validate import validate
from scoring.rules.check_rules import compile_checks
from scoring.rules.ruleset import Ruleset, load_ruleset


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
    return run_raw(load(path), rs, year, engine)


# ------------------------------------------------------------------ narrative reports


def extract_report(report: Path, out: Path, *, year: int | None = None, code: str | None = None,
                   ruleset: str | Path = "mof-project", generic: bool = True) -> tuple[Extraction, tuple[Issue, ...]]:
    """The `perfscore extract` command: read the report, write the workbook, run the sum checks on the
    workbook as written and add their results to its 核对 sheet. Returns the extraction and every issue."""
    ex = extract_path(report, year=year, code=code, generic=generic)
    write_workbook(ex, out)
    issues = (*ex.issues, *check_workbook(ex, out, ruleset))
    write_workbook(ex, out, issues)
    return ex, issues


def check_workbook(ex: Extraction, workbook: Path, ruleset: str | Path = "mof-project") -> tuple[Issue, ...]:
    """Run the ruleset's sum checks (scoring.pipeline.checks.run_checks) on the workbook as written, plus the
    identities in rulesets/fragments/extract-checks.yaml that the ruleset does not hold."""
    rs = load_ruleset(ruleset)
    fragment = resources.rulesets_dir() / "fragments" / "extract-checks.yaml"
    extra = compile_checks(load_yaml(fragment)["checks"], file=fragment, library=rs.library)
    ds = validate(load(workbook), rs, None)
    if ds.departments.empty:
        why = next((str(r) for r in ds.rejections if r.table == DEPARTMENTS.sheet), "单位信息为空")
        return (Issue("勾稽关系", "medium", "提示", "勾稽关系检查",
                      f"单位信息未通过校验，未运行勾稽关系检查：{why}；补全后运行 perfscore score 即可核对"),)
    sums = tuple(c for c in rs.checks if c.kind == "sum")
    found = run_checks(ds, (*sums, *extra), rs.library)
    out = []
    for rec in found.to_dict("records"):
        status = "尾差" if rec["status"] == "rounding" else "不符"
        out.append(Issue("勾稽关系", rec["severity"], status, str(rec["subject"]), str(rec["message"]),
                         check_id=str(rec["check_id"])))
    return tuple(out)

