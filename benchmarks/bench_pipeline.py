"""Time each pipeline stage on synthetic data and print throughput and ratios measured in one run.

Not a test: machines here are shared and noisy, so read the ratios, not the absolute seconds.
    python benchmarks/bench_pipeline.py --departments 1000 --projects 10 --indicators 10
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # synthetic.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's scoring

from synthetic import build  # noqa: E402

from scoring.pipeline import (
    checks,  # noqa: E402
    facts,
    findings,
)
from scoring.pipeline.score import score  # noqa: E402
from scoring.pipeline.validate import validate  # noqa: E402
from scoring.rules.ruleset import load_ruleset  # noqa: E402


def timed(label: str, fn, results: dict[str, float]):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    results[label] = time.perf_counter() - t0
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--departments", type=int, default=200)
    ap.add_argument("--projects", type=int, default=10)
    ap.add_argument("--indicators", type=int, default=10)
    ap.add_argument("--ruleset", default="mof-project")
    ap.add_argument("--engine", default="columns", choices=["columns", "durable", "reference"])
    ap.add_argument("--compare-engines", action="store_true", help="also run the other engine; print the ratio")
    args = ap.parse_args()
    rs = load_ruleset(args.ruleset)
    t: dict[str, float] = {}
    raw = timed("build (synthetic)", lambda: build(args.departments, args.projects, args.indicators), t)
    n = len(raw["indicators"])
    ds = timed("validate", lambda: validate(raw, rs), t)
    chk = timed("check", lambda: checks.run_checks(ds, rs.checks, rs.library), t)
    res = timed("score", lambda: score(ds, rs), t)
    fx = timed("facts", lambda: facts.build_facts(res, chk), t)
    found = timed(f"findings ({args.engine})", lambda: findings.run_findings(rs.findings, fx, engine=args.engine), t)
    print(
        f"{args.departments} departments × {args.projects} projects × {args.indicators} indicators = {n} rows; "
        f"{len(fx)} facts; {len(found)} findings"
    )
    total = sum(v for k, v in t.items() if not k.startswith("build"))
    for label, secs in t.items():
        rate = f"{n / secs:,.0f} rows/s" if secs > 0 else "—"
        print(f"  {label:<22} {secs:8.3f} s  {rate:>18}  {secs / total:6.1%} of pipeline")
    print(
        f"  score/validate ratio: {t['score'] / t['validate']:.2f}; "
        f"findings/score ratio: {t[f'findings ({args.engine})'] / t['score']:.2f}"
    )
    if args.compare_engines:
        other = "columns" if args.engine != "columns" else "durable"
        again = timed(f"findings ({other})", lambda: findings.run_findings(rs.findings, fx, engine=other), t)
        same = [(f.rule_id, f.dept_code, f.problem) for f in found] == [
            (f.rule_id, f.dept_code, f.problem) for f in again
        ]
        print(
            f"  {args.engine}/{other} time ratio: {t[f'findings ({args.engine})'] / t[f'findings ({other})']:.2f}; "
            f"same findings: {same}"
        )


if __name__ == "__main__":
    main()
