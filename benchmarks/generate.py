"""Synthetic province for benchmarks: N departments × P projects × I indicators with realistic targets, units,
qualitative answers and about 2 % bad rows, written in either input layout perfscore reads.

    python benchmarks/generate.py OUT --departments 20000 --layout bulk      # one CSV per table, all departments
    python benchmarks/generate.py OUT --departments 300 --layout folders     # one folder of CSVs per department
    python benchmarks/generate.py OUT --departments 20000 --format parquet   # one Parquet file per table

The bulk layout is how a province's 预算管理一体化 system exports: 单位信息.csv, 预算收支.csv, 项目支出.csv and
绩效指标.csv, each holding every department's rows keyed by 部门编码. Rows are built column-wise with numpy, so
generating 2 million indicator rows takes seconds, not minutes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from scoring.model.tables import TABLES

# (一级, 二级, target template, actual template, unit) — targets as departments write them
KINDS = [
    ("产出指标", "数量指标", "≥{t}", "{a}", "件"),
    ("产出指标", "数量指标", "={t}", "{a}", "个"),
    ("产出指标", "质量指标", "≥{p}%", "{q}%", ""),
    ("产出指标", "时效指标", "≥{p}%", "{q}%", ""),
    ("产出指标", "成本指标", "≤{t}万元", "{a}万元", ""),
    ("效益指标", "社会效益指标", "有效提升", "{qual}", ""),
    ("效益指标", "可持续影响指标", "长期", "{qual}", ""),
    ("满意度指标", "服务对象满意度指标", "≥{p}%", "{q}%", ""),
]
QUALITATIVE = np.array(["达成预期指标", "达成预期指标", "达成预期指标", "部分达成预期指标", "未达成预期指标"])
BAD_ACTUALS = np.array(["较上年提高", "见附件", "—", "???"])


def _headers(key: str) -> dict[str, str]:
    table = next(t for t in TABLES if t.key == key)
    return {c.field: c.header for c in table.columns}


def build(
    departments: int, projects: int = 10, indicators: int = 10, seed: int = 7, bad_share: float = 0.02
) -> dict[str, pd.DataFrame]:
    """The four input tables for the whole province, headed as the template heads them."""
    rng = np.random.default_rng(seed)
    codes = np.char.add("D", np.char.zfill(np.arange(departments).astype(str), 6))
    depts = pd.DataFrame(
        {"dept_code": codes, "dept_name": np.char.add("合成部门", np.arange(departments).astype(str)), "year": 2024}
    )
    n_p = departments * projects
    p_dept = np.repeat(codes, projects)
    p_code = np.tile(np.char.add("P", np.char.zfill(np.arange(projects).astype(str), 3)), departments)
    budget = np.round(rng.uniform(10, 500, n_p), 2)
    spent = np.round(budget * rng.uniform(0.55, 1.0, n_p), 2)
    proj = pd.DataFrame(
        {
            "dept_code": p_dept,
            "project_code": p_code,
            "project_name": np.char.add("项目", p_code),
            "budget_initial": budget,
            "budget_final": budget,
            "spent": spent,
            "carryover": np.round(budget - spent, 2),
        }
    )
    n_i = n_p * indicators
    kind = np.tile(np.arange(indicators) % len(KINDS), n_p)
    t = rng.integers(50, 5000, n_i)
    a = np.round(t * rng.uniform(0.5, 1.4, n_i)).astype(int)
    pval = rng.choice([80, 90, 95], n_i)
    q = np.round(pval * rng.uniform(0.8, 1.08, n_i), 2)
    qual = rng.choice(QUALITATIVE, n_i)
    target = np.empty(n_i, dtype=object)
    actual = np.empty(n_i, dtype=object)
    l1 = np.empty(n_i, dtype=object)
    l2 = np.empty(n_i, dtype=object)
    for k, (one, two, tgt, act, unit) in enumerate(KINDS):
        m = kind == k
        l1[m], l2[m] = one, two
        if "{t}" in tgt:
            target[m] = tgt.split("{t}")[0] + pd.Series(t[m]).astype(str) + tgt.split("{t}")[1] + unit
        elif "{p}" in tgt:
            target[m] = tgt.split("{p}")[0] + pd.Series(pval[m]).astype(str) + tgt.split("{p}")[1]
        else:
            target[m] = tgt
        if "{a}" in act:
            actual[m] = pd.Series(a[m]).astype(str) + act.split("{a}")[1] + unit
        elif "{q}" in act:
            actual[m] = pd.Series(q[m]).astype(str) + "%"
        else:
            actual[m] = qual[m]
    bad = rng.random(n_i) < bad_share
    actual[bad] = rng.choice(BAD_ACTUALS, int(bad.sum()))
    ind = pd.DataFrame(
        {
            "dept_code": np.repeat(p_dept, indicators),
            "project_code": np.repeat(p_code, indicators),
            "level1": l1,
            "level2": l2,
            "name": np.char.add("指标", (np.arange(n_i) % indicators).astype(str)),
            "target": target,
            "actual": actual,
        }
    )
    return {"departments": depts, "projects": proj, "indicators": ind}


def write(tables: dict[str, pd.DataFrame], out: Path, layout: str, fmt: str = "csv") -> list[Path]:
    """Write the tables in the bulk layout (one file per table) or as one folder per department, as CSV or
    Parquet (fmt "parquet"; text columns stored as text, numbers as numbers)."""
    sheets = {t.key: t.sheet for t in TABLES}
    files: list[Path] = []

    def save(df: pd.DataFrame, folder: Path, key: str) -> None:
        path = folder / f"{sheets[key]}.{fmt}"
        if fmt == "parquet":
            df.to_parquet(path, index=False)
        else:
            df.to_csv(path, index=False)
        files.append(path)

    if layout == "bulk":
        out.mkdir(parents=True, exist_ok=True)
        for key, df in tables.items():
            save(df.rename(columns=_headers(key)), out, key)
        return files
    for key, df in tables.items():
        renamed = df.rename(columns=_headers(key))
        for code, group in renamed.groupby(_headers(key)["dept_code"], sort=False):
            folder = out / str(code)
            folder.mkdir(parents=True, exist_ok=True)
            save(group, folder, key)
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--departments", type=int, default=300)
    ap.add_argument("--projects", type=int, default=10)
    ap.add_argument("--indicators", type=int, default=10)
    ap.add_argument("--layout", choices=["bulk", "folders"], default="bulk")
    ap.add_argument("--format", choices=["csv", "parquet"], default="csv", dest="fmt")
    args = ap.parse_args()
    files = write(build(args.departments, args.projects, args.indicators), args.out, args.layout, args.fmt)
    print(f"wrote {args.departments} departments ({args.layout} {args.fmt}, {len(files)} files) to {args.out}")


if __name__ == "__main__":
    main()
