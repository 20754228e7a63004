"""Facts for the findings rules: flat, typed records of scored indicators, projects, departments and checks.

`SCHEMA` declares every field and its type; rule expressions and templates are checked against it
when a ruleset loads, and every fact is coerced to it before it reaches the rule engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from scoring.core.display import half_up
from scoring.core.frames import records
from scoring.core.text import text_col
from scoring.core.tolerance import EPS
from scoring.model.derived import with_fund_ratios
from scoring.model.result import ScoreResult
from scoring.pipeline.score import precision, rejected_rows
from scoring.rules.fact_fields import SCHEMA
from scoring.rules.ruleset import Ruleset, roles_from_name


def _each(col: pd.Series, fn: Callable[[Any], object]) -> pd.Series | None:
    """fn of each present cell, once per distinct value (None where missing), as an object Series; None when
    the values are of several types (1 == 1.0 == True would share one result) and must be read one by one."""
    codes, uniques = pd.factorize(col)
    values = uniques.to_numpy(dtype=object) if isinstance(uniques, pd.Index) else np.asarray(uniques, dtype=object)
    if len({type(v) for v in values}) > 1:
        return None
    table = np.empty(len(values) + 1, dtype=object)  # the last entry: a missing cell (code -1)
    for i, v in enumerate(values):
        table[i] = fn(v)
    return pd.Series(table[np.asarray(codes)], index=col.index, dtype=object)


def _column(col: pd.Series, typ: type) -> pd.Series:
    """One column coerced to its schema type, with None (never NaN) for missing values."""
    if typ is float:
        values = pd.to_numeric(col, errors="coerce").astype(float)
    else:
        cast = bool if typ is bool else str
        found = _each(col, cast)  # each distinct value once: a province has millions of facts (issue 15)
        values = found if found is not None else \
            col.astype(object).where(col.notna(), None).map(lambda v: None if v is None else cast(v))
    return values.astype(object).where(values.notna(), None)


def _records(df: pd.DataFrame, kind: str) -> list[dict[str, Any]]:
    """Typed fact dicts, column by column (vectorised), then one dict per row."""
    schema = SCHEMA[kind]
    cols = {c: _column(df[c], schema[c]) for c in schema if c in df.columns and c != "kind"}
    frame = pd.DataFrame(cols, index=df.index)
    frame.insert(0, "kind", kind)
    return records(frame)


def _indicator_roles(ruleset: Ruleset, level1: pd.Series, level2: pd.Series) -> pd.DataFrame:
    """Boolean columns output, benefit, satisfaction: the roles of an indicator's 一级 and of its 二级.

    The roles come from the ruleset's levels (declared `role:`, or implied by the level's name). A 二级
    written under a 一级 that declares no children is free text; its name implies its roles."""
    memo: dict[tuple[str, str], frozenset[str]] = {}

    def roles(l1: str, l2: str) -> frozenset[str]:
        if (l1, l2) not in memo:
            level = ruleset.level_for(l1)
            found = set(level.roles) if level else set(roles_from_name(l1))
            if l2:
                child = ruleset.child_for(level, l2) if level and level.children else None
                found |= set(child.roles) if child else set(roles_from_name(l2))
            memo[l1, l2] = frozenset(found)
        return memo[l1, l2]

    if len(level1) and not level1.isna().any():  # each distinct (一级, 二级) once (issue 15)
        l2 = level2.astype(object).where(level2.notna(), "")
        codes, uniques = pd.MultiIndex.from_arrays([level1.astype(object), l2]).factorize()
        distinct = [roles(str(a), str(b)) for a, b in uniques]
        at = np.asarray(codes)
        return pd.DataFrame({r: np.array([r in p for p in distinct], dtype=bool)[at]
                             for r in ("output", "benefit", "satisfaction")}, index=level1.index, dtype=bool)
    else:
        pairs = [roles(str(a), "" if pd.isna(b) else str(b)) for a, b in zip(level1, level2, strict=True)]
    return pd.DataFrame({r: [r in p for p in pairs] for r in ("output", "benefit", "satisfaction")},
                        index=level1.index, dtype=bool)


def _rejected_by_unit(result: ScoreResult) -> pd.DataFrame:
    """Per (dept_code, project_code): rejected indicator rows, their 一级 levels, and whether an output,
    benefit or satisfaction row was among them — a level whose rows were rejected was set, not missing."""
    rej = rejected_rows(result.dataset, result.ruleset)
    rej = rej[rej["project_code"] != ""]
    cols = ["n_rejected", "rejected_levels", "output_rejected", "benefit_rejected", "satisfaction_rejected"]
    if rej.empty:
        return pd.DataFrame(columns=cols, index=pd.MultiIndex.from_tuples([], names=["dept_code", "project_code"]))
    role = _indicator_roles(result.ruleset, rej["level1"].astype(str), pd.Series("", index=rej.index))
    rej = rej.assign(_out=role["output"], _ben=role["benefit"], _sat=role["satisfaction"])
    g = rej.groupby(["dept_code", "project_code"])
    return pd.DataFrame({
        "n_rejected": g.size().astype(float),
        "rejected_levels": g["level1"].agg(lambda s: "、".join(dict.fromkeys(x for x in s if x)) or "项目信息"),
        "output_rejected": g["_out"].any(), "benefit_rejected": g["_ben"].any(), "satisfaction_rejected": g["_sat"].any(),
    })


def build_facts(result: ScoreResult, checks: pd.DataFrame) -> list[dict[str, Any]]:
    """All facts of a scored run, in a stable order: departments, projects, indicators, checks."""
    ds = result.dataset
    names = ds.departments.set_index("dept_code")
    dept_name = names["dept_name"]
    year = names["year"]
    items = result.items.copy()
    items["dept_name"] = items["dept_code"].map(dept_name)
    items["year"] = items["dept_code"].map(year)
    pname = ds.projects[["dept_code", "project_code", "project_name"]]
    items = items.merge(pname, on=["dept_code", "project_code"], how="left")
    items["project_name"] = text_col(items["project_name"])
    with np.errstate(divide="ignore", invalid="ignore"):
        items["over_ratio"] = items["actual"] / items["target"].where(items["target"] > 0)
        items["share"] = items["points"] / items["weight"].where(items["weight"] > 0)
    # Lost points at the display precision: an indicator that lost less than 0.01 shows 0.00 and is no problem.
    items["lost"] = half_up(items["weight"] - items["points"], precision(result.ruleset))
    items["has_reason"] = text_col(items["deviation_reason"]).str.strip() != ""
    items["source"] = items["kind"]
    items["adjusted"] = items["override_score"].notna()
    items["published"] = items["published_score"]
    items["published_diff"] = items["points"] - items["published_score"]
    facts_ind = _records(items.drop(columns=["kind"]), "indicator")

    per_unit = ["dept_code", "project_code"]
    # Indicators the unit set itself (and those it filled in on 整体绩效指标): not the computed 执行率 row.
    real = items[items["kind"].isin(["input", "reported"])].copy()
    role = _indicator_roles(result.ruleset, real["level1"], real["level2"])
    real["_quant"] = ~real["qualitative"].astype(bool)
    real["_below"] = real["completion"] < 1 - EPS
    real["_out"], real["_ben"], real["_sat"] = role["output"], role["benefit"], role["satisfaction"]
    real["_surveyed"] = real["_sat"] & real["_quant"]  # a satisfaction rate measured, not just 达成预期指标
    g = real.groupby(per_unit)
    stats = pd.DataFrame({
        "n_indicators": g.size().astype(float), "n_quantitative": g["_quant"].sum().astype(float),
        "n_below_target": g["_below"].sum().astype(float), "has_output": g["_out"].any(),
        "has_benefit": g["_ben"].any(), "has_satisfaction": g["_sat"].any(),
    })
    surveyed = g["_surveyed"].any()
    rejected = _rejected_by_unit(result)
    facts_proj: list[dict[str, Any]] = []
    # A department-scope ruleset scores no project totals, but its projects' funds still tell findings
    # about execution, adjustment, carry-over and data periods.
    base = result.projects if len(result.projects) else ds.projects
    if len(base):
        p = base.drop(columns=["n_rejected"], errors="ignore").set_index(per_unit).join(stats).join(surveyed.rename("satisfaction_surveyed")).join(rejected)
        p = p.reset_index()
        p["n_rejected"] = p["n_rejected"].fillna(0)
        p["rejected_levels"] = text_col(p["rejected_levels"])
        for col in ("output_rejected", "benefit_rejected", "satisfaction_rejected"):
            p[col] = p[col].astype(object).where(p[col].notna(), False).astype(bool)
        p["dept_name"], p["year"] = p["dept_code"].map(dept_name), p["dept_code"].map(year)
        p["quantitative_share"] = p["n_quantitative"] / p["n_indicators"].where(p["n_indicators"] > 0)
        p = with_fund_ratios(p)
        for col in ("has_output", "has_benefit", "has_satisfaction", "satisfaction_surveyed"):
            p[col] = p[col].fillna(False).astype(bool)
        facts_proj = _records(p, "project")

    d = result.departments.copy()
    proj = ds.projects.groupby("dept_code")[["budget_initial", "budget_final", "spent", "carryover"]].sum(min_count=1)
    d = d.drop(columns=[c for c in ("budget_final", "spent") if c in d]).join(proj, on="dept_code")
    d = with_fund_ratios(d)
    failed = checks[checks["status"] == "fail"].groupby("dept_code").size() if len(checks) else pd.Series(dtype=float)
    d["n_checks_failed"] = d["dept_code"].map(failed).fillna(0)
    gd = real.groupby("dept_code")
    dstats = pd.DataFrame({"n_indicators": gd.size().astype(float), "n_quant": gd["_quant"].sum().astype(float)})
    d = d.join(dstats, on="dept_code")
    d["quantitative_share"] = d["n_quant"] / d["n_indicators"].where(d["n_indicators"] > 0)
    d["provisional"] = d["provisional"].astype(bool) if "provisional" in d else False
    facts_dept = _records(d, "department")

    c = checks.copy()
    c["dept_name"], c["year"] = c["dept_code"].map(dept_name), c["dept_code"].map(year)
    facts_chk = _records(c, "check") if len(c) else []
    return [*facts_dept, *facts_proj, *facts_ind, *facts_chk]
