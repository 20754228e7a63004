"""Batch rendering benchmark: per-department cost of `perfscore score DIR --out FOLDER` at 30, 100 and 300 departments.

For each department count it generates the bulk layout the batch tests use (benchmarks/generate.py: 3 projects ×
4 indicators per department, 3 % bad rows, so some departments are provisional), scores it once (not timed), then,
in a fresh process per count:

- times `write_batch` (every department's 自评表 xlsx, report docx and md, JSON trace, and the 汇总表);
- times the yardstick: one plain file (the department's JSON trace text, already made) written per department
  into its own folder, atomically, as the batch writes its files;
- splits one department's work into its parts (split from the run, report model, md, docx, xlsx, JSON) in CPU
  time, which a shared machine disturbs less than wall time.

Every figure is per department; "× plain" is the ratio to the yardstick of the same process. A linear batch keeps
its per-department seconds flat from 30 to 300 departments. Machines here are shared and noisy: read the ratios.

    python benchmarks/bench_batch.py                      # 30 100 300
    python benchmarks/bench_batch.py --departments 30 1000
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from generate import build, write  # noqa: E402

SUPERVISORS = ("区政府办", "区财政局", "")
SECTORS = ("教育支出", "卫生健康支出", "城乡社区支出")
PARTS = ("split", "report", "md", "docx", "xlsx", "json")


def generate(folder: Path, departments: int) -> None:
    """The input tests/test_batch.py generates: departments × 3 projects × 4 indicators, 主管部门 and 行业 set."""
    tables = build(departments, projects=3, indicators=4, seed=11, bad_share=0.03)
    d = tables["departments"]
    d["supervisor"] = [SUPERVISORS[i % 3] for i in range(len(d))]
    d["sector"] = [SECTORS[i % 3] for i in range(len(d))]
    write(tables, folder, "bulk")


def child(departments: int, work: Path) -> dict[str, float]:
    """One department count, measured in this process; returns seconds per department."""
    from scoring import api
    from scoring.core import atomic
    from scoring.render.batch import department_runs, rejection_departments, write_batch
    from scoring.render.json import render_json
    from scoring.render.report import build_report, render_report_docx, render_report_markdown
    from scoring.render.xlsx import render_xlsx

    source = work / "in"
    generate(source, departments)
    run = api.run_path(source, "mof-project", 2024)
    n = len(run.result.departments)

    # The parts, in CPU seconds (one pass over every department, files into a scratch folder).
    parts = dict.fromkeys(PARTS, 0.0)
    scratch = work / "parts"
    scratch.mkdir()
    traces: list[tuple[str, str]] = []
    runs = department_runs(run, rejection_departments(run))
    clock = time.process_time
    while True:
        t0 = clock()
        try:
            code, own = next(runs)
        except StopIteration:
            break
        t1 = clock()
        report = build_report(own, code)
        t2 = clock()
        render_report_markdown(report)
        t3 = clock()
        render_report_docx(report, str(scratch / f"{code}.docx"))
        t4 = clock()
        render_xlsx(own, scratch / f"{code}.xlsx")
        t5 = clock()
        traces.append((code, render_json(own)))
        t6 = clock()
        for part, took in zip(PARTS, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            parts[part] += took
    shutil.rmtree(scratch)

    # The yardstick: one plain file per department, in its own folder, written atomically.
    plain = work / "plain"
    t0 = time.perf_counter()
    for code, text in traces:
        folder = plain / code
        folder.mkdir(parents=True)
        atomic.write_text(folder / "评分记录.json", text)
    yardstick = time.perf_counter() - t0

    t0, c0 = time.perf_counter(), clock()
    write_batch(run, work / "out")
    batch, batch_cpu = time.perf_counter() - t0, clock() - c0
    return {
        "departments": n,
        "batch": batch / n,
        "batch_cpu": batch_cpu / n,
        "plain": yardstick / n,
        **{f"cpu_{k}": v / n for k, v in parts.items()},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--departments", type=int, nargs="+", default=[30, 100, 300])
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        with tempfile.TemporaryDirectory(prefix="perfscore-bench-batch-") as tmp:
            print(json.dumps(child(args.child, Path(tmp))))
        return
    print(
        "departments | batch s/dept (wall) | × plain | batch CPU s/dept | plain file s/dept | "
        "CPU ms/dept: " + " ".join(PARTS)
    )
    for n in args.departments:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n)], check=True, capture_output=True, text=True, cwd=ROOT
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        cpu = " ".join(f"{r[f'cpu_{p}'] * 1000:.1f}" for p in PARTS)
        print(
            f"{r['departments']:>11} | {r['batch']:>19.4f} | {r['batch'] / r['plain']:>6.0f}× | "
            f"{r['batch_cpu']:>16.4f} | {r['plain']:>17.5f} | {cpu}",
            flush=True,
        )


if __name__ == "__main__":
    main()
