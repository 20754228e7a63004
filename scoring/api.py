"""The pipeline in one call: load → validate → check → score → findings. The CLI, tests and README use it.

A province is run in chunks of departments (issue 15): each chunk goes through the whole pipeline on its own,
on this process, on `jobs` processes, or on a Dask cluster, and the chunks' results are merged, the ranking
recomputed on the merged department totals. The working memory of validation, scoring and findings is then
that of one chunk. Results equal those of one run over all departments (tests/test_chunks.py).

Also `extract_report`: a narrative report → input workbook → the ruleset's checks on the workbook as written."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

import pandas as pd

from scoring.adapters.dask import map_on_cluster
from scoring.core import resources
from scoring.core.errors import DataError, RulesetError, Source, UsageError
from scoring.core.lazy import lazy_module
from scoring.core.yamlio import load_yaml
from scoring.io.raw import RawData
from scoring.io.readers import load
from scoring.model.dataset import Dataset
from scoring.model.result import ScoreResult
from scoring.model.run import Run
from scoring.model.tables import DEPARTMENTS, TABLES
from scoring.pipeline import checks as checks_mod
from scoring.pipeline import facts as facts_mod
from scoring.pipeline import findings as findings_mod
from scoring.pipeline.checks import run_checks
from scoring.pipeline.score import score
from scoring.pipeline.validate import validate
from scoring.rules.check_rules import compile_checks
from scoring.rules.ruleset import Ruleset, load_ruleset

if TYPE_CHECKING:
    import scoring.io.extract as extract
else:
    extract = lazy_module("scoring.io.extract")  # the report extractor: only `extract` and `check` need it

Executor = Literal["local", "dask"]

DEFAULT_CHUNK = 1000
"""Departments per chunk, from benchmarks/RESULTS.md at 2,000 departments: chunks of 250 cost ≈20 % more time than
one chunk for ≈15 % less peak RSS; 1000 keeps the per-chunk overhead small and bounds the stages' working memory."""


def run_raw(
    raw: RawData,
    ruleset: Ruleset,
    year: int | None = None,
    engine: findings_mod.Engine = "columns",
    *,
    chunk: int | None = DEFAULT_CHUNK,
    jobs: int = 1,
    executor: Executor = "local",
    scheduler: str | None = None,
) -> Run:
    """Validate, check, score and derive findings. Without `year`, the data must be of one fiscal year.

    Departments are run `chunk` at a time (None: all at once), on `jobs` processes, or with executor "dask" on
    the Dask cluster at `scheduler` (a LocalCluster when None); see the module docstring."""
    if year is None:
        year = _single_year(raw)
    if year is not None and not ruleset.applies_to(year):
        lo, hi = ruleset.years
        raise RulesetError(
            f"规则集 {ruleset.name} 适用年度为 {lo or '不限'}–{hi or '不限'}，不含 {year}", file=ruleset.path
        )
    if chunk is not None and chunk < 1:
        raise UsageError(f"--chunk 应为正整数，而不是 {chunk}")
    if executor not in ("local", "dask"):
        raise UsageError(f"未知执行引擎 '{executor}'", hint="可用：local、dask")
    if jobs < 1:
        raise UsageError(f"--jobs 应为正整数，而不是 {jobs}")
    if _ranks_in_findings(ruleset):
        chunk = None  # a finding on 排名 needs every department's total before it can fire: one chunk
    parts = split_departments(raw, chunk) if chunk is not None else [raw]
    if executor == "dask":
        runs = map_on_cluster(
            _run_chunk, parts, scheduler, jobs if jobs > 1 else None, ruleset=ruleset, year=year, engine=engine
        )
    elif len(parts) == 1:
        return _run_chunk(raw, ruleset, year, engine)
    elif jobs > 1:
        with ProcessPoolExecutor(min(jobs, len(parts))) as pool:
            runs = list(
                pool.map(_run_chunk, parts, itertools.repeat(ruleset), itertools.repeat(year), itertools.repeat(engine))
            )
    else:
        runs = [_run_chunk(p, ruleset, year, engine) for p in parts]
    return merge_runs(ruleset, raw, runs)


def _run_chunk(raw: RawData, ruleset: Ruleset, year: int | None, engine: findings_mod.Engine) -> Run:
    """The pipeline over one chunk of departments (a top-level function, so worker processes can run it)."""
    ds = validate(raw, ruleset, year)
    chk = checks_mod.run_checks(ds, ruleset.checks, ruleset.library)
    result = score(ds, ruleset)
    facts = facts_mod.build_facts(result, chk)
    found = findings_mod.run_findings(ruleset.findings, facts, engine=engine)
    return Run(ruleset, ds, chk, result, found, facts)  # Facts: a fact's dict is built when read


def _ranks_in_findings(ruleset: Ruleset) -> bool:
    """Whether a finding rule reads a department's rank (排名), which only the whole province knows."""
    return any(
        "rank" in r.when.fields()
        or any("{rank" in (t or "") for t in (r.problem, r.cause, r.measure, r.problem_merged))
        for r in ruleset.findings
    )


def _code_keys(col: pd.Series) -> pd.Series:
    """部门编码 as validation will read it (text; 431202001.0 from Excel is '431202001'; blank is ''), so rows
    that validation will join land in the same chunk."""
    if pd.api.types.is_float_dtype(col.dtype):
        whole = col.notna() & (col % 1 == 0)
        out = col.astype(str).where(~whole, col.where(whole, 0).astype("int64").astype(str))
        return out.where(col.notna(), "")
    if pd.api.types.is_integer_dtype(col.dtype):
        return col.astype(str)
    return col.map(
        lambda v: (
            ""
            if v is None or (isinstance(v, float) and v != v)
            else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
        )
    )


def split_departments(raw: RawData, chunk: int) -> list[RawData]:
    """The raw tables cut into chunks of `chunk` departments, in the order 单位信息 lists them (codes found only in
    other tables follow; rows without a code go with the first chunk, where validation rejects them as it would
    in one run). Load problems stay with the first chunk. Each table is grouped once: linear in rows."""
    keys = {t.key: _code_keys(raw[t.key]["dept_code"]) for t in TABLES if len(raw[t.key])}
    if not keys:  # nothing was read (every source refused): one run that reports the load problems
        return [raw]
    order = pd.unique(pd.concat([keys[k] for k in ("departments", *keys) if k in keys], ignore_index=True))
    order = order[order != ""]
    n_chunks = max(1, -(-len(order) // chunk))
    if n_chunks == 1:
        return [raw]
    chunk_of = pd.Series(pd.RangeIndex(len(order)) // chunk, index=order)
    parts: list[dict[str, pd.DataFrame]] = [{} for _ in range(n_chunks)]
    for t in TABLES:
        df = raw[t.key]
        if t.key not in keys:
            for p in parts:
                p[t.key] = df
            continue
        ids = keys[t.key].map(chunk_of).fillna(0).astype("int64").to_numpy()
        groups = {cast(int, i): g for i, g in df.groupby(ids, sort=False)}
        for i, p in enumerate(parts):
            p[t.key] = groups[i] if i in groups else df.iloc[0:0]
    return [RawData(p, raw.files, raw.problems if i == 0 else ()) for i, p in enumerate(parts)]


def _concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Frames one after another; empty ones add no rows and, unless all are empty, no dtypes."""
    frames = list(frames)
    full = [f for f in frames if len(f)]
    if not full:
        return frames[0]
    return full[0] if len(full) == 1 else pd.concat(full, ignore_index=True)


def merge_runs(ruleset: Ruleset, raw: RawData, runs: list[Run]) -> Run:
    """The chunks' runs as one: frames and findings concatenated in chunk order, the ranking recomputed on the
    merged department totals (as scoring.pipeline.score ranks: 1 for the highest total, ties share the lower)."""
    dss = [r.dataset for r in runs]
    ds = Dataset(
        _concat(d.departments for d in dss),
        _concat(d.budget for d in dss),
        _concat(d.projects for d in dss),
        _concat(d.indicators for d in dss),
        tuple(itertools.chain.from_iterable(d.rejections for d in dss)),
        sum(d.rows_read for d in dss),
        raw.problems,
        _concat(d.notes for d in dss),
    )
    depts = _concat(r.result.departments for r in runs)
    if len(depts) and "total" in depts:
        depts = depts.assign(rank=depts["total"].rank(ascending=False, method="min").astype(int))
        depts = depts.sort_values(["rank", "dept_code"]).reset_index(drop=True)
    items = _concat(r.result.items for r in runs)
    if len(runs) > 1 and len(items):  # score orders items by department first; chunks keep the rest of it
        items = items.sort_values("dept_code", kind="stable").reset_index(drop=True)
    result = ScoreResult(items, _concat(r.result.projects for r in runs), depts, ruleset, ds)
    rank = dict(zip(depts["dept_code"], depts["rank"].astype(float), strict=True)) if "rank" in depts else {}
    facts = tuple(itertools.chain.from_iterable(r.facts for r in runs))
    for f in facts:  # a department's fact carries its rank in the province, not in its chunk
        if f.get("kind") == "department" and f.get("dept_code") in rank:
            f["rank"] = rank[str(f["dept_code"])]
    # one run lists findings rule by rule and, within a rule, in the order of its facts: departments by rank,
    # projects as the input lists them, indicators by department code. Merged findings follow the same order.
    order = {r.id: i for i, r in enumerate(ruleset.findings)}
    on = {r.id: r.on for r in ruleset.findings}
    place = {
        "department": {c: i for i, c in enumerate(depts.get("dept_code", ()))},
        "project": {c: i for i, c in enumerate(pd.unique(result.projects.get("dept_code", pd.Series())))},
    }
    found = sorted(
        itertools.chain.from_iterable(r.findings for r in runs),
        key=lambda f: (
            order.get(f.rule_id, -1),
            place.get(on.get(f.rule_id, ""), {}).get(f.dept_code, 0),
            f.dept_code or "",
        ),
    )
    return Run(ruleset, ds, _concat(r.checks for r in runs), result, tuple(found), facts)


def _single_year(raw: RawData) -> int | None:
    """The one fiscal year the departments declare; several years are not ranked together."""
    depts = raw["departments"]
    years = sorted({int(y) for y in pd.to_numeric(depts["year"], errors="coerce").dropna()})
    if len(years) > 1:
        files = depts.loc[pd.to_numeric(depts["year"], errors="coerce") == years[0], "_file"]
        raise DataError(
            f"数据包含多个年度：{'、'.join(map(str, years))}",
            source=Source(str(files.iloc[0])),
            hint="不同年度不能一起排名，请用 --year 指定所评年度",
        )
    return years[0] if years else None


def run_path(
    path: Path,
    ruleset: str | Path | Ruleset = "mof-project",
    year: int | None = None,
    engine: findings_mod.Engine = "columns",
    *,
    chunk: int | None = DEFAULT_CHUNK,
    jobs: int = 1,
    executor: Executor = "local",
    scheduler: str | None = None,
) -> Run:
    """Score a department file or folder with a ruleset (name of a shipped one, a path, or compiled)."""
    rs = ruleset if isinstance(ruleset, Ruleset) else load_ruleset(ruleset)
    return run_raw(load(path), rs, year, engine, chunk=chunk, jobs=jobs, executor=executor, scheduler=scheduler)


# ------------------------------------------------------------------ narrative reports


def extract_report(
    report: Path,
    out: Path,
    *,
    year: int | None = None,
    code: str | None = None,
    ruleset: str | Path = "mof-project",
    generic: bool = True,
) -> tuple[extract.Extraction, tuple[extract.Issue, ...]]:
    """The `perfscore extract` command: read the report, write the workbook, run the sum checks on the
    workbook as written and add their results to its 核对 sheet. Returns the extraction and every issue."""
    ex = extract.extract_path(report, year=year, code=code, generic=generic)
    extract.write_workbook(ex, out)
    issues = (*ex.issues, *check_workbook(ex, out, ruleset))
    extract.write_workbook(ex, out, issues)
    return ex, issues


def check_workbook(
    ex: extract.Extraction, workbook: Path, ruleset: str | Path = "mof-project"
) -> tuple[extract.Issue, ...]:
    """Run the ruleset's sum checks (scoring.pipeline.checks.run_checks) on the workbook as written, plus the
    identities in rulesets/fragments/extract-checks.yaml that the ruleset does not hold."""
    rs = load_ruleset(ruleset)
    fragment = resources.rulesets_dir() / "fragments" / "extract-checks.yaml"
    extra = compile_checks(load_yaml(fragment)["checks"], file=fragment, library=rs.library)
    ds = validate(load(workbook), rs, None)
    if ds.departments.empty:
        why = next((str(r) for r in ds.rejections if r.table == DEPARTMENTS.sheet), "单位信息为空")
        return (
            extract.Issue(
                "勾稽关系",
                "medium",
                "提示",
                "勾稽关系检查",
                f"单位信息未通过校验，未运行勾稽关系检查：{why}；补全后运行 perfscore score 即可核对",
            ),
        )
    sums = tuple(c for c in rs.checks if c.kind == "sum")
    found = run_checks(ds, (*sums, *extra), rs.library)
    out = []
    for rec in found.to_dict("records"):
        status = "尾差" if rec["status"] == "rounding" else "不符"
        out.append(
            extract.Issue(
                "勾稽关系",
                rec["severity"],
                status,
                str(rec["subject"]),
                str(rec["message"]),
                check_id=str(rec["check_id"]),
            )
        )
    return tuple(out)
