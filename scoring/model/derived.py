"""Derived metrics computed from a Dataset: per-department budget fields and funds ratios (执行率, 调整率, 结转率)."""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from scoring.model.dataset import Dataset
from scoring.rules.indicators import Library


def department_fields(ds: Dataset, library: Library) -> pd.DataFrame:
    """One row per department: <line>_<money field> sums from 预算收支, plus staff counts (formula inputs)."""
    b = ds.budget
    money = ["budget_initial", "budget_final", "spent", "prior_spent"]
    wide = cast(pd.DataFrame, b.groupby(["dept_code", "line_key"])[money].sum(min_count=1).unstack("line_key"))
    wide.columns = [f"{line}_{field}" for field, line in cast(pd.MultiIndex, wide.columns)]  # (money, line) pairs
    out = ds.departments.set_index("dept_code")[["staff_authorized", "staff_actual"]].join(wide)
    for line in library.budget_lines:
        for field in money:
            col = f"{line}_{field}"
            if col not in out:
                out[col] = np.nan
    for field in money:  # 合计 not given: 一般公共预算 + 政府性基金
        parts = out[[f"general_{field}", f"fund_{field}"]]
        out[f"total_{field}"] = out[f"total_{field}"].fillna(parts.sum(axis=1, min_count=1))
    cols = ["budget_initial", "budget_final", "spent", "carryover"]
    p = ds.projects
    fund = p["is_fund"].astype(bool)
    out = out.join(p.groupby("dept_code")[cols].sum(min_count=1).add_prefix("projects_"))
    out = out.join(p[~fund].groupby("dept_code")[cols].sum(min_count=1).add_prefix("projects_general_"))
    out = out.join(p[fund].groupby("dept_code")[cols].sum(min_count=1).add_prefix("projects_fund_"))
    return out


def with_fund_ratios(df: pd.DataFrame) -> pd.DataFrame:
    """Add the ratios of a funds table (projects, or departments summed): execution_rate = 全年执行 /
    全年预算 (财预〔2020〕10号), adjustment = 全年预算 − 年初预算, adjustment_rate = |adjustment| / 年初预算,
    carryover_rate = 结转结余 / 全年预算. A zero or missing denominator gives NaN, never infinity."""
    out = df.copy()
    final = out["budget_final"].where(out["budget_final"] > 0)
    initial = out["budget_initial"].where(out["budget_initial"] > 0)
    out["execution_rate"] = out["spent"] / final
    out["adjustment"] = out["budget_final"] - out["budget_initial"]
    out["adjustment_rate"] = out["adjustment"].abs() / initial
    if "carryover" in out:
        out["carryover_rate"] = out["carryover"] / final
    return out
