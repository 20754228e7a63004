"""Synthetic departments for benchmarks: N departments × P projects × I indicators, written as CSV folders
or built in memory as raw tables. Values are drawn so that scores spread over all grades."""

from __future__ import annotations

import argparse
import random
from pathlib import Path

import pandas as pd

from scoring.io.load import RawData
from scoring.model.tables import SOURCE_COLUMNS, TABLES

LEVELS = [
    ("产出指标", "数量指标", "≥{t}件", "{a}件"),
    ("产出指标", "质量指标", "≥{p}%", "{q}%"),
    ("产出指标", "时效指标", "≥{p}%", "{q}%"),
    ("产出指标", "成本指标", "≤{t}万元", "{a}万元"),
    ("效益指标", "社会效益指标", "有效提升", "{qual}"),
    ("满意度指标", "服务对象满意度指标", "≥{p}%", "{q}%"),
]
QUAL = ["达成预期指标", "达成预期指标", "部分达成", "未达成"]


def build(departments: int, projects: int, indicators: int, seed: int = 7) -> RawData:
    rng = random.Random(seed)
    rows: dict[str, list[dict[str, object]]] = {t.key: [] for t in TABLES}
    src = {"_file": "synthetic", "_sheet": None}
    for d in range(departments):
        code = f"D{d:05d}"
        rows["departments"].append({"dept_code": code, "dept_name": f"合成部门{d}", "year": 2024, **src, "_row": d + 2})
        for p in range(projects):
            pcode = f"P{p:03d}"
            budget = round(rng.uniform(10, 500), 2)
            spent = round(budget * rng.uniform(0.6, 1.0), 2)
            rows["projects"].append(
                {
                    "dept_code": code,
                    "project_code": pcode,
                    "project_name": f"项目{p}",
                    "budget_initial": budget,
                    "budget_final": budget,
                    "spent": spent,
                    "carryover": round(budget - spent, 2),
                    **src,
                    "_row": p + 2,
                }
            )
            for i in range(indicators):
                l1, l2, tgt, act = LEVELS[i % len(LEVELS)]
                t = rng.randint(50, 5000)
                pval = rng.choice([80, 90, 95])
                rows["indicators"].append(
                    {
                        "dept_code": code,
                        "project_code": pcode,
                        "level1": l1,
                        "level2": l2,
                        "name": f"指标{i}",
                        "target": tgt.format(t=t, p=pval),
                        "actual": act.format(
                            a=round(t * rng.uniform(0.5, 1.5)),
                            q=round(pval * rng.uniform(0.8, 1.1), 2),
                            qual=rng.choice(QUAL),
                        ),
                        **src,
                        "_row": i + 2,
                    }
                )
    frames = {}
    for t in TABLES:
        cols = [*t.fields, *SOURCE_COLUMNS]
        frames[t.key] = pd.DataFrame(rows[t.key], columns=cols).astype(object)
    return RawData(frames)


def main() -> None:
    ap = argparse.ArgumentParser(description="Write synthetic departments as CSV folders")
    ap.add_argument("out", type=Path)
    ap.add_argument("--departments", type=int, default=10)
    ap.add_argument("--projects", type=int, default=5)
    ap.add_argument("--indicators", type=int, default=8)
    args = ap.parse_args()
    raw = build(args.departments, args.projects, args.indicators)
    headers = {t.key: {c.field: c.header for c in t.columns} for t in TABLES}
    for t in TABLES:
        df = raw[t.key]
        for code, g in df.groupby("dept_code"):
            folder = args.out / str(code)
            folder.mkdir(parents=True, exist_ok=True)
            g[list(t.fields)].rename(columns=headers[t.key]).to_csv(folder / f"{t.sheet}.csv", index=False)
    print(f"wrote {args.departments} departments to {args.out}")


if __name__ == "__main__":
    main()
